/**
 * Where the cluster's ECS Exec sessions are recorded: a CloudWatch log group encrypted with a
 * KMS key of its own, the same key encrypting the session channel between the operator's
 * Session Manager plugin and the task. The cluster's `executeCommandConfiguration` points at
 * both (`Cluster` arg `execAudit`), so every `aws ecs execute-command` session's commands and
 * output land there; the operators' port-forwarding sessions are recorded by CloudTrail
 * (`StartSession`: who, when, which task, which host and port), not by content (runbook:
 * docs/runbooks/database-access.md). Only built with `groundwork:dbAccess`.
 *
 * Cost: $1/month for the key; the sessions' log lines at $0.50/GB.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface SessionAuditArgs {
    /**
     * Days CloudWatch keeps the session records. Audit trails are usually kept longer than app
     * logs; at least the stack's log retention.
     * @default none (config: groundwork:logRetentionDays, at least 90)
     * @example 365
     */
    retentionDays: number;
    /**
     * Keep the key and the log group when the stack is destroyed (prod: the audit trail outlives it).
     * @default false
     * @example true
     */
    protect?: boolean;
}

export class SessionAudit extends pulumi.ComponentResource {
    public readonly key: aws.kms.Key;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    /** The key's ARN: the cluster's exec sessions and the log group are encrypted with it. */
    public readonly kmsKeyArn: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    public readonly logGroupArn: pulumi.Output<string>;

    constructor(name: string, args: SessionAuditArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:ops:SessionAudit", name, {}, opts);
        if (!Number.isInteger(args.retentionDays) || args.retentionDays < 1) {
            throw new Error(`SessionAudit "${name}": retentionDays must be a CloudWatch retention in days, got ${args.retentionDays}. Example: 365`);
        }
        const keep: pulumi.CustomResourceOptions = args.protect ? { protect: true, retainOnDelete: true } : {};
        const parent = { parent: this };
        const region = aws.getRegionOutput({}, parent).region;
        const account = aws.getCallerIdentityOutput({}, parent).accountId;
        const partition = aws.getPartitionOutput({}, parent).partition;
        const logGroupName = `/${pulumi.getProject()}/${pulumi.getStack()}/sessions`;

        this.key = new aws.kms.Key(`${name}-key`, {
            description: "Encrypts the ECS Exec sessions of the stack's cluster and their log group",
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        // The account's default: IAM decides who else (the relay's task role may decrypt, the operators may generate data keys).
                        Sid: "AccountAdministersAndDelegatesToIam", Effect: "Allow", Action: "kms:*", Resource: "*",
                        Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${account}:root` },
                    },
                    {
                        // CloudWatch Logs encrypts the session log group with it, for that group alone.
                        Sid: "LogsEncryptTheSessionLogGroup", Effect: "Allow",
                        Principal: { Service: pulumi.interpolate`logs.${region}.amazonaws.com` },
                        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], Resource: "*",
                        Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${partition}:logs:${region}:${account}:log-group:${logGroupName}` } },
                    },
                ],
            }),
        }, { parent: this, ...keep });
        this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
            name: logGroupName,
            retentionInDays: args.retentionDays,
            kmsKeyId: this.key.arn,
        }, { parent: this, ...keep });
        this.kmsKeyArn = this.key.arn;
        this.logGroupName = this.logGroup.name;
        this.logGroupArn = this.logGroup.arn;
        this.registerOutputs({ kmsKeyArn: this.kmsKeyArn, logGroupName: this.logGroupName });
    }
}
