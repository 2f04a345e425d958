/**
 * The Stripe webhook provider, driven through the real `stripe` SDK against a local fake of the
 * webhook-endpoints API (tests/fake-stripe.ts). Loopback only; no Stripe account.
 */
import { strict as assert } from "assert";
import * as path from "path";
import Module from "module";
import * as pulumi from "@pulumi/pulumi";
import { STRIPE_API_BASE_ENV, WebhookInputs, WebhookOutputs, stripeWebhookProvider } from "../components/edge/stripe-provider";
import { FakeStripe, useFakeStripe, webhookInputs } from "./fake-stripe";

type Provider = typeof stripeWebhookProvider;

// Built at run time so no key-shaped literal sits in the source.
const TEST_KEY = ["sk", "test", "groundworkfake0123456789"].join("_");
const OTHER_KEY = ["sk", "test", "rotatedfake9876543210"].join("_");
const LIVE_KEY = ["sk", "live", "groundworkfake0123456789"].join("_");
const WRONG_KEY = ["sk", "test", "notaccepted000000000000"].join("_");

const inputs = (over: Partial<WebhookInputs> = {}): WebhookInputs => webhookInputs(TEST_KEY, over);

/** Runs `fn` with console and stdout/stderr captured; returns what was printed and its result or error. */
async function run<T>(fn: () => Promise<T>): Promise<{ printed: string; result?: T; error?: Error }> {
    const buf: string[] = [];
    const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
    const out = process.stdout.write, err = process.stderr.write;
    const grab = (...a: unknown[]) => { buf.push(a.map(String).join(" ") + "\n"); };
    Object.assign(console, { log: grab, info: grab, warn: grab, error: grab, debug: grab });
    process.stdout.write = ((chunk: unknown) => { buf.push(String(chunk)); return true; }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: unknown) => { buf.push(String(chunk)); return true; }) as typeof process.stderr.write;
    try {
        const result = await fn();
        return { printed: buf.join(""), result };
    } catch (e) {
        return { printed: buf.join(""), error: e as Error };
    } finally {
        Object.assign(console, saved);
        process.stdout.write = out;
        process.stderr.write = err;
    }
}

describe("the Stripe webhook provider against a local fake Stripe", function () {
    this.timeout(60_000);
    const fakeStripe = useFakeStripe([TEST_KEY, OTHER_KEY, LIVE_KEY]);
    let fake: FakeStripe;
    beforeEach(() => { fake = fakeStripe(); });
    const everything: string[] = [];

    /** A provider call whose console output and error text are kept for the no-secret check. */
    async function call<T>(fn: () => Promise<T>): Promise<T> {
        const r = await run(fn);
        everything.push(r.printed, r.error ? `${r.error.message}\n${r.error.stack ?? ""}` : "");
        if (r.error) throw r.error;
        return r.result as T;
    }
    const creates = () => fake.requests.filter((r) => r.method === "POST" && r.path === "/v1/webhook_endpoints");

    it("creates, reads, updates and deletes an endpoint through the SDK", async () => {
        const created = await call(() => stripeWebhookProvider.create(inputs()));
        const outs = created.outs as WebhookOutputs;
        assert.match(created.id, /^we_/);
        assert.equal(outs.endpointId, created.id);
        assert.match(outs.secret, /^whsec_/);
        assert.equal(fake.endpoints.get(created.id)?.api_version, "2026-10-28.endive", "the endpoint's API version is pinned");
        assert.ok(creates().every((r) => r.stripeVersion === "2026-10-28.endive"), "the SDK sends the pinned Stripe-Version");
        assert.match(creates()[0].idempotencyKey ?? "", /^groundwork-we-[0-9a-f]{48}$/);

        const read = await call(() => stripeWebhookProvider.read!(created.id, outs));
        assert.equal(read.id, created.id);
        assert.equal(read.props?.url, inputs().url);
        assert.equal(read.props?.secret, outs.secret, "refresh keeps the signing secret (Stripe only returns it on create)");

        const news = inputs({ url: "https://api.staging.example.com/api/v1/webhooks/stripe2", enabledEvents: ["invoice.paid"], description: "renamed" });
        const updated = await call(() => stripeWebhookProvider.update!(created.id, outs, news));
        assert.equal(fake.endpoints.get(created.id)?.url, news.url);
        assert.deepEqual(fake.endpoints.get(created.id)?.enabled_events, ["invoice.paid"]);
        assert.equal(fake.endpoints.get(created.id)?.description, "renamed");
        assert.equal(updated.outs?.secret, outs.secret, "update keeps the secret from the old state");
        assert.equal(updated.outs?.endpointId, created.id);

        await call(() => stripeWebhookProvider.delete!(created.id, updated.outs as WebhookOutputs));
        assert.equal(fake.endpoints.size, 0);
        const gone = await call(() => stripeWebhookProvider.read!(created.id, outs));
        assert.equal(gone.id, undefined, "an endpoint gone from Stripe reads as deleted");
    });

    it("creates exactly one endpoint when the first create gets a 500", async () => {
        fake.inject({ status: 500, method: "POST" });
        const created = await call(() => stripeWebhookProvider.create(inputs()));
        assert.equal(fake.endpoints.size, 1);
        assert.deepEqual(creates().map((r) => r.status), [500, 200]);
        assert.equal(new Set(creates().map((r) => r.idempotencyKey)).size, 1, "the retry reuses the idempotency key");
        assert.ok(fake.endpoints.has(created.id));
    });

    it("creates exactly one endpoint when Stripe did the create but the answer was lost, even across runs", async () => {
        // First `pulumi up`: Stripe commits the create, then every answer fails until the SDK gives up.
        fake.inject({ status: 500, method: "POST", commit: true });
        fake.inject({ status: 500, method: "POST", times: 3 });
        await assert.rejects(call(() => stripeWebhookProvider.create(inputs())), /Stripe failed to create the webhook endpoint/);
        assert.equal(fake.endpoints.size, 1);
        // The next `pulumi up` runs create again in a new process: same inputs, same key, Stripe's stored answer.
        const again = await call(() => stripeWebhookProvider.create(inputs()));
        assert.equal(fake.endpoints.size, 1, "no second endpoint");
        assert.ok(fake.endpoints.has(again.id));
        assert.equal(creates().at(-1)?.replayed, true);
        assert.equal(new Set(creates().map((r) => r.idempotencyKey)).size, 1);
    });

    it("creates a new endpoint when Stripe replays one that was deleted since (destroy, then up)", async () => {
        const first = await call(() => stripeWebhookProvider.create(inputs()));
        await call(() => stripeWebhookProvider.delete!(first.id, first.outs as WebhookOutputs));
        const second = await call(() => stripeWebhookProvider.create(inputs()));
        assert.notEqual(second.id, first.id);
        assert.deepEqual([...fake.endpoints.keys()], [second.id]);
    });

    it("uses different idempotency keys for different stacks with the same url", async () => {
        await call(() => stripeWebhookProvider.create(inputs()));
        await call(() => stripeWebhookProvider.create(inputs({ idempotencySalt: "groundwork/prod/stripe-webhook" })));
        assert.equal(fake.endpoints.size, 2);
    });

    it("retries a 429 and succeeds", async () => {
        fake.inject({ status: 429, method: "POST" });
        await call(() => stripeWebhookProvider.create(inputs()));
        assert.deepEqual(creates().map((r) => r.status), [429, 200]);
        assert.equal(fake.endpoints.size, 1);
    });

    it("retries a 429 on update and delete too", async () => {
        const c = await call(() => stripeWebhookProvider.create(inputs()));
        fake.inject({ status: 429, times: 2 });
        await call(() => stripeWebhookProvider.update!(c.id, c.outs as WebhookOutputs, inputs({ description: "x" })));
        fake.inject({ status: 429, method: "DELETE" });
        await call(() => stripeWebhookProvider.delete!(c.id, c.outs as WebhookOutputs));
        assert.equal(fake.endpoints.size, 0);
    });

    it("reports a 401 naming groundwork:stripeSecretKey, without the key", async () => {
        const r = await run(() => stripeWebhookProvider.create(inputs({ apiKey: WRONG_KEY })));
        assert.ok(r.error, "create must fail");
        assert.match(r.error.message, /groundwork:stripeSecretKey/);
        assert.match(r.error.message, /401/);
        assert.ok(!r.error.message.includes(WRONG_KEY) && !r.error.message.includes(WRONG_KEY.slice(-4)), r.error.message);
        assert.ok(!/(sk|rk)_(test|live)_[*A-Za-z0-9]/.test(r.error.message), "not even Stripe's masked form of the key");
        everything.push(r.printed, r.error.message);

        const c = await call(() => stripeWebhookProvider.create(inputs()));
        fake.inject({ status: 401, method: "DELETE" });
        await assert.rejects(call(() => stripeWebhookProvider.delete!(c.id, c.outs as WebhookOutputs)),
            (e: Error) => /groundwork:stripeSecretKey/.test(e.message) && !e.message.includes(TEST_KEY));
    });

    it("refuses a key of the wrong mode before calling Stripe, naming the key", async () => {
        const r = await run(() => stripeWebhookProvider.create(inputs({ apiKey: LIVE_KEY, expectedMode: "test" })));
        assert.ok(r.error);
        assert.match(r.error.message, /groundwork:stripeSecretKey is a live-mode key/);
        assert.ok(!r.error.message.includes(LIVE_KEY));
        assert.equal(fake.requests.length, 0, "nothing was sent");
        const checked = await stripeWebhookProvider.check!(inputs(), inputs({ apiKey: LIVE_KEY, expectedMode: "test" }));
        assert.deepEqual(checked.failures?.map((f) => f.property), ["apiKey"]);
        assert.ok(!JSON.stringify(checked.failures).includes(LIVE_KEY));
    });

    it("check refuses a plain-http url and an empty event list, and passes good inputs", async () => {
        const bad = await stripeWebhookProvider.check!(inputs(), inputs({ url: "http://api.example.com/hook", enabledEvents: [] }));
        assert.deepEqual(bad.failures?.map((f) => f.property).sort(), ["enabledEvents", "url"]);
        const good = await stripeWebhookProvider.check!(inputs(), inputs());
        assert.deepEqual(good.failures, []);
    });

    it("treats deleting an endpoint that is already gone as success", async () => {
        const outs = { ...inputs(), endpointId: "we_missing", secret: "whsec_unused", status: "enabled" };
        await call(() => stripeWebhookProvider.delete!("we_missing", outs));
        assert.equal(fake.requests.at(-1)?.status, 404);
    });

    it("fails an update of an endpoint deleted outside Pulumi with advice to refresh", async () => {
        const outs = { ...inputs(), endpointId: "we_missing", secret: "whsec_unused", status: "enabled" };
        await assert.rejects(call(() => stripeWebhookProvider.update!("we_missing", outs, inputs({ description: "n" }))), /pulumi refresh/);
    });

    describe("diff", () => {
        const olds: WebhookOutputs = { ...inputs(), endpointId: "we_1", secret: "whsec_x", status: "enabled" };
        const diff = (news: Partial<WebhookInputs>) => stripeWebhookProvider.diff!("we_1", olds, inputs(news));

        it("reports no change for the same inputs (event order does not matter)", async () => {
            const d = await diff({ enabledEvents: [...inputs().enabledEvents].reverse() });
            assert.equal(d.changes, false);
        });
        for (const [field, value] of [
            ["url", "https://api.example.com/api/v1/webhooks/stripe"],
            ["enabledEvents", ["invoice.paid"]],
            ["description", "new text"],
        ] as const) {
            it(`updates ${field} in place`, async () => {
                const d = await diff({ [field]: value });
                assert.equal(d.changes, true);
                assert.deepEqual(d.replaces, []);
            });
        }
        it("replaces the endpoint when the API version changes", async () => {
            const d = await diff({ apiVersion: "2027-01-01.future" });
            assert.equal(d.changes, true);
            assert.deepEqual(d.replaces, ["apiVersion"]);
            assert.equal(d.deleteBeforeReplace, false, "the new endpoint exists before the old one goes");
        });
        it("does not replace for a rotated key of the same mode", async () => {
            const d = await diff({ apiKey: OTHER_KEY });
            assert.deepEqual(d.replaces, []);
            assert.equal(d.changes, true, "the new key is stored so delete can use it");
        });
        it("replaces when the key moves to the other mode (endpoints live in one mode)", async () => {
            const d = await diff({ apiKey: LIVE_KEY, expectedMode: "live" });
            assert.deepEqual(d.replaces, ["apiKey"]);
        });
    });

    it("refuses a non-loopback GROUNDWORK_STRIPE_API_BASE (the request would carry the key)", async () => {
        const saved = process.env[STRIPE_API_BASE_ENV];
        process.env[STRIPE_API_BASE_ENV] = "http://stripe.attacker.example:80";
        try {
            await assert.rejects(stripeWebhookProvider.create(inputs()), /must be a loopback URL/);
        } finally {
            process.env[STRIPE_API_BASE_ENV] = saved;
        }
    });

    describe("serialization, as pulumi.dynamic stores the provider", () => {
        let text: string;
        before(async () => {
            // What pulumi.dynamic.Resource does: serializeFunction(() => provider, { allowSecrets: true }).
            const sf = await pulumi.runtime.serializeFunction(() => stripeWebhookProvider, { allowSecrets: true });
            text = sf.text;
            assert.equal(sf.containsSecrets, false);
        });

        it("captures no program module, only require('stripe') and built-ins", () => {
            assert.match(text, /require\("stripe"\)/);
            assert.ok(!/require\("\.{1,2}\//.test(text), "no relative require");
            assert.ok(!text.includes("@pulumi/pulumi"), "no Pulumi SDK");
            assert.ok(!/stripe-provider|components[/\\]|__filename|__dirname/.test(text), "no path of this program");
            assert.ok(!/exports\.(stripeWebhookProvider|STRIPE_API_BASE_ENV)/.test(text), "the module's exports are not captured");
            assert.ok(text.length < 40_000, `serialized provider is ${text.length} chars`);
        });

        it("runs standalone: loaded from its text, it creates and deletes against the fake", async () => {
            // As the dynamic-provider host does (require-from-string), resolving packages from the program's directory.
            const filename = path.join(path.resolve(__dirname, ".."), "__serialized_provider__.js");
            type ModuleInternals = { _compile(code: string, file: string): void; paths: string[] };
            const m = new Module(filename) as Module & ModuleInternals;
            m.filename = filename;
            m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(filename));
            m._compile(text, filename);
            const loaded = (m.exports as { handler(): Provider }).handler();
            assert.notEqual(loaded, stripeWebhookProvider, "a fresh copy");
            const created = await call(() => loaded.create(inputs({ description: "from serialized text" })));
            assert.ok(fake.endpoints.has(created.id));
            await call(() => loaded.delete!(created.id, created.outs as WebhookOutputs));
            assert.equal(fake.endpoints.size, 0);
        });
    });
    // Last: it reads what every call above printed and threw.
    describe("secrecy", () => {
        it("never prints a signing secret or the API key, nor puts one in an error", () => {
            assert.ok(fake.issuedSecrets.length > 0);
            const text = everything.join("\n");
            for (const s of fake.issuedSecrets) assert.ok(!text.includes(s), "a signing secret was printed");
            for (const k of [TEST_KEY, OTHER_KEY, LIVE_KEY, WRONG_KEY]) assert.ok(!text.includes(k), "an API key was printed");
        });
    });
});
