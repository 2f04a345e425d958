/**
 * What `npm run task` runs, and where: its arguments, the stack outputs it reads (`taskLaunch`
 * and `awsRegion`), and the RunTask request built from them. Everything here is checked before
 * the first AWS call; nothing here talks to AWS (that is `tools/task.ts`).
 *
 * The stack output `taskLaunch` is a record keyed by runnable name (`api`, `worker`, scheduled
 * jobs), each value a {@link TaskLaunch}. None of it is secret, so the tool reads
 * `pulumi stack output --json` without `--show-secrets`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import type { RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { STACK_NAME, jsonObject } from "./env";

/** A refusal the user can act on: the CLI prints the message alone and exits {@link EXIT.refused}. */
export class TaskToolError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "TaskToolError";
    }
}

/** The tool's own exit codes; otherwise it exits with the app container's exit code. */
export const EXIT = {
    /** The task did not start, stopped before its container exited, or an AWS call failed. */
    failed: 1,
    /** Bad arguments or stack outputs; nothing was sent to AWS. */
    refused: 2,
    /** `--timeout` passed; the tool stopped the task (as coreutils `timeout` does). */
    timeout: 124,
    /** Ctrl-C; the tool stopped the task. */
    interrupted: 130,
} as const;

export const USAGE = "Usage: npm run task -- --stack <name> [--service <name>] [--from FILE] [--timeout <minutes>] -- <command…>\n" +
    "Example: npm run task -- --stack staging --service worker -- npx prisma migrate status";

/** How ECS (and CloudTrail, and `aws ecs list-tasks --started-by`) attributes runs to this tool. */
export const STARTED_BY = "groundwork-task";

/** How to start one runnable: one value of the stack output `taskLaunch`. */
export interface TaskLaunch {
    /** ECS cluster name (or ARN). */
    cluster: string;
    /** Task definition family (its latest ACTIVE revision runs), `family:revision`, or an ARN. */
    taskDefinition: string;
    /** The container whose command is overridden and whose exit code is the tool's. */
    container: string;
    /** Private subnets the task's network interface goes in. */
    subnets: string[];
    /** Security groups of the task (the service's, which the database and cache admit). */
    securityGroups: string[];
    /** CloudWatch log group of the task's awslogs driver. */
    logGroup: string;
    /** `awslogs-stream-prefix`: a stream is `<logStreamPrefix>/<container>/<taskId>`. */
    logStreamPrefix: string;
    /** Fargate platform version. */
    platformVersion: string;
    /** A capacity provider (e.g. `FARGATE_SPOT`) instead of the FARGATE launch type. */
    capacityProvider?: string;
}

export interface TaskArgs {
    stack: string;
    /** Key of `taskLaunch`; default `api` if present, else the first key. */
    service?: string;
    /** File holding the JSON of `pulumi stack output --json --stack <name>`. */
    from?: string;
    /** Minutes after which the tool stops the task and exits {@link EXIT.timeout}. */
    timeoutMinutes?: number;
    /** The command, exec form (no shell): each element is one argv entry in the container. */
    command: string[];
    help?: boolean;
}

/** What the run needs, all validated. */
export interface TaskTarget {
    stack: string;
    service: string;
    region: string;
    launch: TaskLaunch;
}

/** A week: longer than any one-off should run, short enough to catch minutes-vs-seconds typos like 86400. */
const MAX_TIMEOUT_MINUTES = 7 * 24 * 60;
/** RunTask's limit on `overrides`, JSON formatting included (ECS API reference). */
const MAX_OVERRIDES_CHARS = 8192;

/** Parses `--stack prod --service worker -- cmd args…`; everything after the first `--` is the command. */
export function parseTaskArgs(argv: string[]): TaskArgs {
    const sep = argv.indexOf("--");
    const flags = sep < 0 ? argv : argv.slice(0, sep);
    const args: Partial<TaskArgs> = { command: sep < 0 ? [] : argv.slice(sep + 1) };
    for (let i = 0; i < flags.length; i++) {
        const a = flags[i];
        const [flag, inline] = a.includes("=") ? a.split(/=(.*)/s) : [a, undefined];
        const value = () => {
            const v = inline ?? flags[++i];
            if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new TaskToolError(`${flag} needs a value. ${USAGE}`);
            return v;
        };
        switch (flag) {
            case "--stack": case "-s": args.stack = value(); break;
            case "--service": args.service = value(); break;
            case "--from": args.from = value(); break;
            case "--timeout": {
                const raw = value();
                const n = Number(raw);
                if (!/^\d+(\.\d+)?$/.test(raw) || !(n > 0) || n > MAX_TIMEOUT_MINUTES) {
                    throw new TaskToolError(`--timeout must be a number of minutes above 0 and at most ${MAX_TIMEOUT_MINUTES}, got ${JSON.stringify(raw)}. Example: --timeout 30`);
                }
                args.timeoutMinutes = n;
                break;
            }
            case "--help": case "-h": args.help = true; break;
            default:
                throw new TaskToolError(`Unknown argument ${JSON.stringify(a)}: the command goes after "--". ${USAGE}`);
        }
    }
    if (args.help) return { stack: "", command: [], ...args } as TaskArgs;
    if (!args.stack) throw new TaskToolError(`Missing --stack <name>, e.g. --stack prod. ${USAGE}`);
    if (!STACK_NAME.test(args.stack)) throw new TaskToolError(`--stack must be a stack name such as prod, got ${JSON.stringify(args.stack)}`);
    if (args.service !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(args.service)) {
        throw new TaskToolError(`--service must be a runnable name such as api or worker, got ${JSON.stringify(args.service)}`);
    }
    if (sep < 0) throw new TaskToolError(`Missing the command: put it after "--". ${USAGE}`);
    if (args.command!.length === 0) throw new TaskToolError(`The command after "--" is empty. ${USAGE}`);
    if (args.command![0].trim() === "") throw new TaskToolError(`The command's first word is empty. ${USAGE}`);
    return args as TaskArgs;
}

const outputCommand = (stack: string) => `pulumi stack output --json --stack ${stack}`;

/** Parses the CLI's JSON; says how to produce it when it is not a JSON object. */
export function parseOutputsJson(text: string, stack: string): Record<string, unknown> {
    const parsed = jsonObject(text);
    if (parsed === "not JSON") throw new TaskToolError(`The stack outputs are not JSON. Produce them with: ${outputCommand(stack)} > outputs.json, then --from outputs.json`);
    if (parsed === "not an object") throw new TaskToolError(`The stack outputs are not a JSON object. Produce them with: ${outputCommand(stack)}`);
    return parsed;
}

export interface OutputSource {
    /** Whether standard input is a terminal (then it is not read). */
    stdinIsTTY: boolean;
    readStdin(): Promise<string>;
    /** Environment for the `pulumi` child (its PATH finds the binary). */
    env: NodeJS.ProcessEnv;
}

/**
 * The stack outputs, from `--from FILE`, else piped standard input, else by running
 * `pulumi stack output --json --stack <name>` (no `--show-secrets`: the tool needs no secret).
 */
export async function readStackOutputs(args: Pick<TaskArgs, "stack" | "from">, src: OutputSource): Promise<Record<string, unknown>> {
    if (args.from) {
        let text: string;
        try {
            text = fs.readFileSync(args.from, "utf8");
        } catch (e) {
            throw new TaskToolError(`--from ${args.from}: cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"}). Write it with: ${outputCommand(args.stack)} > ${args.from}`);
        }
        return parseOutputsJson(text, args.stack);
    }
    if (!src.stdinIsTTY) {
        const text = await src.readStdin();
        // An empty, non-terminal stdin (CI, cron, `< /dev/null`) is no input: ask pulumi instead.
        if (text.trim() !== "") return parseOutputsJson(text, args.stack);
    }
    const r = spawnSync("pulumi", ["stack", "output", "--json", "--stack", args.stack], {
        encoding: "utf8", env: src.env, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) {
        throw new TaskToolError(`Cannot run the Pulumi CLI (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}). Install it and log in, ` +
            `or pass the outputs with --from FILE (written by \`${outputCommand(args.stack)} > FILE\`).`);
    }
    if (r.status !== 0) {
        const why = (r.stderr ?? "").trim().split("\n").slice(-3).join(" / ");
        throw new TaskToolError(`\`${outputCommand(args.stack)}\` failed (exit ${r.status}): ${why || "no message"}. Check \`pulumi login\` and the stack name, or pass --from FILE.`);
    }
    return parseOutputsJson(r.stdout, args.stack);
}

/** A short, safe rendering of a bad value for an error message (never a whole object). */
function shown(v: unknown): string {
    if (v === undefined) return "nothing";
    if (v === null) return "null";
    if (Array.isArray(v)) return `a list of ${v.length}`;
    if (typeof v === "object") return "an object";
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}…"` : s;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const ARN = (service: string, resource: string) => new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:${resource}$`);
const CLUSTER_ARN = ARN("ecs", "cluster/[A-Za-z0-9_-]{1,255}");
const FAMILY = /^[A-Za-z0-9_-]{1,255}(:\d+)?$/;
const TASK_DEF_ARN = ARN("ecs", "task-definition/[A-Za-z0-9_-]{1,255}:\\d+");
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_PREFIX = /^[^:*\s]{1,256}$/;
const PLATFORM = /^(LATEST|\d+\.\d+\.\d+)$/;

/**
 * Picks the runnable and checks every field it uses, reporting every problem at once, each
 * naming the output key, what is wrong and a good value. Only `taskLaunch` and `awsRegion` are
 * read; other outputs (which may hold secrets) are never looked at or echoed.
 */
export function targetFromOutputs(outputs: Record<string, unknown>, stack: string, service?: string): TaskTarget {
    const fix = `Run \`pulumi up --stack ${stack}\` if the stack predates \`npm run task\`, or check the file given to --from.`;
    const problems: string[] = [];
    const region = outputs.awsRegion;
    if (typeof region !== "string" || !REGION.test(region)) problems.push(`output awsRegion must be an AWS region such as "us-east-1", got ${shown(region)}`);
    const all = outputs.taskLaunch;
    if (all === "[secret]") {
        throw new TaskToolError(`Output taskLaunch is "[secret]": it names subnets and groups only and must be a plain output. ${fix}`);
    }
    if (!all || typeof all !== "object" || Array.isArray(all) || Object.keys(all).length === 0) {
        problems.push(`output taskLaunch must be an object keyed by runnable name (e.g. {"api": {...}, "worker": {...}}), got ${shown(all)}`);
        throw new TaskToolError(`Cannot start a task on stack ${stack}:\n  - ${problems.join("\n  - ")}\n${fix}`);
    }
    const runnables = Object.keys(all);
    const name = service ?? (runnables.includes("api") ? "api" : runnables[0]);
    const entry = (all as Record<string, unknown>)[name];
    if (entry === undefined) {
        throw new TaskToolError(`--service ${name} is not in output taskLaunch of stack ${stack}; choose one of: ${runnables.join(", ")}`);
    }
    const key = `taskLaunch.${name}`;
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
        problems.push(`output ${key} must be an object with cluster, taskDefinition, container, subnets, securityGroups, logGroup, logStreamPrefix, platformVersion; got ${shown(entry)}`);
        throw new TaskToolError(`Cannot start a task on stack ${stack}:\n  - ${problems.join("\n  - ")}\n${fix}`);
    }
    const e = entry as Record<string, unknown>;
    const str = (field: string, ok: (s: string) => boolean, what: string, example: string) => {
        const v = e[field];
        if (typeof v !== "string" || !ok(v)) problems.push(`output ${key}.${field} must be ${what}, got ${shown(v)}. Example: ${example}`);
    };
    const list = (field: string, re: RegExp, max: number, what: string, example: string) => {
        const v = e[field];
        if (!Array.isArray(v) || v.length === 0 || v.length > max || !v.every((x) => typeof x === "string" && re.test(x))) {
            const bad = Array.isArray(v) ? v.find((x) => typeof x !== "string" || !re.test(x)) : undefined;
            problems.push(`output ${key}.${field} must be a list of 1 to ${max} ${what}, got ${Array.isArray(v) && bad !== undefined ? `an entry ${shown(bad)}` : shown(v)}. Example: ${example}`);
        }
    };
    str("cluster", (s) => NAME.test(s) || CLUSTER_ARN.test(s), "an ECS cluster name or ARN", "\"app-cluster-1a2b3c4\"");
    str("taskDefinition", (s) => FAMILY.test(s) || TASK_DEF_ARN.test(s), "a task definition family (its latest revision runs), family:revision or ARN", `"groundwork-${stack}-${name}"`);
    str("container", (s) => NAME.test(s), "a container name of that task definition", "\"app\"");
    list("subnets", SUBNET, 16, "subnet ids", "[\"subnet-0123456789abcdef0\"]");
    list("securityGroups", SECURITY_GROUP, 5, "security group ids", "[\"sg-0123456789abcdef0\"]");
    str("logGroup", (s) => LOG_GROUP.test(s), "a CloudWatch log group name", "\"api-logs-1a2b3c4\"");
    str("logStreamPrefix", (s) => STREAM_PREFIX.test(s), "the awslogs-stream-prefix of the container (no spaces, : or *)", `"${name}"`);
    str("platformVersion", (s) => PLATFORM.test(s), "\"LATEST\" or a Fargate platform version", "\"LATEST\"");
    if (e.capacityProvider !== undefined) str("capacityProvider", (s) => NAME.test(s), "a capacity provider name, or absent for the FARGATE launch type", "\"FARGATE_SPOT\"");
    if (problems.length) throw new TaskToolError(`Cannot start a task on stack ${stack}:\n  - ${problems.join("\n  - ")}\n${fix}`);
    return { stack, service: name, region: region as string, launch: e as unknown as TaskLaunch };
}

/** `name=value` tag values ECS accepts: letters, digits, spaces and `_ . : / = + - @`, at most 256. */
export function tagValue(s: string): string {
    return s.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, "_").slice(0, 256) || "unknown";
}

/**
 * The RunTask request: one task of the runnable's task definition, its container's command
 * overridden, in the private subnets with no public address.
 */
export function runTaskInput(t: TaskTarget, command: string[], opts: { clientToken: string; operator: string }): RunTaskCommandInput {
    const l = t.launch;
    const overrides = { containerOverrides: [{ name: l.container, command }] };
    const size = JSON.stringify(overrides).length;
    if (size > MAX_OVERRIDES_CHARS) {
        throw new TaskToolError(`The command is too long for ECS: its override takes ${size} characters, RunTask allows ${MAX_OVERRIDES_CHARS}. ` +
            `Put long SQL or scripts in the image and run them by path, e.g. -- psql -f /app/sql/validate.sql`);
    }
    return {
        cluster: l.cluster,
        taskDefinition: l.taskDefinition,
        count: 1,
        // A capacity provider and a launch type are mutually exclusive in RunTask.
        ...(l.capacityProvider ? { capacityProviderStrategy: [{ capacityProvider: l.capacityProvider, weight: 1 }] } : { launchType: "FARGATE" as const }),
        platformVersion: l.platformVersion,
        networkConfiguration: {
            // Private subnets reach ECR, Secrets Manager and Logs through NAT or endpoints; a
            // one-off task never gets a public address (the no-public-task-ip rule for services).
            awsvpcConfiguration: { subnets: l.subnets, securityGroups: l.securityGroups, assignPublicIp: "DISABLED" },
        },
        overrides,
        startedBy: STARTED_BY,
        // Tags on create need ecs:TagResource (condition ecs:CreateAction = RunTask); CloudTrail's
        // RunTask event stays the authoritative record of who ran what.
        tags: [
            { key: "groundwork:tool", value: STARTED_BY },
            { key: "groundwork:stack", value: tagValue(t.stack) },
            { key: "groundwork:runnable", value: tagValue(t.service) },
            { key: "groundwork:operator", value: tagValue(opts.operator) },
        ],
        enableECSManagedTags: true,
        // Exec stays off, as on the services: a one-off runs its command and nothing else.
        enableExecuteCommand: false,
        // Set here (the SDK would make one per call) so a retried RunTask whose first answer
        // was lost returns the same task instead of starting a second one.
        clientToken: opts.clientToken,
    };
}
