import { strict as assert } from "assert";
import { registered } from "../tools/engine";
import { STAGING_OVERRIDES, goodPlan, plan, problemKeys } from "./harness";


describe("the whole program", () => {
    for (const stack of ["staging", "prod"]) {
        it(`runs for ${stack} and exports its outputs`, async () => {
            const r = await goodPlan(stack);
            assert.ok(registered(r).length > 0);
            assert.equal(r.outputs.awsRegion?.value, "us-east-1");
        });
    }

    it("registers every AWS, Cloudflare and Vercel resource with an explicit provider", async () => {
        for (const stack of ["staging", "prod"]) {
            const r = await goodPlan(stack);
            const orphans = registered(r).filter((x) => x.custom && /^(aws|cloudflare|vercel):/.test(x.type) && !x.options.provider);
            assert.deepEqual(orphans.map((x) => `${x.type} ${x.name}`), []);
        }
    });

    describe("with bad config registers nothing and names each bad key", () => {
        it("aws:region eu-west-1", async () => {
            const r = await plan("prod", { "aws:region": "eu-west-1" });
            assert.deepEqual(problemKeys(r), ["aws:region"]);
            assert.equal(registered(r).length, 0);
        });
        it("a malformed domain", async () => {
            const r = await plan("prod", { "groundwork:domain": "api..example.com" });
            assert.deepEqual(problemKeys(r), ["groundwork:domain"]);
            assert.equal(registered(r).length, 0);
        });
        it("a live Stripe key on staging", async () => {
            const r = await plan("staging", { "groundwork:stripeSecretKey": "sk_live_" + "0123456789abcdefghij" });
            assert.deepEqual(problemKeys(r), ["groundwork:stripeSecretKey"]);
            assert.equal(registered(r).length, 0);
        });
        it("a required key the stack file lacks, as the CLI reports it", async () => {
            const r = await plan("prod", { "groundwork:domain": undefined });
            assert.deepEqual(problemKeys(r), ["groundwork:domain"]);
            assert.match(r.problems[0].message, /missing configuration value 'domain'/);
            assert.equal(r.resources.length, 0);
        });
        it("a value of the wrong declared type, as the CLI reports it", async () => {
            const r = await plan("prod", { "groundwork:apiCpu": "lots" });
            assert.match(r.problems[0].message, /must be of type 'integer'/);
        });
    });

    it("gives the api and worker exactly the contract's variables, the extra app secret and nothing else", async () => {
        const r = await goodPlan("prod");
        const contract = ["NODE_ENV", "DATABASE_URL", "REDIS_URL", "S3_BUCKET", "S3_REGION", "JWT_SECRET", "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET", "ALLOWED_ORIGINS", "JSON_BODY_LIMIT", "SENTRY_DSN",
            // RDS's CA for clients that verify the server (node-postgres with sslmode=require).
            "NODE_EXTRA_CA_CERTS", "PGSSLROOTCERT"];
        const api = r.outputs.apiEnv.value as Record<string, string>;
        const worker = r.outputs.workerEnv.value as Record<string, string>;
        assert.deepEqual(Object.keys(api).sort(), [...contract, "PORT"].sort());
        assert.deepEqual(Object.keys(worker).sort(), [...contract, "WORKER_CONCURRENCY"].sort());
        assert.equal(api.NODE_ENV, "production");
        assert.equal(api.JSON_BODY_LIMIT, "1mb");
        assert.equal(api.S3_REGION, "us-east-1");
        assert.equal(api.PORT, "3000");
        assert.equal(api.NODE_EXTRA_CA_CERTS, "/tmp/rds-ca.pem");
        assert.equal(worker.WORKER_CONCURRENCY, "10", "Pulumi.prod.yaml sets workerConcurrency 10");
        assert.deepEqual(api.ALLOWED_ORIGINS.split(","), ["https://app.example.com", "https://groundwork-prod.vercel.app"]);
        assert.equal(api.S3_BUCKET, (r.outputs.bucketNames.value as { uploads: string }).uploads);
        assert.ok(r.outputs.apiEnv.secret && r.outputs.workerEnv.secret && r.outputs.webEnv.secret);
    });

    it("passes extra plain settings from groundwork:appEnv to both services", async () => {
        const r = await goodPlan("staging", STAGING_OVERRIDES);
        for (const out of ["apiEnv", "workerEnv"]) {
            const env = r.outputs[out].value as Record<string, string>;
            assert.equal(env.LOG_LEVEL, "debug");
            assert.equal(env.FEATURE_FLAGS, "a,b");
        }
    });

    it("plans secrets the stack file does not hold with secret placeholders", async () => {
        const r = await goodPlan("prod");
        const stripe = r.config["groundwork:stripeSecretKey"];
        assert.equal(stripe.placeholder, true);
        assert.equal(stripe.secret, true);
        assert.match(stripe.value, /^sk_live_/);
        assert.match(r.config["groundwork:stripeSecretKey"].value, /placeholder/);
        const staging = await goodPlan("staging");
        assert.match(staging.config["groundwork:stripeSecretKey"].value, /^sk_test_/);
    });
});
