/**
 * Alarms on the apps' own signals (the EMF contract in components/app-metrics.ts) and on the
 * scheduled jobs, as specs the Monitoring component turns into alarms on the stack's topic. Pure
 * data: which alarms exist follows from the parts present, their thresholds from the profile's
 * row (overridden by `groundwork:alarmThresholds`).
 *
 * The app metrics exist only once an app writes them: until then (and for a quiet queue that
 * still publishes its zero gauges) the alarms read "no data" as fine (`notBreaching`). A
 * publisher that stops writing therefore silences its queue's alarm; the dashboard shows the gap.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { APP_METRICS, APP_METRICS_NAMESPACE } from "../app-metrics";
import type { AlarmThresholds } from "./monitoring-thresholds";

/** An alarm's arguments without its actions (Monitoring adds the topic). */
export type AlarmSpec = Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions">;

/** Which of the apps' signals this stack has. */
export interface AppSignals {
    /** The `Stack` dimension value (the stack's name, METRICS_STACK). */
    stack: string;
    /** The processes that write the per-service counters. */
    services: ("api" | "worker")[];
    /** The api serves the Stripe webhook: signature failures and failed deliveries. */
    webhooks: boolean;
    /** The apps call Stripe: its error rate. */
    stripe: boolean;
    /** BullMQ queues with their gauges and failed-job counts. */
    queues: string[];
}

/** The scheduled jobs Monitoring watches. */
export interface JobSignals {
    /** The failed-run metric's `ClusterArn` dimension. */
    clusterArn: pulumi.Input<string>;
    /** Job names; each job's runs are in ECS task group `job:<name>`. */
    names: string[];
    /** The jobs' schedule group (`AWS/Scheduler` `ScheduleGroup`). */
    scheduleGroupName: pulumi.Input<string>;
    /** The `Stack` dimension of the skipped-run metric. */
    stack: string;
    /** Jobs that skip a run while another is still going. */
    noOverlap: string[];
}

const fiveMinutes = { period: 300, evaluationPeriods: 1, datapointsToAlarm: 1 };

/** Alarms on the app metrics, by role (`queue-<name>-waiting`, `webhook-signature`, `stripe-errors`…). */
export function appAlarmSpecs(a: AppSignals, t: AlarmThresholds): [string, AlarmSpec][] {
    const specs: [string, AlarmSpec][] = [];
    const app = (metricName: string, dimensions: Record<string, pulumi.Input<string>>) => ({ namespace: APP_METRICS_NAMESPACE, metricName, dimensions });
    for (const queue of a.queues) {
        const dims = { Stack: a.stack, Queue: queue };
        specs.push([`queue-${queue}-waiting`, {
            alarmDescription: `More than ${t.queueWaiting} jobs waiting in the ${queue} queue for ${t.queueWaitingMinutes} minutes. Check the worker's ` +
                `running tasks and logs (crashing, stuck on a slow call), Redis (the cache alarms), and the worker's scaling (workerMaxTasks). ` +
                `See docs/runbooks/alerts.md.`,
            ...app(APP_METRICS.queueWaiting, dims), statistic: "Maximum",
            comparisonOperator: "GreaterThanThreshold", threshold: t.queueWaiting,
            period: 60, evaluationPeriods: t.queueWaitingMinutes, datapointsToAlarm: t.queueWaitingMinutes,
            treatMissingData: "notBreaching",
        }]);
        specs.push([`queue-${queue}-failed`, {
            alarmDescription: `${t.queueFailedJobs === 0 ? "A job" : `More than ${t.queueFailedJobs} jobs`} of the ${queue} queue failed for good ` +
                `(no retry left) in 5 minutes. Read the worker's logs for the error; retry from the queue once fixed. See docs/runbooks/alerts.md.`,
            ...app(APP_METRICS.jobsFailed, dims), statistic: "Sum",
            comparisonOperator: "GreaterThanThreshold", threshold: t.queueFailedJobs, ...fiveMinutes,
            treatMissingData: "notBreaching",
        }]);
    }
    if (a.webhooks) {
        const dims = { Stack: a.stack, Service: "api" };
        specs.push(["webhook-signature", {
            alarmDescription: `${t.webhookSignatureFailures === 0 ? "A webhook delivery" : `More than ${t.webhookSignatureFailures} webhook deliveries`} ` +
                `failed signature verification in 5 minutes: STRIPE_WEBHOOK_SECRET does not match the endpoint (after a replacement or rotation), ` +
                `or someone is posting forged events. See docs/runbooks/alerts.md.`,
            ...app(APP_METRICS.webhookSignatureFailures, dims), statistic: "Sum",
            comparisonOperator: "GreaterThanThreshold", threshold: t.webhookSignatureFailures, ...fiveMinutes,
            treatMissingData: "notBreaching",
        }]);
        specs.push(["webhook-failures", {
            alarmDescription: `More than ${t.webhookFailures} webhook deliveries answered with a 5xx in 5 minutes: Stripe retries them, and ` +
                `disables the endpoint after days of failures. Read the api's logs for the handler's error. See docs/runbooks/alerts.md.`,
            ...app(APP_METRICS.webhookFailures, dims), statistic: "Sum",
            comparisonOperator: "GreaterThanThreshold", threshold: t.webhookFailures, ...fiveMinutes,
            treatMissingData: "notBreaching",
        }]);
    }
    if (a.stripe && a.services.length > 0) {
        const query = (id: string, metricName: string, service: string) => ({
            id, returnData: false,
            metric: { ...app(metricName, { Stack: a.stack, Service: service }), period: 300, stat: "Sum" },
        });
        const sum = (prefix: string) => a.services.map((s) => `FILL(${prefix}_${s}, 0)`).join(" + ");
        specs.push(["stripe-errors", {
            alarmDescription: `Stripe API errors above ${t.stripeErrorPercent}% of calls in 5 minutes (ignored under ${t.stripeMinRequests} calls). ` +
                `Check https://status.stripe.com, the apps' logs for the error type, and whether STRIPE_SECRET_KEY was rotated. See docs/runbooks/alerts.md.`,
            comparisonOperator: "GreaterThanThreshold", threshold: t.stripeErrorPercent, evaluationPeriods: 1, datapointsToAlarm: 1,
            treatMissingData: "notBreaching",
            metricQueries: [
                ...a.services.flatMap((s) => [query(`req_${s}`, APP_METRICS.stripeRequests, s), query(`err_${s}`, APP_METRICS.stripeErrors, s)]),
                {
                    id: "rate", label: "Stripe errors % of calls", returnData: true,
                    expression: `IF((${sum("req")}) >= ${t.stripeMinRequests}, 100 * (${sum("err")}) / (${sum("req")}), 0)`,
                },
            ],
        }]);
    }
    return specs;
}

/** Alarms on the scheduled jobs: each job's failed runs, and runs the Scheduler could not start. */
export function jobAlarmSpecs(j: JobSignals): [string, AlarmSpec][] {
    const specs: [string, AlarmSpec][] = j.names.map((job) => [`job-${job}-failed`, {
        alarmDescription: `A run of the ${job} job failed: its task stopped with a non-zero exit code (124: it ran past timeoutMinutes; ` +
            `75: the overlap check could not run) or never started. The failure record is in the /aws/events/…-job-failures log group; ` +
            `the run's output in the jobs' log group (stream ${job}/app/<task id>). See docs/runbooks/scheduled-jobs.md.`,
        namespace: "Groundwork/Jobs", metricName: "FailedRuns", dimensions: { ClusterArn: j.clusterArn, Group: `job:${job}` },
        statistic: "Sum", comparisonOperator: "GreaterThanThreshold", threshold: 0, ...fiveMinutes,
        // Runs are rare: no failure reported is no failure.
        treatMissingData: "notBreaching",
    }]);
    specs.push(["jobs-not-started", {
        alarmDescription: "EventBridge Scheduler gave up starting a scheduled job (RunTask kept failing for an hour: permissions, " +
            "a deleted task definition, capacity). See docs/runbooks/scheduled-jobs.md.",
        namespace: "AWS/Scheduler", metricName: "InvocationDroppedCount", dimensions: { ScheduleGroup: j.scheduleGroupName },
        statistic: "Sum", comparisonOperator: "GreaterThanThreshold", threshold: 0, ...fiveMinutes,
        treatMissingData: "notBreaching",
    }]);
    return specs;
}

