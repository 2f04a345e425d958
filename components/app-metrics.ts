/**
 * The apps' own signals: the metric contract between the apps and the stack (README, "The apps'
 * own metrics"). The apps write CloudWatch embedded metric format (EMF) lines to stdout, the
 * awslogs driver ships them to the service's log group, and CloudWatch Logs turns each into
 * metric data points: no SDK call, no agent, no credential. The alarms (ops/app-alarms.ts), the
 * dashboard and the worker's queue scaling (compute/task.ts) read these names, so they are the
 * one place both sides agree on.
 */

/** The namespace every app metric is published in. */
export const APP_METRICS_NAMESPACE = "Groundwork/App";

/**
 * Dimension values the apps set: `Stack` is the stack name (`METRICS_STACK`, which the
 * program gives every container when the stack declares app metrics), `Service` the process that
 * writes the line (`api` or `worker`), `Queue` the BullMQ queue's name.
 */
export const APP_METRIC_DIMENSIONS = { stack: "Stack", service: "Service", queue: "Queue" } as const;

/** The variable that tells the apps their `Stack` dimension value. */
export const METRICS_STACK_VARIABLE = "METRICS_STACK";

/**
 * The metrics, by name. Queue gauges carry `Stack` + `Queue`; the counters `Stack` + `Service`.
 * A count is the number of events since the last line (a line per event with value 1 is fine:
 * CloudWatch sums them).
 */
export const APP_METRICS = {
    /** Gauge: jobs waiting in the queue (BullMQ `getWaitingCount()` + delayed ones due), every 60 s, 0 included. */
    queueWaiting: "QueueWaiting",
    /** Gauge: jobs being processed (`getActiveCount()`), every 60 s, 0 included. */
    queueActive: "QueueActive",
    /** Count: jobs that failed for good (no retry left) since the last line; dimensions `Stack` + `Queue`. */
    jobsFailed: "JobsFailed",
    /** Count: webhook deliveries refused because their signature did not verify (Stripe's `constructEvent` threw). */
    webhookSignatureFailures: "WebhookSignatureFailures",
    /** Count: webhook deliveries the app answered with a 5xx (it failed to process a verified event). */
    webhookFailures: "WebhookFailures",
    /** Count: calls to the Stripe API. */
    stripeRequests: "StripeApiRequests",
    /** Count: calls to the Stripe API that failed (a `StripeError` other than a card decline). */
    stripeErrors: "StripeApiErrors",
} as const;

/** A BullMQ queue name the contract accepts (a CloudWatch dimension value, kept simple). */
export const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
