import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as util from "util";
import * as v8 from "v8";
import { plan } from "./harness";
import { PLAN_SHARE_ENV, shareFiles, sharedPlan } from "./plan-share";
import { setEnv, tempDir } from "./temp-dir";

describe("plans shared between mocha's workers (plan-share.ts)", () => {
    let dir: string;
    beforeEach(() => { dir = tempDir("gw-share-test-"); });

    const counting = <T>(value: T, ms = 0) => {
        const calls = { n: 0 };
        const run = async () => { calls.n++; await new Promise((r) => setTimeout(r, ms)); return value; };
        return { calls, run };
    };

    it("is handed to the workers: this worker runs under a run's folder", () => {
        // Mocha's main process made it (mochaGlobalSetup) before it started this worker.
        const shared = process.env[PLAN_SHARE_ENV];
        assert.ok(shared && fs.statSync(shared).isDirectory(), `${PLAN_SHARE_ENV} is ${shared}`);
    });

    it("runs a plan once: a later ask reads the record, exactly (undefined values and key order kept)", async () => {
        const record = { stack: "prod", outputs: { api: { value: { url: "https://api.example.com", workerImageRepository: undefined } } }, n: [1, 2] };
        const first = counting(record);
        assert.deepStrictEqual(await sharedPlan("k", first.run, dir), record);
        const second = counting({ other: true });
        const read = await sharedPlan("k", second.run, dir);
        assert.equal(second.calls.n, 0);
        assert.deepStrictEqual(read, record);
        assert.deepEqual(Object.keys((read as typeof record).outputs.api.value), ["url", "workerImageRepository"]);
        assert.notStrictEqual(read, record);
    });

    it("makes an asker wait while another is planning, then hands it that plan", async () => {
        const slow = counting({ v: "planned once" }, 120);
        const other = counting({ v: "planned twice" });
        const [a, b] = await Promise.all([sharedPlan("k", slow.run, dir), sharedPlan("k", other.run, dir)]);
        assert.deepEqual([a, b, slow.calls.n, other.calls.n], [{ v: "planned once" }, { v: "planned once" }, 1, 0]);
    });

    it("reads the record another process writes while it waits, without planning", async () => {
        const { record, lock } = shareFiles(dir, "k");
        // Another worker: takes the lock with its pid, plans for a while, writes the record under another name and renames it.
        const other = spawn(process.execPath, ["-e", `
            const fs = require("fs"), v8 = require("v8");
            fs.writeFileSync(${JSON.stringify(lock)}, String(process.pid), { flag: "wx" });
            setTimeout(() => { fs.writeFileSync(${JSON.stringify(record)} + ".tmp", v8.serialize({ v: "from the other worker", n: undefined })); fs.renameSync(${JSON.stringify(record)} + ".tmp", ${JSON.stringify(record)}); }, 300);`], { stdio: "ignore" });
        const exited = new Promise((r) => other.on("exit", r));
        while (!fs.existsSync(lock)) await new Promise((r) => setTimeout(r, 5));
        const mine = counting({ v: "planned here" });
        assert.deepStrictEqual(await sharedPlan("k", mine.run, dir), { v: "from the other worker", n: undefined });
        assert.equal(mine.calls.n, 0);
        await exited;
    });

    it("runs the plan itself when the lock's owner has died without a record", async () => {
        const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
        fs.writeFileSync(shareFiles(dir, "k").lock, dead.stdout);
        const mine = counting({ v: "planned here" });
        // Without the owner's check this waits WAIT_MS, as long as mocha's timeout: the test fails.
        assert.deepEqual(await sharedPlan("k", mine.run, dir), { v: "planned here" });
        assert.equal(mine.calls.n, 1);
    });

    it("is what the harness's plan() goes through: a plan leaves its record in the run's folder", async () => {
        const shared = process.env[PLAN_SHARE_ENV]!;
        const before = new Set(fs.readdirSync(shared));
        // A plan no other test asks for (refused at validation, so it costs milliseconds).
        const r = await plan("prod", { "groundwork:domain": `not a domain ${process.pid} ${Date.now()}` });
        assert.ok(r.problems.length > 0);
        // The other worker may be writing its own records meanwhile: find this one among the new ones.
        const written = fs.readdirSync(shared).filter((f) => f.endsWith(".plan") && !before.has(f))
            .map((f) => v8.deserialize(fs.readFileSync(path.join(shared, f))) as unknown);
        assert.equal(written.filter((w) => util.isDeepStrictEqual(w, r)).length, 1);
    });

    it("keeps different keys apart", async () => {
        await sharedPlan("prod {}", counting({ v: 1 }).run, dir);
        const other = counting({ v: 2 });
        assert.deepEqual(await sharedPlan("prod {\"a\":1}", other.run, dir), { v: 2 });
        assert.equal(other.calls.n, 1);
    });

    it("lets a waiter run the plan itself when the planner fails, and passes the planner its error", async () => {
        const failing = async () => { await new Promise((r) => setTimeout(r, 50)); throw new Error("boom"); };
        const waiter = counting({ v: "ran here" });
        const [a, b] = await Promise.allSettled([sharedPlan("k", failing, dir), sharedPlan("k", waiter.run, dir)]);
        assert.equal(a.status === "rejected" && (a.reason as Error).message, "boom");
        assert.deepEqual(b.status === "fulfilled" && b.value, { v: "ran here" });
        assert.equal(waiter.calls.n, 1);
    });

    it("just runs the plan without a run's folder (mocha without the fixture, a tool)", async () => {
        const restore = setEnv(PLAN_SHARE_ENV, undefined);
        try {
            const plain = counting({ v: 1 });
            await sharedPlan("k", plain.run);
            await sharedPlan("k", plain.run);
            assert.equal(plain.calls.n, 2);
        } finally {
            restore();
        }
    });
});
