/**
 * The data tier (issue 5): Postgres, Valkey/Redis, the private buckets and the apps' secret, as
 * the offline engine records them for the staging and prod stacks.
 */
import { strict as assert } from "assert";
import { IamStatement, evaluateDocument } from "./iam-eval";
import { PlanRecord, RecordedResource, registered, runProgram } from "../tools/engine";
import { shortHash } from "../tools/mock-states";
import { PROD_OVERRIDES, STAGING_OVERRIDES, byType, goodPlan, one, plan, problemKeys } from "./harness";

const RDS = "aws:rds/instance:Instance";
const RDS_PARAMS = "aws:rds/parameterGroup:ParameterGroup";
const RDS_SUBNETS = "aws:rds/subnetGroup:SubnetGroup";
const KMS_KEY = "aws:kms/key:Key";
const CACHE = "aws:elasticache/replicationGroup:ReplicationGroup";
const CACHE_PARAMS = "aws:elasticache/parameterGroup:ParameterGroup";
const CACHE_SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup";
const SUBNET = "aws:ec2/subnet:Subnet";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const BUCKET = "aws:s3/bucket:Bucket";
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const ROLE = "aws:iam/role:Role";
/** The role tools/mock-states.ts says runs Pulumi (getSessionContext's issuerArn). */
const DEPLOYER_ROLE = "arn:aws:iam::123456789012:role/deployer";

const STACKS = ["staging", "prod"] as const;


/** The id the offline engine gives a resource (tools/mock-states.ts: `<name>-<hash of type::name>`). */
function mockId(r: RecordedResource): string {
    return (r.state.id as string | undefined) ?? `${r.name}-${shortHash(`${r.type}::${r.name}`)}`;
}

/** The component of a type and name, and its direct children. */
function component(rec: PlanRecord, type: string, name: string): { urn: string; children: RecordedResource[] } {
    const c = one(rec, type, name);
    return { urn: c.urn, children: rec.resources.filter((r) => r.parent === c.urn) };
}

/** The one child of a component with a given type. */
function childOf(rec: PlanRecord, componentType: string, componentName: string, type: string): RecordedResource {
    const found = component(rec, componentType, componentName).children.filter((r) => r.type === type);
    assert.equal(found.length, 1, `expected one ${type} in ${componentName}, found ${found.length}`);
    return found[0];
}

const db = (rec: PlanRecord) => one(rec, RDS);
const cache = (rec: PlanRecord) => one(rec, CACHE);

/** Private subnet ids as the network records them (subnets named or tagged "private"). */
function privateSubnetIds(rec: PlanRecord): string[] {
    const isPrivate = (s: RecordedResource) => /private/.test(s.name) || (s.inputs.tags as Record<string, string> | undefined)?.tier === "private";
    return byType(rec, SUBNET).filter(isPrivate).map(mockId).sort();
}
function publicSubnetIds(rec: PlanRecord): string[] {
    return byType(rec, SUBNET).filter((s) => /public/.test(s.name)).map(mockId);
}

/** The decoded JSON the apps' secret holds. */
function secretJson(rec: PlanRecord): Record<string, string> {
    return JSON.parse(one(rec, SECRET_VERSION).inputs.secretString as string) as Record<string, string>;
}

interface Statement {
    Sid?: string; Effect: string; Principal: unknown; Action: string | string[]; Resource: string | string[];
    Condition?: Record<string, Record<string, string>>;
}
const asList = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Each bucket with the configuration resources that target it. */
function buckets(rec: PlanRecord) {
    return byType(rec, BUCKET).map((b) => {
        const name = b.state.bucket as string;
        const config = (type: string) => byType(rec, `aws:s3/${type}`).filter((r) => r.inputs.bucket === name);
        const single = (type: string) => {
            const found = config(type);
            assert.equal(found.length, 1, `expected one ${type} for bucket ${b.name}, found ${found.length}`);
            return found[0];
        };
        return {
            bucket: b, name, arn: b.state.arn as string, config, single,
            policy: () => JSON.parse(single("bucketPolicy:BucketPolicy").inputs.policy as string) as { Statement: Statement[] },
        };
    });
}
function bucketOf(rec: PlanRecord, componentName: string) {
    const found = buckets(rec).find((b) => b.bucket.name === `${componentName}-bucket`);
    assert.ok(found, `no bucket for the ${componentName} component`);
    return found;
}

describe("the data tier", () => {
    describe("Postgres", () => {
        it("forces TLS with rds.force_ssl = 1 in the instance's own parameter group", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const params = childOf(r, "groundwork:data:Database", "db", RDS_PARAMS);
                const forceSsl = asList(params.inputs.parameters as { name: string; value: string }[]).filter((p) => p.name === "rds.force_ssl");
                assert.deepEqual(forceSsl.map((p) => p.value), ["1"], stack);
                assert.match(params.inputs.family as string, /^postgres1[67]$/);
                assert.equal(db(r).inputs.parameterGroupName, params.state.name, `${stack}: the instance uses the force_ssl group`);
            }
        });

        it("runs PostgreSQL 16 or 17 on gp3 storage that autoscales up to the configured maximum", async () => {
            for (const stack of STACKS) {
                const i = db(await goodPlan(stack)).inputs;
                assert.equal(i.engine, "postgres");
                assert.ok(["16", "17"].includes(i.engineVersion as string), `${stack}: engineVersion ${String(i.engineVersion)}`);
                assert.equal(i.storageType, "gp3");
                assert.ok((i.maxAllocatedStorage as number) > (i.allocatedStorage as number), `${stack}: storage autoscaling ceiling above the start size`);
                assert.equal(i.engineLifecycleSupport, "open-source-rds-extended-support-disabled");
                assert.equal(i.autoMinorVersionUpgrade, true);
            }
        });

        it("encrypts storage and Performance Insights with its own rotating KMS key", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const key = one(r, KMS_KEY, "db-key");
                const i = db(r).inputs;
                assert.equal(i.storageEncrypted, true);
                assert.equal(i.kmsKeyId, key.state.arn, `${stack}: storage uses the database's key`);
                assert.equal(i.performanceInsightsKmsKeyId, key.state.arn);
                assert.equal(key.inputs.enableKeyRotation, true);
                assert.equal(key.inputs.deletionWindowInDays, 30);
            }
        });

        it("keeps the database out of public subnets and off the internet", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const i = db(r).inputs;
                assert.equal(i.publiclyAccessible, false);
                const group = childOf(r, "groundwork:data:Database", "db", RDS_SUBNETS);
                assert.equal(i.dbSubnetGroupName, group.state.name, `${stack}: the instance is in its subnet group`);
                const subnets = [...(group.inputs.subnetIds as string[])].sort();
                assert.ok(subnets.length >= 2, `${stack}: the subnet group spans two or more AZs`);
                assert.deepEqual(subnets, privateSubnetIds(r), `${stack}: exactly the network's private subnets`);
                for (const pub of publicSubnetIds(r)) assert.ok(!subnets.includes(pub), `${stack}: public subnet ${pub} in the DB subnet group`);
            }
        });

        it("accepts connections on 5432 only from the api and worker security groups", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const sgIds = asList(db(r).inputs.vpcSecurityGroupIds as string[]);
                assert.equal(sgIds.length, 1, `${stack}: one security group on the instance`);
                const dbSg = byType(r, SG).find((s) => mockId(s) === sgIds[0]);
                assert.ok(dbSg, `${stack}: the instance's security group ${sgIds[0]} is one the program creates`);
                const services = byType(r, SG).filter((s) => /-(api|worker)$/.test(s.name)).map(mockId);
                const rules = byType(r, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((x) => x.inputs.securityGroupId === sgIds[0]);
                assert.ok(rules.length >= 1, `${stack}: the database security group has ingress rules`);
                for (const rule of rules) {
                    assert.equal(rule.inputs.fromPort, 5432, rule.name);
                    assert.equal(rule.inputs.toPort, 5432, rule.name);
                    assert.equal(rule.inputs.cidrIpv4, undefined, `${rule.name}: no CIDR ingress`);
                    assert.equal(rule.inputs.cidrIpv6, undefined, `${rule.name}: no CIDR ingress`);
                    assert.ok(services.includes(rule.inputs.referencedSecurityGroupId as string), `${rule.name}: from a service group`);
                }
                assert.equal(asList(dbSg.inputs.ingress as unknown[]).length, 0, `${stack}: no inline ingress on the database group`);
            }
        });

        it("keeps 7 days of backups (and so of point-in-time recovery) in staging and at least 14 in prod", async () => {
            const staging = db(await goodPlan("staging")).inputs;
            const prod = db(await goodPlan("prod")).inputs;
            assert.equal(staging.backupRetentionPeriod, 7);
            assert.ok((prod.backupRetentionPeriod as number) >= 14, `prod keeps ${String(prod.backupRetentionPeriod)} days`);
            for (const i of [staging, prod]) {
                assert.match(i.backupWindow as string, /^\d\d:\d\d-\d\d:\d\d$/);
                assert.match(i.maintenanceWindow as string, /^[a-z]{3}:\d\d:\d\d-[a-z]{3}:\d\d:\d\d$/);
            }
        });

        it("in prod is Multi-AZ, deletion-protected, snapshotted on delete, with Performance Insights and log exports", async () => {
            const i = db(await goodPlan("prod")).inputs;
            assert.equal(i.multiAz, true);
            assert.equal(i.deletionProtection, true);
            assert.equal(i.skipFinalSnapshot, false);
            assert.match(i.finalSnapshotIdentifier as string, /^[a-z][a-z0-9-]*-final-[0-9a-f]{8}$/);
            assert.ok(!/\d{4}-?\d{2}-?\d{2}/.test(i.finalSnapshotIdentifier as string), "no date in the final snapshot name");
            assert.equal(i.performanceInsightsEnabled, true);
            assert.equal(i.performanceInsightsRetentionPeriod, 7);
            assert.deepEqual([...(i.enabledCloudwatchLogsExports as string[])].sort(), ["postgresql", "upgrade"]);
            assert.equal(i.copyTagsToSnapshot, true);
        });

        it("in staging is single-AZ without deletion protection but still takes a final snapshot", async () => {
            const i = db(await goodPlan("staging")).inputs;
            assert.equal(i.multiAz, false);
            assert.equal(i.deletionProtection, false);
            assert.equal(i.skipFinalSnapshot, false);
            assert.ok(i.finalSnapshotIdentifier, "a final snapshot name");
            assert.notEqual(i.finalSnapshotIdentifier, db(await goodPlan("prod")).inputs.finalSnapshotIdentifier, "stacks never share a snapshot name");
        });

        it("has a master user other than postgres/admin and a generated, URL-safe, secret password", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const inst = db(r);
                assert.ok(!["postgres", "admin", "root", "rdsadmin"].includes(inst.inputs.username as string), `${stack}: user ${String(inst.inputs.username)}`);
                assert.ok(inst.secretInputs.includes("password"), `${stack}: the password input is secret`);
                assert.equal(inst.inputs.manageMasterUserPassword, undefined, "RDS must not rotate the password under DATABASE_URL");
                const pw = childOf(r, "groundwork:data:Database", "db", PASSWORD);
                assert.ok((pw.inputs.length as number) >= 32, `${stack}: password length ${String(pw.inputs.length)}`);
                assert.equal(pw.inputs.special, false, "alphanumeric: safe in a URL");
                assert.equal(inst.inputs.password, pw.state.result, `${stack}: the instance uses the generated password`);
            }
        });

        it("creates the postgresql and upgrade log groups, with the stack's retention, before the instance", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const inst = db(r);
                assert.equal(inst.inputs.identifier, `groundwork-${stack}-db`, `${stack}: explicit identifier`);
                const groups = component(r, "groundwork:data:Database", "db").children.filter((c) => c.type === LOG_GROUP);
                assert.deepEqual(groups.map((g) => g.inputs.name).sort(),
                    [`/aws/rds/instance/groundwork-${stack}-db/postgresql`, `/aws/rds/instance/groundwork-${stack}-db/upgrade`],
                    `${stack}: the names RDS writes the exported logs to`);
                const exported = (inst.inputs.enabledCloudwatchLogsExports as string[]).map((log) => `/aws/rds/instance/${String(inst.inputs.identifier)}/${log}`);
                assert.deepEqual(exported.sort(), groups.map((g) => g.inputs.name).sort(), `${stack}: a group for every exported log`);
                for (const g of groups) {
                    assert.equal(g.inputs.retentionInDays, stack === "prod" ? 90 : 14, `${stack} ${g.name}: retention`);
                    assert.ok(inst.options.dependsOn.includes(g.urn), `${stack}: the instance depends on ${g.name}`);
                    assert.deepEqual([g.options.protect, g.options.retainOnDelete], [false, stack === "prod"], `${stack} ${g.name}: kept in prod`);
                }
            }
        });

        it("passes groundwork:logRetentionDays to the database's log groups", async () => {
            const r = await goodPlan("staging", STAGING_OVERRIDES);
            const groups = component(r, "groundwork:data:Database", "db").children.filter((c) => c.type === LOG_GROUP);
            assert.deepEqual(groups.map((g) => g.inputs.retentionInDays), [30, 30]);
        });

        it("allows the major-version upgrades that only a change of dbEngineVersion starts", async () => {
            for (const stack of STACKS) {
                const i = db(await goodPlan(stack)).inputs;
                assert.equal(i.allowMajorVersionUpgrade, true, stack);
                assert.equal(i.applyImmediately, true, `${stack}: changes apply during the up that makes them (docs/runbooks/database-and-cache-changes.md)`);
            }
            const r = await goodPlan("prod", PROD_OVERRIDES);
            assert.equal(db(r).inputs.engineVersion, "16");
            assert.equal(childOf(r, "groundwork:data:Database", "db", RDS_PARAMS).inputs.family, "postgres16");
        });

        it("carries protect and retainOnDelete on the prod instance, subnet group and key, and not in staging (but for the key); the parameter group only retained", async () => {
            const guarded = [RDS, RDS_SUBNETS];
            const prod = await goodPlan("prod");
            const staging = await goodPlan("staging");
            for (const type of guarded) {
                const p = childOf(prod, "groundwork:data:Database", "db", type);
                assert.deepEqual([p.options.protect, p.options.retainOnDelete], [true, true], `prod ${type}`);
                const s = childOf(staging, "groundwork:data:Database", "db", type);
                assert.deepEqual([s.options.protect, s.options.retainOnDelete], [false, false], `staging ${type}`);
            }
            // The parameter group holds no data and a major upgrade replaces it: kept in prod after a delete, never protected.
            const params = childOf(prod, "groundwork:data:Database", "db", RDS_PARAMS);
            assert.deepEqual([params.options.protect, params.options.retainOnDelete], [false, true], "prod parameter group");
            // The key outlives the staging final snapshot it encrypts (tests/data-safety.test.ts).
            const [p, s] = [one(prod, KMS_KEY, "db-key"), one(staging, KMS_KEY, "db-key")];
            assert.deepEqual([p.options.protect, p.options.retainOnDelete], [true, true], "prod key");
            assert.deepEqual([s.options.protect, s.options.retainOnDelete], [false, true], "staging key");
        });
    });

    describe("Valkey/Redis", () => {
        it("requires TLS in transit with an AUTH token and encrypts at rest", async () => {
            for (const stack of STACKS) {
                const g = cache(await goodPlan(stack));
                assert.equal(g.inputs.transitEncryptionEnabled, true);
                assert.equal(g.inputs.transitEncryptionMode, "required");
                assert.equal(g.inputs.atRestEncryptionEnabled, true);
                assert.ok((g.inputs.authToken as string | undefined)?.length, `${stack}: an auth token`);
                assert.ok(g.secretInputs.includes("authToken"), `${stack}: the auth token is secret`);
                assert.equal(g.inputs.port, 6379);
            }
        });

        it("generates an AUTH token ElastiCache accepts: 16-128 characters, no special characters", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const token = childOf(r, "groundwork:data:Cache", "cache", PASSWORD);
                assert.ok((token.inputs.length as number) >= 16 && (token.inputs.length as number) <= 128);
                assert.equal(token.inputs.special, false);
                assert.equal(cache(r).inputs.authToken, token.state.result);
            }
        });

        it("runs Valkey by default with maxmemory-policy noeviction so BullMQ never loses jobs", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const g = cache(r);
                assert.equal(g.inputs.engine, "valkey");
                const params = childOf(r, "groundwork:data:Cache", "cache", CACHE_PARAMS);
                assert.equal(params.inputs.family, `valkey${String(g.inputs.engineVersion).split(".")[0]}`);
                const policy = asList(params.inputs.parameters as { name: string; value: string }[]).filter((p) => p.name === "maxmemory-policy");
                assert.deepEqual(policy.map((p) => p.value), ["noeviction"]);
                assert.equal(g.inputs.parameterGroupName, params.state.name, `${stack}: the group uses the noeviction parameters`);
            }
        });

        it("builds a Redis OSS 7 parameter family when the stack selects redis", async () => {
            const r = await goodPlan("staging", STAGING_OVERRIDES);
            assert.equal(cache(r).inputs.engine, "redis");
            assert.equal(childOf(r, "groundwork:data:Cache", "cache", CACHE_PARAMS).inputs.family, "redis7");
        });

        it("refuses Redis OSS 6, which cannot require TLS (transitEncryptionMode needs 7.0.5 or later)", async () => {
            const r = await plan("staging", { "groundwork:cacheEngine": "redis", "groundwork:cacheEngineVersion": "6.2" });
            assert.deepEqual(problemKeys(r), ["groundwork:cacheEngineVersion"]);
            assert.match(r.problems[0].message, /"6\.2" is not a redis version this stack runs: majors 7/);
            assert.deepEqual(registered(r).map((x) => x.type), [], "refused before any resource is registered");
        });

        it("retains daily snapshots in every stack", async () => {
            for (const stack of STACKS) {
                const g = cache(await goodPlan(stack));
                assert.ok((g.inputs.snapshotRetentionLimit as number) >= 1, `${stack}: snapshots kept`);
                assert.match(g.inputs.snapshotWindow as string, /^\d\d:\d\d-\d\d:\d\d$/);
                assert.match(g.inputs.maintenanceWindow as string, /^[a-z]{3}:\d\d:\d\d-[a-z]{3}:\d\d:\d\d$/);
                assert.equal(g.inputs.applyImmediately, true);
            }
            assert.equal(cache(await goodPlan("prod")).inputs.snapshotRetentionLimit, 7);
        });

        it("in prod fails over automatically to a replica in another AZ", async () => {
            const g = cache(await goodPlan("prod"));
            assert.ok((g.inputs.numCacheClusters as number) >= 2, `prod has ${String(g.inputs.numCacheClusters)} nodes`);
            assert.equal(g.inputs.automaticFailoverEnabled, true);
            assert.equal(g.inputs.multiAzEnabled, true);
            assert.equal((g.state.memberClusters as string[]).length, g.inputs.numCacheClusters);
        });

        it("in staging runs one node without failover", async () => {
            const g = cache(await goodPlan("staging"));
            assert.equal(g.inputs.numCacheClusters, 1);
            assert.equal(g.inputs.automaticFailoverEnabled, false);
            assert.equal(g.inputs.multiAzEnabled, false);
        });

        it("lives in the private subnets behind the cache security group, reachable on 6379 from the services only", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const g = cache(r);
                const group = childOf(r, "groundwork:data:Cache", "cache", CACHE_SUBNETS);
                assert.equal(g.inputs.subnetGroupName, group.state.name);
                assert.deepEqual([...(group.inputs.subnetIds as string[])].sort(), privateSubnetIds(r));
                const sgIds = asList(g.inputs.securityGroupIds as string[]);
                assert.equal(sgIds.length, 1);
                assert.notDeepEqual(sgIds, db(r).inputs.vpcSecurityGroupIds, "the cache has its own group, not the database's");
                const services = byType(r, SG).filter((s) => /-(api|worker)$/.test(s.name)).map(mockId);
                const rules = byType(r, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((x) => x.inputs.securityGroupId === sgIds[0]);
                assert.ok(rules.length >= 1);
                for (const rule of rules) {
                    assert.deepEqual([rule.inputs.fromPort, rule.inputs.toPort], [6379, 6379], rule.name);
                    assert.ok(services.includes(rule.inputs.referencedSecurityGroupId as string), `${rule.name}: from a service group`);
                }
            }
        });

        it("carries protect and retainOnDelete on the prod replication group (its parameter group only retained: a new major replaces it), and not in staging", async () => {
            for (const type of [CACHE, CACHE_PARAMS]) {
                const p = childOf(await goodPlan("prod"), "groundwork:data:Cache", "cache", type);
                assert.deepEqual([p.options.protect, p.options.retainOnDelete], [type === CACHE, true], `prod ${type}`);
                const s = childOf(await goodPlan("staging"), "groundwork:data:Cache", "cache", type);
                assert.deepEqual([s.options.protect, s.options.retainOnDelete], [false, false], `staging ${type}`);
            }
        });
    });

    describe("connection URLs", () => {
        it("stores DATABASE_URL with sslmode=require and REDIS_URL with rediss:// in the secret, as secret inputs", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const version = one(r, SECRET_VERSION);
                assert.ok(version.secretInputs.includes("secretString"), `${stack}: secretString is secret`);
                const s = secretJson(r);
                const inst = db(r);
                const dbUrl = new URL(s.DATABASE_URL);
                assert.equal(dbUrl.protocol, "postgresql:");
                assert.equal(dbUrl.searchParams.get("sslmode"), "require");
                assert.equal(dbUrl.hostname, inst.state.address);
                assert.equal(dbUrl.port, "5432");
                assert.equal(dbUrl.pathname, `/${String(inst.inputs.dbName)}`);
                assert.equal(decodeURIComponent(dbUrl.username), inst.inputs.username);
                assert.equal(decodeURIComponent(dbUrl.password), inst.inputs.password);
                const redisUrl = new URL(s.REDIS_URL);
                assert.equal(redisUrl.protocol, "rediss:");
                assert.equal(redisUrl.hostname, cache(r).state.primaryEndpointAddress);
                assert.equal(redisUrl.port, "6379");
                assert.equal(decodeURIComponent(redisUrl.password), cache(r).inputs.authToken);
            }
        });

        it("exports the api and worker environments only as secrets, with DATABASE_URL (sslmode=require) and REDIS_URL (rediss://)", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                for (const name of ["apiEnv", "workerEnv"]) {
                    const out = r.outputs[name];
                    assert.ok(out, `${stack}: output ${name}`);
                    assert.equal(out.secret, true, `${stack}: ${name} is secret`);
                    const env = out.value as Record<string, string>;
                    assert.match(env.DATABASE_URL, /^postgresql:\/\/[^@]+@[^/]+:5432\/[a-z0-9_]+\?sslmode=require$/);
                    assert.match(env.REDIS_URL, /^rediss:\/\/:[^@]+@[^:]+:6379$/);
                }
            }
        });
    });

    describe("buckets", () => {
        it("creates an uploads bucket and a log bucket per stack", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                // prod also keeps a replica of the uploads in its backup region (tests/data-safety.test.ts).
                const replica = stack === "prod" ? ["uploads-replica-bucket"] : [];
                assert.deepEqual(byType(r, BUCKET).map((b) => b.name).sort(), ["logs-bucket", "uploads-bucket", ...replica]);
                const names = r.outputs.bucketNames?.value as Record<string, string>;
                assert.deepEqual(names, { uploads: bucketOf(r, "uploads").name, logs: bucketOf(r, "logs").name });
            }
        });

        it("blocks all four kinds of public access and disables ACLs", async () => {
            for (const stack of STACKS) {
                for (const b of buckets(await goodPlan(stack))) {
                    const pab = b.single("bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
                    assert.deepEqual(
                        [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
                        [true, true, true, true], `${stack} ${b.bucket.name}`);
                    const ownership = b.single("bucketOwnershipControls:BucketOwnershipControls").inputs;
                    assert.deepEqual(ownership.rule, { objectOwnership: "BucketOwnerEnforced" });
                    assert.equal(b.bucket.inputs.acl, undefined);
                }
            }
        });

        it("encrypts by default (the log bucket with SSE-S3, the uploads with their own KMS key) and keeps versions", async () => {
            for (const stack of STACKS) {
                for (const b of buckets(await goodPlan(stack))) {
                    const sse = b.single("bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs;
                    const rules = sse.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[];
                    const want = b.bucket.name === "logs-bucket" ? "AES256" : "aws:kms";
                    assert.deepEqual(rules.map((x) => x.applyServerSideEncryptionByDefault.sseAlgorithm), [want], b.bucket.name);
                    const versioning = b.single("bucketVersioning:BucketVersioning").inputs;
                    assert.deepEqual(versioning.versioningConfiguration, { status: "Enabled" });
                }
            }
        });

        it("denies every request made without TLS, with the policy applied after the public access block", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                for (const b of buckets(r)) {
                    const deny = b.policy().Statement.filter((s) => s.Effect === "Deny" && s.Principal === "*" &&
                        asList(s.Action).includes("s3:*") && s.Condition?.Bool?.["aws:SecureTransport"] === "false");
                    assert.equal(deny.length, 1, `${stack} ${b.bucket.name}: one deny-non-TLS statement`);
                    assert.deepEqual(asList(deny[0].Resource).sort(), [b.arn, `${b.arn}/*`]);
                    const policy = b.single("bucketPolicy:BucketPolicy");
                    const pab = b.single("bucketPublicAccessBlock:BucketPublicAccessBlock");
                    assert.ok(policy.options.dependsOn.includes(pab.urn), `${b.bucket.name}: policy after the public access block`);
                }
            }
        });

        it("grants no one but the log deliverers, and them only on the log bucket and only for this account", async () => {
            const r = await goodPlan("prod");
            const uploads = bucketOf(r, "uploads").policy().Statement;
            assert.deepEqual(uploads.filter((s) => s.Effect === "Allow"), [], "the uploads bucket allows nothing");
            const logs = bucketOf(r, "logs");
            const allows = logs.policy().Statement.filter((s) => s.Effect === "Allow");
            const principals = allows.map((s) => JSON.stringify(s.Principal));
            assert.ok(principals.some((p) => p.includes("arn:aws:iam::127311923021:root")), "the us-east-1 ELB account");
            assert.ok(principals.some((p) => p.includes("logdelivery.elasticloadbalancing.amazonaws.com")));
            assert.ok(principals.some((p) => p.includes("logging.s3.amazonaws.com")));
            for (const s of allows) {
                assert.deepEqual(asList(s.Action), ["s3:PutObject"], s.Sid);
                assert.notEqual(s.Principal, "*", s.Sid);
                for (const res of asList(s.Resource)) assert.ok(res.startsWith(`${logs.arn}/`), `${String(s.Sid)}: ${res}`);
                const scoped = asList(s.Resource).every((res) => res.includes("/AWSLogs/123456789012/")) ||
                    s.Condition?.StringEquals?.["aws:SourceAccount"] === "123456789012";
                assert.ok(scoped, `${String(s.Sid)} is limited to this account`);
            }
        });

        it("expires old versions and incomplete multipart uploads, and log files after the configured days", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                for (const b of buckets(r)) {
                    const rules = b.single("bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules as {
                        status: string; abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
                        noncurrentVersionExpiration?: { noncurrentDays: number }; expiration?: { days?: number };
                    }[];
                    assert.ok(rules.every((x) => x.status === "Enabled"));
                    assert.ok(rules.some((x) => x.abortIncompleteMultipartUpload?.daysAfterInitiation === 7), `${b.bucket.name}: aborts uploads`);
                    assert.ok(rules.some((x) => (x.noncurrentVersionExpiration?.noncurrentDays ?? 0) >= 1), `${b.bucket.name}: expires old versions`);
                    // Whole-bucket expiry: logs only. (Staging's uploads expire the previews' prefix alone: tests/preview-base.test.ts.)
                    const expiry = rules.filter((x) => !(x as { filter?: { prefix?: string } }).filter?.prefix)
                        .flatMap((x) => (x.expiration?.days === undefined ? [] : [x.expiration.days]));
                    assert.deepEqual(expiry, b.bucket.name === "logs-bucket" ? [90] : [], `${stack} ${b.bucket.name}: current objects expire`);
                    // Without whole-bucket expiry, a deleted object's last delete marker goes too (never with days in one rule: S3 refuses).
                    const markers = rules.filter((x) => (x.expiration as { expiredObjectDeleteMarker?: boolean } | undefined)?.expiredObjectDeleteMarker === true);
                    assert.equal(markers.length, expiry.length === 0 ? 1 : 0, `${stack} ${b.bucket.name}: delete markers`);
                    for (const m of markers) assert.equal(m.expiration?.days, undefined);
                }
                const uploadsRules = bucketOf(r, "uploads").single("bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules as
                    { noncurrentVersionExpiration?: { noncurrentDays: number } }[];
                assert.ok(uploadsRules.some((x) => x.noncurrentVersionExpiration?.noncurrentDays === 30));
            }
        });

        it("allows browser CORS on the uploads bucket from the app's origins only", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const allowed = (r.outputs.apiEnv.value as Record<string, string>).ALLOWED_ORIGINS.split(",").sort();
                const domain = stack === "prod" ? "example.com" : "staging.example.com";
                assert.ok(allowed.includes(`https://app.${domain}`));
                const cors = bucketOf(r, "uploads").single("bucketCorsConfiguration:BucketCorsConfiguration").inputs.corsRules as {
                    allowedOrigins: string[]; allowedMethods: string[]; exposeHeaders: string[];
                }[];
                assert.equal(cors.length, 1);
                // Staging hosts previews (groundwork:previews): their web hosts upload to it too.
                const previews = stack === "staging" ? [`https://*.app.${domain}`] : [];
                assert.deepEqual([...cors[0].allowedOrigins].sort(), [...allowed, ...previews].sort(), `${stack}: exactly the app origins`);
                assert.ok(!cors[0].allowedOrigins.includes("*"));
                assert.deepEqual([...cors[0].allowedMethods].sort(), ["GET", "HEAD", "POST", "PUT"]);
                assert.deepEqual(cors[0].exposeHeaders, ["ETag"]);
                assert.deepEqual(bucketOf(r, "logs").config("bucketCorsConfiguration:BucketCorsConfiguration"), [], "no CORS on the log bucket");
            }
        });

        it("sends the uploads bucket's access logs to the log bucket", async () => {
            const r = await goodPlan("prod");
            const logging = bucketOf(r, "uploads").single("bucketLogging:BucketLogging").inputs;
            assert.equal(logging.targetBucket, bucketOf(r, "logs").name);
            assert.ok(logging.targetPrefix);
        });

        it("never sets forceDestroy in prod (staging buckets are disposable), and protects every prod bucket and its configuration but no staging one", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                for (const b of buckets(r)) {
                    assert.equal(b.bucket.inputs.forceDestroy, stack !== "prod", `${stack} ${b.bucket.name}`);
                    const guarded = [b.bucket, b.single("bucketVersioning:BucketVersioning"), b.single("bucketPublicAccessBlock:BucketPublicAccessBlock"),
                        b.single("bucketPolicy:BucketPolicy")];
                    const want = stack === "prod";
                    for (const g of guarded) {
                        assert.deepEqual([g.options.protect, g.options.retainOnDelete], [want, want], `${stack} ${g.name}`);
                    }
                }
            }
        });
    });

    describe("the apps' secret", () => {
        it("holds DATABASE_URL, REDIS_URL, JWT_SECRET, both Stripe secrets and the extra app secrets", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const s = secretJson(r);
                assert.deepEqual(Object.keys(s).sort(),
                    ["DATABASE_URL", "JWT_SECRET", "REDIS_URL", "SENTRY_DSN", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"]);
                assert.ok(s.JWT_SECRET.length >= 64, `${stack}: JWT_SECRET has ${s.JWT_SECRET.length} characters`);
                assert.match(s.JWT_SECRET, /^[A-Za-z0-9]+$/);
                assert.equal(s.STRIPE_SECRET_KEY, r.config["groundwork:stripeSecretKey"].value);
                assert.equal(s.SENTRY_DSN, (JSON.parse(r.config["groundwork:appSecrets"].value) as Record<string, string>).SENTRY_DSN);
                assert.match(s.STRIPE_WEBHOOK_SECRET, /^whsec_/);
            }
        });

        it("uses the explicit per-stack name, a 30-day recovery window and protection in prod, force delete in staging", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const secret = one(r, SECRET);
                assert.equal(secret.inputs.name, `groundwork-${stack}/app`);
                // Staging's values are all regenerable; a recovery window would hold the name after a destroy.
                assert.equal(secret.inputs.recoveryWindowInDays, stack === "prod" ? 30 : 0, stack);
                const want = stack === "prod";
                assert.deepEqual([secret.options.protect, secret.options.retainOnDelete], [want, want], stack);
                assert.equal(r.outputs.appSecretsArn?.value, secret.state.arn);
            }
        });

        it("lets only the execution roles (by their IAM path) and the configured deploy and break-glass roles read the value, never the caller", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const secret = one(r, SECRET);
                const policy = childOf(r, "groundwork:data:AppSecrets", "app-secrets", SECRET_POLICY);
                assert.equal(policy.name, "app-secrets-readers");
                assert.equal(policy.inputs.secretArn, secret.state.arn, `${stack}: attached to the app secret`);
                assert.equal(policy.inputs.blockPublicPolicy, true);
                const statements = (JSON.parse(policy.inputs.policy as string) as { Statement: Statement[] }).Statement;
                assert.equal(statements.length, 2);
                const [deny, writes] = statements;
                // Writes (value, lifecycle, this policy): the configured deploy and break-glass roles only, never the tasks.
                assert.deepEqual([writes.Effect, writes.Principal, asList(writes.Resource)], ["Deny", "*", ["*"]]);
                for (const a of ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy", "secretsmanager:DeleteSecret"]) {
                    assert.ok(asList(writes.Action).includes(a), `${stack}: ${a} guarded`);
                }
                const writers = (arn: string) => evaluateDocument({ Statement: [writes as IamStatement] }, { action: "secretsmanager:PutSecretValue", resource: "x", context: { "aws:PrincipalArn": arn } });
                assert.equal(deny.Effect, "Deny");
                assert.equal(deny.Principal, "*");
                assert.deepEqual(asList(deny.Action), ["secretsmanager:GetSecretValue"]);
                // In a resource policy "*" is the secret the policy is attached to.
                assert.deepEqual(asList(deny.Resource), ["*"]);
                assert.deepEqual(Object.keys(deny.Condition ?? {}), ["ArnNotLike"]);
                const allowed = asList<string>(deny.Condition?.ArnNotLike?.["aws:PrincipalArn"]);
                const configured = [`arn:aws:iam::123456789012:role/groundwork-bootstrap/groundwork-gha-${stack === "prod" ? "production" : stack}`,
                    "arn:aws:iam::123456789012:role/groundwork-bootstrap/groundwork-break-glass"];
                assert.deepEqual([...allowed].sort(), [`arn:aws:iam::123456789012:role/groundwork/${stack}/execution/*`, ...configured].sort(), `${stack}: exactly the readers`);
                assert.ok(!allowed.includes(DEPLOYER_ROLE), `${stack}: whoever runs pulumi up is not added`);
                const matches = (arn: string) => allowed.some((a) => new RegExp(`^${a.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === "*" ? ".*" : `\\${c}`))}$`).test(arn));
                const executionRoles = ["api-execution", "worker-execution"].map((n) => one(r, ROLE, n));
                for (const role of executionRoles) {
                    assert.equal(role.inputs.path, `/groundwork/${stack}/execution/`);
                    assert.ok(matches(role.state.arn as string), `${stack}: ${role.name} may read`);
                }
                for (const role of executionRoles) assert.equal(writers(role.state.arn as string), "deny", `${stack}: ${role.name} may not write`);
                for (const arn of configured) assert.equal(writers(arn), undefined, `${stack}: ${arn} may write`);
                assert.equal(writers(DEPLOYER_ROLE), "deny", `${stack}: whoever runs pulumi up is not added`);
                const taskRoles = byType(r, ROLE).filter((x) => /-task$/.test(x.name));
                assert.ok(taskRoles.length >= 2 && taskRoles.every((x) => !matches(x.state.arn as string)), `${stack}: the task roles may not read it`);
                // The value is written only once the policy is in place.
                const version = childOf(r, "groundwork:data:AppSecrets", "app-secrets", "aws:secretsmanager/secretVersion:SecretVersion");
                assert.ok(version.options.dependsOn.includes(policy.urn), `${stack}: version after policy`);
            }
        });

        it("needs the readers listed in prod, and attaches no readers policy where none are listed", async () => {
            const r = await plan("prod", { "groundwork:secretReaderRoleArns": [] });
            assert.deepEqual(problemKeys(r), ["groundwork:secretReaderRoleArns"]);
            assert.equal(registered(r).length, 0);
            const staging = await goodPlan("staging", STAGING_OVERRIDES);
            assert.deepEqual(byType(staging, SECRET_POLICY), []);
            assert.deepEqual(problemKeys(await plan("staging", { "groundwork:secretReaderRoleArns": ["arn:aws:iam::123:user/bob"] })), ["groundwork:secretReaderRoleArns"]);
        });

        it("leaves no stack output secret but the app environments, and no plain output holds a password or token", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const secretOutputs = Object.entries(r.outputs).filter(([, o]) => o.secret).map(([k]) => k).sort();
                // Staging hosts previews: previewSecrets is what they copy into secrets of their own.
                assert.deepEqual(secretOutputs, ["apiEnv", ...(stack === "staging" ? ["previewSecrets"] : []), "webEnv", "workerEnv"]);
                const s = secretJson(r);
                const secretValues = [
                    ...byType(r, PASSWORD).map((p) => p.state.result as string),
                    s.DATABASE_URL, s.REDIS_URL, s.STRIPE_SECRET_KEY, s.STRIPE_WEBHOOK_SECRET, s.SENTRY_DSN,
                ];
                assert.ok(secretValues.every((v) => typeof v === "string" && v.length >= 16));
                for (const [name, out] of Object.entries(r.outputs)) {
                    if (out.secret) continue;
                    const text = JSON.stringify(out.value) ?? "";
                    for (const v of secretValues) assert.ok(!text.includes(v), `${stack}: plain output ${name} leaks a secret`);
                }
            }
        });
    });

    it("protects the prod Stripe webhook endpoint (a replacement loses its signing secret) and not staging's", async () => {
        for (const stack of STACKS) {
            const hook = one(await goodPlan(stack), "pulumi-nodejs:dynamic:Resource", "stripe-webhook");
            assert.equal(hook.options.protect, stack === "prod", stack);
        }
    });

    it("names every data child after its component and parents it there", async () => {
        const r = await goodPlan("prod");
        for (const c of r.resources.filter((x) => x.type.startsWith("groundwork:data:"))) {
            const kids = r.resources.filter((x) => x.parent === c.urn);
            assert.ok(kids.length > 0, `${c.name} has children`);
            for (const k of kids) assert.ok(k.name.startsWith(`${c.name}-`), `${k.name} in ${c.name}`);
        }
        const dataTypes = /^(aws:(rds|elasticache|s3|secretsmanager)\/|random:)/;
        const orphans = r.resources.filter((x) => dataTypes.test(x.type) && !/^urn:.*::groundwork:data:/.test(x.parent));
        assert.deepEqual(orphans.map((x) => x.name), []);
    });

    it("gives identical inputs to every data resource on two runs with the same config", async () => {
        // Two real runs: the harness's (memoized, from earlier in this process) and one straight through the engine.
        const data = /^(aws:(rds|elasticache|s3|kms|secretsmanager)\/|random:)/;
        const snapshot = (rec: PlanRecord) => {
            assert.equal(rec.error, undefined);
            return Object.fromEntries(rec.resources.filter((x) => data.test(x.type))
                .map((x) => [x.urn, { inputs: x.inputs, secretInputs: x.secretInputs }]));
        };
        const first = snapshot(await goodPlan("prod"));
        const second = snapshot(await runProgram({ stack: "prod" }));
        assert.ok(Object.keys(first).length >= 20, `only ${Object.keys(first).length} data resources recorded`);
        assert.ok(Object.keys(first).some((u) => u.includes("aws:kms/key:Key")));
        assert.deepEqual(second, first);
    });
});
