// SKELETON: interface fixed by index.ts; the edge work (issue 6) fills in the dynamic provider.
import * as pulumi from "@pulumi/pulumi";

export interface StripeWebhookEndpointArgs {
    url: pulumi.Input<string>;
    enabledEvents: pulumi.Input<string>[];
    description: pulumi.Input<string>;
    apiVersion: pulumi.Input<string>;
    /** Stripe secret key (secret). */
    apiKey: pulumi.Input<string>;
}

export class StripeWebhookEndpoint extends pulumi.ComponentResource {
    public readonly endpointId: pulumi.Output<string>;
    /** The signing secret (whsec_…), secret. */
    public readonly secret: pulumi.Output<string>;
    constructor(name: string, args: StripeWebhookEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:StripeWebhookSkeleton", name, {}, opts);
        void args;
        this.endpointId = pulumi.output("we_skeleton");
        this.secret = pulumi.secret("whsec_skeleton");
        this.registerOutputs({});
    }
}
