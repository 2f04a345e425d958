/**
 * The bench floor: what every plan pays before the program does anything of its own. It loads the
 * provider SDKs the program imports (side-effect imports, which no transpiler drops) and registers
 * one resource, so the engine, the mocks and one registration round trip are all exercised.
 */
import "@pulumi/cloudflare";
import "@pulumi/random";
import "@pulumiverse/vercel";
import * as aws from "@pulumi/aws";

// `npm run bench -- --registrations N` sets this to N: the floor then registers N buckets, which
// measures what one registration costs the runtime (the first keeps its name, so N=1 is the floor).
const count = Number(process.env.GROUNDWORK_BENCH_FLOOR_BUCKETS ?? 1);
const buckets = Array.from({ length: count }, (_, i) => new aws.s3.Bucket(i === 0 ? "floor" : `floor-${i}`));

export const bucketName = buckets[0].bucket;
