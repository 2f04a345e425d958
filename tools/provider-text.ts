/**
 * `npm run provider-text`
 *
 * Writes components/edge/stripe-provider.serialized.json: the text the genuine
 * `pulumi.dynamic.Resource` registers as `__provider` for each of the program's dynamic providers,
 * and the fingerprint of what that text is made from. The program's dynamic resources send it
 * instead of serializing their providers on every run (components/edge/dynamic-resource.ts).
 * Run it after changing stripe-provider.ts, tsconfig.json, or upgrading @pulumi/pulumi, @swc/core,
 * ts-node or TypeScript; tests/provider-text.test.ts fails until then.
 */
import * as fs from "fs";
import * as path from "path";
import { SERIALIZED_PROVIDERS_FILE, SerializedProviders, providerFingerprint } from "../components/edge/dynamic-resource";
import { DYNAMIC_PROVIDERS } from "../components/edge/stripe-webhook";
import { ofType, runProgram } from "./engine";

/** The program that registers one genuine dynamic resource per provider. */
export const GENUINE_PROJECT_DIR = path.join(__dirname, "provider-text");

/** Runs the genuine program and returns each provider's `__provider` text, by name. */
export async function genuineProviderTexts(): Promise<Record<string, string>> {
    const record = await runProgram({ stack: "genuine", projectDir: GENUINE_PROJECT_DIR });
    if (record.error || record.problems.length) throw new Error(`provider-text: the genuine program failed: ${record.error ?? JSON.stringify(record.problems)}`);
    const texts: Record<string, string> = {};
    for (const name of Object.keys(DYNAMIC_PROVIDERS)) {
        const found = ofType(record, "pulumi-nodejs:dynamic:Resource").filter((r) => r.name === name);
        if (found.length !== 1) throw new Error(`provider-text: expected one dynamic resource "${name}", found ${found.length}`);
        const text = found[0].inputs.__provider;
        if (typeof text !== "string" || !text) throw new Error(`provider-text: "${name}" registered no provider text`);
        // pulumi.dynamic.Resource marks the text secret when the provider captured one; such a text must not be committed.
        if (found[0].secretInputs.includes("__provider")) throw new Error(`provider-text: the "${name}" provider captured a secret; it cannot be committed`);
        texts[name] = text;
    }
    return texts;
}

/** What the file should hold now. */
export async function currentSerializedProviders(): Promise<SerializedProviders> {
    const fingerprint = providerFingerprint();
    if (!fingerprint) throw new Error("provider-text: cannot read the fingerprint's files or packages");
    return { fingerprint, texts: await genuineProviderTexts() };
}

async function main() {
    const serialized = await currentSerializedProviders();
    fs.writeFileSync(SERIALIZED_PROVIDERS_FILE, JSON.stringify(serialized, null, 2) + "\n");
    const sizes = Object.entries(serialized.texts).map(([name, t]) => `${name} ${t.length} chars`).join(", ");
    console.log(`wrote ${path.relative(process.cwd(), SERIALIZED_PROVIDERS_FILE)}: ${sizes}; fingerprint ${serialized.fingerprint.slice(0, 12)}`);
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
