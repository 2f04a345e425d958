// SKELETON: interface fixed by index.ts; the operations work (issue 8) fills in the resources.
import * as pulumi from "@pulumi/pulumi";
import type { Profile } from "./defaults";

export interface MonitoringArgs {
    profile: Profile;
    alertEmail: string;
    /** `https://api.<domain>/api/v1/health`. */
    healthCheckUrl: string;
    albArnSuffix: pulumi.Input<string>;
    targetGroupArnSuffix: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    apiServiceName: pulumi.Input<string>;
    workerServiceName: pulumi.Input<string>;
    apiMinTasks: number;
    workerMinTasks: number;
    dbInstanceId: pulumi.Input<string>;
    /** Allocated storage in GiB, for the free-storage alarm threshold. */
    dbAllocatedStorage: number;
    dbInstanceClass: string;
    cacheClusterIds: pulumi.Input<string[]>;
    /** Nodes the cache has (1 + replicas): alarms are created per node. */
    cacheNodeCount: number;
}

export class Monitoring extends pulumi.ComponentResource {
    public readonly alertTopicArn: pulumi.Output<string>;
    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:ops:Monitoring", name, {}, opts);
        void args;
        this.alertTopicArn = pulumi.output("arn:topic");
        this.registerOutputs({});
    }
}
