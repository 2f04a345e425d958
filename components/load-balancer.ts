// SKELETON: interface fixed by index.ts; the compute work (issue 4) fills in the resources.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export interface LoadBalancerArgs {
    vpcId: pulumi.Input<string>;
    publicSubnetIds: pulumi.Input<string>[];
    securityGroupId: pulumi.Input<string>;
    /** Host the certificate is for, e.g. api.example.com. */
    domainName: string;
    /** Cloudflare zone that gets the (unproxied) ACM validation record. */
    zoneId: pulumi.Input<string>;
    cloudflareProvider: cloudflare.Provider;
    containerPort: number;
    healthCheckPath: string;
    deletionProtection: boolean;
    /** Bucket for access logs; undefined turns access logs off. */
    accessLogsBucket?: pulumi.Input<string>;
}

export class LoadBalancer extends pulumi.ComponentResource {
    public readonly dnsName: pulumi.Output<string>;
    public readonly arnSuffix: pulumi.Output<string>;
    public readonly targetGroupArn: pulumi.Output<string>;
    public readonly targetGroupArnSuffix: pulumi.Output<string>;
    /** The HTTPS listener: services that register targets depend on it. */
    public readonly httpsListenerArn: pulumi.Output<string>;
    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:LoadBalancer", name, {}, opts);
        void args;
        this.dnsName = pulumi.output("alb.example");
        this.arnSuffix = pulumi.output("app/alb");
        this.targetGroupArn = pulumi.output("arn:tg");
        this.targetGroupArnSuffix = pulumi.output("targetgroup/tg");
        this.httpsListenerArn = pulumi.output("arn:listener");
        this.registerOutputs({});
    }
}
