/**
 * The contract between a base stack and its previews: the two outputs a base stack with
 * `groundwork:previews: true` exports (index.ts) and every preview reads through a stack
 * reference (base-stack.ts). Plain ids in `previewBase`; credentials only in `previewSecrets`,
 * a secret output, which a preview copies into secrets of its own.
 */

/** The stack output `previewBase`: the base's shared parts, by id (nothing secret). */
export interface PreviewBase {
    /** The base stack's name. @example "staging" */
    stack: string;
    /** Its region: a preview deploys there too. @example "us-east-1" */
    awsRegion: string;
    /** The VPC the previews' target groups belong to. @example "vpc-0a1b2c3d4e5f67890" */
    vpcId: string;
    /** Private subnets the previews' tasks run in. @example ["subnet-0a1b…", "subnet-1c2d…"] */
    privateSubnetIds: string[];
    /** The base's API host: a preview's is `pr-<n>.<apiHost>`. @example "api.staging.example.com" */
    apiHost: string;
    /** The base's web host: a preview's is `pr-<n>.<webHost>`; absent without a web app. @example "app.staging.example.com" */
    webHost?: string;
    /** The HTTPS listener previews add their host rule to. @example "arn:aws:elasticloadbalancing:…:listener/app/api-…/…/…" */
    listenerArn: string;
    /** `app/<name>/<id>` of the load balancer (CloudWatch dimension). @example "app/api-1a2b3c/0123456789abcdef" */
    albArnSuffix: string;
    /** The port the base's load balancer and task security groups admit; a preview's api must listen on it. @example 3000 */
    containerPort: number;
    /** The base's task security groups: a preview's tasks join them, and so reach the database and cache. */
    taskSecurityGroupIds: { api?: string; worker?: string };
    /** The ECR repository of the app's image (previews run the base's images). */
    imageRepository?: { url: string; arn: string };
    /** The worker's own repository (`workerImage: own`). */
    workerImageRepository?: { url: string; arn: string };
    /** The base's RDS server; a preview creates its own database and role on it. */
    database?: { host: string; port: number; name: string };
    /** The base's uploads bucket; a preview keeps its objects under `<prefix>pr-<n>/`. */
    uploads?: { bucketName: string; bucketArn: string; kmsKeyArn?: string; prefix: string };
    /** The base's Vercel project: a preview sets branch-scoped variables and a branch domain in it. */
    vercelProjectId?: string;
}

/** The stack output `previewSecrets` (secret): what a preview's own secrets are made from. */
export interface PreviewSecrets {
    /** The base database's master URL: only a preview's database-setup container gets it, never its apps. */
    databaseAdminUrl?: string;
    /** The base's cache URL (the preview's keys live under its own prefix). */
    redisUrl?: string;
    /** The base's test-mode Stripe key (one account; a preview has its own webhook endpoint). */
    stripeSecretKey?: string;
    /** The base's extra app secrets; a preview's apps get those named in `groundwork:previewSharedSecrets`. */
    appSecrets: Record<string, string>;
}
