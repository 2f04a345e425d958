/**
 * Scheduled jobs: each a Fargate task definition of its own (the api's or the worker's image,
 * environment and secrets, its own size and command, no migration step) that EventBridge
 * Scheduler starts with ECS `RunTask` on its cron or rate schedule, in the stack's private
 * subnets. The jobs share a log group (with the stack's retention), an execution role, a task
 * role (this stack's buckets, and write-only access to the backups bucket) and a scheduler role
 * that may start exactly these task definitions in this cluster and pass exactly these two roles.
 *
 * A failed run is one whose task stopped with a non-zero exit code in any container, or that
 * never started (`TaskFailedToStart`); job-failures.ts turns ECS's stop events into the
 * `Groundwork/Jobs` `FailedRuns` metric per job, which Monitoring alarms on. A run the
 * Scheduler could not start at all (its retries exhausted) shows in `AWS/Scheduler`
 * `InvocationDroppedCount` of the jobs' schedule group, which Monitoring also alarms on.
 *
 * EventBridge Scheduler starts a task at every tick, whether or not the previous one is still
 * running, and has no timeout: both are the job wrapper's (job-runner.ts).
 *
 * Cost: the schedules are free up to 14 million invocations a month; each run bills Fargate for
 * its size and duration (a 512/1024 ARM64 task for 10 minutes is under $0.01); the failure log
 * group holds a few KB.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RoleScope, roleScope } from "../role-scope";
import { fargateMemoryChoices } from "../config/defaults";
import { FAILED_RUNS_METRIC, recordFailedRuns } from "./job-failures";
import { JOB_ENV, JOB_RUNNER_SCRIPT } from "./job-runner";
import { PolicyStatement, appContainers, fargateTaskDefinitionArgs, taskRoles } from "./task-definition";

/** The ECS task group of a job's runs: how the failure rule and metric tell the jobs apart. */
export const jobGroup = (job: string) => `job:${job}`;
export { FAILED_RUNS_METRIC };
/** The variable a job gets with the backups bucket's name. */
export const BACKUPS_BUCKET_VARIABLE = "BACKUPS_BUCKET";

/** One job, as the config module resolves it from `groundwork:jobs`. */
export interface JobSpec {
    /** Lowercase kebab-case, unique; names its task definition family, log streams, schedule and `taskLaunch` key. */
    name: string;
    /** `cron(...)` (6 fields) or `rate(...)`, as EventBridge Scheduler takes them. */
    schedule: string;
    /** IANA time zone the cron expression is read in. */
    timezone: string;
    /** Exec form (no shell unless the command is one: ["sh", "-c", "…"]). */
    command: string[];
    /** Whose image, environment and secrets: the api's ("app") or the worker's. */
    image: "app" | "worker";
    cpu: number;
    memory: number;
    /** false: a run that finds another run of the job still going exits at once (skipped). */
    allowOverlap: boolean;
    /** A run still going after this long is stopped and counts as failed. */
    timeoutMinutes: number;
}

/** An image's run: the repository URL with its tag, and what its service gets. */
export interface JobImage {
    image: pulumi.Input<string>;
    /** Whether CI has pushed it: until then the jobs that run it have their schedules disabled (a run would fail at every tick). */
    pushed: boolean;
    environment: Record<string, pulumi.Input<string>>;
    secrets: Record<string, string>;
}

export interface ScheduledJobsArgs {
    /**
     * The jobs. Each is a task definition and a schedule; no task runs between runs.
     * Cost: Fargate per run (vCPU and GB per second of the run), nothing when idle.
     * @default none (required, at least one)
     * @example [{ name: "cleanup", schedule: "cron(0 3 * * ? *)", timezone: "UTC", command: ["node", "dist/jobs/cleanup.js"], image: "app", cpu: 256, memory: 512, allowOverlap: false, timeoutMinutes: 30 }]
     */
    jobs: JobSpec[];
    /**
     * The images a job may run (`app`: the api's; `worker`: the worker's), with the variables and
     * secrets of the service that runs it.
     * @default none (required: at least the ones the jobs name)
     * @example { app: { image: "…/app-repo:v1.4.2", pushed: true, environment: env.api.environment, secrets: env.api.secrets } }
     */
    images: Partial<Record<"app" | "worker", JobImage>>;
    /**
     * ECR repositories the execution role may pull from.
     * @default none (required)
     * @example [cluster.repositoryArns.app]
     */
    repositoryArns: pulumi.Input<string>[];
    /**
     * The cluster the runs start in (its ARN: the scheduler's target and the failure rule's filter).
     * @default none (required)
     * @example cluster.clusterArn
     */
    clusterArn: pulumi.Input<string>;
    /**
     * Private subnets of the runs; a run never gets a public IP.
     * @default none (required)
     * @example network.privateSubnetIds
     */
    subnetIds: pulumi.Input<string>[];
    /**
     * The runs' security group (the jobs' own, with the worker's rules).
     * @default none (required)
     * @example sg.taskSecurityGroupIds.jobs
     */
    securityGroupId: pulumi.Input<string>;
    /**
     * The image's architecture.
     * @default none (config: groundwork:cpuArchitecture)
     * @example "ARM64"
     */
    architecture: "X86_64" | "ARM64";
    /**
     * The stack's app secret (the execution role reads it at each start).
     * @default none (required)
     * @example secrets.arn
     */
    secretArn: pulumi.Input<string>;
    /**
     * The app secret's current version (each secret reference names it, as the services' do).
     * @default undefined (the current version at each run's start)
     * @example secrets.versionId
     */
    secretVersionId?: pulumi.Input<string>;
    /**
     * Buckets the jobs may read and write as the services do (the uploads).
     * @default []
     * @example [uploads.arn]
     */
    bucketArns?: pulumi.Input<string>[];
    /**
     * SSE-KMS keys of those buckets (through S3 only).
     * @default []
     * @example [uploads.kmsKeyArn]
     */
    bucketKeyArns?: pulumi.Input<string>[];
    /**
     * The backups bucket: the jobs may write objects (and abort their multipart uploads) there,
     * never read, list or delete them, so a compromised job cannot remove a backup; each job gets
     * its name as `BACKUPS_BUCKET`.
     * @default undefined (no backups bucket)
     * @example { name: backups.bucketName, arn: backups.arn, keyArn: backups.kmsKeyArn }
     */
    backups?: { name: pulumi.Input<string>; arn: pulumi.Input<string>; keyArn?: pulumi.Input<string> };
    /**
     * PEM certificates of the region's RDS CA, written to /tmp/rds-ca.pem by the prepare step.
     * @default undefined
     * @example rdsCaBundle("us-east-1")
     */
    rdsCaBundle?: string;
    /**
     * Days CloudWatch keeps the runs' logs and the failure records. Cost: $0.50/GB ingested.
     * @default none (config: groundwork:logRetentionDays)
     * @example 30
     */
    logRetentionDays: number;
    /**
     * The stack's events policy (ops/events-log-delivery.ts) through which EventBridge writes the
     * failed runs' records.
     * @default none (required)
     * @example new EventsLogDelivery("events", opts).policy
     */
    eventsDelivery: pulumi.Resource;
    /**
     * The `Stack` dimension of the skipped-run metric.
     * @default none (required)
     * @example "prod"
     */
    stack: string;
    /**
     * Where the four roles live (execution, task, scheduler) and their permissions boundary.
     * @default undefined (the root path, no boundary)
     * @example { path: "/groundwork/prod/" }
     */
    roles?: RoleScope;
    /**
     * Resources the first run needs besides the roles: the jobs' security-group rules.
     * @default []
     * @example sg.rulesFor("jobs")
     */
    networkDependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** What `npm run task` needs to start a job's definition by hand. */
export interface JobLaunch {
    taskDefinition: pulumi.Output<string>;
    logGroup: pulumi.Output<string>;
    logStreamPrefix: string;
}

/** Throws, naming the arg, on a job the task definition or the schedule would refuse later. */
export function checkJobs(component: string, args: ScheduledJobsArgs): void {
    const fail = (msg: string) => { throw new Error(`${component}: ${msg}`); };
    if (args.jobs.length === 0) fail("jobs must hold at least one job. Example: [{ name: \"cleanup\", … }]");
    const seen = new Set<string>();
    for (const j of args.jobs) {
        if (!/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(j.name)) fail(`jobs: name must be lowercase kebab-case of 2-32 characters, got "${j.name}". Example: db-backup`);
        if (seen.has(j.name)) fail(`jobs: "${j.name}" appears twice`);
        seen.add(j.name);
        if (!/^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/.test(j.schedule)) fail(`jobs.${j.name}.schedule must be cron(...) or rate(...), got "${j.schedule}". Example: cron(0 3 * * ? *)`);
        if (j.command.length === 0 || j.command.some((w) => w.trim() === "")) fail(`jobs.${j.name}.command must be a non-empty list of words. Example: ["node", "dist/jobs/cleanup.js"]`);
        if (!args.images[j.image]) fail(`jobs.${j.name}.image is "${j.image}" but images has no ${j.image}`);
        const choices = fargateMemoryChoices(j.cpu);
        if (!choices || !choices.includes(j.memory)) fail(`jobs.${j.name}: cpu ${j.cpu} / memory ${j.memory} is not a Fargate size. Example: cpu 256, memory 512`);
        if (!Number.isInteger(j.timeoutMinutes) || j.timeoutMinutes < 1 || j.timeoutMinutes > 1440) fail(`jobs.${j.name}.timeoutMinutes must be 1-1440, got ${j.timeoutMinutes}. Example: 60`);
        for (const name of [...Object.keys(args.images[j.image]!.environment), ...Object.keys(args.images[j.image]!.secrets)]) {
            if ((Object.values(JOB_ENV) as string[]).includes(name) || (args.backups && name === BACKUPS_BUCKET_VARIABLE)) {
                fail(`jobs.${j.name}: the ${j.image} environment already sets ${name}, which the job sets itself; rename it`);
            }
        }
    }
}

export class ScheduledJobs extends pulumi.ComponentResource {
    /** The jobs' log group (each run's streams are `<job>/<container>/<task id>`). */
    public readonly logGroup: aws.cloudwatch.LogGroup;
    public readonly executionRole: aws.iam.Role;
    public readonly taskRole: aws.iam.Role;
    /** The role EventBridge Scheduler starts the runs with. */
    public readonly schedulerRole: aws.iam.Role;
    /** Task definitions, by job name. */
    public readonly taskDefinitions: Record<string, aws.ecs.TaskDefinition>;
    /** Schedules, by job name. */
    public readonly schedules: Record<string, aws.scheduler.Schedule>;
    /** The schedule group's name (`AWS/Scheduler` metrics' `ScheduleGroup` dimension). */
    public readonly scheduleGroupName: pulumi.Output<string>;
    /** Where failed runs are recorded (one JSON event per failed run). */
    public readonly failureLogGroupName: pulumi.Output<string>;
    /** What `npm run task` needs per job (the `taskLaunch` output). */
    public readonly launches: Record<string, JobLaunch>;

    constructor(name: string, args: ScheduledJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:ScheduledJobs", name, {}, opts);
        checkJobs(`ScheduledJobs "${name}"`, args);
        const parent = { parent: this };
        const region = aws.getRegionOutput({}, parent).region;
        const account = aws.getCallerIdentityOutput({}, parent).accountId;
        const prefix = `${pulumi.getProject()}-${pulumi.getStack()}`;

        this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, parent);
        const extra: pulumi.Input<PolicyStatement>[] = [];
        if (args.backups) {
            extra.push({
                // Write-only: a job adds backups; reading, listing and deleting them is an operator's.
                Sid: "WriteBackups", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                Resource: pulumi.interpolate`${args.backups.arn}/*`,
            });
            if (args.backups.keyArn) {
                extra.push({
                    // A multipart upload to an SSE-KMS bucket needs a data key and a decrypt (of its parts).
                    Sid: "BackupsKeyThroughS3", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: args.backups.keyArn,
                    Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${region}.amazonaws.com` } },
                });
            }
        }
        if (args.jobs.some((j) => !j.allowOverlap)) {
            // The wrapper's overlap check: the running tasks of its own family in this cluster (a read).
            extra.push({ Sid: "SeeOtherRuns", Effect: "Allow", Action: ["ecs:ListTasks"], Resource: "*", Condition: { ArnEquals: { "ecs:cluster": args.clusterArn } } });
        }
        const roles = taskRoles(this, name, {
            label: "scheduled jobs",
            repositoryArns: args.repositoryArns,
            logGroupArn: this.logGroup.arn,
            secretArn: args.secretArn,
            bucketArns: args.bucketArns ?? [],
            bucketKeyArns: args.bucketKeyArns,
            extraTaskStatements: extra,
            roles: args.roles,
        });
        this.executionRole = roles.executionRole;
        this.taskRole = roles.taskRole;

        this.taskDefinitions = {};
        this.launches = {};
        const family = (job: string) => `${prefix}-job-${job}`;
        for (const job of args.jobs) {
            const image = args.images[job.image]!;
            const td = new aws.ecs.TaskDefinition(`${name}-${job.name}`, fargateTaskDefinitionArgs({
                family: family(job.name),
                architecture: args.architecture,
                cpu: job.cpu,
                memory: job.memory,
                executionRoleArn: roles.executionRole.arn,
                taskRoleArn: roles.taskRole.arn,
                containers: appContainers({
                    image: image.image,
                    logGroupName: this.logGroup.name,
                    region,
                    streamPrefix: job.name,
                    environment: {
                        ...image.environment,
                        ...(args.backups ? { [BACKUPS_BUCKET_VARIABLE]: args.backups.name } : {}),
                        [JOB_ENV.name]: job.name,
                        [JOB_ENV.stack]: args.stack,
                        [JOB_ENV.noOverlap]: job.allowOverlap ? "0" : "1",
                        [JOB_ENV.timeout]: String(job.timeoutMinutes * 60),
                    },
                    secretArn: args.secretArn,
                    secretVersionId: args.secretVersionId,
                    secrets: image.secrets,
                    rdsCaBundle: args.rdsCaBundle,
                    // The wrapper runs the command (exec form, no shell), checks for overlap and enforces the timeout.
                    entryPoint: ["node", "-e", JOB_RUNNER_SCRIPT, "--"],
                    command: job.command,
                    // After SIGTERM (a timeout, StopTask) the command gets ECS's longest grace.
                    stopTimeoutSeconds: 120,
                }),
            }), parent);
            this.taskDefinitions[job.name] = td;
            this.launches[job.name] = { taskDefinition: td.family, logGroup: this.logGroup.name, logStreamPrefix: job.name };
        }

        // ---- the scheduler ------------------------------------------------------------------------
        const group = new aws.scheduler.ScheduleGroup(`${name}-schedules`, { name: prefix }, parent);
        this.scheduleGroupName = group.name;
        this.schedulerRole = new aws.iam.Role(`${name}-scheduler`, {
            description: "EventBridge Scheduler starts this stack's scheduled jobs with this: RunTask of their task definitions only",
            assumeRolePolicy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Effect: "Allow",
                    Principal: { Service: "scheduler.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    // Only this account's schedules of this group (confused-deputy guard).
                    Condition: {
                        StringEquals: { "aws:SourceAccount": account },
                        ArnLike: { "aws:SourceArn": pulumi.interpolate`arn:aws:scheduler:${region}:${account}:schedule/${prefix}/*` },
                    },
                }],
            }),
            ...roleScope(args.roles),
        }, parent);
        const schedulerPolicy = new aws.iam.RolePolicy(`${name}-scheduler`, {
            role: this.schedulerRole.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "RunTheJobs", Effect: "Allow", Action: ["ecs:RunTask"],
                        Resource: args.jobs.map((j) => pulumi.interpolate`arn:aws:ecs:${region}:${account}:task-definition/${family(j.name)}:*`),
                        Condition: { ArnEquals: { "ecs:cluster": args.clusterArn } },
                    },
                    // The runs carry the task definition's tags (app, stack), set at launch.
                    { Sid: "TagTheRuns", Effect: "Allow", Action: ["ecs:TagResource"], Resource: "*", Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } } },
                    {
                        Sid: "PassTheJobRoles", Effect: "Allow", Action: ["iam:PassRole"],
                        Resource: [roles.executionRole.arn, roles.taskRole.arn],
                        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                    },
                ],
            }),
        }, parent);

        this.schedules = {};
        for (const job of args.jobs) {
            this.schedules[job.name] = new aws.scheduler.Schedule(`${name}-${job.name}`, {
                groupName: group.name,
                description: `${prefix}: run the ${job.name} job (${job.command[0]})`,
                scheduleExpression: job.schedule,
                scheduleExpressionTimezone: job.timezone,
                // On the tick: a flexible window would let Scheduler start it up to N minutes late.
                flexibleTimeWindow: { mode: "OFF" },
                state: args.images[job.image]!.pushed ? "ENABLED" : "DISABLED",
                target: {
                    arn: args.clusterArn,
                    roleArn: this.schedulerRole.arn,
                    ecsParameters: {
                        // The revision Pulumi registered: a schedule never runs a definition newer than the stack's.
                        taskDefinitionArn: this.taskDefinitions[job.name].arn,
                        taskCount: 1,
                        launchType: "FARGATE",
                        platformVersion: "LATEST",
                        networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.securityGroupId], assignPublicIp: false },
                        group: jobGroup(job.name),
                        enableEcsManagedTags: true,
                        propagateTags: "TASK_DEFINITION",
                        enableExecuteCommand: false,
                    },
                    // RunTask errors (throttling, capacity) are retried for up to an hour; a run
                    // that still did not start counts in InvocationDroppedCount.
                    retryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 3600 },
                },
            }, { parent: this, dependsOn: [schedulerPolicy, ...roles.taskPolicies, roles.executionPolicy, ...(args.networkDependsOn ?? [])] });
        }

        // ---- failed runs: ECS's stop events -> a log group -> a metric ----------------------------
        this.failureLogGroupName = recordFailedRuns(this, name, { prefix, clusterArn: args.clusterArn, retentionDays: args.logRetentionDays, delivery: args.eventsDelivery });

        this.registerOutputs({ scheduleGroupName: this.scheduleGroupName, failureLogGroupName: this.failureLogGroupName });
    }
}
