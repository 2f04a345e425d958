/**
 * `npm run bench [-- --runs N] [--suite]`
 *
 * Times what users wait for: the offline plan of each stack, as a fresh process the way
 * `npm run plan` starts it, against a floor (a process that only loads ts-node and the same
 * provider SDKs, and registers nothing), and optionally the mocha suite. Prints medians.
 * Timing lives here, never in tests.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const TS_NODE = path.join(ROOT, "node_modules", ".bin", "ts-node");

function time(cmd: string, args: string[]): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
    return ms;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main() {
    const argv = process.argv.slice(2);
    const runsAt = argv.indexOf("--runs");
    const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
    const suite = argv.includes("--suite");

    const floorScript = "require('@pulumi/pulumi'); require('@pulumi/aws'); require('@pulumi/cloudflare'); " +
        "require('@pulumiverse/vercel'); require('@pulumi/random'); require('stripe'); require('./tools/engine');";
    const cases: [string, string[]][] = [
        ["floor (ts-node + provider SDKs + engine, no program)", ["--transpile-only", "-e", floorScript]],
        ["plan --stack staging", ["--transpile-only", "tools/plan.ts", "--stack", "staging"]],
        ["plan --stack prod", ["--transpile-only", "tools/plan.ts", "--stack", "prod"]],
    ];
    const results: Record<string, number> = {};
    for (const [label, args] of cases) {
        time(TS_NODE, args); // warm the file cache
        const samples = Array.from({ length: runs }, () => time(TS_NODE, args));
        results[label] = median(samples);
        console.log(`${label.padEnd(56)} median ${results[label].toFixed(0).padStart(6)} ms  (runs: ${samples.map((s) => s.toFixed(0)).join(", ")})`);
    }
    const floor = results[cases[0][0]];
    for (const [label] of cases.slice(1)) {
        console.log(`${label.padEnd(56)} above floor ${(results[label] - floor).toFixed(0).padStart(6)} ms`);
    }
    if (suite) {
        const ms = time("npm", ["run", "--silent", "mocha"]);
        console.log(`${"mocha suite (one run)".padEnd(56)} ${ms.toFixed(0).padStart(6)} ms`);
    }
}

main();
