/**
 * What every CI role may read: the configuration of everything the main program creates, which
 * is what `pulumi preview` (and the refresh before an update) asks AWS for. No data: no
 * secretsmanager:GetSecretValue, no S3 object or listing, no log events, no image layers, no
 * SecureString parameters, no KMS decryption.
 */
import { PolicyDocument, policyDocument } from "./policy-document";

/** Read-only actions, by service. Kept to configuration reads; each is a Describe, Get, List or View. */
export const READ_ACTIONS: string[] = [
    "ec2:Describe*", "ec2:GetManagedPrefixListEntries",
    "ecs:Describe*", "ecs:List*",
    "ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy", "ecr:ListTagsForResource",
    "elasticloadbalancing:Describe*",
    "acm:DescribeCertificate", "acm:GetCertificate", "acm:ListCertificates", "acm:ListTagsForCertificate",
    "rds:Describe*", "rds:ListTagsForResource",
    "elasticache:Describe*", "elasticache:ListTagsForResource",
    // Bucket configuration only: object actions are s3:GetObject*, never matched by these.
    "s3:ListAllMyBuckets", "s3:GetBucket*", "s3:GetAccelerateConfiguration", "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:GetIntelligentTieringConfiguration",
    "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecrets", "secretsmanager:ListSecretVersionIds",
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListKeys", "kms:ListResourceTags",
    "logs:DescribeLogGroups", "logs:DescribeMetricFilters", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
    "cloudwatch:DescribeAlarms", "cloudwatch:GetDashboard", "cloudwatch:ListDashboards", "cloudwatch:ListTagsForResource",
    "sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource", "sns:ListTopics",
    "route53:GetHealthCheck", "route53:ListHealthChecks", "route53:ListTagsForResource",
    "iam:Get*", "iam:List*",
    "application-autoscaling:Describe*", "application-autoscaling:ListTagsForResource",
    "events:Describe*", "events:List*",
    "scheduler:GetSchedule", "scheduler:GetScheduleGroup", "scheduler:ListScheduleGroups", "scheduler:ListSchedules", "scheduler:ListTagsForResource",
    "budgets:ViewBudget", "budgets:ListTagsForResource",
    "ssm:DescribeParameters",
    "tag:GetResources",
];

/** The shared read-only policy every CI role carries. */
export function ciReadDocument(partition: string): PolicyDocument {
    return policyDocument([
        { Sid: "ReadConfiguration", Effect: "Allow", Action: READ_ACTIONS, Resource: "*" },
        {
            // AWS's public parameters (AMI and image ids): never the account's own SecureStrings.
            Sid: "ReadPublicParameters",
            Effect: "Allow",
            Action: ["ssm:GetParameter", "ssm:GetParameters"],
            Resource: `arn:${partition}:ssm:*::parameter/aws/service/*`,
        },
    ]);
}
