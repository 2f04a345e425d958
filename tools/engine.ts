/**
 * The offline engine: runs the Pulumi program in-process under `pulumi.runtime.setMocks`, the
 * way `pulumi up --stack <name>` would run it, with no cloud account, CLI or network.
 *
 * It loads Pulumi.yaml and Pulumi.<stack>.yaml, applies the project config rules the CLI applies
 * (defaults, required keys, secret keys must be encrypted, declared types), hands the program its
 * config (secrets that are declared but not set get realistic placeholders, marked secret), gives
 * resources plausible states (ids, ARNs, DNS names, endpoints, AZs), and records every resource
 * with its inputs and options, plus the stack outputs with their secret-ness.
 *
 * Shared by the tests and the `plan` / `policy` commands.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { KEYS } from "../components/config/config-schema";
import { MockWorld, mockCall, mockState } from "./mock-states";
import { PREVIEW_TEMPLATE, isTemplatedPreview, previewStackConfig } from "./preview-stack";
import { PROJECT_DIR, ProjectKey, readProject, readYaml } from "./project-file";

export { PROJECT_DIR, readProject } from "./project-file";

/** Options a resource was registered with, as the engine receives them. */
export interface RecordedOptions {
    /** Provider reference `<provider urn>::<id>`, or "" for the default provider. */
    provider: string;
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    /** URN of the resource whose deletion also deletes this one (`deletedWith`), or "" for none. */
    deletedWith: string;
    dependsOn: string[];
    ignoreChanges: string[];
    replaceOnChanges: string[];
    additionalSecretOutputs: string[];
    aliases: number;
}

/** One registered resource. */
export interface RecordedResource {
    type: string;
    name: string;
    urn: string;
    /** The id the provider (here: the mocks) returned; "" for components. */
    id: string;
    /** Parent URN ("" for the root stack itself). */
    parent: string;
    custom: boolean;
    /** Inputs with secrets unwrapped (see `secretInputs` for which). */
    inputs: Record<string, unknown>;
    /** Dotted paths of inputs that arrived as secrets. */
    secretInputs: string[];
    options: RecordedOptions;
    /** For each input, the URNs of the resources its value came from (what the engine tells analyzers). */
    propertyDependencies: Record<string, string[]>;
    /** The state the mocks returned (ids, ARNs, endpoints). */
    state: Record<string, unknown>;
    /**
     * Read, not managed: the program reads an existing resource (a `pulumi.StackReference` to
     * another stack). Nothing is created, changed or deleted for it.
     */
    read?: boolean;
}

export interface RecordedOutput {
    value: unknown;
    secret: boolean;
}

export interface ConfigValue {
    value: string;
    secret: boolean;
    /** True when the engine invented the value (a declared secret the stack file does not set). */
    placeholder: boolean;
}

/** A problem that stopped the program: a config key and what is wrong with it. */
export interface Problem {
    key: string;
    message: string;
}

export interface PlanRecord {
    project: string;
    stack: string;
    config: Record<string, ConfigValue>;
    resources: RecordedResource[];
    outputs: Record<string, RecordedOutput>;
    /** Config problems (from the CLI's rules or the program's validation); empty when the program ran. */
    problems: Problem[];
    /** Any other error the program raised, or logged (a failed Output: what would fail `pulumi preview`). */
    error?: string;
    /** Warnings the program logged (`pulumi.log.warn`), as the CLI would print them. */
    warnings: string[];
    /** Milliseconds spent running the program. */
    elapsedMs: number;
}

/** A section `plan` prints after the outputs; `failed` makes `plan` exit non-zero. */
export interface PlanSection {
    lines: string[];
    failed: boolean;
}

/** An override stored in plain text even for a key that holds a credential (to test the refusal). */
export interface PlainText { plainText: string }

export interface RunOptions {
    stack: string;
    /**
     * Overrides of stack config by fully qualified key; `undefined` removes a key. Values of keys that
     * hold credentials are set as secrets (as `pulumi config set --secret` would), unless given as `{ plainText }`.
     */
    config?: Record<string, string | number | boolean | string[] | PlainText | undefined>;
    /** Directory holding Pulumi.yaml and the program (index.ts or Pulumi.yaml's `main`); default: the repository root. */
    projectDir?: string;
    /**
     * Directory holding Pulumi.<stack>.yaml and its `offline-secrets.yaml` (Pulumi.yaml's `stackConfigDir`):
     * the project directory, or an example's folder such as examples/api-supabase-clerk.
     */
    configDir?: string;
    /** What the mocked providers report about the world outside the program (the zone's SSL mode). */
    world?: MockWorld;
    /**
     * Outputs of the stacks the program reads through stack references, by fully qualified name
     * (`acme/groundwork/staging`). Unset: the engine plans each referenced stack of this project
     * first (config keys marked `stackReference`) and answers with its recorded outputs.
     */
    references?: Record<string, Record<string, RecordedOutput>>;
    /**
     * A preview stack `pr-<n>` without a stack file is written from the committed template
     * (tools/preview-stack.ts) with this branch as the workflow's input.
     * @default "pr-<n>"
     */
    previewBranch?: string;
}

/** Name of the file beside the stack files that holds the placeholders for secrets, by stack. */
export const OFFLINE_SECRETS_FILE = "offline-secrets.yaml";

/** Config values as the CLI stores them: strings, with objects and arrays as JSON. */
function toConfigString(v: unknown): string {
    return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** Keys (fully qualified) whose values are credentials: set with `--secret`, planned with placeholders. */
function secretKeys(project: string): Set<string> {
    return new Set(Object.entries(KEYS).filter(([, spec]) => "secret" in spec && spec.secret).map(([k]) => `${project}:${k}`));
}

/**
 * A realistic stand-in for an encrypted value this machine cannot read, when the stack's
 * offline-secrets.yaml gives none. Never a working credential.
 */
function placeholderSecret(key: string, stackConfig: Record<string, ConfigValue>, stack: string): string {
    const profile = stackConfig["groundwork:profile"]?.value || (/^(prod|production)(-|$)/.test(stack) ? "prod" : "staging");
    switch (key) {
        case "groundwork:stripeSecretKey":
            return `sk_${profile === "prod" ? "live" : "test"}_offline_placeholder_not_a_key`;
        case "groundwork:appSecrets":
        case "groundwork:webSecrets":
            return "{}";
        case "groundwork:databaseUrl":
        case "groundwork:databaseUrlUnpooled":
            return "postgresql://offline:placeholder@db.offline.invalid:5432/app?sslmode=require";
        case "groundwork:redisUrl":
            return "rediss://default:offline-placeholder@redis.offline.invalid:6379";
        case "groundwork:alertHttpsEndpoints":
            return JSON.stringify(["https://events.pagerduty.com/integration/offline-placeholder/enqueue"]);
        default:
            return "offline-placeholder-secret";
    }
}

/** The stack's entries of offline-secrets.yaml, as config strings (objects become JSON). */
function offlineSecrets(configDir: string, stack: string): Record<string, string> {
    const file = path.join(configDir, OFFLINE_SECRETS_FILE);
    if (!fs.existsSync(file)) return {};
    const all = (readYaml(file) ?? {}) as Record<string, Record<string, unknown> | undefined>;
    return Object.fromEntries(Object.entries(all[stack] ?? {}).map(([k, v]) => [k, toConfigString(v)]));
}

/** Applies the project file's config declarations the way `pulumi up` does, then the overrides. */
export function resolveConfig(opts: RunOptions, projectDir = opts.projectDir ?? PROJECT_DIR): { config: Record<string, ConfigValue>; problems: Problem[]; project: string } {
    const project = readProject(projectDir);
    const configDir = opts.configDir ? path.resolve(projectDir, opts.configDir) : projectDir;
    const stackPath = path.join(configDir, `Pulumi.${opts.stack}.yaml`);
    let stackFile: { config?: Record<string, unknown> };
    if (fs.existsSync(stackPath)) {
        stackFile = (readYaml(stackPath) ?? {}) as { config?: Record<string, unknown> };
    } else if (isTemplatedPreview(configDir, opts.stack)) {
        // A pull request's preview: its stack file is written in CI from the committed template.
        const number = Number(opts.stack.slice("pr-".length));
        try {
            stackFile = { config: previewStackConfig(configDir, project.name, { number, branch: opts.previewBranch ?? opts.stack }) };
        } catch (err) {
            return { config: {}, project: project.name, problems: [{ key: "stack", message: (err as Error).message }] };
        }
    } else {
        const previews = fs.existsSync(path.join(configDir, PREVIEW_TEMPLATE)) ? " (or pr-<number>, a preview)" : "";
        return { config: {}, project: project.name, problems: [{ key: "stack", message: `no stack file ${path.relative(projectDir, stackPath)}; stacks there: ${listStacks(configDir).join(", ")}${previews}` }] };
    }
    const credentials = secretKeys(project.name);
    const problems: Problem[] = [];
    const config: Record<string, ConfigValue> = {};
    const fq = (k: string) => (k.includes(":") ? k : `${project.name}:${k}`);

    for (const [k, v] of Object.entries(stackFile.config ?? {})) {
        const encrypted = !!v && typeof v === "object" && !Array.isArray(v) && "secure" in (v as object);
        // An encrypted value can't be read here: it becomes a placeholder below, still secret.
        if (encrypted) config[fq(k)] = { value: "", secret: true, placeholder: true };
        else config[fq(k)] = { value: toConfigString(v), secret: false, placeholder: false };
    }
    // Secrets this machine cannot read (unset, or encrypted for another machine) that the stack's
    // offline-secrets.yaml gives a stand-in for: planned with it, still secret.
    for (const [k, v] of Object.entries(offlineSecrets(configDir, opts.stack))) {
        const have = config[fq(k)];
        if (!have || have.placeholder) config[fq(k)] = { value: v, secret: true, placeholder: true };
    }
    for (const [k, v] of Object.entries(opts.config ?? {})) {
        if (v === undefined) delete config[fq(k)];
        else if (typeof v === "object" && !Array.isArray(v)) config[fq(k)] = { value: v.plainText, secret: false, placeholder: false };
        // Overrides of credential keys stand for `pulumi config set --secret`.
        else config[fq(k)] = { value: toConfigString(v), secret: credentials.has(fq(k)), placeholder: false };
    }

    const declared = project.config ?? {};
    for (const [k, rawDecl] of Object.entries(declared)) {
        const key = fq(k);
        const decl: ProjectKey = typeof rawDecl === "object" && rawDecl !== null ? rawDecl : { value: rawDecl };
        const have = config[key];
        if (decl.secret && have) {
            // Overrides in tests stand for `pulumi config set --secret`.
            have.secret = true;
        }
        if (have && !have.placeholder && decl.type) {
            const err = typeProblem(decl, have.value);
            if (err) problems.push({ key, message: `Stack '${opts.stack}' with configuration key '${k}' must be of type '${err}'` });
        }
        if (have) continue;
        if (decl.default !== undefined || decl.value !== undefined) {
            config[key] = { value: toConfigString(decl.default ?? decl.value), secret: false, placeholder: false };
        } else if (decl.secret) {
            config[key] = { value: "", secret: true, placeholder: true };
        } else if (key.startsWith(`${project.name}:`)) {
            problems.push({ key, message: `Stack '${opts.stack}' is missing configuration value '${k}'` });
        }
    }
    for (const [key, v] of Object.entries(config)) {
        if (v.placeholder && v.value === "") v.value = placeholderSecret(key, config, opts.stack);
    }
    return { config, problems, project: project.name };
}

function typeProblem(decl: ProjectKey, raw: string): string | undefined {
    let v: unknown = raw;
    if (decl.type === "array") {
        try { v = JSON.parse(raw); } catch { return "List<string>"; }
        return Array.isArray(v) && v.every((x) => decl.items?.type !== "string" || typeof x === "string") ? undefined : "List<string>";
    }
    if (decl.type === "integer") return /^-?\d+$/.test(raw) ? undefined : "integer";
    if (decl.type === "boolean") return raw === "true" || raw === "false" ? undefined : "boolean";
    return undefined;
}

export function listStacks(projectDir = PROJECT_DIR): string[] {
    return fs.readdirSync(projectDir).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();
}

// ---- the run -------------------------------------------------------------------------------------

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** Unwraps the wire form of resource inputs, collecting the paths of secrets. */
function unwire(v: unknown, at: string, secrets: string[]): unknown {
    if (Array.isArray(v)) return v.map((x, i) => unwire(x, `${at}[${i}]`, secrets));
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SIG] === SECRET_SIG) {
            secrets.push(at);
            return unwire(o.value, at, []);
        }
        if (o[SIG] === RESOURCE_SIG) return o.urn;
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(o)) out[k] = unwire(x, at ? `${at}.${k}` : k, secrets);
        return out;
    }
    return v;
}

/** The program's entry file: Pulumi.yaml's `main` when it names a file, else index.ts (as the CLI resolves it). */
export function entryPoint(projectDir = PROJECT_DIR): string {
    const main = readProject(projectDir).main;
    const file = main ? path.resolve(projectDir, main) : path.join(projectDir, "index.ts");
    return fs.existsSync(file) && fs.statSync(file).isDirectory() ? path.join(file, "index.ts") : file;
}

/**
 * Forgets the program's own top-level modules (its entry file and the compositions it delegates
 * to: index.ts, preview.ts) so that the next run evaluates them afresh: they read the stack's
 * config when they are evaluated. The modules they import (components/, the SDKs) stay loaded for
 * the process, like any library: components hold no state of their own and never read config
 * (STYLE.md), and a dynamic provider object that outlives a run lets Pulumi reuse its serialized
 * code instead of serializing it again on every run. Works for any project directory (the main
 * program, `bootstrap/`).
 */
function clearProgramModules(projectDir: string, entry: string) {
    const dir = path.resolve(projectDir) + path.sep;
    for (const id of Object.keys(require.cache)) {
        // A string test, not path.relative: the cache holds ~1,300 modules, and this runs every run.
        const topLevelTs = id.startsWith(dir) && id.endsWith(".ts") && !id.slice(dir.length).includes(path.sep);
        if (id !== entry && !topLevelTs) continue;
        const previous = require.cache[id];
        delete require.cache[id];
        // Node also lists a required module among its requirer's children: drop the old one, or each
        // run's exports (and through them the whole run's resources) stay reachable for the process.
        // (The entry is this module's child; the compositions are the old entry's, which goes with it.)
        const at = previous ? module.children.indexOf(previous) : -1;
        if (at >= 0) module.children.splice(at, 1);
    }
}

let running = false;

/** What `untilStalled` returns when a failed run stopped making progress. */
const STALLED = Symbol("stalled");
/** Milliseconds without progress, after an error, that end a failed run. */
const STALL_MS = 400;

/** The referenced stacks' outputs, and the problems of those that could not be planned. */
interface References {
    outputs: Record<string, Record<string, RecordedOutput>>;
    problems: Problem[];
}

/**
 * What the program will read through stack references: the values of the config keys marked
 * `stackReference` (KEYS). A reference to a stack of this project is answered by planning that
 * stack first (the same project and stack-file folder, the same world); any other is a problem,
 * since nothing here can read another project's stack.
 */
async function planReferences(opts: RunOptions, projectDir: string, config: Record<string, ConfigValue>, project: string): Promise<References> {
    const refs: References = { outputs: {}, problems: [] };
    for (const [key, spec] of Object.entries(KEYS) as [string, { stackReference?: true }][]) {
        const name = spec.stackReference ? config[`${project}:${key}`]?.value : undefined;
        if (!name || refs.outputs[name]) continue;
        const parts = name.split("/");
        if (parts.length !== 3 || parts[1] !== project) {
            refs.problems.push({ key: `${project}:${key}`, message: `names "${name}", which is not a stack of project ${project}: the offline engine plans only this project's stacks. Example: acme/${project}/staging` });
            continue;
        }
        if (parts[2] === opts.stack) {
            refs.problems.push({ key: `${project}:${key}`, message: `names this stack itself ("${name}")` });
            continue;
        }
        const base = await runProgram({ stack: parts[2], projectDir, configDir: opts.configDir, world: opts.world });
        if (base.problems.length > 0 || base.error) {
            const why = base.problems.map((p) => `${p.key}: ${p.message}`).join("; ") || (base.error ?? "").split("\n")[0];
            refs.problems.push({ key: `${project}:${key}`, message: `the referenced stack ${parts[2]} could not be planned (${why})` });
            continue;
        }
        refs.outputs[name] = base.outputs;
    }
    return refs;
}

/**
 * Runs the program for one stack and returns everything it registered. Stacks it reads through
 * stack references are planned first (see `RunOptions.references`).
 * Runs are serialized: the Pulumi runtime is process-global.
 */
export async function runProgram(opts: RunOptions): Promise<PlanRecord> {
    const projectDir = opts.projectDir ?? PROJECT_DIR;
    const resolved = resolveConfig(opts, projectDir);
    const references: References = opts.references
        ? { outputs: opts.references, problems: [] }
        : resolved.problems.length > 0 ? { outputs: {}, problems: [] } : await planReferences(opts, projectDir, resolved.config, resolved.project);
    return runOnce(opts, projectDir, resolved, references);
}

async function runOnce(opts: RunOptions, projectDir: string, resolved: ReturnType<typeof resolveConfig>, references: References): Promise<PlanRecord> {
    if (running) throw new Error("runProgram: a run is already in progress in this process");
    running = true;
    const started = process.hrtime.bigint();
    const record: PlanRecord = {
        project: resolved.project, stack: opts.stack, config: resolved.config, resources: [], outputs: {},
        problems: [...resolved.problems, ...references.problems], elapsedMs: 0, warnings: [],
    };
    // What the program logs: the CLI prints warnings and fails the update on any error (an Output
    // that rejects, such as a check inside apply, is logged as an error by the runtime).
    const log = require("@pulumi/pulumi/log") as { error: (msg: string, ...rest: unknown[]) => Promise<void>; warn: (msg: string, ...rest: unknown[]) => Promise<void> };
    const [logError, logWarn] = [log.error, log.warn];
    const errors: string[] = [];
    log.error = (msg: string) => { errors.push(msg); activity(); return Promise.resolve(); };
    log.warn = (msg: string) => { record.warnings.push(msg); return Promise.resolve(); };
    // A rejected Output that a resource input depends on surfaces as an unhandled rejection; the
    // CLI's language host fails the update on one, so the engine records it as the run's error.
    const onRejection = (reason: unknown) => { errors.push(reason instanceof Error ? reason.message : String(reason)); activity(); };
    process.on("unhandledRejection", onRejection);
    // Such a rejection is often handled a turn later, when the run gathers the stack's exports
    // (pulumi.output() awaits them all). It is already the run's error; without a listener here
    // Node would also print a PromiseRejectionHandledWarning for each, naming no one's mistake.
    const onHandledLate = () => undefined;
    process.on("rejectionHandled", onHandledLate);
    // A failed value (a check inside apply) leaves what depends on it unresolved for good; the CLI
    // then fails the update. Here: once an error is recorded and the program has stopped making
    // progress (no registration, read or log), the run stops waiting and reports the error.
    let lastActivity = Date.now();
    const activity = () => { lastActivity = Date.now(); };
    const untilStalled = <T>(p: Promise<T>): Promise<T | typeof STALLED> => new Promise((resolve, reject) => {
        const timer = setInterval(() => {
            if (errors.length > 0 && Date.now() - lastActivity > STALL_MS) {
                clearInterval(timer);
                resolve(STALLED);
            }
        }, STALL_MS / 4);
        p.then((v) => { clearInterval(timer); resolve(v); }, (e: unknown) => { clearInterval(timer); reject(e); });
    });
    // Undone where an error's stack is read (below), else when the run ends.
    let restoreStacks: () => void = () => undefined;
    try {
        if (record.problems.length > 0) return record;
        const plain: Record<string, string> = {};
        for (const [k, v] of Object.entries(resolved.config)) plain[k] = v.value;
        pulumi.runtime.setAllConfig(plain, Object.entries(resolved.config).filter(([, v]) => v.secret).map(([k]) => k));

        const region = resolved.config["aws:region"]?.value ?? "us-east-1";
        let pending: { additionalSecretOutputs: string[] } | undefined;
        await pulumi.runtime.setMocks({
            newResource: (args) => {
                if (args.type === STACK_REFERENCE) return stackReferenceState(String(args.inputs.name), references.outputs);
                const state = mockState(args, region, opts.world);
                // Honour additionalSecretOutputs as the engine would (the mocks do not).
                for (const prop of pending?.additionalSecretOutputs ?? []) {
                    if (prop in state.state) state.state[prop] = pulumi.secret(state.state[prop]);
                }
                return state;
            },
            call: (args) => mockCall(args, region, opts.world),
        }, resolved.project, opts.stack, false);

        const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
        // URNs as the real engine forms them: the root stack is no part of a child's type chain.
        const newUrn = monitor.newUrn.bind(monitor);
        monitor.newUrn = (parent: string, type: string, name: string) =>
            newUrn(parent && !parent.includes("::pulumi:pulumi:Stack::") ? parent : "", type, name);
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: RegisterRequest, callback: (err: unknown, resp: unknown) => void) => {
            activity();
            const additionalSecretOutputs = req.getAdditionalsecretoutputsList();
            const secrets: string[] = [];
            const inputs = unwire(req.getObject()?.toJavaScript() ?? {}, "", secrets) as Record<string, unknown>;
            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((deps, prop) => { propertyDependencies[prop] = deps.getUrnsList(); });
            const entry: RecordedResource = {
                type: req.getType(), name: req.getName(), urn: "", id: "", parent: req.getParent(), custom: req.getCustom(),
                inputs, secretInputs: secrets,
                options: {
                    provider: req.getProvider(),
                    protect: !!req.getProtect(),
                    retainOnDelete: !!req.getRetainondelete(),
                    deleteBeforeReplace: req.getDeletebeforereplace(),
                    deletedWith: req.getDeletedwith(),
                    dependsOn: req.getDependenciesList(),
                    ignoreChanges: req.getIgnorechangesList(),
                    replaceOnChanges: req.getReplaceonchangesList(),
                    additionalSecretOutputs,
                    aliases: req.getAliasesList().length,
                },
                propertyDependencies,
                state: {},
            };
            record.resources.push(entry);
            pending = { additionalSecretOutputs };
            // MockMonitor calls newResource synchronously from here, so `pending` is this request's.
            register(req, (err: unknown, resp: unknown) => {
                const r = resp as { getUrn(): string; getId(): string; getObject(): { toJavaScript(): unknown } } | undefined;
                if (r) {
                    entry.urn = r.getUrn();
                    entry.id = r.getId();
                    entry.state = unwire(r.getObject()?.toJavaScript() ?? {}, "", []) as Record<string, unknown>;
                }
                callback(err, resp);
            });
            pending = undefined;
        };

        // Reads (stack references) are recorded too, marked `read`: the plan shows what the program reads.
        const read = monitor.readResource.bind(monitor);
        monitor.readResource = (req: ReadRequest, callback: (err: unknown, resp: unknown) => void) => {
            activity();
            const entry: RecordedResource = {
                type: req.getType(), name: req.getName(), urn: "", id: req.getId(), parent: req.getParent(), custom: true,
                inputs: unwire(req.getProperties()?.toJavaScript() ?? {}, "", []) as Record<string, unknown>, secretInputs: [],
                options: {
                    provider: req.getProvider(), protect: false, retainOnDelete: false, deleteBeforeReplace: false, deletedWith: "",
                    dependsOn: req.getDependenciesList(), ignoreChanges: [], replaceOnChanges: [], additionalSecretOutputs: [], aliases: 0,
                },
                propertyDependencies: {}, state: {}, read: true,
            };
            record.resources.push(entry);
            read(req, (err: unknown, resp: unknown) => {
                const r = resp as { getUrn(): string; getProperties(): { toJavaScript(): unknown } } | undefined;
                if (r) {
                    entry.urn = r.getUrn();
                    // Secret outputs of the referenced stack stay out of the record: only their names.
                    const state = unwire(r.getProperties()?.toJavaScript() ?? {}, "", []) as Record<string, unknown>;
                    const secret = new Set((state.secretOutputNames as string[] | undefined) ?? []);
                    const outputs = (state.outputs ?? {}) as Record<string, unknown>;
                    entry.state = { ...state, outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, secret.has(k) ? "[secret]" : v])) };
                }
                callback(err, resp);
            });
        };

        const programFile = entryPoint(projectDir);
        clearProgramModules(projectDir, programFile);
        restoreStacks = cheapStacks();
        let mod: Record<string, unknown> = {};
        const stackModule = require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
        try {
            const ran = await untilStalled(stackModule.runInPulumiStack(async () => {
                mod = require(programFile) as Record<string, unknown>;
                return mod;
            }));
            if (ran !== STALLED) await untilStalled(waitForRpcs());
        } catch (err) {
            await waitForRpcs().catch(() => undefined);
            restoreStacks();
            const e = err as { name?: string; problems?: Problem[]; message?: string; stack?: string };
            if (e?.name === "ConfigError" && Array.isArray(e.problems)) record.problems.push(...e.problems);
            else record.error = e?.stack ?? String(err);
            return record;
        }
        // The stacks stay cheap while the exports are gathered and the last RPCs drain: Pulumi's own
        // promise there (waitForRPCs) would otherwise take a source-mapped stack, decoding the
        // source maps of the files on it (7-12 ms of a prod plan here) for a report nothing reads.
        for (const [name, value] of Object.entries(mod)) {
            if (name === "__esModule") continue;
            const out = pulumi.output(value) as pulumi.Output<unknown> & { promise(): Promise<unknown> };
            // An output whose value failed (a check inside apply) is no output; the failure is the run's error.
            const settled = await untilStalled(out.promise().then((v) => ({ v }), (err: unknown) => ({ err })));
            if (settled === STALLED || "err" in settled) continue;
            const secret = await pulumi.isSecret(out);
            // As the engine registers stack outputs: an export that is undefined (an absent part's) is no output.
            if (settled.v !== undefined) record.outputs[name] = { value: settled.v, secret };
        }
        await untilStalled(waitForRpcs());
        return record;
    } finally {
        restoreStacks();
        // Rejections surface a few turns after the run settles: catch them here, not in the next run.
        for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
        [log.error, log.warn] = [logError, logWarn];
        process.off("unhandledRejection", onRejection);
        process.off("rejectionHandled", onHandledLate);
        if (errors.length > 0 && !record.error && record.problems.length === 0) record.error = [...new Set(errors)].join("\n");
        record.elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
        running = false;
    }
}

/**
 * Makes the stack traces Pulumi takes while the program runs cheap, and returns the undo.
 *
 * Pulumi formats a full stack for every resource (`Resource.stackTrace`, the source position it
 * sends the engine) and, in `debuggablePromise`, one for every promise it makes, kept only for
 * the `PULUMI_DEBUG_PROMISE_LEAKS` report. The offline run records no source positions, so during
 * the run: no resource stacks (Pulumi then sends no position, as when it finds none), V8's own
 * formatting instead of ts-node's source-map support, and the light promise wrapper a real run
 * gets from program.ts (components/runtime-promises.ts; leak detection itself stays), for every
 * program the engine runs. Errors the program throws keep their full stack. The undo may be
 * called more than once.
 */
function cheapStacks(): () => void {
    // Everything this needs is loaded before anything is swapped: a require that throws leaves the process as it was.
    const { lightPromiseTracking } = require("../components/runtime-promises") as typeof import("../components/runtime-promises");
    const undoPromises = lightPromiseTracking();
    const prepareStackTrace = Error.prepareStackTrace;
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    const resource = pulumi.Resource as unknown as { stackTrace?: (skip: number) => unknown[] };
    const stackTrace = resource.stackTrace;
    if (typeof stackTrace === "function") resource.stackTrace = () => [];
    let undone = false;
    return () => {
        if (undone) return;
        undone = true;
        Error.prepareStackTrace = prepareStackTrace;
        undoPromises();
        resource.stackTrace = stackTrace;
    };
}

async function waitForRpcs() {
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
}

interface RegisterRequest {
    getType(): string; getName(): string; getParent(): string; getCustom(): boolean; getProvider(): string;
    getProtect(): boolean | undefined; getRetainondelete(): boolean | undefined; getDeletebeforereplace(): boolean; getDeletedwith(): string;
    getDependenciesList(): string[]; getIgnorechangesList(): string[]; getReplaceonchangesList(): string[];
    getAdditionalsecretoutputsList(): string[]; getAliasesList(): unknown[];
    getPropertydependenciesMap(): { forEach(cb: (deps: { getUrnsList(): string[] }, prop: string) => void): void };
    getObject(): { toJavaScript(): unknown } | undefined;
}
interface ReadRequest {
    getType(): string; getName(): string; getParent(): string; getProvider(): string; getId(): string;
    getDependenciesList(): string[]; getProperties(): { toJavaScript(): unknown } | undefined;
}
interface MockMonitorLike {
    newUrn(parent: string, type: string, name: string): string;
    registerResource(req: RegisterRequest, callback: (err: unknown, resp: unknown) => void): void;
    readResource(req: ReadRequest, callback: (err: unknown, resp: unknown) => void): void;
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/**
 * What reading another stack returns, as the Pulumi service answers a StackReference: its
 * outputs (secret ones as secrets) and the names of the secret ones.
 * @throws Error for a stack the run has no outputs of (as the CLI fails on an unknown stack).
 */
function stackReferenceState(name: string, outputs: Record<string, Record<string, RecordedOutput>>): { id: string; state: Record<string, unknown> } {
    const stack = outputs[name];
    if (!stack) throw new Error(`stack reference "${name}": no such stack offline (the engine plans only this project's stacks named by a stackReference key)`);
    return {
        id: name,
        state: {
            name,
            outputs: Object.fromEntries(Object.entries(stack).map(([k, o]) => [k, o.secret ? pulumi.secret(o.value) : o.value])),
            secretOutputNames: Object.entries(stack).filter(([, o]) => o.secret).map(([k]) => k),
        },
    };
}

// ---- helpers for tests and tools -----------------------------------------------------------------

export { ofType, registered } from "./plan-file";

/** The URN of a provider reference `<urn>::<id>`. */
export function providerUrn(ref: string): string {
    const i = ref.lastIndexOf("::");
    return i < 0 ? ref : ref.slice(0, i);
}
