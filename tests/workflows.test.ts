/**
 * CI: pull requests install, test and preview staging with the policy pack; main deploys staging;
 * prod deploys only by hand behind the "production" environment, with the policy pack; every
 * credential comes from the secret store or OIDC.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

const DIR = path.resolve(__dirname, "..", ".github", "workflows");

interface Step { name?: string; uses?: string; run?: string; id?: string; with?: Record<string, unknown>; env?: Record<string, unknown> }
interface Job { "runs-on"?: string; needs?: string | string[]; environment?: string | { name: string }; steps?: Step[]; env?: Record<string, unknown> }
interface Workflow { name?: string; on: Record<string, unknown>; permissions?: Record<string, string>; env?: Record<string, unknown>; jobs: Record<string, Job> }

const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const workflows = files.map((f) => ({ file: f, text: fs.readFileSync(path.join(DIR, f), "utf8"), wf: YAML.parse(fs.readFileSync(path.join(DIR, f), "utf8")) as Workflow }));

const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
const triggeredBy = (event: string) => workflows.filter((w) => w.wf.on && event in w.wf.on);
const pulumiSteps = (wf: Workflow, command: string, stack: string) =>
    steps(wf).filter((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === command && s.with?.["stack-name"] === stack);
const runs = (wf: Workflow, cmd: RegExp) => steps(wf).some((s) => typeof s.run === "string" && cmd.test(s.run));
const envName = (j: Job) => (typeof j.environment === "string" ? j.environment : j.environment?.name);

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
        assert.ok(!steps(wf).some((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up"), "a PR never deploys");
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
            for (const name of ["PULUMI_ACCESS_TOKEN", "CLOUDFLARE_API_TOKEN", "VERCEL_API_TOKEN"]) {
                for (const s of steps(wf).filter((x) => x.uses?.startsWith("pulumi/actions@"))) {
                    assert.match(String(s.env?.[name] ?? ""), new RegExp(`^\\$\\{\\{\\s*secrets\\.${name}\\s*\\}\\}$`), `${file}: ${name}`);
                }
            }
            for (const s of steps(wf).filter((x) => x.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
                assert.match(String(s.with?.["role-to-assume"]), SECRET_REF, `${file}: role-to-assume`);
                assert.ok(!("aws-access-key-id" in (s.with ?? {})) && !("aws-secret-access-key" in (s.with ?? {})), `${file}: no static AWS keys`);
                assert.equal(wf.permissions?.["id-token"], "write", `${file}: OIDC needs id-token: write`);
            }
            assert.ok(steps(wf).every((s) => !s.uses?.startsWith("pulumi/actions@") || !!s.env), file);
            assert.doesNotMatch(text, /\b(AKIA|ASIA)[0-9A-Z]{16}\b|\b[sr]k_(live|test)_[A-Za-z0-9]|whsec_[A-Za-z0-9]|pul-[0-9a-f]{40}|-----BEGIN/, `${file}: a literal credential`);
        }
    });
});
