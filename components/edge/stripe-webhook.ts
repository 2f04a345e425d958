/**
 * The stack's Stripe webhook endpoint, managed as a real resource through a dynamic provider on
 * the `stripe` SDK (`stripe-provider.ts`): created with an idempotency key, refreshed, updated in
 * place (url, events, description), replaced when the pinned API version changes, deleted
 * (already gone counts as deleted). Its signing secret is a secret output that flows into
 * `STRIPE_WEBHOOK_SECRET` in the apps' secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { dynamicResourceBase } from "./dynamic-resource";
import { stripeWebhookActivationProvider, stripeWebhookProvider } from "./stripe-provider";

export interface StripeWebhookEndpointArgs {
    /**
     * Where Stripe posts events: the API's webhook route, over HTTPS.
     * @default none (required)
     * @example "https://api.example.com/api/v1/webhooks/stripe"
     */
    url: pulumi.Input<string>;
    /**
     * Event types the endpoint receives (`groundwork:stripeWebhookEvents`). Required here; the
     * config's default is DEFAULT_STRIPE_EVENTS (checkout, subscription, invoice, payment failures).
     * @default none (required)
     * @example ["checkout.session.completed", "invoice.paid"]
     */
    enabledEvents: pulumi.Input<string>[];
    /**
     * Shown next to the endpoint in the Stripe dashboard.
     * @default none (required)
     * @example "groundwork prod"
     */
    description: pulumi.Input<string>;
    /**
     * The API version events are rendered with. Stripe fixes it at create, so a change replaces
     * the endpoint (and its signing secret). Required here; the config defaults to the SDK's pin.
     * @default none (required)
     * @example "2026-10-28.endive"
     */
    apiVersion: pulumi.Input<string>;
    /**
     * Stripe secret key or restricted key with "Webhook Endpoints: Write" (`groundwork:stripeSecretKey`).
     * Always stored as a secret, even when passed plain.
     * @default none (required)
     * @example pulumi.secret("sk_live_…")
     */
    apiKey: pulumi.Input<string>;
    /**
     * The key mode this stack needs; a key of the other mode is refused before any call to Stripe,
     * naming `groundwork:stripeSecretKey`.
     * @default undefined (any mode; the config module already checks the mode per profile)
     * @example "live"
     */
    mode?: "live" | "test";
    /**
     * A Connect endpoint: Stripe sends it the events of the connected accounts (Stripe Connect
     * platforms). Fixed at create: a change replaces the endpoint and its signing secret.
     * @default false
     * @example true
     */
    connect?: boolean;
}

/**
 * The provider code's version, stored with each endpoint. Bump it when stripe-provider.ts
 * changes: the next `up` updates every endpoint in place so the state holds the new code
 * (refresh and delete run the stored copy). Then run `npm run provider-text`, which writes the
 * providers' serialized text again (dynamic-resource.ts).
 */
export const STRIPE_PROVIDER_VERSION = "3";

/** This program's dynamic providers by name, as `npm run provider-text` writes their texts. */
export const DYNAMIC_PROVIDERS = { webhook: stripeWebhookProvider, activation: stripeWebhookActivationProvider };

/** `pulumi.dynamic.Resource`, or the same with the committed provider texts (dynamic-resource.ts). */
const DynamicResource = dynamicResourceBase(DYNAMIC_PROVIDERS);

/**
 * A Stripe webhook endpoint. Type `pulumi-nodejs:dynamic:Resource`; logical name e.g. `stripe-webhook`.
 * Outputs: `endpointId`, `secret` (secret), `status`, and the inputs.
 */
export class StripeWebhookEndpoint extends DynamicResource {
    // `declare`: with ES2022 class fields a plain field would be reset to undefined after super()
    // has set it up as an output.
    /** Stripe's id for the endpoint. @example "we_1Nq2…" */
    declare public readonly endpointId: pulumi.Output<string>;
    /** The signing secret (`whsec_…`), secret: the apps verify `Stripe-Signature` with it. */
    declare public readonly secret: pulumi.Output<string>;
    /** `enabled`, or `disabled` once Stripe turned the endpoint off after failed deliveries. */
    declare public readonly status: pulumi.Output<string>;
    /** The URL Stripe posts to. */
    declare public readonly url: pulumi.Output<string>;
    /** The API version its events are rendered in. */
    declare public readonly apiVersion: pulumi.Output<string>;

    constructor(name: string, args: StripeWebhookEndpointArgs, opts?: pulumi.CustomResourceOptions) {
        super(stripeWebhookProvider, name, {
            url: args.url,
            enabledEvents: args.enabledEvents,
            description: args.description,
            apiVersion: args.apiVersion,
            apiKey: pulumi.secret(args.apiKey),
            expectedMode: args.mode,
            connect: args.connect ?? false,
            createDisabled: true,
            providerVersion: STRIPE_PROVIDER_VERSION,
            // Two stacks (or two endpoints in one) with the same url and events must not share a
            // create idempotency key.
            idempotencySalt: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
            endpointId: undefined,
            secret: undefined,
            status: undefined,
        }, {
            ...opts,
            // The API key is kept in the state (delete and refresh only get the state): secret too.
            additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), "secret", "apiKey"])],
        });
    }
}

export interface StripeWebhookActivationArgs {
    /**
     * The endpoint to enable.
     * @default none (required)
     * @example webhook
     */
    endpoint: StripeWebhookEndpoint;
    /**
     * The same key as the endpoint's (`groundwork:stripeSecretKey`); stored as a secret.
     * @default none (required)
     * @example pulumi.secret("sk_live_…")
     */
    apiKey: pulumi.Input<string>;
    /**
     * The key mode this stack needs.
     * @default undefined (any mode)
     * @example "live"
     */
    mode?: "live" | "test";
}

/**
 * Enables a webhook endpoint that was created disabled, and keeps it enabled (a refresh finds an
 * endpoint Stripe disabled after failed deliveries, and the next `up` enables it again). Give it
 * `dependsOn` the service that answers the route: Stripe starts delivering only once it runs.
 */
export class StripeWebhookActivation extends DynamicResource {
    /** Whether Stripe has the endpoint enabled (as of the last create, update or refresh). */
    declare public readonly enabled: pulumi.Output<boolean>;

    constructor(name: string, args: StripeWebhookActivationArgs, opts?: pulumi.CustomResourceOptions) {
        super(stripeWebhookActivationProvider, name, {
            endpointId: args.endpoint.endpointId,
            apiVersion: args.endpoint.apiVersion,
            apiKey: pulumi.secret(args.apiKey),
            expectedMode: args.mode,
            providerVersion: STRIPE_PROVIDER_VERSION,
            enabled: undefined,
        }, { ...opts, additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), "apiKey"])] });
    }
}
