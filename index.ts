/**
 * Groundwork: reads the validated stack config, composes the components, exports the outputs
 * the apps and CI consume (documented in README.md).
 */
import { loadConfig } from "./components/config";
import { createProviders } from "./components/providers";

// Validates every key first: a bad value stops the program before any resource is registered.
const cfg = loadConfig();

const providers = createProviders({
    awsRegion: cfg.awsRegion,
    tags: { app: cfg.project, stack: cfg.stack, "managed-by": "pulumi" },
    vercelTeam: cfg.vercel.team,
});
void providers;

export const awsRegion = cfg.awsRegion;
