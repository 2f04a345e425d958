/**
 * The stack's alert channel: an SNS topic encrypted with its own KMS key, the topic's access
 * policy naming who may publish, the email subscription and any HTTPS ones. Used by `Monitoring` for the stack's
 * topic (alarms and the budget) and for the health alarm's us-east-1 topic.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * An SNS topic encrypted with its own KMS key, its access policy, and the email subscription.
 * Not `alias/aws/sns`: that AWS-managed key's policy does not let CloudWatch use it, so alarms
 * could never publish. The topic's policy (replacing SNS's default) keeps the account's own
 * access and names the services that publish: CloudWatch alarms, and AWS Budgets on the stack's
 * topic (`budgets`), each limited to this account.
 * Cost: $1/month for the key; the first 1,000 emails a month are free.
 */
export function alertTopic(name: string, email: string, opts: pulumi.CustomResourceOptions, publishers: { budgets: boolean },
    httpsEndpoints: pulumi.Input<string>[] = []): { topic: aws.sns.Topic; policy: aws.sns.TopicPolicy } {
    const caller = aws.getCallerIdentityOutput({}, opts);
    const partition = aws.getPartitionOutput({}, opts);
    const account = caller.accountId;
    const services = ["cloudwatch.amazonaws.com", ...(publishers.budgets ? ["budgets.amazonaws.com"] : [])];
    const key = new aws.kms.Key(`${name}-key`, {
        description: publishers.budgets
            ? "Encrypts the alert topic; CloudWatch alarms and AWS Budgets may use it to publish"
            : "Encrypts the alert topic; CloudWatch alarms may use it to publish",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "AccountAdministers", Effect: "Allow", Action: "kms:*", Resource: "*",
                    Principal: { AWS: pulumi.interpolate`arn:${partition.partition}:iam::${account}:root` },
                },
                {
                    Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Condition: { StringEquals: { "aws:SourceAccount": account } },
                },
                ...(publishers.budgets ? [{
                    Sid: "BudgetsPublish", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*",
                    Principal: { Service: "budgets.amazonaws.com" },
                    Condition: { StringEquals: { "aws:SourceAccount": account } },
                }] : []),
            ],
        }),
    }, opts);
    const topic = new aws.sns.Topic(name, { kmsMasterKeyId: key.arn }, opts);
    const policy = new aws.sns.TopicPolicy(`${name}-policy`, {
        arn: topic.arn,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                {
                    // What SNS's default policy grants: the account's own principals (as their IAM policies allow).
                    Sid: "AccountManages", Effect: "Allow",
                    Principal: { AWS: pulumi.interpolate`arn:${partition.partition}:iam::${account}:root` },
                    Action: ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission", "SNS:DeleteTopic",
                        "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
                    Resource: topic.arn,
                },
                ...services.map((service) => ({
                    Sid: service === "budgets.amazonaws.com" ? "BudgetsPublish" : "CloudWatchAlarmsPublish",
                    Effect: "Allow", Principal: { Service: service }, Action: "SNS:Publish", Resource: topic.arn,
                    Condition: {
                        StringEquals: { "aws:SourceAccount": account },
                        ArnLike: {
                            "aws:SourceArn": service === "budgets.amazonaws.com"
                                ? pulumi.interpolate`arn:${partition.partition}:budgets::${account}:*`
                                : pulumi.interpolate`arn:${partition.partition}:cloudwatch:*:${account}:alarm:*`,
                        },
                    },
                })),
            ],
        }),
    }, opts);
    new aws.sns.TopicSubscription(`${name}-email`, { topic: topic.arn, protocol: "email", endpoint: email }, opts);
    httpsEndpoints.forEach((endpoint, i) => {
        new aws.sns.TopicSubscription(`${name}-https-${i + 1}`, {
            topic: topic.arn,
            protocol: "https",
            // Secret (an integration URL carries its key); SNS keeps it, the state keeps it encrypted.
            endpoint: pulumi.secret(endpoint),
            // The endpoint must confirm by itself (PagerDuty's does, at once); the provider waits for
            // the confirmed subscription and fails the `up` otherwise, rather than leaving one that
            // delivers nothing and that SNS will not let Pulumi delete while it is pending.
            endpointAutoConfirms: true,
            confirmationTimeoutInMinutes: 5,
        }, opts);
    });
    return { topic, policy };
}
