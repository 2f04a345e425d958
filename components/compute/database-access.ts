/**
 * The operators' way to the private database (`groundwork:dbAccess`): a task definition of a
 * relay that runs nothing but a timer, with ECS Exec's channels allowed, in a security group that
 * may reach only the database (5432) and AWS's APIs (443). An operator starts one task of it on
 * demand (`aws ecs run-task --enable-execute-command`), forwards a local port through it to
 * the RDS endpoint with Session Manager (`AWS-StartPortForwardingSessionToRemoteHost`), runs
 * `psql` against localhost, and stops it (docs/runbooks/database-access.md has every command).
 * Nothing listens on a public address, no port is open inbound, no bastion runs between
 * sessions, and the relay stops itself after {@link RELAY_MAX_HOURS} hours if forgotten.
 *
 * The relay holds no secret: the operator brings the database credentials (from the app secret,
 * which only the roles allowed to read it can). Every session is in CloudTrail (`StartSession`,
 * `ExecuteCommand`: who, when, which task, which remote host and port); an `execute-command`
 * shell's commands and output also go to the cluster's session log group (SessionAudit).
 * Session Manager cannot log a port-forwarding session's content, so an EventBridge rule copies
 * each `StartSession` aimed at this cluster's tasks from CloudTrail into a log group of its own
 * (`/aws/events/<project>-<stack>-db-sessions`): who opened which forward to which host and
 * port, when, searchable in CloudWatch beside the exec sessions. EventBridge receives these API
 * calls only from an account with a CloudTrail trail logging management events (README).
 *
 * Cost: nothing while no relay runs; a running relay is a 0.25 vCPU / 0.5 GB task (about
 * $0.01 an hour on ARM64).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { eventsLogGroupName } from "../ops/events-log-delivery";
import type { RoleScope } from "../role-scope";
import { awsLogs, taskRoles } from "./task-definition";

/** Hours after which a relay stops itself. */
export const RELAY_MAX_HOURS = 4;
/** The relay's one container. */
export const RELAY_CONTAINER = "relay";
/** What the relay runs (`node -e`): it says when it will stop, and then does. */
export const RELAY_SCRIPT = `const h=${RELAY_MAX_HOURS};console.log('database access relay up; it stops itself in '+h+' hours (aws ecs stop-task ends it sooner)');` +
    "setTimeout(()=>{console.log('relay stopping: '+h+' hours are up');process.exit(0);},h*3600*1000);" +
    "for(const s of ['SIGTERM','SIGINT'])process.on(s,()=>{console.log('relay stopping: '+s);process.exit(0);});";

export interface DatabaseAccessArgs {
    /**
     * The image the relay runs: any image with `node` on its PATH (the api's image, already in
     * the stack's repository); only its runtime is used.
     * @default none (required)
     * @example pulumi.interpolate`${cluster.repositoryUrls.app}:v1.4.2`
     */
    image: pulumi.Input<string>;
    /**
     * The repository the execution role may pull that image from.
     * @default none (required)
     * @example cluster.repositoryArns.app
     */
    repositoryArn: pulumi.Input<string>;
    /**
     * The image's architecture.
     * @default none (config: groundwork:cpuArchitecture)
     * @example "ARM64"
     */
    architecture: "X86_64" | "ARM64";
    /**
     * The cluster's session log group and key (SessionAudit): the relay's own lines and its
     * exec sessions go there; the task role may write it and decrypt with the key.
     * @default none (required)
     * @example { logGroupName: audit.logGroupName, logGroupArn: audit.logGroupArn, kmsKeyArn: audit.kmsKeyArn }
     */
    audit: { logGroupName: pulumi.Input<string>; logGroupArn: pulumi.Input<string>; kmsKeyArn: pulumi.Input<string> };
    /**
     * The cluster the relay runs in: Session Manager names a task target `ecs:<cluster>_<task>_<runtime id>`.
     * @default none (required)
     * @example cluster.cluster.name
     */
    clusterName: pulumi.Input<string>;
    /**
     * Days CloudWatch keeps the record of port-forwarding sessions.
     * @default none (the session audit's retention)
     * @example 365
     */
    retentionDays: number;
    /**
     * The stack's events policy (ops/events-log-delivery.ts) through which EventBridge writes
     * the session starts.
     * @default none (required)
     * @example new EventsLogDelivery("events", opts).policy
     */
    eventsDelivery: pulumi.Resource;
    /**
     * Keep that record when the stack is destroyed (prod: the audit trail outlives it).
     * @default false
     * @example true
     */
    protect?: boolean;
    /**
     * Where the two roles live, and their permissions boundary.
     * @default undefined (the root path, no boundary)
     * @example { path: "/groundwork/prod/" }
     */
    roles?: RoleScope;
}

export class DatabaseAccess extends pulumi.ComponentResource {
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    public readonly executionRole: aws.iam.Role;
    /** The relay's task role: ECS Exec's channels, its session log group and key, nothing else. */
    public readonly taskRole: aws.iam.Role;
    /** The relay's family (`aws ecs run-task --task-definition`). */
    public readonly taskFamily: pulumi.Output<string>;
    /** Where each port-forwarding session's start is recorded (`/aws/events/<project>-<stack>-db-sessions`). */
    public readonly sessionStartsLogGroupName: pulumi.Output<string>;

    constructor(name: string, args: DatabaseAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:DatabaseAccess", name, {}, opts);
        const parent = { parent: this };
        const region = aws.getRegionOutput({}, parent).region;
        const roles = taskRoles(this, name, {
            label: "database access relay",
            repositoryArns: [args.repositoryArn],
            logGroupArn: args.audit.logGroupArn,
            bucketArns: [],
            extraTaskStatements: [
                {
                    // What the SSM agent ECS Exec injects needs to open the session channels.
                    Sid: "ExecSessionChannels", Effect: "Allow", Resource: "*",
                    Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
                },
                {
                    // Exec sessions' logging, to the cluster's session log group only.
                    Sid: "ExecSessionLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    Resource: pulumi.interpolate`${args.audit.logGroupArn}:*`,
                },
                { Sid: "FindTheSessionLogGroup", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: "*" },
                { Sid: "SessionKey", Effect: "Allow", Action: ["kms:Decrypt"], Resource: args.audit.kmsKeyArn },
            ],
            roles: args.roles,
        });
        this.executionRole = roles.executionRole;
        this.taskRole = roles.taskRole;

        this.taskDefinition = new aws.ecs.TaskDefinition(`${name}-task`, {
            family: `${pulumi.getProject()}-${pulumi.getStack()}-db-access`,
            networkMode: "awsvpc",
            requiresCompatibilities: ["FARGATE"],
            runtimePlatform: { cpuArchitecture: args.architecture, operatingSystemFamily: "LINUX" },
            cpu: "256",
            memory: "512",
            executionRoleArn: roles.executionRole.arn,
            taskRoleArn: roles.taskRole.arn,
            containerDefinitions: pulumi.jsonStringify([{
                name: RELAY_CONTAINER,
                image: args.image,
                essential: true,
                entryPoint: ["node", "-e", RELAY_SCRIPT],
                // ECS Exec's agent (bind-mounted in by Fargate) writes its state under /var/lib/amazon
                // and /var/log/amazon; it crashes on a read-only root. The relay holds no secret and
                // runs no app code, so its root stays writable; every app task's is read-only.
                readonlyRootFilesystem: false,
                // An init process reaps the session processes ECS Exec starts.
                linuxParameters: { initProcessEnabled: true },
                environment: [],
                secrets: [],
                mountPoints: [],
                portMappings: [],
                volumesFrom: [],
                logConfiguration: awsLogs(args.audit.logGroupName, region, "relay"),
            }]),
        }, { parent: this, dependsOn: [roles.executionPolicy, ...roles.taskPolicies] });
        this.taskFamily = this.taskDefinition.family;
        this.sessionStartsLogGroupName = recordSessionStarts(this, name, args);
        this.registerOutputs({ taskFamily: this.taskFamily, sessionStartsLogGroupName: this.sessionStartsLogGroupName });
    }
}

/**
 * The rule that copies each Session Manager `StartSession` aimed at one of the cluster's tasks
 * (CloudTrail's record: the caller, the target task, the document, the remote host and port) into
 * `/aws/events/<project>-<stack>-db-sessions`, written through the stack's events policy.
 * Returns the group's name.
 */
function recordSessionStarts(parent: pulumi.Resource, name: string, args: DatabaseAccessArgs): pulumi.Output<string> {
    const prefix = `${pulumi.getProject()}-${pulumi.getStack()}`;
    const keep: pulumi.CustomResourceOptions = args.protect ? { protect: true, retainOnDelete: true } : {};
    const group = new aws.cloudwatch.LogGroup(`${name}-session-starts`, {
        // EventBridge delivers to log groups under /aws/events/; the stack's events policy covers this name.
        name: eventsLogGroupName("db-sessions"),
        retentionInDays: args.retentionDays,
    }, { parent, ...keep });
    const rule = new aws.cloudwatch.EventRule(`${name}-session-starts`, {
        description: `${prefix}: an operator opened a Session Manager session (port forward or shell) to a task of the stack's cluster`,
        eventPattern: pulumi.jsonStringify({
            source: ["aws.ssm"],
            "detail-type": ["AWS API Call via CloudTrail"],
            detail: {
                eventSource: ["ssm.amazonaws.com"],
                eventName: ["StartSession"],
                requestParameters: { target: [{ prefix: pulumi.interpolate`ecs:${args.clusterName}_` }] },
            },
        }),
    }, { parent });
    new aws.cloudwatch.EventTarget(`${name}-session-starts`, { rule: rule.name, arn: group.arn }, { parent, dependsOn: [args.eventsDelivery] });
    return group.name;
}
