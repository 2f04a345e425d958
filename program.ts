/**
 * The program's entry point (Pulumi.yaml `main`): every stack but a pull request's preview is
 * composed by index.ts; a preview (groundwork:profile preview, stack pr-<number>) by preview.ts,
 * from its own parts on its base stack's. The choice reads only the profile (`groundwork:profile`,
 * or the stack's name); the chosen one then reads and validates the whole config (once per run).
 * The one not chosen is never loaded, so it registers nothing.
 */
import { isPreviewStack } from "./components/config/config";
import { lightPromiseTracking } from "./components/runtime-promises";

// Before the stack's composition loads (the runtime has registered only the root stack): Pulumi's
// promise bookkeeping without a source-mapped stack per promise.
lightPromiseTracking();

export = isPreviewStack() ? require("./preview") : require("./index");
