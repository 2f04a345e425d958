/**
 * Pulumi's runtime wraps every promise it makes for a resource (four per property: its value,
 * whether it is known, whether it is secret, its dependencies) in `debuggablePromise`
 * (@pulumi/pulumi/runtime/debuggable.js). That tracks the promise until it settles, for the
 * leak check the runtime runs at exit, and also formats a `new Error().stack` for each and keeps
 * it on the promise, for the report `PULUMI_DEBUG_PROMISE_LEAKS=1` prints. The runtime and
 * ts-node install source-map support, so every frame of every such stack is mapped: prod's ~15,400
 * promises cost each `pulumi preview` and `up` about 1.3 s of the language host's CPU (offline,
 * with source-mapped stacks otherwise kept: prod's program ran in 0.68 s with the light wrapper
 * below and in 1.97 s with Pulumi's own).
 *
 * `lightPromiseTracking` puts in the same wrapper without the stack and the three debug
 * properties (`_debugId`, `_debugCtx`, `_debugStackTrace`), which nothing else reads: the promise
 * is a leak candidate until it settles, a rejection gets `err.promise` as Pulumi sets it, and
 * the first call goes through Pulumi's own, which schedules the exit-time leak check. It does so
 * only where it is a faithful copy: with `PULUMI_DEBUG_PROMISE_LEAKS` set (the report needs the
 * stacks), or with an SDK whose `debuggablePromise` differs from the one this mirrors (its
 * source's SHA-256 below), Pulumi's own stays and this changes nothing.
 *
 * program.ts calls it first, so a real run gets it; the offline engine calls it for every program
 * it runs (tools/engine.ts), and undoes it after the run.
 */
import { createHash } from "crypto";

type Wrapper = (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;

/** SHA-256 of `debuggablePromise.toString()` in @pulumi/pulumi 3.248.0, the function mirrored here. */
export const MIRRORED_SHA256 = "bf5c7b37cd7aea033678b7dce50e4d399aaddb4117c2cf4cee745c09573b6da9";

/** Marks the light wrapper; its value is the SDK's own function it replaced. */
export const LIGHT = Symbol.for("groundwork.lightPromiseTracking");

const nothingToUndo = () => undefined;

/** Swaps in the light wrapper (see above) and returns the undo; a no-op where it does not apply or is already in. */
export function lightPromiseTracking(): () => void {
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return nothingToUndo;
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise?: Wrapper };
    const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<Promise<unknown>> } };
    const original = debuggable.debuggablePromise;
    if (typeof original !== "function" || LIGHT in original) return nothingToUndo;
    if (createHash("sha256").update(original.toString()).digest("hex") !== MIRRORED_SHA256) return nothingToUndo;

    let first = true;
    const light: Wrapper = (p, ctx) => {
        if (first) {
            first = false;
            return original(p, ctx);
        }
        const localStore = state.getStore();
        localStore.leakCandidates.add(p);
        // As Pulumi's: `then`, then `catch`, and `err.promise` set in strict mode (a rejection
        // with a primitive becomes the TypeError that assignment throws, there as here).
        return p
            .then((val) => {
                localStore.leakCandidates.delete(p);
                return val;
            })
            .catch((err: { promise?: unknown }) => {
                localStore.leakCandidates.delete(p);
                err.promise = p;
                throw err;
            });
    };
    Object.defineProperty(light, LIGHT, { value: original });
    // Pulumi's modules call it through the module object (`debuggable_1.debuggablePromise(...)`),
    // so replacing the export reaches every one of them.
    debuggable.debuggablePromise = light;
    return () => {
        if (debuggable.debuggablePromise === light) debuggable.debuggablePromise = original;
    };
}
