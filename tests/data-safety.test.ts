/**
 * The data tier on a real account over time (issue 11): final snapshot names unique per instance
 * life, what a destroy does per profile, changes applied when made, the uploads' own KMS key, and
 * the copies in a second US region. All through the whole program's recorded graph.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type * as aws from "@pulumi/aws";
import { checkPrivateBucketArgs } from "../components/data/storage";
import { NOT_INCLUDED, estimateCost } from "../tools/cost";
import { PROJECT_DIR, PlanRecord, RecordedResource, providerUrn } from "../tools/engine";
import { evaluatePolicies } from "../tools/policy-runner";
import { PROD_OVERRIDES, STAGING_OVERRIDES, byType, byUrn, goodPlan, one, plan, problemKeys } from "./harness";
import { IamDocument, evaluateDocument } from "./iam-eval";

const T = {
    db: "aws:rds/instance:Instance",
    cache: "aws:elasticache/replicationGroup:ReplicationGroup",
    cacheSubnets: "aws:elasticache/subnetGroup:SubnetGroup",
    randomId: "random:index/randomId:RandomId",
    key: "aws:kms/key:Key",
    bucket: "aws:s3/bucket:Bucket",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    backupReplication: "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    provider: "pulumi:providers:aws",
};
const STACKS = ["staging", "prod"] as const;


interface Statement {
    Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource: string | string[];
    Condition?: Record<string, Record<string, string>>;
}
const asList = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const statements = (doc: unknown) => (JSON.parse(doc as string) as { Statement: Statement[] }).Statement;

/** The region of the provider a resource was registered with. */
function regionOf(r: PlanRecord, res: RecordedResource): unknown {
    return byUrn(r, providerUrn(res.options.provider))?.inputs.region;
}

/** Every resource that configures a bucket (its `bucket` input is the bucket's name). */
function configsOf(r: PlanRecord, bucket: RecordedResource): RecordedResource[] {
    return r.resources.filter((x) => x.type.startsWith("aws:s3/") && x.type !== T.bucket && x.inputs.bucket === bucket.state.bucket);
}

describe("the data tier on a real account", () => {
    describe("final snapshots: one name per instance life", () => {
        it("suffixes the database's and the cache's final snapshot with a RandomId drawn for them", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                for (const [type, name, prefix] of [[T.db, "db", `groundwork-${stack}-db-final`], [T.cache, "cache", `groundwork-${stack}-cache-final`]] as const) {
                    const suffix = one(r, T.randomId, `${name}-final-snapshot`);
                    assert.equal(suffix.inputs.byteLength, 4, `${stack} ${name}: 8 hex digits`);
                    assert.match(suffix.state.hex as string, /^[0-9a-f]{8}$/);
                    assert.equal(one(r, type).inputs.finalSnapshotIdentifier, `${prefix}-${String(suffix.state.hex)}`, `${stack} ${name}`);
                }
            }
        });

        it("keys the database's suffix to exactly the inputs that replace the instance", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const db = one(r, T.db).inputs;
                const keepers = one(r, T.randomId, "db-final-snapshot").inputs.keepers as Record<string, string>;
                // ForceNew in the provider: engine, dbName, username, kmsKeyId, storageEncrypted (identifier renames in place).
                assert.deepEqual(keepers, {
                    engine: db.engine, dbName: db.dbName, username: db.username, kmsKeyId: db.kmsKeyId, storageEncrypted: String(db.storageEncrypted),
                }, stack);
                assert.equal(keepers.kmsKeyId, one(r, T.key, "db-key").state.arn);
            }
        });

        it("draws a new suffix when the instance would be replaced, and keeps it through an in-place change", async () => {
            const hex = (r: PlanRecord) => one(r, T.randomId, "db-final-snapshot").state.hex;
            const keepers = (r: PlanRecord) => one(r, T.randomId, "db-final-snapshot").inputs.keepers as Record<string, string>;
            const prod = await goodPlan("prod");
            const base = hex(prod);
            const renamed = await goodPlan("prod", PROD_OVERRIDES);
            assert.notEqual(hex(renamed), base, "a new dbName is a new instance");
            // That plan sets other keys too: the dbName is the only keeper they change.
            assert.equal(keepers(renamed).dbName, "acme");
            assert.deepEqual({ ...keepers(renamed), dbName: "" }, { ...keepers(prod), dbName: "" }, "only the dbName changed among the keepers");
            assert.equal(hex(await goodPlan("prod", { "groundwork:dbInstanceClass": "db.t4g.large" })), base, "a class change is the same instance");
        });

        it("keys the cache's suffix to the inputs that replace the replication group", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const g = one(r, T.cache).inputs;
                const keepers = one(r, T.randomId, "cache-final-snapshot").inputs.keepers as Record<string, string>;
                assert.deepEqual(keepers, {
                    engine: g.engine, engineVersion: g.engineVersion, port: String(g.port), subnetGroupName: g.subnetGroupName,
                    atRestEncryptionEnabled: String(g.atRestEncryptionEnabled), transitEncryptionEnabled: String(g.transitEncryptionEnabled),
                }, stack);
                assert.equal(keepers.subnetGroupName, one(r, T.cacheSubnets).state.name);
            }
        });
    });

    describe("what a destroy does", () => {
        it("gives every bucket configuration resource deletedWith its bucket, so no guard goes before the bucket", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const buckets = byType(r, T.bucket);
                assert.ok(buckets.length >= 2, `${stack}: buckets`);
                for (const b of buckets) {
                    const configs = configsOf(r, b);
                    // Public access block, ownership, encryption, versioning, policy, lifecycle at least.
                    assert.ok(configs.length >= 6, `${stack} ${b.name}: ${configs.length} configuration resources`);
                    for (const c of configs) assert.equal(c.options.deletedWith, b.urn, `${stack} ${c.name}`);
                }
            }
        });

        it("in staging empties and deletes the buckets, deletes the database's automated backups, and keeps one restorable final snapshot each", async () => {
            const r = await goodPlan("staging");
            for (const b of byType(r, T.bucket)) {
                assert.equal(b.inputs.forceDestroy, true, b.name);
                assert.deepEqual([b.options.protect, b.options.retainOnDelete], [false, false], b.name);
            }
            const db = one(r, T.db);
            assert.deepEqual([db.inputs.deleteAutomatedBackups, db.inputs.skipFinalSnapshot, db.inputs.deletionProtection], [true, false, false]);
            // The final snapshot stays readable: its key is kept (not protected, so the destroy goes through).
            const key = one(r, T.key, "db-key");
            assert.equal(db.inputs.kmsKeyId, key.state.arn);
            assert.deepEqual([key.options.protect, key.options.retainOnDelete], [false, true]);
            // The cache's final snapshot is encrypted with the AWS-managed key: restorable with nothing kept.
            const cache = one(r, T.cache);
            assert.ok(cache.inputs.finalSnapshotIdentifier);
            assert.equal(cache.inputs.kmsKeyId, undefined);
            assert.equal(cache.inputs.atRestEncryptionEnabled, true);
            // The uploads' key encrypts only objects the destroy deletes: it goes too.
            const uploadsKey = one(r, T.key, "uploads-key");
            assert.deepEqual([uploadsKey.options.protect, uploadsKey.options.retainOnDelete], [false, false]);
        });

        it("in prod deletes nothing: every data store, key and copy is protected and retained, buckets never forceDestroy", async () => {
            const r = await goodPlan("prod");
            const kept = [
                ...byType(r, T.bucket), one(r, T.db), one(r, T.cache),
                ...["db-key", "db-backup-key", "uploads-key", "uploads-replica-key"].map((n) => one(r, T.key, n)),
            ];
            for (const x of kept) assert.deepEqual([x.options.protect, x.options.retainOnDelete], [true, true], x.name);
            for (const b of byType(r, T.bucket)) assert.equal(b.inputs.forceDestroy, false, b.name);
            assert.equal(one(r, T.db).inputs.deleteAutomatedBackups, false, "automated backups outlive the instance");
        });

        it("still passes encryption-at-rest and prod-data-protection, which still catch an unguarded replica", async () => {
            const r = await goodPlan("prod");
            const verdict = await evaluatePolicies(r);
            assert.deepEqual(verdict.mandatory.map((v) => `${v.policy}: ${v.message}`), []);
            const replica = one(r, T.bucket, "uploads-replica-bucket");
            const broken: PlanRecord = {
                ...r,
                resources: r.resources
                    .filter((x) => !(x.type === T.sse && x.inputs.bucket === replica.state.bucket))
                    .map((x) => (x.urn === replica.urn ? { ...x, options: { ...x.options, protect: false } } : x)),
            };
            const caught = (await evaluatePolicies(broken)).mandatory;
            assert.ok(caught.some((v) => v.policy === "encryption-at-rest" && v.urn === replica.urn), "unencrypted replica caught");
            assert.ok(caught.some((v) => v.policy === "prod-data-protection" && v.urn === replica.urn), "unprotected replica caught");
        });
    });

    it("applies database and cache changes during the up that makes them (no pending change read back as a diff)", async () => {
        for (const stack of STACKS) {
            const r = await goodPlan(stack);
            assert.equal(one(r, T.db).inputs.applyImmediately, true, `${stack} database`);
            assert.equal(one(r, T.cache).inputs.applyImmediately, true, `${stack} cache`);
        }
    });

    describe("the uploads' own KMS key", () => {
        it("encrypts the uploads with SSE-KMS and S3 Bucket Keys; the log bucket stays SSE-S3 for ALB", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const sseOf = (bucketName: string) => {
                    const b = one(r, T.bucket, bucketName);
                    const found = byType(r, T.sse).filter((x) => x.inputs.bucket === b.state.bucket);
                    assert.equal(found.length, 1, `${stack} ${bucketName}`);
                    return (found[0].inputs.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId?: string }; bucketKeyEnabled?: boolean }[])[0];
                };
                const uploads = sseOf("uploads-bucket");
                assert.deepEqual(uploads.applyServerSideEncryptionByDefault, { sseAlgorithm: "aws:kms", kmsMasterKeyId: one(r, T.key, "uploads-key").state.arn });
                assert.equal(uploads.bucketKeyEnabled, true);
                assert.deepEqual(sseOf("logs-bucket").applyServerSideEncryptionByDefault, { sseAlgorithm: "AES256" });
            }
        });

        it("allows only the account in the key policy (IAM decides), denies the data actions beyond the key's users, and rotates the key", async () => {
            const key = one(await goodPlan("prod"), T.key, "uploads-key");
            assert.equal(key.inputs.enableKeyRotation, true);
            const s = statements(key.inputs.policy);
            assert.deepEqual(s.map((x) => [x.Effect, JSON.stringify(x.Principal)]),
                [["Allow", JSON.stringify({ AWS: "arn:aws:iam::123456789012:root" })], ["Deny", JSON.stringify({ AWS: "*" })]]);
            assert.deepEqual(asList(s[1].Action).sort(), ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]);
        });

        it("lets the api and worker task roles use the key through S3 only, and no execution role", async () => {
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                const keyArn = one(r, T.key, "uploads-key").state.arn as string;
                const grants = byType(r, T.rolePolicy).flatMap((p) => statements(p.inputs.policy)
                    .filter((s) => asList(s.Resource).includes(keyArn)).map((s) => ({ policy: p, s })));
                assert.deepEqual(grants.filter((g) => !g.policy.name.includes("replication")).map((g) => g.policy.name).sort(), ["api-task-s3", "worker-task-s3"], stack);
                for (const { policy, s } of grants.filter((g) => g.policy.name.endsWith("-task-s3"))) {
                    assert.deepEqual(asList(s.Action).sort(), ["kms:Decrypt", "kms:GenerateDataKey"], policy.name);
                    assert.deepEqual(asList(s.Resource), [keyArn], policy.name);
                    assert.deepEqual(s.Condition, { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } }, policy.name);
                    const role = byType(r, T.role).find((x) => x.id === policy.inputs.role);
                    assert.ok(role && /^(api|worker)-task$/.test(role.name), `${policy.name} is attached to a task role, got ${role?.name}`);
                }
            }
        });

        it("keeps the buckets' keys' data use to the stack's roles, its previews' and the named readers; admins still manage the keys", async () => {
            const account = "123456789012";
            const role = (p: string) => `arn:aws:iam::${account}:role${p}`;
            const [taskRole, execRole, admin] = [role("/groundwork/STACK/api-task-0a1b2c"), role("/groundwork/STACK/exec/api-execution-0a1b"), role("/admins/ops")];
            const [breakGlass] = [role("/groundwork-bootstrap/groundwork-break-glass")];
            const decide = (doc: IamDocument, principal: string, action: string) =>
                evaluateDocument(doc, { action, resource: "*", context: { "aws:PrincipalArn": principal } });
            const keys = ["uploads-key", "uploads-replica-key"];
            let checked = 0;
            for (const stack of STACKS) {
                const r = await goodPlan(stack);
                for (const key of byType(r, T.key).filter((k) => keys.includes(k.name))) {
                    checked++;
                    const doc = JSON.parse(key.inputs.policy as string) as IamDocument;
                    const of = (arn: string) => arn.replace("STACK", stack);
                    for (const action of ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:ReEncryptFrom"]) {
                        assert.equal(decide(doc, of(taskRole), action), "allow", `${stack} ${key.name}: the task role may ${action} (IAM then decides)`);
                        assert.equal(decide(doc, of(execRole), action), "allow", `${stack} ${key.name}: roles deeper under the stack's path`);
                        assert.equal(decide(doc, breakGlass, action), "allow", `${stack} ${key.name}: break-glass (secretReaderRoleArns)`);
                        assert.equal(decide(doc, admin, action), "deny", `${stack} ${key.name}: an administrator may not ${action}`);
                        assert.equal(decide(doc, role("/groundwork/pr-12/api-task-9f"), action), stack === "staging" ? "allow" : "deny",
                            `${stack} ${key.name}: a preview's task role (previews write under previews/ of staging's bucket only)`);
                        assert.equal(decide(doc, role(`/groundwork/${stack === "prod" ? "staging" : "prod"}/api-task-1`), action), "deny", `${stack} ${key.name}: the other stack's role`);
                    }
                    for (const action of ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DescribeKey"]) {
                        assert.equal(decide(doc, admin, action), "allow", `${stack} ${key.name}: nobody is locked out of managing the key (${action})`);
                    }
                }
            }
            assert.equal(checked, 3, "staging's uploads key, prod's and prod's replica key");
            const noReaders = one(await goodPlan("staging", STAGING_OVERRIDES), T.key, "uploads-key");
            assert.equal(decide(JSON.parse(noReaders.inputs.policy as string) as IamDocument, admin, "kms:Decrypt"), "allow", "without readers, IAM alone decides");
        });

        it("refuses a customer-managed key on a bucket that takes ALB access logs, naming both args", () => {
            assert.throws(() => checkPrivateBucketArgs("logs", { protect: false, acceptAccessLogs: true, customerManagedKey: true }),
                /PrivateBucket "logs": customerManagedKey cannot be combined with acceptAccessLogs.*SSE-S3.*Example:/);
            assert.doesNotThrow(() => checkPrivateBucketArgs("uploads", { protect: false, customerManagedKey: true }));
        });
    });

    describe("copies in a second US region", () => {
        it("gives prod a second aws provider in its backup region with the stack's default tags, and staging none", async () => {
            const prod = await goodPlan("prod");
            const backup = one(prod, T.provider, "aws-backup");
            assert.equal(backup.inputs.region, "us-west-2");
            assert.deepEqual(JSON.parse(backup.inputs.defaultTags as string), JSON.parse(one(prod, T.provider, "aws").inputs.defaultTags as string));
            const staging = await goodPlan("staging");
            assert.deepEqual(byType(staging, T.provider).filter((p) => p.name === "aws-backup"), []);
            assert.deepEqual([...byType(staging, T.backupReplication), ...byType(staging, T.replication)], []);
        });

        it("replicates the database's automated backups there, encrypted with that region's key, for as long as the source keeps them", async () => {
            const r = await goodPlan("prod");
            const rep = one(r, T.backupReplication);
            const key = one(r, T.key, "db-backup-key");
            assert.equal(rep.inputs.sourceDbInstanceArn, one(r, T.db).state.arn);
            assert.equal(rep.inputs.kmsKeyId, key.state.arn);
            assert.equal(rep.inputs.retentionPeriod, one(r, T.db).inputs.backupRetentionPeriod);
            assert.deepEqual([regionOf(r, rep), regionOf(r, key)], ["us-west-2", "us-west-2"], "made in the destination region");
            // RDS replicates to one region at a time: a replacement must stop the old one first.
            assert.equal(rep.options.deleteBeforeReplace, true);
        });

        it("replicates the uploads to a versioned, private, TLS-only, encrypted bucket there, deletions included", async () => {
            const r = await goodPlan("prod");
            const source = one(r, T.bucket, "uploads-bucket");
            const replica = one(r, T.bucket, "uploads-replica-bucket");
            const replicaKey = one(r, T.key, "uploads-replica-key");
            assert.deepEqual([regionOf(r, replica), regionOf(r, replicaKey)], ["us-west-2", "us-west-2"]);
            const cfg = (type: string) => {
                const found = configsOf(r, replica).filter((c) => c.type === type);
                assert.equal(found.length, 1, type);
                assert.equal(regionOf(r, found[0]), "us-west-2", `${type} in the replica's region`);
                return found[0].inputs;
            };
            assert.deepEqual(cfg(T.versioning).versioningConfiguration, { status: "Enabled" });
            const pab = cfg(T.pab);
            assert.deepEqual([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets], [true, true, true, true]);
            assert.ok(statements(cfg(T.bucketPolicy).policy).some((s) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false"));
            assert.deepEqual((cfg(T.sse).rules as { applyServerSideEncryptionByDefault: unknown }[])[0].applyServerSideEncryptionByDefault,
                { sseAlgorithm: "aws:kms", kmsMasterKeyId: replicaKey.state.arn });

            const replication = one(r, T.replication);
            assert.equal(replication.inputs.bucket, source.state.bucket);
            const [rule] = replication.inputs.rules as {
                status: string; filter: unknown; deleteMarkerReplication: { status: string };
                sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: string } };
                destination: { bucket: string; encryptionConfiguration: { replicaKmsKeyId: string } };
            }[];
            assert.equal(rule.status, "Enabled");
            assert.deepEqual(rule.filter, { prefix: "" }, "the whole bucket, as a V2 rule");
            assert.equal(rule.deleteMarkerReplication.status, "Enabled", "a file deleted in the app is deleted in the replica");
            assert.equal(rule.sourceSelectionCriteria.sseKmsEncryptedObjects.status, "Enabled");
            assert.deepEqual([rule.destination.bucket, rule.destination.encryptionConfiguration.replicaKmsKeyId], [replica.state.arn, replicaKey.state.arn]);
            // S3 refuses the configuration until both buckets are versioned.
            const versionings = byType(r, T.versioning).filter((v) => [source.state.bucket, replica.state.bucket].includes(v.inputs.bucket)).map((v) => v.urn);
            assert.equal(versionings.length, 2);
            for (const v of versionings) assert.ok(replication.options.dependsOn.includes(v), v);
        });

        it("replicates as a role S3 alone assumes, limited to the two buckets and their keys through S3", async () => {
            const r = await goodPlan("prod");
            const role = one(r, T.role, "uploads-replication");
            assert.deepEqual(statements(role.inputs.assumeRolePolicy).map((s) => JSON.stringify(s.Principal)), [JSON.stringify({ Service: "s3.amazonaws.com" })]);
            assert.equal(one(r, T.replication).inputs.role, role.state.arn);
            const [source, replica] = ["uploads-bucket", "uploads-replica-bucket"].map((n) => one(r, T.bucket, n).state.arn as string);
            const [sourceKey, replicaKey] = ["uploads-key", "uploads-replica-key"].map((n) => one(r, T.key, n).state.arn as string);
            const s = statements(one(r, T.rolePolicy, "uploads-replication").inputs.policy);
            const resources = s.flatMap((x) => asList(x.Resource)).sort();
            assert.deepEqual(resources, [source, `${source}/*`, `${replica}/*`, sourceKey, replicaKey].sort());
            assert.ok(s.every((x) => x.Effect === "Allow" && !asList(x.Action).some((a) => a.endsWith("*"))), "no wildcard actions");
            const via = (key: string) => s.find((x) => asList(x.Resource).includes(key))?.Condition?.StringEquals?.["kms:ViaService"];
            assert.deepEqual([via(sourceKey), via(replicaKey)], ["s3.us-east-1.amazonaws.com", "s3.us-west-2.amazonaws.com"]);
        });

        it("follows groundwork:backupRegion: across the country by default, \"none\" to opt out, and on request in staging", async () => {
            const west = await goodPlan("prod", { "aws:region": "us-west-2" });
            assert.equal(one(west, T.provider, "aws-backup").inputs.region, "us-east-2");
            const none = await goodPlan("prod", PROD_OVERRIDES);
            assert.deepEqual([...byType(none, T.backupReplication), ...byType(none, T.replication), ...byType(none, T.provider).filter((p) => p.name === "aws-backup")], []);
            const staging = await goodPlan("staging", STAGING_OVERRIDES);
            assert.equal(regionOf(staging, one(staging, T.backupReplication)), "us-east-2");
            assert.equal(one(staging, T.bucket, "uploads-replica-bucket").inputs.forceDestroy, true, "a staging replica is disposable too");
        });

        it("refuses a backup region outside the US or equal to the stack's, naming the key, before registering anything", async () => {
            for (const [value, text] of [["eu-west-1", /must be a US region.*or "none", got "eu-west-1".*Example: us-west-2/], ["us-east-1", /must differ from aws:region \(us-east-1\)/]] as const) {
                const r = await plan("prod", { "groundwork:backupRegion": value });
                assert.deepEqual(problemKeys(r), ["groundwork:backupRegion"], value);
                assert.match(r.problems[0].message, text);
                assert.deepEqual(r.resources.filter((x) => x.type !== "pulumi:pulumi:Stack"), [], "nothing registered");
            }
        });

        it("prices the second region's keys in the plan and lists the usage-based copies as not included", async () => {
            const e = estimateCost(await goodPlan("prod"));
            const keys = e.lines.find((l) => l.kind === "KMS key [us-west-2]");
            assert.deepEqual([keys?.quantity, keys?.unitPrice], [2, 1]);
            assert.ok(NOT_INCLUDED.some((n) => /backupRegion/.test(n) && /\$0\.095\/GB-month/.test(n) && /\$0\.02\/GB/.test(n)));
            assert.equal(estimateCost(await goodPlan("staging")).lines.some((l) => /\[us-west-2\]/.test(l.kind)), false);
        });

        it("refuses a replica outside the US, naming the arg", () => {
            const provider = {} as aws.Provider;
            assert.throws(() => checkPrivateBucketArgs("uploads", { protect: true, replicateTo: { region: "eu-west-1", provider } }),
                /PrivateBucket "uploads": replicateTo.region must be a US region.*got "eu-west-1". Example: us-west-2/);
        });
    });

    it("lists every runbook in the runbooks' README", () => {
        const dir = path.join(PROJECT_DIR, "docs", "runbooks");
        const readme = fs.readFileSync(path.join(dir, "README.md"), "utf8");
        const books = fs.readdirSync(dir).filter((f) => f.endsWith(".md") && f !== "README.md");
        assert.ok(books.includes("region-restore.md") && books.includes("database-and-cache-changes.md"));
        for (const b of books) assert.ok(readme.includes(`](${b})`), `docs/runbooks/README.md does not link ${b}`);
    });
});

describe("the restore runbooks act on the program's own resources", () => {
    it("names the database instance by the URN the program gives it, and says who runs the pulumi commands", async () => {
        const runbook = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "database-restore.md"), "utf8");
        const template: string = /DB_URN="([^"]+)"/.exec(runbook)?.[1] ?? "";
        assert.ok(template, "the runbook sets DB_URN");
        for (const stack of STACKS) {
            const urn = template.replace("$STACK", stack).replace("\\$", "$");
            const db = one(await goodPlan(stack), T.db, "db-instance");
            assert.equal(urn, db.urn, `${stack}: the runbook's URN is the instance's`);
        }
        const who = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "README.md"), "utf8").split("## Who runs them")[1]?.split("\n## ")[0] ?? "";
        assert.match(who, /secretReaderRoleArns/);
        assert.match(who, /break-glass/);
    });
});
