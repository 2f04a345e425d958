// SKELETON: interface fixed by index.ts; the data-tier work (issue 5) fills in the resources.
import * as pulumi from "@pulumi/pulumi";

export interface AppSecretsArgs {
    /** Explicit secret name, e.g. groundwork-prod/app (apps and runbooks look it up). */
    secretName: string;
    /** Secret values by variable name; JWT_SECRET is generated here and added. */
    values: Record<string, pulumi.Input<string>>;
    protect: boolean;
}

export class AppSecrets extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;
    /** Every key the secret holds (the values' names plus JWT_SECRET), sorted. */
    public readonly keys: string[];
    /** The whole secret as a record, secret (for the apiEnv output). */
    public readonly values: pulumi.Output<Record<string, string>>;
    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:AppSecrets", name, {}, opts);
        this.arn = pulumi.output("arn:secret");
        this.keys = [...Object.keys(args.values), "JWT_SECRET"].sort();
        this.values = pulumi.secret<Record<string, string>>({});
        this.registerOutputs({});
    }
}
