/**
 * One example per seed guide (examples/<shape>/): each stack file pair plans clean, passes the
 * policy pack, gives each app the variables its guide reads under the names it reads them, and
 * builds nothing the app does not use.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, PlanRecord } from "../tools/engine";
import { evaluatePolicies } from "../tools/policy-runner";
import { byType, goodPlan } from "./harness";

interface Expectation {
    /** The seed guide it is for. */
    seed: string;
    /** `parts` output. */
    parts: Record<string, unknown>;
    /** Variables each app must get (name → exact value, or a pattern), by stack output. */
    env: Partial<Record<"apiEnv" | "workerEnv" | "webEnv", Record<string, string | RegExp>>>;
    /** Variables that must not be there. */
    absentEnv?: Partial<Record<"apiEnv" | "workerEnv" | "webEnv", string[]>>;
    /** Outputs by name → exact value (prod; the staging domain is derived). */
    outputs?: Record<string, string>;
    /** Resource types that must be absent. */
    absentTypes?: string[];
    /** Anything else the guide asks, checked on the plan. */
    check?: (r: PlanRecord, stack: string) => void;
}

const ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable";
const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
/** The Vercel variable of that name (one per name). */
const webVar = (r: PlanRecord, key: string) => {
    const found = byType(r, ENV_VAR).filter((v) => v.inputs.key === key);
    assert.equal(found.length, 1, `one Vercel variable ${key}`);
    return found[0];
};
/** The records of a type whose name starts with a label. */
const records = (r: PlanRecord, type: string, label: string) => byType(r, RECORD).filter((x) => x.inputs.type === type && String(x.inputs.name).startsWith(label));

const ANY = /./;
const EXAMPLES: Record<string, Expectation> = {
    "api-worker-nextjs": {
        seed: "000",
        parts: { api: true, worker: true, database: "rds", cache: "elasticache", uploads: true, stripe: "webhook", frontend: true },
        env: {
            apiEnv: {
                NODE_ENV: "production", PORT: "4000", DATABASE_URL: /^postgresql:\/\/.*sslmode=require$/, REDIS_URL: /^rediss:\/\//,
                S3_ENDPOINT: "https://s3.us-east-1.amazonaws.com", S3_BUCKET: ANY, S3_REGION: "us-east-1", JWT_SECRET: ANY,
                STRIPE_SECRET_KEY: /^sk_(live|test)_/, STRIPE_WEBHOOK_SECRET: /^whsec_/, ALLOWED_ORIGINS: /^https:\/\/app\./, JSON_BODY_LIMIT: "1mb",
            },
            workerEnv: { DATABASE_URL: ANY, REDIS_URL: ANY, WORKER_CONCURRENCY: ANY },
            webEnv: { NEXT_PUBLIC_API_URL: /^https:\/\/api\.(staging\.)?betweensessions\.example\/api\/v1$/ },
        },
        outputs: { healthUrl: "https://api.betweensessions.example/api/v1/health", stripeWebhookUrl: "https://api.betweensessions.example/api/v1/webhooks/stripe" },
        check: (r, stack) => {
            assert.equal(byType(r, "vercel:index/project:Project")[0].inputs.rootDirectory, "frontend");
            // prod's web app ships with the gated prod deploy: a deployment of the pinned commit.
            assert.equal(byType(r, "vercel:index/deployment:Deployment").length, stack === "prod" ? 1 : 0);
        },
    },
    "api-supabase-clerk": {
        seed: "001",
        parts: { api: true, worker: false, database: "external", cache: "none", uploads: false, stripe: "webhook", frontend: false },
        env: {
            apiEnv: {
                NODE_ENV: "production", PORT: "3000", CORS_ORIGIN: /^https:\/\/app\.(staging\.)?tatame\.example$/, SUPABASE_URL: /supabase\.co$/,
                CLERK_SECRET_KEY: ANY, CLERK_PUBLISHABLE_KEY: ANY, SUPABASE_ANON_KEY: ANY, DATABASE_URL: /supabase\.com/,
                STRIPE_SECRET_KEY: ANY, STRIPE_WEBHOOK_SECRET: /^whsec_/,
            },
        },
        absentEnv: { apiEnv: ["JWT_SECRET", "REDIS_URL", "S3_BUCKET", "ALLOWED_ORIGINS", "NODE_EXTRA_CA_CERTS"] },
        outputs: { healthUrl: "https://api.tatame.example/", stripeWebhookUrl: "https://api.tatame.example/webhooks/stripe" },
        absentTypes: ["aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup", "vercel:index/project:Project"],
        check: (r, stack) => {
            // No uploads bucket to copy; prod's weekly dumps are copied to the second region (the guide's "separate location").
            assert.deepEqual(byType(r, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").map((x) => x.name), stack === "prod" ? ["backups-replication"] : []);
        },
    },
    "express-nextjs-connect": {
        seed: "002",
        parts: { api: true, worker: true, database: "rds", cache: "elasticache", uploads: false, stripe: "webhook", frontend: true },
        env: {
            apiEnv: {
                API_PORT: "3001", PORT: "3001", CORS_ORIGIN: /^https:\/\/app\.(staging\.)?mais\.example$/, JWT_SECRET: /^[A-Za-z0-9]{64}$/,
                BOOKING_TOKEN_SECRET: /^[A-Za-z0-9]{64}$/, TENANT_SECRETS_ENCRYPTION_KEY: ANY, POSTMARK_SERVER_TOKEN: ANY, SENTRY_DSN: ANY,
                ADAPTERS_PRESET: /^(real|mock)$/, LOG_LEVEL: "info", DATABASE_POOL_SIZE: "5", DATABASE_URL: ANY, REDIS_URL: ANY,
                STRIPE_SECRET_KEY: ANY, STRIPE_WEBHOOK_SECRET: ANY,
            },
            workerEnv: { REDIS_URL: ANY, DATABASE_URL: ANY, WORKER_CONCURRENCY: ANY },
            webEnv: { NEXT_PUBLIC_API_URL: /^https:\/\/api\.(staging\.)?mais\.example$/ },
        },
        absentEnv: { apiEnv: ["S3_BUCKET"] },
        outputs: { healthUrl: "https://api.mais.example/health", stripeWebhookUrl: "https://api.mais.example/v1/webhooks/stripe" },
        absentTypes: ["aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"],
        check: (r) => {
            const p = byType(r, "vercel:index/project:Project")[0].inputs;
            assert.deepEqual([p.buildCommand, p.outputDirectory, p.nodeVersion], ["npm run build", "apps/web/.next", "22.x"]);
            // Postmark: DKIM and Return-Path in the stack's domain, never proxied.
            assert.equal(records(r, "TXT", "20251228pm._domainkey").length, 1);
            assert.equal(records(r, "CNAME", "pm-bounces")[0]?.inputs.content, "pm.mtasv.net");
            for (const x of [...records(r, "TXT", ""), ...records(r, "CNAME", "pm-")]) assert.equal(x.inputs.proxied, false);
        },
    },
    "vite-spa-api": {
        seed: "003",
        parts: { api: true, worker: false, database: "none", cache: "none", uploads: false, stripe: "none", frontend: true },
        env: {
            apiEnv: {
                PORT: "3002", FRONTEND_URL: /^https:\/\/app\.(staging\.)?asonti\.example$/, SUPABASE_URL: /supabase\.co$/, JSON_BODY_LIMIT: "10mb",
                OPENAI_API_KEY: ANY, SUPABASE_SERVICE_KEY: ANY, SUPABASE_ANON_KEY: ANY, SENTRY_DSN: ANY,
            },
            webEnv: { VITE_API_URL: /^https:\/\/api\.(staging\.)?asonti\.example$/, VITE_SUPABASE_URL: /supabase\.co$/, VITE_SUPABASE_ANON_KEY: /^eyJ/ },
        },
        absentEnv: { apiEnv: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "DATABASE_URL", "REDIS_URL", "JWT_SECRET"], webEnv: ["NEXT_PUBLIC_API_URL"] },
        outputs: { healthUrl: "https://api.asonti.example/health" },
        check: (r) => {
            const p = byType(r, "vercel:index/project:Project")[0].inputs;
            assert.deepEqual([p.framework, p.buildCommand, p.outputDirectory], ["vite", 'cd "Asonti app" && npm run build', "Asonti app/dist"]);
            // The anon key is public by design: a plain variable (the browser gets it anyway).
            assert.equal(webVar(r, "VITE_API_URL").inputs.sensitive, false);
        },
        absentTypes: ["pulumi-nodejs:dynamic:Resource", "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup"],
    },
    "nextjs-backend-worker": {
        seed: "004",
        parts: { api: false, worker: true, database: "external", cache: "external", uploads: false, stripe: "webhook", frontend: true },
        env: {
            webEnv: {
                DATABASE_URL: /-pooler\./, DATABASE_URL_UNPOOLED: /neon\.tech/, REDIS_URL: /upstash\.io/, STRIPE_SECRET_KEY: /^sk_(live|test)_/,
                STRIPE_WEBHOOK_SECRET: /^whsec_/, NEXTAUTH_SECRET: /^[A-Za-z0-9]{44}$/, NEXTAUTH_URL: /^https:\/\/(staging\.)?stsstrategies\.example$/,
                NEXT_PUBLIC_APP_URL: /^https:\/\/(staging\.)?stsstrategies\.example$/, GOOGLE_CLIENT_SECRET: ANY, RESEND_API_KEY: ANY,
                UPSTASH_REDIS_REST_TOKEN: ANY, STRIPE_PUBLISHABLE_KEY: /^pk_(live|test)_/, EMAIL_FROM: ANY,
            },
            workerEnv: {
                DATABASE_URL: /-pooler\./, DATABASE_URL_UNPOOLED: /neon\.tech/, REDIS_URL: /^rediss:\/\/.*upstash\.io/, UPSTASH_REDIS_REST_URL: ANY,
                UPSTASH_REDIS_REST_TOKEN: ANY, RESEND_API_KEY: ANY, TV_SESSION_ID: ANY, NEXT_PUBLIC_APP_URL: /^https:\/\/(staging\.)?stsstrategies\.example$/,
                PROVISIONING_MODE: "unofficial-api", EMAIL_FROM: "STS Strategies <noreply@stsstrategies.example>", WORKER_CONCURRENCY: "5",
                WORKER_MAX_RETRIES: "5",
            },
        },
        outputs: { appUrl: "https://stsstrategies.example", stripeWebhookUrl: "https://stsstrategies.example/api/webhooks/stripe" },
        check: (r) => {
            // The web app is the backend: every credential its guide lists, as a sensitive Vercel variable.
            for (const key of ["DATABASE_URL", "DATABASE_URL_UNPOOLED", "REDIS_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "NEXTAUTH_SECRET",
                "GOOGLE_CLIENT_SECRET", "UPSTASH_REDIS_REST_TOKEN", "RESEND_API_KEY"]) {
                const v = webVar(r, key);
                assert.equal(v.inputs.sensitive, true, `${key} is sensitive`);
                assert.ok(v.secretInputs.includes("value"), `${key} is a secret in Pulumi's state`);
            }
            for (const key of ["NEXT_PUBLIC_APP_URL", "STRIPE_PRICE_ID", "GOOGLE_CLIENT_ID"]) assert.equal(webVar(r, key).inputs.sensitive, false, key);
            const p = byType(r, "vercel:index/project:Project")[0].inputs;
            assert.deepEqual([p.rootDirectory, p.installCommand, p.buildCommand], ["apps/web", "cd ../.. && pnpm install", "cd ../.. && pnpm build --filter=@sts/web"]);
            // Resend: MX, SPF and DKIM for send.<domain>.
            assert.deepEqual(records(r, "MX", "send").map((x) => [x.inputs.priority, x.inputs.content]), [[10, "feedback-smtp.us-east-1.amazonses.com"]]);
            assert.equal(records(r, "TXT", "resend._domainkey").length, 1);
        },
        absentTypes: ["aws:lb/loadBalancer:LoadBalancer", "aws:acm/certificate:Certificate", "aws:rds/instance:Instance",
            "aws:elasticache/replicationGroup:ReplicationGroup", "aws:s3/bucket:Bucket", "aws:route53/healthCheck:HealthCheck"],
    },
};

const EXAMPLES_DIR = path.join(PROJECT_DIR, "examples");
const plans = (name: string, stack: string) => goodPlan(stack, undefined, { configDir: path.join(EXAMPLES_DIR, name) });
/** The prod output value for a stack: staging's host names carry `staging.`. */
const forStack = (value: string, stack: string) => (stack === "prod" ? value : value.replace(/^https:\/\/((?:api|app)\.)?/, (_m, host) => `https://${host ?? ""}staging.`));

describe("examples, one per seed guide", () => {
    it("has a folder per example with both stack files, their offline secrets and a README naming its seed", () => {
        const folders = fs.readdirSync(EXAMPLES_DIR).filter((f) => fs.statSync(path.join(EXAMPLES_DIR, f)).isDirectory()).sort();
        assert.deepEqual(folders, Object.keys(EXAMPLES).sort());
        assert.deepEqual(Object.values(EXAMPLES).map((e) => e.seed).sort(), ["000", "001", "002", "003", "004"]);
        const index = fs.readFileSync(path.join(EXAMPLES_DIR, "README.md"), "utf8");
        for (const [name, e] of Object.entries(EXAMPLES)) {
            for (const f of ["Pulumi.staging.yaml", "Pulumi.prod.yaml", "offline-secrets.yaml"]) {
                assert.ok(fs.existsSync(path.join(EXAMPLES_DIR, name, f)), `${name}/${f}`);
            }
            assert.match(index, new RegExp(`\\(${name}/?\\)[^\\n]*|${name}`), `examples/README.md lists ${name}`);
            assert.match(fs.readFileSync(path.join(EXAMPLES_DIR, name, "Pulumi.prod.yaml"), "utf8"), new RegExp(`seed ${e.seed}`));
        }
    });

    for (const [name, e] of Object.entries(EXAMPLES)) {
        describe(`${name} (seed ${e.seed})`, () => {
            for (const stack of ["staging", "prod"]) {
                it(`${stack}: plans clean and passes every mandatory policy rule`, async () => {
                    const r = await plans(name, stack);
                    assert.equal(r.config["groundwork:profile"].value, stack);
                    const verdict = await evaluatePolicies(r);
                    assert.deepEqual(verdict.mandatory.map((v) => `${v.policy}: ${v.message}`), []);
                });

                it(`${stack}: builds exactly its parts, and nothing of the others`, async () => {
                    const r = await plans(name, stack);
                    assert.deepEqual(r.outputs.parts.value, e.parts);
                    for (const t of e.absentTypes ?? []) assert.deepEqual(byType(r, t).map((x) => x.name), [], t);
                });

                it(`${stack}: gives each app the variables its guide reads, by its names`, async () => {
                    const r: PlanRecord = await plans(name, stack);
                    for (const [output, want] of Object.entries(e.env)) {
                        const env = r.outputs[output]?.value as Record<string, string> | undefined;
                        assert.ok(env, `${output} is exported`);
                        assert.equal(r.outputs[output].secret, true, `${output} is secret`);
                        for (const [k, v] of Object.entries(want)) {
                            if (typeof v === "string") assert.equal(env[k], v, `${output}.${k}`);
                            else assert.match(env[k] ?? "", v, `${output}.${k}`);
                        }
                    }
                    for (const [output, names] of Object.entries(e.absentEnv ?? {})) {
                        const env = (r.outputs[output]?.value ?? {}) as Record<string, string>;
                        for (const n of names) assert.equal(env[n], undefined, `${output} has no ${n}`);
                    }
                    for (const [output, value] of Object.entries(e.outputs ?? {})) {
                        assert.equal(r.outputs[output]?.value, forStack(value, stack), output);
                    }
                    e.check?.(r, stack);
                });
            }
        });
    }
});
