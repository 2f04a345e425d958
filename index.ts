/**
 * Groundwork: reads the validated stack config and composes the parts the stack file chose, in
 * the order of the README's diagram, then exports the outputs the apps and CI consume. An absent
 * part is simply not constructed: no resource, rule, alarm, variable or output of it exists.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { appEnvironment, resolvedEnvironment, withValues } from "./components/compute/app-env";
import { Cluster } from "./components/compute/cluster";
import { DatabaseAccess, RELAY_CONTAINER } from "./components/compute/database-access";
import { JobImage, ScheduledJobs } from "./components/compute/jobs";
import { WebService, WorkerService } from "./components/compute/service";
import { EXECUTION_ROLE_SUBPATH } from "./components/compute/task";
import { OVERRIDABLE_DEFAULTS, RDS_CA_PATH, programVariables } from "./components/config/app-variables";
import { loadConfig } from "./components/config/config";
import { createProviders } from "./components/config/providers";
import { AppSecrets } from "./components/data/app-secrets";
import { Cache } from "./components/data/cache";
import { Database } from "./components/data/database";
import { rdsCaBundle } from "./components/data/rds-ca";
import { PrivateBucket } from "./components/data/storage";
import { Dns } from "./components/edge/dns";
import { DnsRecords } from "./components/edge/dns-records";
import { Frontend } from "./components/edge/frontend";
import { LoadBalancer } from "./components/edge/load-balancer";
import { PreviewHosting } from "./components/edge/preview-hosting";
import { StripeWebhookActivation, StripeWebhookEndpoint } from "./components/edge/stripe-webhook";
import { resolvedWebEnvironment, webEnvironment } from "./components/edge/web-env";
import { WebRelease, webReleaseOutput } from "./components/edge/web-release";
import { Network } from "./components/net/network";
import { SecurityGroups } from "./components/net/security-groups";
import { Budget } from "./components/ops/budget";
import { Monitoring } from "./components/ops/monitoring";
import { EventsLogDelivery } from "./components/ops/events-log-delivery";
import { SessionAudit } from "./components/ops/session-audit";
import { POSTGRES_PORT } from "./components/net/security-groups";
import type { PreviewBase, PreviewSecrets } from "./components/preview/contract";
import { RoleScope } from "./components/role-scope";

// Every key is validated first: a bad value stops the program before any resource is registered.
const cfg = loadConfig();

/** Tags every AWS resource carries (through the provider's defaultTags). */
const tags = { app: cfg.project, stack: cfg.stack, "managed-by": "pulumi" };
const providers = createProviders({
    awsRegion: cfg.awsRegion,
    tags,
    vercel: cfg.frontend ? { team: cfg.frontend.team } : undefined,
    backupRegion: cfg.backupRegion,
});
// Components hand these to their children; nothing falls back to a default provider.
const opts: pulumi.ComponentResourceOptions = { providers: [providers.aws, providers.cloudflare, ...(providers.vercel ? [providers.vercel] : [])] };
const zoneId: pulumi.Input<string> = cfg.cloudflare.zoneId
    ?? cloudflare.getZoneOutput({ filter: { name: cfg.cloudflare.zoneName } }, { provider: providers.cloudflare }).zoneId;
const compute = !!cfg.api || !!cfg.worker;
/** Where every IAM role of the stack lives (bootstrap/ lets a stack's deploy role manage only its own). */
const roles: RoleScope = { path: `/${cfg.project}/${cfg.stack}/`.replace(/[^A-Za-z0-9+=,.@_/-]/g, "-"), permissionsBoundary: cfg.permissionsBoundaryArn };
/** The execution roles' path: the app secret admits the roles under it (AppSecrets `readers`). */
const executionRolePath = `${roles.path}${EXECUTION_ROLE_SUBPATH}/`;
/** Whether CI has pushed the image the services run (until then they run no task). */
const imagePushed = { app: !!cfg.image.tag, worker: cfg.worker?.image === "own" ? !!cfg.worker.imageTag : !!cfg.image.tag };

// ---- network: the stack's own VPC, when anything runs in it -------------------------------------
const network = cfg.network && new Network("net", {
    cidrBlock: cfg.network.vpcCidr,
    azCount: cfg.network.azCount,
    natGateways: cfg.network.natGateways,
    egress: cfg.network.egress,
    natInstanceType: cfg.network.natInstanceType,
    tags,
    roles,
    interfaceEndpoints: cfg.network.interfaceEndpoints,
    flowLogRetentionDays: cfg.logRetentionDays,
}, opts);

const sg = network && new SecurityGroups("sg", {
    vpcId: network.vpcId,
    api: cfg.api && {
        containerPort: cfg.api.containerPort,
        albIngressCidrs: cfg.api.proxied ? cloudflare.getIpRangesOutput({}, { provider: providers.cloudflare }).ipv4Cidrs : undefined,
    },
    worker: !!cfg.worker,
    jobs: cfg.jobs.length > 0,
    dbAccess: cfg.dbAccess,
    database: cfg.database?.kind === "rds",
    cache: cfg.cache?.kind === "elasticache",
    externalPorts: [cfg.database, cfg.cache].flatMap((p) => (p?.kind === "external" ? [p.port] : [])),
}, opts);

// The web app's origins (its domain and the project's <name>.vercel.app): CORS of the bucket and the API.
const webOrigins = cfg.frontend && cfg.urls.web ? [cfg.urls.web, `https://${cfg.frontend.projectName}.vercel.app`] : undefined;
// Pull-request previews' web hosts upload to their prefix of this bucket from the browser too.
const previewWebOrigin = cfg.previewHosting?.webWildcard ? `https://${cfg.previewHosting.webWildcard}` : undefined;

// ---- data: buckets, database, cache ---------------------------------------------------------------
// prod copies the database's backups and the uploads to a second US region (groundwork:backupRegion).
const secondRegion = cfg.backupRegion && providers.awsBackup ? { region: cfg.backupRegion, provider: providers.awsBackup } : undefined;

const logs = (cfg.api || cfg.uploads) && new PrivateBucket("logs", {
    expirationDays: cfg.logBucket.expirationDays,
    acceptAccessLogs: true,
    protect: cfg.protectData,
}, opts);

/** What the buckets of the apps' data share: access logs, protection, a key of their own, prod's copy in the backup region. */
const dataBucket = {
    accessLogBucket: logs ? logs.bucketName : undefined, protect: cfg.protectData, customerManagedKey: true, replicateTo: secondRegion, roles,
    // With the app secret's readers set (prod requires them), the same roles and the stack's own (and
    // its previews', which write under previews/) are the only ones the buckets' keys decrypt for.
    keyUsers: cfg.secretReaderRoleArns.length > 0
        ? { rolePaths: [roles.path, ...(cfg.previewHosting ? [`/${cfg.project}/pr-`] : [])], roleArns: cfg.secretReaderRoleArns }
        : undefined,
};

const uploads = cfg.uploads && new PrivateBucket("uploads", {
    noncurrentVersionDays: cfg.uploads.noncurrentVersionDays,
    corsOrigins: webOrigins && previewWebOrigin ? [...webOrigins, previewWebOrigin] : webOrigins,
    // Previews' objects expire: a removed preview leaves nothing behind for long.
    expirePrefixes: cfg.previewHosting ? [{ prefix: cfg.previewHosting.uploadsPrefix, days: cfg.previewHosting.uploadsExpirationDays }] : undefined,
    ...dataBucket,
}, opts);

// The scheduled jobs' own place for logical backups (pg_dump): write-only for them, versioned, expiring.
const backups = cfg.backups && cfg.jobs.length > 0 && new PrivateBucket("backups", {
    expirationDays: cfg.backups.retentionDays,
    // An overwritten or deleted dump stays a week (a mistake or a compromised writer cannot erase one at once).
    noncurrentVersionDays: 7,
    ...dataBucket,
}, opts);

const db = cfg.database?.kind === "rds" && network && sg?.databaseSecurityGroupId ? new Database("db", {
    subnetIds: network.privateSubnetIds,
    securityGroupId: sg.databaseSecurityGroupId,
    engineVersion: cfg.database.engineVersion,
    instanceClass: cfg.database.instanceClass,
    allocatedStorage: cfg.database.allocatedStorage,
    maxAllocatedStorage: cfg.database.maxAllocatedStorage,
    backupRetentionDays: cfg.database.backupRetentionDays,
    multiAz: cfg.database.multiAz,
    deletionProtection: cfg.database.deletionProtection,
    dbName: cfg.database.name,
    username: cfg.database.username,
    identifier: `${cfg.project}-${cfg.stack}-db`,
    logRetentionDays: cfg.logRetentionDays,
    protect: cfg.protectData,
    backupReplica: secondRegion,
}, opts) : undefined;

const cache = cfg.cache?.kind === "elasticache" && network && sg?.cacheSecurityGroupId ? new Cache("cache", {
    subnetIds: network.privateSubnetIds,
    securityGroupId: sg.cacheSecurityGroupId,
    engine: cfg.cache.engine,
    engineVersion: cfg.cache.engineVersion,
    nodeType: cfg.cache.nodeType,
    replicas: cfg.cache.replicas,
    snapshotRetentionDays: cfg.cache.snapshotRetentionDays,
    protect: cfg.protectData,
}, opts) : undefined;

// ---- edge: the Stripe webhook endpoint, created disabled; enabled once its app can answer ----------
const webhook = cfg.stripe?.webhook && new StripeWebhookEndpoint("stripe-webhook", {
    url: cfg.stripe.webhook.url,
    enabledEvents: cfg.stripe.webhook.events,
    description: `${cfg.project} ${cfg.stack}`,
    apiVersion: cfg.stripe.webhook.apiVersion,
    apiKey: cfg.stripe.secretKey,
    mode: cfg.stripe.mode,
    connect: cfg.stripe.webhook.connect,
}, { protect: cfg.protectData });

// ---- the apps' environment and their secret --------------------------------------------------------
const databaseUrl = db?.databaseUrl ?? (cfg.database?.kind === "external" ? cfg.database.url : undefined);
const redisUrl = cache?.redisUrl ?? (cfg.cache?.kind === "external" ? cfg.cache.url : undefined);
/** The queues and app signals the apps publish in EMF (components/app-metrics.ts). */
const workerQueues = cfg.worker?.queues ?? [];
const appMetrics = cfg.appMetrics || workerQueues.length > 0;
const specs = programVariables({
    api: !!cfg.api, worker: !!cfg.worker, database: !!databaseUrl,
    databaseUnpooled: cfg.database?.kind === "external" && !!cfg.database.unpooledUrl, rds: !!db, cache: !!redisUrl,
    uploads: !!uploads, frontend: !!webOrigins, stripe: !!cfg.stripe, stripeWebhookOnApi: cfg.stripe?.webhook?.servedBy === "api",
    appMetrics,
    generated: cfg.generatedSecrets.map((g) => g.name),
});
const secrets = compute ? new AppSecrets("app-secrets", {
    secretName: `${cfg.project}-${cfg.stack}/app`,
    generated: cfg.generatedSecrets,
    values: {
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        ...(cfg.database?.kind === "external" && cfg.database.unpooledUrl ? { DATABASE_URL_UNPOOLED: cfg.database.unpooledUrl } : {}),
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
        ...(cfg.stripe ? { STRIPE_SECRET_KEY: cfg.stripe.secretKey } : {}),
        ...(webhook && cfg.stripe?.webhook?.servedBy === "api" ? { STRIPE_WEBHOOK_SECRET: webhook.secret } : {}),
        ...Object.fromEntries(cfg.appSecretNames.map((n) => [n, cfg.appSecrets.apply((s) => s[n])])),
    },
    readers: cfg.secretReaderRoleArns.length > 0 ? { executionRolePath, roleArns: cfg.secretReaderRoleArns } : undefined,
    protect: cfg.protectData,
}, opts) : undefined;

const values: Record<string, pulumi.Input<string> | undefined> = {
    NODE_ENV: "production",
    PORT: cfg.api ? String(cfg.api.containerPort) : undefined,
    WORKER_CONCURRENCY: cfg.worker ? String(cfg.worker.concurrency) : undefined,
    NODE_EXTRA_CA_CERTS: RDS_CA_PATH,
    PGSSLROOTCERT: RDS_CA_PATH,
    S3_BUCKET: uploads?.bucketName,
    S3_REGION: cfg.awsRegion,
    ALLOWED_ORIGINS: webOrigins && pulumi.all(webOrigins).apply((o) => o.join(",")),
    WEB_URL: cfg.urls.web,
    API_URL: cfg.urls.api,
    METRICS_STACK: cfg.stack,
};
const env = appEnvironment({
    variables: withValues(specs, values, secrets?.values),
    defaults: { ...OVERRIDABLE_DEFAULTS },
    extra: cfg.appEnv,
    appSecretNames: cfg.appSecretNames,
    aliases: cfg.envAliases,
});

// ---- edge: the web app on Vercel: public variables plain, its secrets and routed values sensitive --
const webEnv = cfg.frontend && webEnvironment({
    public: cfg.frontend.env,
    secrets: Object.fromEntries(cfg.webSecretNames.map((n) => [n, cfg.webSecrets.apply((s) => s[n])])),
    routed: cfg.webEnvAliases,
    sources: {
        ...OVERRIDABLE_DEFAULTS, ...cfg.appEnv, ...values,
        ...(cfg.database?.kind === "external" ? { DATABASE_URL: cfg.database.url, DATABASE_URL_UNPOOLED: cfg.database.unpooledUrl } : {}),
        ...(cfg.cache?.kind === "external" ? { REDIS_URL: cfg.cache.url } : {}),
        STRIPE_SECRET_KEY: cfg.stripe?.secretKey,
        STRIPE_WEBHOOK_SECRET: webhook ? webhook.secret : undefined,
        ...secrets?.generated,
        ...Object.fromEntries(cfg.appSecretNames.map((n) => [n, cfg.appSecrets.apply((s) => s[n])])),
    },
});
const frontend = cfg.frontend && cfg.hosts.web && webEnv && new Frontend("web", {
    projectName: cfg.frontend.projectName,
    regions: cfg.frontend.regions,
    rootDirectory: cfg.frontend.rootDirectory,
    gitRepository: cfg.frontend.gitRepository,
    productionBranch: cfg.frontend.release.branch,
    // prod's web app ships only with the stack's deploy (webRelease "stack"), and never builds previews.
    gitDeployments: cfg.frontend.release.mode !== "stack",
    previews: cfg.frontend.release.previews,
    ...cfg.frontend.build,
    domain: cfg.hosts.web,
    redirectDomains: cfg.hosts.webRedirects,
    environment: webEnv.environment,
    secrets: webEnv.secrets,
    secretTargets: cfg.frontend.secretTargets,
    protect: cfg.protectData,
}, opts);

// ---- compute: cluster, load balancer, api, worker, jobs, database access ---------------------------
// The operators' database access records its exec sessions (KMS-encrypted log group) from the start.
const sessionAudit = cfg.dbAccess && compute ? new SessionAudit("sessions", {
    retentionDays: Math.max(cfg.logRetentionDays, 365),
    protect: cfg.protectData,
}, opts) : undefined;
const cluster = compute && new Cluster("app", {
    execAudit: sessionAudit ? { logGroupName: sessionAudit.logGroupName, kmsKeyArn: sessionAudit.kmsKeyArn } : undefined,
    imageRetentionCount: cfg.image.retentionCount,
    repositories: {
        ...(cfg.api || cfg.worker?.image === "app" ? { app: { runningTag: cfg.image.tag } } : {}),
        ...(cfg.worker?.image === "own" ? { worker: { runningTag: cfg.worker.imageTag } } : {}),
    },
}, opts);

const alb = cfg.api && network && sg?.albSecurityGroupId && cfg.hosts.api && new LoadBalancer("alb", {
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    securityGroupId: sg.albSecurityGroupId,
    domainName: cfg.hosts.api,
    zoneId,
    cloudflareProvider: providers.cloudflare,
    containerPort: cfg.api.containerPort,
    healthCheckPath: cfg.api.healthCheckPath,
    deletionProtection: cfg.api.deletionProtection,
    accessLogsBucket: cfg.api.accessLogs && logs ? logs.bucketName : undefined,
    idleTimeoutSeconds: cfg.api.loadBalancer.idleTimeoutSeconds,
    stickinessSeconds: cfg.api.loadBalancer.stickinessSeconds,
    healthCheck: cfg.api.loadBalancer.healthCheck,
}, opts);

const shared = cluster && network && secrets && {
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    architecture: cfg.image.architecture,
    subnetIds: network.privateSubnetIds,
    secretArn: secrets.arn,
    secretVersionId: secrets.versionId,
    bucketArns: uploads ? [uploads.arn] : [],
    bucketKeyArns: uploads && uploads.kmsKeyArn ? [uploads.kmsKeyArn] : [],
    logRetentionDays: cfg.logRetentionDays,
    roles,
    rdsCaBundle: db ? rdsCaBundle(cfg.awsRegion) : undefined,
};
const imageOf = (role: "app" | "worker", tag: string | undefined) =>
    pulumi.interpolate`${cluster && cluster.repositoryUrls[role]}:${tag ?? "none-pushed-yet"}`;
// Migrations gate each new version of the first service: the api, or the worker when there is no api.
const migrate = cfg.migrations.steps.length > 0 ? cfg.migrations : undefined;

const api = cfg.api && alb && shared && sg && new WebService("api", {
    ...shared,
    image: imageOf("app", cfg.image.tag),
    imagePushed: imagePushed.app,
    repositoryArn: cluster.repositoryArns.app,
    cpu: cfg.api.cpu,
    memory: cfg.api.memory,
    minTasks: cfg.api.minTasks,
    maxTasks: cfg.api.maxTasks,
    command: cfg.api.startCommand,
    capacity: cfg.spot.api,
    migrate,
    containerPort: cfg.api.containerPort,
    securityGroupId: sg.taskSecurityGroupIds.api!,
    networkDependsOn: [...sg.rulesFor("api"), ...network.egressReady],
    environment: env.api.environment,
    secrets: env.api.secrets,
    targetGroupArn: alb.targetGroupArn,
    listener: alb.httpsListener,
    requestCountResourceLabel: pulumi.interpolate`${alb.arnSuffix}/${alb.targetGroupArnSuffix}`,
}, opts);

// The worker's rollout starts only once the api service's (migrations included) is steady: on the
// service, not the whole api component, whose autoscaling policies the worker has no reason to wait for.
const workerImage = cfg.worker?.image === "own" ? imageOf("worker", cfg.worker.imageTag) : imageOf("app", cfg.image.tag);
const worker = cfg.worker && shared && sg && new WorkerService("worker", {
    ...shared,
    image: workerImage,
    imagePushed: imagePushed.worker,
    repositoryArn: cluster.repositoryArns[cfg.worker.image === "own" ? "worker" : "app"],
    cpu: cfg.worker.cpu,
    memory: cfg.worker.memory,
    minTasks: cfg.worker.minTasks,
    maxTasks: cfg.worker.maxTasks,
    command: cfg.worker.command,
    capacity: cfg.spot.worker,
    migrate: api ? undefined : migrate,
    healthCheckCommand: cfg.worker.healthCheckCommand,
    queueScaling: workerQueues.length > 0 ? { stack: cfg.stack, queues: workerQueues, targetPerTask: cfg.worker.queueTarget } : undefined,
    securityGroupId: sg.taskSecurityGroupIds.worker!,
    networkDependsOn: [...sg.rulesFor("worker"), ...network.egressReady],
    environment: env.worker.environment,
    secrets: env.worker.secrets,
}, { ...opts, dependsOn: api ? [api.service] : [] });

// ---- edge: prod's web release: the pinned commit, shipped by this deploy after the API it calls -----
const webRelease = frontend && cfg.frontend?.release.mode === "stack" && cfg.frontend.release.ref ? new WebRelease("web-release", {
    projectId: frontend.projectId,
    ref: cfg.frontend.release.ref,
    variables: frontend.variables,
    after: api ? [api] : [],
}, opts) : undefined;

// Scheduled jobs: the api's (or the worker's) image, variables and secrets, on their own schedule.
const jobImages: Partial<Record<"app" | "worker", JobImage>> = {
    ...(cluster && cluster.repositoryUrls.app ? { app: { image: imageOf("app", cfg.image.tag), pushed: imagePushed.app, ...(cfg.api ? env.api : env.worker) } } : {}),
    ...(cfg.worker ? { worker: { image: workerImage, pushed: imagePushed.worker, ...env.worker } } : {}),
};
// One CloudWatch Logs resource policy per stack lets EventBridge write the stack's event records
// (failed job runs, database session starts): an account holds at most 10 per region.
const eventsDelivery = (cfg.jobs.length > 0 && shared) || (sessionAudit && db && cluster) ? new EventsLogDelivery("events", opts) : undefined;
const jobs = cfg.jobs.length > 0 && shared && sg?.taskSecurityGroupIds.jobs && eventsDelivery ? new ScheduledJobs("jobs", {
    jobs: cfg.jobs,
    images: jobImages,
    repositoryArns: Object.values(cluster.repositoryArns).filter((a): a is pulumi.Output<string> => !!a),
    clusterArn: shared.clusterArn,
    subnetIds: shared.subnetIds,
    securityGroupId: sg.taskSecurityGroupIds.jobs,
    networkDependsOn: [...sg.rulesFor("jobs"), ...network.egressReady],
    architecture: shared.architecture,
    secretArn: shared.secretArn,
    secretVersionId: shared.secretVersionId,
    bucketArns: shared.bucketArns,
    bucketKeyArns: shared.bucketKeyArns,
    backups: backups ? { name: backups.bucketName, arn: backups.arn, keyArn: backups.kmsKeyArn } : undefined,
    rdsCaBundle: shared.rdsCaBundle,
    logRetentionDays: cfg.logRetentionDays,
    eventsDelivery: eventsDelivery.policy,
    stack: cfg.stack,
    roles,
}, opts) : undefined;

// The operators' relay to the private database: a task definition they start on demand.
const dbAccess = sessionAudit && db && cluster && sg?.taskSecurityGroupIds.dbAccess && eventsDelivery ? new DatabaseAccess("db-access", {
    image: cluster.repositoryUrls.app ? imageOf("app", cfg.image.tag) : workerImage,
    repositoryArn: (cluster.repositoryArns.app ?? cluster.repositoryArns.worker)!,
    architecture: cfg.image.architecture,
    audit: { logGroupName: sessionAudit.logGroupName, logGroupArn: sessionAudit.logGroupArn, kmsKeyArn: sessionAudit.kmsKeyArn },
    clusterName: cluster.cluster.name,
    eventsDelivery: eventsDelivery.policy,
    retentionDays: Math.max(cfg.logRetentionDays, 365),
    protect: cfg.protectData,
    roles,
}, opts) : undefined;

// Stripe delivers live events as soon as the endpoint is enabled: only once the app that serves
// the route runs (the api's rollout is steady with an image; the web app's production deployment
// exists: the stack's own release, or Vercel's from the branch once the domain is attached).
const webServesWebhook = cfg.frontend?.release.mode === "stack" ? !!webRelease : !!frontend;
if (webhook && cfg.stripe?.webhook && (cfg.stripe.webhook.servedBy === "web" ? webServesWebhook : api && imagePushed.app)) {
    new StripeWebhookActivation("stripe-webhook-enabled", {
        endpoint: webhook,
        apiKey: cfg.stripe.secretKey,
        mode: cfg.stripe.mode,
    }, { dependsOn: cfg.stripe.webhook.servedBy === "api" ? [api as WebService] : webRelease ? [webRelease.deployment] : frontend ? [frontend] : [] });
}

// ---- edge: DNS ---------------------------------------------------------------------------------------
new Dns("dns", {
    zoneId,
    zoneName: cfg.cloudflare.zoneName,
    web: cfg.hosts.web && frontend ? {
        host: cfg.hosts.web, redirectHosts: cfg.hosts.webRedirects,
        verifications: cfg.frontend?.verifyDomains ? frontend.domainChallenges : undefined,
    } : undefined,
    api: cfg.hosts.api && alb && cfg.api ? { host: cfg.hosts.api, albDnsName: alb.dnsName, proxied: cfg.api.proxied } : undefined,
    manageZoneSettings: cfg.cloudflare.manageZoneSettings,
}, opts);
// Mail and verification records the stack file declares in its domain (groundwork:dnsRecords).
if (cfg.dnsRecords.length > 0) {
    new DnsRecords("dns-records", { zoneId, zoneName: cfg.cloudflare.zoneName, records: cfg.dnsRecords, declaredBy: `groundwork:dnsRecords of stack ${cfg.stack}` }, opts);
}

// ---- previews: what this stack gives pull-request previews (groundwork:previews; README, "Preview environments")
// A preview (preview.ts) reads previewBase and previewSecrets through a stack reference and attaches
// its own host rule, tasks, database and prefixes to these parts; nothing here changes per preview.
const previewHosting = cfg.previewHosting && alb && new PreviewHosting("previews", {
    apiWildcard: cfg.previewHosting.apiWildcard,
    webWildcard: cfg.previewHosting.webWildcard,
    listenerArn: alb.httpsListener.arn,
    albDnsName: alb.dnsName,
    validationRecordName: alb.certificate.domainValidationOptions[0].resourceRecordName,
    zoneId,
    cloudflareProvider: providers.cloudflare,
}, { ...opts, dependsOn: [alb] });
const previewBase: pulumi.Output<PreviewBase> | undefined = previewHosting && alb && network && sg && cfg.api && cfg.hosts.api ? pulumi.output({
    stack: cfg.stack,
    awsRegion: cfg.awsRegion,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    apiHost: cfg.hosts.api,
    webHost: cfg.hosts.web,
    listenerArn: pulumi.all([alb.httpsListener.arn, previewHosting.certificateArn]).apply(([arn]) => arn),
    albArnSuffix: alb.arnSuffix,
    containerPort: cfg.api.containerPort,
    taskSecurityGroupIds: sg.taskSecurityGroupIds,
    imageRepository: cluster && cluster.repositoryUrls.app && cluster.repositoryArns.app ? { url: cluster.repositoryUrls.app, arn: cluster.repositoryArns.app } : undefined,
    workerImageRepository: cluster && cluster.repositoryUrls.worker && cluster.repositoryArns.worker
        ? { url: cluster.repositoryUrls.worker, arn: cluster.repositoryArns.worker } : undefined,
    database: db && cfg.database?.kind === "rds" ? { host: db.endpoint, port: POSTGRES_PORT, name: cfg.database.name } : undefined,
    uploads: uploads && cfg.previewHosting ? {
        bucketName: uploads.bucketName, bucketArn: uploads.arn, kmsKeyArn: uploads.kmsKeyArn, prefix: cfg.previewHosting.uploadsPrefix,
    } : undefined,
    vercelProjectId: frontend ? frontend.projectId : undefined,
}) : undefined;
// The credentials previews copy into secrets of their own: all already in this stack's secret outputs (apiEnv).
const previewSecrets: pulumi.Output<PreviewSecrets> | undefined = previewBase && pulumi.secret(pulumi.output({
    databaseAdminUrl: db?.databaseUrl,
    redisUrl,
    stripeSecretKey: cfg.stripe?.secretKey,
    appSecrets: cfg.appSecrets,
}));

// ---- operations ------------------------------------------------------------------------------------
const monitoring = new Monitoring("ops", {
    profile: cfg.profile,
    alertEmail: cfg.alertEmail,
    httpsEndpoints: cfg.alerts.httpsEndpoints,
    thresholds: cfg.alerts.thresholds,
    // Nothing answers before an image is pushed: no health check until then.
    healthCheckUrl: imagePushed.app ? cfg.urls.health : undefined,
    awsRegion: cfg.awsRegion,
    tags,
    clusterName: cluster ? cluster.clusterName : undefined,
    api: api && alb && cfg.api ? {
        albArnSuffix: alb.arnSuffix, targetGroupArnSuffix: alb.targetGroupArnSuffix, serviceName: api.serviceName,
        minTasks: imagePushed.app ? cfg.api.minTasks : 0,
    } : undefined,
    worker: worker && cfg.worker ? { serviceName: worker.serviceName, minTasks: imagePushed.worker ? cfg.worker.minTasks : 0 } : undefined,
    database: db && cfg.database?.kind === "rds"
        ? { instanceId: db.instanceId, allocatedStorage: cfg.database.allocatedStorage, instanceClass: cfg.database.instanceClass } : undefined,
    cache: cache && cfg.cache?.kind === "elasticache" ? { clusterIds: cache.memberClusterIds, nodeCount: 1 + cfg.cache.replicas } : undefined,
    app: appMetrics ? {
        stack: cfg.stack,
        services: [...(api ? ["api" as const] : []), ...(worker ? ["worker" as const] : [])],
        webhooks: cfg.appMetrics && cfg.stripe?.webhook?.servedBy === "api" && !!api,
        stripe: cfg.appMetrics && !!cfg.stripe,
        queues: workerQueues,
    } : undefined,
    jobs: jobs && cluster ? {
        clusterArn: cluster.clusterArn, names: cfg.jobs.map((j) => j.name), scheduleGroupName: jobs.scheduleGroupName,
        stack: cfg.stack, noOverlap: cfg.jobs.filter((j) => !j.allowOverlap).map((j) => j.name),
    } : undefined,
}, opts);

// Actual and forecast spend above the stack's budget alert the same topic as the alarms.
new Budget("budget", {
    monthlyUsd: cfg.budget.monthlyUsd,
    alertTopicArn: monitoring.alertTopicArn,
    // Stacks sharing an account count only their own costs, by the provider's default `stack` tag.
    costFilterTag: cfg.budget.scope === "stackTag" ? { key: "stack", value: cfg.stack } : undefined,
}, opts);

// ---- stack outputs: the apps' and CI's contract (README.md, "Stack outputs"); absent parts export nothing
const launchOf = (role: "api" | "worker", svc: WebService | WorkerService | undefined) => svc && cluster && network && sg && ({
    cluster: cluster.clusterName, taskDefinition: svc.runTaskFamily, container: "app", subnets: network.privateSubnetIds,
    securityGroups: [sg.taskSecurityGroupIds[role]!], logGroup: svc.logGroupName, logStreamPrefix: role, platformVersion: "LATEST",
});
const outputs: Record<string, unknown> = {
    /** Which parts this stack has: the tools (env, task) read it to tell an absent part from a missing output. */
    parts: {
        api: !!api, worker: !!worker, database: cfg.database?.kind ?? "none", cache: cfg.cache?.kind ?? "none", uploads: !!uploads,
        stripe: cfg.stripe ? (cfg.stripe.webhook ? "webhook" : "key") : "none", frontend: !!frontend,
    },
    appUrl: cfg.urls.web,
    apiUrl: cfg.urls.api,
    healthUrl: cfg.urls.health,
    stripeWebhookUrl: cfg.stripe?.webhook?.url,
    awsRegion: cfg.awsRegion,
    /** The tasks' egress addresses (one per NAT): what a partner allowlists. */
    egressIps: network ? network.egressIps : undefined,
    imageRepositoryUrl: cluster ? cluster.repositoryUrls.app : undefined,
    workerImageRepositoryUrl: cluster ? cluster.repositoryUrls.worker : undefined,
    clusterName: cluster ? cluster.clusterName : undefined,
    apiServiceName: api ? api.serviceName : undefined,
    workerServiceName: worker ? worker.serviceName : undefined,
    bucketNames: uploads || logs || backups ? {
        ...(uploads ? { uploads: uploads.bucketName } : {}), ...(logs ? { logs: logs.bucketName } : {}), ...(backups ? { backups: backups.bucketName } : {}),
    } : undefined,
    databaseEndpoint: db?.endpoint,
    redisEndpoint: cache?.endpoint,
    appSecretsArn: secrets?.arn,
    /** The SNS topic every alarm of the stack's region notifies (for a chat integration's subscription). */
    alertTopicArn: monitoring.alertTopicArn,
    vercelProjectId: frontend ? frontend.projectId : undefined,
    /** Who ships the web app's production deployments, and what runs there: the release gate, visible in the plan. */
    webRelease: frontend && cfg.frontend ? webReleaseOutput({ ...cfg.frontend.release, repository: cfg.frontend.gitRepository }, cfg.stack, webRelease) : undefined,
    /** Whether Vercel verified each web domain (false: see groundwork:vercelDomainVerification). */
    webDomainsVerified: frontend ? frontend.domainsVerified : undefined,
    /** What `npm run task` needs to run a one-off command in a service's task definition, by service. */
    taskLaunch: compute ? {
        ...(api ? { api: launchOf("api", api) } : {}),
        ...(worker ? { worker: launchOf("worker", worker) } : {}),
        // Each scheduled job's definition, to run it now (or another command with its variables).
        ...(jobs && cluster && network && sg ? Object.fromEntries(Object.entries(jobs.launches).map(([job, l]) => [job, {
            cluster: cluster.clusterName, taskDefinition: l.taskDefinition, container: "app", subnets: network.privateSubnetIds,
            securityGroups: [sg.taskSecurityGroupIds.jobs!], logGroup: l.logGroup, logStreamPrefix: l.logStreamPrefix, platformVersion: "LATEST",
        }])) : {}),
    } : undefined,
    /** What docs/runbooks/database-access.md needs to start the relay and forward a port through it. */
    dbAccess: dbAccess && cluster && network && sg && db ? {
        cluster: cluster.clusterName, taskDefinition: dbAccess.taskFamily, container: RELAY_CONTAINER, subnets: network.privateSubnetIds,
        securityGroups: [sg.taskSecurityGroupIds.dbAccess!], databaseHost: db.endpoint, databasePort: POSTGRES_PORT,
    } : undefined,
    /** The api's full environment (plain settings and secret values), for `npm run env`. Secret. */
    apiEnv: api && secrets ? resolvedEnvironment(env.api, secrets.values) : undefined,
    /** The worker's full environment. Secret. */
    workerEnv: worker && secrets ? resolvedEnvironment(env.worker, secrets.values) : undefined,
    /** The web app's environment, public and sensitive variables. Secret, as the apps' environments are. */
    webEnv: frontend && webEnv ? resolvedWebEnvironment(webEnv) : undefined,
    /** What pull-request previews read through a stack reference (components/preview/contract.ts). */
    previewBase,
    /** The credentials previews copy into secrets of their own. Secret. */
    previewSecrets,
};
// Only the present parts' outputs exist (an undefined export would be a warning on every `up`).
export = Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
