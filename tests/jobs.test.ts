/**
 * Scheduled jobs and the backups bucket (issue 14, item 1), on the graph the offline engine
 * records: each job's task definition, its schedule, the scheduler's role, the failed-run
 * pipeline (with its EventBridge pattern evaluated against ECS's stop events), the alarms, the
 * bucket, the taskLaunch entries, and the config rules that refuse a bad job.
 */
import { strict as assert } from "assert";
import { PlanRecord, RecordedResource } from "../tools/engine";
import { targetFromOutputs } from "../tools/task-launch";
import { JOB_RUNNER_SCRIPT } from "../components/compute/job-runner";
import { BACKUP_JOB, EVERY_OPT_IN, NO_IMAGE, STAGING_TUNED, byType, goodPlan, jobEntry, one, plan } from "./harness";
import { matches } from "./event-pattern";

const T = {
    td: "aws:ecs/taskDefinition:TaskDefinition",
    schedule: "aws:scheduler/schedule:Schedule",
    group: "aws:scheduler/scheduleGroup:ScheduleGroup",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    logPolicy: "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
    filter: "aws:cloudwatch/logMetricFilter:LogMetricFilter",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    bucket: "aws:s3/bucket:Bucket",
    cluster: "aws:ecs/cluster:Cluster",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    subnet: "aws:ec2/subnet:Subnet",
} as const;

interface Container { name: string; image: string; entryPoint?: string[]; command?: string[]; environment: { name: string; value: string }[]; secrets: { name: string }[] }
const containers = (td: RecordedResource) => JSON.parse(td.inputs.containerDefinitions as string) as Container[];
const statements = (doc: unknown) => (JSON.parse(doc as string) as { Statement: Record<string, unknown>[] }).Statement;
const policyOf = (r: PlanRecord, role: string) => statements(one(r, T.rolePolicy, role).inputs.policy);
const envOf = (c: Container) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));

/** Prod with every opt-in, a worker built separately without its tag yet, and the logs' retention. */
const PROD_TUNED = { ...EVERY_OPT_IN, "groundwork:workerImage": "own", "groundwork:logRetentionDays": 60 };

describe("scheduled jobs", () => {
    let prod: PlanRecord;
    before(async () => { prod = await goodPlan("prod", EVERY_OPT_IN); });

    it("are absent unless the stack file defines some: no job resource, bucket or schedule", async () => {
        const r = await goodPlan("prod");
        for (const type of [T.schedule, T.group, T.rule, T.logPolicy, T.filter]) assert.equal(byType(r, type).length, 0, type);
        assert.ok(!byType(r, T.td).some((t) => String(t.inputs.family).includes("-job-")));
        assert.ok(!byType(r, T.bucket).some((b) => b.name.startsWith("backups")));
    });

    it("gives each job its own task definition: the image's variables and secrets, its size, its command under the wrapper, no migration step", async () => {
        const api = containers(one(prod, T.td, "api-task")).find((c) => c.name === "app")!;
        const worker = containers(one(prod, T.td, "worker-task")).find((c) => c.name === "app")!;
        const backup = one(prod, T.td, "jobs-db-backup");
        assert.equal(backup.inputs.family, "groundwork-prod-job-db-backup");
        assert.equal(backup.inputs.cpu, "512");
        assert.equal(backup.inputs.memory, "1024");
        assert.deepEqual(containers(backup).map((c) => c.name), ["prepare", "app"]);
        const app = containers(backup).find((c) => c.name === "app")!;
        assert.equal(app.image, api.image);
        assert.deepEqual(app.entryPoint, ["node", "-e", JOB_RUNNER_SCRIPT, "--"]);
        assert.deepEqual(app.command, BACKUP_JOB.command);
        assert.deepEqual(app.secrets, api.secrets, "the api's secrets, as ECS secrets");
        const env = envOf(app);
        for (const [k, v] of Object.entries(envOf(api))) assert.equal(env[k], v, k);
        assert.equal(env.GROUNDWORK_JOB, "db-backup");
        assert.equal(env.GROUNDWORK_JOB_NO_OVERLAP, "1");
        assert.equal(env.GROUNDWORK_JOB_TIMEOUT_SECONDS, String(120 * 60));
        assert.equal(env.BACKUPS_BUCKET, one(prod, T.bucket, "backups-bucket").state.bucket);

        const cleanup = containers(one(prod, T.td, "jobs-cleanup")).find((c) => c.name === "app")!;
        assert.equal(cleanup.image, worker.image);
        assert.deepEqual(cleanup.command, ["node", "dist/jobs/cleanup.js"]);
        assert.equal(envOf(cleanup).GROUNDWORK_JOB_NO_OVERLAP, "0");
        assert.equal(envOf(cleanup).WORKER_CONCURRENCY, envOf(worker).WORKER_CONCURRENCY, "the worker's variables");
    });

    it("starts each job with EventBridge Scheduler on its schedule and time zone, in the private subnets, without a public IP", async () => {
        type EcsParameters = { taskDefinitionArn: string; taskCount: number; launchType: string; group: string; networkConfiguration: { assignPublicIp: boolean; subnets: string[]; securityGroups: string[] } };
        const s = one(prod, T.schedule, "jobs-db-backup").inputs as {
            scheduleExpression: string; scheduleExpressionTimezone: string; flexibleTimeWindow: unknown; state: string; groupName: string;
            target: { arn: string; roleArn: string; ecsParameters: EcsParameters };
        };
        assert.equal(s.scheduleExpression, "cron(0 7 ? * SUN *)");
        assert.equal(s.scheduleExpressionTimezone, "America/New_York");
        assert.deepEqual(s.flexibleTimeWindow, { mode: "OFF" });
        assert.equal(s.state, "ENABLED");
        assert.equal(s.groupName, one(prod, T.group).state.name);
        assert.equal(s.target.arn, one(prod, T.cluster).state.arn);
        assert.equal(s.target.roleArn, one(prod, T.role, "jobs-scheduler").state.arn);
        const p = s.target.ecsParameters;
        assert.equal(p.taskDefinitionArn, one(prod, T.td, "jobs-db-backup").state.arn);
        assert.equal(p.taskCount, 1);
        assert.equal(p.launchType, "FARGATE");
        assert.equal(p.group, "job:db-backup");
        assert.equal(p.networkConfiguration.assignPublicIp, false);
        const privateSubnets = byType(prod, T.subnet).filter((x) => x.name.includes("private")).map((x) => x.state.id).sort();
        assert.deepEqual([...p.networkConfiguration.subnets].sort(), privateSubnets);
        assert.deepEqual(p.networkConfiguration.securityGroups, [one(prod, T.sg, "sg-jobs").state.id]);
        assert.equal(one(prod, T.schedule, "jobs-cleanup").inputs.scheduleExpression, "rate(6 hours)");
        assert.equal(one(prod, T.schedule, "jobs-cleanup").inputs.scheduleExpressionTimezone, "UTC");
    });

    it("keeps the schedules disabled until an image is pushed, job by job", async () => {
        const r = await goodPlan("prod", NO_IMAGE);
        assert.equal(byType(r, T.schedule).length, 2);
        for (const s of byType(r, T.schedule)) assert.equal(s.inputs.state, "DISABLED", s.name);
        // The worker built separately, its tag not yet set: its job waits, the api image's job runs.
        const own = await goodPlan("prod", PROD_TUNED);
        assert.equal(one(own, T.schedule, "jobs-db-backup").inputs.state, "ENABLED");
        assert.equal(one(own, T.schedule, "jobs-cleanup").inputs.state, "DISABLED");
    });

    it("lets the scheduler start only the jobs' task definitions in this cluster and pass only the jobs' two roles", async () => {
        const trust = statements(one(prod, T.role, "jobs-scheduler").inputs.assumeRolePolicy);
        assert.deepEqual(trust.map((s) => (s.Principal as { Service: string }).Service), ["scheduler.amazonaws.com"]);
        assert.ok((trust[0].Condition as { StringEquals: Record<string, string> }).StringEquals["aws:SourceAccount"]);
        const policy = policyOf(prod, "jobs-scheduler");
        const run = policy.find((s) => (s.Action as string[]).includes("ecs:RunTask"))!;
        assert.deepEqual((run.Resource as string[]).map((a) => a.replace(/^.*task-definition\//, "")).sort(),
            ["groundwork-prod-job-cleanup:*", "groundwork-prod-job-db-backup:*"]);
        assert.deepEqual((run.Condition as { ArnEquals: Record<string, string> }).ArnEquals, { "ecs:cluster": one(prod, T.cluster).state.arn });
        const pass = policy.find((s) => (s.Action as string[]).includes("iam:PassRole"))!;
        assert.deepEqual([...(pass.Resource as string[])].sort(), [one(prod, T.role, "jobs-execution").state.arn, one(prod, T.role, "jobs-task").state.arn].sort());
        assert.deepEqual(policy.flatMap((s) => s.Action as string[]).sort(), ["ecs:RunTask", "ecs:TagResource", "iam:PassRole"]);
    });

    it("lets the jobs write backups but never read, list or delete them, and look only at this cluster's tasks", async () => {
        const bucket = String(one(prod, T.bucket, "backups-bucket").state.arn);
        const extra = policyOf(prod, "jobs-task-extra");
        const onBackups = extra.filter((s) => String(s.Resource).startsWith(bucket));
        assert.deepEqual(onBackups.flatMap((s) => s.Action as string[]).sort(), ["s3:AbortMultipartUpload", "s3:PutObject"]);
        const s3 = policyOf(prod, "jobs-task-s3");
        assert.ok(!JSON.stringify(s3).includes(bucket), "the backups bucket is not among the read-write buckets");
        const list = extra.find((s) => (s.Action as string[]).includes("ecs:ListTasks"))!;
        assert.deepEqual((list.Condition as { ArnEquals: Record<string, string> }).ArnEquals, { "ecs:cluster": one(prod, T.cluster).state.arn });
    });

    it("keeps the backups in a private, versioned bucket with its own key, expiring them, copied to the backup region in prod", async () => {
        const lifecycle = one(prod, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backups-lifecycle").inputs.rules as { id: string; expiration?: { days: number }; noncurrentVersionExpiration?: { noncurrentDays: number } }[];
        assert.equal(lifecycle.find((x) => x.id === "expire-current-objects")!.expiration!.days, 90);
        assert.equal(lifecycle.find((x) => x.id === "expire-noncurrent-versions")!.noncurrentVersionExpiration!.noncurrentDays, 7);
        assert.equal((one(prod, "aws:s3/bucketVersioning:BucketVersioning", "backups-versioning").inputs.versioningConfiguration as { status: string }).status, "Enabled");
        const sse = one(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "backups-encryption").inputs.rules as { applyServerSideEncryptionByDefault: { kmsMasterKeyId: string } }[];
        assert.equal(sse[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, one(prod, "aws:kms/key:Key", "backups-key").state.arn);
        assert.ok(one(prod, T.bucket, "backups-bucket").options.protect, "prod protects it");
        assert.equal(byType(prod, T.bucket).filter((b) => b.name === "backups-replica-bucket").length, 1);
        const staging = await goodPlan("staging", STAGING_TUNED);
        assert.equal(one(staging, T.bucket, "backups-bucket").inputs.forceDestroy, true);
        const rules = one(staging, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backups-lifecycle").inputs.rules as { id: string; expiration?: { days: number } }[];
        assert.equal(rules.find((x) => x.id === "expire-current-objects")!.expiration!.days, 35);
    });

    describe("failed runs", () => {
        const stopped = (over: Record<string, unknown>) => ({
            source: "aws.ecs", "detail-type": "ECS Task State Change",
            detail: {
                clusterArn: String(one(prod, T.cluster).state.arn), lastStatus: "STOPPED", group: "job:db-backup",
                containers: [{ name: "prepare", exitCode: 0 }, { name: "app", exitCode: 0 }], stopCode: "EssentialContainerExited", ...over,
            },
        });
        const pattern = () => JSON.parse(one(prod, T.rule, "jobs-failed").inputs.eventPattern as string) as Record<string, unknown>;

        it("are picked out of ECS's stop events: a non-zero exit or a task that never started, of this cluster's jobs only", () => {
            const p = pattern();
            assert.ok(matches(p, stopped({ containers: [{ name: "prepare", exitCode: 0 }, { name: "app", exitCode: 1 }] })), "a failed command");
            assert.ok(matches(p, stopped({ containers: [{ name: "prepare", exitCode: 0 }, { name: "app", exitCode: 124 }] })), "a timeout");
            assert.ok(matches(p, stopped({ containers: [{ name: "prepare" }, { name: "app" }], stopCode: "TaskFailedToStart" })), "never started");
            assert.ok(!matches(p, stopped({})), "a clean run");
            assert.ok(!matches(p, stopped({ group: "family:groundwork-prod-api-run", containers: [{ name: "app", exitCode: 1 }] })), "a one-off task");
            assert.ok(!matches(p, stopped({ group: "service:api-service", containers: [{ name: "app", exitCode: 137 }] })), "a service task");
            assert.ok(!matches(p, stopped({ clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/other", containers: [{ name: "app", exitCode: 1 }] })), "another cluster");
            assert.ok(!matches(p, stopped({ lastStatus: "RUNNING", containers: [{ name: "app", exitCode: 1 }] })));
        });

        it("are written to a log group EventBridge may write to, counted by job, and alarm on the stack's topic", () => {
            const failures = one(prod, T.logGroup, "jobs-failures");
            assert.match(String(failures.inputs.name), /^\/aws\/events\//);
            assert.equal(one(prod, T.target, "jobs-failed").inputs.arn, failures.state.arn);
            // One policy per stack for every /aws/events/<project>-<stack>-* group (an account holds 10 per region).
            assert.equal(byType(prod, T.logPolicy).length, 1);
            const delivery = one(prod, T.logPolicy, "events-policy");
            const grant = statements(delivery.inputs.policyDocument)[0];
            assert.ok((grant.Principal as { Service: string[] }).Service.includes("events.amazonaws.com"));
            assert.equal(grant.Resource, "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/groundwork-prod-*:*");
            assert.ok(`${failures.state.arn}:*`.startsWith(String(grant.Resource).replace(/\*:\*$/, "")), "it covers the failures group");
            assert.ok(one(prod, T.target, "jobs-failed").options.dependsOn.includes(delivery.urn));
            const f = one(prod, T.filter, "jobs-failed-runs").inputs as { logGroupName: string; metricTransformation: Record<string, unknown> };
            assert.equal(f.logGroupName, failures.state.name);
            assert.deepEqual(f.metricTransformation.dimensions, { ClusterArn: "$.detail.clusterArn", Group: "$.detail.group" });
            const topic = one(prod, "aws:sns/topic:Topic", "ops-alerts").state.arn;
            for (const job of ["db-backup", "cleanup"]) {
                const a = one(prod, T.alarm, `ops-job-${job}-failed`).inputs;
                assert.equal(a.namespace, (f.metricTransformation as { namespace: string }).namespace);
                assert.equal(a.metricName, (f.metricTransformation as { name: string }).name);
                assert.deepEqual(a.dimensions, { ClusterArn: one(prod, T.cluster).state.arn, Group: `job:${job}` });
                assert.deepEqual(a.alarmActions, [topic]);
                assert.equal(a.threshold, 0);
            }
            const dropped = one(prod, T.alarm, "ops-jobs-not-started").inputs;
            assert.deepEqual(dropped.dimensions, { ScheduleGroup: one(prod, T.group).state.name });
        });
    });

    describe("keep their logs for the stack's retention (groundwork:logRetentionDays, else the profile's)", () => {
        /** The log groups the jobs create: those under the ScheduledJobs component, at any depth. */
        const jobLogGroups = (r: PlanRecord) => {
            const component = one(r, "groundwork:compute:ScheduledJobs").urn;
            const byUrnOf = new Map(r.resources.map((x) => [x.urn, x]));
            const under = (x: RecordedResource): boolean => {
                for (let p = x.parent; p; p = byUrnOf.get(p)?.parent ?? "") if (p === component) return true;
                return false;
            };
            const groups = byType(r, T.logGroup).filter(under);
            assert.deepEqual(groups.map((g) => g.name).sort(), ["jobs-failures", "jobs-logs"], "the runs' log group and the failures' log group");
            return groups;
        };
        const cases: [string, string, typeof EVERY_OPT_IN, number][] = [
            ["prod's default", "prod", EVERY_OPT_IN, 90],
            ["staging's default", "staging", EVERY_OPT_IN, 14],
            ["the stack file's", "staging", STAGING_TUNED, 30],
            ["the stack file's, below the profile's", "prod", PROD_TUNED, 60],
        ];
        for (const [label, stack, config, days] of cases) {
            it(`${label}: ${days} days on ${stack}`, async () => {
                const r = await goodPlan(stack, config);
                for (const g of jobLogGroups(r)) assert.equal(g.inputs.retentionInDays, days, g.name);
            });
        }
    });

    it("puts each job in taskLaunch, where the task tool accepts it", async () => {
        const outputs = Object.fromEntries(Object.entries(prod.outputs).map(([k, o]) => [k, o.value]));
        const t = targetFromOutputs(outputs, "prod", "db-backup");
        assert.equal(t.launch.taskDefinition, "groundwork-prod-job-db-backup");
        assert.equal(t.launch.logStreamPrefix, "db-backup");
        assert.equal(t.launch.logGroup, one(prod, T.logGroup, "jobs-logs").state.name);
        assert.deepEqual(t.launch.securityGroups, [one(prod, T.sg, "sg-jobs").state.id]);
    });

    it("give the jobs a security group with no inbound rule, out to what the worker reaches", async () => {
        const jobsSg = one(prod, T.sg, "sg-jobs").state.id;
        const ingress = byType(prod, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        assert.ok(!ingress.some((x) => x.inputs.securityGroupId === jobsSg));
        const out = byType(prod, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((x) => x.inputs.securityGroupId === jobsSg);
        assert.deepEqual(out.map((x) => x.inputs.fromPort).sort(), [443, 5432, 6379]);
    });

    describe("refuses in the stack file, naming groundwork:jobs", () => {
        const problem = async (job: unknown, extra: Record<string, string | number | boolean | string[] | undefined> = {}) => {
            const r = await plan("prod", { "groundwork:jobs": [typeof job === "string" ? job : jobEntry(job as Record<string, unknown>)], ...extra });
            if (r.problems.length > 0) assert.equal(r.resources.filter((x) => x.custom).length, 0, "a refused config registers nothing");
            return r.problems.filter((p) => p.key === "groundwork:jobs").map((p) => p.message).join("\n");
        };
        const ok = { name: "cleanup", schedule: "cron(0 3 * * ? *)", command: "node dist/jobs/cleanup.js" };
        it("an entry that is not a JSON object", async () => assert.match(await problem("cleanup every night"), /JSON object.*Example/));
        it("an unknown field", async () => assert.match(await problem({ ...ok, schedul: "x" }), /unknown field "schedul"/));
        it("a name that is not kebab-case, or a service's", async () => {
            assert.match(await problem({ ...ok, name: "Clean Up" }), /kebab-case.*db-backup/);
            assert.match(await problem({ ...ok, name: "worker" }), /service's runnable name/);
        });
        it("a cron with 5 fields, both day fields set, or a misspelt rate", async () => {
            assert.match(await problem({ ...ok, schedule: "cron(0 3 * * *)" }), /6 fields.*got 5/);
            assert.match(await problem({ ...ok, schedule: "cron(0 3 * * MON *)" }), /exactly one of day-of-month and day-of-week must be \?/);
            assert.match(await problem({ ...ok, schedule: "rate(1 hours)" }), /rate\(1 hour\)/);
            assert.match(await problem({ ...ok, schedule: "every day" }), /cron\(<6 fields>\) or rate/);
        });
        it("an unknown time zone", async () => assert.match(await problem({ ...ok, timezone: "Eastern" }), /IANA time zone.*America\/New_York/));
        it("shell syntax in a string command", async () => assert.match(await problem({ ...ok, command: "pg_dump $DATABASE_URL | gzip" }), /shell syntax.*\["sh", "-ec"/));
        it("a Fargate size that does not exist", async () => assert.match(await problem({ ...ok, cpu: 512, memory: 512 }), /memory 512 is not valid with cpu 512/));
        it("a timeout over a day", async () => assert.match(await problem({ ...ok, timeoutMinutes: 2000 }), /timeoutMinutes must be.*1-1440/));
        it("the worker's image in a stack without a worker", async () =>
            assert.match(await problem({ ...ok, image: "worker" }, { "groundwork:worker": false, "groundwork:cache": "none" }), /no worker/));
        it("the same name twice", async () => {
            const r = await plan("prod", { "groundwork:jobs": [jobEntry(ok), jobEntry(ok)] });
            assert.ok(r.problems.some((p) => p.key === "groundwork:jobs" && /defined twice/.test(p.message)));
        });
        it("an app setting under a name the jobs set themselves", async () => {
            const r = await plan("prod", { ...EVERY_OPT_IN, "groundwork:appEnv": ["BACKUPS_BUCKET=elsewhere"] });
            assert.ok(r.problems.some((p) => p.key === "groundwork:appEnv" && /BACKUPS_BUCKET, which the scheduled jobs set themselves/.test(p.message)));
        });
        it("a backups bucket without a job to write it", async () => {
            const r = await plan("prod", { "groundwork:backups": true });
            assert.ok(r.problems.some((p) => p.key === "groundwork:backups" && /no job/.test(p.message)));
        });
        it("accepts a good job (and reports nothing)", async () => assert.equal(await problem(ok), ""));
    });
});
