/**
 * What the api and the worker share: a log group, an execution role and a task role of their
 * own, a Fargate task definition, the ECS service and its autoscaling. `service.ts` holds the
 * two public components; this file is their common body.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { fargateMemoryChoices, SECRET_LOOKING_NAME } from "../config/defaults";
import { capacityProviderStrategy, checkCapacity, FargateCapacity } from "./capacity";

/** Name of the app container in every task definition (the ALB targets it in the api). */
export const APP_CONTAINER = "app";
/** Name of the api's init container that runs migrations before the app starts. */
export const MIGRATE_CONTAINER = "migrate";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Variables every container gets, plumbing for the read-only root filesystem: npm (`npx prisma
 * migrate deploy` in the init container), Prisma's engine cache and Node tools write under
 * $HOME (~/.npm, ~/.cache), which would fail with EROFS. /tmp is the task's one writable volume.
 */
export const WRITABLE_HOME_ENV: Readonly<Record<string, string>> = Object.freeze({ HOME: "/tmp", npm_config_cache: "/tmp/.npm" });

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
     * How the tasks split between on-demand Fargate and Fargate Spot (up to 70% cheaper; a task
     * gets SIGTERM two minutes before AWS takes the capacity back, then SIGKILL after
     * `stopTimeoutSeconds`). `onDemandBase` tasks always run on-demand; `spotPercent` of the rest
     * run on Spot. Cost: Spot vCPU and memory at the live Spot rate (50-70% below on-demand).
     * @default { onDemandBase: 0, spotPercent: 0 } (all on-demand)
     * @example { onDemandBase: 1, spotPercent: 50 }
     */
    capacity?: FargateCapacity;
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

/**
 * What a Fargate service needs, whichever kind it is: the services' shared args (documented on
 * `ServiceBaseArgs`) with their defaults filled in. Validated by `checkServiceArgs`.
 */
export interface FargateSpec extends Omit<ServiceBaseArgs, "stopTimeoutSeconds" | "cpuTargetPercent" | "memoryTargetPercent" | "capacity"> {
    stopTimeoutSeconds: number;
    capacity: FargateCapacity;
    cpuTargetPercent: number;
    memoryTargetPercent: number;
    /** Resources the ECS service (its rollout) waits for: the component's own `dependsOn`, the api's listener. */
    serviceDependsOn?: pulumi.Input<pulumi.Resource>[];
    // The api's parts; absent for the worker.
    web?: {
        containerPort: number;
        targetGroupArn: pulumi.Input<string>;
        requestCountResourceLabel: pulumi.Input<string>;
        requestsPerTarget: number;
        migrateCommand?: string[];
        healthCheckGracePeriodSeconds: number;
    };
}

/** Throws, naming the arg, on anything a task definition or service would reject later (or get wrong). */
export function checkServiceArgs(component: string, s: FargateSpec): void {
    const fail = (msg: string) => { throw new Error(`${component}: ${msg}`); };
    const choices = fargateMemoryChoices(s.cpu);
    if (!choices) fail(`cpu ${s.cpu} is not a Fargate CPU size; use 256, 512, 1024, 2048, 4096, 8192 or 16384. Example: 512`);
    else if (!choices.includes(s.memory)) fail(`memory ${s.memory} is not valid with cpu ${s.cpu}; Fargate allows ${choices.join(", ")} MiB. Example: ${choices[0]}`);
    if (!Number.isInteger(s.minTasks) || s.minTasks < 0) fail(`minTasks must be a whole number of 0 or more, got ${s.minTasks}. Example: 2`);
    if (!Number.isInteger(s.maxTasks) || s.maxTasks < 1) fail(`maxTasks must be a whole number of at least 1, got ${s.maxTasks}. Example: 6`);
    if (s.minTasks > s.maxTasks) fail(`minTasks (${s.minTasks}) must not exceed maxTasks (${s.maxTasks})`);
    if (s.command.length === 0 || s.command.some((c) => c.trim() === "")) fail(`command must be a non-empty list of words, got ${JSON.stringify(s.command)}. Example: ["node", "dist/main.js"]`);
    if (s.web?.migrateCommand && (s.web.migrateCommand.length === 0 || s.web.migrateCommand.some((c) => c.trim() === ""))) {
        fail(`migrateCommand must be a non-empty list of words or undefined, got ${JSON.stringify(s.web.migrateCommand)}. Example: ["npx", "prisma", "migrate", "deploy"]`);
    }
    if (s.subnetIds.length === 0) fail("subnetIds must name at least one private subnet");
    if (!Number.isInteger(s.stopTimeoutSeconds) || s.stopTimeoutSeconds < 2 || s.stopTimeoutSeconds > 120) {
        fail(`stopTimeoutSeconds must be 2-120 (Fargate's limit), got ${s.stopTimeoutSeconds}. Example: 30`);
    }
    for (const name of Object.keys(s.environment)) {
        if (!ENV_NAME.test(name)) fail(`environment name "${name}" is not a valid variable name. Example: LOG_LEVEL`);
        if (s.secretKeys.includes(name)) fail(`environment sets ${name}, which secretKeys also delivers; a variable comes from one place only`);
        if (SECRET_LOOKING_NAME.test(name)) fail(`environment sets ${name}, which looks like a credential; add it to the stack's secret and secretKeys instead`);
        if (Object.keys(WRITABLE_HOME_ENV).includes(name)) fail(`environment sets ${name}, which the service sets itself to ${WRITABLE_HOME_ENV[name]} (the root filesystem is read-only); remove it`);
    }
    for (const key of s.secretKeys) {
        if (!ENV_NAME.test(key)) fail(`secretKeys entry "${key}" is not a valid variable name. Example: DATABASE_URL`);
        if (Object.keys(WRITABLE_HOME_ENV).includes(key)) fail(`secretKeys holds ${key}, which the service sets itself to ${WRITABLE_HOME_ENV[key]}; remove it`);
    }
    if (new Set(s.secretKeys).size !== s.secretKeys.length) fail(`secretKeys has duplicates: ${JSON.stringify(s.secretKeys)}`);
    if (s.web) {
        const w = s.web;
        if (!Number.isInteger(w.containerPort) || w.containerPort < 1 || w.containerPort > 65535) fail(`containerPort must be a port number, got ${w.containerPort}. Example: 3000`);
        if (!Number.isInteger(w.healthCheckGracePeriodSeconds) || w.healthCheckGracePeriodSeconds < 0) {
            fail(`healthCheckGracePeriodSeconds must be a whole number of seconds, got ${w.healthCheckGracePeriodSeconds}. Example: 60`);
        }
        if (!(w.requestsPerTarget > 0)) fail(`requestsPerTarget must be more than 0, got ${w.requestsPerTarget}. Example: 500`);
    }
    checkCapacity(component, s.capacity);
    for (const [arg, v] of [["cpuTargetPercent", s.cpuTargetPercent], ["memoryTargetPercent", s.memoryTargetPercent]] as const) {
        if (!(v > 0 && v <= 100)) fail(`${arg} must be 1-100, got ${v}. Example: 60`);
    }
}

/** The resources `buildFargateService` made, for the components' escape-hatch fields. */
export interface FargateParts {
    logGroup: aws.cloudwatch.LogGroup;
    executionRole: aws.iam.Role;
    taskRole: aws.iam.Role;
    taskDefinition: aws.ecs.TaskDefinition;
    service: aws.ecs.Service;
    scalingTarget: aws.appautoscaling.Target;
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
    }, opts);
    new aws.iam.RolePolicy(`${name}-execution`, {
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
            ],
        }),
    }, opts);

    // Task role: what the app's own AWS SDK calls may do. Only this stack's buckets; no static
    // keys anywhere, the SDK picks these credentials up from the task metadata endpoint.
    const taskRole = new aws.iam.Role(`${name}-task`, {
        description: `The ${name} app's own AWS permissions: this stack's buckets only`,
        assumeRolePolicy: assumeByEcsTasks,
    }, opts);
    if (s.bucketArns.length > 0) {
        new aws.iam.RolePolicy(`${name}-task-s3`, {
            role: taskRole.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    { Sid: "ListBuckets", Effect: "Allow", Action: ["s3:ListBucket"], Resource: s.bucketArns },
                    {
                        Sid: "ReadWriteObjects",
                        Effect: "Allow",
                        // Multipart: browsers upload large files in parts through URLs the api
                        // signs, and the api lists the uploaded parts and aborts unfinished uploads.
                        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                        Resource: s.bucketArns.map((arn) => pulumi.interpolate`${arn}/*`),
                    },
                ],
            }),
        }, opts);
    }

    // The app's settings plus the writable-$HOME plumbing (checkServiceArgs refused overlaps).
    const plainEnv: Record<string, pulumi.Input<string>> = { ...s.environment, ...WRITABLE_HOME_ENV };
    const environment = Object.keys(plainEnv).sort().map((k) => ({ name: k, value: plainEnv[k] }));
    // Each secret is one key of the stack's JSON secret: `<arn>:<KEY>::` (latest version).
    const secrets = s.secretKeys.map((k) => ({ name: k, valueFrom: pulumi.interpolate`${s.secretArn}:${k}::` }));
    const container = (containerName: string, command: string[], extra: Record<string, unknown>) => ({
        name: containerName,
        image: s.image,
        command,
        environment,
        secrets,
        // The image cannot be changed at run time; /tmp is the only writable place.
        readonlyRootFilesystem: true,
        mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
        // Node as PID 1 ignores SIGTERM without a handler; tini forwards it and reaps zombies.
        linuxParameters: { initProcessEnabled: true },
        logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": logGroup.name, "awslogs-region": region, "awslogs-stream-prefix": name },
        },
        ...extra,
    });

    const containers: unknown[] = [];
    const migrate = s.web?.migrateCommand;
    if (s.web && migrate) {
        // Runs to completion before the app starts in every new task; a failing migration
        // stops the task, the deployment fails, and the circuit breaker rolls back while the
        // old version keeps serving. (Prisma's migrate takes a lock, so parallel tasks are safe.)
        containers.push(container(MIGRATE_CONTAINER, migrate, { essential: false }));
    }
    containers.push(container(APP_CONTAINER, s.command, {
        essential: true,
        stopTimeout: s.stopTimeoutSeconds,
        ...(s.web ? { portMappings: [{ containerPort: s.web.containerPort, protocol: "tcp", name: "http", appProtocol: "http" }] } : {}),
        ...(s.web && migrate ? { dependsOn: [{ containerName: MIGRATE_CONTAINER, condition: "SUCCESS" }] } : {}),
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
        volumes: [{ name: "tmp" }],
        containerDefinitions: pulumi.jsonStringify(containers),
    }, opts);

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
        desiredCount: s.minTasks,
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
        ignoreChanges: ["desiredCount"],
        dependsOn: s.serviceDependsOn ?? [],
    });

    const resourceId = pulumi.interpolate`service/${s.clusterName}/${service.name}`;
    const scalingTarget = new aws.appautoscaling.Target(`${name}-scaling`, {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId,
        minCapacity: s.minTasks,
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
