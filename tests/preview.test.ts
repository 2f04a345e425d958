/**
 * A pull request's preview stack (issue 17): `pr-123` plans offline from the committed files
 * (Pulumi.staging.yaml, preview/Pulumi.preview.yaml) plus the workflow's inputs (number, branch),
 * reads staging's parts through one stack reference answered by staging's recorded outputs, and
 * creates only its own parts; what each of them is, and what it may reach.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR, PlanRecord, RecordedResource, registered, runProgram } from "../tools/engine";
import { estimateCost } from "../tools/cost";
import { evaluatePolicies } from "../tools/policy-runner";
import { previewStackConfig, renderPreviewStackFile } from "../tools/preview-stack";
import { targetFromOutputs } from "../tools/task-launch";
import { DATABASE_SCRIPT, DROP_SQL, SETUP_SQL } from "../components/data/preview-database";
import { BACKUP_JOB, byType, byUrn, goodPlan, jobEntry, one, plan, problemKeys } from "./harness";
import { tempDir, warningsDuring } from "./temp-dir";

const BRANCH = "feature/checkout-redesign";
const preview = (config?: Parameters<typeof plan>[1]) => goodPlan("pr-123", config, { previewBranch: BRANCH });
const T = {
    ref: "pulumi:pulumi:StackReference",
    td: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    secret: "aws:secretsmanager/secret:Secret",
    version: "aws:secretsmanager/secretVersion:SecretVersion",
    rule: "aws:lb/listenerRule:ListenerRule",
    tg: "aws:lb/targetGroup:TargetGroup",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    role: "aws:iam/role:Role",
    envVar: "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
    domain: "vercel:index/projectDomain:ProjectDomain",
    dynamic: "pulumi-nodejs:dynamic:Resource",
};

interface Container {
    name: string; image: string; essential?: boolean; entryPoint?: string[]; command?: string[];
    environment?: { name: string; value: string }[]; secrets?: { name: string; valueFrom: string }[];
    dependsOn?: { containerName: string; condition: string }[];
}
const containers = (td: RecordedResource) => JSON.parse(String(td.inputs.containerDefinitions)) as Container[];
const secretJson = (r: PlanRecord, secretName: RegExp) => {
    const secret = byType(r, T.secret).find((s) => secretName.test(String(s.inputs.name)));
    assert.ok(secret, `a secret named ${secretName}`);
    const version = byType(r, T.version).find((v) => v.parent === secret.parent);
    assert.ok(version);
    return { secret, values: JSON.parse(String(version.inputs.secretString)) as Record<string, string> };
};
/** What staging hands its previews (the previewSecrets output). */
const previewSecretsOf = async () => (await goodPlan("staging")).outputs.previewSecrets.value as Record<string, unknown>;
const policy = (r: PlanRecord, name: string) => JSON.parse(String(one(r, T.rolePolicy, name).inputs.policy)) as
    { Statement: { Sid?: string; Action: string[] | string; Resource: unknown; Condition?: Record<string, Record<string, unknown>> }[] };

describe("a pull request's preview stack (pr-<n>)", () => {
    it("plans offline from the committed template and the base's stack file, with the workflow's branch", async () => {
        assert.ok(!fs.existsSync(path.join(PROJECT_DIR, "Pulumi.pr-123.yaml")), "no preview stack file is committed");
        const r = await preview();
        assert.ok(registered(r).length > 20);
        assert.equal(r.config["groundwork:profile"].value, "preview");
        assert.equal(r.config["groundwork:previewBranch"].value, BRANCH);
        // The app's shape is the base's: its image tag, domain and architecture come from Pulumi.staging.yaml.
        const staging = (YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
        for (const key of ["groundwork:imageTag", "groundwork:domain", "groundwork:cpuArchitecture", "aws:region"]) {
            assert.equal(r.config[key].value, String(staging[key]), key);
        }
        // What sizes staging's shared parts, and its secrets and readers, are not the preview's.
        for (const key of ["groundwork:vpcCidr", "groundwork:dbInstanceClass", "groundwork:cacheNodeType", "groundwork:previews"]) {
            assert.equal(r.config[key]?.value, String((YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> })
                .config[key.split(":")[1]].default ?? ""), `${key} is Pulumi.yaml's default`);
        }
        assert.doesNotMatch(r.config["groundwork:secretReaderRoleArns"].value, /gha-staging/);
        assert.match(r.config["groundwork:secretReaderRoleArns"].value, /gha-preview-deploy/);
    });

    it("leaves out the base's operations and web release settings: a staging with all of them still gives a clean preview", async () => {
        // Staging with every operations and web-release key set, in a folder of its own.
        const dir = tempDir("gw-base-");
        const staging = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8")) as { config: Record<string, unknown> };
        const base: Record<string, unknown> = {
            ...staging.config,
            "groundwork:jobs": [jobEntry(BACKUP_JOB)], "groundwork:backups": true, "groundwork:dbAccess": true, "groundwork:appMetrics": true,
            "groundwork:workerQueues": ["webhooks"], "groundwork:alarmThresholds": ["queueWaiting=250"], "groundwork:apiIdleTimeoutSeconds": 300,
            "groundwork:apiHealthCheckIntervalSeconds": 60, "groundwork:apiHealthCheckTimeoutSeconds": 30,
            "groundwork:vercelBuildCommand": "npm run build", "groundwork:vercelNodeVersion": "22.x", "groundwork:dnsRecords": ["_dmarc TXT v=DMARC1; p=none"],
        };
        fs.writeFileSync(path.join(dir, "Pulumi.staging.yaml"), YAML.stringify({ config: base }));
        fs.mkdirSync(path.join(dir, "preview"));
        fs.copyFileSync(path.join(PROJECT_DIR, "preview", "Pulumi.preview.yaml"), path.join(dir, "preview", "Pulumi.preview.yaml"));
        fs.copyFileSync(path.join(PROJECT_DIR, "offline-secrets.yaml"), path.join(dir, "offline-secrets.yaml"));
        const file = previewStackConfig(dir, "groundwork", { number: 7, branch: BRANCH });
        for (const key of ["jobs", "backups", "dbAccess", "appMetrics", "workerQueues", "alarmThresholds", "apiIdleTimeoutSeconds", "vercelBuildCommand", "vercelNodeVersion", "dnsRecords"]) {
            assert.equal(file[`groundwork:${key}`], undefined, `${key} is the base's`);
        }
        const r = await goodPlan("pr-7", undefined, { configDir: dir, previewBranch: BRANCH });
        // The app's own health check timing is kept: a slow health route passes in its preview too.
        const hc = one(r, T.tg).inputs.healthCheck as Record<string, unknown>;
        assert.deepEqual([hc.interval, hc.timeout], [60, 30]);
        for (const t of ["aws:scheduler/schedule:Schedule", "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:s3/bucket:Bucket", "aws:appautoscaling/policy:Policy"]) {
            assert.deepEqual(byType(r, t).map((x) => x.name), [], t);
        }
    });

    it("writes the stack file the workflow deploys from the same inputs the offline plan used", () => {
        const text = renderPreviewStackFile(PROJECT_DIR, "groundwork", { number: 123, branch: BRANCH });
        const file = (YAML.parse(text) as { config: Record<string, unknown> }).config;
        assert.deepEqual(file, previewStackConfig(PROJECT_DIR, "groundwork", { number: 123, branch: BRANCH }));
        assert.match(text, /^# Preview of pull request #123 .*never edit or commit it/s);
        assert.equal(file["groundwork:previewBranch"], BRANCH);
        assert.ok(Object.values(file).every((v) => !(v && typeof v === "object" && !Array.isArray(v) && "secure" in v)), "no encrypted value of the base");
        assert.throws(() => previewStackConfig(PROJECT_DIR, "groundwork", { number: 0, branch: BRANCH }), /number must be a whole number of at least 1.*Example: 123/);
        assert.match(fs.readFileSync(path.join(PROJECT_DIR, ".gitignore"), "utf8"), /^Pulumi\.pr-\*\.yaml$/m);
    });

    it("reads staging's parts through one stack reference, answered by staging's recorded outputs", async () => {
        const r = await preview();
        const refs = byType(r, T.ref);
        assert.equal(refs.length, 1);
        assert.equal(refs[0].read, true, "a read, never a managed resource");
        assert.equal(refs[0].inputs.name, "acme/groundwork/staging");
        assert.deepEqual([...refs[0].state.secretOutputNames as string[]].sort(), ["apiEnv", "previewSecrets", "webEnv", "workerEnv"]);
        assert.equal((refs[0].state.outputs as Record<string, unknown>).previewSecrets, "[secret]", "the record keeps no secret of the base");
        const staging = await goodPlan("staging");
        const base = staging.outputs.previewBase.value as { vpcId: string; listenerArn: string; privateSubnetIds: string[]; taskSecurityGroupIds: { api: string; worker: string } };
        // The ids the preview uses are staging's, not hard-coded ones.
        assert.equal(one(r, T.tg).inputs.vpcId, base.vpcId);
        assert.equal(one(r, T.rule).inputs.listenerArn, base.listenerArn);
        const api = one(r, T.service, "api-service");
        const net = api.inputs.networkConfiguration as { subnets: string[]; securityGroups: string[]; assignPublicIp: boolean };
        assert.deepEqual(net.subnets, base.privateSubnetIds);
        assert.deepEqual(net.securityGroups, [base.taskSecurityGroupIds.api]);
        assert.equal(net.assignPublicIp, false);
        assert.deepEqual((one(r, T.service, "worker-service").inputs.networkConfiguration as { securityGroups: string[] }).securityGroups, [base.taskSecurityGroupIds.worker]);
    });

    it("plans its base itself when no outputs are given, and fails clearly when the base hosts no previews", async () => {
        const own = await runProgram({ stack: "pr-7", previewBranch: "b" });
        assert.deepEqual(own.problems, []);
        assert.equal(own.error, undefined);
        assert.equal(byType(own, T.ref)[0].inputs.name, "acme/groundwork/staging");
        // Run here, not through the shared memo: the failed run's rejections are what is checked.
        const { value: none, warnings } = await warningsDuring(async () => {
            const r = await runProgram({ stack: "pr-8", previewBranch: "b", references: { "acme/groundwork/staging": {} } });
            await new Promise((resolve) => setImmediate(resolve));
            return r;
        });
        assert.match(none.error ?? "", /the base stack acme\/groundwork\/staging exports no previewBase output: set groundwork:previews: true/);
        // Its exports reject: the run reports that once, as its error, and Node adds no
        // PromiseRejectionHandledWarning when the engine gathers them.
        assert.deepEqual(warnings.filter((w) => w.startsWith("PromiseRejectionHandledWarning")), []);
        const other = await plan("pr-9", { "groundwork:previewBaseStack": "acme/other/staging" }, { previewBranch: "b" });
        assert.deepEqual(problemKeys(other), ["groundwork:previewBaseStack"]);
        assert.match(other.problems[0].message, /not a stack of project groundwork/);
    });

    it("creates only its own parts: no VPC, NAT, load balancer, database server, cache, bucket, registry, key or DNS", async () => {
        const r = await preview();
        const types = new Set(registered(r).filter((x) => x.custom && !x.read).map((x) => x.type));
        for (const shared of ["aws:ec2/vpc:Vpc", "aws:ec2/natGateway:NatGateway", "aws:autoscaling/group:Group", "aws:lb/loadBalancer:LoadBalancer",
            "aws:lb/listener:Listener", "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:s3/bucket:Bucket",
            "aws:ecr/repository:Repository", "aws:kms/key:Key", "aws:acm/certificate:Certificate", "vercel:index/project:Project",
            "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:budgets/budget:Budget", "aws:appautoscaling/target:Target"]) {
            assert.ok(!types.has(shared), `${shared} is staging's (or not needed)`);
        }
        assert.ok(![...types].some((t) => t.startsWith("cloudflare:")), "no DNS: staging's wildcard records cover it");
        assert.equal(byType(r, "pulumi:providers:cloudflare").length, 0, "no Cloudflare provider, so no Cloudflare token");
        assert.deepEqual(r.resources.filter((x) => x.options.protect || x.options.retainOnDelete).map((x) => x.name), [], "nothing protected or retained");
        const cluster = one(r, "aws:ecs/cluster:Cluster");
        assert.deepEqual(cluster.inputs.settings, [{ name: "containerInsights", value: "disabled" }]);
    });

    it("routes pr-123.api.<staging domain> to its own target group with a rule on staging's listener", async () => {
        const r = await preview();
        const rule = one(r, T.rule);
        assert.deepEqual(rule.inputs.conditions, [{ hostHeader: { values: ["pr-123.api.staging.example.com"] } }]);
        assert.equal(rule.inputs.priority, 123);
        const tg = one(r, T.tg);
        assert.deepEqual(rule.inputs.actions, [{ type: "forward", targetGroupArn: tg.state.arn }]);
        assert.equal(tg.inputs.targetType, "ip");
        assert.equal(tg.inputs.port, 3000);
        const api = one(r, T.service, "api-service");
        assert.deepEqual((api.inputs.loadBalancers as { targetGroupArn: string }[])[0].targetGroupArn, tg.state.arn);
        assert.ok(api.options.dependsOn.includes(rule.urn), "the service waits for its rule");
        assert.equal(r.outputs.apiUrl.value, "https://pr-123.api.staging.example.com/api/v1");
        assert.equal(r.outputs.appUrl.value, "https://pr-123.app.staging.example.com");
        // Another pull request, another host and priority; one above the range wraps below 50000 (staging's 404 rule).
        const big = await goodPlan("pr-50123", undefined, { previewBranch: "b" });
        assert.equal(one(big, T.rule).inputs.priority, ((50123 - 1) % 49999) + 1);
        assert.ok((one(big, T.rule).inputs.priority as number) < 50000);
    });

    it("runs one api and one worker task on Fargate Spot, at the smallest size, without autoscaling", async () => {
        const r = await preview();
        for (const name of ["api", "worker"]) {
            const svc = one(r, T.service, `${name}-service`);
            assert.equal(svc.inputs.desiredCount, 1);
            assert.deepEqual(svc.inputs.capacityProviderStrategies, [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }]);
            assert.deepEqual(svc.options.ignoreChanges, [], "no autoscaling owns the count");
            const td = one(r, T.td, `${name}-task`);
            assert.deepEqual([td.inputs.cpu, td.inputs.memory], ["256", "512"]);
            assert.equal(td.inputs.family, `groundwork-pr-123-${name}`);
        }
        assert.equal(byType(r, "aws:appautoscaling/policy:Policy").length, 0, "no target-tracking alarms to pay for");
        // The image is staging's, from staging's repository, at the committed tag.
        const base = (await goodPlan("staging")).outputs.imageRepositoryUrl.value as string;
        assert.equal(containers(one(r, T.td, "api-task")).find((c) => c.name === "app")?.image, `${base}:v1.0.0`);
    });

    describe("its own database on staging's server", () => {
        it("makes the database and its role in a Postgres setup step before the migrations, with staging's master credentials", async () => {
            const r = await preview();
            const cs = containers(one(r, T.td, "api-task"));
            assert.deepEqual(cs.map((c) => c.name), ["prepare", "database", "migrate", "app"]);
            const db = cs[1];
            assert.match(db.image, /^public\.ecr\.aws\/docker\/library\/postgres:17/);
            assert.deepEqual(db.entryPoint?.slice(0, 2), ["sh", "-c"]);
            assert.deepEqual(db.command, ["setup"]);
            assert.deepEqual(cs[2].dependsOn, [{ containerName: "database", condition: "SUCCESS" }]);
            const env = Object.fromEntries((db.environment ?? []).map((e) => [e.name, e.value]));
            assert.equal(env.PREVIEW_DB_NAME, "pr_123");
            assert.equal(env.PREVIEW_DB_ROLE, "pr_123_app");
            assert.equal(env.PGSSLMODE, "verify-full");
            assert.match(env.GROUNDWORK_RDS_CA, /BEGIN CERTIFICATE/);
            // Its credentials come from the preview's own admin secret, which holds staging's master user.
            const admin = secretJson(r, /^groundwork-pr-123\/database-admin$/);
            assert.deepEqual((db.secrets ?? []).map((x) => x.name).sort(), ["PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGUSER", "PREVIEW_DB_PASSWORD"]);
            for (const x of db.secrets ?? []) assert.ok(x.valueFrom.startsWith(`${admin.secret.state.arn}:`), x.name);
            const stagingUrl = new URL(secretJson(await goodPlan("staging"), /^groundwork-staging\/app$/).values.DATABASE_URL);
            assert.equal(admin.values.PGUSER, stagingUrl.username);
            assert.equal(admin.values.PGHOST, stagingUrl.hostname);
            assert.equal(admin.values.PGDATABASE, "app");
        });

        it("gives the apps only the preview role's URL to its own database, never the master credentials", async () => {
            const r = await preview();
            const app = secretJson(r, /^groundwork-pr-123\/app$/).values;
            const url = new URL(app.DATABASE_URL);
            assert.equal(url.username, "pr_123_app");
            assert.equal(url.pathname, "/pr_123");
            assert.equal(url.searchParams.get("sslmode"), "require");
            const admin = secretJson(r, /database-admin$/).values;
            assert.equal(decodeURIComponent(url.password), admin.PREVIEW_DB_PASSWORD, "the role's password is the generated one");
            assert.notEqual(url.password, admin.PGPASSWORD);
            for (const name of ["api-task", "worker-task"]) {
                for (const c of containers(one(r, T.td, name)).filter((x) => x.name !== "database")) {
                    const names = [...(c.secrets ?? []), ...(c.environment ?? [])].map((x) => x.name);
                    assert.ok(!names.some((n) => /^PG(USER|PASSWORD|HOST)$|PREVIEW_DB_PASSWORD/.test(n)), `${name} ${c.name}: ${names.join(", ")}`);
                    for (const x of c.secrets ?? []) assert.ok(!x.valueFrom.includes("database-admin"), `${c.name} ${x.name}`);
                }
            }
            assert.ok(!Object.values(app).some((v) => v === admin.PGPASSWORD), "the master password is in no app secret");
            // The task roles (the apps' AWS identity) read no secret; the api's execution role reads the
            // admin secret for its setup step, the worker's (no setup step: the api's runs first) does not.
            const adminArn = String(secretJson(r, /database-admin$/).secret.state.arn);
            for (const role of ["api", "worker"]) assert.ok(!JSON.stringify(policy(r, `${role}-task-s3`)).includes("secretsmanager"), role);
            assert.ok(JSON.stringify(policy(r, "api-execution")).includes(adminArn));
            assert.ok(!JSON.stringify(policy(r, "worker-execution")).includes(adminArn));
        });

        it("creates, revokes and drops only what is the preview's own, with psql variables from the environment", () => {
            assert.match(SETUP_SQL, /\\getenv password PREVIEW_DB_PASSWORD/);
            assert.doesNotMatch(DATABASE_SCRIPT, /-v password=|PREVIEW_DB_PASSWORD"/, "no password on psql's command line");
            assert.match(SETUP_SQL, /CREATE DATABASE %I OWNER %I/);
            assert.match(SETUP_SQL, /REVOKE ALL ON DATABASE :"db" FROM PUBLIC/);
            assert.match(SETUP_SQL, /REVOKE CONNECT, TEMPORARY ON DATABASE :"base" FROM PUBLIC/);
            assert.match(SETUP_SQL, /NOSUPERUSER NOCREATEDB NOCREATEROLE/);
            assert.deepEqual(DROP_SQL.split("\n").filter((l) => /^DROP/.test(l)), ["DROP DATABASE IF EXISTS :\"db\" WITH (FORCE);", "DROP ROLE IF EXISTS :\"role\";"]);
            assert.match(DATABASE_SCRIPT, /pr_\[0-9\]\*\) ;; \*\) echo "refusing/);
        });

        it("has a one-off task that drops the database before the preview goes, in taskLaunch for npm run task", async () => {
            const r = await preview();
            const td = one(r, T.td, "database-task");
            assert.equal(td.inputs.family, "groundwork-pr-123-database");
            const [c] = containers(td);
            assert.equal(c.essential, true);
            assert.deepEqual(c.command, ["setup"], "the tool overrides it with drop");
            const launch = (r.outputs.taskLaunch.value as Record<string, { taskDefinition: string; container: string; logGroup: string; securityGroups: string[] }>).database;
            assert.deepEqual([launch.taskDefinition, launch.container, launch.logGroup], ["groundwork-pr-123-database", "database", "/groundwork/pr-123/database"]);
            const execution = one(r, T.role, "database-execution");
            assert.equal(execution.inputs.path, "/groundwork/pr-123/execution/", "under the path the admin secret's readers policy admits");
            // What `npm run task -- --stack pr-123 --service database -- drop` reads passes the tool's checks.
            const outputs = Object.fromEntries(Object.entries(r.outputs).filter(([, o]) => !o.secret).map(([k, o]) => [k, o.value]));
            const target = targetFromOutputs(outputs, "pr-123", "database");
            assert.deepEqual([target.launch.container, target.launch.taskDefinition], ["database", "groundwork-pr-123-database"]);
        });
    });

    it("keeps its cache keys and uploads under its own prefixes, and its task roles reach only its prefix", async () => {
        const r = await preview();
        const env = r.outputs.apiEnv.value as Record<string, string>;
        assert.equal(env.REDIS_PREFIX, "pr-123:");
        assert.equal(env.S3_PREFIX, "previews/pr-123/");
        const base = (await goodPlan("staging")).outputs.previewBase.value as { uploads: { bucketName: string; bucketArn: string; kmsKeyArn: string } };
        assert.equal(env.S3_BUCKET, base.uploads.bucketName);
        const doc = policy(r, "api-task-s3");
        const objects = doc.Statement.find((s) => s.Sid === "ReadWriteObjects")!;
        assert.deepEqual(objects.Resource, [`${base.uploads.bucketArn}/previews/pr-123/*`]);
        const list = doc.Statement.find((s) => s.Sid === "ListBuckets")!;
        assert.deepEqual(list.Condition, { StringLike: { "s3:prefix": ["previews/pr-123/*"] } });
        assert.deepEqual(doc.Statement.find((s) => s.Sid === "BucketKeysThroughS3")?.Resource, [base.uploads.kmsKeyArn]);
        // The cache URL is staging's (the one cache), the rest of the app secret is the preview's own.
        const app = secretJson(r, /^groundwork-pr-123\/app$/).values;
        const staging = secretJson(await goodPlan("staging"), /^groundwork-staging\/app$/).values;
        assert.equal(app.REDIS_URL, staging.REDIS_URL);
        // Its generated secrets are its own: generated in its graph, never handed over by the base.
        assert.ok(byType(r, "random:index/randomPassword:RandomPassword").some((p) => p.parent.endsWith("::app-secrets")), "its own JWT_SECRET generator");
        const handed = Object.keys(await previewSecretsOf());
        assert.deepEqual(handed.sort(), ["appSecrets", "databaseAdminUrl", "redisUrl", "stripeSecretKey"]);
        assert.equal(app.SENTRY_DSN, staging.SENTRY_DSN, "previewSharedSecrets: SENTRY_DSN");
        assert.equal(app.STRIPE_SECRET_KEY, staging.STRIPE_SECRET_KEY);
        assert.match(app.STRIPE_SECRET_KEY, /^sk_test_/);
        assert.deepEqual(env.ALLOWED_ORIGINS.split(","), ["https://pr-123.app.staging.example.com"]);
    });

    it("has its own test-mode Stripe endpoint at its own API, and its own webhook secret", async () => {
        const r = await preview();
        const endpoint = byType(r, T.dynamic).find((x) => "url" in x.inputs)!;
        assert.equal(endpoint.inputs.url, "https://pr-123.api.staging.example.com/api/v1/webhooks/stripe");
        assert.equal(endpoint.inputs.expectedMode, "test");
        assert.match(String(endpoint.inputs.description), /preview of pull request #123/);
        assert.equal(endpoint.options.protect, false);
        const app = secretJson(r, /^groundwork-pr-123\/app$/).values;
        const staging = secretJson(await goodPlan("staging"), /^groundwork-staging\/app$/).values;
        assert.match(app.STRIPE_WEBHOOK_SECRET, /^whsec_/);
        // Its signing secret is its own endpoint's (the mocks derive it from the endpoint's name, not its stack).
        assert.equal(app.STRIPE_WEBHOOK_SECRET, endpoint.state.secret);
        assert.match(staging.STRIPE_WEBHOOK_SECRET, /^whsec_/);
        const activation = one(r, T.dynamic, "stripe-webhook-enabled");
        assert.equal(activation.inputs.expectedMode, "test");
        // A component in dependsOn stands for its children: the api's ECS service (waitForSteadyState) among them.
        assert.ok(activation.options.dependsOn.includes(one(r, T.service, "api-service").urn), "enabled once its api runs");
    });

    it("points the branch's Vercel preview in staging's project at its API: branch-scoped variables and a branch domain", async () => {
        const r = await preview();
        const projectId = (await goodPlan("staging")).outputs.vercelProjectId.value;
        const v = one(r, T.envVar);
        assert.deepEqual([v.inputs.projectId, v.inputs.key, v.inputs.value], [projectId, "NEXT_PUBLIC_API_URL", "https://pr-123.api.staging.example.com/api/v1"]);
        assert.deepEqual(v.inputs.targets, ["preview"]);
        assert.equal(v.inputs.gitBranch, BRANCH);
        assert.equal(v.inputs.sensitive, false);
        const d = one(r, T.domain);
        assert.deepEqual([d.inputs.projectId, d.inputs.domain, d.inputs.gitBranch], [projectId, "pr-123.app.staging.example.com", BRANCH]);
        assert.match(one(r, "pulumi:providers:vercel").inputs.team as string, /acme/);
        // Vercel built the branch's first push before these variables existed: a deployment of the branch follows them.
        const dep = one(r, "vercel:index/deployment:Deployment");
        assert.deepEqual([dep.inputs.projectId, dep.inputs.ref, dep.inputs.production], [projectId, BRANCH, false]);
        assert.ok(dep.options.dependsOn.includes(v.urn) && dep.options.dependsOn.includes(d.urn), "built after its variables and domain");
    });

    it("keeps every secret its own: readers are the preview-deploy and break-glass roles, values never in plain outputs", async () => {
        const r = await preview();
        for (const s of byType(r, "aws:secretsmanager/secretPolicy:SecretPolicy")) {
            const text = String(s.inputs.policy);
            assert.match(text, /role\/groundwork\/pr-123\/execution\/\*/);
            assert.match(text, /groundwork-gha-preview-deploy/);
            assert.doesNotMatch(text, /gha-staging/);
        }
        for (const s of byType(r, T.secret)) {
            assert.match(String(s.inputs.name), /^groundwork-pr-123\//);
            assert.equal(s.inputs.recoveryWindowInDays, 0, "a re-opened pull request reuses the name at once");
        }
        const secretOutputs = Object.entries(r.outputs).filter(([, o]) => o.secret).map(([k]) => k).sort();
        assert.deepEqual(secretOutputs, ["apiEnv", "webEnv", "workerEnv"]);
        for (const [, o] of Object.entries(r.outputs).filter(([, o]) => !o.secret)) assert.doesNotMatch(JSON.stringify(o.value), /sk_test_|whsec_|:\/\/[^/\s]*:[^@\s]+@/);
    });

    it("passes the policy pack, preview-isolation included, and costs under $10 a month", async () => {
        const r = await preview();
        const verdict = await evaluatePolicies(r);
        assert.ok(verdict.rules.includes("preview-isolation"));
        assert.deepEqual(verdict.mandatory, []);
        const e = estimateCost(r);
        assert.deepEqual(e.sharedFrom, ["acme/groundwork/staging"]);
        assert.deepEqual(e.lines.map((l) => l.kind).sort(), ["Fargate Spot memory (ARM64)", "Fargate Spot vCPU (ARM64)", "Secrets Manager secret"]);
        assert.ok(e.total < 10, `a preview costs ${e.total.toFixed(2)}`);
        assert.equal(e.lines.find((l) => l.kind === "Secrets Manager secret")?.quantity, 2, "its app secret and its database-admin secret");
    });

    it("exports the outputs the workflow and npm run env/task read, with the preview's own names", async () => {
        const r = await preview();
        assert.deepEqual(r.outputs.preview.value, {
            number: 123, baseStack: "acme/groundwork/staging", branch: BRANCH, database: "pr_123", cacheKeyPrefix: "pr-123:", uploadsPrefix: "previews/pr-123/",
        });
        assert.deepEqual(r.outputs.parts.value, { api: true, worker: true, database: "rds", cache: "elasticache", uploads: true, stripe: "webhook", frontend: true });
        const launch = r.outputs.taskLaunch.value as Record<string, { cluster: string; taskDefinition: string }>;
        assert.deepEqual(Object.keys(launch).sort(), ["api", "database", "worker"]);
        assert.equal(launch.api.cluster, r.outputs.clusterName.value);
        // npm run task starts the one-off definition (no database setup, no migration step), as in a base stack.
        for (const role of ["api", "worker"]) {
            const run = one(r, "aws:ecs/taskDefinition:TaskDefinition", `${role}-run`);
            assert.equal(launch[role].taskDefinition, run.state.family ?? run.inputs.family, role);
            const containers = (JSON.parse(run.inputs.containerDefinitions as string) as { name: string }[]).map((c) => c.name);
            assert.ok(!containers.some((n) => /migrate|database/.test(n)), `${role}: ${containers.join(", ")}`);
        }
        assert.ok(byUrn(r, one(r, "aws:ecs/cluster:Cluster").urn));
    });
});
