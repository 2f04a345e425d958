/**
 * The pack loads the way the Pulumi CLI loads it: `node <@pulumi/pulumi>/cmd/run-policy-pack
 * <engineAddress> <packDir>` in the pack's directory (ts-node, type-checked), prints the port of
 * its analyzer gRPC server, and answers GetAnalyzerInfo, Configure, Analyze and AnalyzeStack.
 * Its verdict over the recorded prod graph must equal the in-process runner's. Loopback only; a
 * stub Engine server takes the pack's Log calls.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { rules } from "../policies/rules";
import { PlanRecord } from "../tools/engine";
import { ResourceSnapshot, Violation, defaultPolicyConfig, evaluatePolicies, snapshot } from "../tools/policy-runner";
import { goodPlan } from "./harness";

const ROOT = path.resolve(__dirname, "..");
const PACK_DIR = path.join(ROOT, "policies");
const PULUMI_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The same gRPC and protobuf copies the generated stubs use.
const fromPulumi = (m: string) => require(require.resolve(m, { paths: [PULUMI_DIR] }));
/* eslint-disable @typescript-eslint/no-explicit-any */
const grpc: typeof import("@grpc/grpc-js") = fromPulumi("@grpc/grpc-js");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb");
const analyzerPb: any = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerGrpc: any = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const engineGrpc: any = require("@pulumi/pulumi/proto/engine_grpc_pb");

const LEVELS: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
const LEVEL_NAMES = Object.fromEntries(Object.entries(LEVELS).map(([k, v]) => [v, k]));

const toStruct = (o: unknown) => Struct.fromJavaScript(JSON.parse(JSON.stringify(o ?? {})));

function call<T>(client: any, method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
}

function options(s: ResourceSnapshot): any {
    const o = new analyzerPb.AnalyzerResourceOptions();
    o.setProtect(s.opts.protect);
    o.setIgnorechangesList(s.opts.ignoreChanges);
    o.setAdditionalsecretoutputsList(s.opts.additionalSecretOutputs);
    if (s.opts.deleteBeforeReplace !== undefined) {
        o.setDeletebeforereplacedefined(true);
        o.setDeletebeforereplace(s.opts.deleteBeforeReplace);
    }
    if (s.parent) o.setParent(s.parent);
    return o;
}

function providerOf(s: ResourceSnapshot): any {
    if (!s.provider) return undefined;
    const p = new analyzerPb.AnalyzerProviderResource();
    p.setType(s.provider.type);
    p.setName(s.provider.name);
    p.setUrn(s.provider.urn);
    p.setProperties(toStruct(s.provider.props));
    return p;
}

interface Diagnostic { policy: string; level: string; urn: string; message: string }

function diagnostics(res: any, urn: string): Diagnostic[] {
    const byName = new Map(rules.map((r) => [r.name, r]));
    return res.getDiagnosticsList().map((d: any) => {
        const description = byName.get(d.getPolicyname())?.description ?? "";
        // The pack prefixes each message with the policy's description.
        const message: string = d.getMessage().startsWith(`${description}\n`) ? d.getMessage().slice(description.length + 1) : d.getMessage();
        return { policy: d.getPolicyname(), level: LEVEL_NAMES[d.getEnforcementlevel()], urn: d.getUrn() || urn, message };
    });
}

const key = (d: Diagnostic) => `${d.policy}|${d.level}|${d.urn}|${d.message}`;
const fromRunner = (v: Violation): Diagnostic => ({ policy: v.policy, level: v.enforcementLevel, urn: v.urn, message: v.message });

/**
 * The pack host starts as soon as mocha loads this file: it type-checks the pack before it
 * listens (as the CLI's host does), which keeps a CPU core busy for a while, so it runs beside the
 * other test files instead of before this one. The stub engine's port is reserved now and served
 * from the suite's before hook. Until then nothing here keeps mocha alive (a run whose --grep leaves
 * this suite out still exits), and the host never outlives mocha.
 */
class EarlyPackHost {
    readonly child: ChildProcess;
    readonly analyzerPort: Promise<number>;
    stderr = "";
    private constructor(readonly enginePort: number, private readonly reserved: net.Server) {
        const runPolicyPack = path.join(PULUMI_DIR, "cmd", "run-policy-pack");
        this.child = spawn(process.execPath, [runPolicyPack, `127.0.0.1:${enginePort}`, PACK_DIR], {
            cwd: PACK_DIR,
            env: { ...process.env, PULUMI_NODEJS_STACK: "prod", PULUMI_NODEJS_PROJECT: "groundwork" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        process.once("exit", () => this.child.kill());
        this.child.stderr!.on("data", (d) => (this.stderr += d));
        this.analyzerPort = new Promise<number>((resolve, reject) => {
            let out = "";
            this.child.stdout!.on("data", (d) => {
                out += d;
                const line = out.split("\n")[0];
                if (out.includes("\n") && /^\d+$/.test(line.trim())) resolve(Number(line.trim()));
            });
            this.child.on("exit", (code) => reject(new Error(`policy pack exited with ${code} before printing its port:\n${out}\n${this.stderr}`)));
        });
        this.analyzerPort.catch(() => undefined); // reported by the suite's before hook
        this.hold(false);
    }
    static start(): Promise<EarlyPackHost> {
        const reserved = net.createServer();
        return new Promise((resolve, reject) => {
            reserved.once("error", reject);
            reserved.listen(0, "127.0.0.1", () => {
                reserved.unref();
                resolve(new EarlyPackHost((reserved.address() as net.AddressInfo).port, reserved));
            });
        });
    }
    /** Whether the host's process and pipes keep the event loop alive. */
    hold(on: boolean) {
        for (const h of [this.child, this.child.stdout as net.Socket | null, this.child.stderr as net.Socket | null]) {
            if (on) h?.ref();
            else h?.unref();
        }
    }
    /** Frees the reserved port for the stub engine to bind. */
    release(): Promise<void> {
        return new Promise((resolve) => this.reserved.close(() => resolve()));
    }
}
// The CLI runs the pack's `main`, the compiled bin/ (policies/build.js, the root package's
// prepare script): compile it now from the sources under test, so it is never stale here.
const { build: buildPack } = require("../policies/build") as { build(): number };
buildPack();
const earlyHost = EarlyPackHost.start();
earlyHost.catch(() => undefined); // reported by the suite's before hook

describe("the policy pack as the Pulumi CLI runs it", function () {
    this.timeout(180_000);
    let engine: InstanceType<typeof grpc.Server> | undefined;
    let child: ChildProcess | undefined;
    let analyzer: any;
    const logs: string[] = [];

    before(async () => {
        const host = await earlyHost;
        host.hold(true);
        child = host.child;
        await host.release();
        engine = new grpc.Server();
        engine.addService(engineGrpc.EngineService, {
            log: (c: any, cb: (e: null, r: unknown) => void) => {
                logs.push(c.request.getMessage());
                cb(null, new Empty());
            },
        });
        await new Promise<number>((resolve, reject) =>
            engine!.bindAsync(`127.0.0.1:${host.enginePort}`, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
        analyzer = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${await host.analyzerPort}`, grpc.credentials.createInsecure());
    });

    after(async () => {
        analyzer?.close();
        if (child && child.exitCode === null) {
            const exited = new Promise((r) => child!.once("exit", r));
            child.kill("SIGTERM");
            await exited;
        }
        if (engine) await new Promise<void>((r) => engine!.tryShutdown(() => r()));
    });

    it("announces every rule with its enforcement level", async () => {
        const info: any = await call(analyzer, "getAnalyzerInfo", new Empty());
        assert.equal(info.getName(), "groundwork");
        assert.equal(info.getVersion(), "0.1.0");
        const served = info.getPoliciesList().map((p: any) => [p.getName(), LEVEL_NAMES[p.getEnforcementlevel()]]);
        assert.deepEqual(served, rules.map((r) => [r.name, r.enforcementLevel]));
        const usRegions = info.getPoliciesList().find((p: any) => p.getName() === "us-regions");
        assert.deepEqual(usRegions.getConfigschema().getProperties().toJavaScript().allowedRegions.default,
            ["us-east-1", "us-east-2", "us-west-1", "us-west-2"]);
        assert.match(usRegions.getRemediationSteps(), /aws:region/);
    });

    async function analyzeOverGrpc(record: PlanRecord): Promise<Diagnostic[]> {
        const config = defaultPolicyConfig(record.stack);
        const req = new analyzerPb.ConfigureAnalyzerRequest();
        const map = req.getPolicyconfigMap();
        for (const [name, c] of Object.entries(config)) {
            const { enforcementLevel, ...props } = c as { enforcementLevel: string };
            const pc = new analyzerPb.PolicyConfig();
            pc.setEnforcementlevel(LEVELS[enforcementLevel]);
            pc.setProperties(toStruct(props));
            map.set(name, pc);
        }
        await call(analyzer, "configure", req);

        const snaps = snapshot(record);
        const found: Diagnostic[] = [];
        for (const s of snaps) {
            const a = new analyzerPb.AnalyzeRequest();
            a.setType(s.type);
            a.setName(s.name);
            a.setUrn(s.urn);
            a.setProperties(toStruct(s.props));
            a.setOptions(options(s));
            const p = providerOf(s);
            if (p) a.setProvider(p);
            found.push(...diagnostics(await call(analyzer, "analyze", a), s.urn));
        }
        const stackReq = new analyzerPb.AnalyzeStackRequest();
        stackReq.setResourcesList(snaps.map((s) => {
            const r = new analyzerPb.AnalyzerResource();
            r.setType(s.type);
            r.setName(s.name);
            r.setUrn(s.urn);
            r.setProperties(toStruct(s.outputs));
            r.setOptions(options(s));
            const p = providerOf(s);
            if (p) r.setProvider(p);
            if (s.parent) r.setParent(s.parent);
            r.setDependenciesList(s.dependencies);
            const deps = r.getPropertydependenciesMap();
            for (const [k, urns] of Object.entries(s.propertyDependencies)) {
                const d = new analyzerPb.AnalyzerPropertyDependencies();
                d.setUrnsList(urns);
                deps.set(k, d);
            }
            return r;
        }));
        found.push(...diagnostics(await call(analyzer, "analyzeStack", stackReq), ""));
        return found;
    }

    it("gives the recorded prod graph the same verdict as the in-process runner", async () => {
        const record = await goodPlan("prod");
        const overGrpc = await analyzeOverGrpc(record);
        const inProcess = (await evaluatePolicies(record)).violations.map(fromRunner);
        assert.deepEqual(overGrpc.map(key).sort(), inProcess.map(key).sort());
        assert.deepEqual(overGrpc.filter((d) => d.level === "mandatory"), []);
    });

    it("gives a broken prod graph the same violations as the in-process runner", async () => {
        const record = await goodPlan("prod");
        const broken: PlanRecord = {
            ...record,
            resources: record.resources
                .filter((r) => r.type !== "aws:s3/bucketPolicy:BucketPolicy")
                .map((r) => (r.type === "aws:rds/instance:Instance"
                    ? { ...r, inputs: { ...r.inputs, publiclyAccessible: true }, state: { ...r.state, publiclyAccessible: true, deletionProtection: false } }
                    : r)),
        };
        const overGrpc = await analyzeOverGrpc(broken);
        const inProcess = (await evaluatePolicies(broken)).violations.map(fromRunner);
        assert.deepEqual(overGrpc.map(key).sort(), inProcess.map(key).sort());
        const policies = new Set(overGrpc.filter((d) => d.level === "mandatory").map((d) => d.policy));
        assert.deepEqual([...policies].sort(), ["no-public-database", "prod-data-protection", "s3-deny-insecure-transport"]);
    });
});

describe("the policy pack's compiled entry", () => {
    it("is what the CLI loads (no ts-node type-check before every preview), compiled from every source file", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as { main: string };
        assert.equal(pkg.main, "bin/index.js");
        const sources = fs.readdirSync(PACK_DIR).filter((f) => f.endsWith(".ts"));
        assert.ok(sources.length > 10);
        for (const f of sources) {
            const js = path.join(PACK_DIR, "bin", f.replace(/\.ts$/, ".js"));
            assert.ok(fs.existsSync(js), `${f} is compiled`);
            assert.ok(fs.statSync(js).mtimeMs >= fs.statSync(path.join(PACK_DIR, f)).mtimeMs, `${f}'s build is current`);
        }
        const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; dependencies: Record<string, string> };
        assert.equal(rootPkg.scripts.prepare, "node policies/build.js", "npm ci builds the pack");
        assert.ok(rootPkg.dependencies["@swc/core"], "the build's compiler is installed without dev dependencies too");
    });
});
