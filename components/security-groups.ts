// SKELETON: interface fixed by index.ts; the compute work (issue 4) fills in the resources.
import * as pulumi from "@pulumi/pulumi";

export interface SecurityGroupsArgs {
    vpcId: pulumi.Input<string>;
    containerPort: number;
    /** When the API is proxied by Cloudflare, the ALB accepts only these IPv4 ranges (else the internet). */
    albIngressCidrs?: pulumi.Input<string[]>;
}

export class SecurityGroups extends pulumi.ComponentResource {
    public readonly albSecurityGroupId: pulumi.Output<string>;
    public readonly apiSecurityGroupId: pulumi.Output<string>;
    public readonly workerSecurityGroupId: pulumi.Output<string>;
    public readonly databaseSecurityGroupId: pulumi.Output<string>;
    public readonly cacheSecurityGroupId: pulumi.Output<string>;
    constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:net:SecurityGroups", name, {}, opts);
        void args;
        this.albSecurityGroupId = pulumi.output("sg-alb");
        this.apiSecurityGroupId = pulumi.output("sg-api");
        this.workerSecurityGroupId = pulumi.output("sg-worker");
        this.databaseSecurityGroupId = pulumi.output("sg-db");
        this.cacheSecurityGroupId = pulumi.output("sg-cache");
        this.registerOutputs({});
    }
}
