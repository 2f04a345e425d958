/**
 * The dynamic resources' committed provider text (components/edge/dynamic-resource.ts): it is the
 * text the genuine pulumi.dynamic.Resource registers, the program sends it, and it is used only
 * while its fingerprint matches.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    FINGERPRINT_FILES, FINGERPRINT_PACKAGES, SerializedProviders, dynamicResourceBase, packageVersions, providerFingerprint, readSerializedProviders,
} from "../components/edge/dynamic-resource";
import { DYNAMIC_PROVIDERS, StripeWebhookActivation, StripeWebhookEndpoint } from "../components/edge/stripe-webhook";
import { currentSerializedProviders } from "../tools/provider-text";
import { RecordedResource, runProgram } from "../tools/engine";
import { goodPlan, one } from "./harness";
import { tempDir } from "./temp-dir";

const DYNAMIC = "pulumi-nodejs:dynamic:Resource";

describe("the dynamic resources' committed provider text", () => {
    const committed = readSerializedProviders();

    it("is the text the genuine pulumi.dynamic.Resource registers now, at the current fingerprint", async () => {
        assert.ok(committed, "components/edge/stripe-provider.serialized.json is missing or malformed: run `npm run provider-text`");
        const now = await currentSerializedProviders();
        assert.deepEqual(Object.keys(now.texts).sort(), ["activation", "webhook"]);
        assert.equal(committed.fingerprint, now.fingerprint, "stripe-provider.ts, tsconfig.json or a serializing package changed: run `npm run provider-text`");
        for (const [name, text] of Object.entries(now.texts)) {
            assert.ok(text.includes("exports.handler"), `${name}: a provider module`);
            assert.equal(committed.texts[name], text, `${name}: the committed text is stale: run \`npm run provider-text\``);
        }
    });

    it("is what prod's webhook endpoint and its activation send, through the pre-serialized class", async () => {
        assert.ok(committed);
        assert.notEqual(dynamicResourceBase(DYNAMIC_PROVIDERS), pulumi.dynamic.Resource, "the committed text is current, so it is used");
        for (const cls of [StripeWebhookEndpoint, StripeWebhookActivation]) {
            assert.ok(cls.prototype instanceof pulumi.CustomResource);
            assert.ok(!(cls.prototype instanceof pulumi.dynamic.Resource), `${cls.name} does not serialize its provider on each run`);
        }
        const r = await goodPlan("prod");
        const endpoint = one(r, DYNAMIC, "stripe-webhook");
        const activation = one(r, DYNAMIC, "stripe-webhook-enabled");
        assert.equal(endpoint.inputs.__provider, committed.texts.webhook);
        assert.equal(activation.inputs.__provider, committed.texts.activation);
        for (const x of [endpoint, activation]) assert.ok(!x.secretInputs.includes("__provider"), "the text holds no secret");
    });

    it("registers what pulumi.dynamic.Resource registers for the same arguments: type, inputs, secrets, options, dependencies", async () => {
        assert.notEqual(dynamicResourceBase(DYNAMIC_PROVIDERS), pulumi.dynamic.Resource, "the twins' fast side is the pre-serialized class");
        const r = await runProgram({ stack: "twins", projectDir: path.join(__dirname, "fixtures", "dynamic-twins") });
        assert.equal(r.error, undefined);
        const names = Object.keys(DYNAMIC_PROVIDERS);
        assert.equal(r.resources.filter((x) => x.type === DYNAMIC).length, 2 * names.length);
        const shape = (x: RecordedResource) => ({ ...x, name: "", urn: x.urn.replace(/::(fast|genuine)-/, "::"), id: "", state: {} });
        for (const name of names) {
            const genuine = one(r, DYNAMIC, `genuine-${name}`);
            const fast = one(r, DYNAMIC, `fast-${name}`);
            assert.deepEqual(shape(fast), shape(genuine), name);
            assert.ok(genuine.secretInputs.includes("apiKey") && genuine.options.additionalSecretOutputs.includes("secret"), "control: the compared registration carries a secret and options");
            assert.equal(fast.inputs.__provider, committed?.texts[name]);
        }
    });

    describe("falls back to pulumi.dynamic.Resource (which serializes the current code)", () => {
        const serialized = (): SerializedProviders => ({ fingerprint: "f", texts: { webhook: "exports.handler = 1", activation: "exports.handler = 2" } });

        it("when the fingerprint differs, cannot be read, or the file is missing", () => {
            assert.notEqual(dynamicResourceBase(DYNAMIC_PROVIDERS, serialized(), "f"), pulumi.dynamic.Resource, "control: a match is used");
            assert.equal(dynamicResourceBase(DYNAMIC_PROVIDERS, serialized(), "g"), pulumi.dynamic.Resource);
            assert.equal(dynamicResourceBase(DYNAMIC_PROVIDERS, serialized(), undefined), pulumi.dynamic.Resource);
            assert.equal(dynamicResourceBase(DYNAMIC_PROVIDERS, undefined, "f"), pulumi.dynamic.Resource);
        });

        it("when a provider has no text", () => {
            const partial = serialized();
            delete partial.texts.activation;
            assert.equal(dynamicResourceBase(DYNAMIC_PROVIDERS, partial, "f"), pulumi.dynamic.Resource);
        });

        it("when the file is not the expected shape", () => {
            const dir = tempDir("provider-text-");
            try {
                const write = (body: string) => { fs.writeFileSync(path.join(dir, "f.json"), body); return readSerializedProviders(path.join(dir, "f.json")); };
                assert.deepEqual(write(JSON.stringify(serialized())), serialized(), "control: a good file is read");
                assert.equal(write("{"), undefined);
                assert.equal(write(JSON.stringify({ texts: serialized().texts })), undefined, "no fingerprint");
                assert.equal(write(JSON.stringify({ fingerprint: "f", texts: { webhook: "" } })), undefined, "an empty text");
                assert.equal(readSerializedProviders(path.join(dir, "missing.json")), undefined);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("refuses a provider it has no text for, and a __provider of the caller's, before registering", () => {
        const Base = class extends dynamicResourceBase(DYNAMIC_PROVIDERS, { fingerprint: "f", texts: { webhook: "a", activation: "b" } }, "f") {};
        const other: pulumi.dynamic.ResourceProvider = { create: async () => ({ id: "x" }) };
        assert.throws(() => new Base(other, "stray", {}), /"stray": its provider is not one of webhook, activation/);
        assert.throws(() => new Base(DYNAMIC_PROVIDERS.webhook, "mine", { __provider: "code" }), /must not define the __provider key/);
    });

    describe("the fingerprint", () => {
        it("covers the providers' source, tsconfig.json and the serializing packages", () => {
            assert.deepEqual(FINGERPRINT_FILES.map((f) => path.relative(path.resolve(__dirname, ".."), f)), [path.join("components", "edge", "stripe-provider.ts"), "tsconfig.json"]);
            for (const f of FINGERPRINT_FILES) assert.ok(fs.existsSync(f), f);
            assert.deepEqual(FINGERPRINT_PACKAGES, ["@pulumi/pulumi", "@swc/core", "ts-node", "typescript"]);
            assert.match(providerFingerprint() ?? "", /^[0-9a-f]{64}$/);
        });

        it("moves when a byte of a file or a package's version moves", () => {
            const dir = tempDir("provider-fp-");
            try {
                const files = FINGERPRINT_FILES.map((f) => { const to = path.join(dir, path.basename(f)); fs.copyFileSync(f, to); return to; });
                const versions = packageVersions();
                assert.deepEqual(versions.map((v) => v.slice(0, v.lastIndexOf("@"))), FINGERPRINT_PACKAGES);
                const base = providerFingerprint(files, versions);
                assert.equal(base, providerFingerprint(), "the same bytes and versions give the same fingerprint");
                const swcBumped = versions.map((v) => (v.startsWith("@swc/core@") ? "@swc/core@1.99.0" : v));
                assert.notEqual(providerFingerprint(files, swcBumped), base, "a new swc");
                fs.appendFileSync(files[0], " ");
                assert.notEqual(providerFingerprint(files, versions), base, "a byte of stripe-provider.ts");
                assert.equal(providerFingerprint([path.join(dir, "missing.ts")], versions), undefined);
                assert.throws(() => packageVersions(["no-such-package-groundwork"]));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("holds everything the text is made of: stripe-provider.ts imports types only and requires no module of this program", () => {
            const source = fs.readFileSync(FINGERPRINT_FILES[0], "utf8");
            const imports = source.split("\n").filter((l) => /^\s*import\b/.test(l));
            assert.ok(imports.length > 0, "it has imports to check");
            for (const line of imports) assert.match(line, /^import type /, `a value import would be copied into the text unfingerprinted: ${line}`);
            assert.doesNotMatch(source, /require\(\s*["'`]\.{1,2}\//, "no relative require");
        });
    });
});
