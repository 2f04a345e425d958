/**
 * A real `pulumi preview`/`up` loads the program through Pulumi's Node runtime
 * (@pulumi/pulumi/cmd/run/run.js), which registers ts-node itself. These tests register it the
 * same way (tests/fixtures/register-like-pulumi.js mirrors run.js) with the committed tsconfig and
 * check that no type-check pass runs: a module with a type error still loads. Type checking is
 * `npm run typecheck`'s job.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readSerializedProviders } from "../components/edge/dynamic-resource";
import { tempDir } from "./temp-dir";

const ROOT = path.resolve(__dirname, "..");
const REGISTER = path.join(__dirname, "fixtures", "register-like-pulumi.js");
const RUN_JS = path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "cmd", "run", "run.js");
const TYPE_ERROR = 'const n: number = "not a number";\nexport const loaded = { n };\n';

/** The environment of a `pulumi up` that sets nothing about TypeScript. */
function cleanEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith("TS_NODE_") || k.startsWith("PULUMI_NODEJS_")) delete env[k];
    return env;
}

interface Registration {
    runtimeTranspileOnly: boolean | "unset";
    tsNode: string;
    configFile: string;
    transpileOnly: boolean;
    transpiler: string | null;
    exported: { loaded: { n: unknown }; texts: Record<string, string>; programEntry: { composedBy: string; promiseTracking: string } };
}

describe("how a real `pulumi up` loads the program", function () {
    this.timeout(120_000);
    let dir: string;
    before(() => {
        dir = tempDir("groundwork-load-");
        fs.writeFileSync(path.join(dir, "type-error.ts"), TYPE_ERROR);
    });

    it("is still decided by run.js from PULUMI_NODEJS_TRANSPILE_ONLY or the tsconfig's noCheck, with the tsconfig handed to ts-node", () => {
        // If an SDK upgrade changes any of this, the fixture no longer mirrors the runtime: update both.
        const src = fs.readFileSync(RUN_JS, "utf8");
        assert.match(src, /const transpileOnlyEnv = process\.env\["PULUMI_NODEJS_TRANSPILE_ONLY"\];/);
        assert.match(src, /transpileOnly = compilerOptions\.noCheck;/);
        assert.match(src, /project: tsConfigPath,/);
        assert.match(src, /tsn\.register\(options\);/);
        // The CommonJS branch is the one taken: the project is not an ES module.
        assert.notEqual(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).type, "module");
    });

    // One process registers ts-node from the committed tsconfig, then loads the module with a type
    // error, the providers' fixture and the program's entry point (each process pays a second of start-up).
    let registered: Registration | undefined;
    const registration = (): Registration => {
        if (!registered) {
            const fixtures = ["provider-texts.js", "program-entry.js"].map((f) => path.join(__dirname, "fixtures", f));
            const r = spawnSync(process.execPath, [REGISTER, path.join(dir, "type-error.ts"), ...fixtures],
                { cwd: ROOT, env: cleanEnv(), encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            registered = JSON.parse(r.stdout) as Registration;
        }
        return registered;
    };

    it("registers the project's ts-node transpile-only with the cached swc transpiler from the committed tsconfig alone: a type error still loads", () => {
        const got = registration();
        // The runtime itself leaves transpileOnly unset (no variable, no noCheck): the tsconfig's "ts-node" section decides.
        assert.equal(got.runtimeTranspileOnly, "unset");
        assert.match(got.tsNode, /^ts-node 10\./, "the project's ts-node, which reads the tsconfig's ts-node section (the vendored 7.0.1 would not)");
        assert.equal(got.configFile, path.join(ROOT, "tsconfig.json"));
        assert.equal(got.transpileOnly, true);
        assert.equal(got.transpiler, "./tools/swc-cached.cjs", "tools/swc-cached.cjs: ts-node's swc transpiler with a disk cache");
        assert.deepEqual(got.exported.loaded, { n: "not a number" });
    });

    it("serializes the dynamic providers to the committed provider text, as a real `pulumi up` would", () => {
        // tests/fixtures/provider-texts.js makes pulumi.dynamic.Resource's own serializeFunction call,
        // with the providers' TypeScript transpiled by ts-node registered as the runtime registers it.
        const got = registration().exported.texts;
        const committed = readSerializedProviders();
        assert.ok(committed, "components/edge/stripe-provider.serialized.json is missing: run `npm run provider-text`");
        assert.deepEqual(Object.keys(got).sort(), ["activation", "webhook"]);
        for (const [name, text] of Object.entries(got)) {
            assert.ok(text.includes("exports.handler"), `${name}: a provider module`);
            assert.equal(text, committed.texts[name], `${name}: the runtime's text differs from the committed one: run \`npm run provider-text\``);
        }
    });

    it("gets Pulumi's promise bookkeeping without a stack per promise from program.ts, before the stack is composed", () => {
        // tests/fixtures/program-entry.js requires the real program.ts, with index.ts stood in.
        assert.deepEqual(registration().exported.programEntry, { composedBy: "index.ts", promiseTracking: "light" });
    });

    it("type-checks, and refuses the same module, with the same tsconfig minus its ts-node section", () => {
        const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"));
        assert.ok(tsconfig["ts-node"], "the committed tsconfig has a ts-node section");
        delete tsconfig["ts-node"];
        delete tsconfig.include;
        tsconfig.compilerOptions.types = [];
        fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
        const r = spawnSync(process.execPath, [REGISTER, "type-error.ts"], { cwd: dir, env: cleanEnv(), encoding: "utf8" });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /TSError: ⨯ Unable to compile TypeScript:\s*type-error\.ts\(1,7\): error TS2322/);
    });
});
