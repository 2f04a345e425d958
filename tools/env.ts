/**
 * `npm run env -- --stack <name> [--from FILE] [--out DIR]`
 *
 * Turns the JSON of `pulumi stack output --json --show-secrets --stack <name>` (stdin, or
 * `--from FILE`) into dotenv files for local work against that stack:
 *
 *   <out>/api.env     the api's environment       (stack output `apiEnv`)
 *   <out>/worker.env  the worker's environment    (stack output `workerEnv`)
 *   <out>/web.env     the web app's environment   (stack output `webEnv`; copy or link it to the
 *                     Next.js app as `.env.local`)
 *
 * Only the files of the parts the stack has (its `parts` output) are written: a stack without an
 * API exports no `apiEnv`, and that is no error.
 *
 * `<out>` defaults to `.env.<stack>/` in the current directory, which the root .gitignore ignores
 * (`.env*`). Files are written with mode 0600 in a 0700 directory. The tool refuses, before
 * writing anything, when an output is missing, when values are still `[secret]` (the JSON came
 * without `--show-secrets`), or when a target file is tracked by git or would not be ignored
 * by it (it would end up in a commit).
 *
 * Quoting follows the `dotenv` package (and Node's `--env-file`, and Next.js's loader):
 * plain values stay bare; anything else is single-quoted (taken literally: `#`, `"`, `$`, spaces);
 * values with a `'` or a line break are double-quoted with `\n`/`\r` escapes; values with both
 * `'` and `"` (or a backslash) use backticks, keeping line breaks as they are. In web.env a `$` is
 * written `\$`, because Next.js expands `$NAME` in env files and reads `\$` as a literal dollar.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "./args";

/** The files written, each from one stack output, when the stack has its part. */
export const ENV_FILES = [
    { file: "api.env", output: "apiEnv", dialect: "dotenv", part: "api" },
    { file: "worker.env", output: "workerEnv", dialect: "dotenv", part: "worker" },
    { file: "web.env", output: "webEnv", dialect: "next", part: "frontend" },
] as const;

/** The files this stack's outputs call for: those of the parts its `parts` output lists (all three for a stack without it). */
export function filesFor(outputs: Record<string, unknown>): (typeof ENV_FILES)[number][] {
    const parts = outputs.parts as Partial<Record<string, unknown>> | undefined;
    if (!parts || typeof parts !== "object") return [...ENV_FILES];
    return ENV_FILES.filter((f) => parts[f.part] === true);
}

export type Dialect = "dotenv" | "next";

/** A refusal the user can act on; the CLI prints the message alone and exits 1. */
export class EnvToolError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "EnvToolError";
    }
}

/** A Pulumi stack name as the tools accept it (`prod`, `staging`, `pr-42`). */
export const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BARE = /^[A-Za-z0-9_./:@,+=%?&~-]+$/;
const REDACTED = "[secret]";

const outputCommand = (stack: string) => `pulumi stack output --json --show-secrets --stack ${stack}`;

/** Parses the CLI's JSON; says how to produce it when it is not JSON. */
export function parseStackOutputs(text: string, stack: string): Record<string, unknown> {
    const parsed = jsonObject(text);
    if (parsed === "not JSON") throw new EnvToolError(`The input is not JSON. Produce it with: ${outputCommand(stack)} | npm run env -- --stack ${stack}`);
    if (parsed === "not an object") throw new EnvToolError(`The input is not a JSON object of stack outputs. Produce it with: ${outputCommand(stack)}`);
    return parsed;
}

/** Text that should hold `pulumi stack output --json`: its object, or what is wrong with it (each tool words its own error). */
export function jsonObject(text: string): Record<string, unknown> | "not JSON" | "not an object" {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return "not JSON";
    }
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed as Record<string, unknown> : "not an object";
}

/**
 * The variables of each file, checked: every needed output present, an object of strings, and no
 * `[secret]` left. Every problem is reported at once.
 */
export function environmentsFromOutputs(outputs: Record<string, unknown>, stack: string): Record<string, Record<string, string>> {
    const problems: string[] = [];
    const envs: Record<string, Record<string, string>> = {};
    let redacted = false;
    const files = filesFor(outputs);
    if (files.length === 0) problems.push("the stack has no api, worker or web app (its `parts` output), so there is no environment to write");
    for (const { output } of files) {
        const value = outputs[output];
        if (value === undefined) {
            problems.push(`the JSON lacks output ${output} — run \`${outputCommand(stack)}\` (and \`pulumi up --stack ${stack}\` if the stack predates it)`);
            continue;
        }
        if (value === REDACTED || (value && typeof value === "object" && Object.values(value).includes(REDACTED))) {
            redacted = true;
            continue;
        }
        if (!value || typeof value !== "object" || Array.isArray(value)) {
            problems.push(`output ${output} is not an object of variables (got ${Array.isArray(value) ? "an array" : typeof value})`);
            continue;
        }
        const vars: Record<string, string> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (!VAR_NAME.test(k)) problems.push(`output ${output} has a variable named ${JSON.stringify(k)}, which is not a valid name`);
            else if (typeof v !== "string") problems.push(`output ${output}.${k} is ${v === null ? "null" : typeof v}, not a string`);
            else vars[k] = v;
        }
        envs[output] = vars;
    }
    if (redacted) {
        problems.unshift(`the values are "[secret]": the JSON was produced without --show-secrets. Run \`${outputCommand(stack)}\``);
    }
    if (problems.length) throw new EnvToolError(`Cannot write the env files for stack ${stack}:\n  - ${problems.join("\n  - ")}`);
    return envs;
}

/** One value as dotenv reads it back unchanged (see the module comment for the rules). */
export function quoteValue(value: string, dialect: Dialect = "dotenv", name = "value"): string {
    if (value === "") return "''";
    const v = dialect === "next" ? value.replace(/\$/g, "\\$") : value;
    if (BARE.test(v)) return v;
    const lineBreak = /[\r\n]/.test(value);
    if (!value.includes("'") && !lineBreak) return `'${v}'`;
    if (!value.includes("\"") && !value.includes("\\")) return `"${v.replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
    // Backticks keep line breaks as they are, but the parser turns a CR into a LF.
    if (!value.includes("`") && !value.includes("\r")) return `\`${v}\``;
    throw new EnvToolError(`${name} holds ', " and a backslash, backtick or carriage return at once, which no dotenv quoting can carry; set it in your shell instead`);
}

/** A whole file: a header, then `NAME=value` lines sorted by name. */
export function formatEnvFile(vars: Record<string, string>, dialect: Dialect, header: string[]): string {
    const lines = header.map((h) => `# ${h}`);
    for (const name of Object.keys(vars).sort()) lines.push(`${name}=${quoteValue(vars[name], dialect, name)}`);
    return lines.join("\n") + "\n";
}

function git(cwd: string, args: string[]): { status: number | null; missing: boolean } {
    const r = spawnSync("git", ["-C", cwd, ...args], { stdio: "ignore" });
    return { status: r.status, missing: !!r.error };
}

/**
 * Refuses a target that git tracks, or that git would pick up (inside a work tree and not
 * ignored). A path outside any git work tree is fine.
 */
export function assertNotCommittable(file: string): void {
    const abs = path.resolve(file);
    let dir = path.dirname(abs);
    while (!fs.existsSync(dir)) dir = path.dirname(dir);
    const inTree = git(dir, ["rev-parse", "--is-inside-work-tree"]);
    if (inTree.missing || inTree.status !== 0) return;
    if (git(dir, ["ls-files", "--error-unmatch", "--", abs]).status === 0) {
        throw new EnvToolError(`Refusing to write ${file}: git tracks it, so secrets would end up in a commit. ` +
            `Choose an ignored folder, e.g. --out .env.<stack> (ignored by .gitignore's ".env*").`);
    }
    const ignored = git(dir, ["check-ignore", "-q", "--", abs]).status;
    if (ignored !== 0) {
        throw new EnvToolError(`Refusing to write ${file}: it is inside a git work tree and not ignored, so \`git add\` would commit its secrets. ` +
            `Choose an ignored folder, e.g. --out .env.<stack> (ignored by .gitignore's ".env*"), or a folder outside the repository.`);
    }
}

/** Writes a file with mode 0600 from the start (and again if it existed), never through a symlink. */
function writePrivate(file: string, content: string) {
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o600);
    try {
        fs.fchmodSync(fd, 0o600);
        fs.writeSync(fd, content);
    } finally {
        fs.closeSync(fd);
    }
}

export interface WriteEnvOptions {
    stack: string;
    /** The JSON text of `pulumi stack output --json --show-secrets`. */
    json: string;
    /** Output folder; default `.env.<stack>` under `cwd`. */
    outDir?: string;
    cwd?: string;
}

/** Checks everything first, then writes the three files; returns their paths. */
export function writeEnvFiles(opts: WriteEnvOptions): string[] {
    if (!STACK_NAME.test(opts.stack)) throw new EnvToolError(`--stack must be a stack name such as prod, got ${JSON.stringify(opts.stack)}`);
    const envs = environmentsFromOutputs(parseStackOutputs(opts.json, opts.stack), opts.stack);
    const cwd = opts.cwd ?? process.cwd();
    const outDir = path.resolve(cwd, opts.outDir ?? `.env.${opts.stack}`);
    const files = filesFor(JSON.parse(opts.json) as Record<string, unknown>).map((f) => ({
        ...f,
        path: path.join(outDir, f.file),
        content: formatEnvFile(envs[f.output], f.dialect, [
            `${f.file}: stack output ${f.output} of stack ${opts.stack}, written by \`npm run env -- --stack ${opts.stack}\`.`,
            "Secrets: keep this file out of git and off shared machines. Regenerate it after a pulumi up that changes them.",
        ]),
    }));
    for (const f of files) assertNotCommittable(f.path);
    fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
    for (const f of files) writePrivate(f.path, f.content);
    return files.map((f) => f.path);
}

/** All of standard input as UTF-8. */
export async function readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    let json: string;
    if (args.from) {
        json = fs.readFileSync(args.from, "utf8");
    } else if (process.stdin.isTTY) {
        throw new EnvToolError(`Pipe the stack outputs in, or pass --from FILE:\n  ${outputCommand(args.stack)} | npm run env -- --stack ${args.stack}`);
    } else {
        json = await readStdin();
    }
    for (const p of writeEnvFiles({ stack: args.stack, json, outDir: args.out })) console.log(`wrote ${path.relative(process.cwd(), p) || p} (0600)`);
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof EnvToolError ? err.message : err);
        process.exit(1);
    });
}
