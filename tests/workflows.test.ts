/**
 * CI: pull requests install, test and preview staging with the policy pack; main deploys staging;
 * prod deploys only by hand behind the "production" environment, with the policy pack; every
 * credential comes from the secret store or OIDC, scoped to one GitHub environment per job, so a
 * pull request's code never holds a deploy credential, let alone prod's. Deploys ship the image
 * tag committed in the stack file (GitOps), one update of a stack at a time.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { COMMENT_MARKER } from "../tools/compare";
import { goodPlan } from "./harness";
import { tempDir } from "./temp-dir";

import {
    Job, SCOPE, Step, allJobs, concurrencyOf, deploys, envName, permissionsOf, postsComment, pulumiSteps, readsPullRequests, runGithubScript, runs,
    scopesIn, secretsOf, steps, triggeredBy, usesOidc, workflows, files,
} from "./workflow-harness";

describe("CI workflows", () => {
    it("parse as YAML with jobs and steps", () => {
        assert.ok(workflows.length >= 3, `workflows: ${files.join(", ")}`);
        for (const { file, wf } of workflows) {
            assert.ok(wf.on && Object.keys(wf.jobs ?? {}).length > 0, file);
            for (const j of Object.values(wf.jobs)) assert.ok((j.steps ?? []).length > 0, file);
        }
    });

    it("on pull requests: npm ci, npm test, and a staging preview with the policy pack", () => {
        const pr = triggeredBy("pull_request");
        assert.equal(pr.length, 1);
        const { wf } = pr[0];
        assert.ok(runs(wf, /^npm ci\b/), "npm ci");
        assert.ok(runs(wf, /^npm test\b/), "npm test");
        const preview = pulumiSteps(wf, "preview", "staging");
        assert.equal(preview.length, 1);
        assert.equal(preview[0].with?.policyPacks, "policies");
        // A PR never deploys staging or prod: no `up` through the action, no `pulumi up|destroy` of its
        // own; the only stack it changes is its preview, through `npm run preview` (tests/preview-workflows.test.ts).
        assert.ok(!steps(wf).some((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up"), "a PR never deploys");
        assert.ok(!runs(wf, /\bpulumi\s+(up|destroy|refresh|import|stack\s+rm)\b/), "no Pulumi update runs directly");
        const updates = steps(wf).filter((s) => /\bpreview -- (deploy|destroy)\b/.test(String(s.run ?? "")));
        assert.equal(updates.length, 2, "deploy on push, destroy on close");
        for (const job of Object.values(wf.jobs).filter((j) => (j.steps ?? []).some((s) => updates.includes(s)))) assert.equal(envName(job), "preview-deploy");
    });

    it("on push to main: pulumi up of staging (policy pack on)", () => {
        const push = triggeredBy("push").filter((w) => {
            const branches = (w.wf.on.push as { branches?: string[] } | null)?.branches ?? [];
            return branches.includes("main");
        });
        assert.equal(push.length, 1);
        const { wf } = push[0];
        assert.ok(runs(wf, /^npm ci\b/));
        const up = pulumiSteps(wf, "up", "staging");
        assert.equal(up.length, 1);
        assert.equal(up[0].with?.policyPacks, "policies");
        assert.deepEqual(pulumiSteps(wf, "up", "prod"), [], "main never deploys prod");
    });

    it("prod: manual only, behind the production environment, with the policy pack", () => {
        const prod = workflows.filter((w) => steps(w.wf).some((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.["stack-name"] === "prod"));
        assert.equal(prod.length, 1);
        const { wf } = prod[0];
        assert.deepEqual(Object.keys(wf.on), ["workflow_dispatch"]);
        const jobs = Object.values(wf.jobs).filter((j) => pulumiSteps(wf, "up", "prod").some((s) => (j.steps ?? []).includes(s)));
        assert.equal(jobs.length, 1);
        assert.equal(envName(jobs[0]), "production");
        const up = pulumiSteps(wf, "up", "prod");
        assert.equal(up.length, 1);
        assert.equal(up[0].with?.policyPacks, "policies");
    });

    it("asks for the deploy role's two-hour session wherever a deploy role is assumed (a first up outlasts one hour)", () => {
        const deploys = workflows.flatMap(({ file, wf }) => steps(wf)
            .filter((s) => String(s.uses ?? "").startsWith("aws-actions/configure-aws-credentials") && !/AWS_PREVIEW_ROLE_ARN/.test(String(s.with?.["role-to-assume"])))
            .map((s) => ({ file, s })));
        assert.ok(deploys.length >= 4, `deploy-role steps (${deploys.length})`);
        for (const { file, s } of deploys) assert.equal(s.with?.["role-duration-seconds"], 7200, `${file}: ${String(s.with?.["role-to-assume"])}`);
    });

    it("takes credentials only from secrets or OIDC", () => {
        const SECRET_REF = /^\$\{\{\s*secrets\.[A-Z0-9_]+\s*\}\}$/;
        for (const { file, text, wf } of workflows) {
            const envs: [string, unknown][] = [
                ...Object.entries(wf.env ?? {}),
                ...Object.values(wf.jobs).flatMap((j) => Object.entries(j.env ?? {})),
                ...steps(wf).flatMap((s) => Object.entries(s.env ?? {})),
            ];
            for (const [k, v] of envs) {
                if (/TOKEN|SECRET|KEY|PASSWORD|PASSPHRASE|CREDENTIAL/i.test(k)) assert.match(String(v), SECRET_REF, `${file}: env ${k}`);
            }
            for (const [id, job] of Object.entries(wf.jobs)) {
                // Each token comes from the secret of that name scoped to the job's environment
                // (PULUMI_ACCESS_TOKEN_STAGING in `staging`...), never from a repository-wide one.
                const scope = SCOPE[envName(job) ?? ""];
                const scoped = (s: Step, name: string) => assert.match(String(s.env?.[name] ?? ""),
                    new RegExp(`^\\$\\{\\{\\s*secrets\\.${name}_${scope}\\s*\\}\\}$`), `${file}: job ${id}: ${name}`);
                for (const s of (job.steps ?? []).filter((x) => x.uses?.startsWith("pulumi/actions@"))) {
                    if (s.with?.command === undefined) {
                        // Installs the CLI only: it holds no credential.
                        assert.deepEqual(s.env ?? {}, {}, `${file}: job ${id}: the install-only Pulumi step holds no credential`);
                        continue;
                    }
                    assert.ok(scope, `${file}: job ${id} runs Pulumi outside a known environment`);
                    for (const name of ["PULUMI_ACCESS_TOKEN", "CLOUDFLARE_API_TOKEN", "VERCEL_API_TOKEN"]) scoped(s, name);
                }
                // The preview lifecycle runs the CLI itself: its token and Vercel's, scoped; no Cloudflare token
                // (staging's wildcard records cover every preview).
                for (const s of (job.steps ?? []).filter((x) => /\bnpm run --silent preview -- (deploy|destroy|cleanup)\b/.test(String(x.run ?? "")))) {
                    assert.ok(scope, `${file}: job ${id} runs Pulumi outside a known environment`);
                    for (const name of ["PULUMI_ACCESS_TOKEN", "VERCEL_API_TOKEN"]) scoped(s, name);
                    assert.equal(s.env?.CLOUDFLARE_API_TOKEN, undefined, `${file}: job ${id}: a preview needs no Cloudflare token`);
                }
                for (const s of (job.steps ?? []).filter((x) => x.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
                    assert.match(String(s.with?.["role-to-assume"]), SECRET_REF, `${file}: role-to-assume`);
                    assert.ok(!("aws-access-key-id" in (s.with ?? {})) && !("aws-secret-access-key" in (s.with ?? {})), `${file}: no static AWS keys`);
                    const perms = permissionsOf(wf, job);
                    assert.equal(typeof perms === "object" ? perms["id-token"] : perms, "write", `${file}: job ${id}: OIDC needs id-token: write`);
                }
            }
            assert.ok(steps(wf).every((s) => !s.uses?.startsWith("pulumi/actions@") || s.with?.command === undefined || !!s.env), file);
            assert.doesNotMatch(text, /\b(AKIA|ASIA)[0-9A-Z]{16}\b|\b[sr]k_(live|test)_[A-Za-z0-9]|whsec_[A-Za-z0-9]|pul-[0-9a-f]{40}|-----BEGIN/, `${file}: a literal credential`);
        }
    });
    it("never triggers on pull_request_target (it hands a fork's code the base repository's secrets)", () => {
        for (const { file, wf } of workflows) assert.ok(!("pull_request_target" in wf.on), file);
    });

    it("declares a GitHub environment on every job that reads a secret", () => {
        for (const { file, id, job } of allJobs()) {
            if (secretsOf(job).length) assert.ok(envName(job), `${file}: job ${id} reads ${secretsOf(job).join(", ")} without an environment`);
        }
    });

    it("previews pull requests in the preview environment, never staging's or production's", () => {
        const [{ wf }] = triggeredBy("pull_request");
        const preview = Object.values(wf.jobs).filter((j) => pulumiSteps(wf, "preview", "staging").some((s) => (j.steps ?? []).includes(s)));
        assert.equal(preview.length, 1);
        assert.equal(envName(preview[0]), "preview");
        for (const job of Object.values(wf.jobs)) assert.ok(!["staging", "production"].includes(envName(job) ?? ""), envName(job));
        assert.deepEqual(Object.values(wf.jobs).flatMap(deploys), [], "a PR never deploys");
    });

    it("scopes every secret to its job's environment: prod's only in the production job, staging's never in a PR", () => {
        const seen = new Set<string>();
        for (const { file, id, job } of allJobs()) {
            const scope = SCOPE[envName(job) ?? ""];
            // GITHUB_TOKEN is the job's own token, bounded by its `permissions`, not an environment secret.
            for (const secret of secretsOf(job).filter((x) => x !== "GITHUB_TOKEN")) {
                assert.deepEqual(scopesIn(secret), [scope], `${file}: job ${id} (environment ${envName(job)}) reads ${secret}`);
                seen.add(scope);
            }
        }
        assert.deepEqual([...seen].sort(), ["PREVIEW", "PREVIEW_DEPLOY", "PROD", "STAGING"]);
        // And by text, comments aside: a prod secret is named in no other workflow file.
        for (const { file, text } of workflows) {
            const code = text.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
            const prodSecrets = [...code.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]).filter((n) => scopesIn(n).includes("PROD"));
            if (file !== "deploy-prod.yml") assert.deepEqual(prodSecrets, [], file);
        }
    });

    it("sets minimal permissions: read-only contents everywhere, id-token: write only where OIDC is used", () => {
        for (const { file, wf } of workflows) {
            assert.deepEqual(wf.permissions, { contents: "read" }, `${file}: workflow default`);
        }
        for (const { file, wf, id, job } of allJobs()) {
            const perms = permissionsOf(wf, job);
            assert.ok(perms && typeof perms === "object", `${file}: job ${id} states its permissions`);
            assert.equal(perms.contents, "read", `${file}: job ${id}`);
            assert.equal(perms["id-token"], usesOidc(job) ? "write" : undefined, `${file}: job ${id} id-token`);
            const commentsOnPr = (job.steps ?? []).some((s) => s.with?.["comment-on-pr"] === true || postsComment(s));
            assert.equal(perms["pull-requests"], commentsOnPr ? "write" : readsPullRequests(job) ? "read" : undefined, `${file}: job ${id} pull-requests`);
            const other = Object.keys(perms).filter((k) => !["contents", "id-token", "pull-requests"].includes(k));
            assert.deepEqual(other, [], `${file}: job ${id}`);
        }
    });

    it("never runs two deploys of a stack at once: one non-cancelling concurrency group per stack", () => {
        const groups = new Map<string, Set<string>>();
        for (const { file, wf, id, job } of allJobs()) {
            for (const up of deploys(job)) {
                const stack = String(up.with?.["stack-name"]);
                const c = concurrencyOf(wf, job);
                assert.ok(c?.group, `${file}: job ${id} deploys ${stack} without a concurrency group`);
                assert.ok(c.group.includes(stack) && !c.group.includes("${{"), `${file}: group "${c.group}" is fixed per stack`);
                assert.equal(c["cancel-in-progress"], false, `${file}: a running update is never cancelled`);
                groups.set(stack, (groups.get(stack) ?? new Set()).add(c.group));
            }
        }
        assert.deepEqual([...groups.keys()].sort(), ["prod", "staging"]);
        for (const [stack, g] of groups) assert.equal(g.size, 1, `every deploy of ${stack} shares one group`);
        assert.notEqual([...groups.get("prod")!][0], [...groups.get("staging")!][0]);
    });

    describe("deploys the image tag committed in the stack file (GitOps)", () => {
        const tagStep = (file: string) => {
            const { wf } = workflows.find((w) => w.file === file)!;
            const all = steps(wf);
            const i = all.findIndex((s) => typeof s.run === "string" && s.run.includes("groundwork:imageTag"));
            assert.ok(i >= 0, `${file}: no step reads groundwork:imageTag`);
            const up = all.findIndex((s) => deploys({ steps: [s] }).length > 0);
            const creds = all.findIndex((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
            assert.ok(i < creds && i < up, `${file}: the tag is checked before any credential or change`);
            return { wf, step: all[i] };
        };
        /** Runs the step's script as Actions would (bash, repository root), on a copy of the stack file. */
        const run = (step: Step, stackFile: string, requested: string, env: Record<string, string> = {}) => {
            const dir = tempDir("gw-tag-");
            const file = String(step.env?.STACK_FILE);
            fs.writeFileSync(path.join(dir, file), stackFile);
            const summary = path.join(dir, "summary.md");
            const r = spawnSync("bash", ["-e", "-c", String(step.run)], {
                cwd: dir, encoding: "utf8",
                env: { ...process.env, NODE_PATH: path.resolve(__dirname, "..", "node_modules"), STACK_FILE: file, REQUESTED_TAG: requested, GITHUB_STEP_SUMMARY: summary, ...env },
            });
            return { status: r.status, out: `${r.stdout}${r.stderr}`, summary: fs.existsSync(summary) ? fs.readFileSync(summary, "utf8") : "" };
        };
        const stackText = (file: string) => fs.readFileSync(path.resolve(__dirname, "..", file), "utf8");
        const committed = (file: string) => String((YAML.parse(stackText(file)) as { config: Record<string, unknown> }).config["groundwork:imageTag"]);

        it("builds no image and sets no config in CI: the committed tag is the deployed tag", () => {
            for (const { file, wf } of workflows) {
                assert.ok(!runs(wf, /\bpulumi\s+config\s+set\b/), `${file}: pulumi config set`);
                assert.ok(!runs(wf, /\bdocker\s+(build|push)\b/), `${file}: builds an image`);
                for (const s of steps(wf).filter((x) => x.uses?.startsWith("pulumi/actions@"))) {
                    assert.ok(!("config-map" in (s.with ?? {})), `${file}: config-map overrides the stack file`);
                }
            }
        });

        it("staging prints the tag committed in Pulumi.staging.yaml before deploying it", () => {
            const { step } = tagStep("deploy-staging.yml");
            assert.equal(step.env?.STACK_FILE, "Pulumi.staging.yaml");
            const r = run(step, stackText("Pulumi.staging.yaml"), "");
            assert.equal(r.status, 0, r.out);
            assert.match(r.out, new RegExp(`::notice[^\\n]*${committed("Pulumi.staging.yaml").replace(/\./g, "\\.")}`));
            assert.match(r.summary, /Deploying image tag/);
        });

        it("prod takes an optional image_tag that must equal the committed tag, or stops before deploying", () => {
            const { wf, step } = tagStep("deploy-prod.yml");
            const input = (wf.on.workflow_dispatch as { inputs: Record<string, { required?: boolean }> }).inputs.image_tag;
            assert.ok(input && input.required !== true, "image_tag is an optional workflow_dispatch input");
            assert.equal(step.env?.STACK_FILE, "Pulumi.prod.yaml");
            // The input reaches the script through env, never spliced into its text.
            assert.match(String(step.env?.REQUESTED_TAG), /^\$\{\{\s*inputs\.image_tag\s*\}\}$/);
            assert.doesNotMatch(String(step.run), /\$\{\{/);
            const tag = committed("Pulumi.prod.yaml");
            const prod = stackText("Pulumi.prod.yaml");
            for (const requested of ["", tag]) {
                const r = run(step, prod, requested);
                assert.equal(r.status, 0, r.out);
                assert.ok(r.out.includes(tag), r.out);
            }
            const wrong = run(step, prod, `${tag}-other`);
            assert.notEqual(wrong.status, 0);
            assert.match(wrong.out, /::error[^\n]*is not the committed groundwork:imageTag/);
            const unset = run(step, prod.replace(/^\s*groundwork:imageTag:.*$/m, ""), "");
            assert.notEqual(unset.status, 0, "no tag committed: no deploy");
        });

        it("stops both deploys when a worker with its own image has no tag committed (it would become an idle service)", () => {
            for (const [file, stack] of [["deploy-staging.yml", "Pulumi.staging.yaml"], ["deploy-prod.yml", "Pulumi.prod.yaml"]] as const) {
                const { step } = tagStep(file);
                const own = stackText(stack).replace(/^config:\n/m, "config:\n  groundwork:workerImage: own\n");
                assert.match(own, /groundwork:workerImage: own/);
                const missing = run(step, own, "");
                assert.notEqual(missing.status, 0, `${file}: deployed a worker with no tag`);
                assert.match(missing.out, /::error[^\n]*groundwork:workerImageTag is not set/);
                const tagged = run(step, own.replace(/^config:\n/m, "config:\n  groundwork:workerImageTag: w-7\n"), "");
                assert.equal(tagged.status, 0, tagged.out);
            }
        });

        it("prod ships the web app commit committed in Pulumi.prod.yaml (groundwork:webRef); an optional web_ref must equal it, checked before any change", () => {
            const { wf } = workflows.find((w) => w.file === "deploy-prod.yml")!;
            const all = steps(wf);
            const i = all.findIndex((s) => typeof s.run === "string" && s.run.includes("groundwork:webRef"));
            assert.ok(i >= 0, "a step reads groundwork:webRef");
            const up = all.findIndex((s) => deploys({ steps: [s] }).length > 0);
            const creds = all.findIndex((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
            assert.ok(i < creds && i < up, "the ref is checked before any credential or change");
            const step = all[i];
            const input = (wf.on.workflow_dispatch as { inputs: Record<string, { required?: boolean }> }).inputs.web_ref;
            assert.ok(input && input.required !== true, "web_ref is an optional workflow_dispatch input");
            assert.match(String(step.env?.REQUESTED_REF), /^\$\{\{\s*inputs\.web_ref\s*\}\}$/);
            assert.doesNotMatch(String(step.run), /\$\{\{/);
            const prod = stackText("Pulumi.prod.yaml");
            const ref = String((YAML.parse(prod) as { config: Record<string, unknown> }).config["groundwork:webRef"]);
            assert.match(ref, /^[0-9a-f]{40}$/, "prod's stack file pins the web app's commit");
            for (const requested of ["", ref]) {
                const r = run(step, prod, "", { REQUESTED_REF: requested });
                assert.equal(r.status, 0, r.out);
                assert.match(r.out, new RegExp(`::notice[^\\n]*Shipping web app commit \`${ref}\``));
                assert.match(r.summary, new RegExp(ref));
            }
            const wrong = run(step, prod, "", { REQUESTED_REF: "0".repeat(40) });
            assert.notEqual(wrong.status, 0);
            assert.match(wrong.out, /::error[^\n]*is not the committed groundwork:webRef/);
            const unset = prod.replace(/^\s*groundwork:webRef:.*$/m, "");
            const none = run(step, unset, "", { REQUESTED_REF: "" });
            assert.equal(none.status, 0, none.out);
            assert.match(none.out, /No web app release: groundwork:webRef is not set/);
            assert.notEqual(run(step, unset, "", { REQUESTED_REF: ref }).status, 0, "a requested ref that is not committed stops the deploy");
        });
    });
    describe("the deploy runbook", () => {
        const RUNBOOKS = path.resolve(__dirname, "..", "docs", "runbooks");
        const deployMd = fs.readFileSync(path.join(RUNBOOKS, "deploy.md"), "utf8");

        it("creates a new stack in one up with no image, then starts the tasks once the tag is committed (no targeted up)", async () => {
            assert.doesNotMatch(deployMd, /--target/);
            const first = deployMd.split("## The first deploy of a stack")[1].split("\n## ")[0];
            assert.equal((first.match(/pulumi up --stack staging --policy-pack policies/g) ?? []).length, 2);
            assert.match(first, /imageTag` unset/);
            assert.match(first, /--platform linux\/arm64/);
            // What the runbook promises is what the program does with no tag: no task, no pull.
            const r = await goodPlan("staging", { "groundwork:imageTag": undefined });
            for (const s of r.resources.filter((x) => x.type === "aws:ecs/service:Service")) assert.equal(s.inputs.desiredCount, 0, s.name);
        });

        it("commits every config change it tells you to make (CI deploys only what main holds)", () => {
            for (const file of ["deploy.md", "rotate-secrets.md", "health-alarm.md"]) {
                const text = fs.readFileSync(path.join(RUNBOOKS, file), "utf8");
                for (const chunk of text.split(/\n\s*\n/).filter((c) => /pulumi config set/.test(c))) {
                    assert.match(chunk, /commit/, `${file}: a config set without a commit:\n${chunk}`);
                }
            }
        });

        it("says pulumi up waits for steady state and fails when the circuit breaker rolls back", () => {
            assert.match(deployMd, /waitForSteadyState/);
            assert.match(deployMd, /`pulumi up` then fails/);
            assert.doesNotMatch(deployMd, /returns before ECS finishes/);
        });
    });

    describe("the cost of a change, posted on the pull request", () => {
        const [{ wf }] = triggeredBy("pull_request");
        const jobWith = (pred: (s: Step) => boolean) => {
            const found = Object.entries(wf.jobs).filter(([, j]) => (j.steps ?? []).some(pred));
            assert.equal(found.length, 1, "exactly one job");
            return { id: found[0][0], job: found[0][1] };
        };
        const planStep = (s: Step) => typeof s.run === "string" && s.run.includes("--compare");
        const { id: costId, job: cost } = jobWith(planStep);
        const { job: comment } = jobWith(postsComment);

        it("plans the base and the head of the pull request offline: no credentials, no secrets, no environment, no write token", () => {
            assert.equal(envName(cost), undefined);
            assert.deepEqual(secretsOf(cost), []);
            assert.deepEqual(cost.permissions, { contents: "read" });
            assert.ok(!usesOidc(cost));
            const checkouts = (cost.steps ?? []).filter((s) => s.uses?.startsWith("actions/checkout@"));
            assert.deepEqual(checkouts.map((s) => s.with?.path).sort(), ["base", "head"]);
            for (const c of checkouts) assert.equal(c.with?.["persist-credentials"], false);
            assert.match(String(checkouts.find((c) => c.with?.path === "base")?.with?.ref), /^\$\{\{\s*github\.event\.pull_request\.base\.sha\s*\}\}$/);
            assert.ok((cost.steps ?? []).some((s) => /npm ci --prefix head/.test(String(s.run)) && /npm ci --prefix base/.test(String(s.run))));
            assert.ok((cost.steps ?? []).some((s) => s.uses?.startsWith("actions/upload-artifact@") && s.with?.name === "cost"));
        });

        /** Runs the plan step's script as Actions would (bash -e), with an npm that records its calls and writes what plan would. */
        const runPlanStep = (failBase: string) => {
            const dir = tempDir("gw-cost-");
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin);
            fs.writeFileSync(path.join(bin, "npm"), [
                "#!/usr/bin/env bash",
                "echo \"$*\" >> \"$CALLS\"",
                "prefix=\"\"; stack=\"\"; json=\"\"; md=\"\"",
                "while [ $# -gt 0 ]; do case \"$1\" in --prefix) prefix=$2; shift;; --stack) stack=$2; shift;; --json) json=$2; shift;; --markdown) md=$2; shift;; esac; shift; done",
                "if [ \"$prefix\" = base ] && [ \"$stack\" = \"$FAIL_BASE\" ]; then exit 1; fi",
                "[ -n \"$json\" ] && echo '{}' > \"$json\"",
                "[ -n \"$md\" ] && printf '### Stack `%s`: compared\\n' \"$stack\" > \"$md\"",
                "exit 0",
            ].join("\n"), { mode: 0o755 });
            const calls = path.join(dir, "calls.txt");
            const step = (cost.steps ?? []).find(planStep)!;
            const r = spawnSync("bash", ["-e", "-c", String(step.run)], {
                cwd: dir, encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALLS: calls, FAIL_BASE: failBase },
            });
            const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : "");
            return { status: r.status, out: `${r.stdout}${r.stderr}`, calls: read("calls.txt").trim().split("\n"), dir, read };
        };

        it("plans each stack at the base with --json, then compares the head's plan with it into Markdown", () => {
            const r = runPlanStep("");
            assert.equal(r.status, 0, r.out);
            for (const stack of ["staging", "prod"]) {
                const base = r.calls.find((c) => c.startsWith("--prefix base run") && c.includes(`--stack ${stack} `));
                const head = r.calls.find((c) => c.startsWith("--prefix head run") && c.includes(`--stack ${stack} `));
                assert.match(base ?? "", new RegExp(`plan -- --stack ${stack} --json ${r.dir}/cost/base-${stack}\\.json$`));
                assert.match(head ?? "", new RegExp(`plan -- --stack ${stack} --compare ${r.dir}/cost/base-${stack}\\.json --markdown ${r.dir}/cost/${stack}\\.md$`));
                assert.match(r.read(`cost/${stack}.md`), new RegExp(`^### Stack \`${stack}\`: compared`));
            }
        });

        it("says so in the comment when the base cannot be planned, and still compares the other stack", () => {
            const r = runPlanStep("prod");
            assert.equal(r.status, 0, r.out);
            assert.match(r.read("cost/prod.md"), /^### Stack `prod`\n\nThe base branch could not be planned/);
            assert.ok(!r.calls.some((c) => c.startsWith("--prefix head run") && c.includes("--stack prod ")), "no comparison without a base");
            assert.match(r.read("cost/staging.md"), /compared/);
        });

        it("comments from a job that runs nothing from the pull request, after the cost job, and only for branches of this repository", () => {
            assert.deepEqual(comment.permissions, { contents: "read", "pull-requests": "write" });
            assert.deepEqual(comment.needs, costId);
            assert.ok(!(comment.steps ?? []).some((s) => s.uses?.startsWith("actions/checkout@") || s.run), "no checkout, no commands");
            assert.ok((comment.steps ?? []).some((s) => s.uses?.startsWith("actions/download-artifact@") && s.with?.name === "cost"));
            assert.match(String((comment as Job & { if?: string }).if), /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
            assert.deepEqual(secretsOf(comment), []);
        });

        /** Runs the comment step's script as actions/github-script does, against a fake GitHub API holding `existing` comments. */
        const runComment = async (existing: { id: number; user: { type: string }; body: string }[]) => {
            const step = (comment.steps ?? []).find(postsComment)!;
            const dir = tempDir("gw-comment-");
            fs.writeFileSync(path.join(dir, "staging.md"), "### Stack `staging`: −$39.96 a month\n");
            fs.writeFileSync(path.join(dir, "prod.md"), "### Stack `prod`: −$98.24 a month\n");
            const calls: { api: string; args: Record<string, unknown> }[] = [];
            const api = (name: string) => async (args: Record<string, unknown>) => { calls.push({ api: name, args }); return { data: {} }; };
            const github = {
                paginate: async (_list: unknown, args: Record<string, unknown>) => { calls.push({ api: "list", args }); return existing; },
                rest: { issues: { listComments: api("listComments"), createComment: api("createComment"), updateComment: api("updateComment") } },
            };
            await runGithubScript(step, github, dir);
            assert.equal(step.env?.COST_DIR, "cost");
            return calls;
        };

        it("creates one comment with both stacks' sections, marked so the next push finds it", async () => {
            const calls = await runComment([{ id: 3, user: { type: "User" }, body: `quoting ${COMMENT_MARKER} in a human comment` }]);
            const created = calls.filter((c) => c.api === "createComment");
            assert.equal(created.length, 1);
            assert.equal(calls.filter((c) => c.api === "updateComment").length, 0, "a human's comment is never edited");
            assert.deepEqual([created[0].args.owner, created[0].args.repo, created[0].args.issue_number], ["acme", "groundwork", 42]);
            const body = String(created[0].args.body);
            assert.ok(body.startsWith(COMMENT_MARKER));
            assert.ok(body.indexOf("### Stack `staging`") > 0 && body.indexOf("### Stack `prod`") > body.indexOf("### Stack `staging`"));
        });

        it("updates its own comment on the next push instead of adding another", async () => {
            const calls = await runComment([
                { id: 3, user: { type: "User" }, body: "looks good" },
                { id: 7, user: { type: "Bot" }, body: `${COMMENT_MARKER}\n## Cost of this change\nold` },
            ]);
            assert.equal(calls.filter((c) => c.api === "createComment").length, 0);
            const updated = calls.filter((c) => c.api === "updateComment");
            assert.equal(updated.length, 1);
            assert.equal(updated[0].args.comment_id, 7);
            assert.match(String(updated[0].args.body), /−\$98\.24 a month/);
        });
    });
});
