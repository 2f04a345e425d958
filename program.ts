/**
 * The program's entry point (Pulumi.yaml `main`): every stack but a pull request's preview is
 * composed by index.ts; a preview (groundwork:profile preview, stack pr-<number>) by preview.ts,
 * from its own parts on its base stack's. Each reads and validates the config itself; the one
 * not chosen is never loaded, so it registers nothing.
 */
import { loadConfig } from "./components/config/config";

export = loadConfig().preview ? require("./preview") : require("./index");
