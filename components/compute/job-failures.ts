/**
 * How a scheduled job's failed run becomes an alarm: ECS emits an "ECS Task State Change" event
 * for every task that stops; an EventBridge rule picks the failed stops of this cluster's jobs
 * (task group `job:<name>`; a non-zero exit code in any container, or `TaskFailedToStart`) and
 * writes them to a CloudWatch Logs group (a record of each failure: which task, which container,
 * which code), where a metric filter counts them as `Groundwork/Jobs` `FailedRuns` by
 * `ClusterArn` and `Group`. Monitoring alarms on that metric per job.
 *
 * Why not the rule's own `AWS/Events` metrics: they count matches per rule, not per job, and a
 * rule needs a target anyway; the log group is that target and keeps the evidence.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { eventsLogGroupName } from "../ops/events-log-delivery";

/** Namespace and name of the failed-run metric (dimensions `ClusterArn`, `Group`). */
export const FAILED_RUNS_METRIC = { namespace: "Groundwork/Jobs", name: "FailedRuns" } as const;

/**
 * Creates the rule, its log group (`/aws/events/<project>-<stack>-job-failures`) and the metric
 * filter, as children `${name}-failed…` of `parent`. EventBridge writes there through the stack's
 * events policy (ops/events-log-delivery.ts), `delivery`. Returns the log group's name.
 */
export function recordFailedRuns(parent: pulumi.Resource, name: string,
    o: { prefix: string; clusterArn: pulumi.Input<string>; retentionDays: number; delivery: pulumi.Resource }): pulumi.Output<string> {
    const opts = { parent };
    const failures = new aws.cloudwatch.LogGroup(`${name}-failures`, {
        // EventBridge delivers to log groups under /aws/events/; the stack's events policy covers this name.
        name: eventsLogGroupName("job-failures"),
        retentionInDays: o.retentionDays,
    }, opts);
    const rule = new aws.cloudwatch.EventRule(`${name}-failed`, {
        description: `${o.prefix}: a scheduled job's task stopped with a non-zero exit code, or never started`,
        eventPattern: pulumi.jsonStringify({
            source: ["aws.ecs"],
            "detail-type": ["ECS Task State Change"],
            detail: {
                clusterArn: [o.clusterArn],
                lastStatus: ["STOPPED"],
                group: [{ prefix: "job:" }],
                // Either branch: a container exited non-zero (the command, or the wrapper's 75/124),
                // or the task never ran (image pull, secret, capacity).
                $or: [
                    { containers: { exitCode: [{ "anything-but": 0 }] } },
                    { stopCode: ["TaskFailedToStart"] },
                ],
            },
        }),
    }, opts);
    new aws.cloudwatch.EventTarget(`${name}-failed`, { rule: rule.name, arn: failures.arn }, { parent, dependsOn: [o.delivery] });
    new aws.cloudwatch.LogMetricFilter(`${name}-failed-runs`, {
        logGroupName: failures.name,
        pattern: "{ $.detail.lastStatus = \"STOPPED\" }",
        metricTransformation: {
            namespace: FAILED_RUNS_METRIC.namespace,
            name: FAILED_RUNS_METRIC.name,
            value: "1",
            unit: "Count",
            dimensions: { ClusterArn: "$.detail.clusterArn", Group: "$.detail.group" },
        },
    }, opts);
    return failures.name;
}
