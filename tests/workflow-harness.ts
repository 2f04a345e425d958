/**
 * The CI workflows as the tests read them: parsed YAML, lookups over jobs and steps, and what a
 * job's secrets, permissions and concurrency are. Shared by tests/workflows.test.ts and
 * tests/preview-workflows.test.ts.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { tempDir } from "./temp-dir";

export const DIR = path.resolve(__dirname, "..", ".github", "workflows");

export interface Step { name?: string; uses?: string; run?: string; id?: string; with?: Record<string, unknown>; env?: Record<string, unknown> }
export type Permissions = Record<string, string> | string;
export interface Concurrency { group: string; "cancel-in-progress"?: boolean }
export interface Job {
    "runs-on"?: string; needs?: string | string[]; environment?: string | { name: string }; steps?: Step[]; env?: Record<string, unknown>;
    permissions?: Permissions; concurrency?: string | Concurrency; if?: string;
}
export interface Workflow {
    name?: string; on: Record<string, unknown>; permissions?: Permissions; env?: Record<string, unknown>; jobs: Record<string, Job>;
    concurrency?: string | Concurrency;
}

export const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
export const workflows = files.map((f) => ({ file: f, text: fs.readFileSync(path.join(DIR, f), "utf8"), wf: YAML.parse(fs.readFileSync(path.join(DIR, f), "utf8")) as Workflow }));

export const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
export const triggeredBy = (event: string) => workflows.filter((w) => w.wf.on && event in w.wf.on);
export const pulumiSteps = (wf: Workflow, command: string, stack: string) =>
    steps(wf).filter((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === command && s.with?.["stack-name"] === stack);
export const runs = (wf: Workflow, cmd: RegExp) => steps(wf).some((s) => typeof s.run === "string" && cmd.test(s.run));
export const envName = (j: Job) => (typeof j.environment === "string" ? j.environment : j.environment?.name);
export const allJobs = () => workflows.flatMap(({ file, wf }) => Object.entries(wf.jobs).map(([id, job]) => ({ file, wf, id, job })));
/** Names of the secrets a job reads (`${{ secrets.X }}` anywhere in it). */
export const secretsOf = (j: Job) => [...JSON.stringify(j).matchAll(/\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]);
/** GitHub environment -> the scope its secrets' names carry (one or more `_`-joined words). */
export const SCOPE: Record<string, string> = { preview: "PREVIEW", "preview-deploy": "PREVIEW_DEPLOY", staging: "STAGING", production: "PROD" };
/** The scopes a secret's name carries, the longest match only (PREVIEW_DEPLOY, not also PREVIEW). */
export const scopesIn = (secret: string) => {
    const found = Object.values(SCOPE).filter((scope) => `_${secret}_`.includes(`_${scope}_`));
    return found.filter((scope) => !found.some((other) => other !== scope && other.includes(scope)));
};
/** A job's permissions: its own block replaces the workflow's. */
export const permissionsOf = (wf: Workflow, j: Job) => j.permissions ?? wf.permissions;
export const usesOidc = (j: Job) => (j.steps ?? []).some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
export const deploys = (j: Job) => (j.steps ?? []).filter((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
/** A github-script step that creates or updates an issue comment (the PR's cost comment). */
export const postsComment = (s: Step) => !!s.uses?.startsWith("actions/github-script@") && /\.(createComment|updateComment)\(/.test(String(s.with?.script ?? ""));
/** A job that reads pull requests with the gh CLI (its token in GH_TOKEN). */
export const readsPullRequests = (j: Job) => (j.steps ?? []).some((s) => s.env !== undefined && "GH_TOKEN" in s.env);
export const concurrencyOf = (wf: Workflow, j: Job): Concurrency | undefined => {
    const c = j.concurrency ?? wf.concurrency;
    return typeof c === "string" ? { group: c } : c;
};

/** Writes executable stubs (name → bash body) into a fresh bin directory. */
export function stubBin(stubs: Record<string, string>): string {
    const bin = tempDir("gw-bin-");
    for (const [name, body] of Object.entries(stubs)) fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    return bin;
}

/**
 * Runs a step's script as Actions would (bash -e), in `cwd`, with the stubs' bin first on PATH and
 * the step's `env` given as `env` (the test's stand-ins for `${{ … }}` values).
 */
export function runStep(step: Step, o: { cwd: string; bin: string; env: Record<string, string> }): { status: number | null; out: string } {
    const r = spawnSync("bash", ["-e", "-c", String(step.run)], {
        cwd: o.cwd, encoding: "utf8", env: { ...process.env, PATH: `${o.bin}:${process.env.PATH}`, ...o.env },
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/**
 * Runs an actions/github-script step's script as the action does (an async function of `github`,
 * `context`, `core` and `require`) against a stub `github`, for pull request 42 of acme/groundwork,
 * with COST_DIR set to `costDir` while it runs.
 */
export async function runGithubScript(step: Step, github: unknown, costDir: string): Promise<void> {
    const context = { repo: { owner: "acme", repo: "groundwork" }, payload: { pull_request: { number: 42 } } };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
    const saved = process.env.COST_DIR;
    process.env.COST_DIR = costDir;
    try {
        await new AsyncFunction("github", "context", "core", "require", String(step.with?.script))(github, context, {}, require);
    } finally {
        if (saved === undefined) delete process.env.COST_DIR; else process.env.COST_DIR = saved;
    }
}
