/**
 * A local stand-in for the part of the ECS and CloudWatch Logs APIs that `npm run task` uses, so
 * the real AWS SDK v3 clients can be exercised offline. It speaks the AWS JSON 1.1 protocol:
 * `POST /`, `Content-Type: application/x-amz-json-1.1`, the operation in `X-Amz-Target`
 * (`AmazonEC2ContainerServiceV20141113.RunTask`, `.DescribeTasks`, `.StopTask`,
 * `Logs_20140328.GetLogEvents`), errors as `{ "__type": "...", "message": "..." }`.
 *
 * Requests must be SigV4-signed with a known access key id (the signature itself is not
 * checked); the credential scope's region and service are logged, with every request body.
 * RunTask checks what ECS checks for a Fargate awsvpc task (known cluster and family, network
 * configuration, launch type xor capacity provider, container names in overrides, the 8192-char
 * overrides limit) and honours `clientToken` (a repeated token returns the same task).
 *
 * Time is the number of DescribeTasks answers (plus log reads after the task stopped): each
 * task follows a {@link TaskScript} through PROVISIONING → PENDING → RUNNING → STOPPED, and its
 * log events become visible at their tick. Faults are queued per operation: the next N requests
 * get a 500; with `commit` the request is performed first (the answer is lost after the work).
 * Loopback only, bounded (body size, task count), `close()` ends keep-alive connections.
 */
import { randomBytes } from "crypto";
import { serveOnLoopback } from "./loopback-server";

export const ACCOUNT = "123456789012";

export interface ScriptedEvent {
    container: string;
    message: string;
    /** Visible from this tick of the task's life on (DescribeTasks answers since RunTask, plus log reads once stopped). */
    tick: number;
}

/** What one started task does. */
export interface TaskScript {
    /** DescribeTasks answers before RUNNING (PROVISIONING, then PENDING). @default 2 */
    pendingTicks?: number;
    /** DescribeTasks answers while RUNNING before it stops on its own; Infinity: until StopTask. @default 2 */
    runningTicks?: number;
    /** Exit code per container; `null` = the container never started (no stream, no exit code). @default 0 */
    exitCodes?: Record<string, number | null>;
    /** Container `reason`s (e.g. CannotPullContainerError). */
    containerReasons?: Record<string, string>;
    stopCode?: string;
    stoppedReason?: string;
    /** When set, the task stops straight from PENDING (it never runs). */
    failsToStart?: boolean;
    events?: ScriptedEvent[];
}

export interface RunFailure {
    reason: string;
    detail?: string;
}

export interface LoggedAwsRequest {
    /** `RunTask`, `DescribeTasks`, `StopTask`, `GetLogEvents`… */
    operation: string;
    body: Record<string, unknown>;
    status: number;
    accessKeyId?: string;
    region?: string;
    service?: string;
    /** Every header value as sent (for the no-secret checks). */
    headers: string;
}

interface FakeTask {
    arn: string;
    cluster: string;
    family: string;
    containers: string[];
    script: TaskScript;
    clientToken?: string;
    /** Tick at creation, and when StopTask came. */
    born: number;
    stopRequestedAt?: number;
    stopReason?: string;
    /** Log reads since STOPPED (time keeps moving for the drain). */
    readsAfterStop: number;
    stoppedAt?: number;
    startedBy?: string;
    tags?: unknown;
    overrides?: unknown;
}

export interface FakeAws {
    /** `http://127.0.0.1:<port>`: the value for GROUNDWORK_AWS_ENDPOINT. */
    readonly url: string;
    readonly requests: LoggedAwsRequest[];
    /** The script for the next started task (then the default). */
    nextTask(script: TaskScript): void;
    /** The next RunTask answers with these failures and no task. */
    failNextRun(failures: RunFailure[]): void;
    /** The next `times` requests of `operation` get a 500; `commit`: performed first. */
    inject(fault: { operation: string; times?: number; commit?: boolean }): void;
    /** Tasks started so far. */
    tasksStarted(): number;
    reset(): void;
    close(): Promise<void>;
}

export interface FakeAwsOptions {
    accessKeyIds: string[];
    /** Cluster names. */
    clusters: string[];
    /** Task definition family → its container names. */
    families: Record<string, string[]>;
    logGroups: string[];
    /** The awslogs-stream-prefix of every family (`<prefix>/<container>/<taskId>`). */
    streamPrefix: Record<string, string>;
    /** Events per GetLogEvents page (AWS caps pages at 1 MB / 10,000 events). @default 10000 */
    pageSize?: number;
}

const MAX_BODY = 256 * 1024;
const MAX_TASKS = 500;
const ECS = "AmazonEC2ContainerServiceV20141113.";
const LOGS = "Logs_20140328.";
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

class AwsError extends Error {
    constructor(readonly status: number, readonly type: string, message: string) {
        super(message);
    }
}

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startFakeAws(opts: FakeAwsOptions): Promise<FakeAws> {
    const tasks = new Map<string, FakeTask>();
    const requests: LoggedAwsRequest[] = [];
    let scripts: TaskScript[] = [];
    let runFailures: RunFailure[][] = [];
    let faults: { operation: string; left: number; commit: boolean }[] = [];
    let tick = 0;

    const server = await serveOnLoopback(MAX_BODY, (req, res, text) => {
        const target = String(req.headers["x-amz-target"] ?? "");
        const operation = target.replace(/^.*\./, "");
        const auth = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ""));
        let body: Record<string, unknown> = {};
        const log: LoggedAwsRequest = {
            operation, body, status: 0, accessKeyId: auth?.[1], region: auth?.[2], service: auth?.[3],
            headers: Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join("\n"),
        };
        requests.push(log);
        const send = (status: number, payload: unknown) => {
            log.status = status;
            const headers: Record<string, string> = { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": randomBytes(8).toString("hex") };
            res.writeHead(status, headers);
            res.end(JSON.stringify(payload));
        };
        try {
            if (req.method !== "POST" || (req.url ?? "/") !== "/") throw new AwsError(404, "UnknownOperationException", `${req.method} ${req.url}`);
            if (req.headers["content-type"] !== "application/x-amz-json-1.1") throw new AwsError(400, "SerializationException", "expected application/x-amz-json-1.1");
            if (!auth || !opts.accessKeyIds.includes(auth[1])) throw new AwsError(400, "UnrecognizedClientException", "The security token included in the request is invalid.");
            body = JSON.parse(text || "{}") as Record<string, unknown>;
            log.body = body;
            const fault = faults.find((f) => f.left > 0 && f.operation === operation);
            if (fault) fault.left--;
            if (fault && !fault.commit) throw new AwsError(500, "ServerException", "Service unavailable (injected)");
            const out = route(target, auth[3], body);
            if (fault?.commit) throw new AwsError(500, "ServerException", "Service unavailable after commit (injected)");
            send(200, out);
        } catch (e) {
            if (e instanceof AwsError) send(e.status, { __type: e.type, message: e.message });
            else send(500, { __type: "InternalFailure", message: String(e) });
        }
    });

    function route(target: string, service: string, body: Record<string, unknown>): unknown {
        if (target.startsWith(ECS) && service === "ecs") {
            switch (target.slice(ECS.length)) {
                case "RunTask": return runTask(body);
                case "DescribeTasks": return describeTasks(body);
                case "StopTask": return stopTask(body);
            }
        }
        if (target.startsWith(LOGS) && service === "logs" && target.slice(LOGS.length) === "GetLogEvents") return getLogEvents(body);
        throw new AwsError(400, "UnknownOperationException", `Unknown operation ${target} for service ${service}`);
    }

    const invalid = (message: string) => new AwsError(400, "InvalidParameterException", message);
    const clusterOf = (name: unknown) => {
        const n = typeof name === "string" ? name.replace(/^arn:.*:cluster\//, "") : "default";
        if (!opts.clusters.includes(n)) throw new AwsError(400, "ClusterNotFoundException", "Cluster not found.");
        return n;
    };

    function runTask(b: Record<string, unknown>): unknown {
        const cluster = clusterOf(b.cluster);
        const family = String(b.taskDefinition ?? "").replace(/:\d+$/, "");
        const containers = opts.families[family];
        if (!containers) throw new AwsError(400, "ClientException", "TaskDefinition not found.");
        const net = (b.networkConfiguration as { awsvpcConfiguration?: { subnets?: unknown[] } } | undefined)?.awsvpcConfiguration;
        if (!net?.subnets?.length) throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
        if (b.launchType && b.capacityProviderStrategy) throw invalid("Specifying both a launch type and capacity provider strategy is not supported.");
        const overrides = b.overrides as { containerOverrides?: { name?: string }[] } | undefined;
        if (overrides && JSON.stringify(overrides).length > 8192) throw invalid("Container Overrides length must be at most 8192");
        for (const o of overrides?.containerOverrides ?? []) {
            if (!o.name || !containers.includes(o.name)) throw invalid(`Override for container named ${o.name} is not a container in the TaskDefinition.`);
        }
        if (typeof b.startedBy === "string" && b.startedBy.length > 128) throw invalid("startedBy must be at most 128 characters");
        const token = typeof b.clientToken === "string" ? b.clientToken : undefined;
        const again = token ? [...tasks.values()].find((t) => t.clientToken === token) : undefined;
        if (again) return { tasks: [view(again)], failures: [] };
        const failures = runFailures.shift();
        if (failures) return { tasks: [], failures: failures.map((f) => ({ arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${cluster}`, ...f })) };
        if (tasks.size >= MAX_TASKS) throw invalid("too many tasks");
        const t: FakeTask = {
            arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/${cluster}/${randomBytes(16).toString("hex")}`,
            cluster, family, containers, script: scripts.shift() ?? {}, clientToken: token, born: tick, readsAfterStop: 0,
            startedBy: b.startedBy as string | undefined, tags: b.tags, overrides: b.overrides,
        };
        tasks.set(t.arn, t);
        return { tasks: [view(t)], failures: [] };
    }

    /** Where a task is at the current tick. */
    function state(t: FakeTask): { status: string; running: boolean; stopped: boolean } {
        const age = tick - t.born;
        const pending = t.script.pendingTicks ?? 2;
        if (t.stoppedAt !== undefined) return { status: "STOPPED", running: !t.script.failsToStart, stopped: true };
        if (t.stopRequestedAt !== undefined) {
            if (tick - t.stopRequestedAt >= 2) {
                t.stoppedAt = tick;
                return { status: "STOPPED", running: true, stopped: true };
            }
            return { status: "DEACTIVATING", running: true, stopped: false };
        }
        if (age <= 0) return { status: "PROVISIONING", running: false, stopped: false };
        if (age < pending) return { status: "PENDING", running: false, stopped: false };
        if (t.script.failsToStart || age >= pending + (t.script.runningTicks ?? 2)) {
            t.stoppedAt = tick;
            return { status: "STOPPED", running: !t.script.failsToStart, stopped: true };
        }
        return { status: "RUNNING", running: true, stopped: false };
    }

    const started = (t: FakeTask, container: string, ran: boolean) => ran && t.script.exitCodes?.[container] !== null;

    function view(t: FakeTask): unknown {
        const s = state(t);
        const at = (n: number) => (T0 + n * 5000) / 1000;
        const stoppedByUser = t.stopRequestedAt !== undefined;
        return {
            taskArn: t.arn,
            clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${t.cluster}`,
            taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${t.family}:7`,
            lastStatus: s.status,
            desiredStatus: s.stopped || stoppedByUser ? "STOPPED" : "RUNNING",
            launchType: "FARGATE",
            startedBy: t.startedBy,
            createdAt: at(t.born),
            ...(s.running ? { startedAt: at(t.born + (t.script.pendingTicks ?? 2)) } : {}),
            ...(s.stopped ? {
                stoppedAt: at(t.stoppedAt!),
                stopCode: stoppedByUser ? "UserInitiated" : t.script.stopCode ?? (t.script.failsToStart ? "TaskFailedToStart" : "EssentialContainerExited"),
                stoppedReason: stoppedByUser ? t.stopReason : t.script.stoppedReason ?? "Essential container in task exited",
            } : {}),
            overrides: t.overrides,
            tags: t.tags,
            containers: t.containers.map((name) => {
                const ran = started(t, name, s.running);
                const exit = stoppedByUser ? 143 : t.script.exitCodes?.[name] ?? 0;
                return {
                    containerArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:container/${t.cluster}/${shortId(t.arn)}/${name}`,
                    taskArn: t.arn,
                    name,
                    lastStatus: s.stopped ? "STOPPED" : ran ? "RUNNING" : "PENDING",
                    ...(s.stopped && ran ? { exitCode: exit } : {}),
                    ...(t.script.containerReasons?.[name] ? { reason: t.script.containerReasons[name] } : {}),
                };
            }),
        };
    }

    function describeTasks(b: Record<string, unknown>): unknown {
        clusterOf(b.cluster);
        tick++;
        const arns = Array.isArray(b.tasks) ? b.tasks.map(String) : [];
        if (arns.length === 0 || arns.length > 100) throw invalid("tasks must hold 1 to 100 ids");
        const found = arns.map((a) => tasks.get(a) ?? [...tasks.values()].find((t) => shortId(t.arn) === a));
        return {
            tasks: found.filter((t): t is FakeTask => !!t).map(view),
            failures: arns.filter((_, i) => !found[i]).map((arn) => ({ arn, reason: "MISSING" })),
        };
    }

    function stopTask(b: Record<string, unknown>): unknown {
        clusterOf(b.cluster);
        const t = tasks.get(String(b.task));
        if (!t) throw invalid("The referenced task was not found.");
        if (typeof b.reason === "string" && b.reason.length > 255) throw invalid("reason must be at most 255 characters");
        if (t.stopRequestedAt === undefined && t.stoppedAt === undefined) {
            t.stopRequestedAt = tick;
            t.stopReason = typeof b.reason === "string" ? b.reason : "Task stopped by user";
        }
        return { task: view(t) };
    }

    function getLogEvents(b: Record<string, unknown>): unknown {
        const group = String(b.logGroupName ?? "");
        if (!opts.logGroups.includes(group)) throw new AwsError(400, "ResourceNotFoundException", "The specified log group does not exist.");
        const m = /^(.+)\/([^/]+)\/([0-9a-f]{32})$/.exec(String(b.logStreamName ?? ""));
        const t = m ? [...tasks.values()].find((x) => shortId(x.arn) === m[3]) : undefined;
        if (!m || !t || opts.streamPrefix[t.family] !== m[1] || !t.containers.includes(m[2]) || !started(t, m[2], state(t).running)) {
            throw new AwsError(400, "ResourceNotFoundException", "The specified log stream does not exist.");
        }
        if (t.stoppedAt !== undefined) t.readsAfterStop++;
        const now = tick - t.born + t.readsAfterStop;
        const visible = (t.script.events ?? []).filter((e) => e.container === m[2] && e.tick <= now);
        const token = typeof b.nextToken === "string" ? b.nextToken : undefined;
        const from = token ? Number(/^f\/(\d+)$/.exec(token)?.[1] ?? NaN) : 0;
        if (!Number.isInteger(from)) throw invalid("The specified nextToken is invalid.");
        const limit = Math.min(Number(b.limit ?? 10000), opts.pageSize ?? 10000);
        const page = visible.slice(from, from + limit);
        const next = from + page.length;
        return {
            events: page.map((e, i) => ({ timestamp: T0 + (t.born + e.tick) * 5000 + from + i, message: e.message, ingestionTime: T0 + (t.born + e.tick) * 5000 + 900 })),
            // At the end the same token comes back, as CloudWatch Logs does.
            nextForwardToken: page.length ? `f/${next}` : token ?? "f/0",
            nextBackwardToken: `b/${from}`,
        };
    }

    return {
        url: server.url,
        requests,
        nextTask(script) { scripts.push(script); },
        failNextRun(failures) { runFailures.push(failures); },
        inject(f) { faults.push({ operation: f.operation, left: f.times ?? 1, commit: !!f.commit }); },
        tasksStarted: () => tasks.size,
        reset() {
            tasks.clear();
            requests.length = 0;
            scripts = [];
            runFailures = [];
            faults = [];
            tick = 0;
        },
        close: () => server.close(),
    };
}

function shortId(arn: string): string {
    return arn.split("/").pop() ?? arn;
}
