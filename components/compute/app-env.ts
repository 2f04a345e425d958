/**
 * The plain part of the apps' environment (the DESIGN contract). Secret variables are not here:
 * they live in the stack's Secrets Manager secret and reach the tasks as ECS `secrets`.
 */
import * as pulumi from "@pulumi/pulumi";

export interface AppEnvironmentArgs {
    /**
     * Uploads bucket name (S3_BUCKET); credentials come from the task role, never static keys.
     * @example "uploads-bucket-d7587ca"
     */
    s3Bucket: pulumi.Input<string>;
    /**
     * The bucket's region (S3_REGION), the stack's region.
     * @example "us-east-1"
     */
    s3Region: string;
    /**
     * Comma-separated browser origins the API accepts (ALLOWED_ORIGINS).
     * @example "https://app.example.com,https://groundwork-prod.vercel.app"
     */
    allowedOrigins: pulumi.Input<string>;
    /**
     * Port the API listens on (PORT, api only).
     * @default 3000 (groundwork:containerPort)
     */
    containerPort: number;
    /**
     * Jobs each worker task runs at once (WORKER_CONCURRENCY, worker only).
     * @default 5 (groundwork:workerConcurrency)
     */
    workerConcurrency: number;
    /**
     * Extra plain settings from `groundwork:appEnv`; the config module already refused credential-looking
     * names and names this module sets.
     * @default {}
     * @example { "LOG_LEVEL": "info" }
     */
    extra: Record<string, string>;
}

/** Plain variables for the api and the worker. */
export function appEnvironment(args: AppEnvironmentArgs): { api: Record<string, pulumi.Input<string>>; worker: Record<string, pulumi.Input<string>> } {
    const common: Record<string, pulumi.Input<string>> = {
        ...args.extra,
        NODE_ENV: "production",
        S3_BUCKET: args.s3Bucket,
        S3_REGION: args.s3Region,
        ALLOWED_ORIGINS: args.allowedOrigins,
        JSON_BODY_LIMIT: "1mb",
    };
    return {
        api: { ...common, PORT: String(args.containerPort) },
        worker: { ...common, WORKER_CONCURRENCY: String(args.workerConcurrency) },
    };
}
