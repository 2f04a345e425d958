// SKELETON: interface fixed by index.ts; the data-tier work (issue 5) fills in the resources.
import * as pulumi from "@pulumi/pulumi";

export interface CacheArgs {
    subnetIds: pulumi.Input<string>[];
    securityGroupId: pulumi.Input<string>;
    engine: "valkey" | "redis";
    engineVersion: string;
    nodeType: string;
    replicas: number;
    snapshotRetentionDays: number;
    protect: boolean;
}

export class Cache extends pulumi.ComponentResource {
    /** Primary endpoint host. */
    public readonly endpoint: pulumi.Output<string>;
    /** Replication group id. */
    public readonly replicationGroupId: pulumi.Output<string>;
    /** Member cluster ids (CloudWatch's CacheClusterId dimension), one per node. */
    public readonly memberClusterIds: pulumi.Output<string[]>;
    /** `rediss://:token@host:6379`, secret. */
    public readonly redisUrl: pulumi.Output<string>;
    constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:Cache", name, {}, opts);
        void args;
        this.endpoint = pulumi.output("cache.example");
        this.replicationGroupId = pulumi.output("cache");
        this.memberClusterIds = pulumi.output(["cache-001"]);
        this.redisUrl = pulumi.secret("rediss://skeleton");
        this.registerOutputs({});
    }
}
