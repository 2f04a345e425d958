/**
 * `npm test`: the typecheck, the lint and the mocha suite, run at the same time (the machine has
 * two cores and each of the three is mostly one process), each to the end even when another
 * fails. Mocha's output streams as it runs; the typecheck's and the lint's are printed whole when
 * each finishes. Ends with each part's time and exits non-zero when any part failed.
 */
import { spawn } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

interface Part { script: string; streams: boolean }
interface Outcome { script: string; code: number; seconds: number }

function run({ script, streams }: Part): Promise<Outcome> {
    const started = process.hrtime.bigint();
    return new Promise((resolve) => {
        const child = spawn(NPM, ["run", "--silent", script], { cwd: ROOT, stdio: streams ? "inherit" : ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout?.on("data", (d) => (output += d));
        child.stderr?.on("data", (d) => (output += d));
        const done = (code: number) => {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            if (!streams) process.stdout.write(`\n── npm run ${script}: ${code === 0 ? "ok" : `FAILED (exit ${code})`}, ${seconds.toFixed(1)} s\n${output}`);
            resolve({ script, code, seconds });
        };
        child.on("error", (err) => { output += String(err); done(127); });
        child.on("close", (code, signal) => done(code ?? (signal ? 128 : 1)));
    });
}

async function main() {
    const started = process.hrtime.bigint();
    const outcomes = await Promise.all([
        run({ script: "typecheck", streams: false }),
        run({ script: "lint", streams: false }),
        run({ script: "mocha", streams: true }),
    ]);
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const failed = outcomes.filter((o) => o.code !== 0);
    console.log(`\nnpm test: ${outcomes.map((o) => `${o.script} ${o.seconds.toFixed(1)} s${o.code === 0 ? "" : " FAILED"}`).join(", ")}; `
        + `${wall.toFixed(1)} s in all (run side by side)`);
    process.exit(failed.length ? 1 : 0);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
