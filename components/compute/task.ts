/**
 * What the api and the worker share: a log group, an execution role and a task role of their
 * own, a Fargate task definition (and its twin without migration steps, for one-off tasks), the
 * ECS service and its autoscaling. `service.ts` holds the
 * two public components; this file is their common body, `task-args.ts` their arguments.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { APP_METRICS, APP_METRICS_NAMESPACE, APP_METRIC_DIMENSIONS } from "../app-metrics";
import { capacityProviderStrategy } from "./capacity";
import { FargateSpec } from "./task-args";
import { APP_CONTAINER, appContainers, fargateTaskDefinitionArgs, taskRoles } from "./task-definition";

export { checkServiceArgs, WRITABLE_HOME_ENV } from "./task-args";
export type { FargateSpec, ServiceBaseArgs } from "./task-args";
export { APP_CONTAINER, EXECUTION_ROLE_SUBPATH, MIGRATE_CONTAINER, PREPARE_CONTAINER, PREPARE_SCRIPT } from "./task-definition";

/** Suffix of the family of a service's one-off task definition (`<family>-run`): no migration step. */
export const RUN_FAMILY_SUFFIX = "-run";

/** The resources `buildFargateService` made, for the components' escape-hatch fields. */
export interface FargateParts {
    logGroup: aws.cloudwatch.LogGroup;
    executionRole: aws.iam.Role;
    taskRole: aws.iam.Role;
    taskDefinition: aws.ecs.TaskDefinition;
    /** The same image, environment, secrets, roles and prepare step without the migration steps: what one-off tasks run. */
    runTaskDefinition: aws.ecs.TaskDefinition;
    service: aws.ecs.Service;
    /** Undefined without autoscaling (`autoscaling: false`). */
    scalingTarget: aws.appautoscaling.Target | undefined;
}

/** Creates every child of a Fargate service component under `parent`, named `${name}-<role>`. */
export function buildFargateService(parent: pulumi.ComponentResource, name: string, s: FargateSpec): FargateParts {
    const opts = { parent };
    const region = aws.getRegionOutput({}, opts).region;

    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: s.logRetentionDays }, opts);
    const { executionRole, executionPolicy, taskRole, taskPolicies } = taskRoles(parent, name, {
        label: name,
        repositoryArns: s.repositoryArn ? [s.repositoryArn] : [],
        logGroupArn: logGroup.arn,
        secretArn: s.secretArn,
        bucketArns: s.bucketArns,
        bucketPrefix: s.bucketPrefix,
        setupSecretArn: s.setup?.secretArn,
        bucketKeyArns: s.bucketKeyArns,
        roles: s.roles,
    });

    const containers = (oneOff: boolean) => appContainers({
        image: s.image,
        logGroupName: logGroup.name,
        region,
        streamPrefix: name,
        environment: s.environment,
        secretArn: s.secretArn,
        secretVersionId: s.secretVersionId,
        secrets: s.secrets,
        rdsCaBundle: s.rdsCaBundle,
        command: s.command,
        stopTimeoutSeconds: s.stopTimeoutSeconds,
        // A one-off runs its command and nothing else: no setup or migration gate (a failed
        // migration must not stop `prisma migrate resolve`), no port, no health check.
        setup: oneOff ? undefined : s.setup,
        migrate: oneOff ? undefined : s.migrate,
        containerPort: oneOff ? undefined : s.web?.containerPort,
        healthCheckCommand: oneOff ? undefined : s.healthCheckCommand,
    });
    const family = s.family ?? `${pulumi.getProject()}-${pulumi.getStack()}-${name}`;
    const definition = (oneOff: boolean) => fargateTaskDefinitionArgs({
        family: oneOff ? `${family}${RUN_FAMILY_SUFFIX}` : family,
        architecture: s.architecture,
        cpu: s.cpu,
        memory: s.memory,
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        containers: containers(oneOff),
    });
    const taskDefinition = new aws.ecs.TaskDefinition(`${name}-task`, definition(false), opts);
    // `npm run task` and nothing else starts this one (no service runs it).
    const runTaskDefinition = new aws.ecs.TaskDefinition(`${name}-run`, definition(true), opts);

    // No image pushed yet: no task runs (see `imagePushed`), in a service of another name: the
    // `up` that sets the first tag then creates the real one, and a create honours desiredCount
    // and waits for steady state (migrations, health checks, circuit breaker), which an update of
    // the idle service would not do (autoscaling owns desiredCount after creation: ignoreChanges).
    // The idle service, attached to no load balancer, is deleted once the real one is steady.
    const idle = s.imagePushed === false;
    const minTasks = idle ? 0 : s.minTasks;
    const autoscaling = s.autoscaling !== false;
    const service = new aws.ecs.Service(idle ? `${name}-service-idle` : `${name}-service`, {
        cluster: s.clusterArn,
        taskDefinition: taskDefinition.arn,
        // A strategy, never launchType (capacity.ts): FARGATE_SPOT takes ARM64 tasks on platform 1.4.0 (LATEST).
        capacityProviderStrategies: capacityProviderStrategy(s.capacity),
        // ECS accepts a changed strategy only with a new deployment, and the provider updates it in
        // place only when this is set (otherwise it replaces the service). Any update of the
        // service then redeploys its tasks, which a changed task definition does anyway.
        forceNewDeployment: true,
        platformVersion: "LATEST",
        desiredCount: minTasks,
        networkConfiguration: {
            subnets: s.subnetIds,
            securityGroups: [s.securityGroupId],
            // Private subnets reach the internet through NAT; a task never has a public address.
            assignPublicIp: false,
        },
        // Rolling deploy: never below the running count, up to double while new tasks start.
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        ...(s.web && !idle ? {
            loadBalancers: [{ targetGroupArn: s.web.targetGroupArn, containerName: APP_CONTAINER, containerPort: s.web.containerPort }],
            healthCheckGracePeriodSeconds: s.web.healthCheckGracePeriodSeconds,
        } : {}),
        availabilityZoneRebalancing: "ENABLED",
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
        enableExecuteCommand: false,
        // `pulumi up` waits until the new tasks are steady. When the circuit breaker rolls a
        // failed deploy back, the update fails and CI goes red instead of reporting a deploy that
        // never happened; and whatever depends on this service (the worker on the api) starts
        // its own rollout only after this one, migrations included, has finished.
        waitForSteadyState: true,
    }, {
        parent,
        // Autoscaling owns the running count after creation; an update must not reset it.
        // Without autoscaling the count is the program's own.
        ignoreChanges: autoscaling ? ["desiredCount"] : [],
        // Its first tasks need the execution role's permissions (pull, logs, secret), the task
        // role's, and the security-group rules they connect through; nothing in the service's
        // inputs refers to those, so the waits are explicit.
        dependsOn: [...(s.serviceDependsOn ?? []), executionPolicy, ...taskPolicies, ...(s.networkDependsOn ?? [])],
    });

    if (!autoscaling) return { logGroup, executionRole, taskRole, taskDefinition, runTaskDefinition, service, scalingTarget: undefined };
    const resourceId = pulumi.interpolate`service/${s.clusterName}/${service.name}`;
    const scalingTarget = new aws.appautoscaling.Target(`${name}-scaling`, {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId,
        minCapacity: minTasks,
        maxCapacity: s.maxTasks,
    }, opts);
    const track = (role: string, metric: string, targetValue: number, resourceLabel?: pulumi.Input<string>) =>
        new aws.appautoscaling.Policy(`${name}-scale-${role}`, {
            policyType: "TargetTrackingScaling",
            serviceNamespace: scalingTarget.serviceNamespace,
            scalableDimension: scalingTarget.scalableDimension,
            resourceId: scalingTarget.resourceId,
            targetTrackingScalingPolicyConfiguration: {
                predefinedMetricSpecification: { predefinedMetricType: metric, resourceLabel },
                targetValue,
                // Out fast, in slowly: a short spike should not make tasks flap.
                scaleOutCooldown: 60,
                scaleInCooldown: 300,
            },
        }, opts);
    track("cpu", "ECSServiceAverageCPUUtilization", s.cpuTargetPercent);
    track("memory", "ECSServiceAverageMemoryUtilization", s.memoryTargetPercent);
    // A request-count policy names the service's target group (its resource label): only a service behind the load balancer.
    if (s.web && !idle) track("requests", "ALBRequestCountPerTarget", s.web.requestsPerTarget, s.web.requestCountResourceLabel);
    if (s.queueScaling) scaleOnQueues(parent, name, s, scalingTarget, service.name, minTasks);

    return { logGroup, executionRole, taskRole, taskDefinition, runTaskDefinition, service, scalingTarget };
}

/**
 * Target tracking on the queues' backlog per running task, and (from zero tasks) a step policy
 * that starts the first one. The metric ids are short names metric math refers to.
 */
function scaleOnQueues(parent: pulumi.ComponentResource, name: string, s: FargateSpec, target: aws.appautoscaling.Target,
    serviceName: pulumi.Output<string>, minTasks: number): void {
    const q = s.queueScaling!;
    const opts = { parent };
    const gauge = (id: string, metricName: string, queue: string) => ({
        id, returnData: false,
        metricStat: {
            stat: "Average",
            metric: {
                namespace: APP_METRICS_NAMESPACE, metricName,
                dimensions: [{ name: APP_METRIC_DIMENSIONS.stack, value: q.stack }, { name: APP_METRIC_DIMENSIONS.queue, value: queue }],
            },
        },
    });
    const gauges = q.queues.flatMap((queue, i) => [gauge(`w${i}`, APP_METRICS.queueWaiting, queue), gauge(`a${i}`, APP_METRICS.queueActive, queue)]);
    const backlog = q.queues.map((_, i) => `w${i} + a${i}`).join(" + ");
    const running = {
        id: "running", returnData: false,
        metricStat: {
            stat: "Average",
            metric: {
                namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount",
                dimensions: [{ name: "ClusterName", value: s.clusterName }, { name: "ServiceName", value: serviceName }],
            },
        },
    };
    new aws.appautoscaling.Policy(`${name}-scale-queue`, {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
            customizedMetricSpecification: {
                metrics: [
                    ...gauges,
                    running,
                    { id: "backlog", label: "jobs waiting or active", expression: backlog, returnData: false },
                    // Per running task. A late or missing RunningTaskCount point repeats the last one (it
                    // must not read as zero tasks and scale out on the whole backlog); with none running
                    // yet there is no value, and the wake policy below starts the first task.
                    { id: "perTask", label: "backlog per running task", expression: "IF(FILL(running, REPEAT) > 0, backlog / FILL(running, REPEAT), backlog)", returnData: true },
                ],
            },
            targetValue: q.targetPerTask,
            // Out fast; in slowly, and only when the CPU and memory policies agree.
            scaleOutCooldown: 60,
            scaleInCooldown: 300,
        },
    }, opts);
    if (minTasks > 0) return;
    // From zero: target tracking computes running x (metric / target) = 0. This alarm fires when
    // jobs wait while no task runs, and its policy adds one task; target tracking takes over.
    const wake = new aws.appautoscaling.Policy(`${name}-scale-wake`, {
        policyType: "StepScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        stepScalingPolicyConfiguration: {
            // Add one, never set one: a false alarm (a late running-count point) must not shrink a busy fleet to one task.
            adjustmentType: "ChangeInCapacity",
            cooldown: 60,
            metricAggregationType: "Maximum",
            stepAdjustments: [{ metricIntervalLowerBound: "0", scalingAdjustment: 1 }],
        },
    }, opts);
    new aws.cloudwatch.MetricAlarm(`${name}-wake`, {
        alarmDescription: `Jobs wait in ${q.queues.join(", ")} and no ${name} task runs: start one (the scaling policy ${name}-scale-wake).`,
        // Two minutes in a row: one late running-count point is not "no task runs".
        comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 2, datapointsToAlarm: 2,
        // No gauge: nothing to start a worker for.
        treatMissingData: "notBreaching",
        metricQueries: [
            ...q.queues.map((queue, i) => {
                const g = gauge(`w${i}`, APP_METRICS.queueWaiting, queue);
                return { id: g.id, returnData: false, metric: { ...g.metricStat.metric, dimensions: { Stack: q.stack, Queue: queue }, period: 60, stat: "Maximum" } };
            }),
            { id: "running", returnData: false, metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions: { ClusterName: s.clusterName, ServiceName: serviceName }, period: 60, stat: "Maximum" } },
            { id: "idleWithWork", label: "jobs waiting, no task running", returnData: true, expression: `IF(FILL(running, 0) == 0 AND (${q.queues.map((_, i) => `w${i}`).join(" + ")}) > 0, 1, 0)` },
        ],
        alarmActions: [wake.arn],
        actionsEnabled: true,
    }, opts);
}
