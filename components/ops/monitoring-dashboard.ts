/**
 * The body of the stack's CloudWatch dashboard: the figures the alarms watch, each alarm's
 * threshold drawn as a horizontal line, and an alarm-status panel on top. Pure data (no
 * resources), so the Monitoring component stays about what exists and this file about layout.
 */
import * as pulumi from "@pulumi/pulumi";
import { APP_METRICS, APP_METRICS_NAMESPACE } from "../app-metrics";
import type { AppSignals, JobSignals } from "./app-alarms";
import { AlarmThresholds, HEALTH_CHECK_METRICS_REGION } from "./monitoring-thresholds";

/** What the dashboard draws: the metrics' dimensions and the thresholds the alarms use; absent parts draw nothing. */
export interface DashboardFigures {
    /** The stack's region: every widget but the health check's reads from it. @example "us-east-1" */
    region: string;
    api?: { albArnSuffix: pulumi.Input<string>; targetGroupArnSuffix: pulumi.Input<string>; serviceName: pulumi.Input<string> };
    worker?: { serviceName: pulumi.Input<string> };
    clusterName?: pulumi.Input<string>;
    dbInstanceId?: pulumi.Input<string>;
    /** One id per cache node, in node order. */
    cacheClusterIds: pulumi.Output<string[]>;
    /** Nodes in the cache: one line per node; 0 = no cache widgets. */
    cacheNodeCount: number;
    healthCheckId?: pulumi.Input<string>;
    /** Every alarm's ARN, for the status panel. */
    alarmArns: pulumi.Input<string>[];
    /** The profile's thresholds, drawn as lines. */
    thresholds: AlarmThresholds;
    /** The free-storage alarm's threshold in bytes. */
    dbFreeStorageBytes: number;
    /** The connections alarm's threshold. */
    dbConnections: number;
    /** The apps' own metrics the stack has; undefined: no widgets of them. */
    app?: AppSignals;
    /** The scheduled jobs; undefined: none. */
    jobs?: JobSignals;
}

/** The dashboard body, for `pulumi.jsonStringify`. */
export function dashboardBody(f: DashboardFigures) {
    const t = f.thresholds;
    const line = (label: string, value: number) => ({ annotations: { horizontal: [{ label, value }] } });
    const widget = (title: string, metrics: unknown[], extra: Record<string, unknown> = {}, r = f.region) => ({
        type: "metric", width: 12, height: 6,
        properties: { title, region: r, view: "timeSeries", period: 300, metrics, ...extra },
    });
    const svc = (name: pulumi.Input<string>) => ["ClusterName", f.clusterName, "ServiceName", name];
    const services = [...(f.api ? [["api", f.api.serviceName] as const] : []), ...(f.worker ? [["worker", f.worker.serviceName] as const] : [])];
    const widgets: unknown[] = [{ type: "alarm", width: 24, height: 4, properties: { title: "Alarms", alarms: f.alarmArns } }];
    if (f.api) {
        const alb = ["LoadBalancer", f.api.albArnSuffix];
        const tg = [...alb, "TargetGroup", f.api.targetGroupArnSuffix];
        widgets.push(
            widget("API 5xx % of requests", [
                ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", ...alb, { id: "t", stat: "Sum", visible: false }],
                ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", ...alb, { id: "e", stat: "Sum", visible: false }],
                ["AWS/ApplicationELB", "RequestCount", ...alb, { id: "r", stat: "Sum", visible: false }],
                [{ expression: "100 * (FILL(t, 0) + FILL(e, 0)) / r", label: "5xx %", id: "rate" }],
            ], line("alarm", t.alb5xxPercent)),
            widget("API p95 response time (s)", [["AWS/ApplicationELB", "TargetResponseTime", ...tg, { stat: "p95" }]], line("alarm", t.p95LatencySeconds)),
            widget("Targets", [
                ["AWS/ApplicationELB", "HealthyHostCount", ...tg, { stat: "Minimum" }],
                ["AWS/ApplicationELB", "UnHealthyHostCount", ...tg, { stat: "Maximum" }],
            ], { period: 60 }),
        );
    }
    if (services.length > 0) {
        widgets.push(
            // Running against desired, as the running-task alarms compare them.
            widget("Running vs desired tasks", services.flatMap(([role, name]) => [
                ["ECS/ContainerInsights", "RunningTaskCount", ...svc(name), { label: `${role} running`, stat: "Maximum" }],
                ["ECS/ContainerInsights", "DesiredTaskCount", ...svc(name), { label: `${role} desired`, stat: "Maximum" }],
            ]), { period: 60 }),
            widget("Service CPU %", services.map(([role, name]) => ["AWS/ECS", "CPUUtilization", ...svc(name), { label: role }]), line("alarm", t.ecsCpuPercent)),
            widget("Service memory %", services.map(([role, name]) => ["AWS/ECS", "MemoryUtilization", ...svc(name), { label: role }]), line("alarm", t.ecsMemoryPercent)),
        );
    }
    if (f.dbInstanceId !== undefined) {
        const db = ["DBInstanceIdentifier", f.dbInstanceId];
        widgets.push(
            widget("Database CPU %", [["AWS/RDS", "CPUUtilization", ...db]], line("alarm", t.dbCpuPercent)),
            widget("Database free storage (bytes)", [["AWS/RDS", "FreeStorageSpace", ...db, { stat: "Minimum" }]], line("alarm", f.dbFreeStorageBytes)),
            widget("Database connections", [["AWS/RDS", "DatabaseConnections", ...db, { stat: "Maximum" }]], line("alarm", f.dbConnections)),
        );
    }
    if (f.cacheNodeCount > 0) {
        const cacheMetrics = (metric: string) => Array.from({ length: f.cacheNodeCount }, (_, i) =>
            ["AWS/ElastiCache", metric, "CacheClusterId", f.cacheClusterIds.apply((l) => l[i]), { label: `node ${i + 1}` }]);
        widgets.push(
            widget("Cache memory %", cacheMetrics("DatabaseMemoryUsagePercentage"), line("alarm", t.cacheMemoryPercent)),
            widget("Cache engine CPU %", cacheMetrics("EngineCPUUtilization"), line("alarm", t.cacheCpuPercent)),
        );
    }
    if (f.app) {
        const a = f.app;
        if (a.queues.length > 0) {
            widgets.push(
                widget("Queue backlog (jobs waiting, active)", a.queues.flatMap((q) => [
                    [APP_METRICS_NAMESPACE, APP_METRICS.queueWaiting, "Stack", a.stack, "Queue", q, { label: `${q} waiting`, stat: "Maximum" }],
                    [APP_METRICS_NAMESPACE, APP_METRICS.queueActive, "Stack", a.stack, "Queue", q, { label: `${q} active`, stat: "Maximum" }],
                ]), { period: 60, ...line("waiting alarm", t.queueWaiting) }),
                widget("Jobs failed for good", a.queues.map((q) =>
                    [APP_METRICS_NAMESPACE, APP_METRICS.jobsFailed, "Stack", a.stack, "Queue", q, { label: q, stat: "Sum" }]), line("alarm", t.queueFailedJobs)),
            );
        }
        if (a.webhooks) {
            widgets.push(widget("Webhook deliveries refused or failed", [
                [APP_METRICS_NAMESPACE, APP_METRICS.webhookSignatureFailures, "Stack", a.stack, "Service", "api", { label: "bad signature", stat: "Sum" }],
                [APP_METRICS_NAMESPACE, APP_METRICS.webhookFailures, "Stack", a.stack, "Service", "api", { label: "answered 5xx", stat: "Sum" }],
            ]));
        }
        if (a.stripe && a.services.length > 0) {
            const sum = (prefix: string) => a.services.map((s) => `FILL(${prefix}_${s}, 0)`).join(" + ");
            widgets.push(widget("Stripe API errors % of calls", [
                ...a.services.flatMap((s) => [
                    [APP_METRICS_NAMESPACE, APP_METRICS.stripeRequests, "Stack", a.stack, "Service", s, { id: `req_${s}`, stat: "Sum", visible: false }],
                    [APP_METRICS_NAMESPACE, APP_METRICS.stripeErrors, "Stack", a.stack, "Service", s, { id: `err_${s}`, stat: "Sum", visible: false }],
                ]),
                [{ expression: `100 * (${sum("err")}) / (${sum("req")})`, label: "errors %", id: "rate" }],
            ], line("alarm", t.stripeErrorPercent)));
        }
    }
    if (f.jobs) {
        const j = f.jobs;
        widgets.push(widget("Scheduled jobs: failed and skipped runs", [
            ...j.names.map((n) => ["Groundwork/Jobs", "FailedRuns", "ClusterArn", j.clusterArn, "Group", `job:${n}`, { label: `${n} failed`, stat: "Sum" }]),
            ...j.noOverlap.map((n) => ["Groundwork/Jobs", "SkippedRuns", "Stack", j.stack, "Job", n, { label: `${n} skipped (still running)`, stat: "Sum" }]),
            ["AWS/Scheduler", "InvocationDroppedCount", "ScheduleGroup", j.scheduleGroupName, { label: "not started", stat: "Sum" }],
        ], { period: 3600 }));
    }
    if (f.healthCheckId !== undefined) {
        widgets.push(widget("Health check (1 = healthy)", [["AWS/Route53", "HealthCheckStatus", "HealthCheckId", f.healthCheckId, { stat: "Minimum" }]],
            { period: 60 }, HEALTH_CHECK_METRICS_REGION));
    }
    return { widgets };
}
