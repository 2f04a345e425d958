/**
 * The dynamic provider behind `StripeWebhookEndpoint`: create, read, diff, update and delete of
 * a Stripe webhook endpoint through the real `stripe` SDK.
 *
 * Pulumi serializes `stripeWebhookProvider` into the stack's state (the `__provider` input) and
 * runs that text later in a separate process, so everything it uses must travel with it:
 * - the SDK and Node built-ins are `require`d inside the functions, never imported at the top;
 * - helpers are plain `function` declarations with no module state (the serializer copies their
 *   source); an exported `const` helper would be reached through `exports` and drag this module
 *   in. `tests/stripe-webhook.test.ts` serializes the provider and runs the text on its own.
 *
 * Secrets: the API key arrives as a secret input and is stored (secret) because delete and read
 * get only the stored state. The signing secret is returned once, by create, and kept from then
 * on. Neither is ever logged or put into an error message.
 */
import type * as pulumi from "@pulumi/pulumi";
import type StripeSdk from "stripe";

/** Inputs of the dynamic resource, as the provider receives them (secrets unwrapped). */
export interface WebhookInputs {
    /** Where Stripe posts events. @example "https://api.example.com/api/v1/webhooks/stripe" */
    url: string;
    /** Event types the endpoint receives. @example ["invoice.paid"] */
    enabledEvents: string[];
    /** Shown in the Stripe dashboard. @example "groundwork prod" */
    description: string;
    /** API version events are rendered with; fixed for the endpoint's life. @example "2026-10-28.endive" */
    apiVersion: string;
    /** Stripe secret or restricted key (`groundwork:stripeSecretKey`). Secret. */
    apiKey: string;
    /** The key mode this stack requires; a key of the other mode is refused. @example "live" */
    expectedMode?: "live" | "test";
    /** Unique per stack and resource, part of the create idempotency key. @example "groundwork/prod/stripe-webhook" */
    idempotencySalt: string;
    /** A Connect endpoint (events of connected accounts); fixed at create, so a change replaces it. @example false */
    connect?: boolean;
    /** Create the endpoint disabled (StripeWebhookActivation enables it). @example true */
    createDisabled?: boolean;
    /**
     * The provider's version. Pulumi stores a dynamic provider's code in the state at create and
     * update and runs that stored copy for refresh and delete: a new version is an in-place update
     * (no call to Stripe but the usual one) that stores the current code. @example "2"
     */
    providerVersion?: string;
}

/** State of the dynamic resource: the inputs plus what Stripe returned. */
export interface WebhookOutputs extends WebhookInputs {
    /** Stripe's id for the endpoint. @example "we_1Nq…" */
    endpointId: string;
    /** The signing secret (`whsec_…`); Stripe returns it only on create. Secret. */
    secret: string;
    /** `enabled`, or `disabled` when Stripe turned the endpoint off after repeated failures. */
    status: string;
}

/** The config key every key-related error names. */
const KEY_NAME = "groundwork:stripeSecretKey";

/**
 * Environment variable pointing the SDK at a local fake Stripe, e.g. `http://127.0.0.1:12111`
 * (tests only; loopback hosts only). `stripeClient` spells it out: an exported constant would be
 * read through `exports` and capture this module.
 */
export const STRIPE_API_BASE_ENV = "GROUNDWORK_STRIPE_API_BASE";

// ---- helpers (serialized with the provider: no module state, `require` inside) ---------------------

/** A Stripe client pinned to the endpoint's API version, with retries and a timeout. */
function stripeClient(apiKey: string, apiVersion: string, o: { maxNetworkRetries: number; timeout: number } = { maxNetworkRetries: 3, timeout: 20_000 }): StripeSdk {
    const Stripe = require("stripe") as typeof StripeSdk;
    const connection: { host?: string; port?: string; protocol?: "http" | "https" } = {};
    const base = process.env["GROUNDWORK_STRIPE_API_BASE"];
    if (base) {
        // Only a loopback fake may stand in for Stripe: the request carries the secret key.
        const u = new URL(base);
        if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname) || !/^https?:$/.test(u.protocol)) {
            throw new Error(`GROUNDWORK_STRIPE_API_BASE must be a loopback URL such as http://127.0.0.1:12111 (tests only), got "${u.origin}"`);
        }
        connection.host = u.hostname;
        connection.port = u.port || (u.protocol === "https:" ? "443" : "80");
        connection.protocol = u.protocol === "https:" ? "https" : "http";
    }
    // The SDK retries 409s, 5xx, connection errors and 429s marked `Stripe-Should-Retry`, with
    // exponential backoff, reusing one idempotency key; 20 s per request instead of its 80 s.
    return new Stripe(apiKey, {
        apiVersion: apiVersion as StripeSdk.StripeConfig["apiVersion"],
        ...o,
        telemetry: false,
        appInfo: { name: "groundwork" },
        ...connection,
    });
}

/** `live`, `test`, or undefined when the value is not a Stripe secret/restricted key. */
function keyMode(apiKey: unknown): "live" | "test" | undefined {
    const m = typeof apiKey === "string" ? /^(sk|rk)_(live|test)_[A-Za-z0-9_]+$/.exec(apiKey) : null;
    return m ? (m[2] as "live" | "test") : undefined;
}

/** Refuses a key that is malformed or of the wrong mode, naming the config key and never the value. */
function assertKey(apiKey: string, expectedMode: "live" | "test" | undefined): void {
    const mode = keyMode(apiKey);
    if (!mode) {
        throw new Error(`${KEY_NAME} is not a Stripe secret or restricted key (sk_… or rk_…); the value is not shown`);
    }
    if (expectedMode && mode !== expectedMode) {
        throw new Error(`${KEY_NAME} is a ${mode}-mode key but this stack's webhook endpoint needs a ${expectedMode}-mode key ` +
            `(${expectedMode === "live" ? "sk_live_… or rk_live_…" : "sk_test_… or rk_test_…"}); the value is not shown`);
    }
}

/**
 * The create idempotency key: a hash of everything the create sends plus a per-resource salt, so
 * a create retried by a later `pulumi up` (after a crash or a lost response) gets Stripe's stored
 * answer instead of a second endpoint. `round` moves past a replay of an endpoint since deleted.
 */
function createIdempotencyKey(inputs: WebhookInputs, round: string): string {
    const { createHash } = require("crypto") as typeof import("crypto");
    const material = JSON.stringify([inputs.idempotencySalt, inputs.url, [...inputs.enabledEvents].sort(), inputs.description,
        inputs.apiVersion, round, ...(inputs.connect ? ["connect"] : [])]);
    return `groundwork-we-${createHash("sha256").update(material).digest("hex").slice(0, 48)}`;
}

/** Removes anything shaped like a Stripe key or signing secret from text Stripe sent back. */
function scrub(text: string): string {
    return text.replace(/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9*_]+/g, "<redacted key>").replace(/\bwhsec_[A-Za-z0-9*_]+/g, "<redacted secret>");
}

function isMissing(err: unknown): boolean {
    const e = err as { type?: string; code?: string; statusCode?: number };
    return e?.code === "resource_missing" || (e?.type === "StripeInvalidRequestError" && e?.statusCode === 404);
}

/** Turns an SDK error into one that says what to do, names the config key for auth problems, and holds no secret. */
function explain(err: unknown, action: string): Error {
    const e = err as { type?: string; code?: string; statusCode?: number; requestId?: string; message?: string };
    const req = e?.requestId ? ` (request ${e.requestId})` : "";
    switch (e?.type) {
        case "StripeAuthenticationError":
            return new Error(`Stripe rejected ${KEY_NAME} while trying to ${action}: 401 Unauthorized${req}. The key is invalid, ` +
                "expired or rolled. Set a current one: pulumi config set --secret stripeSecretKey sk_live_… (sk_test_… outside prod); " +
                "the value is not shown");
        case "StripePermissionError":
            return new Error(`${KEY_NAME} may not ${action}: 403 Forbidden${req}. A restricted key needs the ` +
                "\"Webhook Endpoints: Write\" permission; the value is not shown");
        case "StripeRateLimitError":
            return new Error(`Stripe kept rate-limiting the request to ${action} (429)${req}; try again in a minute`);
        case "StripeConnectionError":
            return new Error(`Could not reach Stripe to ${action}${req}: ${scrub(String(e.message ?? ""))}`);
        default: {
            const what = [e?.statusCode, e?.type, e?.code].filter(Boolean).join(" ");
            return new Error(`Stripe failed to ${action}${what ? ` (${what})` : ""}${req}: ${scrub(String(e?.message ?? err))}`);
        }
    }
}

/**
 * Runs a Stripe call, retrying 429s the SDK gives up on (it retries a 429 only when Stripe sends
 * `Stripe-Should-Retry: true`), with exponential backoff and jitter, honouring `Retry-After`.
 */
async function withRateLimitRetry<T>(call: () => Promise<T>): Promise<T> {
    const attempts = 4;
    for (let attempt = 1; ; attempt++) {
        try {
            return await call();
        } catch (err) {
            const e = err as { type?: string; headers?: Record<string, string> };
            if (e?.type !== "StripeRateLimitError" || attempt >= attempts) throw err;
            const retryAfter = Number(e.headers?.["retry-after"]);
            const backoff = Math.min(500 * 2 ** (attempt - 1), 8_000) * (0.5 + Math.random() / 2);
            const waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 30_000) : Math.max(500, backoff);
            await new Promise((r) => setTimeout(r, waitMs));
        }
    }
}

function sameEvents(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
    const x = [...(a ?? [])].sort(), y = [...(b ?? [])].sort();
    return x.length === y.length && x.every((v, i) => v === y[i]);
}

function toOutputs(inputs: WebhookInputs, endpoint: StripeSdk.WebhookEndpoint, secret: string): WebhookOutputs {
    return {
        url: endpoint.url,
        enabledEvents: [...endpoint.enabled_events],
        description: endpoint.description ?? "",
        apiVersion: endpoint.api_version ?? inputs.apiVersion,
        apiKey: inputs.apiKey,
        expectedMode: inputs.expectedMode,
        idempotencySalt: inputs.idempotencySalt,
        connect: inputs.connect,
        createDisabled: inputs.createDisabled,
        providerVersion: inputs.providerVersion,
        endpointId: endpoint.id,
        secret,
        status: endpoint.status,
    };
}

// ---- the provider -------------------------------------------------------------------------------

/** The webhook endpoint's dynamic provider. Serialized by Pulumi: see the file comment. */
export const stripeWebhookProvider: pulumi.dynamic.ResourceProvider<WebhookInputs, WebhookOutputs> = {
    /** Validates inputs before anything reaches Stripe (runs in preview too). */
    async check(_olds: WebhookInputs, news: WebhookInputs) {
        // Unknown values in preview arrive as this sentinel; they are checked once known.
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const failures: { property: string; reason: string }[] = [];
        const known = (v: unknown) => v !== undefined && v !== unknown;
        if (known(news.url) && !/^https:\/\/[^/\s]+\/\S*$/.test(String(news.url))) {
            failures.push({ property: "url", reason: `url must be an https URL, got "${String(news.url)}". Example: https://api.example.com/api/v1/webhooks/stripe` });
        }
        if (known(news.enabledEvents) && (!Array.isArray(news.enabledEvents) || news.enabledEvents.length === 0)) {
            failures.push({ property: "enabledEvents", reason: "enabledEvents must name at least one event. Example: [\"invoice.paid\"]" });
        }
        if (known(news.apiKey)) {
            try { assertKey(news.apiKey, news.expectedMode); } catch (e) { failures.push({ property: "apiKey", reason: (e as Error).message }); }
        }
        return { inputs: news, failures };
    },

    /** url, events and description update in place; the API version is fixed at create, so it replaces. */
    async diff(_id: string, olds: WebhookOutputs, news: WebhookInputs) {
        const replaces: string[] = [];
        if (olds.apiVersion !== news.apiVersion) replaces.push("apiVersion");
        if (!!olds.connect !== !!news.connect) replaces.push("connect");
        // An endpoint lives in one mode of the account: a key of the other mode cannot see it.
        if (keyMode(olds.apiKey) && keyMode(news.apiKey) && keyMode(olds.apiKey) !== keyMode(news.apiKey)) replaces.push("apiKey");
        const updates: string[] = [];
        if (olds.url !== news.url) updates.push("url");
        if (!sameEvents(olds.enabledEvents, news.enabledEvents)) updates.push("enabledEvents");
        if ((olds.description ?? "") !== (news.description ?? "")) updates.push("description");
        // A rotated key of the same mode changes nothing in Stripe, but the state must hold it: delete uses it.
        if (olds.apiKey !== news.apiKey) updates.push("apiKey");
        if (olds.expectedMode !== news.expectedMode) updates.push("expectedMode");
        if (olds.providerVersion !== news.providerVersion) updates.push("providerVersion");
        return {
            changes: replaces.length + updates.length > 0,
            replaces,
            stables: replaces.length === 0 ? ["endpointId", "secret"] : [],
            deleteBeforeReplace: false,
        };
    },

    async create(inputs: WebhookInputs) {
        assertKey(inputs.apiKey, inputs.expectedMode);
        const stripe = stripeClient(inputs.apiKey, inputs.apiVersion);
        let round = "";
        for (let i = 0; i < 5; i++) {
            const idempotencyKey = createIdempotencyKey(inputs, round);
            let created: StripeSdk.Response<StripeSdk.WebhookEndpoint>;
            try {
                created = await withRateLimitRetry(() => stripe.webhookEndpoints.create({
                    url: inputs.url,
                    enabled_events: inputs.enabledEvents as StripeSdk.WebhookEndpointCreateParams.EnabledEvent[],
                    description: inputs.description,
                    api_version: inputs.apiVersion as StripeSdk.WebhookEndpointCreateParams.ApiVersion,
                    ...(inputs.connect ? { connect: true } : {}),
                }, { idempotencyKey }));
            } catch (err) {
                throw explain(err, "create the webhook endpoint");
            }
            // Stripe keeps idempotent answers for 24 h: a replay may name an endpoint deleted since
            // (destroy, then up again). Then create anew under a key derived from the dead id.
            if (created.lastResponse?.headers?.["idempotent-replayed"] === "true") {
                try {
                    await withRateLimitRetry(() => stripe.webhookEndpoints.retrieve(created.id));
                } catch (err) {
                    if (!isMissing(err)) throw explain(err, "check the replayed webhook endpoint");
                    round = created.id;
                    continue;
                }
            }
            if (!created.secret) throw new Error(`Stripe created webhook endpoint ${created.id} but returned no signing secret; delete it in the dashboard and retry`);
            // Created disabled: Stripe sends nothing until StripeWebhookActivation enables it, once
            // the app that serves the route runs (its rollout needs this endpoint's secret first).
            let endpoint: StripeSdk.WebhookEndpoint = created;
            if (inputs.createDisabled) {
                try {
                    endpoint = await withRateLimitRetry(() => stripe.webhookEndpoints.update(created.id, { disabled: true }));
                } catch (err) {
                    throw explain(err, `disable the new webhook endpoint ${created.id}`);
                }
            }
            return { id: created.id, outs: toOutputs(inputs, endpoint, created.secret) };
        }
        throw new Error("Stripe kept replaying deleted webhook endpoints for this create; wait 24 hours or change the endpoint's description");
    },

    /** Refresh: the endpoint as Stripe has it now; gone from Stripe means gone from the stack. */
    async read(id: string, props?: WebhookOutputs) {
        if (!props) throw new Error(`Cannot import Stripe webhook endpoint ${id}: its signing secret is only shown at create; create it with Pulumi instead`);
        const stripe = stripeClient(props.apiKey, props.apiVersion);
        try {
            const endpoint = await withRateLimitRetry(() => stripe.webhookEndpoints.retrieve(id));
            return { id, props: toOutputs(props, endpoint, props.secret) };
        } catch (err) {
            if (isMissing(err)) return {};
            throw explain(err, `read webhook endpoint ${id}`);
        }
    },

    async update(id: string, olds: WebhookOutputs, news: WebhookInputs) {
        assertKey(news.apiKey, news.expectedMode);
        const stripe = stripeClient(news.apiKey, news.apiVersion);
        try {
            const endpoint = await withRateLimitRetry(() => stripe.webhookEndpoints.update(id, {
                url: news.url,
                enabled_events: news.enabledEvents as StripeSdk.WebhookEndpointUpdateParams.EnabledEvent[],
                description: news.description,
            }));
            // Only create returns the signing secret: keep the one in the state.
            return { outs: toOutputs(news, endpoint, olds.secret) };
        } catch (err) {
            if (isMissing(err)) {
                throw new Error(`Stripe webhook endpoint ${id} no longer exists (deleted outside Pulumi). ` +
                    "Run `pulumi refresh` so the next `pulumi up` creates it again");
            }
            throw explain(err, `update webhook endpoint ${id}`);
        }
    },

    /** An endpoint already gone from Stripe counts as deleted. */
    async delete(id: string, props: WebhookOutputs) {
        const stripe = stripeClient(props.apiKey, props.apiVersion);
        try {
            await withRateLimitRetry(() => stripe.webhookEndpoints.del(id));
        } catch (err) {
            if (isMissing(err)) return;
            throw explain(err, `delete webhook endpoint ${id}`);
        }
    },
};

// ---- activation --------------------------------------------------------------------------------

/** Inputs of the activation: which endpoint to keep enabled, and the key to do it with. */
export interface ActivationInputs {
    /** The endpoint. @example "we_1Nq…" */
    endpointId: string;
    /** API version of the client (the endpoint's). @example "2026-10-28.endive" */
    apiVersion: string;
    /** Stripe secret or restricted key (`groundwork:stripeSecretKey`). Secret. */
    apiKey: string;
    /** The key mode this stack requires. @example "live" */
    expectedMode?: "live" | "test";
    /** As on the endpoint: a new version stores the current code. @example "2" */
    providerVersion?: string;
}

/** State of the activation: its inputs and whether Stripe has the endpoint enabled. */
export interface ActivationOutputs extends ActivationInputs {
    enabled: boolean;
}

/**
 * Keeps a webhook endpoint enabled. Create enables it; Stripe disables an endpoint after days of
 * failed deliveries, and every preview and `up` asks Stripe (diff) whether it still is: a
 * disabled endpoint shows as a change of `enabled` and the `up` enables it again, with no
 * `--refresh` needed (a refresh that finds it disabled does the same). When Stripe cannot be
 * asked, the diff reports what the state holds. Delete disables it (the endpoint stays, with its
 * secret, until it is deleted itself). Serialized like the endpoint's provider.
 */
export const stripeWebhookActivationProvider: pulumi.dynamic.ResourceProvider<ActivationInputs, ActivationOutputs> = {
    async check(_olds: ActivationInputs, news: ActivationInputs) {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const failures: { property: string; reason: string }[] = [];
        if (news.apiKey !== undefined && news.apiKey !== unknown) {
            try { assertKey(news.apiKey, news.expectedMode); } catch (e) { failures.push({ property: "apiKey", reason: (e as Error).message }); }
        }
        return { inputs: news, failures };
    },

    async diff(id: string, olds: ActivationOutputs, news: ActivationInputs) {
        const replaces = olds.endpointId !== news.endpointId ? ["endpointId"] : [];
        // Drift Stripe made (a disabled endpoint), seen without a refresh; only for the endpoint in state.
        const enabled = olds.enabled && replaces.length === 0 ? await stillEnabled(id, olds) : olds.enabled;
        const updates = [
            ...(enabled ? [] : ["enabled"]),
            ...(olds.apiKey !== news.apiKey ? ["apiKey"] : []),
            ...(olds.apiVersion !== news.apiVersion ? ["apiVersion"] : []),
            ...(olds.providerVersion !== news.providerVersion ? ["providerVersion"] : []),
            ...(olds.expectedMode !== news.expectedMode ? ["expectedMode"] : []),
        ];
        return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
    },

    async create(inputs: ActivationInputs) {
        await setDisabled(inputs, false, "enable");
        return { id: inputs.endpointId, outs: { ...inputs, enabled: true } };
    },

    async read(id: string, props?: ActivationOutputs) {
        if (!props) throw new Error(`Cannot import the activation of ${id}; it is created with its endpoint`);
        const stripe = stripeClient(props.apiKey, props.apiVersion);
        try {
            const endpoint = await withRateLimitRetry(() => stripe.webhookEndpoints.retrieve(id));
            return { id, props: { ...props, enabled: endpoint.status === "enabled" } };
        } catch (err) {
            if (isMissing(err)) return {};
            throw explain(err, `read webhook endpoint ${id}`);
        }
    },

    async update(_id: string, _olds: ActivationOutputs, news: ActivationInputs) {
        await setDisabled(news, false, "enable");
        return { outs: { ...news, enabled: true } };
    },

    async delete(_id: string, props: ActivationOutputs) {
        await setDisabled(props, true, "disable", true);
    },
};

/**
 * Whether Stripe still has the endpoint enabled. True when it cannot tell (no answer, a key this
 * run cannot use): the diff then reports only what the state holds, and never fails a preview.
 * A deleted endpoint is the endpoint resource's drift, not this one's.
 */
async function stillEnabled(id: string, olds: ActivationOutputs): Promise<boolean> {
    try {
        // One quick try: every preview and up asks, and an unreachable Stripe must not hold them up.
        const stripe = stripeClient(olds.apiKey, olds.apiVersion, { maxNetworkRetries: 0, timeout: 5_000 });
        const endpoint = await stripe.webhookEndpoints.retrieve(id);
        return endpoint.status === "enabled";
    } catch {
        return true;
    }
}

/** Enables or disables an endpoint; a missing endpoint is an error, or nothing to do when `missingOk`. */
async function setDisabled(inputs: ActivationInputs, disabled: boolean, action: string, missingOk = false): Promise<void> {
    assertKey(inputs.apiKey, inputs.expectedMode);
    const stripe = stripeClient(inputs.apiKey, inputs.apiVersion);
    try {
        await withRateLimitRetry(() => stripe.webhookEndpoints.update(inputs.endpointId, { disabled }));
    } catch (err) {
        if (isMissing(err) && missingOk) return;
        throw explain(err, `${action} webhook endpoint ${inputs.endpointId}`);
    }
}
