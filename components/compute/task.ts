/**
 * What the api and the worker share: a log group, an execution role and a task role of their
 * own, a Fargate task definition, the ECS service and its autoscaling. `service.ts` holds the
 * two public components; this file is their common body, `task-args.ts` their arguments.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { roleScope } from "../role-scope";
import { capacityProviderStrategy } from "./capacity";
import { FargateSpec, WRITABLE_HOME_ENV } from "./task-args";

export { checkServiceArgs, WRITABLE_HOME_ENV } from "./task-args";
export type { FargateSpec, ServiceBaseArgs } from "./task-args";

/** Name of the app container in every task definition (the ALB targets it in the api). */
export const APP_CONTAINER = "app";
/** Name of the init container that runs migrations before the app starts ("migrate-<n>" when there are several steps). */
export const MIGRATE_CONTAINER = "migrate";
/** Execution roles live one level below the stack's role path: the app secret admits that path. */
export const EXECUTION_ROLE_SUBPATH = "execution";
/** Name of the root init container that makes /tmp writable for any user and writes the RDS CA bundle. */
export const PREPARE_CONTAINER = "prepare";
/** What the prepare container runs (with `node -e`). */
export const PREPARE_SCRIPT = "const fs=require('fs');fs.chmodSync('/tmp',0o1777);" +
    "const ca=process.env.GROUNDWORK_RDS_CA;if(ca)fs.writeFileSync('/tmp/rds-ca.pem',ca,{mode:0o644});";

/** The resources `buildFargateService` made, for the components' escape-hatch fields. */
export interface FargateParts {
    logGroup: aws.cloudwatch.LogGroup;
    executionRole: aws.iam.Role;
    taskRole: aws.iam.Role;
    taskDefinition: aws.ecs.TaskDefinition;
    service: aws.ecs.Service;
    /** Undefined without autoscaling (`autoscaling: false`). */
    scalingTarget: aws.appautoscaling.Target | undefined;
}

/** Creates every child of a Fargate service component under `parent`, named `${name}-<role>`. */
export function buildFargateService(parent: pulumi.ComponentResource, name: string, s: FargateSpec): FargateParts {
    const opts = { parent };
    const region = aws.getRegionOutput({}, opts).region;
    const account = aws.getCallerIdentityOutput({}, opts).accountId;

    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: s.logRetentionDays }, opts);

    // Both roles may be assumed only by ECS tasks of this account (confused-deputy guard).
    const assumeByEcsTasks = pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Service: "ecs-tasks.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": account } },
        }],
    });

    // Execution role: what ECS itself needs to start the task (pull the image, create the log
    // stream, read the secrets it injects). Written out rather than the managed
    // AmazonECSTaskExecutionRolePolicy, which allows every repository and log group.
    const executionRole = new aws.iam.Role(`${name}-execution`, {
        description: `ECS starts ${name} tasks with this: pull the image, write logs, read this stack's app secret`,
        assumeRolePolicy: assumeByEcsTasks,
        ...roleScope(s.roles, EXECUTION_ROLE_SUBPATH),
    }, opts);
    const executionPolicy = new aws.iam.RolePolicy(`${name}-execution`, {
        role: executionRole.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                // GetAuthorizationToken has no resource-level permissions.
                { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
                {
                    Sid: "EcrPull",
                    Effect: "Allow",
                    Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                    Resource: s.repositoryArn ?? pulumi.interpolate`arn:aws:ecr:${region}:${account}:repository/*`,
                },
                {
                    Sid: "Logs",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: pulumi.interpolate`${logGroup.arn}:*`,
                },
                // Exactly the stack's secret; ECS fetches it once per task start.
                { Sid: "AppSecret", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: s.secretArn },
                // The setup container's own secret (a preview's database administration).
                ...(s.setup ? [{ Sid: "SetupSecret", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: s.setup.secretArn }] : []),
            ],
        }),
    }, opts);

    // Task role: what the app's own AWS SDK calls may do. Only this stack's buckets; no static
    // keys anywhere, the SDK picks these credentials up from the task metadata endpoint.
    const taskRole = new aws.iam.Role(`${name}-task`, {
        description: `The ${name} app's own AWS permissions: this stack's buckets only`,
        assumeRolePolicy: assumeByEcsTasks,
        ...roleScope(s.roles),
    }, opts);
    const taskPolicies: aws.iam.RolePolicy[] = [];
    if (s.bucketArns.length > 0) {
        // With a prefix (a preview in its base's bucket), only the keys under it: listing is
        // limited by the request's prefix, every object action by the object's ARN.
        const prefix = s.bucketPrefix ?? "";
        taskPolicies.push(new aws.iam.RolePolicy(`${name}-task-s3`, {
            role: taskRole.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "ListBuckets", Effect: "Allow", Action: ["s3:ListBucket"], Resource: s.bucketArns,
                        ...(prefix ? { Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } } : {}),
                    },
                    {
                        Sid: "ReadWriteObjects",
                        Effect: "Allow",
                        // Multipart: browsers upload large files in parts through URLs the api
                        // signs, and the api lists the uploaded parts and aborts unfinished uploads.
                        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                        Resource: s.bucketArns.map((arn) => pulumi.interpolate`${arn}/${prefix}*`),
                    },
                    // SSE-KMS buckets: S3 asks KMS, as the caller, for a data key on write and a
                    // decrypt on read (multipart uploads need both).
                    ...((s.bucketKeyArns ?? []).length > 0 ? [{
                        Sid: "BucketKeysThroughS3",
                        Effect: "Allow",
                        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                        Resource: s.bucketKeyArns,
                        Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${region}.amazonaws.com` } },
                    }] : []),
                ],
            }),
        }, opts));
    }

    // The app's settings plus the writable-$HOME plumbing (checkServiceArgs refused overlaps).
    const plainEnv: Record<string, pulumi.Input<string>> = { ...s.environment, ...WRITABLE_HOME_ENV };
    const environment = Object.keys(plainEnv).sort().map((k) => ({ name: k, value: plainEnv[k] }));
    // Each secret is one key of the stack's JSON secret: `<arn>:<KEY>::` (latest version).
    const secrets = Object.keys(s.secrets).sort().map((v) => ({ name: v, valueFrom: pulumi.interpolate`${s.secretArn}:${s.secrets[v]}::` }));
    // Every field ECS would otherwise fill in with a default is spelled out, so the definition
    // the provider reads back equals the one written and `pulumi up` shows no diff: `essential`,
    // `hostPort` (awsvpc: the container port), the awslogs `mode` (ECS has defaulted to
    // non-blocking since 2025 and writes it into definitions that omit it; pulumi/pulumi-aws#5256),
    // and the bind volume's `configureAtLaunch`.
    const logConfiguration = (stream: string) => ({
        logDriver: "awslogs",
        options: {
            "awslogs-group": logGroup.name, "awslogs-region": region, "awslogs-stream-prefix": stream,
            // A full buffer drops log lines instead of blocking the app's stdout writes (and its requests).
            mode: "non-blocking", "max-buffer-size": "25m",
        },
    });
    const base = (containerName: string, extra: Record<string, unknown>) => ({
        name: containerName,
        image: s.image,
        // The image cannot be changed at run time; /tmp is the only writable place.
        readonlyRootFilesystem: true,
        mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
        logConfiguration: logConfiguration(name),
        ...extra,
    });
    const appContainer = (containerName: string, command: string[] | undefined, extra: Record<string, unknown>) => base(containerName, {
        ...(command ? { command } : {}),
        environment,
        secrets,
        // Node as PID 1 ignores SIGTERM without a handler; tini forwards it and reaps zombies.
        linuxParameters: { initProcessEnabled: true },
        ...extra,
    });

    const containers: unknown[] = [];
    // Prepare, as root, before anything else: Fargate's bind mount is root-owned 0755, so an image
    // that runs as a non-root user (USER node) could not write $HOME or the npm cache in /tmp.
    // It also writes the RDS CA bundle there. Node runs it (the image is a Node app; no shell is
    // assumed); it gets no secrets and exits.
    containers.push(base(PREPARE_CONTAINER, {
        essential: false,
        user: "0",
        entryPoint: ["node", "-e", PREPARE_SCRIPT],
        environment: s.rdsCaBundle ? [{ name: "GROUNDWORK_RDS_CA", value: s.rdsCaBundle }] : [],
    }));
    let previous = PREPARE_CONTAINER;
    if (s.setup) {
        // Its own image, environment and secret (never the app's); the app containers never get its values.
        const setup = s.setup;
        containers.push(base(setup.name, {
            image: setup.image,
            essential: false,
            entryPoint: setup.entryPoint,
            command: setup.command,
            environment: Object.keys(setup.environment).sort().map((k) => ({ name: k, value: setup.environment[k] })),
            secrets: Object.keys(setup.secrets).sort().map((v) => ({ name: v, valueFrom: pulumi.interpolate`${setup.secretArn}:${setup.secrets[v]}::` })),
            dependsOn: [{ containerName: previous, condition: "SUCCESS" }],
        }));
        previous = setup.name;
    }
    const steps = s.migrate?.steps ?? [];
    steps.forEach((step, i) => {
        // Each step runs to completion before the next, and the app starts after the last; a
        // failing step stops the task, the deployment fails, and the circuit breaker rolls back
        // while the old version keeps serving. (Prisma's migrate takes a lock: parallel tasks are safe.)
        const containerName = steps.length === 1 ? MIGRATE_CONTAINER : `${MIGRATE_CONTAINER}-${i + 1}`;
        containers.push(appContainer(containerName, step, {
            essential: false,
            ...(s.migrate?.workingDirectory ? { workingDirectory: s.migrate.workingDirectory } : {}),
            dependsOn: [{ containerName: previous, condition: "SUCCESS" }],
        }));
        previous = containerName;
    });
    containers.push(appContainer(APP_CONTAINER, s.command, {
        essential: true,
        stopTimeout: s.stopTimeoutSeconds,
        ...(s.web ? { portMappings: [{ containerPort: s.web.containerPort, hostPort: s.web.containerPort, protocol: "tcp", name: "http", appProtocol: "http" }] } : {}),
        ...(s.healthCheckCommand ? {
            healthCheck: { command: ["CMD", ...s.healthCheckCommand], interval: 30, timeout: 5, retries: 3, startPeriod: 60 },
        } : {}),
        dependsOn: [{ containerName: previous, condition: "SUCCESS" }],
    }));

    const taskDefinition = new aws.ecs.TaskDefinition(`${name}-task`, {
        family: s.family ?? `${pulumi.getProject()}-${pulumi.getStack()}-${name}`,
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        runtimePlatform: { cpuArchitecture: s.architecture, operatingSystemFamily: "LINUX" },
        cpu: String(s.cpu),
        memory: String(s.memory),
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        // A bind mount of the task's ephemeral storage: the writable /tmp.
        volumes: [{ name: "tmp", configureAtLaunch: false }],
        containerDefinitions: pulumi.jsonStringify(containers),
    }, opts);

    // No image pushed yet: no task runs (see `imagePushed`).
    const minTasks = s.imagePushed === false ? 0 : s.minTasks;
    const autoscaling = s.autoscaling !== false;
    const service = new aws.ecs.Service(`${name}-service`, {
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
        ...(s.web ? {
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

    if (!autoscaling) return { logGroup, executionRole, taskRole, taskDefinition, service, scalingTarget: undefined };
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
    if (s.web) track("requests", "ALBRequestCountPerTarget", s.web.requestsPerTarget, s.web.requestCountResourceLabel);

    return { logGroup, executionRole, taskRole, taskDefinition, service, scalingTarget };
}
