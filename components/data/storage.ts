/**
 * A private S3 bucket (aws v7 `aws.s3.Bucket` plus its separate configuration resources):
 * all public access blocked, ACLs off, encrypted, versioned, TLS-only, with lifecycle rules,
 * and optionally browser CORS, server access logging, or the grants that let ALB and S3 write
 * access logs into it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

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
     * Exact origins only, never "*".
     * @default undefined (no CORS configuration)
     * @example ["https://app.example.com"]
     */
    corsOrigins?: pulumi.Input<string>[];
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
     * prod: `protect` + `retainOnDelete` on the bucket and every configuration resource, so its
     * data and its guards (public access block, TLS-only policy, encryption) outlive a mistake.
     * The bucket is never `forceDestroy` either way.
     * @default false (staging), true (prod)
     * @example true
     */
    protect: boolean;
}

function validate(name: string, args: PrivateBucketArgs): void {
    const days = (arg: "noncurrentVersionDays" | "expirationDays", example: string) => {
        const v = args[arg];
        if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
            throw new Error(`PrivateBucket "${name}": ${arg} must be a whole number of days >= 1, got ${v}. Example: ${example}`);
        }
    };
    days("noncurrentVersionDays", "30");
    days("expirationDays", "90");
    if (args.corsOrigins !== undefined && args.corsOrigins.length === 0) {
        throw new Error(`PrivateBucket "${name}": corsOrigins must name at least one origin or be left unset. Example: ["https://app.example.com"]`);
    }
    for (const o of args.corsOrigins ?? []) {
        if (typeof o === "string" && !/^https?:\/\/[^/*\s]+$/.test(o)) {
            throw new Error(`PrivateBucket "${name}": corsOrigins entries must be exact origins (scheme://host, no path or wildcard), got "${o}". Example: https://app.example.com`);
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

    constructor(name: string, args: PrivateBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:PrivateBucket", name, {}, opts);
        validate(name, args);
        const keep: pulumi.CustomResourceOptions = args.protect ? { protect: true, retainOnDelete: true } : {};
        const child = (dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({ parent: this, dependsOn, ...keep });

        this.bucket = new aws.s3.Bucket(`${name}-bucket`, {
            // Autonamed (globally unique). Never forceDestroy: deleting a bucket that still holds
            // objects must fail, in every stack.
            forceDestroy: false,
        }, { parent: this, ...keep });
        const bucket = this.bucket.bucket;

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

        // SSE-S3 (AES256), not SSE-KMS: ALB access logs can only be delivered to SSE-S3 buckets, and
        // one setting for both buckets keeps them alike. No per-request KMS cost either.
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
            bucket,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        }, child());

        const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, {
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
                },
                ...(args.expirationDays === undefined ? [] : [{
                    id: "expire-current-objects",
                    status: "Enabled",
                    filter: {},
                    expiration: { days: args.expirationDays },
                }]),
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
