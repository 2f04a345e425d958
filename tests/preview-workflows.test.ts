/**
 * The previews' lifecycle in CI: the pull-request workflow deploys pr-<n> on push (after the
 * tests, for branches of this repository only) and destroys it on close; preview-cleanup.yml
 * removes, daily, previews of closed pull requests and stale ones. The workflows are read as
 * YAML and their steps run against stubs; `npm run preview` (tools/preview.ts) runs against a
 * fake Pulumi and gh, in-process and as a child process with stub binaries.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR } from "../tools/engine";
import { PreviewContext, RunResult, cleanup, deploy, destroy, parsePreviewArgs, previewStackName } from "../tools/preview";
import { Job, Step, concurrencyOf, envName, permissionsOf, readsPullRequests, runGithubScript, runStep, secretsOf, stubBin, usesOidc, workflows } from "./workflow-harness";
import { tempDir } from "./temp-dir";

const pr = workflows.find((w) => w.file === "pull-request.yml")!;
const cleanupWf = workflows.find((w) => w.file === "preview-cleanup.yml")!;
const job = (wf: typeof pr, id: string): Job => {
    const j = wf.wf.jobs[id];
    assert.ok(j, `${wf.file} has a job ${id}`);
    return j;
};
const stepRunning = (j: Job, re: RegExp): Step => {
    const found = (j.steps ?? []).filter((s) => re.test(String(s.run ?? "")));
    assert.equal(found.length, 1, `one step runs ${re}`);
    return found[0];
};
/** The stand-ins for the `${{ … }}` values a step's env names. */
const GITHUB = { PR_NUMBER: "42", PR_BRANCH: "feat/$(touch pwned)", PREVIEW_LIMIT: "10", REPOSITORY: "acme/groundwork" };

describe("preview environments in CI", () => {
    describe("the pull-request workflow", () => {
        it("runs on open, push, reopen and close, never on pull_request_target", () => {
            assert.deepEqual((pr.wf.on.pull_request as { types: string[] }).types, ["opened", "synchronize", "reopened", "closed"]);
            assert.ok(!("pull_request_target" in pr.wf.on));
            // The checks skip a closed pull request; only its preview's removal runs then.
            for (const id of ["test", "preview", "cost"]) assert.match(String(job(pr, id).if), /github\.event\.action != 'closed'/, id);
        });

        it("deploys the preview after the tests, for branches of this repository only, in the preview-deploy environment", () => {
            const deployJob = job(pr, "preview-deploy");
            assert.equal(deployJob.needs, "test");
            assert.match(String(deployJob.if), /github\.event\.action != 'closed'/);
            assert.match(String(deployJob.if), /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
            assert.equal(envName(deployJob), "preview-deploy");
            assert.deepEqual(permissionsOf(pr.wf, deployJob), { contents: "read", "id-token": "write" });
            assert.ok(usesOidc(deployJob));
            assert.deepEqual(secretsOf(deployJob).sort(), ["AWS_PREVIEW_DEPLOY_ROLE_ARN", "PULUMI_ACCESS_TOKEN_PREVIEW_DEPLOY", "VERCEL_API_TOKEN_PREVIEW_DEPLOY"]);
            const checkout = (deployJob.steps ?? []).find((s) => s.uses?.startsWith("actions/checkout@"))!;
            assert.equal(checkout.with?.["persist-credentials"], false);
            assert.ok((deployJob.steps ?? []).some((s) => s.uses?.startsWith("pulumi/actions@") && s.with === undefined), "installs the CLI only");
        });

        it("destroys the preview on close (merged or not) with the base branch's code, never the pull request's", () => {
            const destroyJob = job(pr, "preview-destroy");
            assert.match(String(destroyJob.if), /github\.event\.action == 'closed'/);
            assert.match(String(destroyJob.if), /head\.repo\.full_name == github\.repository/);
            assert.equal(destroyJob.needs, undefined, "nothing can skip it");
            assert.equal(envName(destroyJob), "preview-deploy");
            const checkout = (destroyJob.steps ?? []).find((s) => s.uses?.startsWith("actions/checkout@"))!;
            assert.match(String(checkout.with?.ref), /^\$\{\{\s*github\.event\.pull_request\.base\.ref\s*\}\}$/);
            assert.equal(checkout.with?.["persist-credentials"], false);
        });

        it("runs one update of a preview at a time, never cancelled: push and close share one group per pull request", () => {
            const groups = ["preview-deploy", "preview-destroy"].map((id) => concurrencyOf(pr.wf, job(pr, id)));
            for (const c of groups) {
                assert.equal(c?.group, "preview-pr-${{ github.event.pull_request.number }}");
                assert.equal(c?.["cancel-in-progress"], false);
            }
            assert.equal(pr.wf.concurrency, undefined, "no workflow-wide group that would cancel a running deploy");
            for (const id of ["test", "preview", "cost"]) {
                const c = concurrencyOf(pr.wf, job(pr, id));
                assert.equal(c?.["cancel-in-progress"], true, id);
                assert.match(c?.group ?? "", new RegExp(`-${id}$`), `${id}: a group of its own`);
            }
        });

        it("hands the branch to the scripts through env, never spliced into their text", () => {
            for (const id of ["preview-deploy", "preview-destroy"]) {
                const s = stepRunning(job(pr, id), /preview -- (deploy|destroy)/);
                assert.doesNotMatch(String(s.run), /\$\{\{/);
                assert.match(String(s.env?.PR_BRANCH), /^\$\{\{\s*github\.head_ref\s*\}\}$/);
                assert.match(String(s.env?.PR_NUMBER), /^\$\{\{\s*github\.event\.pull_request\.number\s*\}\}$/);
            }
        });

        /** Runs a job's preview step with an npm stub that records its arguments (one per line). */
        const runWithNpm = (step: Step) => {
            const dir = tempDir("gw-pr-");
            const calls = path.join(dir, "calls");
            const bin = stubBin({ npm: `for a in "$@"; do printf '%s\\n' "$a" >> "$CALLS"; done; echo --- >> "$CALLS"` });
            const r = runStep(step, { cwd: dir, bin, env: { ...GITHUB, CALLS: calls } });
            return { ...r, dir, args: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").split("\n---\n")[0].split("\n") : [] };
        };

        it("deploy step: npm run preview -- deploy with the number, the exact branch and the limit", () => {
            const r = runWithNpm(stepRunning(job(pr, "preview-deploy"), /preview -- deploy/));
            assert.equal(r.status, 0, r.out);
            assert.deepEqual(r.args, ["run", "--silent", "preview", "--", "deploy", "--number", "42", "--branch", "feat/$(touch pwned)", "--limit", "10"]);
            assert.ok(!fs.existsSync(path.join(r.dir, "pwned")), "the branch name was never run as a command");
        });

        it("destroy step: npm run preview -- destroy with retries", () => {
            const r = runWithNpm(stepRunning(job(pr, "preview-destroy"), /preview -- destroy/));
            assert.equal(r.status, 0, r.out);
            assert.deepEqual(r.args, ["run", "--silent", "preview", "--", "destroy", "--number", "42", "--branch", "feat/$(touch pwned)", "--attempts", "3"]);
        });

        it("plans the preview offline in the cost job (no credentials) for the comment's URLs and monthly cost", () => {
            const cost = job(pr, "cost");
            assert.deepEqual(secretsOf(cost), []);
            const step = stepRunning(cost, /preview -- summary/);
            const r = runWithNpm(step);
            assert.equal(r.status, 0, r.out);
            assert.deepEqual(r.args, ["--prefix", "head", "run", "--silent", "preview", "--", "summary", "--number", "42", "--branch", "feat/$(touch pwned)",
                "--out", `${r.dir}/cost/preview.md`]);
        });

        it("posts the preview's section (URLs and monthly cost) in the one cost comment, after the stacks'", async () => {
            const comment = job(pr, "cost-comment");
            const step = (comment.steps ?? []).find((s) => s.uses?.startsWith("actions/github-script@"))!;
            const dir = tempDir("gw-comment-");
            fs.writeFileSync(path.join(dir, "staging.md"), "### Stack `staging`: $0.00 a month\n");
            fs.writeFileSync(path.join(dir, "preview.md"), "### Preview `pr-42`: $8.01 a month while it exists\n\n| API | https://pr-42.api.staging.example.com/api/v1 |\n");
            const created: Record<string, unknown>[] = [];
            const github = {
                paginate: async () => [],
                rest: { issues: { listComments: async () => ({ data: [] }), createComment: async (a: Record<string, unknown>) => { created.push(a); return { data: {} }; }, updateComment: async () => ({ data: {} }) } },
            };
            await runGithubScript(step, github, dir);
            assert.equal(created.length, 1);
            const body = String(created[0].body);
            assert.ok(body.indexOf("### Preview `pr-42`") > body.indexOf("### Stack `staging`"));
            assert.match(body, /https:\/\/pr-42\.api\.staging\.example\.com/);
        });
    });

    describe("the daily cleanup (preview-cleanup.yml)", () => {
        const cleanupJob = cleanupWf.wf.jobs.cleanup;

        it("runs every day and by hand, in the preview-deploy environment, reading pull requests' state read-only", () => {
            assert.deepEqual(Object.keys(cleanupWf.wf.on).sort(), ["schedule", "workflow_dispatch"]);
            assert.match((cleanupWf.wf.on.schedule as { cron: string }[])[0].cron, /^\d+ \d+ \* \* \*$/);
            assert.equal(envName(cleanupJob), "preview-deploy");
            assert.deepEqual(permissionsOf(cleanupWf.wf, cleanupJob), { contents: "read", "id-token": "write", "pull-requests": "read" });
            assert.ok(readsPullRequests(cleanupJob));
            assert.equal(concurrencyOf(cleanupWf.wf, cleanupJob)?.["cancel-in-progress"], false);
        });

        it("cleanup step: removes previews of closed pull requests and those without a push for 7 days, with retries", () => {
            const dir = tempDir("gw-clean-");
            const calls = path.join(dir, "calls");
            const bin = stubBin({ npm: `printf '%s\\n' "$*" >> "$CALLS"` });
            const r = runStep(stepRunning(cleanupJob, /preview -- cleanup/), { cwd: dir, bin, env: { ...GITHUB, CALLS: calls } });
            assert.equal(r.status, 0, r.out);
            assert.equal(fs.readFileSync(calls, "utf8").trim(), "run --silent preview -- cleanup --repo acme/groundwork --max-age-days 7 --attempts 3");
        });
    });
});

// ---- npm run preview (tools/preview.ts) against a fake Pulumi and gh --------------------------------------

interface Fake {
    /** Stacks that exist, with their last update. */
    stacks: { name: string; lastUpdate?: string }[];
    /** How many times each command (by its first two words, or `npm task`) fails before it succeeds. */
    failures: Record<string, number>;
    /** State of pull requests by number (gh pr view). */
    prs: Record<number, string>;
    outputs: Record<string, unknown>;
    calls: string[];
}

/** A project folder with the committed files the tool reads (Pulumi.yaml, the base's stack file, the template). */
function projectCopy(): string {
    const dir = tempDir("gw-proj-");
    for (const f of ["Pulumi.yaml", "Pulumi.staging.yaml", path.join("preview", "Pulumi.preview.yaml")]) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
    }
    return dir;
}

function fakeContext(f: Fake): PreviewContext & { slept: number[] } {
    const slept: number[] = [];
    const run = (cmd: string, args: string[]): RunResult => {
        f.calls.push([cmd, ...args].join(" "));
        const key = cmd === "npm" ? "npm task" : `${cmd} ${args[0] === "stack" ? `stack ${args[1]}` : args[0]}`;
        if ((f.failures[key] ?? 0) > 0) {
            f.failures[key]--;
            return { status: 1, stdout: "", stderr: `${key} failed` };
        }
        if (cmd === "pulumi" && args[0] === "stack" && args[1] === "ls") return { status: 0, stdout: JSON.stringify(f.stacks), stderr: "" };
        if (cmd === "pulumi" && args[0] === "stack" && args[1] === "output") return { status: 0, stdout: JSON.stringify(f.outputs), stderr: "" };
        if (cmd === "pulumi" && args[0] === "stack" && args[1] === "rm") {
            f.stacks = f.stacks.filter((s) => !args.includes(`acme/${s.name}`));
        }
        if (cmd === "gh") {
            const state = f.prs[Number(args[2])];
            return state ? { status: 0, stdout: JSON.stringify({ state, headRefName: `branch-${args[2]}` }), stderr: "" } : { status: 1, stdout: "", stderr: "not found" };
        }
        return { status: 0, stdout: "", stderr: "" };
    };
    return { run, sleep: async (s) => { slept.push(s); }, log: () => undefined, projectDir: projectCopy(), backoff: (n) => 30 * n, slept };
}
const fake = (over: Partial<Fake> = {}): Fake => ({ stacks: [], failures: {}, prs: {}, outputs: { taskLaunch: { api: {}, database: {} } }, calls: [], ...over });

describe("npm run preview (tools/preview.ts)", () => {
    it("names the preview's stack in the base stack's organization", () => {
        assert.deepEqual(previewStackName(PROJECT_DIR, 42), { name: "acme/pr-42", short: "pr-42" });
    });

    it("deploy: writes the stack file, selects or creates the stack, runs up with the policy pack", async () => {
        const f = fake();
        const ctx = fakeContext(f);
        assert.equal(await deploy(ctx, { number: 42, branch: "feat/x", limit: 10 }), "deployed");
        assert.deepEqual(f.calls, [
            "pulumi stack ls --json",
            "pulumi stack select --create acme/pr-42",
            "pulumi up --yes --skip-preview --stack acme/pr-42 --policy-pack policies",
        ]);
        const file = YAML.parse(fs.readFileSync(path.join(ctx.projectDir, "Pulumi.pr-42.yaml"), "utf8")) as { config: Record<string, unknown> };
        assert.equal(file.config["groundwork:previewBranch"], "feat/x");
        assert.equal(file.config["groundwork:profile"], "preview");
    });

    it("deploy: creates no new preview past the limit, but still updates an existing one", async () => {
        const full = fake({ stacks: [{ name: "pr-1" }, { name: "pr-2" }, { name: "staging" }] });
        assert.equal(await deploy(fakeContext(full), { number: 42, branch: "b", limit: 2 }), "skipped-limit");
        assert.deepEqual(full.calls, ["pulumi stack ls --json"]);
        const existing = fake({ stacks: [{ name: "pr-1" }, { name: "pr-42" }] });
        assert.equal(await deploy(fakeContext(existing), { number: 42, branch: "b", limit: 2 }), "deployed");
        const failed = fake({ failures: { "pulumi up": 1 } });
        assert.equal(await deploy(fakeContext(failed), { number: 42, branch: "b", limit: 2 }), "failed");
    });

    it("destroy: drops the database first, then destroys, then removes the stack, never with --force", async () => {
        const f = fake({ stacks: [{ name: "pr-42" }] });
        const r = await destroy(fakeContext(f), { number: 42, attempts: 3 });
        assert.deepEqual(r, { removed: true, databaseDropped: true, attempts: 1 });
        const order = f.calls.map((c) => c.replace(/--from \S+/, "--from FILE"));
        assert.deepEqual(order, [
            "pulumi stack ls --json",
            "pulumi stack output --json --stack acme/pr-42",
            "npm run --silent task -- --stack acme/pr-42 --service database --from FILE -- drop",
            "pulumi destroy --yes --skip-preview --stack acme/pr-42",
            "pulumi stack rm --yes --stack acme/pr-42",
        ]);
        assert.ok(!f.calls.some((c) => /--force|state delete|unprotect/.test(c)));
        // The outputs file handed to the task is gone afterwards, folder and all (it named the stack's resources).
        const from = /--from (\S+)/.exec(f.calls.find((c) => c.includes("--from")) ?? "")?.[1];
        assert.ok(from && !fs.existsSync(from) && !fs.existsSync(path.dirname(from)), from);
    });

    it("destroy: retries a failed destroy after clearing the lock and pending operations, and waits longer each time", async () => {
        const f = fake({ stacks: [{ name: "pr-42" }], failures: { "pulumi destroy": 2 } });
        const ctx = fakeContext(f);
        const r = await destroy(ctx, { number: 42, attempts: 3 });
        assert.equal(r.removed, true);
        assert.equal(r.attempts, 3);
        assert.equal(f.calls.filter((c) => c.startsWith("pulumi cancel --yes --stack acme/pr-42")).length, 2);
        assert.equal(f.calls.filter((c) => c.startsWith("pulumi refresh --yes --skip-preview --clear-pending-creates --stack acme/pr-42")).length, 2);
        assert.deepEqual(ctx.slept, [30, 60]);
        assert.equal(f.calls[f.calls.length - 1], "pulumi stack rm --yes --stack acme/pr-42");
    });

    it("destroy: a database that cannot be dropped never blocks the removal; a destroy that keeps failing leaves the stack for the next run", async () => {
        const stuckDb = fake({ stacks: [{ name: "pr-42" }], failures: { "npm task": 5 } });
        const r1 = await destroy(fakeContext(stuckDb), { number: 42, attempts: 2 });
        assert.deepEqual([r1.removed, r1.databaseDropped], [true, false]);
        assert.equal(stuckDb.calls.filter((c) => c.startsWith("npm run")).length, 2);
        const stuck = fake({ stacks: [{ name: "pr-42" }], failures: { "pulumi destroy": 9 } });
        const r2 = await destroy(fakeContext(stuck), { number: 42, attempts: 3 });
        assert.equal(r2.removed, false);
        assert.ok(!stuck.calls.some((c) => c.includes("stack rm")), "no stack rm while resources remain");
        const gone = fake();
        assert.deepEqual(await destroy(fakeContext(gone), { number: 42, attempts: 3 }), { removed: true, databaseDropped: undefined, attempts: 0 });
        assert.deepEqual(gone.calls, ["pulumi stack ls --json"], "nothing to remove: no further call");
    });

    it("cleanup: removes previews of closed or merged pull requests and stale ones, keeps recent open ones and unknown recent ones", async () => {
        const now = new Date("2026-12-10T00:00:00Z");
        const f = fake({
            stacks: [
                { name: "acme/groundwork/pr-1", lastUpdate: "2026-12-09T00:00:00Z" }, // merged
                { name: "pr-2", lastUpdate: "2026-12-09T00:00:00Z" }, // open, recent
                { name: "pr-3", lastUpdate: "2026-11-01T00:00:00Z" }, // open, stale
                { name: "pr-4", lastUpdate: "2026-12-09T00:00:00Z" }, // state unknown, recent
                { name: "pr-5", lastUpdate: "2026-11-01T00:00:00Z" }, // state unknown, stale
                { name: "staging", lastUpdate: "2026-01-01T00:00:00Z" },
            ],
            prs: { 1: "MERGED", 2: "OPEN", 3: "OPEN" },
        });
        const entries = await cleanup(fakeContext(f), { repo: "acme/groundwork", maxAgeDays: 7, attempts: 1, now });
        assert.deepEqual(entries.map((e) => [e.short, e.reason, e.removed]), [
            ["pr-1", "closed", true], ["pr-2", "kept", undefined], ["pr-3", "stale", true], ["pr-4", "unknown", undefined], ["pr-5", "stale", true],
        ]);
        assert.ok(!f.calls.some((c) => c.includes("acme/staging")), "never touches a stack that is not a preview");
        assert.ok(f.calls.includes("gh pr view 1 --repo acme/groundwork --json state,headRefName"));
    });

    it("refuses bad arguments, naming them", () => {
        assert.throws(() => parsePreviewArgs(["deploy", "--number", "0", "--branch", "b"]), /--number must be a whole number of at least 1/);
        assert.throws(() => parsePreviewArgs(["deploy", "--number", "4"]), /deploy needs --branch/);
        assert.throws(() => parsePreviewArgs(["cleanup", "--repo", "not a repo"]), /cleanup needs --repo <owner\/name>/);
        assert.throws(() => parsePreviewArgs(["launch"]), /Unknown command "launch"/);
        assert.deepEqual(parsePreviewArgs(["destroy", "--number", "7"]), { command: "destroy", number: 7, limit: 10, attempts: 3, maxAgeDays: 7 });
    });

    it("runs as the workflows run it: a child process with the real Pulumi and npm replaced by stubs on PATH", () => {
        const dir = projectCopy();
        const log = path.join(dir, "calls");
        const bin = stubBin({
            pulumi: [
                `echo "pulumi $*" >> "${log}"`,
                `case "$1 $2" in "stack ls") echo '[{"name":"pr-42"}]';; "stack output") echo '{"taskLaunch":{"database":{}}}';; esac`,
                // The first destroy fails (a lock), the second succeeds.
                `if [ "$1" = destroy ] && [ ! -f "${dir}/destroyed-once" ]; then touch "${dir}/destroyed-once"; exit 1; fi`,
                "exit 0",
            ].join("\n"),
            npm: `echo "npm $*" >> "${log}"`,
        });
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(PROJECT_DIR, "tools", "preview.ts"), "destroy", "--number", "42"], {
            cwd: dir, encoding: "utf8",
            env: {
                ...process.env, PATH: `${bin}:${process.env.PATH}`, GROUNDWORK_PREVIEW_RETRY_SECONDS: "0", NODE_PATH: path.join(PROJECT_DIR, "node_modules"),
                TS_NODE_PROJECT: path.join(PROJECT_DIR, "tsconfig.json"),
            },
        });
        assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
        const calls = fs.readFileSync(log, "utf8").trim().split("\n").map((c) => c.replace(/--from \S+/, "--from FILE"));
        assert.deepEqual(calls, [
            "pulumi stack ls --json",
            "pulumi stack output --json --stack acme/pr-42",
            "npm run --silent task -- --stack acme/pr-42 --service database --from FILE -- drop",
            "pulumi destroy --yes --skip-preview --stack acme/pr-42",
            "pulumi cancel --yes --stack acme/pr-42",
            "pulumi refresh --yes --skip-preview --clear-pending-creates --stack acme/pr-42",
            "pulumi destroy --yes --skip-preview --stack acme/pr-42",
            "pulumi stack rm --yes --stack acme/pr-42",
        ]);
        assert.match(r.stdout, /pr-42: destroyed and removed/);
        assert.ok(fs.existsSync(path.join(dir, "Pulumi.pr-42.yaml")), "the stack file the CLI validates");
    });

    it("stack-file loads neither the engine nor any Pulumi package: only summary, which plans, loads them", () => {
        const fromPreview = eagerImports(path.join(PROJECT_DIR, "tools", "preview.ts"));
        // The walk reaches what stack-file uses (so it is not vacuous)...
        for (const file of ["tools/preview-stack.ts", "tools/project-file.ts", "components/config/config-schema.ts", "components/config/preview-keys.ts"]) {
            assert.ok(fromPreview.files.has(path.join(PROJECT_DIR, file)), `expected tools/preview.ts to import ${file}`);
        }
        // ...and none of the engine, the price table or an SDK.
        assert.deepEqual([...fromPreview.files].filter((f) => /tools\/(engine|cost)\.ts$/.test(f)), []);
        assert.deepEqual([...fromPreview.packages].filter((p) => p.startsWith("@pulumi") || p.startsWith("@pulumiverse")), []);
        // The same walk from the engine does find the SDK.
        assert.ok(eagerImports(path.join(PROJECT_DIR, "tools", "engine.ts")).packages.has("@pulumi/pulumi"));
    });
});

/**
 * What loading a module loads before any of its code runs: its value imports (`import ... from`,
 * side-effect imports, re-exports) and theirs, never `import type` or a `require` inside a function.
 * Own files by path, packages by name.
 */
function eagerImports(entry: string): { files: Set<string>; packages: Set<string> } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
        if (files.has(file)) return;
        files.add(file);
        const text = fs.readFileSync(file, "utf8");
        for (const m of text.matchAll(/^(?:import(?!\s+type\b)[^;"]*?from\s*|import\s*|export\s*(?:\*|\{[^}]*\})\s*from\s*)"([^"]+)";/gm)) {
            const spec = m[1];
            if (!spec.startsWith(".")) {
                if (!spec.startsWith("node:") && !["fs", "path", "os", "child_process", "crypto"].includes(spec)) packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
                continue;
            }
            const base = path.resolve(path.dirname(file), spec);
            const found = [`${base}.ts`, path.join(base, "index.ts"), base].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
            // An import the walk cannot follow would hide what is behind it: fail instead.
            if (!found) throw new Error(`eagerImports: ${path.relative(PROJECT_DIR, file)} imports "${spec}", which is not a file the walk can read`);
            if (found.endsWith(".ts")) visit(found);
        }
    };
    visit(entry);
    return { files, packages };
}
