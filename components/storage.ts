// SKELETON: interface fixed by index.ts; the data-tier work (issue 5) fills in the resources.
import * as pulumi from "@pulumi/pulumi";

export interface PrivateBucketArgs {
    /** Keep old versions this many days after they are overwritten or deleted. */
    noncurrentVersionDays?: number;
    /** Expire current objects after this many days (log buckets). */
    expirationDays?: number;
    /** Origins allowed to PUT/GET with signed URLs from the browser. */
    corsOrigins?: pulumi.Input<string>[];
    /** Let ALB and S3 server access logging write here. */
    acceptAccessLogs?: boolean;
    /** Bucket that receives this bucket's S3 server access logs. */
    accessLogBucket?: pulumi.Input<string>;
    protect: boolean;
}

export class PrivateBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    constructor(name: string, args: PrivateBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:PrivateBucket", name, {}, opts);
        void args;
        this.bucketName = pulumi.output(name);
        this.arn = pulumi.output(`arn:aws:s3:::${name}`);
        this.registerOutputs({});
    }
}
