/**
 * The webhook endpoint's activation (issue 11 point 9): Stripe disables an endpoint after days of
 * failed deliveries; that is drift, and the next preview or `up` sees it without `--refresh` and
 * enables the endpoint again. Driven through the real `stripe` SDK against the local fake
 * (tests/fake-stripe.ts), as the endpoint's own provider is.
 */
import { strict as assert } from "assert";
import {
    ActivationInputs, ActivationOutputs, stripeWebhookActivationProvider, stripeWebhookProvider,
} from "../components/edge/stripe-provider";
import { STRIPE_PROVIDER_VERSION } from "../components/edge/stripe-webhook";
import { FakeStripe, useFakeStripe, webhookInputs } from "./fake-stripe";

// Built at run time so no key-shaped literal sits in the source.
const TEST_KEY = ["sk", "test", "activationfake0123456789"].join("_");

const endpointInputs = webhookInputs(TEST_KEY, { createDisabled: true });

describe("the Stripe webhook activation, against a local fake Stripe", function () {
    this.timeout(60_000);
    const fakeStripe = useFakeStripe([TEST_KEY]);
    let fake: FakeStripe;
    beforeEach(() => { fake = fakeStripe(); });

    /** A disabled endpoint, then its activation, as the first `up` with a running api makes them. */
    async function activated(): Promise<{ id: string; inputs: ActivationInputs; state: ActivationOutputs }> {
        const endpoint = await stripeWebhookProvider.create(endpointInputs);
        assert.equal(fake.endpoints.get(endpoint.id)?.status, "disabled", "created disabled");
        const inputs: ActivationInputs = { endpointId: endpoint.id, apiVersion: endpointInputs.apiVersion, apiKey: TEST_KEY, expectedMode: "test" };
        const created = await stripeWebhookActivationProvider.create(inputs);
        assert.equal(fake.endpoints.get(endpoint.id)?.status, "enabled");
        return { id: created.id, inputs, state: created.outs as ActivationOutputs };
    }

    it("reports no change while Stripe has the endpoint enabled", async () => {
        const { id, inputs, state } = await activated();
        const d = await stripeWebhookActivationProvider.diff!(id, state, inputs);
        assert.equal(d.changes, false);
        assert.ok(fake.requests.some((r) => r.method === "GET" && r.path === `/v1/webhook_endpoints/${id}`), "it asked Stripe");
    });

    it("sees an endpoint Stripe disabled without a refresh, and the update enables it again", async () => {
        const { id, inputs, state } = await activated();
        fake.endpoints.get(id)!.status = "disabled";
        const d = await stripeWebhookActivationProvider.diff!(id, state, inputs);
        assert.equal(d.changes, true, "drift: the endpoint is disabled");
        assert.deepEqual(d.replaces, [], "enabled again in place, the endpoint and its secret kept");
        const updated = await stripeWebhookActivationProvider.update!(id, state, inputs);
        assert.equal((updated.outs as ActivationOutputs).enabled, true);
        assert.equal(fake.endpoints.get(id)?.status, "enabled");
        assert.equal((await stripeWebhookActivationProvider.diff!(id, updated.outs as ActivationOutputs, inputs)).changes, false);
    });

    it("never fails a preview when Stripe cannot be asked: it reports what the state holds", async () => {
        const { id, inputs, state } = await activated();
        fake.endpoints.get(id)!.status = "disabled";
        fake.inject({ status: 401, method: "GET", times: 10 });
        const d = await stripeWebhookActivationProvider.diff!(id, state, inputs);
        assert.equal(d.changes, false);
    });

    it("updates in place when the provider's code version changes, so the state holds the code refresh and delete run", async () => {
        const { id, inputs, state } = await activated();
        const d = await stripeWebhookActivationProvider.diff!(id, { ...state, providerVersion: "1" }, { ...inputs, providerVersion: STRIPE_PROVIDER_VERSION });
        assert.equal(d.changes, true);
        assert.deepEqual(d.replaces, []);
    });

    it("does not ask Stripe when the endpoint itself is replaced (the new one is activated on create)", async () => {
        const { id, inputs, state } = await activated();
        const before = fake.requests.length;
        const d = await stripeWebhookActivationProvider.diff!(id, state, { ...inputs, endpointId: "we_other" });
        assert.deepEqual(d.replaces, ["endpointId"]);
        assert.equal(fake.requests.length, before);
    });
});
