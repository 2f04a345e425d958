/**
 * "Run this image as a web service behind HTTPS" (`WebService`) and "run this image as a worker"
 * (`WorkerService`), both on ECS Fargate in private subnets: rolling deploys that never drop
 * below the running count, a circuit breaker that rolls a failed deploy back, autoscaling
 * between a min and max, logs with retention, and secrets only from Secrets Manager.
 * The shared body is in `task.ts`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ON_DEMAND } from "./capacity";
import { buildFargateService, FargateParts, FargateSpec, ServiceBaseArgs, checkServiceArgs } from "./task";

export type { ServiceBaseArgs } from "./task";

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
        ...args,
        stopTimeoutSeconds: args.stopTimeoutSeconds ?? stopTimeoutSeconds,
        capacity: args.capacity ?? ON_DEMAND,
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
    /** The one-off twin of `taskDefinition`: same image, environment, secrets and roles, no migration step. */
    public readonly runTaskDefinition: aws.ecs.TaskDefinition;
    public readonly executionRole: aws.iam.Role;
    public readonly taskRole: aws.iam.Role;
    /** The execution role's ARN: the one principal (per service) that may read the stack's app secret. */
    public readonly executionRoleArn: pulumi.Output<string>;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    /** Undefined without autoscaling (`autoscaling: false`: a preview's one task). */
    public readonly scalingTarget: aws.appautoscaling.Target | undefined;
    /** The ECS service's name (alarms and dashboards use it). */
    public readonly serviceName: pulumi.Output<string>;
    /** Where the tasks' logs go. */
    public readonly logGroupName: pulumi.Output<string>;
    /** The service's task definition family (migration steps included). */
    public readonly taskFamily: pulumi.Output<string>;
    /**
     * The one-off task definition's family (`<family>-run`): what `npm run task` starts (a
     * `RunTask` on a family runs its latest revision). No migration step gates its command.
     */
    public readonly runTaskFamily: pulumi.Output<string>;

    protected constructor(type: string, label: string, name: string, spec: FargateSpec, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        checkServiceArgs(`${label} "${name}"`, spec);
        const parts: FargateParts = buildFargateService(this, name, spec);
        this.service = parts.service;
        this.taskDefinition = parts.taskDefinition;
        this.runTaskDefinition = parts.runTaskDefinition;
        this.executionRole = parts.executionRole;
        this.executionRoleArn = parts.executionRole.arn;
        this.taskRole = parts.taskRole;
        this.logGroup = parts.logGroup;
        this.scalingTarget = parts.scalingTarget;
        this.serviceName = parts.service.name;
        this.logGroupName = parts.logGroup.name;
        this.taskFamily = parts.taskDefinition.family;
        this.runTaskFamily = parts.runTaskDefinition.family;
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
