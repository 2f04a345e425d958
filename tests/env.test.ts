import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { EnvToolError, environmentsFromOutputs, formatEnvFile, quoteValue, writeEnvFiles } from "../tools/env";
import { goodPlan } from "./harness";
import { tempDir } from "./temp-dir";

const FIXTURE = path.join(__dirname, "fixtures", "stack-outputs.prod.json");
const sample = fs.readFileSync(FIXTURE, "utf8");
const outputs = JSON.parse(sample) as Record<string, Record<string, string>>;

/**
 * How the `dotenv` package (v16, also Node's --env-file and Next.js's loader) reads a file:
 * its line pattern, then quotes stripped and `\n`/`\r` expanded inside double quotes only.
 */
function parseDotenv(src: string): Record<string, string> {
    const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/mg;
    const out: Record<string, string> = {};
    const lines = src.replace(/\r\n?/mg, "\n");
    let m: RegExpExecArray | null;
    while ((m = LINE.exec(lines)) !== null) {
        let value = (m[2] ?? "").trim();
        const quote = value[0];
        value = value.replace(/^(['"`])([\s\S]*)\1$/mg, "$2");
        if (quote === "\"") value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
        out[m[1]] = value;
    }
    return out;
}
/** Next.js then expands `$NAME` and reads `\$` as a literal dollar. */
const nextExpand = (v: string) => v.replace(/\\\$/g, "$");

const tmp = (prefix: string) => tempDir(`groundwork-env-${prefix}-`);
function gitRepo(ignore?: string): string {
    const dir = tmp("repo");
    execFileSync("git", ["init", "-q", dir]);
    if (ignore !== undefined) fs.writeFileSync(path.join(dir, ".gitignore"), ignore);
    return dir;
}
const commit = (dir: string, ...files: string[]) => {
    execFileSync("git", ["-C", dir, "add", "-f", ...files]);
    execFileSync("git", ["-C", dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "t"]);
};
const mode = (p: string) => fs.statSync(p).mode & 0o777;
const refuses = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: unknown) => e instanceof EnvToolError && message.test(e.message));

/** The stack outputs of DESIGN.md: what apps and CI consume. */
const CONTRACT = ["appUrl", "apiUrl", "healthUrl", "stripeWebhookUrl", "awsRegion", "imageRepositoryUrl", "clusterName",
    "apiServiceName", "workerServiceName", "bucketNames", "databaseEndpoint", "redisEndpoint", "appSecretsArn", "vercelProjectId"];
const ENVIRONMENTS = ["apiEnv", "workerEnv", "webEnv"];

describe("stack outputs", () => {
    for (const stack of ["staging", "prod"]) {
        it(`${stack} exports every contract output, with the apps' environments as secrets`, async () => {
            const { outputs: out } = await goodPlan(stack);
            for (const name of [...CONTRACT, ...ENVIRONMENTS]) assert.ok(out[name] !== undefined && out[name].value !== undefined, `${stack} lacks ${name}`);
            for (const name of ENVIRONMENTS) assert.equal(out[name].secret, true, `${name} must be secret`);
            const api = out.apiEnv.value as Record<string, string>;
            for (const v of ["NODE_ENV", "DATABASE_URL", "REDIS_URL", "S3_BUCKET", "S3_REGION", "JWT_SECRET", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "ALLOWED_ORIGINS", "JSON_BODY_LIMIT"]) {
                assert.ok(api[v], `apiEnv lacks ${v}`);
            }
        });
    }

    it("matches the recorded sample's names, so the env tool's fixture stays current", async () => {
        const { outputs: out } = await goodPlan("prod");
        assert.deepEqual(Object.keys(outputs).sort(), Object.keys(out).sort());
        for (const name of ENVIRONMENTS) assert.deepEqual(Object.keys(outputs[name]).sort(), Object.keys(out[name].value as object).sort(), name);
    });
});

describe("npm run env", () => {
    it("writes api.env, worker.env and web.env from the recorded sample, each reading back as its output", () => {
        const out = path.join(tmp("out"), "prod");
        const written = writeEnvFiles({ stack: "prod", json: sample, outDir: out });
        assert.deepEqual(written.map((p) => path.basename(p)), ["api.env", "worker.env", "web.env"]);
        assert.deepEqual(parseDotenv(fs.readFileSync(path.join(out, "api.env"), "utf8")), outputs.apiEnv);
        assert.deepEqual(parseDotenv(fs.readFileSync(path.join(out, "worker.env"), "utf8")), outputs.workerEnv);
        assert.deepEqual(parseDotenv(fs.readFileSync(path.join(out, "web.env"), "utf8")), outputs.webEnv);
        const api = fs.readFileSync(path.join(out, "api.env"), "utf8");
        assert.match(api, /^DATABASE_URL=postgresql:\/\/app_owner:fixture-db-password@db-instance-[^\n]+\?sslmode=require$/m);
        assert.match(api, /^NODE_ENV=production$/m);
        assert.match(api, /^# api\.env: stack output apiEnv of stack prod/m);
        assert.equal(fs.readFileSync(path.join(out, "web.env"), "utf8").split("\n").filter((l) => l && !l.startsWith("#")).join("\n"),
            "NEXT_PUBLIC_API_URL=https://api.example.com/api/v1");
    });

    it("writes the files with mode 0600 in a 0700 folder, also over an existing, looser file", () => {
        const out = path.join(tmp("mode"), "prod");
        fs.mkdirSync(out);
        fs.writeFileSync(path.join(out, "api.env"), "OLD=1\n", { mode: 0o644 });
        fs.chmodSync(path.join(out, "api.env"), 0o644);
        writeEnvFiles({ stack: "prod", json: sample, outDir: out });
        for (const f of ["api.env", "worker.env", "web.env"]) assert.equal(mode(path.join(out, f)).toString(8), "600", f);
        const fresh = path.join(tmp("mode2"), "a", "b");
        writeEnvFiles({ stack: "prod", json: sample, outDir: fresh });
        assert.equal(mode(fresh).toString(8), "700");
        assert.doesNotMatch(fs.readFileSync(path.join(out, "api.env"), "utf8"), /OLD=1/);
    });

    it("defaults to .env.<stack>/, which the repository's .gitignore ignores", () => {
        const repo = gitRepo(".env*\n");
        const written = writeEnvFiles({ stack: "staging", json: sample, cwd: repo });
        assert.equal(path.dirname(written[0]), path.join(repo, ".env.staging"));
        // The project's own .gitignore ignores the default folder too.
        assert.equal(spawnSync("git", ["-C", path.join(__dirname, ".."), "check-ignore", "-q", ".env.prod/api.env"]).status, 0);
    });

    it("refuses a target git tracks, even in an ignored folder, and writes nothing", () => {
        const repo = gitRepo(".env*\n");
        fs.mkdirSync(path.join(repo, ".env.prod"));
        fs.writeFileSync(path.join(repo, ".env.prod", "web.env"), "X=1\n");
        commit(repo, ".env.prod/web.env");
        refuses(() => writeEnvFiles({ stack: "prod", json: sample, cwd: repo }), /Refusing to write .*web\.env: git tracks it/);
        assert.equal(fs.existsSync(path.join(repo, ".env.prod", "api.env")), false);
        assert.equal(fs.readFileSync(path.join(repo, ".env.prod", "web.env"), "utf8"), "X=1\n");
    });

    it("refuses a folder inside the work tree that git does not ignore (it would be committed)", () => {
        const repo = gitRepo("");
        refuses(() => writeEnvFiles({ stack: "prod", json: sample, outDir: "config", cwd: repo }), /not ignored, so `git add` would commit/);
        assert.equal(fs.existsSync(path.join(repo, "config")), false);
    });

    it("names every missing output and the command that produces it", () => {
        const partial = { ...outputs } as Record<string, unknown>;
        delete partial.apiEnv;
        delete partial.webEnv;
        refuses(() => writeEnvFiles({ stack: "prod", json: JSON.stringify(partial), outDir: tmp("missing") }),
            /lacks output apiEnv — run `pulumi stack output --json --show-secrets --stack prod`[\s\S]*lacks output webEnv/);
        // workerEnv is present, so it is not named.
        refuses(() => environmentsFromOutputs(partial, "prod"), /^(?![\s\S]*workerEnv)[\s\S]*apiEnv/);
    });

    it("refuses values still redacted as [secret] (no --show-secrets)", () => {
        const redacted = { ...outputs, apiEnv: "[secret]", workerEnv: "[secret]", webEnv: "[secret]" };
        refuses(() => writeEnvFiles({ stack: "prod", json: JSON.stringify(redacted), outDir: tmp("redacted") }),
            /"\[secret\]": the JSON was produced without --show-secrets/);
        const inner = { ...outputs, apiEnv: { ...outputs.apiEnv, DATABASE_URL: "[secret]" } };
        refuses(() => environmentsFromOutputs(inner, "prod"), /without --show-secrets/);
    });

    it("refuses input that is not JSON, and a stack name that is a path", () => {
        refuses(() => writeEnvFiles({ stack: "prod", json: "Current stack outputs (3):", outDir: tmp("nojson") }), /not JSON.*pulumi stack output --json/);
        refuses(() => writeEnvFiles({ stack: "prod", json: "null", outDir: tmp("nojson") }), /not a JSON object of stack outputs.*pulumi stack output --json/);
        refuses(() => writeEnvFiles({ stack: "../prod", json: sample }), /--stack must be a stack name/);
    });

    it("quotes values so that newlines, quotes, # and $ read back unchanged", () => {
        const tricky: Record<string, string> = {
            PLAIN: "postgresql://u:p@h:5432/db?sslmode=require&x=1",
            EMPTY: "",
            HASH: "abc#not-a-comment",
            SPACES: "  padded value ",
            DOLLAR: "pa$$word$HOME${X}",
            DOUBLE: "say \"hi\"",
            SINGLE: "it's",
            MULTILINE: "-----BEGIN KEY-----\nabc\n-----END KEY-----",
            BOTH: "it's \"both\" #1",
            BOTH_MULTILINE: "it's\n\"two\" lines",
            BACKSLASH: "C:\\path\\n'x'",
        };
        const file = formatEnvFile(tricky, "dotenv", ["test"]);
        assert.deepEqual(parseDotenv(file), tricky);
        assert.match(file, /^PLAIN=postgresql:\/\/u:p@h:5432\/db\?sslmode=require&x=1$/m);
        assert.match(file, /^HASH='abc#not-a-comment'$/m);
        assert.match(file, /^MULTILINE="-----BEGIN KEY-----\\nabc\\n-----END KEY-----"$/m);
        // Next.js expands $NAME, so web.env escapes every dollar.
        const web = parseDotenv(formatEnvFile({ DOLLAR: "a$b", MULTI: "it's\n$x" }, "next", []));
        assert.deepEqual(Object.fromEntries(Object.entries(web).map(([k, v]) => [k, nextExpand(v)])), { DOLLAR: "a$b", MULTI: "it's\n$x" });
        assert.throws(() => quoteValue("'\"\\`", "dotenv", "IMPOSSIBLE"), /IMPOSSIBLE holds/);
    });

    it("runs as a command: JSON on stdin, files out, and a plain message on refusal", function () {
        this.timeout(60000);
        const out = path.join(tmp("cli"), "prod");
        const cwd = path.join(__dirname, "..");
        const tsNode = path.join(cwd, "node_modules", ".bin", "ts-node");
        const ok = spawnSync(tsNode, ["--transpile-only", "tools/env.ts", "--stack", "prod", "--out", out], { cwd, input: sample, encoding: "utf8" });
        assert.equal(ok.status, 0, ok.stderr);
        assert.match(ok.stdout, /wrote .*api\.env \(0600\)/);
        assert.deepEqual(parseDotenv(fs.readFileSync(path.join(out, "api.env"), "utf8")), outputs.apiEnv);
        const bad = spawnSync(tsNode, ["--transpile-only", "tools/env.ts", "--stack", "prod", "--from", FIXTURE, "--out", "tests/env-out-not-ignored"], { cwd, encoding: "utf8" });
        assert.equal(bad.status, 1);
        assert.match(bad.stderr, /^Refusing to write .*env-out-not-ignored\/api\.env/);
        assert.doesNotMatch(bad.stderr, /at Object\./);
        assert.equal(fs.existsSync(path.join(cwd, "tests", "env-out-not-ignored")), false);
    });
});
