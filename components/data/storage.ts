/**
 * A private S3 bucket (aws v7 `aws.s3.Bucket` plus its separate configuration resources):
 * all public access blocked, ACLs off, encrypted (SSE-S3, or SSE-KMS with a key of its own),
 * versioned, TLS-only, with lifecycle rules, and optionally browser CORS, server access logging,
 * the grants that let ALB and S3 write access logs into it, or a replica in a second region.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RoleScope } from "../role-scope";
import { replicateBucket } from "./bucket-replication";
import { SecondRegion, checkSecondRegion } from "./second-region";

/** Methods a browser needs for signed-URL uploads and downloads. */
const CORS_METHODS = ["GET", "PUT", "POST", "HEAD"];

export interface PrivateBucketArgs {
    /**
     * Keep old versions this many days after they are overwritten or deleted, then expire them.
     * @default 30
     * @example 90
     */
    noncurrentVersionDays?: number;
    /**
     * Expire current objects after this many days (log buckets). Unset: objects are kept.
     * @default undefined (kept forever)
     * @example 90
     */
    expirationDays?: number;
    /**
     * Origins allowed to GET/PUT/POST/HEAD with signed URLs from the browser. Unset: no CORS.
     * Exact origins, or every subdomain of one host (`https://*.app.example.com`: the previews'
     * web hosts); never "*".
     * @default undefined (no CORS configuration)
     * @example ["https://app.example.com"]
     */
    corsOrigins?: pulumi.Input<string>[];
    /**
     * Current objects under these key prefixes expire after so many days (then their old versions
     * after `noncurrentVersionDays`): pull-request previews' objects, which outlive no preview.
     * @default [] (nothing expires by prefix)
     * @example [{ prefix: "previews/", days: 30 }]
     */
    expirePrefixes?: { prefix: string; days: number }[];
    /**
     * Let ALB access logs (the region's ELB account and the log-delivery service) and S3 server
     * access logging write here, limited to this account's logs.
     * @default false
     * @example true
     */
    acceptAccessLogs?: boolean;
    /**
     * Bucket that receives this bucket's S3 server access logs (under `s3/<name>/`). Unset: none.
     * @default undefined
     * @example logs.bucketName
     */
    accessLogBucket?: pulumi.Input<string>;
    /**
     * What a delete may take. true (prod): `protect` + `retainOnDelete` on the bucket, its key and
     * every configuration resource, so its data and its guards (public access block, TLS-only
     * policy, encryption) outlive a mistake; never `forceDestroy`. false (staging): the bucket is
     * disposable: `forceDestroy`, so a destroy deletes every object and version and then the
     * bucket (instead of failing on a non-empty bucket after its guards were already gone).
     * Either way the configuration resources carry `deletedWith: bucket`: they are never deleted
     * on their own before the bucket, the guards stay until the bucket itself is gone.
     * @default false (staging), true (prod)
     * @example true
     */
    protect: boolean;
    /**
     * Encrypt new objects with a customer-managed KMS key of the bucket's own (SSE-KMS with S3
     * Bucket Keys, which cut the KMS requests to about one per object batch). The key policy allows
     * only the account, so only principals whose IAM policy grants this key may use it: the
     * task roles (`bucketKeyArns` of the services, through S3 only), the replication role, and
     * the account's administrators (unless `keyUsers` narrows the data actions). Not for a bucket that takes ALB access logs (ALB delivers only
     * to SSE-S3). Objects written before the switch keep their SSE-S3 encryption.
     * Cost: $1/month for the key plus $0.03 per 10,000 KMS requests.
     * @default false (SSE-S3)
     * @example true
     */
    customerManagedKey?: boolean;
    /**
     * With `customerManagedKey`: the only principals that may use the key on data (encrypt,
     * decrypt, data keys): every role under these IAM path prefixes and these role ARNs. The key
     * policy denies the data actions to any other principal, the account's administrators
     * included; managing the key (its policy, rotation, deletion) stays with the account, so no
     * one is locked out. Applies to the replica's key too. AWS services that call KMS under a
     * service principal or a service-linked role (CloudFront origin access control, AWS Backup,
     * Macie, GuardDuty S3 scans) are denied as well: admit one by adding its role to `roleArns`.
     * @default undefined (IAM alone decides who uses the key)
     * @example { rolePaths: ["/groundwork/prod/"], roleArns: ["arn:aws:iam::123456789012:role/groundwork-bootstrap/groundwork-break-glass"] }
     */
    keyUsers?: { rolePaths: string[]; roleArns?: pulumi.Input<string>[] };
    /**
     * Replicate every new object version (and deletions, as delete markers) to a bucket in a
     * second US region: versioned, private, TLS-only, encrypted (with its own key of that region
     * when `customerManagedKey`), expiring old versions as this one does; docs/runbooks/region-restore.md
     * restores from it. Objects written before replication was turned on are not copied (S3
     * Batch Replication does that, once). Cost: the replica's storage ($0.023/GB-month) and $0.02/GB
     * copied across regions (usage: not in the plan's total), plus $1/month for its key.
     * @default undefined (no replica; config: prod replicates the uploads to the backup region)
     * @example { region: "us-west-2", provider: providers.awsBackup }
     */
    replicateTo?: SecondRegion;
    /**
     * Where the IAM roles this component creates live: the stack's IAM path and, in a
     * bootstrapped account, the permissions boundary every role must carry.
     * @default undefined (the root path, no boundary)
     * @example { path: "/groundwork/prod/" }
     */
    roles?: RoleScope;
}

/** Checks the args before any resource exists; each error names the arg and shows a good value. */
export function checkPrivateBucketArgs(name: string, args: PrivateBucketArgs): void {
    const days = (arg: "noncurrentVersionDays" | "expirationDays", example: string) => {
        const v = args[arg];
        if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
            throw new Error(`PrivateBucket "${name}": ${arg} must be a whole number of days >= 1, got ${v}. Example: ${example}`);
        }
    };
    if (args.keyUsers && (args.keyUsers.rolePaths.length === 0 || args.keyUsers.rolePaths.some((p) => !/^\/[A-Za-z0-9+=,.@_/-]*$/.test(p)))) {
        throw new Error(`PrivateBucket "${name}": keyUsers.rolePaths must be IAM path prefixes starting with "/", got ${JSON.stringify(args.keyUsers.rolePaths)}. Example: ["/groundwork/prod/"]`);
    }
    days("noncurrentVersionDays", "30");
    days("expirationDays", "90");
    if (args.customerManagedKey && args.acceptAccessLogs) {
        throw new Error(`PrivateBucket "${name}": customerManagedKey cannot be combined with acceptAccessLogs: ALB access logs are delivered only to SSE-S3 buckets. Example: customerManagedKey: false for the log bucket`);
    }
    if (args.replicateTo) checkSecondRegion(`PrivateBucket "${name}"`, "replicateTo", args.replicateTo);
    if (args.corsOrigins !== undefined && args.corsOrigins.length === 0) {
        throw new Error(`PrivateBucket "${name}": corsOrigins must name at least one origin or be left unset. Example: ["https://app.example.com"]`);
    }
    for (const o of args.corsOrigins ?? []) {
        if (typeof o === "string" && !/^https?:\/\/(\*\.)?[^/*\s]+\.[^/*\s]+$/.test(o)) {
            throw new Error(`PrivateBucket "${name}": corsOrigins entries must be exact origins (scheme://host, no path), or https://*.<host> for its subdomains, got "${o}". Example: https://app.example.com`);
        }
    }
    for (const e of args.expirePrefixes ?? []) {
        if (!/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(e.prefix) || !Number.isInteger(e.days) || e.days < 1) {
            throw new Error(`PrivateBucket "${name}": expirePrefixes entries must be a key prefix ending in / and whole days >= 1, got ${JSON.stringify(e)}. Example: { prefix: "previews/", days: 30 }`);
        }
    }
}

/**
 * A private bucket. Cost: no fixed fee; S3 Standard $0.023/GB-month plus requests (old versions
 * count until the lifecycle rule expires them).
 */
export class PrivateBucket extends pulumi.ComponentResource {
    /** The bucket (escape hatch). */
    public readonly bucket: aws.s3.Bucket;
    /** The bucket policy (TLS-only, plus log delivery grants when `acceptAccessLogs`). */
    public readonly policy: aws.s3.BucketPolicy;
    /**
     * Bucket name. Resolves only once the public access block, ownership, encryption and policy
     * exist, so a consumer (an ALB's access logs, another bucket's logging) never races them.
     */
    public readonly bucketName: pulumi.Output<string>;
    /** Bucket ARN (for task role policies). */
    public readonly arn: pulumi.Output<string>;
    /** Versioning (replication needs it on before it can be configured). */
    public readonly versioning: aws.s3.BucketVersioning;
    /** The bucket's own KMS key, when `customerManagedKey`. */
    public readonly kmsKey?: aws.kms.Key;
    /** ARN of that key (the services' `bucketKeyArns`), when `customerManagedKey`. */
    public readonly kmsKeyArn?: pulumi.Output<string>;
    /** The replica in the second region, when `replicateTo`. */
    public readonly replica?: PrivateBucket;

    constructor(name: string, args: PrivateBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:PrivateBucket", name, {}, opts);
        checkPrivateBucketArgs(name, args);
        const keep: pulumi.CustomResourceOptions = args.protect ? { protect: true, retainOnDelete: true } : {};

        this.bucket = new aws.s3.Bucket(`${name}-bucket`, {
            // Autonamed (globally unique). prod: never forceDestroy, a delete of a bucket that holds
            // objects fails (and protect stops it before that). staging: forceDestroy, so a destroy
            // empties the bucket (every version) and deletes it, rather than failing half-way with
            // the data left unguarded. The value is in the state: a stack created before this must
            // `pulumi up` once before its destroy can use it.
            forceDestroy: !args.protect,
        }, { parent: this, ...keep });
        const bucket = this.bucket.bucket;
        // The configuration resources (the guards among them) go with the bucket: a delete of the
        // bucket removes them, so Pulumi never deletes them on their own first. Without this a
        // destroy removed the public access block, ownership controls and TLS-only policy, then
        // failed on the non-empty bucket and left it with ACLs back on and no guards.
        const child = (dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions =>
            ({ parent: this, dependsOn, deletedWith: this.bucket, ...keep });

        if (args.customerManagedKey) {
            const caller = aws.getCallerIdentityOutput({}, { parent: this });
            const partition = aws.getPartitionOutput({}, { parent: this });
            this.kmsKey = new aws.kms.Key(`${name}-key`, {
                description: `Encrypts the objects of the ${name} bucket (SSE-KMS with S3 Bucket Keys)`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                // The account's default key policy, written out: it names no principal but the account,
                // which hands the decision to IAM. Only the policies that grant this key's ARN (the
                // task roles, through S3 only; the replication role) and administrators with kms:* use
                // it. Naming the task roles here instead would need them before the key (they come
                // later, with the services that need this bucket), a second policy resource that
                // flips whenever a role is replaced, and a key that can lock its own admins out.
                // With keyUsers, a Deny keeps the data actions to the stack's roles (tasks, replication) and
                // the named ones (deploy, break-glass): an administrator's kms:* no longer reads the objects.
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [{
                        Sid: "AccountAdministersAndDelegatesToIam", Effect: "Allow", Action: "kms:*", Resource: "*",
                        Principal: { AWS: pulumi.interpolate`arn:${partition.partition}:iam::${caller.accountId}:root` },
                    }, ...(args.keyUsers ? [{
                        Sid: "DataOnlyForTheStacksRoles", Effect: "Deny", Principal: { AWS: "*" }, Resource: "*",
                        Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                        Condition: {
                            ArnNotLike: {
                                "aws:PrincipalArn": [
                                    ...args.keyUsers.rolePaths.map((p) => pulumi.interpolate`arn:${partition.partition}:iam::${caller.accountId}:role${p}*`),
                                    ...(args.keyUsers.roleArns ?? []),
                                ],
                            },
                        },
                    }] : [])],
                }),
            }, { parent: this, ...keep });
            this.kmsKeyArn = this.kmsKey.arn;
        }

        const publicAccess = new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, {
            bucket,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, child());

        // ACLs off: the bucket owner owns every object, including the ALB's and S3's log files.
        const ownership = new aws.s3.BucketOwnershipControls(`${name}-ownership`, {
            bucket,
            rule: { objectOwnership: "BucketOwnerEnforced" },
        }, child());

        // With its own key: SSE-KMS, S3 Bucket Keys on (one data key per bucket and period, not a KMS
        // call per object). Without: SSE-S3 (AES256), what ALB access logs require.
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
            bucket,
            rules: [this.kmsKey
                ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKey.arn }, bucketKeyEnabled: true }
                : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        }, child());

        const versioning = this.versioning = new aws.s3.BucketVersioning(`${name}-versioning`, {
            bucket,
            versioningConfiguration: { status: "Enabled" },
        }, child());

        // The policy goes on after the public access block, so there is never a moment when a
        // policy exists on an unguarded bucket.
        this.policy = new aws.s3.BucketPolicy(`${name}-policy`, {
            bucket,
            policy: this.policyDocument(args),
        }, child([publicAccess, ownership]));

        // After versioning: noncurrent-version rules mean nothing on an unversioned bucket.
        new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, {
            bucket,
            rules: [
                {
                    id: "abort-incomplete-multipart-uploads",
                    status: "Enabled",
                    filter: {},
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
                {
                    id: "expire-noncurrent-versions",
                    status: "Enabled",
                    filter: {},
                    noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 30 },
                    // Once a deleted object's versions have expired its delete marker is all that is
                    // left: remove it too. (With `expirationDays` S3 removes them itself, and a rule
                    // may not hold both.)
                    ...(args.expirationDays === undefined ? { expiration: { expiredObjectDeleteMarker: true } } : {}),
                },
                ...(args.expirationDays === undefined ? [] : [{
                    id: "expire-current-objects",
                    status: "Enabled",
                    filter: {},
                    expiration: { days: args.expirationDays },
                }]),
                ...(args.expirePrefixes ?? []).map((e) => ({
                    id: `expire-${e.prefix.replace(/[^A-Za-z0-9]+/g, "-").replace(/-+$/, "")}`,
                    status: "Enabled",
                    filter: { prefix: e.prefix },
                    expiration: { days: e.days },
                })),
            ],
        }, child([versioning]));

        if (args.corsOrigins) {
            new aws.s3.BucketCorsConfiguration(`${name}-cors`, {
                bucket,
                corsRules: [{
                    id: "browser-signed-urls",
                    allowedOrigins: args.corsOrigins,
                    allowedMethods: CORS_METHODS,
                    // Signed requests carry Content-Type, checksum and x-amz-* headers that vary by SDK.
                    allowedHeaders: ["*"],
                    // Multipart uploads from the browser need each part's ETag.
                    exposeHeaders: ["ETag"],
                    maxAgeSeconds: 3600,
                }],
            }, child([publicAccess]));
        }

        if (args.accessLogBucket !== undefined) {
            new aws.s3.BucketLogging(`${name}-logging`, {
                bucket,
                targetBucket: args.accessLogBucket,
                targetPrefix: `s3/${name}/`,
            }, child([publicAccess]));
        }

        this.bucketName = pulumi.all([bucket, publicAccess.id, ownership.id, encryption.id, this.policy.id]).apply(([b]) => b);
        this.arn = this.bucket.arn;

        if (args.replicateTo) {
            // The replica is a PrivateBucket of its own in the second region (every guard above),
            // protected as this one is; it takes no CORS, logs or log deliveries.
            this.replica = new PrivateBucket(`${name}-replica`, {
                noncurrentVersionDays: args.noncurrentVersionDays,
                expirationDays: args.expirationDays,
                // S3 does not replicate deletions made by lifecycle rules: the replica expires its own.
                expirePrefixes: args.expirePrefixes,
                protect: args.protect,
                customerManagedKey: args.customerManagedKey,
                keyUsers: args.keyUsers,
            }, { parent: this, providers: [args.replicateTo.provider] });
            replicateBucket(this, name, {
                bucketName: bucket, arn: this.arn, versioning, kmsKeyArn: this.kmsKeyArn,
            }, this.replica, args.replicateTo.region, child, args.roles);
        }
        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
    }

    /** The bucket policy: deny anything without TLS; with `acceptAccessLogs`, let ALB and S3 deliver logs. */
    private policyDocument(args: PrivateBucketArgs): pulumi.Output<string> {
        const arn = this.bucket.arn;
        const statements: pulumi.Input<Record<string, unknown>>[] = [{
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [arn, pulumi.interpolate`${arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        }];
        if (args.acceptAccessLogs) {
            const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
            // ALB writes `<prefix>/AWSLogs/<account>/...`; limiting the path to our account keeps other
            // accounts' load balancers (which write as the same ELB principal) out.
            const albLogs = [pulumi.interpolate`${arn}/AWSLogs/${account}/*`, pulumi.interpolate`${arn}/*/AWSLogs/${account}/*`];
            statements.push(
                {
                    // Regions opened before August 2022 (us-east-1 and the other US regions) deliver as
                    // the region's Elastic Load Balancing account.
                    Sid: "AllowAlbLogDeliveryRegionalAccount",
                    Effect: "Allow",
                    Principal: { AWS: aws.elb.getServiceAccountOutput({}, { parent: this }).arn },
                    Action: "s3:PutObject",
                    Resource: albLogs,
                },
                {
                    // Newer regions (and AWS's current guidance) deliver as the log-delivery service.
                    Sid: "AllowAlbLogDeliveryService",
                    Effect: "Allow",
                    Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: albLogs,
                },
                {
                    // S3 server access logging; with ACLs disabled this policy is the only way in.
                    Sid: "AllowS3ServerAccessLogs",
                    Effect: "Allow",
                    Principal: { Service: "logging.s3.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: pulumi.interpolate`${arn}/*`,
                    Condition: { StringEquals: { "aws:SourceAccount": account } },
                },
            );
        }
        return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
    }
}
