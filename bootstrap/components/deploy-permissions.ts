/**
 * What a deploy role may change: the services the main program uses, in the deploy regions, and
 * where AWS can tell one stack's resources from another's (tags, name prefixes, IAM paths), only
 * its own stack's.
 *
 * The rule per service:
 * - create and modify: the service's actions the program needs, in the deploy regions. Not
 *   tag-conditioned: many of them also act on resources that carry no tags (default option and
 *   security groups, AWS-managed keys, the alarms target tracking creates), where a tag
 *   condition would fail the deploy.
 * - delete: only resources tagged `app=<app>` and `stack=<stack>` (the provider's defaultTags).
 * - tags: a role may set this stack's tags on a new or untagged resource, or on its own; it may
 *   never re-tag another stack's resource as its own, nor remove `app`/`stack` from one.
 * - Secrets Manager, SSM parameters and IAM roles: by name prefix or path (`<app>-<stack>/`,
 *   `/<app>/<stack>/`), which AWS enforces for every action.
 * - KMS: every operation on a key only when the key is tagged for the stack.
 *
 * Each group is its own managed policy (6,144 characters at most each).
 */
import {
    ConditionBlock, PolicyDocument, StackScope, Statement, arn, conditions, iamArn, inRegions, ownRequestTags, ownResource,
    policyDocument, stackRolePath,
} from "./policy-document";

/** A service's rules: what it may create/modify anywhere in the regions, and delete only when its own. */
export interface ServiceRules {
    /** Create and modify actions (unconditioned on tags, region-scoped). */
    manage: string[];
    /** Modifications allowed only on resources tagged for the stack (a family of stacks' roles). */
    modifyOwn?: string[];
    /** Deletions, allowed only on resources tagged for the stack. */
    deleteOwn?: string[];
    /** Actions that add tags and that remove them (guarded, see tagGuard). */
    tags?: { add: string[]; remove: string[] };
}

/** Services whose resources the program creates, grouped as the managed policies are. */
export const SERVICES: Record<"network" | "compute" | "data" | "ops", Record<string, ServiceRules>> = {
    network: {
        ec2: {
            manage: [
                "ec2:CreateVpc", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet", "ec2:ModifySubnetAttribute",
                "ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
                "ec2:AllocateAddress", "ec2:AssociateAddress", "ec2:DisassociateAddress", "ec2:CreateNatGateway",
                "ec2:CreateRouteTable", "ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:AssociateRouteTable",
                "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation",
                "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:ModifySecurityGroupRules",
                "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
                "ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint", "ec2:CreateFlowLogs",
                "ec2:CreateManagedPrefixList", "ec2:ModifyManagedPrefixList",
                // NAT instances: a static interface, a launch template and the group's launches.
                "ec2:CreateNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute", "ec2:CreateLaunchTemplate*",
                "ec2:ModifyLaunchTemplate", "ec2:RunInstances",
            ],
            deleteOwn: [
                "ec2:DeleteVpc", "ec2:DeleteSubnet", "ec2:DeleteInternetGateway", "ec2:ReleaseAddress", "ec2:DeleteNatGateway",
                "ec2:DeleteRouteTable", "ec2:DeleteRoute", "ec2:DeleteSecurityGroup", "ec2:DeleteVpcEndpoints",
                "ec2:DeleteFlowLogs", "ec2:DeleteManagedPrefixList", "ec2:DeleteNetworkInterface", "ec2:DeleteLaunchTemplate*",
                "ec2:TerminateInstances",
            ],
            tags: { add: ["ec2:CreateTags"], remove: ["ec2:DeleteTags"] },
        },
        autoscaling: {
            manage: ["autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup", "autoscaling:*InstanceRefresh"],
            deleteOwn: ["autoscaling:DeleteAutoScalingGroup"],
            tags: { add: ["autoscaling:CreateOrUpdateTags"], remove: ["autoscaling:DeleteTags"] },
        },
    },
    compute: {
        ecs: {
            // RunTask/StopTask: one-off tasks (migrations, jobs) from the stack's task definitions.
            manage: [
                "ecs:CreateCluster", "ecs:UpdateCluster", "ecs:UpdateClusterSettings", "ecs:PutClusterCapacityProviders",
                "ecs:CreateService", "ecs:UpdateService", "ecs:RunTask", "ecs:StopTask",
                // Task definitions have no resource-level delete permissions worth conditioning: a
                // replaced revision is deregistered on every image change.
                "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DeleteTaskDefinitions",
            ],
            deleteOwn: ["ecs:DeleteService", "ecs:DeleteCluster"],
            tags: { add: ["ecs:TagResource"], remove: ["ecs:UntagResource"] },
        },
        ecr: {
            manage: [
                "ecr:CreateRepository", "ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy", "ecr:PutImageScanningConfiguration",
                "ecr:PutImageTagMutability", "ecr:SetRepositoryPolicy", "ecr:DeleteRepositoryPolicy",
            ],
            deleteOwn: ["ecr:DeleteRepository"],
            tags: { add: ["ecr:TagResource"], remove: ["ecr:UntagResource"] },
        },
        elasticloadbalancing: {
            manage: [
                "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:CreateRule", "elasticloadbalancing:Modify*", "elasticloadbalancing:Set*",
                "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
            ],
            deleteOwn: [
                "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:DeleteListener", "elasticloadbalancing:DeleteRule",
            ],
            tags: { add: ["elasticloadbalancing:AddTags"], remove: ["elasticloadbalancing:RemoveTags"] },
        },
        acm: {
            manage: ["acm:RequestCertificate", "acm:UpdateCertificateOptions"],
            deleteOwn: ["acm:DeleteCertificate"],
            tags: { add: ["acm:AddTagsToCertificate"], remove: ["acm:RemoveTagsFromCertificate"] },
        },
        // Scalable targets and policies: the target's resource id names the stack's own service.
        "application-autoscaling": { manage: ["application-autoscaling:*"] },
        events: {
            manage: ["events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:EnableRule", "events:DisableRule"],
            deleteOwn: ["events:DeleteRule"],
            tags: { add: ["events:TagResource"], remove: ["events:UntagResource"] },
        },
        // Schedules cannot carry tags, so nothing here could be tag-conditioned.
        scheduler: { manage: ["scheduler:*"] },
    },
    data: {
        rds: {
            // No ModifyDBSnapshotAttribute: a snapshot is never shared out of the account.
            manage: [
                "rds:CreateDBInstance*", "rds:CreateDBSubnetGroup", "rds:CreateDBParameterGroup",
                "rds:CreateDBSnapshot", "rds:ModifyDBInstance", "rds:ModifyDBSubnetGroup", "rds:ModifyDBParameterGroup",
                "rds:ResetDBParameterGroup", "rds:RebootDBInstance", "rds:StartDBInstance", "rds:StopDBInstance",
                "rds:RestoreDBInstanceToPointInTime", "rds:RestoreDBInstanceFromDBSnapshot",
                // prod's copy of its automated backups in the second region (groundwork:backupRegion).
                "rds:*DBInstanceAutomatedBackupsReplication",
            ],
            deleteOwn: ["rds:DeleteDBInstance", "rds:DeleteDBSubnetGroup", "rds:DeleteDBParameterGroup", "rds:DeleteDBSnapshot"],
            tags: { add: ["rds:AddTagsToResource"], remove: ["rds:RemoveTagsFromResource"] },
        },
        elasticache: {
            // No CopySnapshot or ExportSnapshot: a snapshot never leaves the service.
            manage: [
                "elasticache:CreateReplicationGroup", "elasticache:CreateCacheCluster", "elasticache:CreateCacheSubnetGroup",
                "elasticache:CreateCacheParameterGroup", "elasticache:CreateSnapshot", "elasticache:ModifyReplicationGroup",
                "elasticache:ModifyCacheCluster", "elasticache:ModifyCacheSubnetGroup", "elasticache:ModifyCacheParameterGroup",
                "elasticache:ResetCacheParameterGroup", "elasticache:IncreaseReplicaCount", "elasticache:DecreaseReplicaCount",
            ],
            deleteOwn: ["elasticache:Delete*"],
            tags: { add: ["elasticache:AddTagsToResource"], remove: ["elasticache:RemoveTagsFromResource"] },
        },
        // CreateKey is not tag-conditioned (a new key is useless to the role until it carries the
        // stack's tags, which the tag guard allows only on a new or own key).
        kms: {
            manage: ["kms:CreateKey"],
            tags: { add: ["kms:TagResource"], remove: ["kms:UntagResource"] },
        },
        s3: {
            // Bucket configuration only: no object actions (the data), no inventory, no ACLs
            // (ownership is enforced). HeadBucket needs ListBucket. Replication is allowed for
            // prod's copy in the second region; the boundary keeps its writes inside the account.
            manage: [
                "s3:CreateBucket", "s3:ListBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketPublicAccessBlock",
                "s3:PutBucketOwnershipControls", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration", "s3:PutBucketCORS", "s3:PutBucketLogging", "s3:PutBucketTagging",
                "s3:PutReplicationConfiguration",
                // The program's buckets are autonamed without the stack in the name, so S3 (which
                // has no tag conditions on buckets) cannot scope this: see README, residual risk.
                "s3:DeleteBucket",
            ],
        },
    },
    ops: {
        logs: {
            // No subscription filters or destinations: logs are never streamed elsewhere. The resource
            // policy lets EventBridge write the scheduled jobs' failures into their log group; such
            // policies are account-wide and untagged, so this cannot be scoped to the stack's.
            manage: [
                "logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey",
                "logs:DisassociateKmsKey", "logs:PutMetricFilter", "logs:DeleteMetricFilter",
                "logs:PutResourcePolicy", "logs:DeleteResourcePolicy",
            ],
            deleteOwn: ["logs:DeleteLogGroup"],
            tags: { add: ["logs:TagResource", "logs:TagLogGroup"], remove: ["logs:UntagResource", "logs:UntagLogGroup"] },
        },
        cloudwatch: {
            manage: [
                "cloudwatch:PutMetricAlarm", "cloudwatch:PutCompositeAlarm", "cloudwatch:EnableAlarmActions",
                "cloudwatch:DisableAlarmActions", "cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards",
            ],
            deleteOwn: ["cloudwatch:DeleteAlarms"],
            tags: { add: ["cloudwatch:TagResource"], remove: ["cloudwatch:UntagResource"] },
        },
        sns: {
            manage: [
                "sns:CreateTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes",
                "sns:PutDataProtectionPolicy",
            ],
            deleteOwn: ["sns:DeleteTopic"],
            tags: { add: ["sns:TagResource"], remove: ["sns:UntagResource"] },
        },
    },
};

/** The stack's tag keys, which no deploy role may remove from a resource. */
const STACK_TAG_KEYS = ["app", "stack"];

/** Services whose API is global (IAM, Route 53, Budgets): aws:RequestedRegion is us-east-1 for them, so no region condition. */
function globalStatements(s: StackScope): Statement[] {
    return [
        {
            // Route 53 is used for health checks only (DNS is Cloudflare's); no hosted zones.
            Sid: "Route53HealthChecks",
            Effect: "Allow",
            Action: ["route53:CreateHealthCheck", "route53:UpdateHealthCheck", "route53:DeleteHealthCheck", "route53:ChangeTagsForResource"],
            Resource: "*",
        },
        {
            Sid: "Budgets",
            Effect: "Allow",
            Action: ["budgets:ModifyBudget", "budgets:TagResource", "budgets:UntagResource"],
            Resource: `arn:${s.partition}:budgets::${s.account}:budget/*`,
        },
    ];
}

function sidOf(service: string, what: string): string {
    return service.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()) + what;
}

/** One group's statements: manage and delete-own per service, then the tag guard over all of them. */
export function groupStatements(s: StackScope, group: Record<string, ServiceRules>): Statement[] {
    const regional = inRegions(s.regions);
    const out: Statement[] = [];
    for (const [service, rules] of Object.entries(group)) {
        out.push({ Sid: sidOf(service, "Manage"), Effect: "Allow", Action: rules.manage, Resource: "*", Condition: regional });
        if (rules.modifyOwn) {
            out.push({ Sid: sidOf(service, "ModifyOwn"), Effect: "Allow", Action: rules.modifyOwn, Resource: "*", Condition: conditions(regional, ownResource(s)) });
        }
        if (rules.deleteOwn) {
            out.push({ Sid: sidOf(service, "DeleteOwn"), Effect: "Allow", Action: rules.deleteOwn, Resource: "*", Condition: conditions(regional, ownResource(s)) });
        }
    }
    const add = Object.values(group).flatMap((r) => r.tags?.add ?? []);
    const remove = Object.values(group).flatMap((r) => r.tags?.remove ?? []);
    if (add.length > 0) out.push(...tagGuard(s, add, remove, regional));
    return out;
}

/**
 * Tagging that cannot move a resource between stacks: add tags to the stack's own resources
 * (keeping its tags) or to untagged ones (creation, the VPC's default security group), and
 * remove tags other than app/stack from its own.
 */
function tagGuard(s: StackScope, add: string[], remove: string[], regional: ConditionBlock): Statement[] {
    const keepsOwnTags: ConditionBlock = {
        StringEqualsIfExists: { "aws:RequestTag/app": s.app },
        StringLikeIfExists: { "aws:RequestTag/stack": s.stack },
    };
    return [
        { Sid: "TagOwnResources", Effect: "Allow", Action: add, Resource: "*", Condition: conditions(regional, ownResource(s), keepsOwnTags) },
        {
            Sid: "TagNewResources",
            Effect: "Allow",
            Action: add,
            Resource: "*",
            Condition: conditions(regional, ownRequestTags(s), { Null: { "aws:ResourceTag/stack": "true" } }),
        },
        {
            Sid: "UntagOwnResources",
            Effect: "Allow",
            Action: remove,
            Resource: "*",
            Condition: conditions(regional, ownResource(s), { "ForAllValues:StringNotEquals": { "aws:TagKeys": STACK_TAG_KEYS } }),
        },
    ];
}

/** Secrets and SSM parameters by name prefix; KMS keys by tag. */
export function dataByName(s: StackScope): Statement[] {
    const regional = inRegions(s.regions);
    return [
        {
            // The stack's secrets are named `<app>-<stack>/...` (the app secret: groundwork-prod/app).
            Sid: "StackSecrets",
            Effect: "Allow",
            Action: [
                "secretsmanager:CreateSecret", "secretsmanager:UpdateSecret", "secretsmanager:DeleteSecret", "secretsmanager:RestoreSecret",
                "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:UpdateSecretVersionStage",
                "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy", "secretsmanager:ValidateResourcePolicy",
                "secretsmanager:TagResource", "secretsmanager:UntagResource",
            ],
            Resource: arn(s, "secretsmanager", `secret:${s.app}-${s.stack}/*`),
            Condition: regional,
        },
        { Sid: "GenerateRandomPasswords", Effect: "Allow", Action: ["secretsmanager:GetRandomPassword"], Resource: "*", Condition: regional },
        {
            Sid: "StackParameters",
            Effect: "Allow",
            Action: [
                "ssm:PutParameter", "ssm:DeleteParameter", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParameterHistory",
                "ssm:LabelParameterVersion", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource",
            ],
            Resource: arn(s, "ssm", `parameter/${s.app}/${s.stack}/*`),
            Condition: regional,
        },
        {
            // Everything on a key, including the grants RDS and ElastiCache create on the caller's
            // behalf, only on keys tagged for the stack (tagging itself: the tag guard).
            Sid: "KmsUseStackKeys",
            Effect: "Allow",
            Action: [
                "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion", "kms:EnableKey", "kms:DisableKey", "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant",
                "kms:RetireGrant", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias",
            ],
            Resource: "*",
            Condition: conditions(regional, ownResource(s)),
        },
        {
            // Aliases carry no tags: the alias side of Create/Update/DeleteAlias is scoped by name.
            Sid: "KmsStackAliases",
            Effect: "Allow",
            Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
            Resource: arn(s, "kms", `alias/${s.app}-${s.stack}*`),
            Condition: regional,
        },
    ];
}

/**
 * Application Auto Scaling deletes the alarms of a target-tracking policy it created (untagged,
 * named TargetTracking-...) with the caller's permissions.
 */
function targetTrackingAlarms(s: StackScope): Statement {
    return {
        Sid: "CloudwatchDeleteTargetTrackingAlarms",
        Effect: "Allow",
        Action: ["cloudwatch:DeleteAlarms"],
        Resource: arn(s, "cloudwatch", "alarm:TargetTracking-*"),
        Condition: inRegions(s.regions),
    };
}

/** Services the program's resources are linked to and that create their service-linked roles on first use. */
export const SERVICE_LINKED_ROLES = [
    "ecs.amazonaws.com", "ecs.application-autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com",
    "rds.amazonaws.com", "elasticache.amazonaws.com", "autoscaling.amazonaws.com",
];

/** Services the stack's roles may be passed to (ECS tasks, VPC flow logs, RDS monitoring, schedules and rules). */
export const PASS_ROLE_SERVICES = [
    "ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com", "monitoring.rds.amazonaws.com",
    "scheduler.amazonaws.com", "events.amazonaws.com",
    // The uploads bucket's replication role (prod's copy in the second region).
    "s3.amazonaws.com",
];

/** IAM: the stack's roles, under its own path and the permissions boundary. */
export function iamStatements(s: StackScope): Statement[] {
    const roles = iamArn(s, `role${stackRolePath(s.app, s.stack)}*`);
    return [
        {
            Sid: "CreateStackRolesUnderBoundary",
            Effect: "Allow",
            Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
            Resource: roles,
            Condition: { StringEquals: { "iam:PermissionsBoundary": s.boundaryArn } },
        },
        {
            // Only roles under /<app>/<stack>/, which can only be created with the boundary. A
            // family of stacks (previews) attaches no managed policy: its roles' policies are inline.
            Sid: "ManageStackRoles",
            Effect: "Allow",
            Action: [
                "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy",
                "iam:DeleteRolePolicy", ...(s.stack.endsWith("*") ? [] : ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]), "iam:TagRole", "iam:UntagRole",
            ],
            Resource: roles,
        },
        {
            // The NAT instances' profiles, under the same path.
            Sid: "ManageStackInstanceProfiles",
            Effect: "Allow",
            Action: ["iam:*InstanceProfile", "iam:*RoleToInstanceProfile"],
            Resource: iamArn(s, `instance-profile${stackRolePath(s.app, s.stack)}*`),
        },
        {
            // EC2 only gets the NAT instances' roles (an instance with a task's role could use it).
            Sid: "PassNatRolesToEc2",
            Effect: "Allow",
            Action: ["iam:PassRole"],
            Resource: iamArn(s, `role${stackRolePath(s.app, s.stack)}net-nat-*`),
            Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
        },
        {
            Sid: "PassStackRolesToServices",
            Effect: "Allow",
            Action: ["iam:PassRole"],
            Resource: roles,
            Condition: { StringEquals: { "iam:PassedToService": PASS_ROLE_SERVICES } },
        },
        {
            Sid: "CreateServiceLinkedRoles",
            Effect: "Allow",
            Action: ["iam:CreateServiceLinkedRole"],
            Resource: iamArn(s, "role/aws-service-role/*"),
            Condition: { StringEquals: { "iam:AWSServiceName": SERVICE_LINKED_ROLES } },
        },
    ];
}

export type DeployGroup = "network" | "compute" | "data" | "ops" | "iam";

/** The deploy role's permissions, one document per managed policy. */
export function deployDocuments(s: StackScope): Record<DeployGroup, PolicyDocument> {
    return {
        network: policyDocument(groupStatements(s, SERVICES.network)),
        compute: policyDocument(groupStatements(s, SERVICES.compute)),
        data: policyDocument([...groupStatements(s, SERVICES.data), ...dataByName(s)]),
        ops: policyDocument([...groupStatements(s, SERVICES.ops), targetTrackingAlarms(s), ...globalStatements(s)]),
        iam: policyDocument(iamStatements(s)),
    };
}
