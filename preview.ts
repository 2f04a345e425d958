/**
 * Groundwork for one pull request: a preview stack (`pr-<number>`, groundwork:profile preview),
 * composed like index.ts but from its own parts on its base stack's shared ones:
 *
 *   base stack (staging), read through one stack reference (previewBase, previewSecrets):
 *     VPC + NAT, load balancer (+ the previews' wildcard certificate and DNS), RDS server,
 *     cache, uploads bucket, Vercel project, Stripe test account
 *   this preview's own:
 *     host rule pr-<n>.api.<domain> → its target group     (edge/preview-route.ts)
 *     ECS cluster (free), api and worker: one Spot task each, no autoscaling
 *     database pr_<n> owned by role pr_<n>_app             (data/preview-database.ts)
 *     cache keys under pr-<n>: , objects under previews/pr-<n>/ (the task role can reach no other)
 *     app secret (generated JWT…), test-mode Stripe endpoint, the branch's Vercel preview
 *
 * Nothing is protected, so `pulumi destroy` always removes it (README, "Preview environments").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";
import { appEnvironment, resolvedEnvironment, withValues } from "./components/compute/app-env";
import { Cluster } from "./components/compute/cluster";
import { WebService, WorkerService } from "./components/compute/service";
import { EXECUTION_ROLE_SUBPATH } from "./components/compute/task";
import { OVERRIDABLE_DEFAULTS, RDS_CA_PATH, programVariables } from "./components/config/app-variables";
import { loadConfig } from "./components/config/config";
import { AppSecrets } from "./components/data/app-secrets";
import { DATABASE_CONTAINER, PreviewDatabase } from "./components/data/preview-database";
import { rdsCaBundle } from "./components/data/rds-ca";
import { PreviewRoute } from "./components/edge/preview-route";
import { PreviewWeb } from "./components/edge/preview-web";
import { StripeWebhookActivation, StripeWebhookEndpoint } from "./components/edge/stripe-webhook";
import { BaseStack } from "./components/preview/base-stack";
import type { PreviewBase } from "./components/preview/contract";
import { RoleScope } from "./components/role-scope";

const cfg = loadConfig();
const p = cfg.preview;
if (!p) throw new Error("preview.ts composes preview stacks (groundwork:profile preview, stack pr-<number>); index.ts composes the others");

const tags = { app: cfg.project, stack: cfg.stack, "managed-by": "pulumi" };
// A preview touches no DNS (the base's wildcard records cover its hosts), so it has no Cloudflare
// provider and needs no Cloudflare token; Vercel's only with a web app.
const awsProvider = new aws.Provider("aws", { region: cfg.awsRegion as aws.Region, defaultTags: { tags } });
const vercelProvider = p.web ? new vercel.Provider("vercel", { team: p.web.team }) : undefined;
const opts: pulumi.ComponentResourceOptions = { providers: [awsProvider, ...(vercelProvider ? [vercelProvider] : [])] };
const roles: RoleScope = { path: `/${cfg.project}/${cfg.stack}/`, permissionsBoundary: cfg.permissionsBoundaryArn };
const readers = cfg.secretReaderRoleArns.length > 0 ? { executionRolePath: `${roles.path}${EXECUTION_ROLE_SUBPATH}/`, roleArns: cfg.secretReaderRoleArns } : undefined;
const imagePushed = { app: !!cfg.image.tag, worker: cfg.worker?.image === "own" ? !!cfg.worker.imageTag : !!cfg.image.tag };
const fixIn = (what: string) => `${what} in the base's stack file, or leave it out of this preview in preview/Pulumi.preview.yaml`;

// ---- the base stack's shared parts, checked once: every field below passes the check ---------------
const base = new BaseStack("base", p.baseStack, (b: PreviewBase) => {
    const problems: string[] = [];
    if (b.awsRegion !== cfg.awsRegion) problems.push(`it is in ${b.awsRegion}, this preview in ${cfg.awsRegion} (aws:region)`);
    if (cfg.hosts.api && cfg.hosts.api !== `${p.label}.${b.apiHost}`) problems.push(`its API host is ${b.apiHost}, not the parent of ${cfg.hosts.api} (groundwork:domain, apiHost)`);
    if (cfg.hosts.web && cfg.hosts.web !== `${p.label}.${b.webHost}`) problems.push(`its web host is ${b.webHost ?? "absent"}, not the parent of ${cfg.hosts.web} (groundwork:domain, webHost)`);
    if (cfg.api && cfg.api.containerPort !== b.containerPort) problems.push(`its load balancer and security groups admit port ${b.containerPort}, this preview's api listens on ${cfg.api.containerPort} (groundwork:containerPort)`);
    if (problems.length) throw new Error(`the base stack ${p.baseStack} cannot host this preview: ${problems.join("; ")}`);
});
const vpcId = base.need("VPC", (b) => b.vpcId, "give it an API (groundwork:api)");
const subnetIds = base.need("private subnets", (b) => b.privateSubnetIds, "give it an API (groundwork:api)");
const repository = (role: "app" | "worker") => role === "worker"
    ? base.need("worker image repository", (b) => b.workerImageRepository, fixIn("set workerImage: own"))
    : base.need("image repository", (b) => b.imageRepository, fixIn("give it an api or worker"));
const taskGroup = (role: "api" | "worker") => base.need(`${role} task security group`, (b) => b.taskSecurityGroupIds[role], fixIn(`set groundwork:${role}: true`));
const uploadsBucket = p.uploads ? base.need("uploads bucket", (b) => b.uploads, fixIn("set groundwork:uploads: true")) : undefined;
// Stripe in test mode only: a preview's endpoint and apps never hold a live key.
const stripeKey = p.stripe ? base.needSecret("Stripe key", (s) => s.stripeSecretKey, fixIn("set groundwork:stripeSecretKey")).apply((k) => {
    if (!/^(sk|rk)_test_/.test(k)) throw new Error(`the base stack ${p.baseStack} gives previews a Stripe key that is not a test-mode key; previews use test mode only`);
    return k;
}) : undefined;

// ---- compute: a cluster of its own (free; no Container Insights, which would bill per service) --------
const compute = !!cfg.api || !!cfg.worker;
const cluster = compute && new Cluster("app", { imageRetentionCount: cfg.image.retentionCount, repositories: {}, containerInsights: "disabled" }, opts);

// ---- data: its own database and role on the base's server; its own prefixes in the base's cache and bucket
const database = p.database && new PreviewDatabase("database", {
    adminUrl: base.needSecret("database administrator URL", (s) => s.databaseAdminUrl, fixIn("set groundwork:database: rds")),
    database: p.database,
    secretName: `${cfg.project}-${cfg.stack}/database-admin`,
    readers,
    rdsCaBundle: rdsCaBundle(cfg.awsRegion),
    architecture: cfg.image.architecture,
    logRetentionDays: cfg.logRetentionDays,
    roles,
}, opts);

// ---- edge: its own test-mode Stripe endpoint, created disabled, enabled once its app runs -------------
const webhook = p.stripe?.webhook && stripeKey && new StripeWebhookEndpoint("stripe-webhook", {
    url: p.stripe.webhook.url,
    enabledEvents: p.stripe.webhook.events,
    description: `${cfg.project} ${cfg.stack} (preview of pull request #${p.number})`,
    apiVersion: p.stripe.webhook.apiVersion,
    apiKey: stripeKey,
    mode: "test",
    connect: p.stripe.webhook.connect,
});

// ---- the apps' environment and their secret (the preview's own) ---------------------------------------
const specs = programVariables({
    api: !!cfg.api, worker: !!cfg.worker, database: !!database, databaseUnpooled: false, rds: !!database, cache: !!p.cache,
    uploads: !!p.uploads, frontend: !!p.web, stripe: !!p.stripe, stripeWebhookOnApi: p.stripe?.webhook?.servedBy === "api",
    // A preview has no alarms and no dashboard to read the apps' metrics: no METRICS_STACK.
    appMetrics: false,
    generated: cfg.generatedSecrets.map((g) => g.name), preview: true,
});
const secrets = compute ? new AppSecrets("app-secrets", {
    secretName: `${cfg.project}-${cfg.stack}/app`,
    generated: cfg.generatedSecrets,
    values: {
        ...(database ? { DATABASE_URL: database.databaseUrl } : {}),
        ...(p.cache ? { REDIS_URL: base.needSecret("cache URL", (s) => s.redisUrl, fixIn("give it a cache (groundwork:cache)")) } : {}),
        ...(stripeKey ? { STRIPE_SECRET_KEY: stripeKey } : {}),
        ...(webhook && p.stripe?.webhook?.servedBy === "api" ? { STRIPE_WEBHOOK_SECRET: webhook.secret } : {}),
        ...Object.fromEntries(p.sharedSecretNames.map((n) => [n, base.needSecret(`app secret ${n}`, (s) => s.appSecrets[n],
            `add ${n} to the base's groundwork:appSecrets, or remove it from groundwork:previewSharedSecrets`)])),
    },
    readers,
    protect: false,
}, opts) : undefined;

const values: Record<string, pulumi.Input<string> | undefined> = {
    NODE_ENV: "production",
    PORT: cfg.api ? String(cfg.api.containerPort) : undefined,
    WORKER_CONCURRENCY: cfg.worker ? String(cfg.worker.concurrency) : undefined,
    NODE_EXTRA_CA_CERTS: RDS_CA_PATH,
    PGSSLROOTCERT: RDS_CA_PATH,
    S3_BUCKET: uploadsBucket?.apply((u) => u.bucketName),
    S3_REGION: cfg.awsRegion,
    S3_PREFIX: p.uploads?.prefix,
    REDIS_PREFIX: p.cache?.keyPrefix,
    ALLOWED_ORIGINS: cfg.urls.web,
    WEB_URL: cfg.urls.web,
    API_URL: cfg.urls.api,
};
const env = appEnvironment({
    variables: withValues(specs, values, secrets?.values),
    defaults: { ...OVERRIDABLE_DEFAULTS },
    extra: cfg.appEnv,
    appSecretNames: cfg.appSecretNames,
    aliases: cfg.envAliases,
});

// ---- compute: the api behind its host rule, the worker; one task each, on Spot -----------------------
const route = cfg.api && cfg.hosts.api && new PreviewRoute("route", {
    vpcId,
    listenerArn: base.need("HTTPS listener", (b) => b.listenerArn, "give it an API (groundwork:api)"),
    host: cfg.hosts.api,
    priority: p.listenerRulePriority,
    containerPort: cfg.api.containerPort,
    healthCheckPath: cfg.api.healthCheckPath,
    healthCheck: cfg.api.loadBalancer.healthCheck,
}, opts);

const shared = cluster && secrets && {
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    architecture: cfg.image.architecture,
    subnetIds,
    secretArn: secrets.arn,
    secretVersionId: secrets.versionId,
    bucketArns: uploadsBucket ? [uploadsBucket.apply((u) => u.bucketArn)] : [],
    // The base's uploads key (SSE-KMS): S3 uses it on the task role's behalf for its prefix.
    bucketKeyArns: uploadsBucket ? [uploadsBucket.apply((u) => {
        if (!u.kmsKeyArn) throw new Error(`the base stack ${p.baseStack} exports its uploads bucket without its key (previewBase.uploads.kmsKeyArn); run pulumi up on it`);
        return u.kmsKeyArn;
    })] : [],
    bucketPrefix: p.uploads?.prefix,
    logRetentionDays: cfg.logRetentionDays,
    roles,
    rdsCaBundle: database ? rdsCaBundle(cfg.awsRegion) : undefined,
    // One task, and no target-tracking alarms to pay for.
    autoscaling: false,
};
const imageOf = (role: "app" | "worker", tag: string | undefined) => pulumi.interpolate`${repository(role).apply((r) => r.url)}:${tag ?? "none-pushed-yet"}`;
const migrate = cfg.migrations.steps.length > 0 ? cfg.migrations : undefined;

const api = cfg.api && route && shared && new WebService("api", {
    ...shared,
    image: imageOf("app", cfg.image.tag),
    imagePushed: imagePushed.app,
    repositoryArn: repository("app").apply((r) => r.arn),
    cpu: cfg.api.cpu,
    memory: cfg.api.memory,
    minTasks: cfg.api.minTasks,
    maxTasks: cfg.api.minTasks,
    command: cfg.api.startCommand,
    capacity: cfg.spot.api,
    // Its database first (created when missing), then its migrations, then the app.
    setup: database ? database.setupContainer : undefined,
    migrate,
    containerPort: cfg.api.containerPort,
    securityGroupId: taskGroup("api"),
    environment: env.api.environment,
    secrets: env.api.secrets,
    targetGroupArn: route.targetGroupArn,
    listener: route.rule,
    requestCountResourceLabel: pulumi.interpolate`${base.need("load balancer", (b) => b.albArnSuffix, "give it an API")}/${route.targetGroupArnSuffix}`,
}, opts);

const workerRole = cfg.worker?.image === "own" ? "worker" : "app";
const worker = cfg.worker && shared && new WorkerService("worker", {
    ...shared,
    image: cfg.worker.image === "own" ? imageOf("worker", cfg.worker.imageTag) : imageOf("app", cfg.image.tag),
    imagePushed: imagePushed.worker,
    repositoryArn: repository(workerRole).apply((r) => r.arn),
    cpu: cfg.worker.cpu,
    memory: cfg.worker.memory,
    minTasks: cfg.worker.minTasks,
    maxTasks: cfg.worker.minTasks,
    command: cfg.worker.command,
    capacity: cfg.spot.worker,
    setup: api || !database ? undefined : database.setupContainer,
    migrate: api ? undefined : migrate,
    healthCheckCommand: cfg.worker.healthCheckCommand,
    securityGroupId: taskGroup("worker"),
    environment: env.worker.environment,
    secrets: env.worker.secrets,
}, { ...opts, dependsOn: api ? [api] : [] });

// ---- edge: the branch's Vercel preview, pointed at this API ------------------------------------------
const web = p.web && p.branch && cfg.hosts.web && new PreviewWeb("web", {
    projectId: base.need("Vercel project", (b) => b.vercelProjectId, fixIn("set groundwork:frontend: true")),
    branch: p.branch,
    domain: cfg.hosts.web,
    environment: p.web.apiUrlVariable && cfg.urls.api ? { [p.web.apiUrlVariable]: cfg.urls.api } : {},
    secrets: webhook && p.stripe?.webhook?.servedBy === "web" ? { STRIPE_WEBHOOK_SECRET: webhook.secret } : {},
}, opts);

if (webhook && p.stripe?.webhook && stripeKey && (p.stripe.webhook.servedBy === "web" ? web : api && imagePushed.app)) {
    new StripeWebhookActivation("stripe-webhook-enabled", { endpoint: webhook, apiKey: stripeKey, mode: "test" },
        { dependsOn: p.stripe.webhook.servedBy === "api" ? [api as WebService] : [web as PreviewWeb] });
}

// ---- stack outputs: the same names as index.ts's where they mean the same (README, "Stack outputs") --
const launchOf = (role: "api" | "worker", svc: WebService | WorkerService | undefined) => svc && cluster && ({
    cluster: cluster.clusterName, taskDefinition: svc.runTaskFamily, container: "app", subnets: subnetIds,
    securityGroups: [taskGroup(role)], logGroup: svc.logGroupName, logStreamPrefix: role, platformVersion: "LATEST",
});
const outputs: Record<string, unknown> = {
    parts: {
        api: !!api, worker: !!worker, database: database ? "rds" : "none", cache: p.cache ? "elasticache" : "none", uploads: !!p.uploads,
        stripe: p.stripe ? (p.stripe.webhook ? "webhook" : "key") : "none", frontend: !!web,
    },
    appUrl: web ? cfg.urls.web : undefined,
    apiUrl: cfg.urls.api,
    healthUrl: cfg.urls.health,
    stripeWebhookUrl: p.stripe?.webhook?.url,
    awsRegion: cfg.awsRegion,
    clusterName: cluster ? cluster.clusterName : undefined,
    apiServiceName: api ? api.serviceName : undefined,
    workerServiceName: worker ? worker.serviceName : undefined,
    appSecretsArn: secrets?.arn,
    /** What `npm run task` runs: the services, and `database` (`-- drop` before the preview is destroyed). */
    taskLaunch: compute ? {
        ...(api ? { api: launchOf("api", api) } : {}),
        ...(worker ? { worker: launchOf("worker", worker) } : {}),
        ...(database && cluster ? {
            database: {
                cluster: cluster.clusterName, taskDefinition: database.taskFamily, container: DATABASE_CONTAINER, subnets: subnetIds,
                securityGroups: [taskGroup(api ? "api" : "worker")], logGroup: database.logGroupName, logStreamPrefix: DATABASE_CONTAINER,
                platformVersion: "LATEST",
            },
        } : {}),
    } : undefined,
    apiEnv: api && secrets ? resolvedEnvironment(env.api, secrets.values) : undefined,
    workerEnv: worker && secrets ? resolvedEnvironment(env.worker, secrets.values) : undefined,
    webEnv: web && p.web?.apiUrlVariable && cfg.urls.api ? pulumi.secret(pulumi.output({ [p.web.apiUrlVariable]: cfg.urls.api })) : undefined,
    /** Which pull request this is and what of the base it uses (the workflow's comment reads it). */
    preview: {
        number: p.number, baseStack: p.baseStack, branch: p.branch, database: p.database?.name, cacheKeyPrefix: p.cache?.keyPrefix,
        uploadsPrefix: p.uploads?.prefix,
    },
};
export = Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
