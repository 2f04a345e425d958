/**
 * The arguments every Fargate service shares (`ServiceBaseArgs`), the filled-in spec the build
 * step takes (`FargateSpec`), and the checks run on it before any resource exists.
 */
import type * as pulumi from "@pulumi/pulumi";
import { fargateMemoryChoices, SECRET_LOOKING_NAME } from "../config/defaults";
import type { RoleScope } from "../role-scope";
import { QUEUE_NAME } from "../app-metrics";
import { checkCapacity, FargateCapacity } from "./capacity";

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
     * `<repository url>:<tag>`. The api and worker run the same image unless the worker has its own.
     * @default none (config: `<repository url>:<groundwork:imageTag>`)
     * @example pulumi.interpolate`${cluster.repositoryUrl}:v1.4.2`
     */
    image: pulumi.Input<string>;
    /**
     * Whether an image has been pushed. false (the first `up` of a new stack, before CI pushed
     * one): the service is created with no tasks and autoscaling's minimum at 0, so nothing pulls
     * an image that does not exist and `pulumi up` finishes; once the tag is set, the next `up`
     * raises the minimum and Application Auto Scaling starts the tasks.
     * @default true
     * @example false
     */
    imagePushed?: boolean;
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
     * The app container's command (the image's entrypoint gets these words); undefined = the
     * image's own CMD (a worker built as its own image).
     * @default none (config: api "node dist/main.js", worker "node dist/worker.js")
     * @example ["node", "dist/main.js"]
     */
    command: string[] | undefined;
    /**
     * Private subnets for the tasks (one per AZ); tasks never get a public IP. A list, or an
     * Output of one (a preview's come from its base stack).
     * @default none (required)
     * @example network.privateSubnetIds
     */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The tasks' security group.
     * @default none (required)
     * @example sg.apiSecurityGroupId
     */
    securityGroupId: pulumi.Input<string>;
    /**
     * Plain settings, the ECS `environment`. Never secrets: a name in `secrets` or one that
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
     * The secret's current version: each reference names it (`<arn>:<KEY>::<version id>`), so a
     * new value is a new task definition and the service rolls onto it; ECS reads secrets only
     * when a task starts. Undefined: the current version at each task start (running tasks keep
     * the value they started with until something restarts them).
     * @default undefined
     * @example secrets.versionId
     */
    secretVersionId?: pulumi.Input<string>;
    /**
     * The task's secret variables: variable name → key of that secret (ECS `secrets`,
     * `valueFrom: <arn>:<KEY>::<version id>`). A variable may take another key's value (`API_SECRET` from
     * `JWT_SECRET`), and it stays an ECS secret.
     * @default none (required; may be empty)
     * @example { DATABASE_URL: "DATABASE_URL", JWT_SECRET: "JWT_SECRET" }
     */
    secrets: Record<string, string>;
    /**
     * Where the two roles live: the task role under `roles.path`, the execution role one level
     * deeper (`<path>execution/`). The app secret's resource policy admits the roles under that
     * deeper path (and the configured readers) and denies everyone else, so the policy exists
     * before any role and the secret's value is written only after it; the task role (the app's
     * own AWS credentials) stays outside it.
     * @default undefined (the root path, no boundary)
     * @example { path: "/groundwork/prod/" }
     */
    roles?: RoleScope;
    /**
     * Migration steps run to completion, in order, before the app container starts in every new
     * task (same image, environment and secrets; each in exec form, no shell). A failing step
     * stops the task, the deployment fails and the circuit breaker rolls back.
     * @default undefined (no migration step)
     * @example { steps: [["npx", "prisma", "migrate", "deploy"]], workingDirectory: "packages/database" }
     */
    migrate?: { steps: string[][]; workingDirectory?: string };
    /**
     * The app container's health check (exec form, exit 0 = healthy); ECS replaces a task that
     * keeps failing it.
     * @default undefined (none; the api is checked by the load balancer)
     * @example ["node", "dist/healthcheck.js"]
     */
    healthCheckCommand?: string[];
    /**
     * PEM certificates of the RDS CA for the stack's region. The task's root prepare step writes
     * them to /tmp/rds-ca.pem, which NODE_EXTRA_CA_CERTS and PGSSLROOTCERT point at, so clients
     * that verify the server (node-postgres with sslmode=require) trust the database.
     * @default undefined (no database CA)
     * @example rdsCaBundle("us-east-1")
     */
    rdsCaBundle?: string;
    /**
     * Resources the service's first tasks need besides its own: the security-group rules its
     * tasks use (a task started before its egress rule exists cannot reach the database).
     * @default []
     * @example sg.rulesFor("api")
     */
    networkDependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * Buckets the task role may list, read, write and delete objects in (and run multipart
     * uploads in: abort, list parts); nothing else in S3. Empty: the task role has no policy.
     * @default none (required; may be empty)
     * @example [uploads.arn]
     */
    bucketArns: pulumi.Input<string>[];
    /**
     * Limits the task role to the objects under this key prefix of `bucketArns` (listing, reading,
     * writing, deleting and multipart uploads): a preview's prefix in its base's bucket, so it
     * cannot reach the base's own objects. Unset: the whole buckets.
     * @default undefined (the whole buckets)
     * @example "previews/pr-123/"
     */
    bucketPrefix?: string;
    /**
     * Autoscaling between `minTasks` and `maxTasks` (target tracking on CPU, memory and, for the
     * api, requests). false: exactly `minTasks` tasks, no scalable target and no target-tracking
     * alarms (which bill $0.10 each): a preview's one task.
     * @default true
     * @example false
     */
    autoscaling?: boolean;
    /**
     * An init container of another image, run after the prepare step and before the migrations,
     * with its own plain environment and its own secret (never the app's, and the app containers
     * never get its values): a preview creating its database and role on the base's server with
     * the base's master credentials.
     * @default undefined (none)
     * @example db.setupContainer
     */
    setup?: SetupContainer;
    /**
     * KMS keys of those buckets (SSE-KMS): the task role may generate data keys and decrypt with
     * them, through S3 only (`kms:ViaService` s3.<region>), which S3 needs to write and read the
     * objects; nothing else with the keys.
     * @default [] (buckets encrypted with SSE-S3 need no key permission)
     * @example [uploads.kmsKeyArn]
     */
    bucketKeyArns?: pulumi.Input<string>[];
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
    /**
     * Scale on the queues' backlog per running task (a BullMQ worker's load is its queue, not its
     * CPU): target tracking on `(QueueWaiting + QueueActive, summed over the queues) / running
     * tasks` (Container Insights' RunningTaskCount), from the apps' EMF gauges
     * (components/app-metrics.ts), beside the CPU and memory policies, which still add tasks
     * when the queue is not the bottleneck. With `minTasks` 0 a step policy also starts the
     * first task when jobs wait and none runs (target tracking multiplies the running count and
     * cannot leave 0); something else must publish the gauges then (the api that enqueues).
     * Cost: $0.30/month per queue for the scaling alarms' metrics.
     * @default undefined (CPU and memory only)
     * @example { stack: "prod", queues: ["webhooks", "email"], targetPerTask: 20 }
     */
    queueScaling?: { stack: string; queues: string[]; targetPerTask: number };
}

/** An init container of its own image and secret (`ServiceBaseArgs.setup`). */
export interface SetupContainer {
    /** Container name (not `app`, `prepare` or `migrate…`). @example "database" */
    name: string;
    /** Image, e.g. from ECR Public (pulled through the NAT; no registry permission needed). @example "public.ecr.aws/docker/library/postgres:17-alpine" */
    image: string;
    /** Entry point, exec form. @example ["sh", "-c", "…", "database"] */
    entryPoint: string[];
    /** Command (arguments to the entry point). @example ["setup"] */
    command: string[];
    /** Plain environment. @example { PREVIEW_DB_NAME: "pr_123" } */
    environment: Record<string, pulumi.Input<string>>;
    /** Its own JSON secret; the execution role may read it. @example db.adminSecretArn */
    secretArn: pulumi.Input<string>;
    /** Variable name → key of that secret. @example { PGPASSWORD: "PGPASSWORD" } */
    secrets: Record<string, string>;
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
    if (s.command && (s.command.length === 0 || s.command.some((c) => c.trim() === ""))) fail(`command must be a non-empty list of words, got ${JSON.stringify(s.command)}. Example: ["node", "dist/main.js"]`);
    for (const step of s.migrate?.steps ?? []) {
        if (step.length === 0 || step.some((c) => c.trim() === "")) {
            fail(`migrate.steps must hold non-empty lists of words, got ${JSON.stringify(step)}. Example: [["npx", "prisma", "migrate", "deploy"]]`);
        }
    }
    if (s.migrate && s.migrate.steps.length > 5) fail(`migrate.steps holds ${s.migrate.steps.length} steps; at most 5 (each is a container of the task)`);
    if (s.healthCheckCommand && (s.healthCheckCommand.length === 0 || s.healthCheckCommand.some((c) => c.trim() === ""))) {
        fail(`healthCheckCommand must be a non-empty list of words, got ${JSON.stringify(s.healthCheckCommand)}. Example: ["node", "dist/healthcheck.js"]`);
    }
    if (s.roles !== undefined && !/^\/([A-Za-z0-9+=,.@_-]+\/)*$/.test(s.roles.path)) {
        fail(`roles.path must start and end with / and hold only letters, digits and +=,.@_-, got "${s.roles.path}". Example: /groundwork/prod/`);
    }
    if (Array.isArray(s.subnetIds) && s.subnetIds.length === 0) fail("subnetIds must name at least one private subnet");
    if (s.bucketPrefix !== undefined && !/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(s.bucketPrefix)) {
        fail(`bucketPrefix must be an S3 key prefix ending in /, got "${s.bucketPrefix}". Example: previews/pr-123/`);
    }
    if (s.autoscaling === false && s.minTasks !== s.maxTasks) {
        fail(`minTasks (${s.minTasks}) and maxTasks (${s.maxTasks}) must be equal without autoscaling: nothing would scale between them`);
    }
    if (s.setup) {
        const reserved = ["app", "prepare"];
        if (!/^[a-z][a-z0-9-]{0,30}$/.test(s.setup.name) || reserved.includes(s.setup.name) || s.setup.name.startsWith("migrate")) {
            fail(`setup.name must be a lowercase container name other than app, prepare and migrate…, got "${s.setup.name}". Example: database`);
        }
        if (s.setup.entryPoint.length === 0 || s.setup.entryPoint.some((c) => c === "")) fail(`setup.entryPoint must be a non-empty list of words. Example: ["sh", "-c", "…"]`);
        for (const [name, key] of Object.entries(s.setup.secrets)) {
            if (!ENV_NAME.test(name) || !ENV_NAME.test(key)) fail(`setup.secrets maps "${name}" to "${key}"; both must be variable names. Example: { PGPASSWORD: "PGPASSWORD" }`);
        }
    }
    if (!Number.isInteger(s.stopTimeoutSeconds) || s.stopTimeoutSeconds < 2 || s.stopTimeoutSeconds > 120) {
        fail(`stopTimeoutSeconds must be 2-120 (Fargate's limit), got ${s.stopTimeoutSeconds}. Example: 30`);
    }
    for (const name of Object.keys(s.environment)) {
        if (!ENV_NAME.test(name)) fail(`environment name "${name}" is not a valid variable name. Example: LOG_LEVEL`);
        if (name in s.secrets) fail(`environment sets ${name}, which secrets also delivers; a variable comes from one place only`);
        if (SECRET_LOOKING_NAME.test(name)) fail(`environment sets ${name}, which looks like a credential; add it to the stack's secret and secrets instead`);
        if (Object.keys(WRITABLE_HOME_ENV).includes(name)) fail(`environment sets ${name}, which the service sets itself to ${WRITABLE_HOME_ENV[name]} (the root filesystem is read-only); remove it`);
    }
    for (const [name, key] of Object.entries(s.secrets)) {
        if (!ENV_NAME.test(name)) fail(`secrets variable "${name}" is not a valid variable name. Example: DATABASE_URL`);
        if (!ENV_NAME.test(key)) fail(`secrets maps ${name} to "${key}", which is not a key name. Example: { DATABASE_URL: "DATABASE_URL" }`);
        if (Object.keys(WRITABLE_HOME_ENV).includes(name)) fail(`secrets holds ${name}, which the service sets itself to ${WRITABLE_HOME_ENV[name]}; remove it`);
    }
    if (s.web) {
        const w = s.web;
        if (!Number.isInteger(w.containerPort) || w.containerPort < 1 || w.containerPort > 65535) fail(`containerPort must be a port number, got ${w.containerPort}. Example: 3000`);
        if (!Number.isInteger(w.healthCheckGracePeriodSeconds) || w.healthCheckGracePeriodSeconds < 0) {
            fail(`healthCheckGracePeriodSeconds must be a whole number of seconds, got ${w.healthCheckGracePeriodSeconds}. Example: 60`);
        }
        if (!(w.requestsPerTarget > 0)) fail(`requestsPerTarget must be more than 0, got ${w.requestsPerTarget}. Example: 500`);
    }
    checkCapacity(component, s.capacity);
    if (s.queueScaling) {
        const q = s.queueScaling;
        if (q.queues.length === 0 || q.queues.length > 10) fail(`queueScaling.queues must name 1-10 queues, got ${q.queues.length}. Example: ["webhooks"]`);
        for (const name of q.queues) if (!QUEUE_NAME.test(name)) fail(`queueScaling.queues: "${name}" is not a queue name the metric contract accepts. Example: webhooks`);
        if (!(q.targetPerTask > 0)) fail(`queueScaling.targetPerTask must be more than 0, got ${q.targetPerTask}. Example: 20`);
        if (!q.stack) fail("queueScaling.stack must be the stack's name (the metrics' Stack dimension). Example: prod");
    }
    for (const [arg, v] of [["cpuTargetPercent", s.cpuTargetPercent], ["memoryTargetPercent", s.memoryTargetPercent]] as const) {
        if (!(v > 0 && v <= 100)) fail(`${arg} must be 1-100, got ${v}. Example: 60`);
    }
}

