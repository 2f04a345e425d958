/**
 * Pulumi's self-managed backend, for teams not on Pulumi Cloud: an S3 bucket for state
 * (`pulumi login s3://...`) and one KMS key per deploy environment for the secrets provider
 * (`pulumi stack init <stack> --secrets-provider awskms://...`). Both protected and kept on
 * delete: losing either loses every stack's state or secrets.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PrivateBucket } from "../../components/data/storage";

export interface StateBackendArgs {
    /**
     * Create the state bucket.
     * @default false
     * @example true
     */
    bucket: boolean;
    /**
     * GitHub environments that get a secrets-provider key (one key each, so a role can decrypt
     * only its own stack's secrets). Cost: $1/month per key plus $0.03 per 10,000 requests.
     * @default []
     * @example ["staging", "production"]
     */
    keyEnvironments: string[];
    /**
     * Alias prefix of the keys; each alias is `<prefix><environment>`. Outside `alias/<app>-<stack>*`,
     * which the deploy roles may manage.
     * @default none (required)
     * @example "alias/groundwork-bootstrap/pulumi-secrets-"
     */
    aliasPrefix: string;
    /**
     * Days old state versions are kept after they are overwritten (each update writes a new
     * checkpoint). Cost: S3 Standard $0.023/GB-month.
     * @default 90
     * @example 365
     */
    noncurrentVersionDays?: number;
    /**
     * The account's root principal, administrator of the keys through IAM.
     * @default none (required)
     * @example "arn:aws:iam::123456789012:root"
     */
    accountRoot: pulumi.Input<string>;
}

/** The state bucket and secrets keys. */
export class StateBackend extends pulumi.ComponentResource {
    public readonly bucket?: PrivateBucket;
    /** Keys by GitHub environment. */
    public readonly keys: Record<string, aws.kms.Key> = {};
    /** Aliases by GitHub environment (`alias/...`). */
    public readonly aliases: Record<string, aws.kms.Alias> = {};

    constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:bootstrap:StateBackend", name, {}, opts);
        const keep: pulumi.CustomResourceOptions = { parent: this, protect: true, retainOnDelete: true };
        if (args.bucket) {
            // Private, AES256, versioned (every checkpoint recoverable), TLS-only, never forceDestroy.
            this.bucket = new PrivateBucket(`${name}-state`, {
                noncurrentVersionDays: args.noncurrentVersionDays ?? 90,
                protect: true,
            }, { parent: this });
        }
        for (const env of args.keyEnvironments) {
            this.keys[env] = new aws.kms.Key(`${name}-secrets-${env}`, {
                description: `Pulumi secrets provider of the stack deployed from GitHub environment ${env}`,
                enableKeyRotation: true,
                // The longest window: a scheduled deletion can be cancelled for a month.
                deletionWindowInDays: 30,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [{
                        // Administered through IAM; the permissions boundary keeps every role but the
                        // bootstrap's own away from it, and each CI role's policy names only its key.
                        Sid: "AccountAdministersThroughIam",
                        Effect: "Allow",
                        Principal: { AWS: args.accountRoot },
                        Action: "kms:*",
                        Resource: "*",
                    }],
                }),
            }, keep);
            this.aliases[env] = new aws.kms.Alias(`${name}-secrets-${env}`, {
                name: `${args.aliasPrefix}${env}`,
                targetKeyId: this.keys[env].keyId,
            }, { parent: this });
        }
        this.registerOutputs({});
    }
}
