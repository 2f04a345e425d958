/**
 * Explicit providers for the stack. Default providers are disabled in the stack files
 * (`pulumi:disable-default-providers`), so a resource created without one of these fails at
 * preview instead of silently deploying with ambient settings.
 */
import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";

export interface ProvidersArgs {
    /** AWS region, already checked to be in the US. @example "us-east-1" */
    awsRegion: string;
    /** Tags every AWS resource gets through `defaultTags`. */
    tags: Record<string, string>;
    /** The Vercel provider, when the stack has a web app; `team` undefined = the token's own account. */
    vercel?: { team: string | undefined };
    /** The second US region data is copied to (`groundwork:backupRegion`); undefined for none. @example "us-west-2" */
    backupRegion?: string;
}

export interface Providers {
    aws: aws.Provider;
    /** The backup region's provider, with the same defaultTags; only when `backupRegion` is set. */
    awsBackup?: aws.Provider;
    cloudflare: cloudflare.Provider;
    /** Only when the stack has a web app (it needs VERCEL_API_TOKEN). */
    vercel: vercel.Provider | undefined;
}

/**
 * Builds the providers (Vercel's only for a stack with a web app). Credentials are never config values here: AWS reads its usual
 * chain (OIDC role in CI, a profile locally), Cloudflare `CLOUDFLARE_API_TOKEN` and Vercel
 * `VERCEL_API_TOKEN` from the environment, as CI's secret store provides them.
 */
export function createProviders(args: ProvidersArgs, opts?: pulumi.CustomResourceOptions): Providers {
    return {
        aws: new aws.Provider("aws", { region: args.awsRegion as aws.Region, defaultTags: { tags: args.tags } }, opts),
        ...(args.backupRegion ? {
            awsBackup: new aws.Provider("aws-backup", { region: args.backupRegion as aws.Region, defaultTags: { tags: args.tags } }, opts),
        } : {}),
        cloudflare: new cloudflare.Provider("cloudflare", {}, opts),
        vercel: args.vercel ? new vercel.Provider("vercel", { team: args.vercel.team }, opts) : undefined,
    };
}
