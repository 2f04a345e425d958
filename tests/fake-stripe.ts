/**
 * A local stand-in for the part of the Stripe API the webhook provider uses, so the real `stripe`
 * SDK can be exercised offline: `POST /v1/webhook_endpoints` (form-encoded), `GET`, `POST` and
 * `DELETE /v1/webhook_endpoints/:id`, Bearer auth, `Idempotency-Key` replay (with
 * `Idempotent-Replayed: true`, and `idempotency_error` when a key is reused with other
 * parameters), and Stripe-shaped errors `{ error: { type, code, message } }`.
 *
 * Faults are queued: the next N matching requests get a 500, 429 or 401 instead; a `commit`
 * fault first performs the request (as if Stripe did the work and the answer was lost) and then
 * answers 500. Every request is logged. Loopback only, bounded (body size, endpoint count), and
 * `close()` ends open keep-alive connections.
 */
import { randomBytes } from "crypto";
import * as http from "http";
import Stripe from "stripe";
import { serveOnLoopback } from "./loopback-server";
import { STRIPE_API_BASE_ENV, WebhookInputs } from "../components/edge/stripe-provider";

export interface FakeEndpoint {
    id: string;
    object: "webhook_endpoint";
    api_version: string | null;
    application: null;
    created: number;
    description: string | null;
    enabled_events: string[];
    livemode: boolean;
    metadata: Record<string, string>;
    secret?: string;
    status: "enabled" | "disabled";
    url: string;
    /** Not part of Stripe's object: the fake records that the create asked for a Connect endpoint. */
    connect?: boolean;
}

export interface Fault {
    status: 500 | 429 | 401;
    /** How many matching requests get it. @default 1 */
    times?: number;
    /** Only requests with this method. */
    method?: "GET" | "POST" | "DELETE";
    /** Perform the request, then answer 500 anyway (a response lost after Stripe committed it). */
    commit?: boolean;
    /** Send `Stripe-Should-Retry` with this value. */
    shouldRetry?: boolean;
}

export interface LoggedRequest {
    method: string;
    path: string;
    status: number;
    idempotencyKey?: string;
    stripeVersion?: string;
    replayed: boolean;
}

export interface FakeStripe {
    /** `http://127.0.0.1:<port>`: the value for GROUNDWORK_STRIPE_API_BASE. */
    readonly url: string;
    /** Endpoints that exist now, by id. */
    readonly endpoints: Map<string, FakeEndpoint>;
    /** Every signing secret ever issued (to prove none is printed). */
    readonly issuedSecrets: string[];
    readonly requests: LoggedRequest[];
    /** Queues a fault for the next matching requests. */
    inject(fault: Fault): void;
    /** Forgets endpoints, idempotency records, faults and the request log. */
    reset(): void;
    close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
/** Stripe's cap: "You can register up to 16 webhook endpoints on each Stripe account" (docs.stripe.com/development/dashboard/webhooks). */
export const MAX_ENDPOINTS = 16;
const MAX_LOG = 10_000;

/** Starts the fake on 127.0.0.1 with a random port. Requests must carry one of `apiKeys`. */
export async function startFakeStripe(opts: { apiKeys: string[] }): Promise<FakeStripe> {
    const endpoints = new Map<string, FakeEndpoint>();
    const idempotent = new Map<string, { body: string; status: number; response: string }>();
    const faults: (Fault & { left: number })[] = [];
    const issuedSecrets: string[] = [];
    const requests: LoggedRequest[] = [];
    const rand = (n: number) => randomBytes(n).toString("hex");

    const server = await serveOnLoopback(MAX_BODY, (req, res, body) => {
        const method = req.method ?? "GET";
        const path = (req.url ?? "/").split("?")[0];
        const idempotencyKey = header(req, "idempotency-key");
        const log: LoggedRequest = { method, path, status: 0, idempotencyKey, stripeVersion: header(req, "stripe-version"), replayed: false };
        if (requests.length < MAX_LOG) requests.push(log);
        const send = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
            log.status = status;
            const text = typeof payload === "string" ? payload : JSON.stringify(payload);
            res.writeHead(status, { "Content-Type": "application/json", "Request-Id": `req_${rand(7)}`, ...extra });
            res.end(text);
            return text;
        };
        const error = (status: number, type: string, message: string, code?: string, extra?: Record<string, string>) =>
            send(status, { error: { type, message, ...(code ? { code } : {}) } }, extra);

        // Faults first, like an overloaded or failing API would.
        const fault = faults.find((f) => f.left > 0 && (!f.method || f.method === method));
        if (fault && !fault.commit) {
            fault.left--;
            const extra: Record<string, string> = fault.shouldRetry === undefined ? {} : { "Stripe-Should-Retry": String(fault.shouldRetry) };
            if (fault.status === 401) return void error(401, "invalid_request_error", `Invalid API Key provided: ${masked(bearer(req))}`, undefined, extra);
            if (fault.status === 429) return void error(429, "invalid_request_error", "Too many requests hit the API too quickly.", "rate_limit", extra);
            return void error(500, "api_error", "An unknown error occurred", undefined, extra);
        }

        const key = bearer(req);
        if (!key || !opts.apiKeys.includes(key)) {
            return void error(401, "invalid_request_error", `Invalid API Key provided: ${masked(key)}`);
        }

        if (method === "POST" && idempotencyKey) {
            const seen = idempotent.get(idempotencyKey);
            if (seen) {
                if (seen.body !== body) {
                    return void error(400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with.");
                }
                log.replayed = true;
                return void send(seen.status, seen.response, { "Idempotent-Replayed": "true", "Idempotency-Key": idempotencyKey });
            }
        }

        const [status, payload] = route(method, path, body, key);
        if (fault?.commit) {
            // The work is done and remembered; the caller only sees a failure.
            fault.left--;
            const text = JSON.stringify(payload);
            if (method === "POST" && idempotencyKey) idempotent.set(idempotencyKey, { body, status, response: text });
            return void error(500, "api_error", "An unknown error occurred");
        }
        const text = send(status, payload, idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {});
        if (method === "POST" && idempotencyKey && status < 500) idempotent.set(idempotencyKey, { body, status, response: text });
    });

    function route(method: string, path: string, body: string, key: string): [number, unknown] {
        const missing = (id: string): [number, unknown] => [404, { error: { type: "invalid_request_error", code: "resource_missing", param: "id", message: `No such webhook endpoint: '${id}'` } }];
        const bad = (param: string, message: string): [number, unknown] => [400, { error: { type: "invalid_request_error", code: "parameter_invalid", param, message } }];
        const form = parseForm(body);
        if (path === "/v1/webhook_endpoints" && method === "POST") {
            if (!form.url || !/^https:\/\//.test(form.url)) return bad("url", "Invalid URL: must be https");
            if (form.enabled_events.length === 0) return bad("enabled_events", "Missing required param: enabled_events.");
            if (endpoints.size >= MAX_ENDPOINTS) return bad("url", "Too many webhook endpoints");
            const secret = `whsec_${rand(16)}`;
            issuedSecrets.push(secret);
            const ep: FakeEndpoint = {
                id: `we_${rand(12)}`, object: "webhook_endpoint", api_version: form.api_version ?? null, application: null,
                created: Math.floor(Date.now() / 1000), description: form.description ?? null, enabled_events: form.enabled_events,
                livemode: key.startsWith("sk_live_") || key.startsWith("rk_live_"), metadata: {}, status: "enabled", url: form.url,
                ...(form.connect === "true" ? { connect: true } : {}),
            };
            endpoints.set(ep.id, ep);
            return [200, { ...ep, secret }];
        }
        const m = /^\/v1\/webhook_endpoints\/([A-Za-z0-9_]+)$/.exec(path);
        if (m) {
            const ep = endpoints.get(m[1]);
            if (!ep) return missing(m[1]);
            if (method === "GET") return [200, ep];
            if (method === "DELETE") {
                endpoints.delete(ep.id);
                return [200, { id: ep.id, object: "webhook_endpoint", deleted: true }];
            }
            if (method === "POST") {
                if (form.url !== undefined) {
                    if (!/^https:\/\//.test(form.url)) return bad("url", "Invalid URL: must be https");
                    ep.url = form.url;
                }
                if (form.enabled_events.length > 0) ep.enabled_events = form.enabled_events;
                if (form.description !== undefined) ep.description = form.description || null;
                if (form.disabled !== undefined) ep.status = form.disabled === "true" ? "disabled" : "enabled";
                if (form.api_version !== undefined) return bad("api_version", "Received unknown parameter: api_version");
                return [200, ep];
            }
        }
        return [404, { error: { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path})` } }];
    }

    return {
        url: server.url,
        endpoints,
        issuedSecrets,
        requests,
        inject(fault) { faults.push({ ...fault, left: fault.times ?? 1 }); },
        reset() {
            endpoints.clear();
            idempotent.clear();
            faults.length = 0;
            requests.length = 0;
        },
        close: () => server.close(),
    };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
}

function bearer(req: http.IncomingMessage): string {
    return /^Bearer (.+)$/.exec(header(req, "authorization") ?? "")?.[1] ?? "";
}

/** Stripe's style: `sk_test_****abcd`. */
function masked(key: string): string {
    const m = /^((?:sk|rk)_(?:live|test)_)/.exec(key);
    return m ? `${m[1]}****${key.slice(-4)}` : "****";
}

/** Stripe's form encoding: `url=…&enabled_events[0]=a&enabled_events[1]=b&description=…`. */
interface Form { url?: string; description?: string; api_version?: string; connect?: string; disabled?: string; enabled_events: string[] }
function parseForm(body: string): Form {
    const params = new URLSearchParams(body);
    const out: Form = { enabled_events: [] };
    const events: [number, string][] = [];
    for (const [k, v] of params) {
        const ev = /^enabled_events\[(\d*)\]$/.exec(k);
        if (ev) events.push([ev[1] === "" ? events.length : Number(ev[1]), v]);
        else if (k === "url" || k === "description" || k === "api_version" || k === "connect" || k === "disabled") out[k] = v;
    }
    out.enabled_events = events.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
    return out;
}

/**
 * Mocha hooks for a suite that drives the Stripe providers: starts the fake before the suite,
 * points the providers at it (GROUNDWORK_STRIPE_API_BASE), forgets its state before each test,
 * and restores the variable and stops the fake after. Returns a getter for the running fake.
 */
export function useFakeStripe(apiKeys: string[]): () => FakeStripe {
    const ENV = STRIPE_API_BASE_ENV;
    let fake: FakeStripe | undefined;
    let savedBase: string | undefined;
    // The SDK waits at least 0.5 s before each retry (its own constant, read through these two
    // methods of the client). The suites check which requests are retried and with which
    // idempotency keys, not how long the SDK waits: against the fake, the backoff is 10-20 ms.
    const client = Object.getPrototypeOf(new Stripe("sk_test_backoff")) as
        { getInitialNetworkRetryDelay(): number; getMaxNetworkRetryDelay(): number };
    const backoff = { initial: client.getInitialNetworkRetryDelay, max: client.getMaxNetworkRetryDelay };
    before(async () => {
        fake = await startFakeStripe({ apiKeys });
        savedBase = process.env[ENV];
        process.env[ENV] = fake.url;
        client.getInitialNetworkRetryDelay = () => 0.01;
        client.getMaxNetworkRetryDelay = () => 0.02;
    });
    after(async () => {
        if (savedBase === undefined) delete process.env[ENV];
        else process.env[ENV] = savedBase;
        client.getInitialNetworkRetryDelay = backoff.initial;
        client.getMaxNetworkRetryDelay = backoff.max;
        await fake?.close();
    });
    beforeEach(() => fake?.reset());
    return () => {
        if (!fake) throw new Error("useFakeStripe: the fake starts in the suite's before hook");
        return fake;
    };
}

/** A staging webhook endpoint's provider inputs for `apiKey`, with `over` on top. */
export function webhookInputs(apiKey: string, over: Partial<WebhookInputs> = {}): WebhookInputs {
    return {
        url: "https://api.staging.example.com/api/v1/webhooks/stripe",
        enabledEvents: ["checkout.session.completed", "invoice.paid"],
        description: "groundwork staging",
        apiVersion: "2026-10-28.endive",
        apiKey,
        expectedMode: "test",
        idempotencySalt: "groundwork/staging/stripe-webhook",
        ...over,
    };
}
