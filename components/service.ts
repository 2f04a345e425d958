/**
 * "Run this image as a web service behind HTTPS" (`WebService`) and "run this image as a worker"
 * (`WorkerService`), both on ECS Fargate in private subnets: rolling deploys that never drop
 * below the running count, a circuit breaker that rolls a failed deploy back, autoscaling
 * between a min and max, logs with retention, and secrets only from Secrets Manager.
 * The shared body is in `task.ts`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildFargateService, FargateParts, FargateSpec, checkServiceArgs } from "./task";

/** What both kinds of service need: one image, its environment and secrets, sizes. */
export interface ServiceBaseArgs {
    /**
     * Cluster the service runs in.
     * @example cluster.clusterArn
     */
    clusterArn: pulumi.Input<string>;
    /**
     * The cluster's name (autoscaling's resource id is `service/<cluster>/<service>`).
     * @example cluster.clusterName
     */
    clusterName: pulumi.Input<string>;
    /**
     * `<repository url>:<tag>`. The api and worker run the same image.
     * @example pulumi.interpolate`${cluster.repositoryUrl}:v1.4.2`
     */
    image: pulumi.Input<string>;
    /**
     * The image's CPU architecture. ARM64 (Graviton) is ~20% cheaper per vCPU-hour.
     * @default none (config: "X86_64")
     * @example "ARM64"
     */
    architecture: "X86_64" | "ARM64";
    /**
     * Task CPU units (1024 = 1 vCPU); a Fargate size. Cost per task: x86 $0.04048/vCPU-hour
     * ($29.55/month per vCPU), ARM64 $0.03238 ($23.64/month).
     * @default none (config: 256 in staging, 512 in prod)
     * @example 512
     */
    cpu: number;
    /**
     * Task memory in MiB, valid for `cpu` (512: 1024–4096). Cost per task: x86 $0.004445/GB-hour
     * ($3.24/month per GB), ARM64 $0.00356 ($2.60/month).
     * @default none (config: 512 in staging, 1024 in prod)
     * @example 1024
     */
    memory: number;
    /**
     * Tasks always running; autoscaling never goes below. Also the count a new service starts
     * with. Each running task is billed for its cpu and memory around the clock.
     * A worker at 0 cannot scale out on CPU or memory (there is no metric without tasks).
     * @default none (config: api 1 staging / 2 prod, worker 1)
     * @example 2
     */
    minTasks: number;
    /**
     * Most tasks autoscaling may run.
     * @default none (config: api 2 staging / 6 prod, worker 2 / 4)
     * @example 6
     */
    maxTasks: number;
    /**
     * The app container's command (the image's entrypoint gets these words).
     * @default none (config: api "node dist/main.js", worker "node dist/worker.js")
     * @example ["node", "dist/main.js"]
     */
    command: string[];
    /**
     * Private subnets for the tasks (one per AZ); tasks never get a public IP.
     * @example network.privateSubnetIds
     */
    subnetIds: pulumi.Input<string>[];
    /**
     * The tasks' security group.
     * @example sg.apiSecurityGroupId
     */
    securityGroupId: pulumi.Input<string>;
    /**
     * Plain settings, the ECS `environment`. Never secrets: a name in `secretKeys` or one that
     * looks like a credential (`*_SECRET*`, `*_KEY`, `*TOKEN*`, `*PASSWORD*`) is refused.
     * @example { NODE_ENV: "production", S3_BUCKET: uploads.bucketName }
     */
    environment: Record<string, pulumi.Input<string>>;
    /**
     * The stack's Secrets Manager secret, a JSON object. The execution role may read exactly
     * this ARN.
     * @example secrets.arn
     */
    secretArn: pulumi.Input<string>;
    /**
     * Keys of that secret each task gets as variables of the same name (ECS `secrets`,
     * `valueFrom: <arn>:<KEY>::`).
     * @example ["DATABASE_URL", "JWT_SECRET", "REDIS_URL", "STRIPE_SECRET_KEY"]
     */
    secretKeys: string[];
    /**
     * Buckets the task role may list, read, write and delete objects in; nothing else in S3.
     * @example [uploads.arn]
     */
    bucketArns: pulumi.Input<string>[];
    /**
     * The ECR repository the execution role may pull from.
     * @default any repository of the account in this region
     * @example cluster.repositoryArn
     */
    repositoryArn?: pulumi.Input<string>;
    /**
     * Days CloudWatch keeps the service's logs. Cost: $0.50/GB ingested + $0.03/GB-month stored.
     * @default none (config: 14 in staging, 90 in prod)
     * @example 30
     */
    logRetentionDays: number;
    /**
     * Task definition family; revisions accumulate under it.
     * @default "<project>-<stack>-<component name>"
     * @example "groundwork-prod-api"
     */
    family?: string;
    /**
     * Seconds the app gets between SIGTERM and SIGKILL on scale-in or deploy (Fargate max 120).
     * @default 30 (api), 120 (worker: lets running jobs finish)
     * @example 60
     */
    stopTimeoutSeconds?: number;
    /**
     * Average CPU the autoscaler keeps the tasks at.
     * @default 60
     * @example 70
     */
    cpuTargetPercent?: number;
    /**
     * Average memory the autoscaler keeps the tasks at.
     * @default 75
     * @example 80
     */
    memoryTargetPercent?: number;
}

export interface WebServiceArgs extends ServiceBaseArgs {
    /**
     * Port the app listens on (the ALB's target port; also the `PORT` variable).
     * @default none (config: 3000)
     * @example 3000
     */
    containerPort: number;
    /**
     * Target group the tasks register in.
     * @example alb.targetGroupArn
     */
    targetGroupArn: pulumi.Input<string>;
    /**
     * ALB resource label `app/…/targetgroup/…` for request-count scaling.
     * @example pulumi.interpolate`${alb.arnSuffix}/${alb.targetGroupArnSuffix}`
     */
    requestCountResourceLabel: pulumi.Input<string>;
    /**
     * Requests per minute per task the autoscaler aims at (ALBRequestCountPerTarget).
     * @default 500
     * @example 1000
     */
    requestsPerTarget?: number;
    /**
     * Runs to completion before the app container starts (same image, environment and
     * secrets); undefined = no migration step.
     * @default undefined (config: ["npx", "prisma", "migrate", "deploy"])
     * @example ["npx", "prisma", "migrate", "deploy"]
     */
    migrateCommand?: string[];
    /**
     * Seconds ECS ignores failing ALB health checks after a task starts (migrations and boot).
     * @default 60
     * @example 180
     */
    healthCheckGracePeriodSeconds?: number;
}

/** The worker takes nothing beyond the shared args. */
export type WorkerServiceArgs = ServiceBaseArgs;

function baseSpec(args: ServiceBaseArgs, stopTimeoutSeconds: number): FargateSpec {
    return {
        clusterArn: args.clusterArn, clusterName: args.clusterName, image: args.image, architecture: args.architecture,
        cpu: args.cpu, memory: args.memory, minTasks: args.minTasks, maxTasks: args.maxTasks, command: args.command,
        subnetIds: args.subnetIds, securityGroupId: args.securityGroupId, environment: args.environment,
        secretArn: args.secretArn, secretKeys: args.secretKeys, bucketArns: args.bucketArns, repositoryArn: args.repositoryArn,
        logRetentionDays: args.logRetentionDays, family: args.family,
        stopTimeoutSeconds: args.stopTimeoutSeconds ?? stopTimeoutSeconds,
        cpuTargetPercent: args.cpuTargetPercent ?? 60,
        memoryTargetPercent: args.memoryTargetPercent ?? 75,
    };
}

/** The api: Fargate tasks behind the ALB's target group, migrations before each new task serves. */
export class WebService extends pulumi.ComponentResource {
    public readonly service: aws.ecs.Service;
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    public readonly executionRole: aws.iam.Role;
    public readonly taskRole: aws.iam.Role;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    public readonly scalingTarget: aws.appautoscaling.Target;
    /** The ECS service's name (alarms and dashboards use it). */
    public readonly serviceName: pulumi.Output<string>;
    /** Where the tasks' logs go. */
    public readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: WebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:WebService", name, {}, opts);
        const spec: FargateSpec = {
            ...baseSpec(args, 30),
            web: {
                containerPort: args.containerPort,
                targetGroupArn: args.targetGroupArn,
                requestCountResourceLabel: args.requestCountResourceLabel,
                requestsPerTarget: args.requestsPerTarget ?? 500,
                migrateCommand: args.migrateCommand,
                healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds ?? 60,
            },
        };
        checkServiceArgs(`WebService "${name}"`, spec);
        const parts: FargateParts = buildFargateService(this, name, spec);
        this.service = parts.service;
        this.taskDefinition = parts.taskDefinition;
        this.executionRole = parts.executionRole;
        this.taskRole = parts.taskRole;
        this.logGroup = parts.logGroup;
        this.scalingTarget = parts.scalingTarget;
        this.serviceName = parts.service.name;
        this.logGroupName = parts.logGroup.name;
        this.registerOutputs({ serviceName: this.serviceName, logGroupName: this.logGroupName });
    }
}

/** The worker: same image, its own command, no load balancer and no inbound traffic. */
export class WorkerService extends pulumi.ComponentResource {
    public readonly service: aws.ecs.Service;
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    public readonly executionRole: aws.iam.Role;
    public readonly taskRole: aws.iam.Role;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    public readonly scalingTarget: aws.appautoscaling.Target;
    /** The ECS service's name (alarms and dashboards use it). */
    public readonly serviceName: pulumi.Output<string>;
    /** Where the tasks' logs go. */
    public readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: WorkerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:WorkerService", name, {}, opts);
        const spec = baseSpec(args, 120);
        checkServiceArgs(`WorkerService "${name}"`, spec);
        const parts = buildFargateService(this, name, spec);
        this.service = parts.service;
        this.taskDefinition = parts.taskDefinition;
        this.executionRole = parts.executionRole;
        this.taskRole = parts.taskRole;
        this.logGroup = parts.logGroup;
        this.scalingTarget = parts.scalingTarget;
        this.serviceName = parts.service.name;
        this.logGroupName = parts.logGroup.name;
        this.registerOutputs({ serviceName: this.serviceName, logGroupName: this.logGroupName });
    }
}
