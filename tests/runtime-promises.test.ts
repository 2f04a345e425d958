/**
 * components/runtime-promises.ts: Pulumi's promise bookkeeping (`debuggablePromise`) without the
 * source-mapped stack it formats per promise. Each case compares the light wrapper with Pulumi's
 * own, in this process's SDK.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import Module = require("module");
import { LIGHT, MIRRORED_FUNCTION_SHA256, MIRRORED_SHA256, lightPromiseTracking, mirrors } from "../components/runtime-promises";

type Wrapper = (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
type Store = { leakCandidates: Set<Promise<unknown>> };
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: Wrapper; debugPromiseLeaks: boolean };
const state = require("@pulumi/pulumi/runtime/state") as { getStore(): Store; withLocalStorage<T>(fn: () => T): T };
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** A promise settled from outside. */
function deferred() {
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
}

/** How a wrapped promise settles: its value or its error, and the microtask turns it took after the inner one settled. */
async function outcome(wrap: Wrapper, settle: (d: ReturnType<typeof deferred>) => void) {
    const d = deferred();
    const wrapped = wrap(d.promise, "ctx");
    const trackedBefore = state.getStore().leakCandidates.has(d.promise);
    let settled: { value?: unknown; error?: unknown } | undefined;
    wrapped.then((value) => { settled = { value }; }, (error: unknown) => { settled = { error }; });
    settle(d);
    let turns = 0;
    while (!settled && turns < 20) {
        await null;
        turns++;
    }
    const error = settled?.error as { constructor?: { name: string }; message?: string; promise?: unknown } | undefined;
    return {
        trackedBefore,
        trackedAfter: state.getStore().leakCandidates.has(d.promise),
        value: settled?.value,
        error: error === undefined ? undefined : typeof error === "object" ? { type: error.constructor?.name, message: error.message, promiseIsInner: error.promise === d.promise } : error,
        turns,
    };
}

/** The light wrapper, installed for one test and removed after it. */
function withLight<T>(fn: (light: Wrapper, sdk: Wrapper) => Promise<T>): Promise<T> {
    const sdk = debuggable.debuggablePromise;
    const undo = lightPromiseTracking();
    const light = debuggable.debuggablePromise;
    // Else each case would compare Pulumi's own with itself (PULUMI_DEBUG_PROMISE_LEAKS set, say).
    assert.ok(LIGHT in light, "the light wrapper is in");
    // The first call goes through Pulumi's own (it schedules the exit-time leak check).
    light(Promise.resolve(), "first").catch(() => undefined);
    return fn(light, sdk).finally(undo);
}

describe("Pulumi's promise bookkeeping without a stack per promise (components/runtime-promises.ts)", () => {
    it("mirrors the installed SDK's debuggablePromise, so it is in use", () => {
        // If an SDK upgrade changed the function, the light wrapper stays out (Pulumi's own runs, slower):
        // re-read @pulumi/pulumi/runtime/debuggable.js, mirror it again and update MIRRORED_SHA256.
        const sdk = debuggable.debuggablePromise;
        assert.ok(!(LIGHT in sdk), "no wrapper left installed by an earlier test");
        assert.equal(sha256(fs.readFileSync(require.resolve("@pulumi/pulumi/runtime/debuggable"))), MIRRORED_SHA256);
        assert.equal(sha256(sdk.toString()), MIRRORED_FUNCTION_SHA256);
        const undo = lightPromiseTracking();
        try {
            assert.notEqual(debuggable.debuggablePromise, sdk);
            assert.equal((debuggable.debuggablePromise as unknown as Record<symbol, unknown>)[LIGHT], sdk);
        } finally {
            undo();
        }
        assert.equal(debuggable.debuggablePromise, sdk, "the undo puts Pulumi's own back");
    });

    it("settles, tracks and rejects exactly as Pulumi's own, in the same number of turns", () => withLight(async (light, sdk) => {
        const cases: [string, (d: ReturnType<typeof deferred>) => void][] = [
            ["a value", (d) => d.resolve({ id: "i-1" })],
            ["an Error", (d) => d.reject(new Error("boom"))],
            // Pulumi sets err.promise in strict mode: a primitive rejection becomes that assignment's TypeError.
            ["a string", (d) => d.reject("boom")],
            ["undefined", (d) => d.reject(undefined)],
        ];
        for (const [what, settle] of cases) {
            const own = await outcome(sdk, settle);
            const mine = await outcome(light, settle);
            assert.deepEqual(mine, own, `settled with ${what}`);
            assert.equal(own.trackedBefore, true, `${what}: a leak candidate until it settles`);
            assert.equal(own.trackedAfter, false, `${what}: no longer one after`);
        }
        const rejected = await outcome(light, (d) => d.reject(new Error("boom")));
        assert.deepEqual(rejected.error, { type: "Error", message: "boom", promiseIsInner: true });
        const fromString = await outcome(light, (d) => d.reject("boom"));
        assert.equal((fromString.error as { type: string }).type, "TypeError");
    }));

    it("formats no stack and sets no debug property, where Pulumi's own formats one per promise", () => withLight(async (light, sdk) => {
        const prepare = Error.prepareStackTrace;
        let formatted = 0;
        Error.prepareStackTrace = (err, frames) => { formatted++; return prepare ? prepare(err, frames) : String(err); };
        try {
            const mine = Promise.resolve(1);
            await light(mine, "ctx");
            assert.equal(formatted, 0);
            assert.deepEqual(Object.getOwnPropertyNames(mine), []);
            const own = Promise.resolve(1);
            await sdk(own, "ctx");
            assert.equal(formatted, 1, "the control: Pulumi's own formats a stack");
            assert.deepEqual(Object.getOwnPropertyNames(own).sort(), ["_debugCtx", "_debugId", "_debugStackTrace"]);
        } finally {
            Error.prepareStackTrace = prepare;
        }
    }));

    it("sends its first promise through Pulumi's own, which schedules the leak check at exit", () => {
        const undo = lightPromiseTracking();
        try {
            const first = Promise.resolve(1);
            const second = Promise.resolve(2);
            debuggable.debuggablePromise(first, "first");
            debuggable.debuggablePromise(second, "second");
            assert.ok(Object.getOwnPropertyNames(first).includes("_debugId"));
            assert.deepEqual(Object.getOwnPropertyNames(second), []);
        } finally {
            undo();
        }
    });

    it("tracks each promise in the store current at the call, as Pulumi's own does", () => withLight(async (light, sdk) => {
        for (const wrap of [sdk, light]) {
            const p = new Promise<unknown>(() => undefined);
            const store = state.withLocalStorage(() => {
                wrap(p, "ctx").catch(() => undefined);
                return state.getStore();
            });
            assert.notEqual(store, state.getStore(), "the control: a store of its own");
            assert.equal(store.leakCandidates.has(p), true);
            assert.equal(state.getStore().leakCandidates.has(p), false);
        }
    }));

    it("leaves Pulumi's own when the SDK reports leaks in detail (PULUMI_DEBUG_PROMISE_LEAKS), which needs the stacks", () => {
        const sdk = debuggable.debuggablePromise;
        const before = debuggable.debugPromiseLeaks;
        debuggable.debugPromiseLeaks = true;
        try {
            lightPromiseTracking()();
            lightPromiseTracking();
            assert.equal(debuggable.debuggablePromise, sdk);
        } finally {
            debuggable.debugPromiseLeaks = before;
            debuggable.debuggablePromise = sdk;
        }
    });

    it("leaves Pulumi's own, and the run goes on, when the SDK's internal modules cannot be loaded", () => {
        const sdk = debuggable.debuggablePromise;
        const loader = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
        const resolve = loader._resolveFilename;
        loader._resolveFilename = function (request: string, ...rest: unknown[]) {
            if (request === "@pulumi/pulumi/runtime/debuggable") throw Object.assign(new Error("moved"), { code: "MODULE_NOT_FOUND" });
            return resolve.call(this, request, ...rest);
        };
        try {
            lightPromiseTracking()();
            assert.equal(debuggable.debuggablePromise, sdk);
        } finally {
            loader._resolveFilename = resolve;
            debuggable.debuggablePromise = sdk;
        }
    });

    it("leaves Pulumi's own when debuggable.js is not the file it mirrors (an SDK release that changed it)", () => {
        const file = fs.readFileSync(require.resolve("@pulumi/pulumi/runtime/debuggable"), "utf8");
        assert.equal(mirrors(file, debuggable.debuggablePromise), true, "the control: the file as installed");
        assert.equal(mirrors(file + "\n// changed\n", debuggable.debuggablePromise), false);
        assert.equal(mirrors(file, (p: Promise<unknown>) => p), false);
    });

    it("leaves alone a debuggablePromise that is not debuggable.js's own (another library's wrapper)", () => {
        const sdk = debuggable.debuggablePromise;
        const other: Wrapper = (p) => p;
        debuggable.debuggablePromise = other;
        try {
            lightPromiseTracking();
            assert.equal(debuggable.debuggablePromise, other);
        } finally {
            debuggable.debuggablePromise = sdk;
        }
    });

    it("is installed once: a second call changes nothing, and the first's undo restores Pulumi's own", () => {
        const sdk = debuggable.debuggablePromise;
        const undo = lightPromiseTracking();
        const light = debuggable.debuggablePromise;
        const again = lightPromiseTracking();
        try {
            assert.equal(debuggable.debuggablePromise, light);
            again();
            assert.equal(debuggable.debuggablePromise, light, "the second call's undo is a no-op");
        } finally {
            undo();
            undo();
        }
        assert.equal(debuggable.debuggablePromise, sdk);
    });
});
