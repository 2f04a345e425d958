/**
 * Plans shared between mocha's parallel workers. Each worker memoizes its own plans (harness.ts),
 * but a plan that test files in both workers ask for (prod as committed, an example's stacks, a
 * preview's base) would still run once in each. So the main process makes one folder per mocha run
 * (a global fixture, run before the workers start; they inherit the variable), and a plan is run
 * by the first worker that asks for it: it takes the plan's lock file and writes the record beside
 * it with `v8.serialize`, which keeps it exactly (undefined values, key order). A worker that asks
 * later reads the record, or waits while the other worker is still planning it. A worker waits
 * only for a plan that another is running, so two workers never wait for each other; the lock file
 * names its owner's pid, and a waiter whose owner has died runs the plan itself.
 *
 * Without the variable (mocha run without this file, or a tool) plans simply run; under `--watch`
 * the folder would outlive the source it was planned from, so none is made.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as v8 from "v8";

export const PLAN_SHARE_ENV = "GROUNDWORK_TEST_PLAN_SHARE";

/** How long a worker waits for a live owner's plan before running it itself. */
const WAIT_MS = 120_000;
const FOLDER = /^groundwork-plans-(\d+)-/;

const alive = (pid: number): boolean => {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
};

/**
 * Mocha global fixture (main process only): the run's folder, handed to the workers by environment,
 * named after this process; the folders of runs whose process is gone (interrupted before their
 * teardown) are removed.
 */
export function mochaGlobalSetup(): void {
    if (process.argv.some((a) => a === "--watch" || a === "-w")) return;
    for (const name of fs.readdirSync(os.tmpdir())) {
        const owner = FOLDER.exec(name);
        if (owner && !alive(Number(owner[1]))) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
    process.env[PLAN_SHARE_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), `groundwork-plans-${process.pid}-`));
}

export function mochaGlobalTeardown(): void {
    const dir = process.env[PLAN_SHARE_ENV];
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** The files of `key`'s plan in a run's folder: its lock (its owner's pid) and its record. */
export function shareFiles(dir: string, key: string): { base: string; record: string; lock: string } {
    const base = path.join(dir, crypto.createHash("sha256").update(key).digest("hex").slice(0, 40));
    return { base, record: `${base}.plan`, lock: `${base}.lock` };
}

/**
 * The record for `key`: read from `dir` when another process has planned it, else from `run()`,
 * then written to `dir` for the others. Any failure to share falls back to running the plan here.
 */
export async function sharedPlan<T>(key: string, run: () => Promise<T>, dir: string | undefined = process.env[PLAN_SHARE_ENV]): Promise<T> {
    if (!dir) return run();
    const { base, record, lock } = shareFiles(dir, key);
    let owner = false;
    try {
        fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
        owner = true;
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") return run();
    }
    if (!owner) {
        const until = Date.now() + WAIT_MS;
        while (Date.now() < until) {
            if (fs.existsSync(record)) {
                try {
                    return v8.deserialize(fs.readFileSync(record)) as T;
                } catch {
                    break; // unreadable: plan here
                }
            }
            let pid: number;
            try {
                pid = Number(fs.readFileSync(lock, "utf8"));
            } catch {
                break; // its owner failed and gave it up
            }
            // The owner writes its pid right after creating the file: an empty one is still being written.
            if (pid > 0 && !alive(pid) && !fs.existsSync(record)) break; // its owner died planning it
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
