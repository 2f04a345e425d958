import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, ConfigSource, GroundworkConfig, KEYS, loadConfig } from "../components/config/config";
import { PROFILE_DEFAULTS, PROFILE_DEPENDENT_KEYS } from "../components/config/defaults";
import { PROJECT_DIR, resolveConfig } from "../tools/engine";

/** A config source from the real stack file, with overrides, as the engine resolves it. */
function sourceFor(stack: string, overrides: Record<string, string | number | boolean | string[] | undefined> = {}): ConfigSource {
    const { config, problems } = resolveConfig({ stack, config: overrides });
    assert.deepEqual(problems, []);
    return {
        project: "groundwork", stack, get: (k) => config[k]?.value, isSecret: (k) => !!config[k]?.secret,
        keys: () => Object.keys(config),
    };
}

/** The problems loadConfig reports for a stack with overrides. */
function problemsFor(stack: string, overrides: Record<string, string | number | boolean | string[] | undefined>) {
    try {
        loadConfig(sourceFor(stack, overrides));
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems;
    }
    return [];
}

function expectProblem(stack: string, overrides: Record<string, string | number | boolean | string[] | undefined>, key: string, text: RegExp) {
    const problems = problemsFor(stack, overrides);
    const hit = problems.find((p) => p.key === key);
    assert.ok(hit, `expected a problem with ${key}, got ${JSON.stringify(problems)}`);
    assert.match(hit.message, text);
}

/** A part that must be present, narrowed to its kind. */
function part<T>(value: T | undefined, what: string): T {
    assert.ok(value, `${what} is present`);
    return value;
}
const rds = (cfg: GroundworkConfig) => {
    const db = part(cfg.database, "database");
    assert.equal(db.kind, "rds");
    return db as Extract<typeof db, { kind: "rds" }>;
};
const elasticache = (cfg: GroundworkConfig) => {
    const c = part(cfg.cache, "cache");
    assert.equal(c.kind, "elasticache");
    return c as Extract<typeof c, { kind: "elasticache" }>;
};

describe("config", () => {
    it("accepts both committed stack files", () => {
        for (const stack of ["staging", "prod"]) {
            const cfg = loadConfig(sourceFor(stack));
            assert.equal(cfg.profile, stack);
            assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.api));
        }
    });

    it("keeps a NAT per AZ in staging on NAT instances, one on NAT gateways, and what the stack file says over either", () => {
        const nats = (o: Record<string, string>) => part(loadConfig(sourceFor("staging", o)).network, "network").natGateways;
        assert.equal(nats({}), "perAz");
        assert.equal(nats({ "groundwork:egress": "natGateway" }), "single", "a NAT gateway per AZ would be most of staging's bill");
        assert.equal(nats({ "groundwork:egress": "natGateway", "groundwork:natGateways": "perAz" }), "perAz");
        assert.equal(nats({ "groundwork:natGateways": "single" }), "single");
        assert.equal(part(loadConfig(sourceFor("prod", { "groundwork:egress": "natGateway" })).network, "network").natGateways, "perAz");
    });

    it("gives prod Multi-AZ, deletion protection, more tasks and longer backups than staging", () => {
        const prod = loadConfig(sourceFor("prod"));
        const staging = loadConfig(sourceFor("staging"));
        assert.equal(rds(prod).multiAz, true);
        assert.equal(rds(staging).multiAz, false);
        assert.equal(rds(prod).deletionProtection, true);
        assert.ok(rds(prod).backupRetentionDays >= 14);
        assert.equal(rds(staging).backupRetentionDays, 7);
        assert.ok(part(prod.api, "api").minTasks > part(staging.api, "api").minTasks);
        assert.equal(part(prod.network, "network").azCount, 3);
        assert.equal(part(staging.network, "network").azCount, 2);
        assert.equal(part(prod.network, "network").natGateways, "perAz");
        assert.equal(part(staging.network, "network").natGateways, "perAz", "a NAT instance per AZ: every AZ keeps egress");
        assert.equal(rds(staging).instanceClass, "db.t4g.micro");
        assert.equal(prod.protectData, true);
        assert.equal(staging.protectData, false);
    });

    it("gives both profiles NAT instances, staging all-Spot tasks, prod a Spot share above the worker's base, and a budget each", () => {
        const prod = loadConfig(sourceFor("prod"));
        const staging = loadConfig(sourceFor("staging"));
        for (const cfg of [prod, staging]) {
            assert.equal(part(cfg.network, "network").egress, "natInstance");
            assert.equal(part(cfg.network, "network").natInstanceType, "t4g.nano");
        }
        assert.equal(staging.spot.mode, "all");
        assert.deepEqual([staging.spot.api, staging.spot.worker], [{ onDemandBase: 0, spotPercent: 100 }, { onDemandBase: 0, spotPercent: 100 }]);
        assert.equal(prod.spot.mode, "workerAboveBase");
        assert.deepEqual(prod.spot.api, { onDemandBase: 0, spotPercent: 0 });
        assert.deepEqual(prod.spot.worker, { onDemandBase: part(prod.worker, "worker").minTasks, spotPercent: 50 });
        assert.equal(staging.budget.monthlyUsd, PROFILE_DEFAULTS.staging.monthlyBudget);
        assert.equal(prod.budget.monthlyUsd, PROFILE_DEFAULTS.prod.monthlyBudget);
        assert.ok(PROFILE_DEFAULTS.prod.monthlyBudget > PROFILE_DEFAULTS.staging.monthlyBudget);
    });

    it("takes egress, NAT size, Spot placement and the budget from the stack file", () => {
        const cfg = loadConfig(sourceFor("prod", {
            "groundwork:egress": "natGateway", "groundwork:natInstanceType": "t4g.small", "groundwork:fargateSpot": "off", "groundwork:monthlyBudget": 400,
        }));
        assert.equal(part(cfg.network, "network").egress, "natGateway");
        assert.equal(part(cfg.network, "network").natInstanceType, "t4g.small");
        assert.deepEqual([cfg.spot.api, cfg.spot.worker], [{ onDemandBase: 0, spotPercent: 0 }, { onDemandBase: 0, spotPercent: 0 }]);
        assert.equal(cfg.budget.monthlyUsd, 400);
        assert.equal(loadConfig(sourceFor("prod", { "groundwork:monthlyBudget": 0 })).budget.monthlyUsd, PROFILE_DEFAULTS.prod.monthlyBudget, "0 is the profile's");
        const staging = loadConfig(sourceFor("staging", { "groundwork:fargateSpot": "workerAboveBase", "groundwork:workerMinTasks": 2, "groundwork:workerSpotPercent": 25 }));
        assert.deepEqual(staging.spot.worker, { onDemandBase: 2, spotPercent: 25 });
        assert.deepEqual(staging.spot.api, { onDemandBase: 0, spotPercent: 0 });
    });

    it("takes the profile from the stack name when groundwork:profile is empty", () => {
        assert.equal(loadConfig(sourceFor("prod", { "groundwork:profile": undefined })).profile, "prod");
        assert.equal(loadConfig(sourceFor("staging", { "groundwork:profile": undefined })).profile, "staging");
    });

    it("treats 0 and empty values of profile-dependent keys as the profile's default", () => {
        const cfg = loadConfig(sourceFor("prod", { "groundwork:apiCpu": 0, "groundwork:apiMemory": 0, "groundwork:dbInstanceClass": "" }));
        assert.equal(part(cfg.api, "api").cpu, PROFILE_DEFAULTS.prod.apiCpu);
        assert.equal(part(cfg.api, "api").memory, PROFILE_DEFAULTS.prod.apiMemory);
        assert.equal(rds(cfg).instanceClass, PROFILE_DEFAULTS.prod.dbInstanceClass);
    });

    it("never leaves prod without a cache replica: 0 means the profile's 1", () => {
        assert.equal(elasticache(loadConfig(sourceFor("prod", { "groundwork:cacheReplicas": 0 }))).replicas, 1);
        assert.equal(elasticache(loadConfig(sourceFor("staging", { "groundwork:cacheReplicas": 0 }))).replicas, 0);
    });

    it("turns the migration step off with an empty migrateCommands list, and splits each step without a shell", () => {
        assert.deepEqual(loadConfig(sourceFor("prod", { "groundwork:migrateCommands": [] })).migrations.steps, []);
        assert.deepEqual(loadConfig(sourceFor("prod")).migrations.steps, [["npx", "prisma", "migrate", "deploy"]]);
        const two = loadConfig(sourceFor("prod", {
            "groundwork:migrateCommands": ["npx prisma migrate deploy", "node scripts/backfill.js --batch 100"],
            "groundwork:migrateWorkingDirectory": "packages/database",
        })).migrations;
        assert.deepEqual(two.steps, [["npx", "prisma", "migrate", "deploy"], ["node", "scripts/backfill.js", "--batch", "100"]]);
        assert.equal(two.workingDirectory, "packages/database");
    });

    it("keeps the Stripe key and app secrets as secret Outputs", async () => {
        const cfg = loadConfig(sourceFor("staging"));
        const pulumi = await import("@pulumi/pulumi");
        assert.equal(await pulumi.isSecret(part(cfg.stripe, "stripe").secretKey), true);
        assert.equal(await pulumi.isSecret(cfg.appSecrets), true);
        assert.equal(part(cfg.stripe, "stripe").mode, "test");
    });

    describe("refuses, naming the key and showing an example", () => {
        it("an AWS region outside the US", () => expectProblem("prod", { "aws:region": "eu-west-1" }, "aws:region", /US region.*eu-west-1.*Example: us-east-1/));
        it("more AZs than the region offers (prod's 3 in us-west-1)", () => expectProblem("prod", { "aws:region": "us-west-1" }, "groundwork:azCount", /more than the 2 availability zones us-west-1 offers/));
        it("a missing AWS region", () => expectProblem("prod", { "aws:region": undefined }, "aws:region", /not set/));
        it("a profile that is not staging, prod or preview, once", () => {
            const problems = problemsFor("staging", { "groundwork:profile": "bogus" }).filter((p) => p.key === "groundwork:profile");
            assert.equal(problems.length, 1, JSON.stringify(problems));
            assert.match(problems[0].message, /must be "staging" or "prod".*got "bogus"\. Example: prod/);
        });
        it("a domain with a scheme", () => expectProblem("prod", { "groundwork:domain": "https://example.com" }, "groundwork:domain", /bare.*Example: example.com/));
        it("a domain with uppercase letters or no TLD", () => {
            expectProblem("prod", { "groundwork:domain": "Example.com" }, "groundwork:domain", /lowercase/);
            expectProblem("prod", { "groundwork:domain": "localhost" }, "groundwork:domain", /DNS name/);
        });
        it("an invalid alert email", () => expectProblem("prod", { "groundwork:alertEmail": "oncall-at-example.com" }, "groundwork:alertEmail", /email.*Example: oncall@example.com/));
        it("a live Stripe key on staging, without echoing it", () => {
            const key = "sk_live_" + "abcdefghijklmnop1234";
            const problems = problemsFor("staging", { "groundwork:stripeSecretKey": key });
            const hit = problems.find((p) => p.key === "groundwork:stripeSecretKey");
            assert.ok(hit);
            assert.match(hit.message, /live-mode key.*test-mode/);
            assert.ok(!JSON.stringify(problems).includes(key), "the key must not appear in errors");
        });
        it("a test Stripe key on prod", () => expectProblem("prod", { "groundwork:stripeSecretKey": "sk_test_abc123" }, "groundwork:stripeSecretKey", /test-mode key.*live/));
        it("a value that is not a Stripe key", () => expectProblem("prod", { "groundwork:stripeSecretKey": "pk_live_abc" }, "groundwork:stripeSecretKey", /not a Stripe secret/));
        it("image tag latest in prod (but not in staging)", () => {
            expectProblem("prod", { "groundwork:imageTag": "latest" }, "groundwork:imageTag", /latest/);
            assert.deepEqual(problemsFor("staging", { "groundwork:imageTag": "latest" }), []);
        });
        it("min tasks above max tasks", () => expectProblem("prod", { "groundwork:apiMinTasks": 5, "groundwork:apiMaxTasks": 3 }, "groundwork:apiMinTasks", /must not exceed.*apiMaxTasks/));
        it("worker min above max", () => expectProblem("staging", { "groundwork:workerMinTasks": 3, "groundwork:workerMaxTasks": 2 }, "groundwork:workerMinTasks", /must not exceed/));
        it("a CPU/memory pair Fargate does not run", () => {
            expectProblem("prod", { "groundwork:apiCpu": 512, "groundwork:apiMemory": 512 }, "groundwork:apiMemory", /not valid with apiCpu 512/);
            expectProblem("prod", { "groundwork:workerCpu": 300 }, "groundwork:workerCpu", /not a Fargate CPU size/);
        });
        it("an instance class not on the list", () => expectProblem("prod", { "groundwork:dbInstanceClass": "db.x1e.32xlarge" }, "groundwork:dbInstanceClass", /must be one of/));
        it("a cache node type not on the list", () => expectProblem("prod", { "groundwork:cacheNodeType": "cache.t2.micro" }, "groundwork:cacheNodeType", /must be one of/));
        it("storage ceiling below initial storage", () => expectProblem("prod", { "groundwork:dbAllocatedStorage": 100, "groundwork:dbMaxAllocatedStorage": 50 }, "groundwork:dbMaxAllocatedStorage", /at least/));
        it("prod backups shorter than 14 days", () => expectProblem("prod", { "groundwork:dbBackupRetentionDays": 7 }, "groundwork:dbBackupRetentionDays", /at least 14 in prod/));
        it("a non-US Vercel region", () => expectProblem("prod", { "groundwork:vercelRegions": ["iad1", "fra1"] }, "groundwork:vercelRegions", /"fra1" is not a US/));
        it("a health path without a leading slash", () => expectProblem("prod", { "groundwork:healthCheckPath": "api/health" }, "groundwork:healthCheckPath", /starting with \//));
        it("an empty start command", () => expectProblem("prod", { "groundwork:startCommand": " " }, "groundwork:startCommand", /empty|not set/));
        it("a well-known admin user name", () => expectProblem("prod", { "groundwork:dbUsername": "postgres" }, "groundwork:dbUsername", /well-known/));
        it("a log retention CloudWatch does not offer", () => expectProblem("prod", { "groundwork:logRetentionDays": 45 }, "groundwork:logRetentionDays", /retention periods/));
        it("a zone that does not contain the domain", () => expectProblem("staging", { "groundwork:cloudflareZone": "example.org" }, "groundwork:cloudflareZone", /does not contain/));
        it("a credential-looking name in plain appEnv", () => expectProblem("prod", { "groundwork:appEnv": ["SENTRY_AUTH_TOKEN=abc"] }, "groundwork:appEnv", /looks like a credential.*appSecrets/));
        it("an appEnv entry that overrides a contract variable", () => expectProblem("prod", { "groundwork:appEnv": ["DATABASE_URL=postgres://x"] }, "groundwork:appEnv", /Groundwork sets itself/));
        it("an appEnv entry that moves HOME off the writable /tmp", () => expectProblem("prod", { "groundwork:appEnv": ["HOME=/app"] }, "groundwork:appEnv", /sets HOME/));
        it("appSecrets that are not a JSON object", () => expectProblem("prod", { "groundwork:appSecrets": "[1,2]" }, "groundwork:appSecrets", /JSON object/));
        it("an unknown profile", () => expectProblem("prod", { "groundwork:profile": "dev" }, "groundwork:profile", /"staging" or "prod"/));
        it("an unknown egress", () => expectProblem("prod", { "groundwork:egress": "nat" }, "groundwork:egress", /"natInstance" or "natGateway".*got "nat".*Example: natInstance/));
        it("a NAT instance size that is not a Graviton t4g", () =>
            expectProblem("prod", { "groundwork:natInstanceType": "t3.nano" }, "groundwork:natInstanceType", /one of t4g\.nano, t4g\.micro, t4g\.small, t4g\.medium.*Example: t4g\.nano/));
        it("an unknown Spot placement", () => expectProblem("staging", { "groundwork:fargateSpot": "yes" }, "groundwork:fargateSpot", /"off", "all", "workerAboveBase".*Example: workerAboveBase/));
        it("a worker Spot share of 0 or 100", () => {
            expectProblem("prod", { "groundwork:workerSpotPercent": 100 }, "groundwork:workerSpotPercent", /1-99.*"all" runs every task on Spot.*Example: 50/);
            expectProblem("prod", { "groundwork:workerSpotPercent": 0 }, "groundwork:workerSpotPercent", /1-99.*"off"/);
        });
        it("a negative budget", () => expectProblem("prod", { "groundwork:monthlyBudget": -50 }, "groundwork:monthlyBudget", /at least 1.*got -50.*Example: 320/));
    });

    it("reports every problem at once", () => {
        const problems = problemsFor("staging", {
            "aws:region": "eu-central-1",
            "groundwork:domain": "bad_domain",
            "groundwork:stripeSecretKey": "sk_live_" + "x1",
            "groundwork:apiCpu": 512, "groundwork:apiMemory": 512,
        });
        const keys = problems.map((p) => p.key).sort();
        assert.deepEqual(keys, ["aws:region", "groundwork:apiMemory", "groundwork:domain", "groundwork:stripeSecretKey"]);
    });

    describe("Pulumi.yaml", () => {
        const project = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
        it("declares exactly the keys the program reads, with their types and descriptions", () => {
            assert.deepEqual(Object.keys(project.config).sort(), Object.keys(KEYS).sort());
            for (const [key, spec] of Object.entries(KEYS)) {
                const decl = project.config[key];
                assert.equal(decl.type, spec.type, `${key} type`);
                assert.ok(typeof decl.description === "string" && decl.description.length > 20, `${key} needs a description`);
            }
        });
        it("declares profile-dependent keys with the 'use the profile' default", () => {
            for (const key of PROFILE_DEPENDENT_KEYS) {
                const decl = project.config[key];
                assert.ok(decl.default === 0 || decl.default === "", `${key} default must be 0 or "", got ${decl.default}`);
            }
        });
        it("gives shared keys the same defaults as the code", () => {
            const shared = PROFILE_DEFAULTS.staging as Record<string, unknown>;
            for (const [key, value] of Object.entries(shared)) {
                if (PROFILE_DEPENDENT_KEYS.includes(key)) continue;
                assert.deepEqual(project.config[key]?.default, value, `${key} default`);
            }
        });
        it("declares credential keys optional (default \"\", not secret: true, which the CLI would make required) and says to set them with --secret", () => {
            const credentials = Object.entries(KEYS).filter(([, spec]) => "secret" in spec && spec.secret).map(([k]) => k);
            assert.deepEqual(credentials.sort(), ["alertHttpsEndpoints", "appSecrets", "databaseUrl", "databaseUrlUnpooled", "redisUrl", "stripeSecretKey", "webSecrets"]);
            for (const key of credentials) {
                const decl = project.config[key];
                assert.equal(decl.default, "", key);
                assert.equal(decl.secret, undefined, key);
                assert.match(decl.description, /^Secret\./, key);
                assert.match(decl.description, /--secret/, key);
            }
        });
    });
});
