/**
 * The offline engine's own bookkeeping around a run: what it changes in the process while the
 * program runs (cheap stack traces, its rejection listeners) is undone when the run ends, however
 * the run ends, and an error the program throws keeps its TypeScript position.
 */
import { strict as assert } from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../tools/engine";
import { setEnv } from "./temp-dir";

const FLOOR = path.join(__dirname, "..", "tools", "bench-floor");
const THROWING = path.join(__dirname, "fixtures", "throwing-program");

/** What the engine swaps while a program runs, as this process has it now. */
function processState() {
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: unknown };
    return {
        prepareStackTrace: Error.prepareStackTrace,
        debuggablePromise: debuggable.debuggablePromise,
        resourceStackTrace: (pulumi.Resource as unknown as { stackTrace?: unknown }).stackTrace,
        unhandledRejectionListeners: process.listenerCount("unhandledRejection"),
        rejectionHandledListeners: process.listenerCount("rejectionHandled"),
    };
}

describe("the offline engine", () => {
    it("leaves the process's stack traces and listeners as it found them, after a run that succeeds, throws, is refused, or has no stack", async () => {
        const before = processState();
        assert.equal(typeof before.prepareStackTrace, "function", "ts-node's source-map support formats stacks in this process");
        assert.equal(typeof before.debuggablePromise, "function");
        assert.equal(typeof before.resourceStackTrace, "function");

        const ok = await runProgram({ stack: "floor", projectDir: FLOOR });
        assert.equal(ok.error, undefined);
        assert.equal(Object.keys(ok.outputs).length, 1, "the floor's one export was gathered");
        assert.deepEqual(processState(), before, "after a run that succeeded");

        const threw = await runProgram({ stack: "t", projectDir: THROWING });
        assert.match(threw.error ?? "", /the program stopped here/);
        assert.deepEqual(processState(), before, "after a program that threw");

        const refused = await runProgram({ stack: "prod", config: { "aws:region": "eu-west-1" } });
        assert.deepEqual(refused.problems.map((p) => p.key), ["aws:region"]);
        assert.deepEqual(processState(), before, "after the program refused its config");

        const none = await runProgram({ stack: "nosuch", projectDir: FLOOR });
        assert.deepEqual(none.problems.map((p) => p.key), ["stack"]);
        assert.deepEqual(processState(), before, "after a stack with no file (the program never ran)");
    });

    it("runs the bench floor with one bucket, or the count `npm run bench -- --registrations N` asks for", async () => {
        const buckets = (r: Awaited<ReturnType<typeof runProgram>>) => r.resources.filter((x) => x.type === "aws:s3/bucket:Bucket").map((x) => x.name);
        const unset = setEnv("GROUNDWORK_BENCH_FLOOR_BUCKETS", undefined);
        try {
            assert.deepEqual(buckets(await runProgram({ stack: "floor", projectDir: FLOOR })), ["floor"]);
        } finally {
            unset();
        }
        const restore = setEnv("GROUNDWORK_BENCH_FLOOR_BUCKETS", "3");
        try {
            assert.deepEqual(buckets(await runProgram({ stack: "floor", projectDir: FLOOR })), ["floor", "floor-1", "floor-2"]);
        } finally {
            restore();
        }
    });

    it("records an error the program throws with the line of the throw in its TypeScript source", async () => {
        const r = await runProgram({ stack: "t", projectDir: THROWING });
        // tests/fixtures/throwing-program/index.ts, line 10: `throw new Error(...)` in fail().
        assert.match(r.error ?? "", /throwing-program\/index\.ts:10:\d+/);
    });
});
