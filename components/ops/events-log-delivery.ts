/**
 * The one CloudWatch Logs resource policy through which EventBridge writes this stack's event
 * records (`/aws/events/<project>-<stack>-*`: the scheduled jobs' failed runs, the database
 * relay's session starts). Log groups have no policy of their own, and an account holds at most
 * 10 resource policies per region (a quota AWS does not raise), shared by every stack and by
 * AWS services' log deliveries: one per stack, whatever it records, keeps staging, prod and their
 * neighbours well inside it.
 *
 * Cost: free.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The log groups the policy covers: `/aws/events/<project>-<stack>-<what>` (`*`: all of them). */
export function eventsLogGroupName(what: string): string {
    return `/aws/events/${pulumi.getProject()}-${pulumi.getStack()}-${what}`;
}

/**
 * The stack's policy (`<project>-<stack>-events`) letting EventBridge create streams and put
 * events in the stack's `/aws/events/<project>-<stack>-*` log groups, and nothing else. Event
 * targets writing there list `policy` in their `dependsOn`.
 */
export class EventsLogDelivery extends pulumi.ComponentResource {
    public readonly policy: aws.cloudwatch.LogResourcePolicy;

    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:ops:EventsLogDelivery", name, {}, opts);
        const parent = { parent: this };
        const region = aws.getRegionOutput({}, parent).region;
        const account = aws.getCallerIdentityOutput({}, parent).accountId;
        const partition = aws.getPartitionOutput({}, parent).partition;
        this.policy = new aws.cloudwatch.LogResourcePolicy(`${name}-policy`, {
            policyName: `${pulumi.getProject()}-${pulumi.getStack()}-events`,
            policyDocument: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Sid: "EventBridgeWritesThisStacksEventRecords", Effect: "Allow",
                    Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: pulumi.interpolate`arn:${partition}:logs:${region}:${account}:log-group:${eventsLogGroupName("*")}:*`,
                }],
            }),
        }, parent);
        this.registerOutputs({});
    }
}
