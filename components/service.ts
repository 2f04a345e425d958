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
     * @default none (required)
     * @example cluster.clusterArn
     */
    clusterArn: pulumi.Input<string>;
    /**
     * The cluster's name (autoscaling's resource id is `service/<cluster>/<service>`).
     * @default none (required)
     * @example cluster.clusterName
     */
    clusterName: pulumi.Input<string>;
    /**
     * `<repository url>:<tag>`. The api and worker run the same image.
     * @default none (config: `<repository url>:<groundwork:imageTag>`)
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
     * @default none (required)
     * @example network.privateSubnetIds
     */
    subnetIds: pulumi.Input<string>[];
    /**
     * The tasks' security group.
     * @default none (required)
     * @example sg.apiSecurityGroupId
     */
    securityGroupId: pulumi.Input<string>;
    /**
     * Plain settings, the ECS `environment`. Never secrets: a name in `secretKeys` or one that
     * looks like a credential (`*_SECRET*`, `*_KEY`, `*TOKEN*`, `*PASSWORD*`) is refused.
     * Every container also gets `HOME=/tmp` and `npm_config_cache=/tmp/.npm` (the root
     * filesystem is read-only), so those two names are refused here too.
     * @default none (required; index.ts passes the DESIGN contract's plain settings)
     * @example { NODE_ENV: "production", S3_BUCKET: uploads.bucketName }
     */
    environment: Record<string, pulumi.Input<string>>;
    /**
     * The stack's Secrets Manager secret, a JSON object. The execution role may read exactly
     * this ARN.
     * @default none (required)
     * @example secrets.arn
     */
    secretArn: pulumi.Input<string>;
    /**
     * Keys of that secret each task gets as variables of the same name (ECS `secrets`,
     * `valueFrom: <arn>:<KEY>::`).
     * @default none (required; may be empty)
     * @example ["DATABASE_URL", "JWT_SECRET", "REDIS_URL", "STRIPE_SECRET_KEY"]
     */
    secretKeys: string[];
    /**
     * Buckets the task role may list, read, write and delete objects in (and run multipart
     * uploads in: abort, list parts); nothing else in S3. Empty: the task role has no policy.
     * @default none (required; may be empty)
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
     * @default none (required)
     * @example alb.targetGroupArn
     */
    targetGroupArn: pulumi.Input<string>;
    /**
     * The listener that forwards to `targetGroupArn`. The ECS service depends on it explicitly:
     * ECS refuses a service whose target group is not yet attached to a load balancer, and
     * nothing in the service's inputs refers to the listener.
     * @default none (required)
     * @example alb.httpsListener
     */
    listener: pulumi.Resource;
    /**
     * ALB resource label `app/…/targetgroup/…` for request-count scaling.
     * @default none (required)
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

/** A resource option's `dependsOn` (one resource, a list, or an Input of either) as a list. */
function dependencyList(d: pulumi.ResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
    if (d === undefined) return [];
    if (Array.isArray(d)) return d;
    // One resource, or an Output/Promise of one or of a list: Pulumi flattens nested lists when
    // it gathers dependencies, so it can stand as one entry.
    return [d as pulumi.Input<pulumi.Resource>];
}

function baseSpec(args: ServiceBaseArgs, stopTimeoutSeconds: number, opts: pulumi.ComponentResourceOptions | undefined,
    extraDependsOn: pulumi.Input<pulumi.Resource>[] = []): FargateSpec {
    return {
        clusterArn: args.clusterArn, clusterName: args.clusterName, image: args.image, architecture: args.architecture,
        cpu: args.cpu, memory: args.memory, minTasks: args.minTasks, maxTasks: args.maxTasks, command: args.command,
        subnetIds: args.subnetIds, securityGroupId: args.securityGroupId, environment: args.environment,
        secretArn: args.secretArn, secretKeys: args.secretKeys, bucketArns: args.bucketArns, repositoryArn: args.repositoryArn,
        logRetentionDays: args.logRetentionDays, family: args.family,
        stopTimeoutSeconds: args.stopTimeoutSeconds ?? stopTimeoutSeconds,
        cpuTargetPercent: args.cpuTargetPercent ?? 60,
        memoryTargetPercent: args.memoryTargetPercent ?? 75,
        // The component's `dependsOn` is handed to the ECS service itself: Pulumi records a
        // component's dependsOn on the component only, and the service is what must wait (the
        // worker's rollout for the api's, migrations included).
        serviceDependsOn: [...dependencyList(opts?.dependsOn), ...extraDependsOn],
    };
}

/** What both services expose: the ECS pieces (escape hatches) and the outputs alarms and secrets use. */
abstract class FargateServiceComponent extends pulumi.ComponentResource {
    public readonly service: aws.ecs.Service;
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    public readonly executionRole: aws.iam.Role;
    public readonly taskRole: aws.iam.Role;
    /** The execution role's ARN: the one principal (per service) that may read the stack's app secret. */
    public readonly executionRoleArn: pulumi.Output<string>;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    public readonly scalingTarget: aws.appautoscaling.Target;
    /** The ECS service's name (alarms and dashboards use it). */
    public readonly serviceName: pulumi.Output<string>;
    /** Where the tasks' logs go. */
    public readonly logGroupName: pulumi.Output<string>;

    protected constructor(type: string, label: string, name: string, spec: FargateSpec, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        checkServiceArgs(`${label} "${name}"`, spec);
        const parts: FargateParts = buildFargateService(this, name, spec);
        this.service = parts.service;
        this.taskDefinition = parts.taskDefinition;
        this.executionRole = parts.executionRole;
        this.executionRoleArn = parts.executionRole.arn;
        this.taskRole = parts.taskRole;
        this.logGroup = parts.logGroup;
        this.scalingTarget = parts.scalingTarget;
        this.serviceName = parts.service.name;
        this.logGroupName = parts.logGroup.name;
        this.registerOutputs({ serviceName: this.serviceName, logGroupName: this.logGroupName, executionRoleArn: this.executionRoleArn });
    }
}

/** The api: Fargate tasks behind the ALB's target group, migrations before each new task serves. */
export class WebService extends FargateServiceComponent {
    constructor(name: string, args: WebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:WebService", "WebService", name, {
            // The service waits for the listener, so its target group is attached when ECS registers tasks.
            ...baseSpec(args, 30, opts, [args.listener]),
            web: {
                containerPort: args.containerPort,
                targetGroupArn: args.targetGroupArn,
                requestCountResourceLabel: args.requestCountResourceLabel,
                requestsPerTarget: args.requestsPerTarget ?? 500,
                migrateCommand: args.migrateCommand,
                healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds ?? 60,
            },
        }, opts);
    }
}

/** The worker: same image, its own command, no load balancer and no inbound traffic. */
export class WorkerService extends FargateServiceComponent {
    constructor(name: string, args: WorkerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:WorkerService", "WorkerService", name, baseSpec(args, 120, opts), opts);
    }
}
