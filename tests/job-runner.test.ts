/**
 * The scheduled jobs' wrapper (components/compute/job-runner.ts), run as the real `node -e`
 * process it is in a task, against a loopback fake of what Fargate gives a task: the task
 * metadata endpoint, the container credentials endpoint and ECS's ListTasks. The fake checks
 * each request's Signature V4 with AWS's own signer (@smithy/signature-v4) and refuses a bad
 * one, as ECS would. No AWS account, no network beyond 127.0.0.1.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import type * as http from "http";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { JOB_CHECK_FAILED_EXIT, JOB_RUNNER_SCRIPT, JOB_TIMEOUT_EXIT } from "../components/compute/job-runner";
import { LoopbackServer, serveOnLoopback } from "./loopback-server";

const REGION = "us-east-1";
const CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/app-cluster-076b620";
const FAMILY = "groundwork-prod-job-db-backup";
const SELF = "arn:aws:ecs:us-east-1:123456789012:task/app-cluster-076b620/0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const OTHER = "arn:aws:ecs:us-east-1:123456789012:task/app-cluster-076b620/ffeeddccbbaa99887766554433221100";
// Built at run time so no credential-shaped literal sits in the source.
const CREDS = {
    AccessKeyId: ["ASIA", randomBytes(8).toString("hex").toUpperCase()].join(""),
    SecretAccessKey: randomBytes(20).toString("base64"),
    Token: `session-${randomBytes(24).toString("base64")}`,
};

interface Seen { listTasks: Record<string, unknown>[]; signatureErrors: string[]; credentialAuth: (string | undefined)[] }

/** Metadata, credentials and ECS on one loopback server; `running` is what ListTasks returns. */
async function fakeTaskEnvironment(o: { running: () => string[]; ecsStatus?: () => number }): Promise<LoopbackServer & { seen: Seen }> {
    const seen: Seen = { listTasks: [], signatureErrors: [], credentialAuth: [] };
    const signer = new SignatureV4({
        credentials: { accessKeyId: CREDS.AccessKeyId, secretAccessKey: CREDS.SecretAccessKey, sessionToken: CREDS.Token },
        region: REGION, service: "ecs", sha256: Sha256,
        // ECS's JSON API does not ask for x-amz-content-sha256 (S3 does); the signature covers the body's hash all the same.
        applyChecksum: false,
    });
    const reply = (res: http.ServerResponse, status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
    };
    const server = await serveOnLoopback(64 * 1024, (req, res, body) => {
        void (async () => {
            if (req.method === "GET" && req.url === "/metadata/task") {
                return reply(res, 200, { Cluster: CLUSTER, TaskARN: SELF, Family: FAMILY, Revision: "3", DesiredStatus: "RUNNING" });
            }
            if (req.method === "GET" && req.url === "/credentials") {
                seen.credentialAuth.push(req.headers.authorization);
                return reply(res, 200, { ...CREDS, Expiration: new Date(Date.now() + 3600_000).toISOString() });
            }
            if (req.method === "POST" && req.url === "/") {
                // Re-sign what arrived with AWS's signer, at the date the request claims, over the headers it says it signed.
                const auth = String(req.headers.authorization ?? "");
                const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
                const amz = String(req.headers["x-amz-date"] ?? "");
                if (!m) { seen.signatureErrors.push(`malformed authorization: ${auth.slice(0, 60)}`); return reply(res, 403, { __type: "InvalidSignatureException" }); }
                const signedHeaders = m[5].split(";");
                const headers = Object.fromEntries(signedHeaders.filter((h) => !["x-amz-date", "x-amz-security-token"].includes(h))
                    .map((h) => [h, String(req.headers[h])]));
                const when = new Date(`${amz.slice(0, 4)}-${amz.slice(4, 6)}-${amz.slice(6, 8)}T${amz.slice(9, 11)}:${amz.slice(11, 13)}:${amz.slice(13, 15)}Z`);
                const [host, port] = String(req.headers.host).split(":");
                const request: Parameters<SignatureV4["presign"]>[0] = { method: "POST", protocol: "http:", hostname: host, port: Number(port), path: "/", query: {}, headers, body };
                const expectedAuth = (await signer.sign(request, { signingDate: when })).headers.authorization;
                if (expectedAuth !== auth) {
                    seen.signatureErrors.push(`signature mismatch:\n  got      ${auth}\n  expected ${expectedAuth}`);
                    return reply(res, 403, { __type: "InvalidSignatureException", message: "The request signature we calculated does not match" });
                }
                if (req.headers["x-amz-target"] !== "AmazonEC2ContainerServiceV20141113.ListTasks") return reply(res, 400, { __type: "UnknownOperationException" });
                const input = JSON.parse(body) as Record<string, unknown>;
                seen.listTasks.push(input);
                const status = o.ecsStatus?.() ?? 200;
                if (status !== 200) return reply(res, status, { __type: "ServerException", message: "try again" });
                return reply(res, 200, { taskArns: o.running() });
            }
            reply(res, 404, { message: `no route ${req.method} ${req.url}` });
        })().catch((e: Error) => reply(res, 500, { message: e.message }));
    });
    return { ...server, seen };
}

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the wrapper as ECS would: `node -e <script> -- <command…>`, with the task's environment. */
function runWrapper(command: string[], env: Record<string, string>, o: { onStdout?: (all: string, pid: number) => void } = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-e", JOB_RUNNER_SCRIPT, "--", ...command], {
            env: { PATH: process.env.PATH ?? "", GROUNDWORK_JOB: "db-backup", GROUNDWORK_JOB_STACK: "prod", ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "", stderr = "";
        child.stdout.on("data", (d) => {
            stdout += d;
            o.onStdout?.(stdout, child.pid!);
        });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

describe("the scheduled jobs' wrapper", function () {
    this.timeout(60_000);
    let fake: Awaited<ReturnType<typeof fakeTaskEnvironment>>;
    let running: string[] = [];
    let ecsStatus = 200;
    const taskEnv = () => ({
        ECS_CONTAINER_METADATA_URI_V4: `${fake.url}/metadata`,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${fake.url}/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "container-auth-token",
        AWS_ENDPOINT_URL_ECS: fake.url,
        AWS_REGION: REGION,
    });
    before(async () => { fake = await fakeTaskEnvironment({ running: () => running, ecsStatus: () => ecsStatus }); });
    after(() => fake.close());
    beforeEach(() => {
        running = [SELF];
        ecsStatus = 200;
        fake.seen.listTasks.length = 0;
        fake.seen.signatureErrors.length = 0;
    });

    it("runs the command without a shell and exits with its exit code", async () => {
        const ok = await runWrapper(["node", "-e", "console.log(JSON.stringify(process.argv.slice(1)))", "a b", "$HOME"], {});
        assert.equal(ok.code, 0);
        assert.deepEqual(JSON.parse(ok.stdout), ["a b", "$HOME"], "each word one argument, nothing expanded");
        const failed = await runWrapper(["node", "-e", "process.exit(3)"], {});
        assert.equal(failed.code, 3);
    });

    it("asks ECS, signed with the task's credentials, for the other running tasks of its family, and runs when there are none", async () => {
        const r = await runWrapper(["node", "-e", "console.log('dumped')"], { ...taskEnv(), GROUNDWORK_JOB_NO_OVERLAP: "1" });
        assert.deepEqual(fake.seen.signatureErrors, []);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), "dumped");
        assert.deepEqual(fake.seen.listTasks, [{ cluster: CLUSTER, family: FAMILY, desiredStatus: "RUNNING", maxResults: 100 }]);
        assert.ok(fake.seen.credentialAuth.includes("container-auth-token"), "the credentials endpoint got the container's token");
    });

    it("skips the run, exiting 0 with a SkippedRuns metric line, when another run is still going", async () => {
        running = [SELF, OTHER];
        const r = await runWrapper(["node", "-e", "console.log('dumped')"], { ...taskEnv(), GROUNDWORK_JOB_NO_OVERLAP: "1" });
        assert.deepEqual(fake.seen.signatureErrors, []);
        assert.equal(r.code, 0);
        assert.doesNotMatch(r.stdout, /dumped/, "the command did not run");
        assert.match(r.stderr, /skipped: another run of db-backup is still going \(ffeeddccbbaa99887766554433221100\)/);
        const emf = JSON.parse(r.stdout.trim().split("\n").pop()!) as { _aws: { CloudWatchMetrics: unknown }; Stack: string; Job: string; SkippedRuns: number };
        assert.deepEqual(emf._aws.CloudWatchMetrics, [{ Namespace: "Groundwork/Jobs", Dimensions: [["Stack", "Job"]], Metrics: [{ Name: "SkippedRuns", Unit: "Count" }] }]);
        assert.equal(emf.Stack, "prod");
        assert.equal(emf.Job, "db-backup");
        assert.equal(emf.SkippedRuns, 1);
    });

    it("does not run, and exits 75, when it cannot check (an ECS error, no metadata)", async () => {
        ecsStatus = 500;
        const down = await runWrapper(["node", "-e", "console.log('dumped')"], { ...taskEnv(), GROUNDWORK_JOB_NO_OVERLAP: "1" });
        assert.equal(down.code, JOB_CHECK_FAILED_EXIT);
        assert.doesNotMatch(down.stdout, /dumped/);
        assert.match(down.stderr, /cannot check for another run \(ecs:ListTasks: HTTP 500/);
        const { ECS_CONTAINER_METADATA_URI_V4: _, ...noMetadata } = taskEnv();
        const blind = await runWrapper(["node", "-e", "console.log('dumped')"], { ...noMetadata, GROUNDWORK_JOB_NO_OVERLAP: "1" });
        assert.equal(blind.code, JOB_CHECK_FAILED_EXIT);
        assert.doesNotMatch(blind.stdout, /dumped/);
    });

    it("is refused by the signature check when it signs for another scope (the fake does check signatures)", async () => {
        const wrongKey = await fakeTaskEnvironment({ running: () => [SELF] });
        try {
            const r = await runWrapper(["node", "-e", "console.log('dumped')"], {
                ...taskEnv(), ECS_CONTAINER_METADATA_URI_V4: `${fake.url}/metadata`, AWS_ENDPOINT_URL_ECS: wrongKey.url,
                // The credentials come from the other fake's process, whose signer holds the same secret: break the region instead.
                AWS_REGION: "us-west-2", GROUNDWORK_JOB_NO_OVERLAP: "1",
            });
            assert.equal(r.code, JOB_CHECK_FAILED_EXIT);
            assert.equal(wrongKey.seen.signatureErrors.length, 1, "the signature over another region's scope does not verify");
        } finally {
            await wrongKey.close();
        }
    });

    it("stops a command that outlives its timeout and exits 124", async () => {
        const r = await runWrapper(["node", "-e", "process.on('SIGTERM',()=>{console.log('got SIGTERM');process.exit(0)});setInterval(()=>{},1000)"],
            { GROUNDWORK_JOB_TIMEOUT_SECONDS: "1" });
        assert.equal(r.code, JOB_TIMEOUT_EXIT);
        assert.match(r.stdout, /got SIGTERM/);
        assert.match(r.stderr, /still running after 1 s: stopping it/);
    });

    it("passes ECS's SIGTERM on to the command and exits with the command's code", async () => {
        const r = await runWrapper(["node", "-e", "process.on('SIGTERM',()=>{console.log('cleaning up');process.exit(7)});console.log('ready');setInterval(()=>{},1000)"], {}, {
            // Once the command has its handler (it says so), ECS's stop reaches the wrapper.
            onStdout: (all, pid) => { if (all === "ready\n") process.kill(pid, "SIGTERM"); },
        });
        assert.match(r.stdout, /cleaning up/);
        assert.equal(r.code, 7);
    });
});
