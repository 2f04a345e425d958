/**
 * The numbers the stack's alarms compare against: one row of thresholds per profile, and the
 * database classes' estimated `max_connections`. Kept apart from the Monitoring component so a
 * threshold change is a one-line diff here, and the runbooks can point at one table.
 */
import type { Profile } from "../config/defaults";

/** Where Route 53 publishes health-check metrics, whatever the stack's region. */
export const HEALTH_CHECK_METRICS_REGION = "us-east-1";

/**
 * RDS storage autoscaling starts growing the volume when free space has been at or below this
 * percentage of the *current* allocation for five minutes (and six hours have passed since the
 * last storage change). The free-storage alarm must sit below it, or it pages for what
 * autoscaling is about to fix.
 */
export const RDS_AUTOSCALING_FREE_PERCENT = 10;

/** One profile's alarm thresholds. Periods are 5 minutes unless the name says minutes. */
export interface AlarmThresholds {
    /**
     * ALB 5xx responses (targets' + the ALB's own) as % of requests over 5 minutes.
     * @example 1
     */
    alb5xxPercent: number;
    /**
     * Below this many requests in 5 minutes the 5xx rate counts as 0 (a single failure on a quiet
     * stack is no outage).
     * @example 50
     */
    alb5xxMinRequests: number;
    /** 5-minute periods the 5xx rate must breach. @example 1 */
    alb5xxPeriods: number;
    /** p95 of TargetResponseTime, seconds. @example 1 */
    p95LatencySeconds: number;
    /** 5-minute periods the p95 must breach. @example 2 */
    p95Periods: number;
    /** Minutes with an unhealthy target before the alarm. @example 2 */
    unhealthyMinutes: number;
    /**
     * Minutes the running task count stays below the service's desired count (DesiredTaskCount,
     * which autoscaling moves) before the alarm. Long enough for a replaced task to start.
     * @example 3
     */
    runningTasksMinutes: number;
    /** Service CPU, % of the task size. @example 80 */
    ecsCpuPercent: number;
    /** Service memory, % of the task size. @example 85 */
    ecsMemoryPercent: number;
    /** RDS instance CPU %. @example 80 */
    dbCpuPercent: number;
    /**
     * Alarm when free storage falls below this % of the *initial* allocated storage
     * (`dbAllocatedStorage`), a fixed number of bytes. Below {@link RDS_AUTOSCALING_FREE_PERCENT}:
     * autoscaling acts at 10% of the current size, the disk only grows, so a threshold under 10% of
     * the initial size stays under the autoscaler at every size the disk reaches. The alarm then
     * means "autoscaling did not act": at dbMaxAllocatedStorage, in its six-hour cooldown, or failing.
     * After growth the fixed bytes are a smaller share of the disk (later warning): re-base by
     * setting dbAllocatedStorage to the current size (docs/runbooks/database-and-cache-changes.md).
     * @example 8
     */
    dbFreeStoragePercent: number;
    /** Alarm above this % of the class's estimated max_connections. @example 80 */
    dbConnectionsPercent: number;
    /**
     * DatabaseMemoryUsagePercentage: the cache runs `noeviction` for BullMQ, so a full cache
     * rejects writes.
     * @example 75
     */
    cacheMemoryPercent: number;
    /** EngineCPUUtilization % of a cache node (the single-threaded engine, not the host). @example 70 */
    cacheCpuPercent: number;
    /** 5-minute periods a resource-usage alarm (ECS, RDS, cache) must breach. @example 3 */
    usagePeriods: number;
    /** Minutes the Route 53 health check must report unhealthy. @example 2 */
    healthCheckMinutes: number;
    // ---- the apps' own metrics (README, "The apps' own metrics") ----------------------------
    /** Jobs waiting in one queue (`QueueWaiting`, 002's "BullMQ queue depth > 100"). @example 100 */
    queueWaiting: number;
    /** Minutes a queue's waiting count must stay above `queueWaiting`. @example 5 */
    queueWaitingMinutes: number;
    /** Jobs of one queue that failed for good (`JobsFailed`) in 5 minutes; 0 = any. @example 0 */
    queueFailedJobs: number;
    /** Webhook deliveries refused for a bad signature (`WebhookSignatureFailures`) in 5 minutes; 0 = any. @example 0 */
    webhookSignatureFailures: number;
    /** Webhook deliveries the app answered with a 5xx (`WebhookFailures`) in 5 minutes (001: 3 or more). @example 2 */
    webhookFailures: number;
    /** Stripe API calls that failed, % of calls in 5 minutes (001: "> 10% of requests"). @example 10 */
    stripeErrorPercent: number;
    /** Below this many Stripe calls in 5 minutes the error rate counts as 0. @example 20 */
    stripeMinRequests: number;
}

/**
 * Thresholds by profile. prod pages early (1% errors, 1 s p95, 15 minutes of sustained load);
 * staging only on what would also hurt a tester (5% errors, 3 s p95, 30 minutes of load). A stack
 * file overrides any of them with `groundwork:alarmThresholds` (`["queueWaiting=250"]`).
 */
export const ALARM_THRESHOLDS: Readonly<Record<Profile, AlarmThresholds>> = Object.freeze({
    prod: {
        alb5xxPercent: 1, alb5xxMinRequests: 50, alb5xxPeriods: 1, p95LatencySeconds: 1, p95Periods: 2,
        unhealthyMinutes: 2, runningTasksMinutes: 3, ecsCpuPercent: 80, ecsMemoryPercent: 85,
        dbCpuPercent: 80, dbFreeStoragePercent: 8, dbConnectionsPercent: 80, cacheMemoryPercent: 75, cacheCpuPercent: 70,
        usagePeriods: 3, healthCheckMinutes: 2,
        queueWaiting: 100, queueWaitingMinutes: 5, queueFailedJobs: 0, webhookSignatureFailures: 0, webhookFailures: 2,
        stripeErrorPercent: 10, stripeMinRequests: 20,
    },
    staging: {
        alb5xxPercent: 5, alb5xxMinRequests: 20, alb5xxPeriods: 2, p95LatencySeconds: 3, p95Periods: 3,
        unhealthyMinutes: 5, runningTasksMinutes: 10, ecsCpuPercent: 90, ecsMemoryPercent: 90,
        dbCpuPercent: 90, dbFreeStoragePercent: 5, dbConnectionsPercent: 90, cacheMemoryPercent: 85, cacheCpuPercent: 85,
        usagePeriods: 6, healthCheckMinutes: 5,
        queueWaiting: 100, queueWaitingMinutes: 15, queueFailedJobs: 10, webhookSignatureFailures: 5, webhookFailures: 10,
        stripeErrorPercent: 25, stripeMinRequests: 20,
    },
});

/**
 * The range each threshold may be set to with `groundwork:alarmThresholds` (`name=value`), and
 * whether it must be whole. Periods and minutes are what CloudWatch evaluates (1 to 24 hours of
 * datapoints); percents are percents.
 */
export const THRESHOLD_LIMITS: Readonly<Record<keyof AlarmThresholds, { min: number; max: number; whole: boolean }>> = Object.freeze({
    alb5xxPercent: { min: 0.01, max: 100, whole: false },
    alb5xxMinRequests: { min: 0, max: 1_000_000, whole: true },
    alb5xxPeriods: { min: 1, max: 288, whole: true },
    p95LatencySeconds: { min: 0.01, max: 60, whole: false },
    p95Periods: { min: 1, max: 288, whole: true },
    unhealthyMinutes: { min: 1, max: 1440, whole: true },
    runningTasksMinutes: { min: 1, max: 1440, whole: true },
    ecsCpuPercent: { min: 1, max: 100, whole: false },
    ecsMemoryPercent: { min: 1, max: 100, whole: false },
    dbCpuPercent: { min: 1, max: 100, whole: false },
    // Below where storage autoscaling acts (Monitoring refuses 10 and above).
    dbFreeStoragePercent: { min: 0.1, max: 9.9, whole: false },
    dbConnectionsPercent: { min: 1, max: 100, whole: false },
    cacheMemoryPercent: { min: 1, max: 100, whole: false },
    cacheCpuPercent: { min: 1, max: 100, whole: false },
    usagePeriods: { min: 1, max: 288, whole: true },
    healthCheckMinutes: { min: 1, max: 1440, whole: true },
    queueWaiting: { min: 0, max: 10_000_000, whole: true },
    queueWaitingMinutes: { min: 1, max: 1440, whole: true },
    queueFailedJobs: { min: 0, max: 1_000_000, whole: true },
    webhookSignatureFailures: { min: 0, max: 1_000_000, whole: true },
    webhookFailures: { min: 0, max: 1_000_000, whole: true },
    stripeErrorPercent: { min: 0.01, max: 100, whole: false },
    stripeMinRequests: { min: 0, max: 1_000_000, whole: true },
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
