/**
 * Pull-request previews, both sides:
 * - `resolvePreviewParts`: a preview stack (`groundwork:profile: preview`, stack `pr-<number>`):
 *   its own api and worker, database on the base's server, key prefix in the base's cache,
 *   object prefix in the base's bucket, test-mode Stripe endpoint and the branch's Vercel
 *   preview. The base's network, load balancer, database server, cache and bucket are read
 *   through a stack reference at deploy time, so the keys that size them are refused here.
 * - `resolvePreviewHosting`: what a base stack (`groundwork:previews: true`, staging only) adds
 *   so previews can attach: wildcard hosts and the outputs previews read.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResolveContext } from "./config";
import type { PlainKey } from "./config-schema";
import { PREVIEW_STACK } from "./defaults";
import { BASE_ONLY_KEYS, PREVIEW_ONLY_KEYS } from "./preview-keys";
import { resolveAppEnvironment } from "./parts-env";
import { hostName, stripeWebhook } from "./parts-edge";
import { resolveApi, resolveMigrations, resolveWorker, spotPlacement } from "./parts";
import type { GroundworkConfig, PreviewConfig, PreviewHostingConfig } from "./types";

/** Where the previews' objects live in the base's uploads bucket, and how long they are kept. */
export const PREVIEW_UPLOADS_PREFIX = "previews/";
/** Days the base's bucket keeps preview objects: longer than the cleanup workflow lets a preview live. */
export const PREVIEW_UPLOADS_EXPIRATION_DAYS = 30;
/**
 * The base's HTTPS listener takes rule priorities 1-50000; 50000 is the base's own rule that
 * answers hosts of previews that do not exist (PreviewHosting), so previews take 1-49999.
 */
export const PREVIEW_UNKNOWN_HOST_PRIORITY = 50000;

function what(key: PlainKey): string {
    if (/^(azCount|vpcCidr|natGateways|egress|natInstanceType|interfaceEndpoints)$/.test(key)) return "network";
    if (key.startsWith("db")) return "database server";
    if (key.startsWith("cache")) return "cache";
    if (/^(uploads|logBucket|backupRegion)/.test(key)) return "buckets";
    if (key.startsWith("vercel") || /^web/.test(key)) return "Vercel project";
    if (key.startsWith("cloudflare") || /^(zoneSettingsStack|apiProxied|apiIdleTimeoutSeconds|dnsRecords)$/.test(key)) return "DNS and load balancer";
    if (/^(jobs|backups|backupsRetentionDays|dbAccess|appMetrics|alarmThresholds|workerQueues|workerQueueTarget)$/.test(key)) return "operations (jobs, backups, alarms, scaling)";
    return "account-level settings";
}

/** A preview stack's configuration: its own parts, on the base stack's shared ones. */
export function resolvePreviewParts(ctx: ResolveContext): GroundworkConfig {
    const { v } = ctx;
    const m = PREVIEW_STACK.exec(ctx.stack);
    if (!m) {
        ctx.report("profile", `is "preview", but the stack is named "${ctx.stack}": a preview stack is named pr-<pull request number>, e.g. pr-123`, false);
    }
    const number = m ? Number(m[1]) : 0;
    const label = `pr-${number}`;

    for (const key of BASE_ONLY_KEYS) {
        if (ctx.setInConfig(key)) {
            ctx.report(key, `is the base stack's setting (a preview shares the base's ${what(key)}); ` +
                "remove it from the preview's config (preview/Pulumi.preview.yaml), or set it in the base's stack file", false);
        }
    }
    // The base's credentials reach a preview through the stack reference, never its own config.
    for (const key of ["databaseUrl", "databaseUrlUnpooled", "redisUrl", "stripeSecretKey", "appSecrets"] as const) {
        if (ctx.secret(key)) {
            ctx.report(key, `is set, but a preview's credentials are its own (generated) or the base stack's (read at deploy time: ` +
                `the Stripe test key, the cache, the secrets named in groundwork:previewSharedSecrets); remove it`, false);
        }
    }
    const baseStack = v.previewBaseStack;
    if (!baseStack) {
        ctx.report("previewBaseStack", "is not set: a preview reads its network, load balancer, database server and cache from a base stack");
    } else if (ctx.ok("previewBaseStack")) {
        const baseName = baseStack.split("/")[2];
        if (/^(prod|production)(-|$)/.test(baseName)) {
            ctx.report("previewBaseStack", `names "${baseStack}", a production stack: a preview runs a pull request's code and never reaches prod's data or secrets`);
        } else if (baseName === ctx.stack || PREVIEW_STACK.test(baseName)) {
            ctx.report("previewBaseStack", `names "${baseStack}", a preview; a preview's base is a stack that hosts previews (groundwork:previews: true)`);
        }
    }

    const api = resolveApi(ctx);
    const worker = resolveWorker(ctx, !!api);
    const compute = !!api || !!worker;
    if (!compute) ctx.report("api", "and groundwork:worker are both false: a preview runs the pull request's api or worker, there is nothing to preview");

    let database: PreviewConfig["database"];
    if (v.database === "external") {
        ctx.report("database", "is \"external\": a preview would share that database with its base stack. Set database: none in the preview's " +
            "template (preview/Pulumi.preview.yaml), or give the base an RDS database (each preview then gets a database of its own on it)");
    } else if (v.database === "rds") {
        // Postgres identifiers: lowercase, no dash.
        database = { name: `pr_${number}`, role: `pr_${number}_app` };
    }
    if (worker && v.cache === "none") {
        ctx.report("cache", "is \"none\" but groundwork:worker is true: a BullMQ worker needs Redis; a preview keeps its keys under its own prefix in the base's cache");
    }
    const cache = v.cache === "none" ? undefined : { keyPrefix: `${label}:` };
    const uploads = v.uploads ? { prefix: `${PREVIEW_UPLOADS_PREFIX}${label}/` } : undefined;

    // Its hosts sit one label below the base's: pr-123.api.<domain>, pr-123.app.<domain>.
    const domain = v.domain;
    const apiHost = api ? `${label}.${hostName(v.apiHost, domain)}` : undefined;
    const webHost = v.frontend ? `${label}.${hostName(v.webHost, domain)}` : undefined;
    const apiOrigin = apiHost ? `https://${apiHost}` : undefined;
    const urls = {
        web: webHost ? `https://${webHost}` : undefined,
        api: apiOrigin ? `${apiOrigin}${v.apiBasePath}` : undefined,
        health: apiOrigin ? `${apiOrigin}${v.healthCheckPath}` : undefined,
    };

    let stripe: PreviewConfig["stripe"];
    if (v.stripe === "key") stripe = { mode: "test", webhook: undefined };
    if (v.stripe === "webhook") {
        const webhook = stripeWebhook(ctx, { api: apiOrigin, web: urls.web, apiBasePath: v.apiBasePath });
        if (webhook?.servedBy === "web") {
            // Vercel's deployment protection (on for previews by default) answers Stripe with 401.
            ctx.report("stripeWebhookHost", "is \"web\", but a preview's web app is a Vercel preview deployment, which Vercel's deployment protection " +
                "keeps from Stripe (401). Set stripe: key in preview/Pulumi.preview.yaml (the preview gets a test key, no endpoint), or serve the route from the api", false);
        } else if (webhook) stripe = { mode: "test", webhook };
    }

    if (v.frontend && !v.previewBranch) {
        ctx.report("previewBranch", "is not set: the web app's preview is Vercel's build of a git branch, and the preview's API URL is set for that branch " +
            "(the pull-request workflow sets it to the pull request's branch)");
    }
    const apiUrlVariable = urls.api && v.webApiUrlVariable ? v.webApiUrlVariable : undefined;
    const sharedSecretNames = ctx.ok("previewSharedSecrets") ? [...v.previewSharedSecrets] : [];

    const env = resolveAppEnvironment(ctx, {
        api: !!api, worker: !!worker, database: !!database, databaseUnpooled: false, rds: !!database, cache: !!cache, uploads: !!uploads,
        frontend: !!webHost, stripe: !!stripe, stripeWebhookOnApi: stripe?.webhook?.servedBy === "api", preview: true,
        appMetrics: false,
    }, sharedSecretNames);

    const preview: PreviewConfig = {
        number, label, baseStack: baseStack ?? "", branch: v.frontend ? v.previewBranch : undefined,
        database, cache, uploads, stripe,
        web: webHost ? { team: v.vercelTeam, apiUrlVariable } : undefined,
        sharedSecretNames,
        listenerRulePriority: ((number - 1) % (PREVIEW_UNKNOWN_HOST_PRIORITY - 1)) + 1,
    };
    return {
        project: ctx.project,
        stack: ctx.stack,
        profile: ctx.profile,
        preview,
        previewHosting: undefined,
        awsRegion: ctx.awsRegion,
        domain,
        alertEmail: v.alertEmail,
        // Nothing of a preview is protected: its removal must never be blocked.
        protectData: false,
        hosts: { web: webHost, webRedirects: [], api: apiHost },
        urls,
        image: { tag: v.imageTag, architecture: v.cpuArchitecture, retentionCount: v.imageRetentionCount },
        spot: spotPlacement(v.fargateSpot, v.workerMinTasks, v.workerSpotPercent),
        budget: { monthlyUsd: v.monthlyBudget, scope: v.budgetScope },
        logRetentionDays: v.logRetentionDays,
        // The base's parts: the preview reads them through the stack reference (preview.ts).
        network: undefined,
        api,
        worker,
        migrations: resolveMigrations(ctx, compute),
        database: undefined,
        cache: undefined,
        uploads: undefined,
        backupRegion: undefined,
        permissionsBoundaryArn: v.permissionsBoundaryArn,
        logBucket: { expirationDays: v.logBucketExpirationDays },
        stripe: undefined,
        frontend: undefined,
        cloudflare: { zoneName: v.cloudflareZone, zoneId: undefined, manageZoneSettings: false },
        // The web app's preview gets its API URL only (preview-web.ts); the rest of its variables
        // are the project's preview-target ones. The base keeps the DNS records.
        webSecretNames: [],
        webSecrets: pulumi.secret<Record<string, string>>({}),
        webEnvAliases: [],
        dnsRecords: [],
        // A preview lives for a pull request: no scheduled jobs, backups, database access, alarms
        // or app metrics of its own (its base's settings for those are not copied).
        jobs: [],
        backups: undefined,
        dbAccess: false,
        appMetrics: false,
        alerts: { httpsEndpoints: [], thresholds: {} },
        ...env,
    };
}

/**
 * What a stack does for previews (`groundwork:previews`): only a staging stack with an API (its
 * load balancer routes the previews' hosts) and unproxied hosts (the wildcard hosts are
 * DNS-only: Cloudflare's Universal SSL covers one level below the zone).
 */
export function resolvePreviewHosting(ctx: ResolveContext, cfg: GroundworkConfig): PreviewHostingConfig | undefined {
    const { v } = ctx;
    for (const key of PREVIEW_ONLY_KEYS) {
        if (ctx.setInConfig(key)) ctx.report(key, `is set, but this is not a preview stack (groundwork:profile "preview", stack pr-<number>); remove it`, false);
    }
    if (!v.previews) return undefined;
    if (ctx.profile === "prod") {
        ctx.report("previews", "is true in prod: previews run a pull request's code on their base's database server and cache, so only a staging stack hosts them; set it in Pulumi.staging.yaml", false);
        return undefined;
    }
    if (!cfg.api || !cfg.hosts.api) {
        ctx.report("previews", "is true but the stack has no API (groundwork:api is false): previews are routed through the base's load balancer");
        return undefined;
    }
    if (cfg.api.proxied) {
        ctx.report("previews", "cannot be combined with groundwork:apiProxied: previews' hosts (pr-<n>.<api host>) are DNS-only, and a proxied load balancer admits only Cloudflare's addresses");
        return undefined;
    }
    if (cfg.hosts.web && cfg.hosts.web === cfg.cloudflare.zoneName) {
        ctx.report("previews", `needs the web app on a host below the zone (groundwork:webHost "app"), not on the zone's apex ${cfg.hosts.web}: ` +
            `previews' web hosts are a wildcard record *.${cfg.hosts.web}, which would cover every name of the zone`);
        return undefined;
    }
    if (cfg.frontend && cfg.frontend.release.mode !== "git") {
        ctx.report("previews", `is true but the web app builds no previews of branches (webRelease "${cfg.frontend.release.mode}"): a pull request's web ` +
            "preview is Vercel's build of its branch. Link the repository (groundwork:vercelGitRepository) with webRelease \"git\" in staging, or set previews: false", false);
        return undefined;
    }
    return {
        apiWildcard: `*.${cfg.hosts.api}`,
        webWildcard: cfg.frontend && cfg.hosts.web ? `*.${cfg.hosts.web}` : undefined,
        uploadsPrefix: PREVIEW_UPLOADS_PREFIX,
        uploadsExpirationDays: PREVIEW_UPLOADS_EXPIRATION_DAYS,
    };
}
