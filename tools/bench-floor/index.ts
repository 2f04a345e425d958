/**
 * The bench floor: what every plan pays before the program does anything of its own. It loads the
 * provider SDKs the program imports (side-effect imports, which no transpiler drops) and registers
 * one resource, so the engine, the mocks and one registration round trip are all exercised.
 */
import "@pulumi/cloudflare";
import "@pulumi/random";
import "@pulumiverse/vercel";
import * as aws from "@pulumi/aws";

const bucket = new aws.s3.Bucket("floor");

export const bucketName = bucket.bucket;
