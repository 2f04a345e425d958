// SKELETON: interface fixed by index.ts; the compute work (issue 4) fills in the resources.
import * as pulumi from "@pulumi/pulumi";

/** What both kinds of service need: one image, its environment and secrets, sizes. */
export interface ServiceBaseArgs {
    clusterArn: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    /** `<repository url>:<tag>`. */
    image: pulumi.Input<string>;
    architecture: "X86_64" | "ARM64";
    cpu: number;
    memory: number;
    minTasks: number;
    maxTasks: number;
    command: string[];
    subnetIds: pulumi.Input<string>[];
    securityGroupId: pulumi.Input<string>;
    /** Plain settings, the ECS `environment`. Never secrets. */
    environment: Record<string, pulumi.Input<string>>;
    /** The stack's Secrets Manager secret (a JSON object) and the keys of it each task gets as variables. */
    secretArn: pulumi.Input<string>;
    secretKeys: string[];
    /** Buckets the task role may read and write. */
    bucketArns: pulumi.Input<string>[];
    logRetentionDays: number;
}

export interface WebServiceArgs extends ServiceBaseArgs {
    containerPort: number;
    targetGroupArn: pulumi.Input<string>;
    /** ALB resource label `app/…/targetgroup/…` for request-count scaling. */
    requestCountResourceLabel: pulumi.Input<string>;
    /** Runs to completion before the app container starts; undefined = no migration step. */
    migrateCommand?: string[];
}

export interface WorkerServiceArgs extends ServiceBaseArgs {}

export class WebService extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    constructor(name: string, args: WebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:WebService", name, {}, opts);
        void args;
        this.serviceName = pulumi.output("api");
        this.logGroupName = pulumi.output("/ecs/api");
        this.registerOutputs({});
    }
}

export class WorkerService extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    constructor(name: string, args: WorkerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:WorkerService", name, {}, opts);
        void args;
        this.serviceName = pulumi.output("worker");
        this.logGroupName = pulumi.output("/ecs/worker");
        this.registerOutputs({});
    }
}
