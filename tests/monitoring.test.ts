import { strict as assert } from "assert";
import * as monitoring from "../components/ops/monitoring";
import { ALARM_THRESHOLDS, DB_MAX_CONNECTIONS, RDS_AUTOSCALING_FREE_PERCENT } from "../components/ops/monitoring-thresholds";
import { PlanRecord, RecordedResource, providerUrn } from "../tools/engine";
import { ELSEWHERE, INDEPENDENT_SETTINGS, byType, byUrn, goodPlan, one } from "./harness";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const alarm = (r: PlanRecord, role: string) => one(r, ALARM, `ops-${role}`);
const topicArn = (r: PlanRecord, name = "ops-alerts") => one(r, "aws:sns/topic:Topic", name).state.arn;
const regionOf = (r: PlanRecord, res: RecordedResource) => byUrn(r, providerUrn(res.options.provider))?.inputs.region;
type Query = {
    id: string; expression?: string; returnData?: boolean;
    metric?: { metricName: string; namespace: string; dimensions: Record<string, string>; period?: number; stat?: string };
};

/** The metric and threshold each alarm must have, per profile. */
const expected = (profile: "staging" | "prod") => {
    const t = ALARM_THRESHOLDS[profile];
    return [
        ["alb-p95", "AWS/ApplicationELB", "TargetResponseTime", "GreaterThanThreshold", t.p95LatencySeconds],
        ["alb-unhealthy", "AWS/ApplicationELB", "UnHealthyHostCount", "GreaterThanThreshold", 0],
        ["api-cpu", "AWS/ECS", "CPUUtilization", "GreaterThanThreshold", t.ecsCpuPercent],
        ["api-memory", "AWS/ECS", "MemoryUtilization", "GreaterThanThreshold", t.ecsMemoryPercent],
        ["worker-cpu", "AWS/ECS", "CPUUtilization", "GreaterThanThreshold", t.ecsCpuPercent],
        ["worker-memory", "AWS/ECS", "MemoryUtilization", "GreaterThanThreshold", t.ecsMemoryPercent],
        ["db-cpu", "AWS/RDS", "CPUUtilization", "GreaterThanThreshold", t.dbCpuPercent],
        // 8% of prod's initial 50 GiB, 5% of staging's 20 GiB, in bytes: below autoscaling's 10%.
        ["db-storage", "AWS/RDS", "FreeStorageSpace", "LessThanThreshold", profile === "prod" ? Math.round(50 * 2 ** 30 * 0.08) : Math.round(20 * 2 ** 30 * 0.05)],
        ["db-connections", "AWS/RDS", "DatabaseConnections", "GreaterThanThreshold",
            profile === "prod" ? Math.floor(DB_MAX_CONNECTIONS["db.t4g.medium"] * 0.8) : Math.floor(DB_MAX_CONNECTIONS["db.t4g.micro"] * 0.9)],
        ["cache-1-memory", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "GreaterThanThreshold", t.cacheMemoryPercent],
        ["cache-1-cpu", "AWS/ElastiCache", "EngineCPUUtilization", "GreaterThanThreshold", t.cacheCpuPercent],
        ["health", "AWS/Route53", "HealthCheckStatus", "LessThanThreshold", 1],
    ] as const;
};

describe("monitoring", () => {
    for (const profile of ["staging", "prod"] as const) {
        describe(`on ${profile}`, () => {
            for (const [role, namespace, metric, op, threshold] of expected(profile)) {
                it(`alarms on ${metric} (${role}) ${op === "LessThanThreshold" ? "<" : ">"} ${threshold}`, async () => {
                    const a = alarm(await goodPlan(profile), role).inputs;
                    assert.deepEqual([a.namespace, a.metricName, a.comparisonOperator, a.threshold], [namespace, metric, op, threshold]);
                });
            }

            it("computes the 5xx rate from target and ALB 5xx over requests, as a percentage", async () => {
                const a = alarm(await goodPlan(profile), "alb-5xx").inputs;
                const queries = a.metricQueries as Query[];
                assert.deepEqual(queries.filter((q) => q.metric).map((q) => q.metric!.metricName),
                    ["HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"]);
                const expr = queries.find((q) => q.expression)!.expression!;
                assert.match(expr, /100 \* \(FILL\(target5xx, 0\) \+ FILL\(elb5xx, 0\)\) \/ requests/);
                assert.equal(a.threshold, ALARM_THRESHOLDS[profile].alb5xxPercent);
                assert.equal(a.metricName, undefined);
            });

            for (const role of ["api", "worker"] as const) {
                it(`alarms when fewer ${role} tasks run than desired (DesiredTaskCount - RunningTaskCount > 0), not against the minimum`, async () => {
                    const r = await goodPlan(profile);
                    const a = alarm(r, `${role}-running`).inputs;
                    const service = one(r, "aws:ecs/service:Service", `${role}-service`);
                    const cluster = one(r, "aws:ecs/cluster:Cluster");
                    const queries = a.metricQueries as Query[];
                    const byId = Object.fromEntries(queries.map((q) => [q.id, q]));
                    for (const [id, metricName] of [["running", "RunningTaskCount"], ["desired", "DesiredTaskCount"]]) {
                        const m = byId[id]?.metric;
                        assert.deepEqual([m?.namespace, m?.metricName, m?.period, byId[id].returnData], ["ECS/ContainerInsights", metricName, 60, false], id);
                        assert.deepEqual(m?.dimensions, { ClusterName: cluster.state.name, ServiceName: service.state.name }, id);
                    }
                    const shortfall = queries.filter((q) => q.returnData);
                    assert.equal(shortfall.length, 1);
                    assert.match(shortfall[0].expression ?? "", /^desired - (FILL\(running, 0\)|running)$/);
                    assert.deepEqual([a.comparisonOperator, a.threshold], ["GreaterThanThreshold", 0]);
                    const minutes = ALARM_THRESHOLDS[profile].runningTasksMinutes;
                    assert.deepEqual([a.evaluationPeriods, a.datapointsToAlarm], [minutes, minutes]);
                    // A metric-math alarm carries no metric of its own: PutMetricAlarm rejects both.
                    assert.deepEqual([a.metricName, a.namespace, a.period, a.statistic], [undefined, undefined, undefined, undefined]);
                    assert.equal(a.treatMissingData, "breaching");
                });
            }

            it("sends every alarm and its recovery to the stack's topic, with a deliberate treatMissingData and a what-to-do description", async () => {
                const r = await goodPlan(profile);
                const alarms = byType(r, ALARM);
                assert.ok(alarms.length >= 15);
                for (const a of alarms) {
                    assert.deepEqual(a.inputs.alarmActions, [topicArn(r)], a.name);
                    assert.deepEqual(a.inputs.okActions, [topicArn(r)], a.name);
                    assert.ok(["breaching", "notBreaching", "missing"].includes(a.inputs.treatMissingData as string), a.name);
                    assert.ok(String(a.inputs.alarmDescription).length > 60, `${a.name} explains what to do`);
                    assert.match(a.name, /^ops-/);
                }
                assert.equal(alarm(r, "health").inputs.treatMissingData, "breaching");
                assert.equal(alarm(r, "api-running").inputs.treatMissingData, "breaching");
                assert.equal(alarm(r, "alb-5xx").inputs.treatMissingData, "notBreaching");
                assert.equal(alarm(r, "alb-p95").inputs.extendedStatistic, "p95");
            });

            it("creates one memory and one CPU alarm per cache node, on that node's id", async () => {
                const r = await goodPlan(profile);
                const nodes = profile === "prod" ? 2 : 1;
                const group = one(r, "aws:elasticache/replicationGroup:ReplicationGroup");
                assert.equal(group.inputs.numCacheClusters, nodes);
                const cacheAlarms = byType(r, ALARM).filter((a) => a.inputs.namespace === "AWS/ElastiCache");
                assert.equal(cacheAlarms.length, 2 * nodes);
                const ids = Array.from({ length: nodes }, (_, i) => (alarm(r, `cache-${i + 1}-memory`).inputs.dimensions as Record<string, string>).CacheClusterId);
                assert.equal(new Set(ids).size, nodes);
                for (const id of ids) assert.match(id, /-00\d$/);
                for (let i = 1; i <= nodes; i++) assert.deepEqual(alarm(r, `cache-${i}-cpu`).inputs.dimensions, alarm(r, `cache-${i}-memory`).inputs.dimensions);
            });
        });
    }

    it("mails the alert email through a topic encrypted with a key CloudWatch may use", async () => {
        const r = await goodPlan("prod");
        const sub = one(r, "aws:sns/topicSubscription:TopicSubscription", "ops-alerts-email").inputs;
        assert.deepEqual([sub.protocol, sub.endpoint, sub.topic], ["email", "oncall@example.com", topicArn(r)]);
        const key = one(r, "aws:kms/key:Key", "ops-alerts-key");
        assert.equal(one(r, "aws:sns/topic:Topic", "ops-alerts").inputs.kmsMasterKeyId, key.state.arn);
        assert.equal(key.inputs.enableKeyRotation, true);
        const policy = JSON.parse(key.inputs.policy as string) as { Statement: { Principal: { Service?: string }; Action: string[] }[] };
        const cw = policy.Statement.find((s) => s.Principal.Service === "cloudwatch.amazonaws.com");
        assert.deepEqual(cw?.Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
    });

    it("checks https://api.<domain>/api/v1/health from Route 53 every 30 s over HTTPS", async () => {
        const hc = one(await goodPlan("prod"), "aws:route53/healthCheck:HealthCheck", "ops-health").inputs;
        assert.deepEqual([hc.type, hc.fqdn, hc.port, hc.resourcePath, hc.requestInterval, hc.failureThreshold, hc.enableSni],
            ["HTTPS", "api.example.com", 443, "/api/v1/health", 30, 3, true]);
        const staging = one(await goodPlan("staging"), "aws:route53/healthCheck:HealthCheck").inputs;
        assert.equal(staging.fqdn, "api.staging.example.com");
    });

    it("keeps the health alarm in us-east-1 with the stack's topic when the stack is there", async () => {
        const r = await goodPlan("prod");
        const health = alarm(r, "health");
        assert.equal(regionOf(r, health), "us-east-1");
        assert.equal((health.inputs.dimensions as Record<string, string>).HealthCheckId, one(r, "aws:route53/healthCheck:HealthCheck").state.id);
        // No provider of Monitoring's own: the stack's, and prod's backup region (data copies).
        assert.deepEqual(byType(r, "pulumi:providers:aws").map((p) => p.name).sort(), ["aws", "aws-backup"]);
    });

    it("puts the health alarm and its own topic in us-east-1 when the stack is in another region", async () => {
        const r = await goodPlan("prod", ELSEWHERE);
        const health = alarm(r, "health");
        assert.equal(regionOf(r, health), "us-east-1");
        const extra = one(r, "pulumi:providers:aws", "ops-us-east-1");
        assert.equal(byUrn(r, extra.parent)?.type, "groundwork:ops:Monitoring");
        // Provider inputs travel as JSON strings; same tags as the stack's provider.
        assert.deepEqual(JSON.parse(extra.inputs.defaultTags as string), JSON.parse(one(r, "pulumi:providers:aws", "aws").inputs.defaultTags as string));
        const topic = one(r, "aws:sns/topic:Topic", "ops-health-alerts");
        assert.equal(regionOf(r, topic), "us-east-1");
        assert.deepEqual(health.inputs.alarmActions, [topic.state.arn]);
        assert.equal(one(r, "aws:sns/topicSubscription:TopicSubscription", "ops-health-alerts-email").inputs.endpoint, "oncall@example.com");
        // Everything else stays in the stack's region.
        assert.equal(regionOf(r, alarm(r, "db-cpu")), "us-west-2");
        assert.equal(regionOf(r, one(r, "aws:sns/topic:Topic", "ops-alerts")), "us-west-2");
    });

    describe("free storage", () => {
        const GiB = 2 ** 30;
        it("sets every profile's threshold below the free share at which RDS storage autoscaling acts", () => {
            assert.equal(RDS_AUTOSCALING_FREE_PERCENT, 10);
            for (const [profile, t] of Object.entries(ALARM_THRESHOLDS)) {
                assert.ok(t.dbFreeStoragePercent > 0 && t.dbFreeStoragePercent < RDS_AUTOSCALING_FREE_PERCENT, `${profile}: ${t.dbFreeStoragePercent}`);
            }
        });

        for (const profile of ["staging", "prod"] as const) {
            it(`on ${profile}, alarms only where autoscaling has not acted, at every size between the initial and the maximum`, async () => {
                const r = await goodPlan(profile);
                const db = one(r, "aws:rds/instance:Instance").inputs;
                const [initial, max] = [db.allocatedStorage as number, db.maxAllocatedStorage as number];
                assert.ok(max > initial, "autoscaling on");
                const a = alarm(r, "db-storage").inputs;
                const threshold = a.threshold as number;
                assert.ok(threshold > 0);
                // Autoscaling acts at 10% of the current size; the disk only grows from `initial` to `max`.
                for (const size of [initial, initial + 10, Math.round((initial + max) / 2), max]) {
                    assert.ok(threshold < size * GiB * RDS_AUTOSCALING_FREE_PERCENT / 100, `${profile}: ${threshold} bytes under autoscaling at ${size} GiB`);
                }
                assert.deepEqual([a.statistic, a.comparisonOperator], ["Minimum", "LessThanThreshold"]);
                assert.match(String(a.alarmDescription), /autoscaling did not act.*dbMaxAllocatedStorage.*database-and-cache-changes\.md/);
            });
        }

        it("re-bases on groundwork:dbAllocatedStorage (set it to the grown size), and draws the same line on the dashboard", async () => {
            assert.equal(INDEPENDENT_SETTINGS["groundwork:dbAllocatedStorage"], 100);
            const [before, after] = [await goodPlan("prod"), await goodPlan("prod", INDEPENDENT_SETTINGS)];
            const threshold = (r: PlanRecord) => alarm(r, "db-storage").inputs.threshold as number;
            assert.equal(threshold(after), Math.round(100 * GiB * ALARM_THRESHOLDS.prod.dbFreeStoragePercent / 100));
            assert.equal(threshold(after), 2 * threshold(before));
            const body = JSON.parse(one(after, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody as string) as {
                widgets: { properties: { metrics?: unknown[][]; annotations?: { horizontal: { value: number }[] } } }[];
            };
            const widget = body.widgets.find((w) => (w.properties.metrics ?? []).some((m) => m[1] === "FreeStorageSpace"));
            assert.deepEqual(widget?.properties.annotations?.horizontal.map((h) => h.value), [threshold(after)]);
        });
    });

    it("scales the connections alarm with the database class", async () => {
        const r = await goodPlan("prod", { "groundwork:dbInstanceClass": "db.t4g.large" });
        assert.equal(alarm(r, "db-connections").inputs.threshold, Math.floor(DB_MAX_CONNECTIONS["db.t4g.large"] * 0.8));
    });

    it("shows the same figures on a dashboard", async () => {
        const r = await goodPlan("prod");
        const d = one(r, "aws:cloudwatch/dashboard:Dashboard", "ops-dashboard").inputs;
        assert.equal(d.dashboardName, "groundwork-prod");
        const body = JSON.parse(d.dashboardBody as string) as { widgets: { type: string; properties: { metrics?: unknown[][]; alarms?: string[]; region?: string } }[] };
        const metrics = new Set(body.widgets.flatMap((w) => (w.properties.metrics ?? []).map((m) => m[1])));
        for (const alarmed of byType(r, ALARM).flatMap((a) => a.inputs.metricName ? [a.inputs.metricName] : (a.inputs.metricQueries as Query[]).flatMap((q) => q.metric ? [q.metric.metricName] : []))) {
            assert.ok(metrics.has(alarmed), `dashboard lacks ${alarmed}`);
        }
        assert.equal(body.widgets.find((w) => w.type === "alarm")?.properties.alarms?.length, byType(r, ALARM).length);
        assert.equal(body.widgets.find((w) => (w.properties.metrics ?? []).some((m) => m[1] === "HealthCheckStatus"))?.properties.region, "us-east-1");
    });

    it("draws desired next to running tasks on the dashboard, for both services", async () => {
        const d = one(await goodPlan("prod"), "aws:cloudwatch/dashboard:Dashboard", "ops-dashboard").inputs;
        const body = JSON.parse(d.dashboardBody as string) as { widgets: { properties: { metrics?: unknown[][] } }[] };
        const lines = body.widgets.flatMap((w) => w.properties.metrics ?? []).filter((m) => m[0] === "ECS/ContainerInsights");
        assert.deepEqual(lines.map((m) => m[1]).sort(), ["DesiredTaskCount", "DesiredTaskCount", "RunningTaskCount", "RunningTaskCount"]);
    });

    it("keeps the thresholds in their own module, re-exported by the component's", () => {
        assert.equal(monitoring.ALARM_THRESHOLDS, ALARM_THRESHOLDS);
        assert.equal(monitoring.DB_MAX_CONNECTIONS, DB_MAX_CONNECTIONS);
        assert.ok(Object.isFrozen(ALARM_THRESHOLDS));
    });

    it("names its children after the component", async () => {
        const r = await goodPlan("staging");
        const mon = one(r, "groundwork:ops:Monitoring", "ops");
        const children = r.resources.filter((x) => x.parent === mon.urn);
        assert.ok(children.length > 15);
        for (const c of children) assert.match(c.name, /^ops-/);
        assert.equal(byType(r, ALARM).filter((a) => a.name === "ops-worker-running").length, 1);
    });
});
