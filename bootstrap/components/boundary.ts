/**
 * The permissions boundary: a managed policy every role the bootstrap creates carries, and every
 * role a deploy role creates must carry. It allows everything except the ways out: IAM users and
 * access keys, roles without the boundary, changing the boundary or the bootstrap's own roles and
 * identity provider, the state bucket's configuration, state and secrets-provider keys for roles
 * outside the bootstrap, sharing snapshots out of the account, and turning off the audit trail.
 * A boundary only caps: what a role may actually do is its own policies (deploy-permissions.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccountScope, PolicyDocument, Statement, iamArn, policyDocument } from "./policy-document";

/** The boundary's name: fixed, because its ARN appears in the boundary itself and in the deploy roles' conditions. */
export function boundaryName(app: string): string {
    return `${app}-permissions-boundary`;
}

/** The boundary's ARN, known before it exists. */
export function boundaryArnOf(s: Omit<AccountScope, "boundaryArn">): string {
    return iamArn({ ...s, boundaryArn: "" }, `policy${s.bootstrapPath}${boundaryName(s.app)}`);
}

/** The previews' boundary: every role a preview's deploy role (`pr-*`) creates carries it instead. */
export function previewBoundaryName(app: string): string {
    return `${app}-preview-boundary`;
}

/** The previews' boundary's ARN, known before it exists. */
export function previewBoundaryArnOf(s: Omit<AccountScope, "boundaryArn">): string {
    return iamArn({ ...s, boundaryArn: "" }, `policy${s.bootstrapPath}${previewBoundaryName(s.app)}`);
}

/**
 * The previews' boundary: an allow-list of what a preview's task roles need and nothing else.
 * Any branch of the repository deploys a preview, so whatever policy its code writes on the roles
 * it creates (even AdministratorAccess) is capped at this: its tasks' logs, pulls from the
 * account's repositories, reads of previews' own secrets (and their key, through Secrets Manager
 * only), objects under `previews/` of a bucket (and the bucket keys, through S3 only). Never a database, cache, network, key or IAM action.
 */
export function previewBoundaryDocument(s: Omit<AccountScope, "boundaryArn">, previewsPrefix: string): PolicyDocument {
    const arn = (service: string, resource: string) => `arn:${s.partition}:${service}:*:${s.account}:${resource}`;
    return policyDocument([
        { Sid: "TaskLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: arn("logs", "log-group:*") },
        // GetAuthorizationToken has no resource-level permissions.
        { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
        {
            Sid: "EcrPull", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            Resource: arn("ecr", "repository/*"),
        },
        { Sid: "PreviewSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: arn("secretsmanager", `secret:${s.app}-pr-*`) },
        // Secrets Manager decrypts a secret with its key (the AWS-managed aws/secretsmanager) as the
        // caller: without this, a preview's task could not read its own secret at start.
        {
            Sid: "SecretKeysThroughSecretsManager", Effect: "Allow", Action: ["kms:Decrypt"], Resource: arn("kms", "key/*"),
            Condition: { StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" } },
        },
        {
            Sid: "ListPreviewObjects", Effect: "Allow", Action: ["s3:ListBucket"], Resource: `arn:${s.partition}:s3:::*`,
            Condition: { StringLike: { "s3:prefix": [`${previewsPrefix}*`] } },
        },
        {
            Sid: "PreviewObjects", Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: `arn:${s.partition}:s3:::*/${previewsPrefix}*`,
        },
        {
            Sid: "BucketKeysThroughS3", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: arn("kms", "key/*"),
            Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
        },
    ]);
}

export interface BoundaryScope extends AccountScope {
    /** The state bucket, if the bootstrap created one. */
    stateBucketArn?: string;
    /** The secrets-provider keys, if the bootstrap created them. */
    secretsKeyArns: string[];
}

/** IAM actions that create or enable long-lived credentials for people or programs. */
export const USER_AND_KEY_ACTIONS = [
    "iam:CreateUser", "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential", "iam:ResetServiceSpecificCredential", "iam:UploadSSHPublicKey",
    "iam:UploadSigningCertificate", "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:AddUserToGroup",
    "iam:AttachGroupPolicy", "iam:PutGroupPolicy", "iam:CreateGroup",
];

/** IAM actions that change a role, a managed policy or an OIDC provider. */
const IDENTITY_WRITES = [
    "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary", "iam:TagRole", "iam:UntagRole", "iam:PassRole",
    "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy", "iam:UntagPolicy",
    "iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider",
];

export function boundaryDocument(s: BoundaryScope): PolicyDocument {
    const bootstrapRoles = iamArn(s, `role${s.bootstrapPath}*`);
    const notBootstrapRole = { ArnNotLike: { "aws:PrincipalArn": bootstrapRoles } };
    const statements: Statement[] = [
        { Sid: "CapAtEverythingElse", Effect: "Allow", Action: "*", Resource: "*" },
        { Sid: "NoIamUsersOrKeys", Effect: "Deny", Action: USER_AND_KEY_ACTIONS, Resource: "*" },
        {
            // Absent boundary counts as "not equal": a role created without it (or the previews'
            // narrower one) is refused too.
            Sid: "NoRolesWithoutThisBoundary",
            Effect: "Deny",
            Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
            Resource: "*",
            Condition: { StringNotEquals: { "iam:PermissionsBoundary": [s.boundaryArn, previewBoundaryArnOf(s)] } },
        },
        { Sid: "NoRemovingBoundaries", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"], Resource: "*" },
        {
            Sid: "NoChangingTheBootstrap",
            Effect: "Deny",
            Action: IDENTITY_WRITES,
            Resource: [bootstrapRoles, iamArn(s, `policy${s.bootstrapPath}*`), iamArn(s, "oidc-provider/*")],
        },
        {
            Sid: "NoSharingSnapshotsOut",
            Effect: "Deny",
            Action: ["rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute", "ec2:ModifySnapshotAttribute", "ec2:ModifyImageAttribute"],
            Resource: "*",
        },
        {
            // Replication (prod's copy of the uploads in a second region) writes only to buckets of
            // this account: no role under the boundary can copy the data out.
            Sid: "NoReplicatingOutOfTheAccount",
            Effect: "Deny",
            Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
            Resource: "*",
            Condition: { StringNotEquals: { "s3:ResourceAccount": s.account } },
        },
        {
            Sid: "NoTurningOffTheAuditTrail",
            Effect: "Deny",
            Action: ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors", "organizations:*", "account:*"],
            Resource: "*",
        },
    ];
    if (s.stateBucketArn) {
        statements.push(
            {
                // Every stack's state (and its secrets, encrypted) lives here: only the bootstrap's
                // roles (each limited further by its own policy to its stack) may reach it.
                Sid: "StateOnlyForBootstrapRoles",
                Effect: "Deny",
                Action: "s3:*",
                Resource: [s.stateBucketArn, `${s.stateBucketArn}/*`],
                Condition: notBootstrapRole,
            },
            {
                // Its guards (versioning, encryption, TLS-only policy, public access block) and its
                // history stay as the bootstrap set them, for every role under the boundary.
                Sid: "StateBucketStaysAsBootstrapped",
                Effect: "Deny",
                Action: ["s3:DeleteBucket", "s3:PutBucket*", "s3:DeleteBucket*", "s3:Put*Configuration", "s3:DeleteObjectVersion"],
                Resource: [s.stateBucketArn, `${s.stateBucketArn}/*`],
            },
        );
    }
    if (s.secretsKeyArns.length > 0) {
        statements.push(
            { Sid: "SecretsKeysOnlyForBootstrapRoles", Effect: "Deny", Action: "kms:*", Resource: s.secretsKeyArns, Condition: notBootstrapRole },
            {
                Sid: "SecretsKeysStayAsBootstrapped",
                Effect: "Deny",
                Action: ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:CreateGrant", "kms:DisableKeyRotation"],
                Resource: s.secretsKeyArns,
            },
        );
    }
    return policyDocument(statements);
}

export interface PermissionsBoundaryArgs {
    /**
     * The account, partition, app and bootstrap path the boundary is written for, and the state
     * bucket and secrets keys it guards (resolved when they exist).
     * @default none (required)
     * @example pulumi.output({ partition: "aws", account: "123456789012", app: "groundwork", bootstrapPath: "/groundwork-bootstrap/", ... })
     */
    scope: pulumi.Input<BoundaryScope>;
    /**
     * Name of the managed policy (its ARN is in the policy itself, so it is not autonamed).
     * @default none (required)
     * @example "groundwork-permissions-boundary"
     */
    policyName: string;
    /**
     * IAM path of the policy.
     * @default none (required)
     * @example "/groundwork-bootstrap/"
     */
    path: string;
    /**
     * Which boundary: the stacks' (everything but the ways out) or the previews' allow-list
     * (`previewBoundaryDocument`), with the key prefix of previews' objects.
     * @default { kind: "stacks" }
     * @example { kind: "previews", objectsPrefix: "previews/" }
     */
    kind?: { kind: "stacks" } | { kind: "previews"; objectsPrefix: string };
}

/** The boundary managed policy. Cost: none (IAM is free). */
export class PermissionsBoundary extends pulumi.ComponentResource {
    public readonly policy: aws.iam.Policy;
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: PermissionsBoundaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:bootstrap:PermissionsBoundary", name, {}, opts);
        this.policy = new aws.iam.Policy(`${name}-policy`, {
            name: args.policyName,
            path: args.path,
            description: args.kind?.kind === "previews"
                ? "Caps every role a preview's deploy role creates: its tasks' logs, image pulls, previews' secrets and objects, nothing else"
                : "Caps every role the bootstrap and the deploy roles create: no IAM users or keys, no role without this boundary, no change to the bootstrap",
            policy: pulumi.output(args.scope).apply((s) => JSON.stringify(args.kind?.kind === "previews" ? previewBoundaryDocument(s, args.kind.objectsPrefix) : boundaryDocument(s))),
        }, { parent: this });
        this.arn = this.policy.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
