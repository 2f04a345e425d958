/**
 * Pulumi's runtime wraps every promise it makes for a resource (four per property: its value,
 * whether it is known, whether it is secret, its dependencies) in `debuggablePromise`
 * (@pulumi/pulumi/runtime/debuggable.js). That tracks the promise until it settles, for the
 * leak check the runtime runs at exit, and also formats a `new Error().stack` for each and keeps
 * it on the promise, for the report `PULUMI_DEBUG_PROMISE_LEAKS=1` prints. The runtime and
 * ts-node install source-map support, so every frame of every such stack is mapped: prod has
 * ~15,400 such promises. In an offline run that keeps the runtime's source-mapped stacks
 * (tools/engine.ts without its own stack changes), 6 runs each, prod's program took 2.2–3.1 s
 * with Pulumi's wrapper and 0.79–0.95 s with the light one below.
 *
 * `lightPromiseTracking` puts in the same wrapper without the stack and the three debug
 * properties (`_debugId`, `_debugCtx`, `_debugStackTrace`; only the report reads them): the
 * promise is a leak candidate of the current store until it settles, and a rejection gets
 * `err.promise` as Pulumi sets it. Its first call goes through Pulumi's own, which schedules the
 * exit-time leak check; in a real run the runtime's own registration of the stack has already
 * done that before program.ts loads, so this matters only to the offline engine and the tests.
 * One difference remains: Pulumi's own throws for a frozen promise (it defines properties on
 * it), this one does not.
 *
 * It applies only where it is a faithful copy. Pulumi's own stays when the SDK's
 * `debugPromiseLeaks` is set (from `PULUMI_DEBUG_PROMISE_LEAKS`; the report needs the stacks), when
 * debuggable.js is not the file this mirrors (its SHA-256 below: any SDK release that changes
 * that file), when its export is no longer the file's own function, and when the SDK's internal
 * modules cannot be loaded at all.
 *
 * program.ts calls it before it loads the stack's composition; the offline engine calls it for
 * every program it runs (tools/engine.ts) and undoes it after the run.
 */
import { createHash } from "crypto";
import * as fs from "fs";

type Wrapper = (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;

/**
 * SHA-256 of @pulumi/pulumi 3.248.0's runtime/debuggable.js, the file whose `debuggablePromise` is
 * mirrored here, and of that function's text (`toString()`): the export must still be the file's own.
 */
export const MIRRORED_SHA256 = "2115dc7363706f566a54b84104c702a89829965504696d1c257b2b3cf4079813";
export const MIRRORED_FUNCTION_SHA256 = "bf5c7b37cd7aea033678b7dce50e4d399aaddb4117c2cf4cee745c09573b6da9";

/** Marks the light wrapper; its value is the SDK's own function it replaced. */
export const LIGHT = Symbol.for("groundwork.lightPromiseTracking");

const nothingToUndo = () => undefined;
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Whether `fn`, loaded from a debuggable.js with the text `file`, is the `debuggablePromise` mirrored here. */
export function mirrors(file: string | Buffer, fn: (...args: never[]) => unknown): boolean {
    return sha256(file) === MIRRORED_SHA256 && sha256(fn.toString()) === MIRRORED_FUNCTION_SHA256;
}

/** Swaps in the light wrapper (see above) and returns the undo; a no-op where it does not apply or is already in. */
export function lightPromiseTracking(): () => void {
    type Debuggable = { debuggablePromise?: Wrapper; debugPromiseLeaks?: boolean };
    type State = { getStore(): { leakCandidates: Set<Promise<unknown>> } };
    let debuggable: Debuggable;
    let state: State;
    let file: Buffer;
    try {
        // Internal modules of the SDK: if a release moves them, Pulumi's own stays and the run goes on.
        const at = require.resolve("@pulumi/pulumi/runtime/debuggable");
        file = fs.readFileSync(at);
        debuggable = require(at) as Debuggable;
        state = require("@pulumi/pulumi/runtime/state") as State;
    } catch {
        return nothingToUndo;
    }
    const original = debuggable.debuggablePromise;
    if (debuggable.debugPromiseLeaks || typeof original !== "function" || LIGHT in original || !mirrors(file, original)) return nothingToUndo;

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
