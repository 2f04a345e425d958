// SKELETON: interface fixed by index.ts; the compute work (issue 4) fills in the resources.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface NetworkArgs {
    cidrBlock: string;
    azCount: number;
    natGateways: "single" | "perAz";
    interfaceEndpoints: boolean;
    flowLogRetentionDays: number;
}

export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly publicSubnetIds: pulumi.Output<string>[];
    public readonly privateSubnetIds: pulumi.Output<string>[];
    public readonly vpc?: aws.ec2.Vpc;
    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:net:Network", name, {}, opts);
        void args;
        this.vpcId = pulumi.output("vpc-skeleton");
        this.publicSubnetIds = [];
        this.privateSubnetIds = [];
        this.registerOutputs({ vpcId: this.vpcId });
    }
}
