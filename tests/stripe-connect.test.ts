/**
 * Stripe Connect at the provider level: the webhook provider asks Stripe for a Connect endpoint
 * (`connect=true` on create) only when its input says so, and a change of `connect` replaces the
 * endpoint (Stripe fixes it at create). Driven through the real `stripe` SDK against the local fake
 * (tests/fake-stripe.ts), as tests/stripe-webhook.test.ts does; then the stack file that asks for
 * it (examples/express-nextjs-connect) hands it to the provider.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { WebhookInputs, WebhookOutputs, stripeWebhookProvider } from "../components/edge/stripe-provider";
import { PROJECT_DIR } from "../tools/engine";
import { FakeStripe, useFakeStripe, webhookInputs } from "./fake-stripe";
import { goodPlan, one } from "./harness";

// Built at run time so no key-shaped literal sits in the source.
const TEST_KEY = ["sk", "test", "connectfake0123456789"].join("_");

const inputs = (over: Partial<WebhookInputs> = {}): WebhookInputs =>
    webhookInputs(TEST_KEY, { enabledEvents: ["account.updated", "checkout.session.completed"], ...over });

describe("Stripe Connect in the webhook provider, against a local fake Stripe", function () {
    this.timeout(60_000);
    const fakeStripe = useFakeStripe([TEST_KEY]);
    let fake: FakeStripe;
    beforeEach(() => { fake = fakeStripe(); });

    const creates = () => fake.requests.filter((r) => r.method === "POST" && r.path === "/v1/webhook_endpoints");

    it("sends connect=true on create when the input asks for a Connect endpoint, and keeps it in the state", async () => {
        const created = await stripeWebhookProvider.create(inputs({ connect: true }));
        assert.equal(creates().length, 1);
        assert.equal(creates()[0].status, 200);
        assert.equal(fake.endpoints.get(created.id)?.connect, true, "Stripe was asked for a Connect endpoint");
        assert.equal((created.outs as WebhookOutputs).connect, true);
    });

    it("sends no connect parameter for an ordinary endpoint (connect false or unset)", async () => {
        for (const connect of [false, undefined]) {
            const created = await stripeWebhookProvider.create(inputs({ connect, idempotencySalt: `groundwork/staging/${String(connect)}` }));
            assert.equal(fake.endpoints.get(created.id)?.connect, undefined, `connect ${String(connect)}`);
        }
        assert.equal(fake.endpoints.size, 2);
    });

    it("creates a second endpoint, not a replay of the first, when only connect differs (the create's idempotency key covers it)", async () => {
        const plain = await stripeWebhookProvider.create(inputs());
        const connect = await stripeWebhookProvider.create(inputs({ connect: true }));
        assert.notEqual(connect.id, plain.id);
        assert.equal(new Set(creates().map((r) => r.idempotencyKey)).size, 2);
        assert.ok(creates().every((r) => !r.replayed));
        assert.equal(fake.endpoints.get(connect.id)?.connect, true);
        assert.equal(fake.endpoints.get(plain.id)?.connect, undefined);
    });

    it("updates a Connect endpoint in place, and it stays one", async () => {
        const created = await stripeWebhookProvider.create(inputs({ connect: true }));
        await stripeWebhookProvider.update!(created.id, created.outs as WebhookOutputs, inputs({ connect: true, description: "renamed" }));
        const ep = fake.endpoints.get(created.id);
        assert.equal(ep?.description, "renamed");
        assert.equal(ep?.connect, true);
        assert.ok(fake.requests.some((r) => r.method === "POST" && r.path === `/v1/webhook_endpoints/${created.id}` && r.status === 200));
    });

    describe("diff", () => {
        const state = (connect: boolean | undefined): WebhookOutputs => ({ ...inputs({ connect }), endpointId: "we_1", secret: "whsec_x", status: "enabled" });

        for (const [from, to] of [[false, true], [true, false], [undefined, true], [true, undefined]] as const) {
            it(`replaces the endpoint when connect goes from ${String(from)} to ${String(to)}`, async () => {
                const d = await stripeWebhookProvider.diff!("we_1", state(from), inputs({ connect: to }));
                assert.equal(d.changes, true);
                assert.deepEqual(d.replaces, ["connect"]);
                assert.deepEqual(d.stables, [], "a new endpoint gets a new id and signing secret");
                assert.equal(d.deleteBeforeReplace, false, "the new endpoint exists before the old one goes");
            });
        }
        for (const [from, to] of [[true, true], [false, undefined], [undefined, false]] as const) {
            it(`reports no change when connect stays ${String(from)} (as ${String(to)})`, async () => {
                const d = await stripeWebhookProvider.diff!("we_1", state(from), inputs({ connect: to }));
                assert.equal(d.changes, false);
                assert.deepEqual(d.replaces, []);
            });
        }
        it("replaces for connect together with an in-place change", async () => {
            const d = await stripeWebhookProvider.diff!("we_1", state(false), inputs({ connect: true, description: "new text" }));
            assert.deepEqual(d.replaces, ["connect"]);
        });
    });
});

describe("Stripe Connect from the stack file to the provider's input", () => {
    for (const stack of ["staging", "prod"]) {
        it(`examples/express-nextjs-connect (${stack}) plans a Connect endpoint`, async () => {
            const r = await goodPlan(stack, undefined, { configDir: path.join(PROJECT_DIR, "examples", "express-nextjs-connect") });
            assert.equal(one(r, "pulumi-nodejs:dynamic:Resource", "stripe-webhook").inputs.connect, true);
        });
    }

    it("gives an ordinary endpoint by default", async () => {
        const r = await goodPlan("staging");
        assert.notEqual(one(r, "pulumi-nodejs:dynamic:Resource", "stripe-webhook").inputs.connect, true);
    });
});
