/**
 * The pieces every Fargate task of the stack is made of, whichever runs it (a service, a one-off
 * `npm run task`, a schedule): the two IAM roles, the container list (a root prepare step, the
 * migration steps when asked, the app container) and the task definition. `task.ts` builds the
 * services from them, `jobs.ts` the scheduled jobs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RoleScope, roleScope } from "../role-scope";
import { SetupContainer, WRITABLE_HOME_ENV } from "./task-args";

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

/** An IAM policy statement, as the role policies here write them. */
export type PolicyStatement = Record<string, unknown>;

/** What the two roles of a set of tasks may do. */
export interface TaskRoleSpec {
    /** Says whose tasks these are in the roles' descriptions, e.g. "api" or "scheduled jobs". */
    label: string;
    /** ECR repositories the execution role may pull from; empty: any repository of the account in the region. */
    repositoryArns: pulumi.Input<string>[];
    /** The log group the execution role may write (awslogs). */
    logGroupArn: pulumi.Input<string>;
    /** The stack's app secret; undefined: the tasks get no secret. */
    secretArn?: pulumi.Input<string>;
    /** Buckets the task role may list, read, write and delete objects in. */
    bucketArns: pulumi.Input<string>[];
    /** Only the keys under this prefix of those buckets (a preview's in its base's bucket). */
    bucketPrefix?: string;
    /** A further secret the execution role may read (a setup container's own). */
    setupSecretArn?: pulumi.Input<string>;
    /** SSE-KMS keys of those buckets (through S3 only). */
    bucketKeyArns?: pulumi.Input<string>[];
    /** Further statements of the task role (a backup bucket's writes, ECS Exec's channels). */
    extraTaskStatements?: pulumi.Input<PolicyStatement>[];
    roles?: RoleScope;
}

export interface TaskRoles {
    executionRole: aws.iam.Role;
    executionPolicy: aws.iam.RolePolicy;
    taskRole: aws.iam.Role;
    /** The task role's policies (none when it may do nothing). */
    taskPolicies: aws.iam.RolePolicy[];
}

/** The execution role (ECS starts the task with it) and the task role (the app's own AWS calls), `${name}-execution` / `${name}-task`. */
export function taskRoles(parent: pulumi.Resource, name: string, r: TaskRoleSpec): TaskRoles {
    const opts = { parent };
    const region = aws.getRegionOutput({}, opts).region;
    const account = aws.getCallerIdentityOutput({}, opts).accountId;
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
        description: `ECS starts ${r.label} tasks with this: pull the image, write logs${r.secretArn ? ", read this stack's app secret" : ""}`,
        assumeRolePolicy: assumeByEcsTasks,
        ...roleScope(r.roles, EXECUTION_ROLE_SUBPATH),
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
                    // One repository as a plain string (the shape the services' policies have always had).
                    Resource: r.repositoryArns.length === 0 ? pulumi.interpolate`arn:aws:ecr:${region}:${account}:repository/*`
                        : r.repositoryArns.length === 1 ? r.repositoryArns[0] : r.repositoryArns,
                },
                {
                    Sid: "Logs",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: pulumi.interpolate`${r.logGroupArn}:*`,
                },
                // Exactly the stack's secret; ECS fetches it once per task start.
                ...(r.secretArn ? [{ Sid: "AppSecret", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: r.secretArn }] : []),
                // The setup container's own secret (a preview's database administration).
                ...(r.setupSecretArn ? [{ Sid: "SetupSecret", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: r.setupSecretArn }] : []),
            ],
        }),
    }, opts);

    // Task role: what the app's own AWS SDK calls may do. Only this stack's buckets; no static
    // keys anywhere, the SDK picks these credentials up from the task metadata endpoint.
    const taskRole = new aws.iam.Role(`${name}-task`, {
        description: `The ${r.label} app's own AWS permissions: this stack's buckets only`,
        assumeRolePolicy: assumeByEcsTasks,
        ...roleScope(r.roles),
    }, opts);
    const taskPolicies: aws.iam.RolePolicy[] = [];
    if (r.bucketArns.length > 0) {
        // With a prefix (a preview in its base's bucket), only the keys under it: listing is
        // limited by the request's prefix, every object action by the object's ARN.
        const prefix = r.bucketPrefix ?? "";
        taskPolicies.push(new aws.iam.RolePolicy(`${name}-task-s3`, {
            role: taskRole.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "ListBuckets", Effect: "Allow", Action: ["s3:ListBucket"], Resource: r.bucketArns,
                        ...(prefix ? { Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } } : {}),
                    },
                    {
                        Sid: "ReadWriteObjects",
                        Effect: "Allow",
                        // Multipart: browsers upload large files in parts through URLs the api
                        // signs, and the api lists the uploaded parts and aborts unfinished uploads.
                        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                        Resource: r.bucketArns.map((arn) => pulumi.interpolate`${arn}/${prefix}*`),
                    },
                    // SSE-KMS buckets: S3 asks KMS, as the caller, for a data key on write and a
                    // decrypt on read (multipart uploads need both).
                    ...((r.bucketKeyArns ?? []).length > 0 ? [{
                        Sid: "BucketKeysThroughS3",
                        Effect: "Allow",
                        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                        Resource: r.bucketKeyArns,
                        Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${region}.amazonaws.com` } },
                    }] : []),
                ],
            }),
        }, opts));
    }
    if ((r.extraTaskStatements ?? []).length > 0) {
        taskPolicies.push(new aws.iam.RolePolicy(`${name}-task-extra`, {
            role: taskRole.id,
            policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: r.extraTaskStatements }),
        }, opts));
    }
    return { executionRole, executionPolicy, taskRole, taskPolicies };
}

/** What the containers of one task definition get. */
export interface ContainerSpec {
    image: pulumi.Input<string>;
    /** awslogs: the group, its region and the stream prefix (`<prefix>/<container>/<task id>`). */
    logGroupName: pulumi.Input<string>;
    region: pulumi.Input<string>;
    streamPrefix: string;
    /** Plain variables; the writable-$HOME plumbing is added here. */
    environment: Record<string, pulumi.Input<string>>;
    secretArn?: pulumi.Input<string>;
    /** The app secret's version each reference names (`AppSecrets.versionId`); undefined: the current one at each task start. */
    secretVersionId?: pulumi.Input<string>;
    /** Variable name → key of the app secret. */
    secrets: Record<string, string>;
    rdsCaBundle?: string;
    /**
     * The app container's command (the image's entrypoint gets it unless `entryPoint` is set);
     * undefined = the image's own CMD (a worker built as its own image).
     */
    command: string[] | undefined;
    /** Replaces the image's ENTRYPOINT for the app container (the scheduled jobs' wrapper). */
    entryPoint?: string[];
    /** An init container of its own image and secret, after the prepare step and before the migrations. */
    setup?: SetupContainer;
    /** Migration steps before the app container (exec form). */
    migrate?: { steps: string[][]; workingDirectory?: string };
    stopTimeoutSeconds: number;
    /** The api: the port the target group reaches. */
    containerPort?: number;
    healthCheckCommand?: string[];
}

/**
 * The containers of a task: the root prepare step, the migration steps (each gated on the one
 * before), then the app container, gated on the last of them.
 */
export function appContainers(c: ContainerSpec): unknown[] {
    // The app's settings plus the writable-$HOME plumbing (checkServiceArgs refused overlaps).
    const plainEnv: Record<string, pulumi.Input<string>> = { ...c.environment, ...WRITABLE_HOME_ENV };
    const environment = Object.keys(plainEnv).sort().map((k) => ({ name: k, value: plainEnv[k] }));
    // Each secret is one key of the stack's JSON secret: `<arn>:<KEY>::<version id>`. Naming the
    // version makes a new value a new task definition, so the services roll onto it (ECS reads
    // secrets only at a task's start; with `<arn>:<KEY>::` running tasks would keep the old value
    // until something else restarted them). A rollback's older definition names the previous version.
    const secrets = Object.keys(c.secrets).sort().map((v) => ({ name: v, valueFrom: pulumi.interpolate`${c.secretArn}:${c.secrets[v]}::${c.secretVersionId ?? ""}` }));
    // Every field ECS would otherwise fill in with a default is spelled out, so the definition
    // the provider reads back equals the one written and `pulumi up` shows no diff: `essential`,
    // `hostPort` (awsvpc: the container port), the awslogs `mode` (ECS has defaulted to
    // non-blocking since 2025 and writes it into definitions that omit it; pulumi/pulumi-aws#5256),
    // and the bind volume's `configureAtLaunch`.
    const base = (containerName: string, extra: Record<string, unknown>) => ({
        name: containerName,
        image: c.image,
        // The image cannot be changed at run time; /tmp is the only writable place.
        readonlyRootFilesystem: true,
        mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
        logConfiguration: awsLogs(c.logGroupName, c.region, c.streamPrefix),
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
        environment: c.rdsCaBundle ? [{ name: "GROUNDWORK_RDS_CA", value: c.rdsCaBundle }] : [],
    }));
    let previous = PREPARE_CONTAINER;
    if (c.setup) {
        // Its own image, environment and secret (never the app's); the app containers never get its values.
        const setup = c.setup;
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
    const steps = c.migrate?.steps ?? [];
    steps.forEach((step, i) => {
        // Each step runs to completion before the next, and the app starts after the last; a
        // failing step stops the task, the deployment fails, and the circuit breaker rolls back
        // while the old version keeps serving. (Prisma's migrate takes a lock: parallel tasks are safe.)
        const containerName = steps.length === 1 ? MIGRATE_CONTAINER : `${MIGRATE_CONTAINER}-${i + 1}`;
        containers.push(appContainer(containerName, step, {
            essential: false,
            ...(c.migrate?.workingDirectory ? { workingDirectory: c.migrate.workingDirectory } : {}),
            dependsOn: [{ containerName: previous, condition: "SUCCESS" }],
        }));
        previous = containerName;
    });
    containers.push(appContainer(APP_CONTAINER, c.command, {
        essential: true,
        stopTimeout: c.stopTimeoutSeconds,
        ...(c.entryPoint ? { entryPoint: c.entryPoint } : {}),
        ...(c.containerPort !== undefined
            ? { portMappings: [{ containerPort: c.containerPort, hostPort: c.containerPort, protocol: "tcp", name: "http", appProtocol: "http" }] }
            : {}),
        ...(c.healthCheckCommand ? {
            healthCheck: { command: ["CMD", ...c.healthCheckCommand], interval: 30, timeout: 5, retries: 3, startPeriod: 60 },
        } : {}),
        dependsOn: [{ containerName: previous, condition: "SUCCESS" }],
    }));
    return containers;
}

/** An awslogs log configuration (non-blocking: a full buffer drops lines instead of blocking the app's writes). */
export function awsLogs(group: pulumi.Input<string>, region: pulumi.Input<string>, streamPrefix: string) {
    return {
        logDriver: "awslogs",
        options: {
            "awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": streamPrefix,
            // A full buffer drops log lines instead of blocking the app's stdout writes (and its requests).
            mode: "non-blocking", "max-buffer-size": "25m",
        },
    };
}

/** A Fargate task definition's arguments: awsvpc, the roles, one writable /tmp volume. */
export function fargateTaskDefinitionArgs(t: {
    family: pulumi.Input<string>;
    architecture: "X86_64" | "ARM64";
    cpu: number;
    memory: number;
    executionRoleArn: pulumi.Input<string>;
    taskRoleArn: pulumi.Input<string>;
    containers: unknown[];
}): aws.ecs.TaskDefinitionArgs {
    return {
        family: t.family,
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        runtimePlatform: { cpuArchitecture: t.architecture, operatingSystemFamily: "LINUX" },
        cpu: String(t.cpu),
        memory: String(t.memory),
        executionRoleArn: t.executionRoleArn,
        taskRoleArn: t.taskRoleArn,
        // A bind mount of the task's ephemeral storage: the writable /tmp.
        volumes: [{ name: "tmp", configureAtLaunch: false }],
        containerDefinitions: pulumi.jsonStringify(t.containers),
    };
}
