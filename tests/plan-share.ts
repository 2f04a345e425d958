/**
 * Plans shared between mocha's parallel workers. Each worker memoizes its own plans (harness.ts),
 * but a plan that test files in both workers ask for (prod as committed, an example's stacks, a
 * preview's base) would still run once in each. So the main process makes one folder per mocha run
 * (a global fixture, run before the workers start; they inherit the variable), and a plan is run
 * by the first worker that asks for it: it takes the plan's lock file and writes the record beside
 * it with `v8.serialize`, which keeps it exactly (undefined values, key order). A worker that asks
 * later reads the record, or waits while the other worker is still planning it. A worker waits
 * only for a plan that another is running, so two workers never wait for each other.
 *
 * Without the variable (mocha run without this file, or a tool) plans simply run.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as v8 from "v8";

export const PLAN_SHARE_ENV = "GROUNDWORK_TEST_PLAN_SHARE";

/** How long a worker waits for another's plan before running it itself (a worker that died holding the lock). */
const WAIT_MS = 120_000;

/** Mocha global fixture (main process only): the run's folder, handed to the workers by environment. */
export function mochaGlobalSetup(): void {
    process.env[PLAN_SHARE_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-plans-"));
}

export function mochaGlobalTeardown(): void {
    const dir = process.env[PLAN_SHARE_ENV];
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * The record for `key`: read from `dir` when another process has planned it, else from `run()`,
 * then written to `dir` for the others. Any failure to share falls back to running the plan here.
 */
export async function sharedPlan<T>(key: string, run: () => Promise<T>, dir: string | undefined = process.env[PLAN_SHARE_ENV]): Promise<T> {
    if (!dir) return run();
    const base = path.join(dir, crypto.createHash("sha256").update(key).digest("hex").slice(0, 40));
    const record = `${base}.plan`;
    const lock = `${base}.lock`;
    let owner = false;
    try {
        fs.closeSync(fs.openSync(lock, "wx"));
        owner = true;
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") return run();
    }
    if (!owner) {
        const until = Date.now() + WAIT_MS;
        while (Date.now() < until) {
            if (fs.existsSync(record)) return v8.deserialize(fs.readFileSync(record)) as T;
            if (!fs.existsSync(lock)) break; // its owner failed and gave it up
            await new Promise((r) => setTimeout(r, 10));
        }
        return run();
    }
    let result: T;
    try {
        result = await run();
    } catch (err) {
        fs.rmSync(lock, { force: true });
        throw err;
    }
    // Written whole under another name, then renamed: a reader sees the whole record or none.
    const tmp = `${base}.${process.pid}.tmp`;
    try {
        fs.writeFileSync(tmp, v8.serialize(result));
        fs.renameSync(tmp, record);
    } catch {
        fs.rmSync(tmp, { force: true });
        fs.rmSync(lock, { force: true });
    }
    return result;
}
