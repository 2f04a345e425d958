/**
 * `npm run task -- --stack <name> [--service <name>] [--from FILE] [--timeout <minutes>] -- <command…>`
 *
 * Runs one command in the app's image inside the stack's network: one ECS task of the runnable's
 * task definition (`taskLaunch.<service>` of the stack outputs), its container's command
 * overridden, in the private subnets and the service's security group (which the database and
 * the cache admit). It streams the task's CloudWatch logs while it runs (the container's lines
 * on stdout, the tool's own on stderr), and exits with the container's exit code; see
 * {@link EXIT} for the codes of its own. docs/runbooks/one-off-tasks.md is the runbook.
 *
 * AWS access is the AWS SDK for JavaScript v3 (ECS and CloudWatch Logs clients): credentials come
 * from the usual chain (environment, profile, SSO, instance role), the region from the stack
 * output `awsRegion`. The tool prints no secret: it never reads the secret outputs, sends no
 * environment overrides, and echoes neither the command nor any credential.
 */
import { randomUUID } from "crypto";
import * as os from "os";
import { Container, DescribeTasksCommand, ECSClient, ECSClientConfig, RunTaskCommand, StopTaskCommand, Task } from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient, GetLogEventsCommand, OutputLogEvent, ResourceNotFoundException } from "@aws-sdk/client-cloudwatch-logs";
import { readStdin } from "./env";
import { EXIT, OutputSource, TaskArgs, TaskTarget, TaskToolError, USAGE, parseTaskArgs, readStackOutputs, runTaskInput, targetFromOutputs } from "./task-launch";

export { EXIT, STARTED_BY } from "./task-launch";

/**
 * Points both clients at a local fake of the ECS and CloudWatch Logs APIs, e.g.
 * `http://127.0.0.1:4566` (tests only; loopback hosts only, since requests carry credentials).
 */
export const AWS_ENDPOINT_ENV = "GROUNDWORK_AWS_ENDPOINT";
/**
 * With {@link AWS_ENDPOINT_ENV} only: milliseconds between polls and drain reads, for a fake that
 * answers at once (the end-to-end test). A real account always gets POLL_MS and DRAIN_MS.
 */
export const FAKE_POLL_ENV = "GROUNDWORK_FAKE_POLL_MS";

/** Between two DescribeTasks calls: well inside ECS's DescribeTasks rate, quick enough to follow logs. */
const POLL_MS = 5_000;
/** After the task stopped, logs still arriving: read again this often, at most DRAIN_ROUNDS times. */
const DRAIN_MS = 2_000;
const DRAIN_ROUNDS = 5;
/** How long to wait for STOPPED after a StopTask (ECS sends SIGTERM, then SIGKILL after stopTimeout). */
const STOP_WAIT_MS = 5 * 60_000;
/** Pages of GetLogEvents per stream per poll (each up to 1 MB or 10,000 events). */
const MAX_PAGES = 20;

export interface AwsClients {
    ecs: ECSClient;
    logs: CloudWatchLogsClient;
}

/** The two clients in the stack's region; `endpoint` only for a loopback fake. */
export function awsClients(o: { region: string; endpoint?: string; credentials?: ECSClientConfig["credentials"] }): AwsClients {
    if (o.endpoint !== undefined) {
        let u: URL | undefined;
        try {
            u = new URL(o.endpoint);
        } catch {
            u = undefined;
        }
        if (!u || !["127.0.0.1", "localhost", "[::1]"].includes(u.hostname) || !/^https?:$/.test(u.protocol)) {
            throw new TaskToolError(`${AWS_ENDPOINT_ENV} must be a loopback URL such as http://127.0.0.1:4566 (tests only), got ${JSON.stringify(u?.origin ?? o.endpoint)}`);
        }
    }
    const config = {
        region: o.region,
        // The SDK retries throttling, 5xx and connection errors with backoff; RunTask is safe to
        // retry because runTaskInput sets a clientToken.
        maxAttempts: 4,
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        ...(o.credentials ? { credentials: o.credentials } : {}),
    };
    return { ecs: new ECSClient(config), logs: new CloudWatchLogsClient(config) };
}

/** Where the run's output goes. */
export interface TaskIo {
    /** The main container's log lines, as the app wrote them (the tool's stdout). */
    out(text: string): void;
    /** The tool's own messages and other containers' lines, one line per call (stderr). */
    err(line: string): void;
}

export interface RunOptions extends AwsClients {
    io: TaskIo;
    /** Ctrl-C: the tool stops the task and exits {@link EXIT.interrupted}. */
    signal?: AbortSignal;
    /** Injected in tests (a virtual clock); real time otherwise. */
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
    now?: () => number;
    pollMs?: number;
    /** After the task stopped: between reads of late log lines. @default DRAIN_MS */
    drainMs?: number;
    /** Tag `groundwork:operator`; default the local user name. */
    operator?: string;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener("abort", done, { once: true });
    });
}

function localUser(): string {
    try {
        return os.userInfo().username;
    } catch {
        return process.env.USER ?? "unknown";
    }
}

/** Follows one awslogs stream from its start, a page at a time. */
class LogTail {
    private token?: string;
    /** Whether the stream has been seen (it appears when the container starts). */
    found = false;
    constructor(private readonly logs: CloudWatchLogsClient, readonly group: string, readonly stream: string) {}

    /** Events since the last read, oldest first. */
    async read(): Promise<OutputLogEvent[]> {
        const events: OutputLogEvent[] = [];
        for (let page = 0; page < MAX_PAGES; page++) {
            let res;
            try {
                res = await this.logs.send(new GetLogEventsCommand({
                    logGroupName: this.group, logStreamName: this.stream, startFromHead: true, nextToken: this.token,
                }));
            } catch (e) {
                // No stream yet: the container has not started (or never will).
                if (e instanceof ResourceNotFoundException) return events;
                throw e;
            }
            this.found = true;
            events.push(...(res.events ?? []));
            // At the end of the stream GetLogEvents hands back the token it was given.
            const next = res.nextForwardToken;
            if (!next || next === this.token) break;
            this.token = next;
            if (!res.events?.length) break;
        }
        return events;
    }
}

const shortId = (arn: string) => arn.split("/").pop() ?? arn;
const seconds = (a?: Date, b?: Date) => (a && b ? `${Math.max(0, Math.round((b.getTime() - a.getTime()) / 1000))} s` : "");

function describeContainer(c: Container): string {
    const exit = c.exitCode === undefined || c.exitCode === null ? "no exit code" : `exit ${c.exitCode}`;
    return `${c.name}: ${c.lastStatus ?? "?"}, ${exit}${c.reason ? ` (${c.reason})` : ""}`;
}

/**
 * Starts the task, follows it and its logs until it stops, and returns the exit code to exit
 * with. Refusals (a command too long for RunTask) throw {@link TaskToolError} before any AWS call.
 */
export async function runOneOffTask(target: TaskTarget, args: Pick<TaskArgs, "command" | "timeoutMinutes">, o: RunOptions): Promise<number> {
    const { io, ecs, logs } = o;
    const sleep = o.sleep ?? abortableSleep;
    const now = o.now ?? Date.now;
    const { launch } = target;
    const input = runTaskInput(target, args.command, { clientToken: randomUUID(), operator: o.operator ?? localUser() });

    let started: Task | undefined;
    try {
        const res = await ecs.send(new RunTaskCommand(input));
        started = res.tasks?.[0];
        if (res.failures?.length || !started?.taskArn) {
            io.err(`task: ECS did not start the task (${launch.taskDefinition} in ${launch.cluster}):`);
            for (const f of res.failures ?? []) io.err(`  ${f.reason ?? "unknown reason"}${f.detail ? `: ${f.detail}` : ""}${f.arn ? ` (${f.arn})` : ""}`);
            return EXIT.failed;
        }
    } catch (e) {
        io.err(`task: RunTask failed: ${(e as Error).name}: ${(e as Error).message}`);
        return EXIT.failed;
    }

    const arn = started.taskArn;
    const id = shortId(arn);
    const clusterName = shortId(launch.cluster);
    const stream = (container: string) => `${launch.logStreamPrefix}/${container}/${id}`;
    io.err(`task: started ${id} (${shortId(started.taskDefinitionArn ?? launch.taskDefinition)}, ${target.service} on stack ${target.stack})`);
    io.err(`task: logs ${launch.logGroup} ${stream(launch.container)}`);
    io.err(`task: console https://${target.region}.console.aws.amazon.com/ecs/v2/clusters/${clusterName}/tasks/${id}`);

    const tails = new Map<string, LogTail>();
    /** Reads every container's new lines, prints them in time order, returns how many. */
    const follow = async (task: Task): Promise<number> => {
        for (const c of task.containers ?? []) {
            if (c.name && !tails.has(c.name)) tails.set(c.name, new LogTail(logs, launch.logGroup, stream(c.name)));
        }
        const batch: { container: string; order: number; event: OutputLogEvent }[] = [];
        for (const [container, tail] of tails) {
            for (const event of await tail.read()) batch.push({ container, order: batch.length, event });
        }
        batch.sort((a, b) => (a.event.timestamp ?? 0) - (b.event.timestamp ?? 0) || a.order - b.order);
        for (const { container, event } of batch) {
            const message = event.message ?? "";
            if (container === launch.container) io.out(message.endsWith("\n") ? message : `${message}\n`);
            else for (const line of message.replace(/\n$/, "").split("\n")) io.err(`[${container}] ${line}`);
        }
        return batch.length;
    };

    const deadline = args.timeoutMinutes === undefined ? undefined : now() + args.timeoutMinutes * 60_000;
    let stopping: "timeout" | "interrupted" | undefined;
    let stopAt = 0;
    let task: Task = started;
    let status = task.lastStatus;
    try {
        while (task.lastStatus !== "STOPPED") {
            await sleep(o.pollMs ?? POLL_MS, stopping ? undefined : o.signal);
            if (!stopping && (o.signal?.aborted || (deadline !== undefined && now() >= deadline))) {
                stopping = o.signal?.aborted ? "interrupted" : "timeout";
                stopAt = now();
                const reason = stopping === "timeout" ? `${input.startedBy}: --timeout ${args.timeoutMinutes} min reached` : `${input.startedBy}: interrupted by the operator`;
                io.err(`task: ${reason}; stopping ${id}`);
                await ecs.send(new StopTaskCommand({ cluster: launch.cluster, task: arn, reason }));
            } else if (stopping && now() - stopAt > STOP_WAIT_MS) {
                io.err(`task: ${id} is still ${task.lastStatus} ${STOP_WAIT_MS / 60_000} min after StopTask; not waiting longer`);
                return stopping === "timeout" ? EXIT.timeout : EXIT.interrupted;
            }
            const res = await ecs.send(new DescribeTasksCommand({ cluster: launch.cluster, tasks: [arn] }));
            const found = res.tasks?.find((t) => t.taskArn === arn);
            if (!found) throw new Error(`DescribeTasks does not know ${id}: ${res.failures?.map((f) => f.reason).join(", ") || "no answer"}`);
            task = found;
            if (task.lastStatus !== status) {
                status = task.lastStatus;
                io.err(`task: ${status}`);
            }
            await follow(task);
        }
        // The last lines can reach CloudWatch after the task is STOPPED: read until they stop coming.
        for (let round = 0; round < DRAIN_ROUNDS; round++) {
            await sleep(o.drainMs ?? DRAIN_MS);
            if ((await follow(task)) === 0 && round > 0) break;
        }
    } catch (e) {
        io.err(`task: lost track of ${id}: ${(e as Error).name}: ${(e as Error).message}`);
        io.err(`task: it may still be running. Check: aws ecs describe-tasks --region ${target.region} --cluster ${clusterName} --tasks ${id}` +
            `; stop: aws ecs stop-task --region ${target.region} --cluster ${clusterName} --task ${id}`);
        return EXIT.failed;
    }

    const main = task.containers?.find((c) => c.name === launch.container);
    if (main && !tails.get(launch.container)?.found && main.exitCode !== undefined && main.exitCode !== null) {
        io.err(`task: no log stream ${stream(launch.container)} in ${launch.logGroup}; check taskLaunch.${target.service}.logStreamPrefix`);
    }
    const why = `${task.stopCode ?? "stopped"}: ${task.stoppedReason ?? "no reason given"}`;
    if (stopping) {
        io.err(`task: ${id} stopped (${why})`);
        return stopping === "timeout" ? EXIT.timeout : EXIT.interrupted;
    }
    if (main && main.exitCode !== undefined && main.exitCode !== null) {
        const ran = seconds(task.startedAt, task.stoppedAt);
        if (main.exitCode === 0) io.err(`task: ${launch.container} exited 0${ran ? ` after ${ran}` : ""}`);
        else io.err(`task: ${launch.container} exited ${main.exitCode}${main.reason ? ` (${main.reason})` : ""}; task ${why}`);
        return main.exitCode;
    }
    io.err(`task: ${id} stopped before ${launch.container} exited (${why})`);
    for (const c of task.containers ?? []) io.err(`  ${describeContainer(c)}`);
    return EXIT.failed;
}

export interface CliIo extends TaskIo, OutputSource {}

/** The whole command: arguments, outputs, checks, then the run. Returns the exit code. */
export async function main(argv: string[], io: CliIo, run: Omit<RunOptions, "ecs" | "logs" | "io"> & { credentials?: ECSClientConfig["credentials"] } = {}): Promise<number> {
    try {
        const args = parseTaskArgs(argv);
        if (args.help) {
            io.err(USAGE);
            return 0;
        }
        const target = targetFromOutputs(await readStackOutputs(args, io), args.stack, args.service);
        const { credentials, ...options } = run;
        const endpoint = io.env[AWS_ENDPOINT_ENV] || undefined;
        const clients = awsClients({ region: target.region, endpoint, credentials });
        const fakePoll = endpoint && io.env[FAKE_POLL_ENV] ? Number(io.env[FAKE_POLL_ENV]) : undefined;
        const timing = fakePoll !== undefined && Number.isFinite(fakePoll) && fakePoll >= 0 ? { pollMs: fakePoll, drainMs: fakePoll } : {};
        try {
            return await runOneOffTask(target, args, { ...clients, io, ...timing, ...options });
        } finally {
            clients.ecs.destroy();
            clients.logs.destroy();
        }
    } catch (e) {
        if (e instanceof TaskToolError) {
            io.err(e.message);
            return EXIT.refused;
        }
        throw e;
    }
}

if (require.main === module) {
    // The SDK warns on every run that its 2027 releases need Node 22. This project runs Node 20
    // (README) and package-lock.json pins an SDK release that supports it.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    const interrupt = new AbortController();
    const onSignal = () => {
        if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
        process.stderr.write("task: stopping the task (press Ctrl-C again to exit and leave it running)\n");
        interrupt.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const io: CliIo = {
        out: (text) => process.stdout.write(text),
        err: (line) => process.stderr.write(`${line}\n`),
        stdinIsTTY: !!process.stdin.isTTY,
        readStdin,
        env: process.env,
    };
    main(process.argv.slice(2), io, { signal: interrupt.signal }).then(
        (code) => { process.exitCode = code; },
        (err) => { console.error(err); process.exitCode = EXIT.failed; },
    );
}
