/**
 * `npm run env` on stacks that leave parts out: the stack outputs come from real in-process plans
 * (an example's stack files, or the repository's with parts turned off), as
 * `pulumi stack output --json --show-secrets` would print them, and the tool writes the files of
 * the parts the stack has (its `parts` output) and no other.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { EnvToolError, filesFor, writeEnvFiles } from "../tools/env";
import { PROJECT_DIR, PlanRecord } from "../tools/engine";
import { WEB_ONLY, goodPlan } from "./harness";
import { tempDir } from "./temp-dir";

type Overrides = Record<string, string | number | boolean | string[] | undefined>;

/** The JSON of `pulumi stack output --json`, with `--show-secrets` or (without it) secrets as "[secret]". */
function stackOutputJson(r: PlanRecord, showSecrets = true): string {
    return JSON.stringify(Object.fromEntries(Object.entries(r.outputs).map(([k, o]) => [k, o.secret && !showSecrets ? "[secret]" : o.value])));
}

/** `NAME=value` lines of a written file, unquoted as dotenv reads the simple forms the tool writes. */
function readEnv(file: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
        if (!m) continue;
        const v = m[2];
        out[m[1]] = /^'.*'$/.test(v) ? v.slice(1, -1) : /^".*"$/.test(v) ? v.slice(1, -1).replace(/\\n/g, "\n").replace(/\\r/g, "\r") : v.replace(/\\\$/g, "$");
    }
    return out;
}

const tmpOut = (name: string) => path.join(tempDir("groundwork-env-parts-"), name);
const example = (name: string) => ({ configDir: path.join(PROJECT_DIR, "examples", name) });


interface Case {
    what: string;
    stack: string;
    config?: Overrides;
    where?: { configDir: string };
    parts: { api: boolean; worker: boolean; frontend: boolean };
    files: string[];
}

const CASES: Case[] = [
    { what: "no API (examples/nextjs-backend-worker, staging)", stack: "staging", where: example("nextjs-backend-worker"),
        parts: { api: false, worker: true, frontend: true }, files: ["worker.env", "web.env"] },
    { what: "no API (examples/nextjs-backend-worker, prod)", stack: "prod", where: example("nextjs-backend-worker"),
        parts: { api: false, worker: true, frontend: true }, files: ["worker.env", "web.env"] },
    { what: "an API alone, no worker and no web app (examples/api-supabase-clerk, prod)", stack: "prod", where: example("api-supabase-clerk"),
        parts: { api: true, worker: false, frontend: false }, files: ["api.env"] },
    { what: "no worker (examples/vite-spa-api, staging)", stack: "staging", where: example("vite-spa-api"),
        parts: { api: true, worker: false, frontend: true }, files: ["api.env", "web.env"] },
    { what: "neither api nor worker: the web app alone (staging with both off)", stack: "staging", config: WEB_ONLY,
        parts: { api: false, worker: false, frontend: true }, files: ["web.env"] },
];

const OUTPUT_OF: Record<string, string> = { "api.env": "apiEnv", "worker.env": "workerEnv", "web.env": "webEnv" };

describe("npm run env on a stack with absent parts, from its planned outputs", () => {
    it("has cases, among them a stack without an API and one with neither api nor worker", () => {
        assert.ok(CASES.length > 0);
        assert.ok(CASES.some((c) => !c.parts.api && c.parts.worker));
        assert.ok(CASES.some((c) => !c.parts.api && !c.parts.worker));
    });

    for (const c of CASES) {
        it(`${c.what}: writes ${c.files.join(" and ")} only, each reading back as its output`, async () => {
            const r = await goodPlan(c.stack, c.config, c.where ?? {});
            const parts = r.outputs.parts.value as Record<string, unknown>;
            assert.deepEqual({ api: parts.api, worker: parts.worker, frontend: parts.frontend }, c.parts, "the plan's parts output");
            // The absent parts' environments are not exported at all.
            for (const [file, output] of Object.entries(OUTPUT_OF)) assert.equal(r.outputs[output] !== undefined, c.files.includes(file), output);

            const json = stackOutputJson(r);
            assert.deepEqual(filesFor(JSON.parse(json) as Record<string, unknown>).map((f) => f.file), c.files);
            const out = tmpOut(c.stack);
            const written = writeEnvFiles({ stack: c.stack, json, outDir: out });
            assert.deepEqual(written.map((p) => path.basename(p)), c.files);
            assert.deepEqual(fs.readdirSync(out).sort(), [...c.files].sort(), "no file for an absent part");
            for (const file of c.files) {
                const expected = r.outputs[OUTPUT_OF[file]].value as Record<string, string>;
                // A web app with no API and no web settings has no variables: its file is the header alone.
                if (file !== "web.env") assert.ok(Object.keys(expected).length > 0, `${file}: ${OUTPUT_OF[file]} holds variables`);
                assert.deepEqual(readEnv(path.join(out, file)), expected, file);
                assert.equal((fs.statSync(path.join(out, file)).mode & 0o777).toString(8), "600", file);
            }
        });
    }

    it("still refuses the outputs of a stack without an API printed without --show-secrets, and writes nothing", async () => {
        const r = await goodPlan("staging", undefined, example("nextjs-backend-worker"));
        const out = tmpOut("redacted");
        assert.throws(() => writeEnvFiles({ stack: "staging", json: stackOutputJson(r, false), outDir: out }),
            (e: unknown) => e instanceof EnvToolError && /"\[secret\]": the JSON was produced without --show-secrets/.test(e.message) && !/apiEnv/.test(e.message));
        assert.equal(fs.existsSync(out), false);
    });

    it("names a present part's missing output, but never an absent part's", async () => {
        const r = await goodPlan("staging", WEB_ONLY);
        const outputs = JSON.parse(stackOutputJson(r)) as Record<string, unknown>;
        delete outputs.webEnv;
        assert.throws(() => writeEnvFiles({ stack: "staging", json: JSON.stringify(outputs), outDir: tmpOut("missing") }),
            (e: unknown) => e instanceof EnvToolError && /lacks output webEnv/.test(e.message) && !/apiEnv|workerEnv/.test(e.message));
    });

    it("refuses, writing nothing, a stack that has no api, worker or web app", async () => {
        const r = await goodPlan("staging", { ...WEB_ONLY, "groundwork:frontend": false });
        assert.deepEqual(r.outputs.parts.value, { api: false, worker: false, database: "none", cache: "none", uploads: false, stripe: "none", frontend: false });
        const out = tmpOut("nothing");
        assert.throws(() => writeEnvFiles({ stack: "staging", json: stackOutputJson(r), outDir: out }),
            (e: unknown) => e instanceof EnvToolError && /has no api, worker or web app \(its `parts` output\)/.test(e.message));
        assert.equal(fs.existsSync(out), false);
    });
});
