/**
 * The base class of this program's dynamic resources (the Stripe webhook endpoint and its
 * activation): `pulumi.dynamic.Resource`, or the same resource with its provider's text read from
 * a committed file instead of serialized again on every run.
 *
 * Why: `pulumi.dynamic.Resource` serializes its provider's functions in every `pulumi preview`
 * and `up` (`@pulumi/pulumi/dynamic/index.js`, `serializeProvider`). The serializer
 * (`runtime/closure`) turns on the V8 inspector, whose `Debugger.enable` replays a parse event for
 * each of the ~1,700 scripts loaded by then, and parses the functions with TypeScript: about half
 * a second of a 2.8 s plan of prod, for a text that changes only when `stripe-provider.ts` does.
 *
 * The committed text is the one `pulumi.dynamic.Resource` produces: `npm run provider-text`
 * writes it from the genuine class (tools/provider-text.ts), and tests/provider-text.test.ts
 * compares again. The engine receives the same inputs either way: type
 * `pulumi-nodejs:dynamic:Resource`, the same `__provider` string, so nothing in the state changes.
 *
 * The text is used only while its fingerprint matches what it is made from: `stripe-provider.ts`,
 * tsconfig.json (the transpiler's options) and the versions of the packages that shape it
 * (Pulumi's serializer, swc, ts-node, TypeScript). After any change to one of them the genuine
 * class is used, so every `up` still stores the current code, and the test fails until the file is
 * written again.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The committed file: each provider's text by name, and the fingerprint it was made at. */
export interface SerializedProviders {
    /** sha256 of the files and package versions the text is made from (`providerFingerprint`). */
    fingerprint: string;
    /** The text `pulumi.dynamic.Resource` stores in `__provider`, by provider name. */
    texts: Record<string, string>;
}

/** Where `npm run provider-text` writes the texts: beside the providers. */
export const SERIALIZED_PROVIDERS_FILE = path.join(__dirname, "stripe-provider.serialized.json");

/** The files whose bytes the text depends on: the providers' source and the transpiler's options. */
export const FINGERPRINT_FILES = [path.join(__dirname, "stripe-provider.ts"), path.resolve(__dirname, "..", "..", "tsconfig.json")];
/** The packages whose versions the text depends on: the serializer, the transpiler, ts-node, TypeScript. */
export const FINGERPRINT_PACKAGES = ["@pulumi/pulumi", "@swc/core", "ts-node", "typescript"];

/** `<package>@<version>` of each package the text depends on; throws when one cannot be read. */
export function packageVersions(packages = FINGERPRINT_PACKAGES): string[] {
    return packages.map((pkg) => `${pkg}@${(require(`${pkg}/package.json`) as { version: string }).version}`);
}

/** The current fingerprint, or undefined when a file or package cannot be read (then nothing is reused). */
export function providerFingerprint(files = FINGERPRINT_FILES, versions?: string[]): string | undefined {
    try {
        const hash = createHash("sha256");
        for (const file of files) hash.update(`${path.basename(file)}\n`).update(fs.readFileSync(file)).update("\n");
        for (const v of versions ?? packageVersions()) hash.update(`${v}\n`);
        return hash.digest("hex");
    } catch {
        return undefined;
    }
}

/** The committed texts, or undefined when the file is missing or not of the expected shape. */
export function readSerializedProviders(file = SERIALIZED_PROVIDERS_FILE): SerializedProviders | undefined {
    try {
        const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<SerializedProviders>;
        const texts = parsed.texts;
        if (typeof parsed.fingerprint !== "string" || !texts || typeof texts !== "object") return undefined;
        if (!Object.values(texts).every((t) => typeof t === "string" && t.length > 0)) return undefined;
        return { fingerprint: parsed.fingerprint, texts };
    } catch {
        return undefined;
    }
}

type DynamicResourceClass = typeof pulumi.dynamic.Resource;

/**
 * The class to extend: one that sends the committed text of each listed provider when `serialized`
 * holds a text for every one of them at the current fingerprint, else `pulumi.dynamic.Resource`.
 * Its constructor takes the same arguments as `pulumi.dynamic.Resource`'s and registers the same
 * type and inputs.
 */
export function dynamicResourceBase(
    providers: Record<string, pulumi.dynamic.ResourceProvider>,
    serialized: SerializedProviders | undefined = readSerializedProviders(),
    fingerprint: string | undefined = providerFingerprint(),
): DynamicResourceClass {
    if (!serialized || fingerprint === undefined || serialized.fingerprint !== fingerprint) return pulumi.dynamic.Resource;
    const textOf = new Map<pulumi.dynamic.ResourceProvider, string>();
    for (const [name, provider] of Object.entries(providers)) {
        const text = serialized.texts[name];
        if (typeof text !== "string") return pulumi.dynamic.Resource;
        textOf.set(provider, text);
    }
    // Registers what pulumi.dynamic.Resource registers; only `instanceof pulumi.dynamic.Resource`
    // tells them apart (false here), and nothing in the SDK or this program asks it.
    class PreSerializedDynamicResource extends pulumi.CustomResource {
        constructor(provider: pulumi.dynamic.ResourceProvider, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions, module?: string, type = "Resource") {
            const text = textOf.get(provider);
            if (text === undefined) throw new Error(`dynamic resource "${name}": its provider is not one of ${Object.keys(providers).join(", ")}`);
            // What pulumi.dynamic.Resource checks and registers (dynamic/index.js).
            if (props.__provider) throw new Error("A dynamic resource must not define the __provider key");
            super(`pulumi-nodejs:dynamic${module ? `/${module}` : ""}:${type}`, name, { ...props, __provider: text }, opts);
        }
    }
    return PreSerializedDynamicResource as unknown as DynamicResourceClass;
}
