/**
 * Day-two monitoring for one stack: an encrypted SNS topic that mails the on-call address,
 * CloudWatch alarms on the load balancer, the services, the database and every cache node, a
 * Route 53 health check on the API's health URL with its alarm, and a dashboard of the same
 * figures. Thresholds come from {@link ALARM_THRESHOLDS} by profile (prod sensitive, staging quiet).
 *
 * Fixed cost (us-east-1 list prices; `npm run plan` prints the stack's total): $0.10/month per
 * alarm metric (the 5xx-rate alarm reads 3 metrics, so $0.30), a customer-managed KMS key for the
 * topic $1/month (two outside us-east-1), the HTTPS health check $0.50/month + $1.00 for the
 * HTTPS option against an AWS endpoint ($0.75 + $2.00 when Cloudflare proxies the API), the
 * dashboard $3/month beyond the account's free 3. Free tiers are not deducted by the estimate.
 * Log groups with retention belong to the service components.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Profile } from "./defaults";

/** Where Route 53 publishes health-check metrics, whatever the stack's region. */
export const HEALTH_CHECK_METRICS_REGION = "us-east-1";

/** One profile's alarm thresholds. Periods are 5 minutes unless the name says minutes. */
export interface AlarmThresholds {
    /** ALB 5xx responses (targets' + the ALB's own) as % of requests over 5 minutes. */
    alb5xxPercent: number;
    /** Below this many requests in 5 minutes the 5xx rate counts as 0 (a single failure on a quiet stack is no outage). */
    alb5xxMinRequests: number;
    /** 5-minute periods the 5xx rate must breach. */
    alb5xxPeriods: number;
    /** p95 of TargetResponseTime, seconds. */
    p95LatencySeconds: number;
    p95Periods: number;
    /** Minutes with an unhealthy target before the alarm. */
    unhealthyMinutes: number;
    /** Minutes the running task count stays below the service's minimum. */
    runningTasksMinutes: number;
    ecsCpuPercent: number;
    ecsMemoryPercent: number;
    dbCpuPercent: number;
    /** Alarm when free storage falls below this % of the allocated storage. */
    dbFreeStoragePercent: number;
    /** Alarm above this % of the class's estimated max_connections. */
    dbConnectionsPercent: number;
    /** DatabaseMemoryUsagePercentage: the cache runs `noeviction` for BullMQ, so a full cache rejects writes. */
    cacheMemoryPercent: number;
    cacheCpuPercent: number;
    /** 5-minute periods a resource-usage alarm (ECS, RDS, cache) must breach. */
    usagePeriods: number;
    /** Minutes the Route 53 health check must report unhealthy. */
    healthCheckMinutes: number;
}

/**
 * Thresholds by profile. prod pages early (1% errors, 1 s p95, 15 minutes of sustained load);
 * staging only on what would also hurt a tester (5% errors, 3 s p95, 30 minutes of load).
 */
export const ALARM_THRESHOLDS: Readonly<Record<Profile, AlarmThresholds>> = Object.freeze({
    prod: {
        alb5xxPercent: 1, alb5xxMinRequests: 50, alb5xxPeriods: 1, p95LatencySeconds: 1, p95Periods: 2,
        unhealthyMinutes: 2, runningTasksMinutes: 3, ecsCpuPercent: 80, ecsMemoryPercent: 85,
        dbCpuPercent: 80, dbFreeStoragePercent: 15, dbConnectionsPercent: 80, cacheMemoryPercent: 75, cacheCpuPercent: 70,
        usagePeriods: 3, healthCheckMinutes: 2,
    },
    staging: {
        alb5xxPercent: 5, alb5xxMinRequests: 20, alb5xxPeriods: 2, p95LatencySeconds: 3, p95Periods: 3,
        unhealthyMinutes: 5, runningTasksMinutes: 10, ecsCpuPercent: 90, ecsMemoryPercent: 90,
        dbCpuPercent: 90, dbFreeStoragePercent: 10, dbConnectionsPercent: 90, cacheMemoryPercent: 85, cacheCpuPercent: 85,
        usagePeriods: 6, healthCheckMinutes: 5,
    },
});

/**
 * Conservative estimates of PostgreSQL's `max_connections` on RDS, `LEAST(DBInstanceClassMemory /
 * 9531392, 5000)`, where DBInstanceClassMemory is the class's memory less what RDS reserves (so a
 * little under the nominal RAM). Check the real figure with `SHOW max_connections;` and pass
 * `dbMaxConnections` when it differs.
 */
export const DB_MAX_CONNECTIONS: Readonly<Record<string, number>> = Object.freeze({
    "db.t4g.micro": 80, "db.t4g.small": 180, "db.t4g.medium": 400, "db.t4g.large": 820,
    "db.m7g.large": 820, "db.m7g.xlarge": 1650, "db.m7g.2xlarge": 3300,
    "db.r7g.large": 1650, "db.r7g.xlarge": 3300, "db.r7g.2xlarge": 5000,
});

export interface MonitoringArgs {
    /** Picks the {@link ALARM_THRESHOLDS} row. */
    profile: Profile;
    /** Receives every alarm and recovery; the address must confirm SNS's subscription email once. @example "oncall@example.com" */
    alertEmail: string;
    /** `https://api.<domain>/api/v1/health`: the Route 53 health check's target. Must be https. */
    healthCheckUrl: string;
    /**
     * The stack's AWS region. Route 53 publishes health-check metrics only in us-east-1, and an
     * alarm may only notify a topic in its own region: elsewhere this component adds a us-east-1
     * provider, topic and subscription for the health alarm alone.
     * @example "us-west-2"
     */
    awsRegion: string;
    /** Tags for the extra us-east-1 provider's `defaultTags` (the stack provider's tags). */
    tags?: Record<string, string>;
    /** Latency graphs for the health check: +$1.00/month (AWS endpoint). @default false */
    measureLatency?: boolean;
    albArnSuffix: pulumi.Input<string>;
    targetGroupArnSuffix: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    apiServiceName: pulumi.Input<string>;
    workerServiceName: pulumi.Input<string>;
    /** The api's minimum tasks: the running-count alarm fires below it. */
    apiMinTasks: number;
    /** The worker's minimum tasks; 0 means no running-count alarm for the worker. */
    workerMinTasks: number;
    dbInstanceId: pulumi.Input<string>;
    /** Allocated storage in GiB, for the free-storage alarm threshold. */
    dbAllocatedStorage: number;
    /** RDS class, for the connections threshold ({@link DB_MAX_CONNECTIONS}). @example "db.t4g.medium" */
    dbInstanceClass: string;
    /** The database's real `max_connections`, when the estimate is off. @default DB_MAX_CONNECTIONS[dbInstanceClass] */
    dbMaxConnections?: number;
    /** Member cluster ids (CloudWatch's CacheClusterId), one per node. */
    cacheClusterIds: pulumi.Input<string[]>;
    /** Nodes the cache has (1 + replicas): alarms are created per node. */
    cacheNodeCount: number;
}

type AlarmSpec = Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions">;

export class Monitoring extends pulumi.ComponentResource {
    /** The topic every alarm in the stack's region notifies. */
    public readonly alertTopicArn: pulumi.Output<string>;
    public readonly topic: aws.sns.Topic;
    /** Every alarm, keyed by role (`alb-5xx`, `api-running`, `cache-1-memory`, `health`...). */
    public readonly alarms: Record<string, aws.cloudwatch.MetricAlarm>;
    public readonly healthCheck: aws.route53.HealthCheck;
    public readonly healthCheckId: pulumi.Output<string>;
    public readonly dashboardName: pulumi.Output<string>;
    /** Console link to the dashboard. */
    public readonly dashboardUrl: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:ops:Monitoring", name, {}, opts);
        const t = ALARM_THRESHOLDS[args.profile];
        if (!t) throw new Error(`Monitoring args.profile must be "staging" or "prod", got ${JSON.stringify(args.profile)}`);
        const health = parseHealthUrl(args.healthCheckUrl);
        const maxConnections = args.dbMaxConnections ?? DB_MAX_CONNECTIONS[args.dbInstanceClass];
        if (!maxConnections) {
            throw new Error(`Monitoring args.dbInstanceClass "${args.dbInstanceClass}" has no max_connections estimate; ` +
                `pass dbMaxConnections (SHOW max_connections;), e.g. 400, or use one of ${Object.keys(DB_MAX_CONNECTIONS).join(", ")}`);
        }
        if (!Number.isInteger(args.cacheNodeCount) || args.cacheNodeCount < 1) {
            throw new Error(`Monitoring args.cacheNodeCount must be a whole number >= 1 (1 + replicas), got ${args.cacheNodeCount}`);
        }

        this.topic = alertTopic(`${name}-alerts`, args.alertEmail, { parent: this });
        this.alertTopicArn = this.topic.arn;
        const actions = [this.topic.arn];
        this.alarms = {};
        const alarm = (role: string, spec: AlarmSpec, o: pulumi.CustomResourceOptions = {}, notify = actions) => {
            this.alarms[role] = new aws.cloudwatch.MetricAlarm(`${name}-${role}`, {
                ...spec, alarmActions: notify, okActions: notify, actionsEnabled: true,
            }, { parent: this, ...o });
        };
        const minutes = (n: number) => ({ period: 60, evaluationPeriods: n, datapointsToAlarm: n });
        const fiveMinutes = (n: number) => ({ period: 300, evaluationPeriods: n, datapointsToAlarm: n });
        const lb = { LoadBalancer: args.albArnSuffix };
        const tg = { LoadBalancer: args.albArnSuffix, TargetGroup: args.targetGroupArnSuffix };
        const runbook = "docs/runbooks/health-alarm.md";

        // ---- load balancer ----------------------------------------------------------------------
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
            alarmDescription: `An api target fails the ALB health check (${health.path}). ECS replaces it; if it keeps failing, ` +
                `read the task's stopped reason (aws ecs describe-tasks) and logs. See ${runbook}.`,
            namespace: "AWS/ApplicationELB", metricName: "UnHealthyHostCount", dimensions: tg, statistic: "Maximum",
            comparisonOperator: "GreaterThanThreshold", threshold: 0, ...minutes(t.unhealthyMinutes),
            // No targets registered -> no data; the running-task and health-check alarms cover that case.
            treatMissingData: "notBreaching",
        });

        // ---- services ---------------------------------------------------------------------------
        const services: [string, pulumi.Input<string>, number][] = [
            ["api", args.apiServiceName, args.apiMinTasks], ["worker", args.workerServiceName, args.workerMinTasks]];
        for (const [role, serviceName, minTasks] of services) {
            const dims = { ClusterName: args.clusterName, ServiceName: serviceName };
            if (minTasks > 0) {
                alarm(`${role}-running`, {
                    alarmDescription: `Fewer than ${minTasks} ${role} task(s) running. Tasks are failing to start or crashing: ` +
                        `aws ecs describe-services (events) and the stopped tasks' reasons. See ${runbook}.`,
                    namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions: dims, statistic: "Maximum",
                    comparisonOperator: "LessThanThreshold", threshold: minTasks, ...minutes(t.runningTasksMinutes),
                    // Container Insights reports every minute while the service exists: silence means nothing is reporting.
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
        const db = { DBInstanceIdentifier: args.dbInstanceId };
        // RDS reports every minute while the instance is up; a gap (reboot, maintenance) keeps the state,
        // and an outage shows up in the health check.
        const rds = { namespace: "AWS/RDS", dimensions: db, statistic: "Average", treatMissingData: "missing", ...fiveMinutes(t.usagePeriods) };
        const freeBytes = Math.round(args.dbAllocatedStorage * 1024 ** 3 * t.dbFreeStoragePercent / 100);
        const connections = Math.floor(maxConnections * t.dbConnectionsPercent / 100);
        alarm("db-cpu", {
            ...rds, metricName: "CPUUtilization", comparisonOperator: "GreaterThanThreshold", threshold: t.dbCpuPercent,
            alarmDescription: `Database CPU above ${t.dbCpuPercent}%. Find the slow queries (Performance Insights / pg_stat_statements); ` +
                `scale with dbInstanceClass (a brief failover in Multi-AZ).`,
        });
        alarm("db-storage", {
            ...rds, metricName: "FreeStorageSpace", statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: freeBytes,
            alarmDescription: `Database free storage below ${t.dbFreeStoragePercent}% of the ${args.dbAllocatedStorage} GiB allocated. ` +
                `Storage autoscaling grows it up to dbMaxAllocatedStorage; if it is at the maximum, raise dbMaxAllocatedStorage and pulumi up.`,
        });
        alarm("db-connections", {
            ...rds, metricName: "DatabaseConnections", statistic: "Maximum", comparisonOperator: "GreaterThanThreshold", threshold: connections,
            alarmDescription: `Database connections above ${connections} (${t.dbConnectionsPercent}% of ~${maxConnections} max_connections for ` +
                `${args.dbInstanceClass}). Check the apps' pool sizes x task counts; use a larger class or a connection pooler.`,
        });

        // ---- cache, per node --------------------------------------------------------------------
        // The ids are an Output, the node count a plain number: one alarm per index, the id read inside
        // the alarm's input (never creating resources inside apply).
        const ids = pulumi.output(args.cacheClusterIds);
        for (let i = 0; i < args.cacheNodeCount; i++) {
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

        // ---- health check -----------------------------------------------------------------------
        // Route 53 health checks are global; the provider's region does not matter for the check itself.
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
            healthActions = [alertTopic(`${name}-health-alerts`, args.alertEmail, { parent: this, provider: useast1 }).arn];
        }
        alarm("health", {
            alarmDescription: `${args.healthCheckUrl} fails from Route 53's checkers (3 failures in a row, 30 s apart). ` +
                `Users cannot reach the API. Follow ${runbook}.`,
            namespace: "AWS/Route53", metricName: "HealthCheckStatus", dimensions: { HealthCheckId: this.healthCheck.id },
            statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: 1, ...minutes(t.healthCheckMinutes),
            // Route 53 reports every minute; silence means its checkers cannot report, treat as down.
            treatMissingData: "breaching",
        }, healthOpts, healthActions);

        // ---- dashboard --------------------------------------------------------------------------
        this.dashboardName = pulumi.output(`${pulumi.getProject()}-${pulumi.getStack()}`);
        const dashboard = new aws.cloudwatch.Dashboard(`${name}-dashboard`, {
            dashboardName: this.dashboardName,
            dashboardBody: pulumi.jsonStringify(dashboardBody(args, t, freeBytes, connections, this.healthCheck.id, ids, Object.values(this.alarms))),
        }, { parent: this });
        this.dashboardUrl = pulumi.interpolate`https://${args.awsRegion}.console.aws.amazon.com/cloudwatch/home?region=${args.awsRegion}#dashboards:name=${dashboard.dashboardName}`;

        this.registerOutputs({
            alertTopicArn: this.alertTopicArn, healthCheckId: this.healthCheckId,
            dashboardName: this.dashboardName, dashboardUrl: this.dashboardUrl,
        });
    }
}

/**
 * An SNS topic encrypted with its own KMS key, and the email subscription. Not `alias/aws/sns`:
 * that AWS-managed key's policy does not let CloudWatch use it, so alarms could never publish.
 * Cost: $1/month for the key; the first 1,000 emails a month are free.
 */
function alertTopic(name: string, email: string, opts: pulumi.CustomResourceOptions): aws.sns.Topic {
    const caller = aws.getCallerIdentityOutput({}, opts);
    const partition = aws.getPartitionOutput({}, opts);
    const key = new aws.kms.Key(`${name}-key`, {
        description: "Encrypts the alert topic; CloudWatch alarms may use it to publish",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "AccountAdministers", Effect: "Allow", Action: "kms:*", Resource: "*",
                    Principal: { AWS: pulumi.interpolate`arn:${partition.partition}:iam::${caller.accountId}:root` },
                },
                {
                    Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Condition: { StringEquals: { "aws:SourceAccount": caller.accountId } },
                },
            ],
        }),
    }, opts);
    const topic = new aws.sns.Topic(name, { kmsMasterKeyId: key.arn }, opts);
    new aws.sns.TopicSubscription(`${name}-email`, { topic: topic.arn, protocol: "email", endpoint: email }, opts);
    return topic;
}

function parseHealthUrl(url: string): { host: string; port: number; path: string } {
    let u: URL;
    try { u = new URL(url); } catch { u = undefined as unknown as URL; }
    if (!u || u.protocol !== "https:") {
        throw new Error(`Monitoring args.healthCheckUrl must be an https URL, got ${JSON.stringify(url)}. Example: https://api.example.com/api/v1/health`);
    }
    return { host: u.hostname, port: u.port ? Number(u.port) : 443, path: `${u.pathname}${u.search}` };
}

/** The dashboard: the alarms' figures with their thresholds as annotations, and an alarm-status panel. */
function dashboardBody(args: MonitoringArgs, t: AlarmThresholds, freeBytes: number, connections: number,
    healthCheckId: pulumi.Output<string>, cacheIds: pulumi.Output<string[]>, alarms: aws.cloudwatch.MetricAlarm[]) {
    const region = args.awsRegion;
    const line = (label: string, value: number) => ({ annotations: { horizontal: [{ label, value }] } });
    const widget = (title: string, metrics: unknown[], extra: Record<string, unknown> = {}, r = region) => ({
        type: "metric", width: 12, height: 6,
        properties: { title, region: r, view: "timeSeries", period: 300, metrics, ...extra },
    });
    const alb = ["LoadBalancer", args.albArnSuffix];
    const tg = [...alb, "TargetGroup", args.targetGroupArnSuffix];
    const svc = (name: pulumi.Input<string>) => ["ClusterName", args.clusterName, "ServiceName", name];
    const cacheMetrics = (metric: string) => Array.from({ length: args.cacheNodeCount }, (_, i) =>
        ["AWS/ElastiCache", metric, "CacheClusterId", cacheIds.apply((l) => l[i]), { label: `node ${i + 1}` }]);
    return {
        widgets: [
            { type: "alarm", width: 24, height: 4, properties: { title: "Alarms", alarms: alarms.map((a) => a.arn) } },
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
            widget("Running tasks", [
                ["ECS/ContainerInsights", "RunningTaskCount", ...svc(args.apiServiceName), { label: "api", stat: "Maximum" }],
                ["ECS/ContainerInsights", "RunningTaskCount", ...svc(args.workerServiceName), { label: "worker", stat: "Maximum" }],
            ], { period: 60 }),
            widget("Service CPU %", [
                ["AWS/ECS", "CPUUtilization", ...svc(args.apiServiceName), { label: "api" }],
                ["AWS/ECS", "CPUUtilization", ...svc(args.workerServiceName), { label: "worker" }],
            ], line("alarm", t.ecsCpuPercent)),
            widget("Service memory %", [
                ["AWS/ECS", "MemoryUtilization", ...svc(args.apiServiceName), { label: "api" }],
                ["AWS/ECS", "MemoryUtilization", ...svc(args.workerServiceName), { label: "worker" }],
            ], line("alarm", t.ecsMemoryPercent)),
            widget("Database CPU %", [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", args.dbInstanceId]], line("alarm", t.dbCpuPercent)),
            widget("Database free storage (bytes)", [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", args.dbInstanceId, { stat: "Minimum" }]], line("alarm", freeBytes)),
            widget("Database connections", [["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", args.dbInstanceId, { stat: "Maximum" }]], line("alarm", connections)),
            widget("Cache memory %", cacheMetrics("DatabaseMemoryUsagePercentage"), line("alarm", t.cacheMemoryPercent)),
            widget("Cache engine CPU %", cacheMetrics("EngineCPUUtilization"), line("alarm", t.cacheCpuPercent)),
            widget("Health check (1 = healthy)", [["AWS/Route53", "HealthCheckStatus", "HealthCheckId", healthCheckId, { stat: "Minimum" }]],
                { period: 60 }, HEALTH_CHECK_METRICS_REGION),
        ],
    };
}
