/**
 * The edge parts: host names and URLs, the Vercel frontend, Stripe, and the Cloudflare zone.
 */
import type { ResolveContext } from "./config";
import { secretLookingValue } from "../../policies/tables";
import { VERCEL_NODE_VERSIONS, VERCEL_RETIRED_NODE_VERSIONS, VERCEL_US_REGIONS } from "./defaults";
import { resolveDnsRecords } from "./parts-dns";
import { parseAssignments } from "./parts-env";
import type { FrontendConfig, GroundworkConfig, StripeConfig } from "./types";

/** `app` + `example.com` → `app.example.com`; `@` is the domain itself. */
export function hostName(label: string, domain: string): string {
    return label === "@" ? domain : `${label}.${domain}`;
}

interface Edge {
    hosts: GroundworkConfig["hosts"];
    urls: GroundworkConfig["urls"];
    frontend: FrontendConfig | undefined;
    stripe: StripeConfig | undefined;
    cloudflare: GroundworkConfig["cloudflare"];
    dnsRecords: GroundworkConfig["dnsRecords"];
}

export function resolveEdge(ctx: ResolveContext, parts: { api: boolean }): Edge {
    const { v } = ctx;
    const domain = v.domain;
    const web = v.frontend ? hostName(v.webHost, domain) : undefined;
    const api = parts.api ? hostName(v.apiHost, domain) : undefined;
    const webRedirects = v.frontend && ctx.ok("webRedirectHosts") ? v.webRedirectHosts.map((l) => hostName(l, domain)) : [];
    if (ctx.ok("webHost", "webRedirectHosts", "apiHost")) {
        if (v.webRedirectHosts.includes(v.webHost)) ctx.report("webRedirectHosts", `holds "${v.webHost}", the web app's own host (groundwork:webHost); list only the hosts that redirect to it`);
        if (new Set(v.webRedirectHosts).size !== v.webRedirectHosts.length) ctx.report("webRedirectHosts", "lists a host twice");
        if (parts.api && (v.webHost === v.apiHost || v.webRedirectHosts.includes(v.apiHost))) {
            ctx.report("apiHost", `"${v.apiHost}" is also a web host (groundwork:webHost/webRedirectHosts); give the API its own label`);
        }
    }
    if (!v.frontend) {
        for (const key of WEB_ONLY_KEYS) {
            if (ctx.ok(key) && v[key].length > 0) ctx.report(key, "is set but groundwork:frontend is false; remove it or set frontend: true");
        }
    }
    const apiOrigin = api ? `https://${api}` : undefined;
    const urls = {
        web: web ? `https://${web}` : undefined,
        api: apiOrigin ? `${apiOrigin}${v.apiBasePath}` : undefined,
        health: apiOrigin ? `${apiOrigin}${v.healthCheckPath}` : undefined,
    };
    if (ctx.ok("domain", "cloudflareZone") && !(domain === v.cloudflareZone || domain.endsWith(`.${v.cloudflareZone}`))) {
        ctx.report("cloudflareZone", `"${v.cloudflareZone}" does not contain groundwork:domain "${domain}"; the zone must be the domain or a parent of it`);
    }
    // Cloudflare's Universal SSL certificate covers the zone and one level below it (*.example.com):
    // a proxied api.staging.example.com would get no edge certificate and fail TLS at Cloudflare.
    if (api && v.apiProxied && ctx.ok("cloudflareZone", "domain") && api.split(".").length - v.cloudflareZone.split(".").length > 1) {
        ctx.report("apiProxied", `cannot proxy ${api}: it is two or more levels below the zone ${v.cloudflareZone}, and Cloudflare's ` +
            "Universal SSL certificate covers only the zone and one level below it. Leave apiProxied false for this stack " +
            "(the ALB's own certificate serves it), or order an Advanced Certificate for it in Cloudflare first", false);
    }
    const hosts = { web, webRedirects, api };
    const frontend = resolveFrontend(ctx, urls.api);
    return {
        hosts,
        urls,
        frontend,
        stripe: resolveStripe(ctx, { api: apiOrigin, web: urls.web, apiBasePath: v.apiBasePath, frontend: !!web }),
        cloudflare: {
            zoneName: v.cloudflareZone, zoneId: v.cloudflareZoneId,
            manageZoneSettings: !!v.zoneSettingsStack && v.zoneSettingsStack === ctx.stack,
        },
        dnsRecords: resolveDnsRecords(ctx, { hosts, zone: v.cloudflareZone, vercelVerification: !!frontend?.verifyDomains }),
    };
}

/** List keys that only make sense with a web app: reported when set without one. */
const WEB_ONLY_KEYS = ["webEnv", "webEnvAliases"] as const;

function resolveFrontend(ctx: ResolveContext, apiUrl: string | undefined): FrontendConfig | undefined {
    const { v } = ctx;
    if (!v.frontend) {
        if (ctx.ok("webRef") && v.webRef) ctx.report("webRef", "is set but groundwork:frontend is false; remove it or set frontend: true");
        return undefined;
    }
    for (const r of ctx.ok("vercelRegions") ? v.vercelRegions : []) {
        if (!(VERCEL_US_REGIONS as readonly string[]).includes(r)) {
            ctx.report("vercelRegions", `"${r}" is not a US Vercel region; use ${VERCEL_US_REGIONS.join(", ")}`);
        }
    }
    const apiUrlVariable = apiUrl && v.webApiUrlVariable ? v.webApiUrlVariable : undefined;
    const env = ctx.ok("webEnv")
        ? parseAssignments(ctx, "webEnv", v.webEnv, { reserved: apiUrlVariable ? [apiUrlVariable] : [], secretHint: "webSecrets", rule: "public" })
        : {};
    const release = resolveRelease(ctx);
    const secretTargets = ctx.ok("webSecretTargets") ? v.webSecretTargets.filter((t) => t !== "preview" || release.previews) : ["production" as const];
    if (secretTargets.length === 0) {
        ctx.report("webSecretTargets", `names only preview, but this stack builds no previews (${ctx.profile === "prod" ? "prod never does" : "webRelease stack"}); use ["production"]`);
    }
    return {
        team: v.vercelTeam, projectName: v.vercelProjectName, regions: v.vercelRegions, rootDirectory: v.vercelRootDirectory,
        gitRepository: v.vercelGitRepository,
        build: resolveBuild(ctx),
        release,
        verifyDomains: v.vercelDomainVerification,
        env: { ...(apiUrlVariable && apiUrl ? { [apiUrlVariable]: apiUrl } : {}), ...env },
        apiUrlVariable,
        secretTargets,
    };
}

/** Vercel's project settings: framework preset, install and build commands, output directory, Node.js version. */
function resolveBuild(ctx: ResolveContext): FrontendConfig["build"] {
    const { v } = ctx;
    for (const key of ["vercelInstallCommand", "vercelBuildCommand"] as const) {
        const looks = ctx.ok(key) ? secretLookingValue(v[key]) : undefined;
        // The commands are project settings, readable by every team member: a credential goes in webSecrets.
        if (looks) ctx.report(key, `holds ${looks}; a build reads credentials from its environment (groundwork:webSecrets), not from the command (the value is not shown)`);
    }
    const node = v.vercelNodeVersion;
    if (node && ctx.ok("vercelNodeVersion")) {
        const retired = VERCEL_RETIRED_NODE_VERSIONS[node];
        if (retired) ctx.report("vercelNodeVersion", `Vercel stopped building with Node.js ${node} on ${retired}; use ${VERCEL_NODE_VERSIONS.join(" or ")}`);
        else if (!(VERCEL_NODE_VERSIONS as readonly string[]).includes(node)) ctx.report("vercelNodeVersion", `"${node}" is not a Node.js version Vercel builds with; use ${VERCEL_NODE_VERSIONS.join(" or ")}`);
    }
    return {
        framework: v.vercelFramework, installCommand: v.vercelInstallCommand, buildCommand: v.vercelBuildCommand,
        outputDirectory: v.vercelOutputDirectory, nodeVersion: node,
    };
}

/**
 * Who ships production: with a linked repository, Vercel on each push to main (`git`, staging's
 * default) or this stack's `pulumi up` with the pinned commit `webRef` (`stack`, prod's default:
 * the web app ships with the reviewer-gated prod deploy). prod never builds previews: they would
 * run against prod's API and secrets.
 */
function resolveRelease(ctx: ResolveContext): FrontendConfig["release"] {
    const { v } = ctx;
    const repo = v.vercelGitRepository;
    const chosen = ctx.ok("webRelease") ? v.webRelease : undefined;
    // Without a repository nothing deploys on a push: whoever runs the Vercel CLI ships (`cli`).
    const mode = !repo ? (chosen === "stack" ? "stack" : "cli") : chosen ?? (ctx.profile === "prod" ? "stack" : "git");
    if (mode === "stack" && !repo) {
        ctx.report("webRelease", "is \"stack\" but no repository is linked: pulumi up deploys a commit of groundwork:vercelGitRepository. " +
            "Set vercelGitRepository: owner/repo, or webRelease: git and deploy with the Vercel CLI");
    }
    const ref = ctx.ok("webRef") ? v.webRef : undefined;
    if (ref && mode !== "stack") {
        ctx.report("webRef", `is set but groundwork:webRelease is "${mode === "cli" ? "git" : mode}": ${mode === "git" ? "Vercel deploys the production branch itself" : "no repository is linked"}. ` +
            "Set webRelease: stack (and vercelGitRepository) to ship this commit with pulumi up, or remove webRef");
    }
    return { mode, branch: "main", ref: mode === "stack" ? ref : undefined, previews: mode !== "stack" && ctx.profile !== "prod" };
}

function resolveStripe(ctx: ResolveContext, where: { api: string | undefined; web: string | undefined; apiBasePath: string; frontend: boolean }): StripeConfig | undefined {
    const { v } = ctx;
    const key = ctx.secret("stripeSecretKey");
    // Only an endpoint this stack manages (stripe: webhook) can be a Connect endpoint.
    if (v.stripe !== "webhook" && ctx.ok("stripe") && v.stripeConnect === true) {
        ctx.report("stripeConnect", `is true but groundwork:stripe is "${v.stripe}": the stack manages no webhook endpoint to make a Connect endpoint of. ` +
            "Set stripe: webhook, or remove stripeConnect");
    }
    if (v.stripe === "none" || !ctx.ok("stripe")) {
        if (key) ctx.report("stripeSecretKey", "is set but groundwork:stripe is \"none\"; set stripe: key or webhook to use it, or remove it", false);
        return undefined;
    }
    const wantMode = ctx.profile === "prod" ? "live" : "test";
    if (!key) {
        ctx.report("stripeSecretKey", `is not set but groundwork:stripe is "${v.stripe}". Run: pulumi config set --secret stripeSecretKey ` +
            `<${wantMode === "live" ? "sk_live_…" : "sk_test_…"}> --stack ${ctx.stack} (or set stripe: none)`, false);
        return undefined;
    }
    const mode = /^(sk|rk)_(live|test)_[A-Za-z0-9_]+$/.exec(key.raw)?.[2];
    if (!mode) {
        ctx.report("stripeSecretKey", "is not a Stripe secret or restricted key (sk_… or rk_…); the value is not shown", false);
    } else if (mode !== wantMode) {
        ctx.report("stripeSecretKey", `is a ${mode}-mode key but the ${ctx.profile} stack needs a ${wantMode}-mode key ` +
            `(${wantMode === "live" ? "sk_live_… or rk_live_…" : "sk_test_… or rk_test_…"}); the value is not shown`, false);
    }
    if (v.stripe === "key") return { secretKey: key.output, mode: wantMode, webhook: undefined };
    const webhook = stripeWebhook(ctx, where);
    return webhook ? { secretKey: key.output, mode: wantMode, webhook } : undefined;
}

/** Where Stripe sends the stack's events (`stripe: webhook`): the serving app's origin and route. */
export function stripeWebhook(ctx: ResolveContext, where: { api: string | undefined; web: string | undefined; apiBasePath: string }): StripeConfig["webhook"] {
    const { v } = ctx;
    const servedBy = v.stripeWebhookHost;
    const origin = servedBy === "api" ? where.api : where.web;
    if (!origin) {
        ctx.report("stripeWebhookHost", `is "${servedBy}" but the stack has no ${servedBy === "api" ? "API (groundwork:api is false)" : "web app (groundwork:frontend is false)"} ` +
            `to receive Stripe's events; set stripeWebhookHost to the app that serves the route`);
        return undefined;
    }
    if (servedBy === "web" && !v.stripeWebhookPath) {
        ctx.report("stripeWebhookPath", "must be set when groundwork:stripeWebhookHost is \"web\" (the web app's route, e.g. /api/webhooks/stripe)");
    }
    const path = v.stripeWebhookPath ?? `${where.apiBasePath}/webhooks/stripe`;
    return { url: `${origin}${path}`, servedBy, events: v.stripeWebhookEvents, apiVersion: v.stripeApiVersion, connect: v.stripeConnect };
}
