/**
 * The worker scaling on its queue (issue 14, item 6) and the load balancer's settings from
 * config (item 7), on the recorded graph, with the config rules that refuse what AWS would.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkLoadBalancerSettings } from "../components/edge/load-balancer";
import { PROJECT_DIR, PlanRecord } from "../tools/engine";
import { EVERY_OPT_IN, THRESHOLDS_AND_QUEUES, byType, goodPlan, one, plan } from "./harness";

const POLICY = "aws:appautoscaling/policy:Policy";
const QUEUES = { "groundwork:workerQueues": ["webhooks", "email"], "groundwork:workerQueueTarget": 30 };
type Query = { id: string; expression?: string; returnData?: boolean; metricStat?: { stat: string; metric: { namespace: string; metricName: string; dimensions: { name: string; value: string }[] } } };
const queries = (r: PlanRecord) => ((one(r, POLICY, "worker-scale-queue").inputs.targetTrackingScalingPolicyConfiguration as
    { customizedMetricSpecification: { metrics: Query[] } }).customizedMetricSpecification.metrics);
const problemsOf = async (config: Record<string, string | number | boolean | string[] | undefined>, key: string) =>
    (await plan("prod", config)).problems.filter((p) => p.key === `groundwork:${key}`).map((p) => p.message).join("\n");

describe("the worker scaling on its queue", () => {
    it("tracks the backlog per running task: each queue's waiting and active gauges over Container Insights' running count", async () => {
        // EVERY_OPT_IN: the queues webhooks and email at the default target (20); THRESHOLDS_AND_QUEUES's 30 is checked below.
        assert.deepEqual(EVERY_OPT_IN["groundwork:workerQueues"], QUEUES["groundwork:workerQueues"]);
        assert.equal(EVERY_OPT_IN["groundwork:workerQueueTarget"], undefined);
        const r = await goodPlan("prod", EVERY_OPT_IN);
        const q = queries(r);
        const gauge = (id: string) => q.find((x) => x.id === id)!.metricStat!.metric;
        assert.deepEqual(gauge("w0"), { namespace: "Groundwork/App", metricName: "QueueWaiting", dimensions: [{ name: "Stack", value: "prod" }, { name: "Queue", value: "webhooks" }] });
        assert.deepEqual(gauge("a1"), { namespace: "Groundwork/App", metricName: "QueueActive", dimensions: [{ name: "Stack", value: "prod" }, { name: "Queue", value: "email" }] });
        const running = gauge("running");
        assert.equal(running.namespace, "ECS/ContainerInsights");
        assert.equal(running.metricName, "RunningTaskCount");
        assert.deepEqual(running.dimensions, [
            { name: "ClusterName", value: one(r, "aws:ecs/cluster:Cluster").state.name },
            { name: "ServiceName", value: one(r, "aws:ecs/service:Service", "worker-service").state.name },
        ]);
        assert.equal(q.find((x) => x.id === "backlog")!.expression, "w0 + a0 + w1 + a1");
        assert.deepEqual(q.filter((x) => x.returnData).map((x) => x.id), ["perTask"], "one series: the backlog per task");
        // A late running-count point repeats the last (never "no task" with the whole backlog per task).
        assert.match(q.find((x) => x.id === "perTask")!.expression!, /^IF\(FILL\(running, REPEAT\) > 0, backlog \/ FILL\(running, REPEAT\), backlog\)$/);
        const cfg = one(r, POLICY, "worker-scale-queue").inputs.targetTrackingScalingPolicyConfiguration as { targetValue: number };
        assert.equal(cfg.targetValue, 20, "the default target");
        const set = one(await goodPlan("prod", THRESHOLDS_AND_QUEUES), POLICY, "worker-scale-queue").inputs.targetTrackingScalingPolicyConfiguration as { targetValue: number };
        assert.equal(set.targetValue, 30, "groundwork:workerQueueTarget");
        assert.ok(byType(r, POLICY).some((p) => p.name === "worker-scale-cpu"), "CPU stays as the fallback");
        assert.ok(!byType(r, POLICY).some((p) => p.name === "worker-scale-wake"), "from 1 task no wake policy is needed");
    });

    it("is CPU and memory only without queues", async () => {
        const r = await goodPlan("prod");
        assert.deepEqual(byType(r, POLICY).filter((p) => p.name.startsWith("worker-")).map((p) => p.name).sort(), ["worker-scale-cpu", "worker-scale-memory"]);
    });

    it("starts the first task from zero when jobs wait: two minutes of 'waiting and none running' drive a step policy that adds one", async () => {
        const r = await goodPlan("prod", THRESHOLDS_AND_QUEUES);
        const wake = one(r, POLICY, "worker-scale-wake").inputs as { policyType: string; stepScalingPolicyConfiguration: { adjustmentType: string; stepAdjustments: { scalingAdjustment: number; metricIntervalLowerBound: string }[] } };
        assert.equal(wake.policyType, "StepScaling");
        // +1, never "exactly 1": a false alarm adds a task instead of stopping a busy fleet's.
        assert.equal(wake.stepScalingPolicyConfiguration.adjustmentType, "ChangeInCapacity");
        assert.deepEqual(wake.stepScalingPolicyConfiguration.stepAdjustments, [{ metricIntervalLowerBound: "0", scalingAdjustment: 1 }]);
        const alarm = one(r, "aws:cloudwatch/metricAlarm:MetricAlarm", "worker-wake").inputs as { alarmActions: string[]; metricQueries: { id: string; expression?: string }[]; evaluationPeriods: number; datapointsToAlarm: number };
        assert.deepEqual([alarm.evaluationPeriods, alarm.datapointsToAlarm], [2, 2]);
        assert.deepEqual(alarm.alarmActions, [one(r, POLICY, "worker-scale-wake").state.arn]);
        assert.match(alarm.metricQueries.find((m) => m.expression)!.expression!, /FILL\(running, 0\) == 0 AND \(w0 \+ w1\) > 0/);
        assert.equal(one(r, "aws:appautoscaling/target:Target", "worker-scaling").inputs.minCapacity, 0);
    });

    it("is refused from zero without an api to publish the gauges, and without a worker", async () => {
        assert.match(await problemsOf({ ...QUEUES, "groundwork:workerMinTasks": 0, "groundwork:api": false, "groundwork:stripeWebhookHost": "web",
            "groundwork:stripeWebhookPath": "/api/webhooks/stripe" }, "workerMinTasks"), /nothing in the stack publishes QueueWaiting/);
        assert.match(await problemsOf({ ...QUEUES, "groundwork:worker": false }, "workerQueues"), /no worker to scale/);
        assert.match(await problemsOf({ "groundwork:workerQueues": ["web hooks"] }, "workerQueues"), /BullMQ queue names/);
    });
});

describe("the load balancer's settings", () => {
    it("keep the ALB's behaviour by default: 60 s idle, no stickiness, a 5 s check every 15 s, 2 to serve, 3 to leave", async () => {
        const r = await goodPlan("prod");
        assert.equal(one(r, "aws:lb/loadBalancer:LoadBalancer").inputs.idleTimeout, 60);
        const tg = one(r, "aws:lb/targetGroup:TargetGroup").inputs as { healthCheck: Record<string, unknown>; stickiness: Record<string, unknown> };
        assert.deepEqual([tg.healthCheck.interval, tg.healthCheck.timeout, tg.healthCheck.healthyThreshold, tg.healthCheck.unhealthyThreshold], [15, 5, 2, 3]);
        assert.deepEqual(tg.stickiness, { type: "lb_cookie", enabled: false });
    });

    it("take idle timeout, stickiness and health-check timing from the stack file", async () => {
        const r = await goodPlan("prod", THRESHOLDS_AND_QUEUES); // LB_SETTINGS, with a worker from zero on its queues
        assert.equal(one(r, "aws:lb/loadBalancer:LoadBalancer").inputs.idleTimeout, 300);
        const tg = one(r, "aws:lb/targetGroup:TargetGroup").inputs as { healthCheck: Record<string, unknown>; stickiness: Record<string, unknown> };
        assert.deepEqual([tg.healthCheck.interval, tg.healthCheck.timeout, tg.healthCheck.healthyThreshold, tg.healthCheck.unhealthyThreshold], [30, 10, 3, 4]);
        assert.deepEqual(tg.stickiness, { type: "lb_cookie", enabled: true, cookieDuration: 3600 });
    });

    it("refuse what the ALB refuses, naming the key", async () => {
        assert.match(await problemsOf({ "groundwork:apiHealthCheckIntervalSeconds": 10, "groundwork:apiHealthCheckTimeoutSeconds": 10 }, "apiHealthCheckTimeoutSeconds"),
            /must be less than groundwork:apiHealthCheckIntervalSeconds/);
        assert.match(await problemsOf({ "groundwork:apiIdleTimeoutSeconds": 5000 }, "apiIdleTimeoutSeconds"), /1-4000 seconds/);
        assert.match(await problemsOf({ "groundwork:apiStickySessionSeconds": 700000 }, "apiStickySessionSeconds"), /at most 7 days/);
        assert.match(await problemsOf({ "groundwork:apiHealthyThreshold": 1 }, "apiHealthyThreshold"), /2-10 checks/);
        assert.match(await problemsOf({ "groundwork:apiHealthCheckIntervalSeconds": 3 }, "apiHealthCheckIntervalSeconds"), /5-300 seconds/);
    });

    it("are checked by the component too, for a program that builds it directly", () => {
        assert.deepEqual(checkLoadBalancerSettings({ idleTimeoutSeconds: 60, healthCheck: { intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3 } }), []);
        const problems = checkLoadBalancerSettings({ idleTimeoutSeconds: 0, stickinessSeconds: 0, healthCheck: { intervalSeconds: 10, timeoutSeconds: 10, healthyThreshold: 11, unhealthyThreshold: 2 } });
        assert.equal(problems.length, 4, problems.join("\n"));
        assert.match(problems.join("\n"), /timeoutSeconds \(10\) must be less than intervalSeconds \(10\)/);
    });

    it("README tells the app to keep its connections open longer than the ALB", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        assert.match(readme, /keepAliveTimeout = 65_000;.*> apiIdleTimeoutSeconds/);
        assert.match(readme, /headersTimeout = 66_000;.*> keepAliveTimeout/);
        assert.match(readme, /sporadic 502s/);
    });
});
