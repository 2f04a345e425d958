/**
 * `npm run bench [-- --runs N] [--suite] [--suite-runs N] [--profile DIR]`
 *
 * Times what users wait for, each as a fresh process started the way `npm run plan` starts it:
 * - floor: `tools/bench-floor/run.ts`, the same engine running a program that imports the same
 *   provider SDKs and registers one resource (what any plan pays before the program's own work);
 * - `plan --stack staging` and `plan --stack prod`, the whole command (program, policy pack, cost,
 *   critical path, printing).
 * The three run in paired rounds (rotated order each round, after one warm-up round), so that a
 * busy machine slows a plan and its floor alike; each round gives a plan/floor ratio, and the
 * medians are printed. `--suite` also times the parts of `npm test` (typecheck, lint, mocha) alone
 * and `npm test` itself (the three side by side), once each; `--suite-runs N` runs `npm test` N times
 * and prints the median.
 * `--profile DIR` writes a CPU profile of one `plan --stack prod` there and prints its top entries.
 * Timing lives here, never in tests.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { summarizeProfile } from "./profile";

const ROOT = path.resolve(__dirname, "..");
const TS_NODE = require.resolve("ts-node/dist/bin.js");
/** The ratio the issue asks for: a plan within 1.5 times its floor. */
const TARGET_RATIO = 1.5;
/** `npm test` on this project's 2-core machine. */
const TARGET_SUITE_S = 40;

interface Sample { wallMs: number; cpuMs?: number }

/**
 * CPU time of this process's reaped children (user + system), from /proc/self/stat's cutime and
 * cstime; undefined where /proc is missing. Unlike wall time, it barely moves when other work
 * shares the cores, so the bench prints both.
 */
function childCpuMs(): number | undefined {
    try {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // Fields 16 and 17 of stat(5) (cutime, cstime), counted from the state field (3rd).
        return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
    } catch {
        return undefined;
    }
}
/** USER_HZ: 100 on every Linux build Node supports. */
const CLOCK_TICKS = 100;

function time(cmd: string, args: string[]): Sample {
    const cpu0 = childCpuMs();
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu1 = childCpuMs();
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
    return { wallMs, cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Case { label: string; args: string[] }

const FLOOR: Case = { label: "floor (SDKs imported, 1 resource, same engine)", args: ["tools/bench-floor/run.ts"] };
const PLANS: Case[] = ["staging", "prod"].map((stack) => ({ label: `plan --stack ${stack}`, args: ["tools/plan.ts", "--stack", stack] }));

function paired(runs: number) {
    const cases = [FLOOR, ...PLANS];
    const samples = new Map<Case, Sample[]>(cases.map((c) => [c, []]));
    for (const c of cases) time(process.execPath, [TS_NODE, ...c.args]); // warm the file cache
    for (let round = 0; round < runs; round++) {
        const order = cases.map((_, i) => cases[(i + round) % cases.length]);
        for (const c of order) samples.get(c)!.push(time(process.execPath, [TS_NODE, ...c.args]));
    }
    const floor = samples.get(FLOOR)!;
    const hasCpu = floor.every((s) => s.cpuMs !== undefined);
    const ms = (xs: number[]) => `${median(xs).toFixed(0).padStart(6)} ms (${xs.map((x) => x.toFixed(0)).join(", ")})`;
    console.log(`Paired rounds: ${runs} (after one warm-up); each round runs the floor and both plans, in rotated order. Medians, then each round's value.`);
    for (const c of cases) {
        const s = samples.get(c)!;
        console.log(`  ${c.label.padEnd(48)} wall ${ms(s.map((x) => x.wallMs))}${hasCpu ? `   cpu ${ms(s.map((x) => x.cpuMs!))}` : ""}`);
    }
    for (const c of PLANS) {
        const s = samples.get(c)!;
        const wall = s.map((x, i) => x.wallMs / floor[i].wallMs);
        const cpu = hasCpu ? s.map((x, i) => x.cpuMs! / floor[i].cpuMs!) : [];
        // A median that rounds to the target itself gets a third decimal: "1.50 (ABOVE 1.5)" reads as a contradiction.
        const shown = (r: number) => r.toFixed(r.toFixed(2) === TARGET_RATIO.toFixed(2) ? 3 : 2);
        const verdict = (r: number) => `${shown(r)} ${r <= TARGET_RATIO ? "(within" : "(ABOVE"} ${TARGET_RATIO})`;
        console.log(`  ${`${c.label} / floor`.padEnd(48)} wall ${verdict(median(wall))} [${wall.map((x) => x.toFixed(2)).join(", ")}]`
            + (hasCpu ? `   cpu ${verdict(median(cpu))} [${cpu.map((x) => x.toFixed(2)).join(", ")}]` : ""));
    }
}

function suite(runs: number) {
    const ms = (x: Sample) => `${(x.wallMs / 1000).toFixed(1)} s${x.cpuMs === undefined ? "" : ` (cpu ${(x.cpuMs / 1000).toFixed(1)} s)`}`;
    const parts = ["typecheck", "lint", "mocha"].map((script) => [script, time("npm", ["run", "--silent", script])] as const);
    console.log(`npm test's parts, one run each, alone: ${parts.map(([n, x]) => `${n} ${ms(x)}`).join(", ")}`);
    // On a shared host one run can be off by a fifth: --suite-runs N gives the median of N.
    const wholes = Array.from({ length: runs }, () => time("npm", ["test", "--silent"]));
    const wall = median(wholes.map((x) => x.wallMs));
    const cpu = wholes.every((x) => x.cpuMs !== undefined) ? median(wholes.map((x) => x.cpuMs!)) : undefined;
    console.log(`npm test (the three side by side), ${runs === 1 ? "one run" : `median of ${runs} runs [${wholes.map((x) => (x.wallMs / 1000).toFixed(1)).join(", ")} s]`}: `
        + `${ms({ wallMs: wall, cpuMs: cpu })}  (${wall / 1000 <= TARGET_SUITE_S ? "within" : "ABOVE"} the ${TARGET_SUITE_S} s target)`);
}

function profile(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    const before = new Set(fs.readdirSync(dir));
    time(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, TS_NODE, "tools/plan.ts", "--stack", "prod"]);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile") && !before.has(f));
    if (!file) throw new Error(`no CPU profile written to ${dir}`);
    console.log(`CPU profile of plan --stack prod: ${path.join(dir, file)}`);
    console.log(summarizeProfile(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")), { root: ROOT }).join("\n"));
}

function main() {
    const argv = process.argv.slice(2);
    const at = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
    const runs = Number(at("--runs") ?? 5);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of rounds, got "${at("--runs")}". Example: --runs 5`);
    const suiteRuns = Number(at("--suite-runs") ?? 1);
    if (!Number.isInteger(suiteRuns) || suiteRuns < 1) throw new Error(`--suite-runs must be a whole number of runs, got "${at("--suite-runs")}". Example: --suite-runs 3`);
    paired(runs);
    const dir = at("--profile");
    if (dir) profile(path.resolve(dir));
    if (argv.includes("--suite") || at("--suite-runs")) suite(suiteRuns);
}

if (require.main === module) main();
