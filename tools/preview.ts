/**
 * `npm run preview -- <command> …`: the lifecycle of pull-request previews, as the workflows run it.
 *
 *   stack-file --number N --branch B [--out FILE]   write Pulumi.pr-N.yaml (tools/preview-stack.ts)
 *   deploy     --number N --branch B [--limit 10]    create or update the preview (pulumi up)
 *   destroy    --number N [--branch B]              drop its database, destroy it, remove the stack
 *   cleanup    --repo owner/name [--max-age-days 7] remove previews of closed pull requests and stale ones
 *   summary    --number N --branch B --out FILE     its URLs and monthly cost, offline (the PR comment)
 *
 * Removal is ordered and retried so leftovers never block it: the preview's database is dropped
 * first (a one-off task in the VPC; a failure is reported, never blocking), then `pulumi destroy`
 * with retries (between them `pulumi cancel` clears the lock of an interrupted update and a
 * refresh forgets what is already gone), then `pulumi stack rm`, which refuses while anything
 * remains (never `--force`: nothing is orphaned silently). Nothing in a preview is protected
 * (the preview-isolation policy refuses it).
 *
 * Every external command goes through a `Runner`, so the tests drive it with fakes.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PREVIEW_STACK } from "../components/config/defaults";
import type * as Cost from "./cost";
import type * as Engine from "./engine";
import { renderPreviewStackFile, templateBase } from "./preview-stack";
import { PROJECT_DIR, readProject } from "./project-file";

/** One external command's result. */
export interface RunResult { status: number; stdout: string; stderr: string }
/** Runs a command; `capture` returns its output, otherwise it streams to the log. */
export type Runner = (cmd: string, args: string[], opts?: { capture?: boolean }) => RunResult;

export const spawnRunner: Runner = (cmd, args, opts = {}) => {
    const r = spawnSync(cmd, args, {
        encoding: "utf8", env: process.env, maxBuffer: 64 * 1024 * 1024,
        stdio: opts.capture ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
    });
    if (r.error) return { status: 127, stdout: "", stderr: `${cmd}: ${r.error.message}` };
    return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
};

export interface PreviewContext {
    run: Runner;
    /** Waits between retries (the tests pass a no-op). */
    sleep: (seconds: number) => Promise<void>;
    log: (line: string) => void;
    /** Folder of Pulumi.yaml, the stack files and preview/Pulumi.preview.yaml. */
    projectDir: string;
    /** Seconds before the nth retry (n from 1). */
    backoff: (attempt: number) => number;
}

export function defaultContext(): PreviewContext {
    const seconds = Number(process.env.GROUNDWORK_PREVIEW_RETRY_SECONDS ?? "30");
    return {
        run: spawnRunner,
        sleep: (s) => new Promise((r) => setTimeout(r, s * 1000)),
        log: (line) => console.log(line),
        projectDir: process.cwd(),
        backoff: (n) => seconds * n,
    };
}

/** The preview's stack, `<organization>/pr-<n>`, in the organization of the template's base stack. */
export function previewStackName(projectDir: string, number: number): { name: string; short: string } {
    const { org } = templateBase(projectDir, readProject(projectDir).name).base;
    return { name: `${org}/pr-${number}`, short: `pr-${number}` };
}

/** The preview stacks that exist: `pr-<n>` with their last update (ISO), from `pulumi stack ls --json`. */
export function listPreviews(ctx: PreviewContext): { number: number; short: string; lastUpdate: string | undefined }[] {
    const r = ctx.run("pulumi", ["stack", "ls", "--json"], { capture: true });
    if (r.status !== 0) throw new Error(`pulumi stack ls failed (exit ${r.status}): ${r.stderr.trim().split("\n").pop() ?? ""}`);
    let stacks: { name?: string; lastUpdate?: string }[];
    try {
        stacks = JSON.parse(r.stdout || "[]");
    } catch {
        throw new Error("pulumi stack ls --json did not print JSON");
    }
    return stacks.flatMap((s) => {
        const short = String(s.name ?? "").split("/").pop() ?? "";
        const m = PREVIEW_STACK.exec(short);
        return m ? [{ number: Number(m[1]), short, lastUpdate: s.lastUpdate }] : [];
    });
}

/** Writes Pulumi.pr-<n>.yaml beside Pulumi.yaml (or `out`); returns its path. */
export function writeStackFile(ctx: PreviewContext, number: number, branch: string, out?: string): string {
    const project = readProject(ctx.projectDir).name;
    const file = out ?? path.join(ctx.projectDir, `Pulumi.pr-${number}.yaml`);
    fs.writeFileSync(file, renderPreviewStackFile(ctx.projectDir, project, { number, branch }));
    return file;
}

export type DeployOutcome = "deployed" | "failed" | "skipped-limit";

/**
 * Creates or updates the preview. A new preview is not created while `limit` previews exist
 * (Stripe allows 16 webhook endpoints per account, and each preview bills a few dollars a month).
 */
export async function deploy(ctx: PreviewContext, o: { number: number; branch: string; limit: number }): Promise<DeployOutcome> {
    const stack = previewStackName(ctx.projectDir, o.number);
    const existing = listPreviews(ctx);
    if (!existing.some((s) => s.number === o.number) && existing.length >= o.limit) {
        ctx.log(`::notice title=No preview::${existing.length} previews exist (the limit is ${o.limit}); close pull requests or wait for the daily cleanup`);
        return "skipped-limit";
    }
    writeStackFile(ctx, o.number, o.branch);
    // A self-managed backend names the previews' secrets provider (bootstrap: the preview-deploy key).
    const provider = process.env.PULUMI_SECRETS_PROVIDER ? ["--secrets-provider", process.env.PULUMI_SECRETS_PROVIDER] : [];
    const select = ctx.run("pulumi", ["stack", "select", "--create", ...provider, stack.name]);
    if (select.status !== 0) return "failed";
    const up = ctx.run("pulumi", ["up", "--yes", "--skip-preview", "--stack", stack.name, "--policy-pack", "policies"]);
    return up.status === 0 ? "deployed" : "failed";
}

export interface DestroyResult {
    /** The stack was there and is gone (or was never there). */
    removed: boolean;
    /** Whether its database was dropped (undefined: it had none, or the stack did not exist). */
    databaseDropped: boolean | undefined;
    attempts: number;
}

/** Drops the preview's database and role through the one-off task, best effort. */
async function dropDatabase(ctx: PreviewContext, stack: string, attempts: number): Promise<boolean | undefined> {
    const out = ctx.run("pulumi", ["stack", "output", "--json", "--stack", stack], { capture: true });
    let launch: Record<string, unknown> | undefined;
    try {
        launch = (JSON.parse(out.stdout || "{}") as { taskLaunch?: Record<string, unknown> }).taskLaunch;
    } catch {
        launch = undefined;
    }
    if (out.status !== 0 || !launch?.database) return undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-preview-"));
    const file = path.join(dir, "outputs.json");
    try {
        fs.writeFileSync(file, out.stdout);
        for (let i = 1; i <= attempts; i++) {
            const r = ctx.run("npm", ["run", "--silent", "task", "--", "--stack", stack, "--service", "database", "--from", file, "--", "drop"]);
            if (r.status === 0) return true;
            if (i < attempts) await ctx.sleep(ctx.backoff(i));
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    ctx.log(`::warning title=Preview database::could not drop the database of ${stack} on the base's server; ` +
        "drop it by hand (README, \"Preview environments\"); removing the rest of the preview anyway");
    return false;
}

/**
 * Removes a preview for good: database, resources, stack. Idempotent: a preview that does not
 * exist is reported removed.
 */
export async function destroy(ctx: PreviewContext, o: { number: number; branch?: string; attempts: number }): Promise<DestroyResult> {
    const stack = previewStackName(ctx.projectDir, o.number);
    if (!listPreviews(ctx).some((s) => s.number === o.number)) {
        ctx.log(`${stack.short}: no such stack, nothing to remove`);
        return { removed: true, databaseDropped: undefined, attempts: 0 };
    }
    // The CLI validates the stack's config on destroy too: the same file the deploy wrote.
    writeStackFile(ctx, o.number, o.branch ?? stack.short);
    const databaseDropped = await dropDatabase(ctx, stack.name, o.attempts);
    for (let i = 1; i <= o.attempts; i++) {
        const r = ctx.run("pulumi", ["destroy", "--yes", "--skip-preview", "--stack", stack.name]);
        if (r.status === 0) {
            for (let j = 1; j <= o.attempts; j++) {
                if (ctx.run("pulumi", ["stack", "rm", "--yes", "--stack", stack.name]).status === 0) {
                    ctx.log(`${stack.short}: destroyed and removed`);
                    return { removed: true, databaseDropped, attempts: i };
                }
                if (j < o.attempts) await ctx.sleep(ctx.backoff(j));
            }
            ctx.log(`::error title=Preview not removed::${stack.short} was destroyed but \`pulumi stack rm\` failed ${o.attempts} times`);
            return { removed: false, databaseDropped, attempts: i };
        }
        if (i < o.attempts) {
            // An interrupted update leaves the stack locked and operations pending: clear both, then retry.
            ctx.run("pulumi", ["cancel", "--yes", "--stack", stack.name]);
            ctx.run("pulumi", ["refresh", "--yes", "--skip-preview", "--clear-pending-creates", "--stack", stack.name]);
            await ctx.sleep(ctx.backoff(i));
        }
    }
    ctx.log(`::error title=Preview not removed::${stack.short}: pulumi destroy failed ${o.attempts} times; the daily cleanup tries again`);
    return { removed: false, databaseDropped, attempts: o.attempts };
}

export interface CleanupEntry { short: string; reason: "closed" | "stale" | "kept" | "unknown"; removed?: boolean }

/**
 * Removes the previews of pull requests that are no longer open, and previews not updated for
 * `maxAgeDays` (a quiet pull request gets a fresh one on its next push). A preview whose pull
 * request's state cannot be read is kept unless it is stale.
 */
export async function cleanup(ctx: PreviewContext, o: { repo: string; maxAgeDays: number; attempts: number; now: Date }): Promise<CleanupEntry[]> {
    const out: CleanupEntry[] = [];
    for (const s of listPreviews(ctx)) {
        const pr = ctx.run("gh", ["pr", "view", String(s.number), "--repo", o.repo, "--json", "state,headRefName"], { capture: true });
        let state: string | undefined;
        let branch: string | undefined;
        try {
            const parsed = pr.status === 0 ? JSON.parse(pr.stdout) as { state?: string; headRefName?: string } : undefined;
            state = parsed?.state;
            branch = parsed?.headRefName;
        } catch {
            state = undefined;
        }
        const age = s.lastUpdate ? (o.now.getTime() - Date.parse(s.lastUpdate)) / 86_400_000 : undefined;
        const reason: CleanupEntry["reason"] = state && state !== "OPEN" ? "closed"
            : age !== undefined && age > o.maxAgeDays ? "stale" : state ? "kept" : "unknown";
        if (reason === "closed" || reason === "stale") {
            const r = await destroy(ctx, { number: s.number, branch, attempts: o.attempts });
            out.push({ short: s.short, reason, removed: r.removed });
        } else {
            out.push({ short: s.short, reason });
        }
    }
    return out;
}

/** The preview's URLs and monthly cost, from an offline plan: the pull request comment's section. */
export async function summary(o: { number: number; branch: string; projectDir?: string }): Promise<string> {
    const stack = `pr-${o.number}`;
    // The engine (the Pulumi SDK, the providers) and the price table load here, for the one command that plans.
    const { runProgram } = require("./engine") as typeof Engine;
    const { estimateCost } = require("./cost") as typeof Cost;
    const record = await runProgram({ stack, previewBranch: o.branch, ...(o.projectDir ? { projectDir: o.projectDir } : {}) });
    if (record.problems.length > 0 || record.error) {
        const why = record.problems.map((p) => `${p.key}: ${p.message}`).join("; ") || (record.error ?? "").split("\n")[0];
        return `### Preview \`${stack}\`\n\nThe preview could not be planned: ${why}`;
    }
    const out = (k: string) => record.outputs[k]?.value as string | undefined;
    const e = estimateCost(record);
    const usd = (n: number) => `$${n.toFixed(2)}`;
    const lines = [
        `### Preview \`${stack}\`: ${usd(e.total)} a month while it exists`,
        "",
        "| | |",
        "|---|---|",
        ...(out("appUrl") ? [`| web (branch \`${o.branch}\` on Vercel) | ${out("appUrl")} |`] : []),
        ...(out("apiUrl") ? [`| API | ${out("apiUrl")} |`] : []),
        ...(out("healthUrl") ? [`| health | ${out("healthUrl")} |`] : []),
        ...(out("stripeWebhookUrl") ? [`| Stripe webhook (test mode) | ${out("stripeWebhookUrl")} |`] : []),
        "",
        `Shares ${e.sharedFrom.join(", ")}'s network, load balancer, database server, cache and bucket (billed there, unchanged); ` +
        `adds only its own (${usd(e.totalLow)} with Fargate Spot at the cheap end):`,
        "",
        "| cost line | per month |",
        "|---|---:|",
        ...e.lines.map((l) => `| ${l.kind} | ${usd(l.monthly)} |`),
        "",
        "Removed when the pull request is closed or merged, or after a week without a push.",
    ];
    return lines.join("\n");
}

// ---- command line -------------------------------------------------------------------------------------

export const USAGE = "Usage: npm run preview -- stack-file|deploy|destroy|summary --number <n> [--branch <b>] [--out FILE] [--limit N] [--attempts N]\n" +
    "       npm run preview -- cleanup --repo <owner/name> [--max-age-days N] [--attempts N]";

export interface PreviewArgs {
    command: "stack-file" | "deploy" | "destroy" | "cleanup" | "summary";
    number?: number;
    branch?: string;
    out?: string;
    limit: number;
    attempts: number;
    repo?: string;
    maxAgeDays: number;
}

export function parsePreviewArgs(argv: string[]): PreviewArgs {
    const [command, ...rest] = argv;
    if (!["stack-file", "deploy", "destroy", "cleanup", "summary"].includes(command ?? "")) throw new Error(`Unknown command ${JSON.stringify(command)}. ${USAGE}`);
    const a: PreviewArgs = { command: command as PreviewArgs["command"], limit: 10, attempts: 3, maxAgeDays: 7 };
    const whole = (flag: string, v: string | undefined, min: number) => {
        if (v === undefined || !/^\d+$/.test(v) || Number(v) < min) throw new Error(`${flag} must be a whole number of at least ${min}, got ${JSON.stringify(v)}. ${USAGE}`);
        return Number(v);
    };
    for (let i = 0; i < rest.length; i++) {
        const v = rest[i + 1];
        switch (rest[i]) {
            case "--number": a.number = whole("--number", v, 1); i++; break;
            case "--branch": a.branch = v; i++; break;
            case "--out": a.out = v; i++; break;
            case "--limit": a.limit = whole("--limit", v, 1); i++; break;
            case "--attempts": a.attempts = whole("--attempts", v, 1); i++; break;
            case "--repo": a.repo = v; i++; break;
            case "--max-age-days": a.maxAgeDays = whole("--max-age-days", v, 1); i++; break;
            default: throw new Error(`Unknown argument ${JSON.stringify(rest[i])}. ${USAGE}`);
        }
    }
    if (a.command !== "cleanup" && a.number === undefined) throw new Error(`${a.command} needs --number <pull request number>. ${USAGE}`);
    if (["stack-file", "deploy", "summary"].includes(a.command) && !a.branch) throw new Error(`${a.command} needs --branch <the pull request's branch>. ${USAGE}`);
    if (a.command === "summary" && !a.out) throw new Error(`summary needs --out FILE. ${USAGE}`);
    if (a.command === "cleanup" && !/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(a.repo ?? "")) throw new Error(`cleanup needs --repo <owner/name>. ${USAGE}`);
    return a;
}

async function main(): Promise<number> {
    const a = parsePreviewArgs(process.argv.slice(2));
    const ctx = defaultContext();
    switch (a.command) {
        case "stack-file":
            ctx.log(`wrote ${writeStackFile(ctx, a.number!, a.branch!, a.out)}`);
            return 0;
        case "deploy": {
            const outcome = await deploy(ctx, { number: a.number!, branch: a.branch!, limit: a.limit });
            return outcome === "failed" ? 1 : 0;
        }
        case "destroy":
            return (await destroy(ctx, { number: a.number!, branch: a.branch, attempts: a.attempts })).removed ? 0 : 1;
        case "cleanup": {
            const entries = await cleanup(ctx, { repo: a.repo!, maxAgeDays: a.maxAgeDays, attempts: a.attempts, now: new Date() });
            const table = ["| preview | pull request | removed |", "|---|---|---|",
                ...entries.map((e) => `| ${e.short} | ${e.reason} | ${e.removed === undefined ? "-" : e.removed ? "yes" : "**no**"} |`)];
            ctx.log(table.join("\n"));
            if (process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, `## Preview cleanup\n\n${table.join("\n")}\n`);
            return entries.some((e) => e.removed === false) ? 1 : 0;
        }
        case "summary":
            fs.writeFileSync(a.out!, (await summary({ number: a.number!, branch: a.branch!, projectDir: PROJECT_DIR })) + "\n");
            return 0;
    }
}

if (require.main === module) {
    main().then((code) => process.exit(code), (err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(2);
    });
}
