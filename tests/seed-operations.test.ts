/**
 * What each seed guide asks of day-two operations (issue 14), as its example's stack files set it
 * (examples/<shape>/): 001's weekly pg_dump into a bucket of its own with webhook and Stripe alarms
 * and its 30 s health-check timeout; 002's PagerDuty channel, queue-depth alarm and scaling,
 * 30 s/5 s health checks and database access; 003's long idle timeout for streaming; 004's own-image
 * worker scaling on its two queues with no api. Each plans clean and passes the policy pack.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_DIR, PlanRecord } from "../tools/engine";
import { evaluatePolicies } from "../tools/policy-runner";
import { BACKUP_JOB, byType, goodPlan, one } from "./harness";

/** The example each seed's operations live in. */
const EXAMPLE_OF: Record<string, string> = {
    "001 tatame": "api-supabase-clerk",
    "002 MAIS": "express-nextjs-connect",
    "003 Asonti": "vite-spa-api",
    "004 STS": "nextjs-backend-worker",
};
const exampleDir = (seed: string) => path.join(PROJECT_DIR, "examples", EXAMPLE_OF[seed]);

describe("each seed's day-two operations, from its example's stack files", () => {
    const planOf = (seed: string, stack = "prod"): Promise<PlanRecord> => goodPlan(stack, undefined, { configDir: exampleDir(seed) });

    for (const seed of Object.keys(EXAMPLE_OF)) {
        for (const stack of ["staging", "prod"]) {
            it(`${seed}, ${stack}: plans clean and passes the policy pack`, async () => {
                const verdict = await evaluatePolicies(await planOf(seed, stack));
                assert.deepEqual(verdict.mandatory, [], JSON.stringify(verdict.violations));
            });
        }
    }

    it("001's prod stack file carries the backup job the tests run (tests/harness.ts BACKUP_JOB)", () => {
        const file = parse(fs.readFileSync(path.join(exampleDir("001 tatame"), "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
        const jobs = file.config["groundwork:jobs"] as string[];
        assert.deepEqual(jobs.map((j) => JSON.parse(j)), [BACKUP_JOB]);
    });

    it("001: a weekly pg_dump at 07:00 New York time into its own bucket, and alarms on webhook signatures and Stripe errors", async () => {
        const r = await planOf("001 tatame");
        const schedule = one(r, "aws:scheduler/schedule:Schedule", "jobs-db-backup").inputs;
        assert.equal(schedule.scheduleExpression, "cron(0 7 ? * SUN *)");
        assert.equal(schedule.scheduleExpressionTimezone, "America/New_York");
        assert.equal(byType(r, "aws:s3/bucket:Bucket").filter((b) => b.name === "backups-bucket").length, 1);
        // "Store backups in separate location": with Supabase the dumps are the only copy the team holds, so prod copies them to a second region.
        one(r, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", /^backups-/);
        assert.equal(byType(r, "aws:s3/bucket:Bucket").filter((b) => b.name === "backups-replica-bucket").length, 1);
        // staging keeps no backups of its own (Supabase's staging project is disposable).
        assert.equal(byType(await planOf("001 tatame", "staging"), "aws:scheduler/schedule:Schedule").length, 0);
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
