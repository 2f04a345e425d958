// SKELETON: interface fixed by index.ts; the compute work (issue 4) fills in the resources.
import * as pulumi from "@pulumi/pulumi";

export interface ClusterArgs {
    /** Images the ECR repository keeps. */
    imageRetentionCount: number;
}

/** The ECS cluster and the ECR repository its services pull from. */
export class Cluster extends pulumi.ComponentResource {
    public readonly clusterArn: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    public readonly repositoryUrl: pulumi.Output<string>;
    public readonly repositoryArn: pulumi.Output<string>;
    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:Cluster", name, {}, opts);
        void args;
        this.clusterArn = pulumi.output("arn:cluster");
        this.clusterName = pulumi.output("cluster");
        this.repositoryUrl = pulumi.output("repo");
        this.repositoryArn = pulumi.output("arn:repo");
        this.registerOutputs({});
    }
}
