/**
 * Day-two monitoring for one stack: an encrypted SNS topic that mails the on-call address,
 * CloudWatch alarms on the load balancer, the services, the database and every cache node, a
 * Route 53 health check on the API's health URL with its alarm, and a dashboard of the same
 * figures. Thresholds come from {@link ALARM_THRESHOLDS} by profile (prod sensitive, staging quiet),
 * in monitoring-thresholds.ts; the dashboard's layout is in monitoring-dashboard.ts.
 *
 * Fixed cost (us-east-1 list prices; `npm run plan` prints the stack's total): $0.10/month per
 * alarm metric (the 5xx-rate alarm reads 3 metrics, so $0.30; each running-task alarm 2, so
 * $0.20), a customer-managed KMS key for the topic $1/month (two outside us-east-1), the HTTPS
 * health check $0.50/month + $1.00 for the HTTPS option against an AWS endpoint ($0.75 + $2.00
 * when Cloudflare proxies the API), the dashboard $3/month beyond the account's free 3. Free tiers are not deducted by the estimate.
 * Log groups with retention belong to the service components.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Profile } from "../config/defaults";
import { alertTopic } from "./alert-topic";
import { AlarmSpec, AppSignals, JobSignals, appAlarmSpecs, jobAlarmSpecs } from "./app-alarms";
import { dashboardBody } from "./monitoring-dashboard";
import { ALARM_THRESHOLDS, AlarmThresholds, DB_MAX_CONNECTIONS, HEALTH_CHECK_METRICS_REGION, RDS_AUTOSCALING_FREE_PERCENT, THRESHOLD_LIMITS } from "./monitoring-thresholds";

export { ALARM_THRESHOLDS, DB_MAX_CONNECTIONS, HEALTH_CHECK_METRICS_REGION, RDS_AUTOSCALING_FREE_PERCENT } from "./monitoring-thresholds";
export type { AlarmThresholds } from "./monitoring-thresholds";

export interface MonitoringArgs {
    /**
     * Picks the {@link ALARM_THRESHOLDS} row: prod pages early, staging only on what would also
     * hurt a tester.
     * @example "prod"
     */
    profile: Profile;
    /**
     * Receives every alarm and recovery. The address must confirm SNS's subscription email once
     * per topic, or nobody is mailed. Cost: the first 1,000 emails a month are free.
     * @example "oncall@example.com"
     */
    alertEmail: string;
    /**
     * HTTPS endpoints subscribed to the alert topics beside the email (PagerDuty's Amazon
     * CloudWatch integration URL, Opsgenie's…). SNS first sends a subscription confirmation that
     * the endpoint must confirm on its own; `pulumi up` waits up to 5 minutes for it and fails
     * for an endpoint that does not (a Slack incoming webhook cannot: docs/runbooks/alerts.md).
     * Secret: an integration URL carries its key. Cost: $0.60 per million deliveries.
     * @default [] (email only)
     * @example [pulumi.secret("https://events.pagerduty.com/integration/<key>/enqueue")]
     */
    httpsEndpoints?: pulumi.Input<string>[];
    /**
     * Thresholds over the profile's row ({@link ALARM_THRESHOLDS}), from `groundwork:alarmThresholds`.
     * @default {} (the profile's)
     * @example { queueWaiting: 250, alb5xxPercent: 2 }
     */
    thresholds?: Partial<AlarmThresholds>;
    /**
     * The apps' own metrics (components/app-metrics.ts) the stack has: alarms and widgets on
     * queue depth and failed jobs, webhook signature failures and 5xx deliveries, Stripe's error
     * rate. $0.10/month per alarm metric.
     * @default undefined (none)
     * @example { stack: "prod", services: ["api", "worker"], webhooks: true, stripe: true, queues: ["webhooks"] }
     */
    app?: AppSignals;
    /**
     * The scheduled jobs: an alarm per job on failed runs, one on runs the Scheduler could not start.
     * @default undefined (no jobs)
     * @example { clusterArn: cluster.clusterArn, names: ["db-backup"], scheduleGroupName: jobs.scheduleGroupName, stack: "prod", noOverlap: ["db-backup"] }
     */
    jobs?: JobSignals;
    /**
     * The Route 53 health check's target (the API's health URL). Must be https. Undefined: no
     * health check (no API, or no image pushed yet).
     * Cost: $0.50/month + $1.00 for HTTPS against an AWS endpoint ($0.75 + $2.00 when Cloudflare
     * proxies the API).
     * @default undefined
     * @example "https://api.example.com/api/v1/health"
     */
    healthCheckUrl?: string;
    /**
     * The stack's AWS region. Route 53 publishes health-check metrics only in us-east-1, and an
     * alarm may only notify a topic in its own region: elsewhere this component adds a us-east-1
     * provider, topic and subscription for the health alarm alone (+$1/month for that topic's key).
     * @example "us-west-2"
     */
    awsRegion: string;
    /**
     * Tags for the extra us-east-1 provider's `defaultTags`: pass the stack provider's tags so the
     * health alarm's resources carry the same ones.
     * @default none (the extra provider sets no default tags)
     * @example { app: "groundwork", stack: "prod", "managed-by": "pulumi" }
     */
    tags?: Record<string, string>;
    /** Latency graphs for the health check. Cost: +$1.00/month (AWS endpoint). @default false */
    measureLatency?: boolean;
    /**
     * The ECS cluster's name (`ClusterName` dimension); required with `api` or `worker`.
     * @default undefined
     * @example "app-cluster-1a2b3c4"
     */
    clusterName?: pulumi.Input<string>;
    /**
     * The API part: load-balancer alarms (5xx rate, p95, unhealthy targets) and the service's.
     * `albArnSuffix`/`targetGroupArnSuffix` are CloudWatch's `LoadBalancer`/`TargetGroup`
     * dimensions. `minTasks` 0 creates no running-task alarm (the alarm compares running with the
     * *desired* count autoscaling moves, not with this floor).
     * @default undefined (no API alarms)
     * @example { albArnSuffix: alb.arnSuffix, targetGroupArnSuffix: alb.targetGroupArnSuffix, serviceName: api.serviceName, minTasks: 2 }
     */
    api?: { albArnSuffix: pulumi.Input<string>; targetGroupArnSuffix: pulumi.Input<string>; serviceName: pulumi.Input<string>; minTasks: number };
    /**
     * The worker part: running-task, CPU and memory alarms.
     * @default undefined (no worker alarms)
     * @example { serviceName: worker.serviceName, minTasks: 1 }
     */
    worker?: { serviceName: pulumi.Input<string>; minTasks: number };
    /**
     * RDS: CPU, free storage and connections. `allocatedStorage` is the initial size (GiB,
     * `dbAllocatedStorage`): the free-storage alarm's threshold is a share of it, in bytes, below
     * what storage autoscaling acts on; `instanceClass` the connections threshold ({@link DB_MAX_CONNECTIONS});
     * `maxConnections` the real `max_connections` (`SHOW max_connections;`) when the estimate is
     * off or the class is not in the table.
     * @default undefined (no database alarms)
     * @example { instanceId: db.instanceId, allocatedStorage: 50, instanceClass: "db.t4g.medium" }
     */
    database?: { instanceId: pulumi.Input<string>; allocatedStorage: number; instanceClass: string; maxConnections?: number };
    /**
     * ElastiCache: a memory and a CPU alarm per node ($0.20/month each node). `nodeCount` (1 +
     * replicas) is a plain number, since it decides which alarms exist; `clusterIds` are the
     * member cluster ids (CloudWatch's `CacheClusterId`), one per node.
     * @default undefined (no cache alarms)
     * @example { clusterIds: cache.memberClusterIds, nodeCount: 2 }
     */
    cache?: { clusterIds: pulumi.Input<string[]>; nodeCount: number };
}


export class Monitoring extends pulumi.ComponentResource {
    /**
     * The topic every alarm in the stack's region notifies, and the stack's budget: read through
     * the topic's access policy, so whatever uses it is created once AWS Budgets may publish.
     */
    public readonly alertTopicArn: pulumi.Output<string>;
    /** Escape hatch: the stack-region alert topic (KMS-encrypted, email subscription). */
    public readonly topic: aws.sns.Topic;
    /** Every alarm, keyed by role (`alb-5xx`, `api-running`, `cache-1-memory`, `health`...). */
    public readonly alarms: Record<string, aws.cloudwatch.MetricAlarm>;
    /** Escape hatch: the Route 53 health check on {@link MonitoringArgs.healthCheckUrl}. */
    public readonly healthCheck?: aws.route53.HealthCheck;
    /** The health check's id (`HealthCheckId` dimension, in us-east-1). */
    public readonly healthCheckId?: pulumi.Output<string>;
    /** `<project>-<stack>`, in the stack's region. */
    public readonly dashboardName: pulumi.Output<string>;
    /** Console link to the dashboard. */
    public readonly dashboardUrl: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:ops:Monitoring", name, {}, opts);
        if (!ALARM_THRESHOLDS[args.profile]) throw new Error(`Monitoring args.profile must be "staging" or "prod", got ${JSON.stringify(args.profile)}`);
        for (const [k, v] of Object.entries(args.thresholds ?? {}) as [keyof AlarmThresholds, number][]) {
            const l = THRESHOLD_LIMITS[k];
            if (!l) throw new Error(`Monitoring args.thresholds.${k} is not a threshold; use one of ${Object.keys(THRESHOLD_LIMITS).join(", ")}`);
            if (!(v >= l.min && v <= l.max) || (l.whole && !Number.isInteger(v))) {
                throw new Error(`Monitoring args.thresholds.${k} must be ${l.whole ? "a whole number of " : ""}${l.min}-${l.max}, got ${v}. Example: ${ALARM_THRESHOLDS.prod[k]}`);
            }
        }
        const t: AlarmThresholds = { ...ALARM_THRESHOLDS[args.profile], ...args.thresholds };
        const health = args.healthCheckUrl === undefined ? undefined : parseHealthUrl(args.healthCheckUrl);
        const maxConnections = args.database ? args.database.maxConnections ?? DB_MAX_CONNECTIONS[args.database.instanceClass] : 0;
        if (args.database && !maxConnections) {
            throw new Error(`Monitoring args.database.instanceClass "${args.database.instanceClass}" has no max_connections estimate; ` +
                `pass database.maxConnections (SHOW max_connections;), e.g. 400, or use one of ${Object.keys(DB_MAX_CONNECTIONS).join(", ")}`);
        }
        if (args.cache && (!Number.isInteger(args.cache.nodeCount) || args.cache.nodeCount < 1)) {
            throw new Error(`Monitoring args.cache.nodeCount must be a whole number >= 1 (1 + replicas), got ${args.cache.nodeCount}`);
        }
        if (!(t.dbFreeStoragePercent > 0 && t.dbFreeStoragePercent < RDS_AUTOSCALING_FREE_PERCENT)) {
            throw new Error(`Monitoring: the ${args.profile} dbFreeStoragePercent must be above 0 and below ${RDS_AUTOSCALING_FREE_PERCENT} ` +
                `(where RDS storage autoscaling acts), got ${t.dbFreeStoragePercent}. Example: 8`);
        }
        if ((args.api || args.worker) && args.clusterName === undefined) {
            throw new Error("Monitoring args.clusterName is required with args.api or args.worker. Example: cluster.clusterName");
        }

        const alerts = alertTopic(`${name}-alerts`, args.alertEmail, { parent: this }, { budgets: true }, args.httpsEndpoints);
        this.topic = alerts.topic;
        this.alertTopicArn = pulumi.all([this.topic.arn, alerts.policy.id]).apply(([arn]) => arn);
        const actions = [this.topic.arn];
        this.alarms = {};
        const alarm = (role: string, spec: AlarmSpec, o: pulumi.CustomResourceOptions = {}, notify = actions) => {
            this.alarms[role] = new aws.cloudwatch.MetricAlarm(`${name}-${role}`, {
                ...spec, alarmActions: notify, okActions: notify, actionsEnabled: true,
            }, { parent: this, ...o });
        };
        const minutes = (n: number) => ({ period: 60, evaluationPeriods: n, datapointsToAlarm: n });
        const fiveMinutes = (n: number) => ({ period: 300, evaluationPeriods: n, datapointsToAlarm: n });
        const runbook = "docs/runbooks/health-alarm.md";

        // ---- load balancer ----------------------------------------------------------------------
        if (args.api) {
            const lb = { LoadBalancer: args.api.albArnSuffix };
            const tg = { LoadBalancer: args.api.albArnSuffix, TargetGroup: args.api.targetGroupArnSuffix };
            const albMetric = (id: string, metricName: string) =>
                ({ id, metric: { namespace: "AWS/ApplicationELB", metricName, dimensions: lb, period: 300, stat: "Sum" }, returnData: false });
            alarm("alb-5xx", {
                alarmDescription: `API 5xx rate above ${t.alb5xxPercent}% of requests (targets + ALB, 5 min, ignored under ${t.alb5xxMinRequests} requests). ` +
                    `Check the api's logs (aws logs tail) and the last deploy; roll back the image tag if it started with a deploy. See ${runbook}.`,
                comparisonOperator: "GreaterThanThreshold", threshold: t.alb5xxPercent,
                evaluationPeriods: t.alb5xxPeriods, datapointsToAlarm: t.alb5xxPeriods,
                // No requests -> no data: silence is not an error rate.
                treatMissingData: "notBreaching",
                metricQueries: [
                    albMetric("target5xx", "HTTPCode_Target_5XX_Count"),
                    albMetric("elb5xx", "HTTPCode_ELB_5XX_Count"),
                    albMetric("requests", "RequestCount"),
                    {
                        id: "rate", label: "5xx % of requests", returnData: true,
                        expression: `IF(requests >= ${t.alb5xxMinRequests}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)`,
                    },
                ],
            });
            alarm("alb-p95", {
                alarmDescription: `API p95 response time above ${t.p95LatencySeconds}s. Check the database (CPU, connections) and cache alarms, ` +
                    `then the api's CPU; scale with apiMinTasks or a larger apiCpu if the service is saturated.`,
                namespace: "AWS/ApplicationELB", metricName: "TargetResponseTime", dimensions: tg, extendedStatistic: "p95",
                comparisonOperator: "GreaterThanThreshold", threshold: t.p95LatencySeconds, ...fiveMinutes(t.p95Periods),
                treatMissingData: "notBreaching",
                // Few requests make a p95 meaningless: keep the state rather than alarm on two slow calls.
                evaluateLowSampleCountPercentiles: "ignore",
            });
            alarm("alb-unhealthy", {
                alarmDescription: `An api target fails the ALB health check${health ? ` (${health.path})` : ""}. ECS replaces it; if it keeps failing, ` +
                    `read the task's stopped reason (aws ecs describe-tasks) and logs. See ${runbook}.`,
                namespace: "AWS/ApplicationELB", metricName: "UnHealthyHostCount", dimensions: tg, statistic: "Maximum",
                comparisonOperator: "GreaterThanThreshold", threshold: 0, ...minutes(t.unhealthyMinutes),
                // No targets registered -> no data; the running-task and health-check alarms cover that case.
                treatMissingData: "notBreaching",
            });
        }

        // ---- services ---------------------------------------------------------------------------
        const services: [string, pulumi.Input<string>, number][] = [
            ...(args.api ? [["api", args.api.serviceName, args.api.minTasks] as [string, pulumi.Input<string>, number]] : []),
            ...(args.worker ? [["worker", args.worker.serviceName, args.worker.minTasks] as [string, pulumi.Input<string>, number]] : [])];
        for (const [role, serviceName, minTasks] of services) {
            const dims = { ClusterName: args.clusterName as pulumi.Input<string>, ServiceName: serviceName };
            if (minTasks > 0) {
                // Running against *desired*, not against the minimum: once autoscaling has raised the
                // desired count, a shortfall below it is capacity the service needs and lacks.
                const insight = (id: string, metricName: string) => ({
                    id, returnData: false,
                    metric: { namespace: "ECS/ContainerInsights", metricName, dimensions: dims, period: 60, stat: "Maximum" },
                });
                alarm(`${role}-running`, {
                    alarmDescription: `Fewer ${role} tasks running than desired for ${t.runningTasksMinutes} minutes. Tasks are failing to ` +
                        `start or crashing (or a deploy is stuck): aws ecs describe-services (events) and the stopped tasks' reasons. See ${runbook}.`,
                    // A metric-math alarm takes its period from the queries (PutMetricAlarm rejects a top-level one).
                    comparisonOperator: "GreaterThanThreshold", threshold: 0,
                    evaluationPeriods: t.runningTasksMinutes, datapointsToAlarm: t.runningTasksMinutes,
                    metricQueries: [
                        insight("running", "RunningTaskCount"),
                        insight("desired", "DesiredTaskCount"),
                        // No running tasks reported while desired is: none running.
                        { id: "shortfall", label: "tasks short of desired", returnData: true, expression: "desired - FILL(running, 0)" },
                    ],
                    // Container Insights reports both every minute while the service exists: silence
                    // means nothing is reporting, so the shortfall cannot be ruled out.
                    treatMissingData: "breaching",
                });
            }
            for (const [metricName, key, limit] of [["CPUUtilization", "cpu", t.ecsCpuPercent], ["MemoryUtilization", "memory", t.ecsMemoryPercent]] as const) {
                alarm(`${role}-${key}`, {
                    alarmDescription: `${role} ${key} above ${limit}% of the task size for ${(t.usagePeriods * 5)} minutes. Autoscaling should add tasks; ` +
                        `if it is at ${role}MaxTasks, raise it or the task size (${role}Cpu/${role}Memory) and pulumi up.`,
                    namespace: "AWS/ECS", metricName, dimensions: dims, statistic: "Average",
                    comparisonOperator: "GreaterThanThreshold", threshold: limit, ...fiveMinutes(t.usagePeriods),
                    // No tasks -> no data; the running-task alarm covers that.
                    treatMissingData: "notBreaching",
                });
            }
        }

        // ---- database ---------------------------------------------------------------------------
        let freeBytes = 0, connections = 0;
        if (args.database) {
            const db = { DBInstanceIdentifier: args.database.instanceId };
            // RDS reports every minute while the instance is up; a gap (reboot, maintenance) keeps the state,
            // and an outage shows up in the health check.
            const rds = { namespace: "AWS/RDS", dimensions: db, statistic: "Average", treatMissingData: "missing", ...fiveMinutes(t.usagePeriods) };
            // Bytes, from the initial size: autoscaling acts at 10% of the current size, which only grows,
            // so this stays below it whatever the disk has grown to (ALARM_THRESHOLDS says why).
            freeBytes = Math.round(args.database.allocatedStorage * 1024 ** 3 * t.dbFreeStoragePercent / 100);
            connections = Math.floor(maxConnections * t.dbConnectionsPercent / 100);
            alarm("db-cpu", {
                ...rds, metricName: "CPUUtilization", comparisonOperator: "GreaterThanThreshold", threshold: t.dbCpuPercent,
                alarmDescription: `Database CPU above ${t.dbCpuPercent}%. Find the slow queries (Performance Insights / pg_stat_statements); ` +
                    `scale with dbInstanceClass (a brief failover in Multi-AZ).`,
            });
            alarm("db-storage", {
                ...rds, metricName: "FreeStorageSpace", statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: freeBytes,
                alarmDescription: `Database free storage below ${(freeBytes / 1024 ** 3).toFixed(1)} GiB (${t.dbFreeStoragePercent}% of the initial ` +
                    `${args.database.allocatedStorage} GiB), under the ${RDS_AUTOSCALING_FREE_PERCENT}% at which storage autoscaling grows the disk: autoscaling did not act. ` +
                    `At dbMaxAllocatedStorage: raise it and pulumi up. Else it is in its 6-hour cooldown or failing (RDS events). ` +
                    `See docs/runbooks/database-and-cache-changes.md.`,
            });
            alarm("db-connections", {
                ...rds, metricName: "DatabaseConnections", statistic: "Maximum", comparisonOperator: "GreaterThanThreshold", threshold: connections,
                alarmDescription: `Database connections above ${connections} (${t.dbConnectionsPercent}% of ~${maxConnections} max_connections for ` +
                    `${args.database.instanceClass}). Check the apps' pool sizes x task counts; use a larger class or a connection pooler.`,
            });
        }

        // ---- cache, per node --------------------------------------------------------------------
        // The ids are an Output, the node count a plain number: one alarm per index, the id read inside
        // the alarm's input (never creating resources inside apply).
        const ids = pulumi.output(args.cache?.clusterIds ?? []);
        for (let i = 0; i < (args.cache?.nodeCount ?? 0); i++) {
            const node = { CacheClusterId: ids.apply((list) => list[i]) };
            const cache = { namespace: "AWS/ElastiCache", dimensions: node, statistic: "Average", treatMissingData: "missing", ...fiveMinutes(t.usagePeriods) };
            alarm(`cache-${i + 1}-memory`, {
                ...cache, metricName: "DatabaseMemoryUsagePercentage", comparisonOperator: "GreaterThanThreshold", threshold: t.cacheMemoryPercent,
                alarmDescription: `Cache node ${i + 1} memory above ${t.cacheMemoryPercent}%. The cache runs noeviction for BullMQ: when full, ` +
                    `writes fail. Look for piling-up queues (failed/completed jobs kept); scale with cacheNodeType.`,
            });
            alarm(`cache-${i + 1}-cpu`, {
                ...cache, metricName: "EngineCPUUtilization", comparisonOperator: "GreaterThanThreshold", threshold: t.cacheCpuPercent,
                alarmDescription: `Cache node ${i + 1} engine CPU above ${t.cacheCpuPercent}%. Look for hot keys or expensive commands ` +
                    `(SLOWLOG); scale with cacheNodeType.`,
            });
        }

        // ---- the apps' own metrics and the scheduled jobs -------------------------------------------
        const specs: [string, AlarmSpec][] = [...(args.app ? appAlarmSpecs(args.app, t) : []), ...(args.jobs ? jobAlarmSpecs(args.jobs) : [])];
        for (const [role, spec] of specs) alarm(role, spec);

        // ---- health check -----------------------------------------------------------------------
        // Route 53 health checks are global; the provider's region does not matter for the check itself.
        if (health && args.healthCheckUrl) {
            this.healthCheck = new aws.route53.HealthCheck(`${name}-health`, {
                type: "HTTPS", fqdn: health.host, port: health.port, resourcePath: health.path, enableSni: true,
                requestInterval: 30, failureThreshold: 3, measureLatency: args.measureLatency ?? false,
                tags: { Name: `${pulumi.getProject()}-${pulumi.getStack()} ${args.healthCheckUrl}` },
            }, { parent: this });
            this.healthCheckId = this.healthCheck.id;
            // Its metrics exist only in us-east-1, and an alarm notifies only a topic in its own region.
            let healthOpts: pulumi.CustomResourceOptions = {};
            let healthActions = actions;
            if (args.awsRegion !== HEALTH_CHECK_METRICS_REGION) {
                const useast1 = new aws.Provider(`${name}-${HEALTH_CHECK_METRICS_REGION}`, {
                    region: HEALTH_CHECK_METRICS_REGION, defaultTags: args.tags ? { tags: args.tags } : undefined,
                }, { parent: this });
                healthOpts = { provider: useast1 };
                healthActions = [alertTopic(`${name}-health-alerts`, args.alertEmail, { parent: this, provider: useast1 }, { budgets: false }, args.httpsEndpoints).topic.arn];
        }
        alarm("health", {
            alarmDescription: `${args.healthCheckUrl} fails from Route 53's checkers (3 failures in a row, 30 s apart). ` +
                `Users cannot reach the API. Follow ${runbook}.`,
            namespace: "AWS/Route53", metricName: "HealthCheckStatus", dimensions: { HealthCheckId: this.healthCheck.id },
            statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: 1, ...minutes(t.healthCheckMinutes),
            // Route 53 reports every minute; silence means its checkers cannot report, treat as down.
            treatMissingData: "breaching",
        }, healthOpts, healthActions);
        }

        // ---- dashboard --------------------------------------------------------------------------
        this.dashboardName = pulumi.output(`${pulumi.getProject()}-${pulumi.getStack()}`);
        const dashboard = new aws.cloudwatch.Dashboard(`${name}-dashboard`, {
            dashboardName: this.dashboardName,
            dashboardBody: pulumi.jsonStringify(dashboardBody({
                region: args.awsRegion,
                api: args.api && { albArnSuffix: args.api.albArnSuffix, targetGroupArnSuffix: args.api.targetGroupArnSuffix, serviceName: args.api.serviceName },
                worker: args.worker && { serviceName: args.worker.serviceName },
                clusterName: args.clusterName,
                dbInstanceId: args.database?.instanceId, cacheClusterIds: ids, cacheNodeCount: args.cache?.nodeCount ?? 0,
                healthCheckId: this.healthCheck?.id, alarmArns: Object.values(this.alarms).map((a) => a.arn),
                thresholds: t, dbFreeStorageBytes: freeBytes, dbConnections: connections,
                app: args.app, jobs: args.jobs,
            })),
        }, { parent: this });
        this.dashboardUrl = pulumi.interpolate`https://${args.awsRegion}.console.aws.amazon.com/cloudwatch/home?region=${args.awsRegion}#dashboards:name=${dashboard.dashboardName}`;

        this.registerOutputs({
            alertTopicArn: this.alertTopicArn, healthCheckId: this.healthCheckId,
            dashboardName: this.dashboardName, dashboardUrl: this.dashboardUrl,
        });
    }
}

function parseHealthUrl(url: string): { host: string; port: number; path: string } {
    let u: URL;
    try { u = new URL(url); } catch { u = undefined as unknown as URL; }
    if (!u || u.protocol !== "https:") {
        throw new Error(`Monitoring args.healthCheckUrl must be an https URL, got ${JSON.stringify(url)}. Example: https://api.example.com/api/v1/health`);
    }
    return { host: u.hostname, port: u.port ? Number(u.port) : 443, path: `${u.pathname}${u.search}` };
}
