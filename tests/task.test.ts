/**
 * `npm run task`, driven through the real AWS SDK v3 ECS and CloudWatch Logs clients against a
 * local fake of both APIs (tests/fake-aws.ts). Loopback only; no AWS account, no credentials.
 * Time is virtual: the tool's sleeps advance a counter, the fake moves on with each poll.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { AWS_ENDPOINT_ENV, CliIo, FAKE_POLL_ENV, EXIT, STARTED_BY, main } from "../tools/task";
import { FakeAws, LoggedAwsRequest, startFakeAws } from "./fake-aws";
import { targetFromOutputs } from "../tools/task-launch";
import { goodPlan, one } from "./harness";
import { tempDir } from "./temp-dir";

const ROOT = path.join(__dirname, "..");
// Built at run time so no credential-shaped literal sits in the source.
const CREDENTIALS = {
    accessKeyId: ["AKIA", "FAKE", randomBytes(6).toString("hex").toUpperCase()].join(""),
    secretAccessKey: `fake-secret-${randomBytes(16).toString("hex")}`,
    sessionToken: `fake-session-${randomBytes(16).toString("hex")}`,
};

const LAUNCH = {
    api: {
        cluster: "app-cluster-076b620", taskDefinition: "groundwork-prod-api", container: "app",
        subnets: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"], securityGroups: ["sg-0a1b2c3d4e5f60003"],
        logGroup: "api-logs-1a2b3c4", logStreamPrefix: "api", platformVersion: "LATEST",
    },
    worker: {
        cluster: "app-cluster-076b620", taskDefinition: "groundwork-prod-worker", container: "app",
        subnets: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"], securityGroups: ["sg-0a1b2c3d4e5f60003"],
        logGroup: "worker-logs-5d6e7f8", logStreamPrefix: "worker", platformVersion: "LATEST",
    },
};

/** The outputs of a real stack: the secret environments (as `--show-secrets` prints them) beside taskLaunch. */
const FIXTURE = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "stack-outputs.prod.json"), "utf8")) as Record<string, unknown>;
const outputsWith = (over: Record<string, unknown> = {}) => ({ ...FIXTURE, taskLaunch: LAUNCH, ...over });
const SECRET_NAMES = ["DATABASE_URL", "JWT_SECRET", "REDIS_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"];

interface Ran {
    code: number;
    stdout: string;
    stderr: string;
}

const tmp = tempDir("groundwork-task-");
let files = 0;
function outputsFile(outputs: unknown): string {
    const file = path.join(tmp, `outputs-${files++}.json`);
    fs.writeFileSync(file, typeof outputs === "string" ? outputs : JSON.stringify(outputs));
    return file;
}

describe("npm run task against a local fake of ECS and CloudWatch Logs", function () {
    this.timeout(60_000);
    let fake: FakeAws;
    const printed: string[] = [];

    before(async () => {
        fake = await startFakeAws({
            accessKeyIds: [CREDENTIALS.accessKeyId],
            clusters: ["app-cluster-076b620"],
            families: { "groundwork-prod-api": ["migrate", "app"], "groundwork-prod-worker": ["app"] },
            logGroups: ["api-logs-1a2b3c4", "worker-logs-5d6e7f8"],
            streamPrefix: { "groundwork-prod-api": "api", "groundwork-prod-worker": "worker" },
            pageSize: 2,
        });
    });
    after(async () => {
        await fake.close();
        fs.rmSync(tmp, { recursive: true, force: true });
    });
    beforeEach(() => fake.reset());

    /** Runs the command in-process with a virtual clock; `onSleep` sees each sleep. */
    async function task(argv: string[], o: { env?: NodeJS.ProcessEnv; stdin?: string; onSleep?: () => void; signal?: AbortSignal } = {}): Promise<Ran> {
        const out: string[] = [];
        const err: string[] = [];
        let clock = 0;
        const io: CliIo = {
            out: (t) => out.push(t),
            err: (l) => err.push(`${l}\n`),
            stdinIsTTY: o.stdin === undefined,
            readStdin: async () => o.stdin ?? "",
            env: { PATH: "", [AWS_ENDPOINT_ENV]: fake.url, ...o.env },
        };
        const code = await main(argv, io, {
            credentials: CREDENTIALS,
            operator: "Alice Smith (laptop)",
            signal: o.signal,
            now: () => clock,
            sleep: async (ms) => { clock += ms; o.onSleep?.(); },
        });
        const ran = { code, stdout: out.join(""), stderr: err.join("") };
        printed.push(ran.stdout, ran.stderr);
        return ran;
    }
    const run = (outputs: unknown, ...rest: string[]) => task(["--stack", "prod", "--from", outputsFile(outputs), ...rest]);
    const ops = (name: string): LoggedAwsRequest[] => fake.requests.filter((r) => r.operation === name);

    it("runs the command in the app container and exits 0 when it exits 0", async () => {
        fake.nextTask({ events: [{ container: "app", message: "seeded 3 plans", tick: 3 }] });
        const r = await run(outputsWith(), "--service", "worker", "--", "npx", "prisma", "db", "seed");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "seeded 3 plans\n");
        assert.match(r.stderr, /started [0-9a-f]{32} \(groundwork-prod-worker:7, worker on stack prod\)/);
        assert.match(r.stderr, /app exited 0/);
        assert.equal(ops("RunTask").length, 1);
        assert.ok(ops("DescribeTasks").length >= 4, "followed the task until it stopped");
    });

    it("exits with the container's non-zero exit code and says why the task stopped", async () => {
        fake.nextTask({ exitCodes: { app: 3 }, events: [{ container: "app", message: "Error: P3009 migrate found failed migrations", tick: 3 }] });
        const r = await run(outputsWith(), "--service", "worker", "--", "npx", "prisma", "migrate", "deploy");
        assert.equal(r.code, 3);
        assert.match(r.stderr, /app exited 3; task EssentialContainerExited: Essential container in task exited/);
        assert.match(r.stdout, /P3009/);
    });

    it("streams every log line once, in order, across polls, pages and the lines that arrive after the stop", async () => {
        const lines = ["line 1", "line 2", "line 3\n", "multi\nline 4", "line 5", "line 6", "late line 7", "late line 8"];
        // Two lines per tick while RUNNING (ticks 2-3), the last ones only after STOPPED (tick 4).
        const ticks = [2, 2, 3, 3, 4, 4, 5, 6];
        fake.nextTask({ events: lines.map((message, i) => ({ container: "app", message, tick: ticks[i] })) });
        const r = await run(outputsWith(), "--service", "worker", "--", "node", "scripts/report.js");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "line 1\nline 2\nline 3\nmulti\nline 4\nline 5\nline 6\nlate line 7\nlate line 8\n");
        const tokens = ops("GetLogEvents").map((q) => q.body.nextToken);
        assert.ok(tokens.includes("f/2") && tokens.includes("f/4"), "paged through the stream with nextForwardToken");
        assert.ok(ops("GetLogEvents").every((q) => q.body.logStreamName === ops("GetLogEvents")[0].body.logStreamName && q.body.startFromHead === true));
        assert.match(String(ops("GetLogEvents")[0].body.logStreamName), /^worker\/app\/[0-9a-f]{32}$/, "stream is <logStreamPrefix>/<container>/<taskId>");
    });

    it("shows the other containers' lines on stderr, prefixed, and keeps stdout for the app container", async () => {
        fake.nextTask({
            events: [
                { container: "migrate", message: "No pending migrations to apply.", tick: 2 },
                { container: "app", message: "count\n12", tick: 3 },
            ],
        });
        const r = await run(outputsWith(), "--", "node", "scripts/count.js");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "count\n12\n");
        assert.match(r.stderr, /^\[migrate\] No pending migrations to apply\.$/m);
    });

    it("sends the RunTask request ECS needs: cluster, family, private subnets without public IP, the command override, attribution", async () => {
        const region = "us-west-2";
        const r = await run(outputsWith({ awsRegion: region }), "--service", "worker", "--", "sh", "-c", "psql \"$DATABASE_URL\" -c 'select 1'");
        assert.equal(r.code, 0, r.stderr);
        const [req] = ops("RunTask");
        const { clientToken, ...body } = req.body;
        assert.deepEqual(body, {
            cluster: "app-cluster-076b620",
            taskDefinition: "groundwork-prod-worker",
            count: 1,
            launchType: "FARGATE",
            platformVersion: "LATEST",
            networkConfiguration: {
                awsvpcConfiguration: { subnets: LAUNCH.worker.subnets, securityGroups: LAUNCH.worker.securityGroups, assignPublicIp: "DISABLED" },
            },
            overrides: { containerOverrides: [{ name: "app", command: ["sh", "-c", "psql \"$DATABASE_URL\" -c 'select 1'"] }] },
            startedBy: STARTED_BY,
            tags: [
                { key: "groundwork:tool", value: "groundwork-task" },
                { key: "groundwork:stack", value: "prod" },
                { key: "groundwork:runnable", value: "worker" },
                { key: "groundwork:operator", value: "Alice Smith _laptop_" },
            ],
            enableECSManagedTags: true,
            enableExecuteCommand: false,
        });
        assert.match(String(clientToken), /^[0-9a-f-]{36}$/);
        assert.ok(fake.requests.length > 3);
        for (const q of fake.requests) {
            assert.equal(q.region, region, `${q.operation} is signed for the stack's region`);
            assert.equal(q.accessKeyId, CREDENTIALS.accessKeyId);
            assert.equal(q.service, q.operation === "GetLogEvents" ? "logs" : "ecs");
        }
        for (const q of [...ops("DescribeTasks"), ...ops("StopTask")]) assert.equal(q.body.cluster, "app-cluster-076b620");
    });

    it("uses a capacity provider instead of the launch type when taskLaunch names one", async () => {
        const spot = { ...LAUNCH.worker, capacityProvider: "FARGATE_SPOT" };
        const r = await run(outputsWith({ taskLaunch: { worker: spot } }), "--", "node", "x.js");
        assert.equal(r.code, 0, r.stderr);
        const [req] = ops("RunTask");
        assert.deepEqual(req.body.capacityProviderStrategy, [{ capacityProvider: "FARGATE_SPOT", weight: 1 }]);
        assert.equal(req.body.launchType, undefined);
    });

    it("runs api by default, else the first runnable", async () => {
        await run(outputsWith(), "--", "true");
        await run(outputsWith({ taskLaunch: { worker: LAUNCH.worker, "weekly-backup": LAUNCH.api } }), "--", "true");
        assert.deepEqual(ops("RunTask").map((q) => q.body.taskDefinition), ["groundwork-prod-api", "groundwork-prod-worker"]);
    });

    it("starts exactly one task when RunTask's answer is lost and the SDK retries (clientToken)", async () => {
        fake.inject({ operation: "RunTask", commit: true });
        const r = await run(outputsWith(), "--service", "worker", "--", "true");
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(ops("RunTask").map((q) => q.status), [500, 200]);
        assert.equal(new Set(ops("RunTask").map((q) => q.body.clientToken)).size, 1);
        assert.equal(fake.tasksStarted(), 1);
    });

    it("fails with ECS's reasons when RunTask starts no task (failures[])", async () => {
        fake.failNextRun([{ reason: "Capacity is unavailable at this time. Please try again later or in a different availability zone" }]);
        const r = await run(outputsWith(), "--", "true");
        assert.equal(r.code, EXIT.failed);
        assert.match(r.stderr, /ECS did not start the task \(groundwork-prod-api in app-cluster-076b620\)/);
        assert.match(r.stderr, /Capacity is unavailable at this time/);
        assert.equal(ops("DescribeTasks").length, 0);
    });

    it("fails with the API's error when RunTask is refused", async () => {
        const r = await run(outputsWith({ taskLaunch: { api: { ...LAUNCH.api, taskDefinition: "groundwork-prod-nope" } } }), "--", "true");
        assert.equal(r.code, EXIT.failed);
        assert.match(r.stderr, /RunTask failed: ClientException: TaskDefinition not found\./);
    });

    it("fails with the stopped reason when the task stops before the container runs", async () => {
        fake.nextTask({
            failsToStart: true, exitCodes: { app: null },
            stoppedReason: "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed",
            containerReasons: { app: "CannotPullContainerError: pull image manifest has been retried 5 time(s)" },
        });
        const r = await run(outputsWith(), "--service", "worker", "--", "true");
        assert.equal(r.code, EXIT.failed);
        assert.match(r.stderr, /stopped before app exited \(TaskFailedToStart: ResourceInitializationError: unable to pull secrets/);
        assert.match(r.stderr, /app: STOPPED, no exit code \(CannotPullContainerError/);
        assert.equal(r.stdout, "");
    });

    it("fails, naming the container, when the api's migrate container fails and the app never starts", async () => {
        fake.nextTask({
            exitCodes: { migrate: 1, app: null },
            events: [{ container: "migrate", message: "Error: P3009: migrate found failed migrations in the target database", tick: 3 }],
        });
        const r = await run(outputsWith(), "--", "npx", "prisma", "migrate", "resolve", "--rolled-back", "20261101_add_index");
        assert.equal(r.code, EXIT.failed);
        assert.match(r.stderr, /^\[migrate\] Error: P3009/m);
        assert.match(r.stderr, /migrate: STOPPED, exit 1/);
        assert.match(r.stderr, /app: STOPPED, no exit code/);
    });

    it("stops the task with StopTask after --timeout and exits 124", async () => {
        fake.nextTask({ runningTicks: Infinity, events: [{ container: "app", message: "still working", tick: 3 }] });
        const r = await run(outputsWith(), "--service", "worker", "--timeout", "1", "--", "node", "slow.js");
        assert.equal(r.code, EXIT.timeout);
        const stops = ops("StopTask");
        assert.equal(stops.length, 1);
        assert.equal(stops[0].body.cluster, "app-cluster-076b620");
        assert.equal(stops[0].body.task, (ops("DescribeTasks")[0].body.tasks as string[])[0], "stops the task it started");
        assert.match(String(stops[0].body.reason), /--timeout 1 min reached/);
        assert.match(r.stderr, /stopped \(UserInitiated: groundwork-task: --timeout 1 min reached\)/);
        assert.equal(r.stdout, "still working\n");
        assert.ok(ops("DescribeTasks").length >= 12, "polled for the minute before stopping");
    });

    it("stops the task when interrupted (Ctrl-C) and exits 130", async () => {
        fake.nextTask({ runningTicks: Infinity });
        const interrupt = new AbortController();
        const r = await task(["--stack", "prod", "--from", outputsFile(outputsWith()), "--", "node", "loop.js"], {
            signal: interrupt.signal,
            onSleep: () => { if (ops("DescribeTasks").length >= 3) interrupt.abort(); },
        });
        assert.equal(r.code, EXIT.interrupted);
        assert.equal(ops("StopTask").length, 1);
        assert.match(String(ops("StopTask")[0].body.reason), /interrupted by the operator/);
    });

    it("says how to check and stop the task when it loses track of it", async () => {
        fake.nextTask({ runningTicks: Infinity });
        fake.inject({ operation: "DescribeTasks", times: 10 });
        const r = await run(outputsWith(), "--", "node", "x.js");
        assert.equal(r.code, EXIT.failed);
        assert.match(r.stderr, /lost track of [0-9a-f]{32}: ServerException/);
        assert.match(r.stderr, /aws ecs stop-task --region us-east-1 --cluster app-cluster-076b620 --task [0-9a-f]{32}/);
    });

    describe("refuses bad arguments and outputs before any AWS request", () => {
        const refusals: [string, () => Promise<Ran>, RegExp][] = [
            ["no command", () => task(["--stack", "prod", "--from", outputsFile(outputsWith())]), /Missing the command: put it after "--"/],
            ["an empty command", () => task(["--stack", "prod", "--from", outputsFile(outputsWith()), "--"]), /command after "--" is empty/],
            ["no --stack", () => task(["--from", outputsFile(outputsWith()), "--", "true"]), /Missing --stack <name>, e\.g\. --stack prod/],
            ["a flag meant for the command", () => task(["--stack", "prod", "--applied", "x", "--", "true"]), /Unknown argument "--applied": the command goes after "--"/],
            ["a zero timeout", () => run(outputsWith(), "--timeout", "0", "--", "true"), /--timeout must be a number of minutes above 0 .*Example: --timeout 30/],
            ["a timeout in seconds", () => run(outputsWith(), "--timeout", "86400", "--", "true"), /--timeout must be .* at most 10080/],
            ["an unknown --service", () => run(outputsWith(), "--service", "web", "--", "true"), /--service web is not in output taskLaunch of stack prod; choose one of: api, worker/],
            ["outputs that are not JSON", () => run("{oops", "--", "true"), /not JSON\. Produce them with: pulumi stack output --json --stack prod/],
            ["outputs that are a JSON list", () => run("[1]", "--", "true"), /not a JSON object\. Produce them with: pulumi stack output --json --stack prod/],
            ["outputs without taskLaunch", () => run(outputsWith({ taskLaunch: undefined }), "--", "true"), /output taskLaunch must be an object keyed by runnable name.*\n.*pulumi up --stack prod/],
            ["a secret taskLaunch", () => run(outputsWith({ taskLaunch: "[secret]" }), "--", "true"), /taskLaunch is "\[secret\]": .* must be a plain output/],
            ["outputs without awsRegion", () => run(outputsWith({ awsRegion: undefined }), "--", "true"), /output awsRegion must be an AWS region such as "us-east-1", got nothing/],
            ["every bad field at once", () => run(outputsWith({ taskLaunch: { api: { ...LAUNCH.api, subnets: ["10.0.1.0/24"], securityGroups: [], container: "" } } }), "--", "true"),
                /taskLaunch\.api\.container must be a container name .*Example: "app"[\s\S]*taskLaunch\.api\.subnets must be a list of 1 to 16 subnet ids, got an entry "10\.0\.1\.0\/24"\. Example: \["subnet-0123456789abcdef0"\][\s\S]*taskLaunch\.api\.securityGroups must be a list of 1 to 5 security group ids, got a list of 0/],
            ["a wrong platform version", () => run(outputsWith({ taskLaunch: { api: { ...LAUNCH.api, platformVersion: 1.4 } } }), "--", "true"), /taskLaunch\.api\.platformVersion must be "LATEST" or a Fargate platform version, got 1\.4/],
            ["a command too long for RunTask", () => run(outputsWith(), "--", "sh", "-c", "x".repeat(9000)), /takes \d+ characters, RunTask allows 8192/],
            ["a non-loopback endpoint override", () => task(["--stack", "prod", "--from", outputsFile(outputsWith()), "--", "true"], { env: { [AWS_ENDPOINT_ENV]: "https://ecs.us-east-1.amazonaws.com" } }),
                /GROUNDWORK_AWS_ENDPOINT must be a loopback URL such as http:\/\/127\.0\.0\.1:4566 \(tests only\), got "https:\/\/ecs\.us-east-1\.amazonaws\.com"/],
            ["a metadata-address endpoint override", () => task(["--stack", "prod", "--from", outputsFile(outputsWith()), "--", "true"], { env: { [AWS_ENDPOINT_ENV]: "http://169.254.169.254" } }),
                /GROUNDWORK_AWS_ENDPOINT must be a loopback URL/],
        ];
        for (const [what, go, message] of refusals) {
            it(`refuses ${what}`, async () => {
                const r = await go();
                assert.equal(r.code, EXIT.refused, r.stderr);
                assert.match(r.stderr, message);
                assert.equal(fake.requests.length, 0, "no AWS request was made");
            });
        }
    });

    describe("reads the stack outputs", () => {
        /** A `pulumi` on PATH that records its arguments and answers like the CLI. */
        function fakePulumi(script: string): { env: NodeJS.ProcessEnv; argsFile: string } {
            const dir = fs.mkdtempSync(path.join(tmp, "bin-"));
            const argsFile = path.join(dir, "args");
            fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\necho "$@" > "${argsFile}"\n${script}\n`, { mode: 0o755 });
            return { env: { PATH: `${dir}:/usr/bin:/bin` }, argsFile };
        }

        it("from `pulumi stack output --json` (no --show-secrets) when nothing is piped", async () => {
            const p = fakePulumi(`cat "${outputsFile(outputsWith())}"`);
            const r = await task(["--stack", "prod", "--service", "worker", "--", "true"], { env: p.env });
            assert.equal(r.code, 0, r.stderr);
            assert.equal(fs.readFileSync(p.argsFile, "utf8").trim(), "stack output --json --stack prod");
        });

        it("from piped standard input, and from pulumi when the pipe is empty", async () => {
            const piped = await task(["--stack", "prod", "--service", "worker", "--", "true"], { stdin: JSON.stringify(outputsWith()) });
            assert.equal(piped.code, 0, piped.stderr);
            const p = fakePulumi(`cat "${outputsFile(outputsWith())}"`);
            const empty = await task(["--stack", "prod", "--service", "worker", "--", "true"], { stdin: "", env: p.env });
            assert.equal(empty.code, 0, empty.stderr);
            assert.ok(fs.existsSync(p.argsFile), "asked pulumi");
        });

        it("refuses, saying what to do, when pulumi is missing or fails", async () => {
            const missing = await task(["--stack", "prod", "--", "true"], { env: { PATH: tmp } });
            assert.equal(missing.code, EXIT.refused);
            assert.match(missing.stderr, /Cannot run the Pulumi CLI \(ENOENT\)\. Install it and log in, or pass the outputs with --from FILE/);
            const p = fakePulumi("echo \"error: no stack named 'prod' found\" >&2; exit 255");
            const failing = await task(["--stack", "prod", "--", "true"], { env: p.env });
            assert.equal(failing.code, EXIT.refused);
            assert.match(failing.stderr, /`pulumi stack output --json --stack prod` failed \(exit 255\): error: no stack named 'prod' found/);
            assert.equal(fake.requests.length, 0);
        });
    });

    it("exits with the container's exit code as a real process, app lines on stdout", async function () {
        // One end-to-end run of the command as npm starts it: real clock (one poll and the drain),
        // polling the fake every 50 ms instead of a real account's 5 s.
        // Asynchronous, because the fake answers from this very process.
        this.timeout(120_000);
        fake.nextTask({ pendingTicks: 0, runningTicks: 0, exitCodes: { app: 3 }, events: [{ container: "app", message: "validation failed: 2 rows", tick: 1 }] });
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: tmp, [AWS_ENDPOINT_ENV]: fake.url, [FAKE_POLL_ENV]: "50", AWS_EC2_METADATA_DISABLED: "true",
            AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: CREDENTIALS.sessionToken };
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "tools", "task.ts"),
            "--stack", "prod", "--service", "worker", "--from", outputsFile(outputsWith()), "--", "node", "validate.js"],
        { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "", stderr = "";
        child.stdout.on("data", (c: Buffer) => { stdout += c.toString("utf8"); });
        child.stderr.on("data", (c: Buffer) => { stderr += c.toString("utf8"); });
        const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
        printed.push(stdout, stderr);
        assert.equal(status, 3, stderr);
        assert.equal(stdout, "validation failed: 2 rows\n");
        assert.match(stderr, /app exited 3/);
        assert.doesNotMatch(stderr, /NodeVersionSupportWarning/, "no SDK warning on every run");
        assert.ok(ops("RunTask").every((q) => q.headers.includes(CREDENTIALS.sessionToken)), "signed with the credentials from the environment");
    });

    // Last: mocha runs a suite's own tests before its nested suites, and this checks them all.
    describe("secrecy", () => {
        it("printed no credential and no secret output value in any run of this suite", () => {
            const env = FIXTURE.apiEnv as Record<string, string>;
            const secrets = [CREDENTIALS.secretAccessKey, CREDENTIALS.sessionToken, ...SECRET_NAMES.map((n) => env[n])];
            assert.ok(SECRET_NAMES.every((n) => typeof env[n] === "string" && env[n].length > 8), "the fixture holds the secrets");
            const all = printed.join("\n");
            assert.ok(all.length > 2000, "the runs above printed something");
            for (const s of secrets) assert.ok(!all.includes(s), `printed a secret (${s.slice(0, 6)}…)`);
            assert.ok(!all.includes(CREDENTIALS.accessKeyId), "printed the access key id");
        });
    });
});

describe("the one-off task docs", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const runbooks = fs.readFileSync(path.join(ROOT, "docs", "runbooks", "README.md"), "utf8");
    const runbook = fs.readFileSync(path.join(ROOT, "docs", "runbooks", "one-off-tasks.md"), "utf8");

    it("lists npm run task with its flags in README's command table and links the runbook", () => {
        const row = readme.split("\n").find((l) => l.startsWith("| `npm run task"));
        assert.ok(row, "README has a row for npm run task");
        for (const flag of ["--stack", "--service", "--from", "--timeout"]) assert.ok(row.includes(flag), `README row lacks ${flag}`);
        assert.ok(runbooks.includes("(one-off-tasks.md)"), "docs/runbooks/README.md links one-off-tasks.md");
    });

    it("names every permission the tool uses in the runbook's IAM policy", () => {
        for (const action of ["ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask", "ecs:TagResource", "iam:PassRole", "logs:GetLogEvents"]) {
            assert.ok(runbook.includes(`"${action}"`), `runbook policy lacks ${action}`);
        }
    });
});

describe("the program's taskLaunch output", () => {
    type Container = { name: string; image: string; command?: string[]; environment?: unknown; secrets?: unknown; logConfiguration: { options: Record<string, string> } };
    const containersOf = (td: { inputs: Record<string, unknown> }) => JSON.parse(td.inputs.containerDefinitions as string) as Container[];
    for (const stack of ["staging", "prod"]) {
        it(`${stack}: is what the task tool needs, for each service, in the service's own subnets, group and logs`, async () => {
            const r = await goodPlan(stack);
            const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, o]) => [k, o.value]));
            for (const service of ["api", "worker"]) {
                const t = targetFromOutputs(outputs, stack, service);
                const svc = one(r, "aws:ecs/service:Service", `${service}-service`);
                const net = svc.inputs.networkConfiguration as { subnets: string[]; securityGroups: string[] };
                assert.deepEqual(t.launch.subnets, net.subnets);
                assert.deepEqual(t.launch.securityGroups, net.securityGroups);
                const td = one(r, "aws:ecs/taskDefinition:TaskDefinition", `${service}-run`);
                assert.equal(t.launch.taskDefinition, td.inputs.family);
                const app = containersOf(td).find((c) => c.name === t.launch.container);
                assert.ok(app, "the container exists in the task definition");
                assert.equal(app.logConfiguration.options["awslogs-stream-prefix"], t.launch.logStreamPrefix);
                assert.equal(app.logConfiguration.options["awslogs-group"], t.launch.logGroup);
            }
        });

        it(`${stack}: starts one-off tasks from a twin of each service's definition without its migration steps`, async () => {
            const r = await goodPlan(stack);
            const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, o]) => [k, o.value]));
            const api = one(r, "aws:ecs/taskDefinition:TaskDefinition", "api-task");
            assert.ok(containersOf(api).some((c) => c.name.startsWith("migrate")), "the api's service definition runs migrations");
            for (const service of ["api", "worker"]) {
                const t = targetFromOutputs(outputs, stack, service);
                const served = one(r, "aws:ecs/taskDefinition:TaskDefinition", `${service}-task`);
                const run = one(r, "aws:ecs/taskDefinition:TaskDefinition", `${service}-run`);
                assert.notEqual(t.launch.taskDefinition, served.inputs.family, "not the service's own family");
                assert.deepEqual(containersOf(run).map((c) => c.name), ["prepare", "app"], "prepare, then the command: no migrate gate");
                const [a, b] = [containersOf(served).find((c) => c.name === "app")!, containersOf(run).find((c) => c.name === "app")!];
                assert.equal(b.image, a.image);
                assert.deepEqual(b.environment, a.environment);
                assert.deepEqual(b.secrets, a.secrets);
                for (const k of ["executionRoleArn", "taskRoleArn", "cpu", "memory", "runtimePlatform"]) assert.deepEqual(run.inputs[k], served.inputs[k], k);
            }
        });
    }
});
