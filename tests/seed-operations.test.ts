/**
 * What each seed guide asks of day-two operations (issue 14), as stack-file settings over the
 * committed stacks: 001's weekly pg_dump into a bucket of its own with webhook and Stripe alarms
 * and its 30 s health-check timeout; 002's PagerDuty channel, queue-depth alarm and scaling,
 * 30 s/5 s health checks and database access; 003's long idle timeout for streaming; 004's own-image
 * worker scaling on its two queues with no api. Each plans clean and passes the policy pack.
 * The settings are the `SEED_OPERATIONS` snippets the example stack files carry.
 */
import { strict as assert } from "assert";
import { evaluatePolicies } from "../tools/policy-runner";
import { PlanRecord } from "../tools/engine";
import { BACKUP_JOB, byType, goodPlan, jobEntry, one } from "./harness";

type Overrides = Record<string, string | number | boolean | string[] | undefined>;

/** The operations settings per seed, over the parts each guide's shape needs to plan. */
export const SEED_OPERATIONS: Record<string, { shape: Overrides; operations: Overrides }> = {
    "001 tatame": {
        shape: {
            "groundwork:worker": false, "groundwork:cache": "none", "groundwork:uploads": false, "groundwork:frontend": false,
            "groundwork:database": "external", "groundwork:databaseUrl": "postgresql://postgres:offline@db.abcdefghijklmnop.supabase.co:5432/postgres?sslmode=require",
            "groundwork:apiBasePath": "", "groundwork:healthCheckPath": "/", "groundwork:stripeWebhookPath": "/webhooks/stripe", "groundwork:migrateCommands": [],
        },
        operations: {
            // "Manual: pg_dump weekly. Store backups in separate location (S3, etc.)"
            "groundwork:backups": true,
            "groundwork:jobs": [jobEntry(BACKUP_JOB)],
            // "Webhook signature failures", "Stripe API errors > 10% of requests", failed deliveries
            "groundwork:appMetrics": true,
            // "Health check: GET /, Timeout: 30s, Retry: 3 attempts"
            "groundwork:apiHealthCheckIntervalSeconds": 60, "groundwork:apiHealthCheckTimeoutSeconds": 30, "groundwork:apiUnhealthyThreshold": 3,
        },
    },
    "002 MAIS": {
        shape: { "groundwork:containerPort": 3001, "groundwork:healthCheckPath": "/health", "groundwork:apiBasePath": "", "groundwork:stripeConnect": true },
        operations: {
            // "Alert Channels: Slack, Email, PagerDuty" (Slack through PagerDuty's extension: docs/runbooks/alerts.md)
            "groundwork:alertHttpsEndpoints": JSON.stringify(["https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue"]),
            // "BullMQ queue depth > 100" (the default threshold), and the worker scales on it
            "groundwork:workerQueues": ["webhooks"],
            "groundwork:appMetrics": true,
            // "Health Check Interval: 30s, Health Check Timeout: 5s"
            "groundwork:apiHealthCheckIntervalSeconds": 30, "groundwork:apiHealthCheckTimeoutSeconds": 5,
            // "SELECT count(*) FROM pg_stat_activity", "Kill long-running queries"
            "groundwork:dbAccess": true,
        },
    },
    "003 Asonti": {
        shape: {
            "groundwork:worker": false, "groundwork:cache": "none", "groundwork:uploads": false, "groundwork:stripe": "none", "groundwork:stripeSecretKey": undefined,
            "groundwork:database": "none", "groundwork:containerPort": 3002, "groundwork:healthCheckPath": "/health", "groundwork:apiBasePath": "",
            "groundwork:migrateCommands": [], "groundwork:webApiUrlVariable": "VITE_API_URL",
        },
        // "stream: false // Set to true for streaming", "Implement WebSocket for real-time chat"
        operations: { "groundwork:apiIdleTimeoutSeconds": 300 },
    },
    "004 STS": {
        shape: {
            "groundwork:api": false, "groundwork:workerImage": "own", "groundwork:workerImageTag": "v1.0.0",
            "groundwork:database": "external", "groundwork:databaseUrl": "postgresql://app:offline@ep-cool-name-123456.us-east-2.aws.neon.tech/app?sslmode=require",
            "groundwork:cache": "external", "groundwork:redisUrl": "rediss://default:offline@us1-cool-name-12345.upstash.io:6379", "groundwork:uploads": false,
            "groundwork:stripeWebhookHost": "web", "groundwork:stripeWebhookPath": "/api/webhooks/stripe", "groundwork:webHost": "@",
            "groundwork:migrateWorkingDirectory": "packages/database",
        },
        // "Queues: provisioning, email"; its worker runs at least one task (no api publishes the gauges)
        operations: { "groundwork:workerQueues": ["provisioning", "email"] },
    },
};

describe("each seed's day-two operations", () => {
    const plans = new Map<string, PlanRecord>();
    const planOf = async (seed: string, stack = "prod") => {
        const key = `${seed}/${stack}`;
        if (!plans.has(key)) plans.set(key, await goodPlan(stack, { ...SEED_OPERATIONS[seed].shape, ...SEED_OPERATIONS[seed].operations }));
        return plans.get(key)!;
    };

    for (const seed of Object.keys(SEED_OPERATIONS)) {
        for (const stack of ["staging", "prod"]) {
            it(`${seed}, ${stack}: plans clean and passes the policy pack`, async () => {
                const verdict = await evaluatePolicies(await planOf(seed, stack));
                assert.deepEqual(verdict.mandatory, [], JSON.stringify(verdict.violations));
            });
        }
    }

    it("001: a weekly pg_dump at 07:00 New York time into its own bucket, and alarms on webhook signatures and Stripe errors", async () => {
        const r = await planOf("001 tatame");
        const schedule = one(r, "aws:scheduler/schedule:Schedule", "jobs-db-backup").inputs;
        assert.equal(schedule.scheduleExpression, "cron(0 7 ? * SUN *)");
        assert.equal(schedule.scheduleExpressionTimezone, "America/New_York");
        assert.equal(byType(r, "aws:s3/bucket:Bucket").filter((b) => b.name === "backups-bucket").length, 1);
        for (const a of ["webhook-signature", "webhook-failures", "stripe-errors", "job-db-backup-failed"]) one(r, "aws:cloudwatch/metricAlarm:MetricAlarm", `ops-${a}`);
        const tg = one(r, "aws:lb/targetGroup:TargetGroup").inputs.healthCheck as Record<string, unknown>;
        assert.deepEqual([tg.path, tg.timeout, tg.unhealthyThreshold], ["/", 30, 3]);
    });

    it("002: PagerDuty on every alarm, the queue-depth alarm at 100, the worker scaling on its queue, psql access", async () => {
        const r = await planOf("002 MAIS");
        assert.equal(one(r, "aws:sns/topicSubscription:TopicSubscription", "ops-alerts-https-1").inputs.protocol, "https");
        assert.equal(one(r, "aws:cloudwatch/metricAlarm:MetricAlarm", "ops-queue-webhooks-waiting").inputs.threshold, 100);
        one(r, "aws:appautoscaling/policy:Policy", "worker-scale-queue");
        assert.equal(r.outputs.dbAccess.value !== undefined, true);
        const tg = one(r, "aws:lb/targetGroup:TargetGroup").inputs.healthCheck as Record<string, unknown>;
        assert.deepEqual([tg.interval, tg.timeout], [30, 5]);
    });

    it("003: connections may idle 5 minutes (streaming replies, WebSockets)", async () => {
        assert.equal(one(await planOf("003 Asonti"), "aws:lb/loadBalancer:LoadBalancer").inputs.idleTimeout, 300);
    });

    it("004: the own-image worker scales on provisioning and email from one task, with no api", async () => {
        const r = await planOf("004 STS");
        assert.equal(byType(r, "aws:ecs/service:Service").length, 1);
        const metrics = ((one(r, "aws:appautoscaling/policy:Policy", "worker-scale-queue").inputs.targetTrackingScalingPolicyConfiguration as
            { customizedMetricSpecification: { metrics: { metricStat?: { metric: { dimensions: { name: string; value: string }[] } } }[] } }).customizedMetricSpecification.metrics);
        const queues = metrics.flatMap((m) => m.metricStat?.metric.dimensions.filter((d) => d.name === "Queue").map((d) => d.value) ?? []);
        assert.deepEqual([...new Set(queues)].sort(), ["email", "provisioning"]);
        assert.ok(!byType(r, "aws:appautoscaling/policy:Policy").some((p) => p.name === "worker-scale-wake"), "one task always runs: no wake needed");
    });
});
