/**
 * The edge in the whole program's graph, per stack: the Vercel project, its variables and domain,
 * the Cloudflare records and zone settings, and the Stripe webhook resource.
 */
import { strict as assert } from "assert";
import { VERCEL_US_REGIONS } from "../components/config/defaults";
import { VERCEL_APEX_IP, VERCEL_CNAME } from "../components/edge/dns";
import { SECRET_LOOKING_ENV_NAME } from "../components/edge/frontend";
import { PlanRecord, RecordedResource, registered } from "../tools/engine";
import { PROD_APEX_UNRELEASED, PROD_API_HOST_AND_RECORDS, PROXIED_WITH_ENDPOINTS, STAGING_WEB_KEYS, byType, goodPlan, one, plan, problemKeys } from "./harness";

const PROJECT = "vercel:index/project:Project";
const ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable";
const DOMAIN = "vercel:index/projectDomain:ProjectDomain";
const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const SETTING = "cloudflare:index/zoneSetting:ZoneSetting";
const WEBHOOK = "pulumi-nodejs:dynamic:Resource";
const ALB = "aws:lb/loadBalancer:LoadBalancer";

const DOMAINS: Record<string, string> = { prod: "example.com", staging: "staging.example.com" };

const record = (r: PlanRecord, host: string): RecordedResource | undefined => byType(r, RECORD).find((x) => x.inputs.name === host);
const settings = (r: PlanRecord) => Object.fromEntries(byType(r, SETTING).map((s) => [s.inputs.settingId as string, s.inputs.value]));

describe("the edge", () => {
    for (const stack of ["staging", "prod"]) {
        const domain = DOMAINS[stack];
        describe(`${stack}`, () => {
            it("runs Vercel functions only in US regions", async () => {
                const r = await goodPlan(stack);
                const projects = byType(r, PROJECT);
                assert.equal(projects.length, 1);
                for (const p of projects) {
                    const regions = (p.inputs.resourceConfig as { functionDefaultRegions?: string[] } | undefined)?.functionDefaultRegions ?? [];
                    assert.ok(regions.length > 0, "regions are pinned explicitly");
                    for (const region of regions) assert.ok((VERCEL_US_REGIONS as readonly string[]).includes(region), `${region} is not a US region`);
                    assert.equal(p.inputs.serverlessFunctionRegion, undefined, "the deprecated field is not used");
                    assert.equal(p.inputs.functionFailover, false, "failover could leave the US");
                }
            });

            it("creates a Next.js project with an explicit per-stack name, fork protection and protected source maps", async () => {
                const p = one(await goodPlan(stack), PROJECT);
                assert.equal(p.name, "web-project");
                assert.equal(p.inputs.name, `groundwork-${stack}`);
                assert.equal(p.inputs.framework, "nextjs");
                assert.equal(p.inputs.rootDirectory, "apps/web");
                assert.deepEqual(p.inputs.gitRepository, { type: "github", repo: "acme/acme-app", productionBranch: "main" });
                assert.equal(p.inputs.gitForkProtection, true);
                assert.equal(p.inputs.protectedSourcemaps, true);
                assert.equal(p.inputs.automaticallyExposeSystemEnvironmentVariables, false);
            });

            it("sets NEXT_PUBLIC_API_URL to the stack's API, not sensitive, for the targets the project deploys (prod builds no previews)", async () => {
                const r = await goodPlan(stack);
                const v = byType(r, ENV_VAR).find((x) => x.inputs.key === "NEXT_PUBLIC_API_URL");
                assert.ok(v, "NEXT_PUBLIC_API_URL is set");
                assert.equal(v.inputs.value, `https://api.${domain}/api/v1`);
                assert.equal(v.inputs.sensitive, false);
                assert.deepEqual(v.inputs.targets, stack === "prod" ? ["production"] : ["production", "preview"]);
                assert.equal(v.inputs.projectId, one(r, PROJECT).state.id, "on this stack's project");
            });

            it("sets `sensitive` explicitly on every variable, and true for any secret-looking name", async () => {
                for (const v of byType(await goodPlan(stack), ENV_VAR)) {
                    assert.equal(typeof v.inputs.sensitive, "boolean", `${v.inputs.key} has sensitive set`);
                    if (SECRET_LOOKING_ENV_NAME.test(String(v.inputs.key))) assert.equal(v.inputs.sensitive, true, `${v.inputs.key} is sensitive`);
                    if (v.inputs.sensitive) assert.ok(v.secretInputs.includes("value"), `${v.inputs.key}'s value is a secret`);
                }
            });

            it(`attaches app.${domain} to the project`, async () => {
                const r = await goodPlan(stack);
                const d = one(r, DOMAIN);
                assert.equal(d.inputs.domain, `app.${domain}`);
                assert.equal(d.inputs.projectId, one(r, PROJECT).state.id);
            });

            it("points app.<domain> at Vercel, unproxied", async () => {
                const r = await goodPlan(stack);
                const app = record(r, `app.${domain}`);
                assert.ok(app, "the app record exists");
                assert.equal(app.name, "dns-app");
                assert.equal(app.inputs.type, "CNAME");
                assert.equal(app.inputs.content, "cname.vercel-dns.com");
                assert.equal(app.inputs.proxied, false);
                assert.equal(app.inputs.ttl, 300);
            });

            it("points api.<domain> at the load balancer's DNS name", async () => {
                const r = await goodPlan(stack);
                const api = record(r, `api.${domain}`);
                assert.ok(api, "the api record exists");
                assert.equal(api.inputs.type, "CNAME");
                assert.equal(api.inputs.content, one(r, ALB).state.dnsName);
                assert.equal(api.inputs.proxied, false, "apiProxied defaults to false");
                assert.equal(api.inputs.ttl, 300);
            });

            it("puts every DNS record in the configured zone, with a comment", async () => {
                const r = await goodPlan(stack);
                const zones = new Set(byType(r, RECORD).map((x) => x.inputs.zoneId));
                assert.equal(zones.size, 1);
                for (const x of byType(r, RECORD).filter((x) => x.name.startsWith("dns-"))) assert.ok(x.inputs.comment);
            });

            it("registers the Stripe webhook endpoint with the API's webhook URL, a secret key and a secret signing secret", async () => {
                const r = await goodPlan(stack);
                const w = one(r, WEBHOOK, "stripe-webhook");
                assert.equal(w.inputs.url, `https://api.${domain}/api/v1/webhooks/stripe`);
                assert.ok(w.options.additionalSecretOutputs.includes("secret"));
                assert.ok(w.options.additionalSecretOutputs.includes("apiKey"), "the key kept in state is secret too");
                assert.ok(w.secretInputs.includes("apiKey"), "apiKey is a secret input");
                assert.equal(w.inputs.apiVersion, "2026-10-28.endive");
                assert.equal(w.inputs.expectedMode, stack === "prod" ? "live" : "test");
                assert.ok((w.inputs.enabledEvents as string[]).includes("checkout.session.completed"));
                assert.equal(w.inputs.idempotencySalt, `groundwork/${stack}/stripe-webhook`);
                assert.equal(typeof w.inputs.__provider, "string", "the provider travels in the state");
                assert.ok(!String(w.inputs.__provider).includes(r.config["groundwork:stripeSecretKey"].value), "and holds no key");
            });

            it("hands the signing secret to the apps only as a secret", async () => {
                const r = await goodPlan(stack);
                assert.equal(r.outputs.stripeWebhookUrl?.value, `https://api.${domain}/api/v1/webhooks/stripe`);
                assert.equal(r.outputs.apiEnv?.secret, true);
                const whsec = String(one(r, WEBHOOK, "stripe-webhook").state.secret);
                assert.match(whsec, /^whsec_/);
                const holders = r.resources.filter((x) => x.type !== WEBHOOK && JSON.stringify(x.inputs).includes(whsec));
                // It reaches other resources (the apps' Secrets Manager secret) only as a secret input.
                for (const x of holders) assert.ok(x.secretInputs.length > 0, `${x.type} ${x.name} holds the signing secret in a plain input`);
            });
        });
    }

    describe("zone settings (zone-wide, so opt-in)", () => {
        it("are left alone by default: DNS-only hosts are protected by their origins, not by zone settings", async () => {
            for (const stack of ["staging", "prod"]) assert.deepEqual(byType(await goodPlan(stack), SETTING), [], stack);
        });

        it("are managed by the stack groundwork:zoneSettingsStack names, and only there: SSL strict, HTTPS only, TLS >= 1.2, TLS 1.3, HTTPS rewrites; never HSTS", async () => {
            const prod = await goodPlan("prod", { "groundwork:zoneSettingsStack": "prod" });
            const s = settings(prod);
            assert.deepEqual(Object.keys(s).sort(), ["always_use_https", "automatic_https_rewrites", "min_tls_version", "ssl", "tls_1_3"]);
            assert.equal(s.ssl, "strict");
            assert.equal(s.always_use_https, "on");
            assert.equal(s.min_tls_version, "1.2");
            assert.equal(s.tls_1_3, "on");
            assert.equal(s.automatic_https_rewrites, "on");
            assert.equal(s.security_header, undefined, "HSTS zone-wide would pin HTTPS on every subdomain of the zone for a year");
            assert.equal(STAGING_WEB_KEYS["groundwork:zoneSettingsStack"], "prod");
            assert.deepEqual(byType(await goodPlan("staging", STAGING_WEB_KEYS), SETTING), []);
        });
    });

    describe("the API through Cloudflare's proxy (groundwork:apiProxied)", () => {
        it("proxies the API host with an automatic TTL and keeps the web host unproxied", async () => {
            const r = await goodPlan("prod", PROXIED_WITH_ENDPOINTS);
            const api = record(r, "api.example.com");
            assert.ok(api);
            assert.equal(api.inputs.proxied, true);
            assert.equal(api.inputs.ttl, 1);
            assert.equal(record(r, "app.example.com")?.inputs.proxied, false);
        });

        it("fails before the API record exists when the zone's SSL mode would not verify the load balancer (Flexible loops on its redirect)", async () => {
            const r = await plan("prod", { "groundwork:apiProxied": true }, { world: { zoneSsl: "flexible" } });
            assert.match(r.error ?? "", /groundwork:apiProxied: the zone's SSL mode is "flexible"/);
            assert.equal(byType(r, RECORD).filter((x) => x.inputs.name === "api.example.com").length, 0);
            // Owning the zone's settings sets strict itself, so the zone's current mode does not matter.
            const owned = await goodPlan("prod", { "groundwork:apiProxied": true, "groundwork:zoneSettingsStack": "prod" }, { world: { zoneSsl: "flexible" } });
            assert.equal(settings(owned).ssl, "strict");
        });

        it("refuses a host two levels below the zone, which Cloudflare's Universal SSL certificate does not cover", async () => {
            // Without previews, whose DNS-only hosts cannot sit behind a proxied load balancer either (tests/preview-base.test.ts).
            const r = await plan("staging", { "groundwork:apiProxied": true, "groundwork:previews": false });
            assert.deepEqual(problemKeys(r), ["groundwork:apiProxied"]);
            assert.match(r.problems[0].message, /api\.staging\.example\.com.*Universal SSL/);
            assert.equal(registered(r).length, 0);
        });
    });

    describe("host names", () => {
        it("serves the web app at the bare domain with www redirecting to it: an A record at the apex, a CNAME for www, a 308 in Vercel", async () => {
            const r = await goodPlan("prod", PROD_APEX_UNRELEASED);
            const apex = record(r, "example.com");
            assert.equal(apex?.inputs.type, "A");
            assert.equal(apex?.inputs.content, VERCEL_APEX_IP);
            assert.equal(record(r, "www.example.com")?.inputs.content, VERCEL_CNAME);
            const domains = byType(r, DOMAIN);
            assert.deepEqual(domains.map((d) => [d.inputs.domain, d.inputs.redirect, d.inputs.redirectStatusCode]).sort(),
                [["example.com", undefined, undefined], ["www.example.com", "example.com", 308]]);
            const api = r.outputs.apiEnv.value as Record<string, string>;
            assert.deepEqual(api.ALLOWED_ORIGINS.split(","), ["https://example.com", "https://groundwork-prod.vercel.app"]);
            assert.equal(r.outputs.appUrl.value, "https://example.com");
        });

        it("takes the API host label, base path and the web app's API variable name from config", async () => {
            const r = await goodPlan("prod", PROD_API_HOST_AND_RECORDS);
            const host = `${PROD_API_HOST_AND_RECORDS["groundwork:apiHost"]}.example.com`;
            assert.equal(host.length, 63 + ".example.com".length);
            assert.equal(r.outputs.apiUrl.value, `https://${host}`);
            assert.equal(r.outputs.healthUrl.value, `https://${host}/health`);
            assert.equal(r.outputs.stripeWebhookUrl.value, `https://${host}/webhooks/stripe`);
            const vars = byType(r, ENV_VAR).map((v) => [v.inputs.key, v.inputs.value]);
            assert.deepEqual(vars, [["VITE_API_URL", `https://${host}`]]);
            assert.ok(record(r, host));
            assert.equal(record(r, "api.example.com"), undefined);
        });

        it("refuses an API label that is also a web host, and a redirect host equal to the web host", async () => {
            assert.deepEqual(problemKeys(await plan("prod", { "groundwork:apiHost": "app" })), ["groundwork:apiHost"]);
            assert.deepEqual(problemKeys(await plan("prod", { "groundwork:webRedirectHosts": ["app"] })), ["groundwork:webRedirectHosts"]);
        });
    });

    it("adds extra public web settings from config as plain variables", async () => {
        const r = await goodPlan("staging", STAGING_WEB_KEYS);
        const v = byType(r, ENV_VAR).find((x) => x.inputs.key === "NEXT_PUBLIC_POSTHOG_HOST");
        assert.ok(v);
        assert.equal(v.name, "web-env-next-public-posthog-host");
        assert.equal(v.inputs.value, "https://us.i.posthog.com");
        assert.equal(v.inputs.sensitive, false);
    });

    it("refuses a credential-looking web setting before anything is registered", async () => {
        const r = await plan("staging", { "groundwork:webEnv": ["NEXT_PUBLIC_SERVICE_TOKEN=abc"] });
        assert.deepEqual(problemKeys(r), ["groundwork:webEnv"]);
        assert.equal(registered(r).length, 0);
    });

    it("refuses a non-US Vercel region naming the key", async () => {
        const r = await plan("prod", { "groundwork:vercelRegions": ["fra1"] });
        assert.deepEqual(problemKeys(r), ["groundwork:vercelRegions"]);
    });

    it("treats names that may hold credentials as secret-looking", () => {
        for (const k of ["STRIPE_SECRET_KEY", "NEXT_PUBLIC_SERVICE_TOKEN", "SENTRY_DSN", "DB_PASSWORD", "API_KEY", "PRIVATE_X"]) assert.ok(SECRET_LOOKING_ENV_NAME.test(k), k);
        for (const k of ["NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_POSTHOG_HOST", "LOG_LEVEL"]) assert.ok(!SECRET_LOOKING_ENV_NAME.test(k), k);
    });

    describe("staging and prod", () => {
        /** Names that identify a thing outside Pulumi: explicit `name`s, the webhook URL, the custom domain. */
        const physicalNames = (r: PlanRecord) => {
            const names = new Map<string, string>();
            for (const x of r.resources) {
                if (x.type.startsWith("pulumi:")) continue;
                if (typeof x.inputs.name === "string") names.set(`name:${x.inputs.name}`, `${x.type} ${x.name}`);
                if (x.type === WEBHOOK && x.name === "stripe-webhook") names.set(`url:${x.inputs.url}`, `${x.type} ${x.name}`);
                if (x.type === DOMAIN) names.set(`domain:${x.inputs.domain}`, `${x.type} ${x.name}`);
            }
            return names;
        };

        it("share no physical name (Vercel project, Secrets Manager secret, webhook URL, DNS names, ...)", async () => {
            const staging = physicalNames(await goodPlan("staging"));
            const prod = physicalNames(await goodPlan("prod"));
            for (const must of ["name:groundwork-staging", "name:app.staging.example.com", "name:api.staging.example.com",
                "url:https://api.staging.example.com/api/v1/webhooks/stripe", "domain:app.staging.example.com"]) {
                assert.ok(staging.has(must), `staging has ${must}`);
            }
            assert.ok([...staging.keys()].some((k) => k.startsWith("name:groundwork-staging/")), "the Secrets Manager secret is named per stack");
            const shared = [...staging.keys()].filter((k) => prod.has(k)).map((k) => `${k} (${staging.get(k)})`);
            assert.deepEqual(shared, []);
        });

        it("use different webhook idempotency salts", async () => {
            const a = one(await goodPlan("staging"), WEBHOOK, "stripe-webhook").inputs.idempotencySalt;
            const b = one(await goodPlan("prod"), WEBHOOK, "stripe-webhook").inputs.idempotencySalt;
            assert.notEqual(a, b);
        });
    });
});
