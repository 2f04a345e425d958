/**
 * Groundwork: reads the validated stack config, composes the components, and exports the
 * outputs the apps and CI consume (documented in README.md).
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { appEnvironment } from "./components/compute/app-env";
import { AppSecrets } from "./components/data/app-secrets";
import { Cache } from "./components/data/cache";
import { Cluster } from "./components/compute/cluster";
import { loadConfig } from "./components/config/config";
import { Database } from "./components/data/database";
import { Dns } from "./components/edge/dns";
import { Frontend } from "./components/edge/frontend";
import { LoadBalancer } from "./components/edge/load-balancer";
import { Monitoring } from "./components/ops/monitoring";
import { Network } from "./components/net/network";
import { createProviders } from "./components/config/providers";
import { SecurityGroups } from "./components/net/security-groups";
import { WebService, WorkerService } from "./components/compute/service";
import { PrivateBucket } from "./components/data/storage";
import { StripeWebhookEndpoint } from "./components/edge/stripe-webhook";

// Every key is validated first: a bad value stops the program before any resource is registered.
const cfg = loadConfig();

/** Tags every AWS resource carries (through the provider's defaultTags). */
const tags = { app: cfg.project, stack: cfg.stack, "managed-by": "pulumi" };
const providers = createProviders({
    awsRegion: cfg.awsRegion,
    tags,
    vercelTeam: cfg.vercel.team,
});
// Components hand these to their children; nothing falls back to a default provider.
const opts: pulumi.ComponentResourceOptions = { providers: [providers.aws, providers.cloudflare, providers.vercel] };

const appUrl = `https://${cfg.appHost}`;
const apiBase = `https://${cfg.apiHost}`;
const apiUrl = `${apiBase}/api/v1`;
const healthUrl = `${apiBase}${cfg.api.healthCheckPath}`;
const stripeWebhookUrl = `${apiUrl}/webhooks/stripe`;

const zoneId: pulumi.Input<string> = cfg.cloudflare.zoneId
    ?? cloudflare.getZoneOutput({ filter: { name: cfg.cloudflare.zoneName } }, { provider: providers.cloudflare }).zoneId;

// ---- network -------------------------------------------------------------------------------------
const network = new Network("net", {
    cidrBlock: cfg.network.vpcCidr,
    azCount: cfg.network.azCount,
    natGateways: cfg.network.natGateways,
    interfaceEndpoints: cfg.network.interfaceEndpoints,
    flowLogRetentionDays: cfg.logRetentionDays,
}, opts);

const sg = new SecurityGroups("sg", {
    vpcId: network.vpcId,
    containerPort: cfg.api.containerPort,
    albIngressCidrs: cfg.cloudflare.apiProxied
        ? cloudflare.getIpRangesOutput({}, { provider: providers.cloudflare }).ipv4Cidrs
        : undefined,
}, opts);

// ---- data ----------------------------------------------------------------------------------------
const logs = new PrivateBucket("logs", {
    expirationDays: cfg.storage.logExpirationDays,
    acceptAccessLogs: true,
    protect: cfg.protectData,
}, opts);

const frontend = new Frontend("web", {
    projectName: cfg.vercel.projectName,
    regions: cfg.vercel.regions,
    rootDirectory: cfg.vercel.rootDirectory,
    gitRepository: cfg.vercel.gitRepository,
    domain: cfg.appHost,
    environment: { NEXT_PUBLIC_API_URL: apiUrl, ...cfg.vercel.env },
}, opts);

const allowedOrigins = pulumi.interpolate`${appUrl},https://${frontend.vercelDomain}`;

const uploads = new PrivateBucket("uploads", {
    noncurrentVersionDays: cfg.storage.noncurrentVersionDays,
    corsOrigins: [appUrl, pulumi.interpolate`https://${frontend.vercelDomain}`],
    accessLogBucket: logs.bucketName,
    protect: cfg.protectData,
}, opts);

const db = new Database("db", {
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
}, opts);

const cache = new Cache("cache", {
    subnetIds: network.privateSubnetIds,
    securityGroupId: sg.cacheSecurityGroupId,
    engine: cfg.cache.engine,
    engineVersion: cfg.cache.engineVersion,
    nodeType: cfg.cache.nodeType,
    replicas: cfg.cache.replicas,
    snapshotRetentionDays: cfg.cache.snapshotRetentionDays,
    protect: cfg.protectData,
}, opts);

// ---- edge: Stripe ---------------------------------------------------------------------------------
const webhook = new StripeWebhookEndpoint("stripe-webhook", {
    url: stripeWebhookUrl,
    enabledEvents: cfg.stripe.webhookEvents,
    description: `${cfg.project} ${cfg.stack}`,
    apiVersion: cfg.stripe.apiVersion,
    apiKey: cfg.stripe.secretKey,
    mode: cfg.stripe.mode,
}, { protect: cfg.protectData });

const secrets = new AppSecrets("app-secrets", {
    secretName: `${cfg.project}-${cfg.stack}/app`,
    values: {
        DATABASE_URL: db.databaseUrl,
        REDIS_URL: cache.redisUrl,
        STRIPE_SECRET_KEY: cfg.stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: webhook.secret,
        ...Object.fromEntries(cfg.appSecretNames.map((n) => [n, cfg.appSecrets.apply((s) => s[n])])),
    },
    protect: cfg.protectData,
}, opts);

// ---- compute -------------------------------------------------------------------------------------
const cluster = new Cluster("app", { imageRetentionCount: cfg.image.retentionCount }, opts);

const alb = new LoadBalancer("alb", {
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    securityGroupId: sg.albSecurityGroupId,
    domainName: cfg.apiHost,
    zoneId,
    cloudflareProvider: providers.cloudflare,
    containerPort: cfg.api.containerPort,
    healthCheckPath: cfg.api.healthCheckPath,
    deletionProtection: cfg.loadBalancer.deletionProtection,
    accessLogsBucket: cfg.loadBalancer.accessLogs ? logs.bucketName : undefined,
}, opts);

const env = appEnvironment({
    s3Bucket: uploads.bucketName,
    s3Region: cfg.awsRegion,
    allowedOrigins,
    containerPort: cfg.api.containerPort,
    workerConcurrency: cfg.worker.concurrency,
    extra: cfg.appEnv,
});
const image = pulumi.interpolate`${cluster.repositoryUrl}:${cfg.image.tag}`;
const shared = {
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    image,
    repositoryArn: cluster.repositoryArn,
    architecture: cfg.image.architecture,
    subnetIds: network.privateSubnetIds,
    secretArn: secrets.arn,
    secretKeys: secrets.keys,
    bucketArns: [uploads.arn],
    logRetentionDays: cfg.logRetentionDays,
};

const api = new WebService("api", {
    ...shared,
    cpu: cfg.api.cpu,
    memory: cfg.api.memory,
    minTasks: cfg.api.minTasks,
    maxTasks: cfg.api.maxTasks,
    command: cfg.api.startCommand,
    migrateCommand: cfg.api.migrateCommand,
    containerPort: cfg.api.containerPort,
    securityGroupId: sg.apiSecurityGroupId,
    environment: env.api,
    targetGroupArn: alb.targetGroupArn,
    listener: alb.httpsListener,
    requestCountResourceLabel: pulumi.interpolate`${alb.arnSuffix}/${alb.targetGroupArnSuffix}`,
}, opts);

// The worker's rollout starts only once the api service's (migrations included) is steady: on the
// service, not the whole api component, whose autoscaling policies the worker has no reason to wait for.
const worker = new WorkerService("worker", {
    ...shared,
    cpu: cfg.worker.cpu,
    memory: cfg.worker.memory,
    minTasks: cfg.worker.minTasks,
    maxTasks: cfg.worker.maxTasks,
    command: cfg.worker.command,
    securityGroupId: sg.workerSecurityGroupId,
    environment: env.worker,
}, { ...opts, dependsOn: [api.service] });

// Only the two execution roles (and whoever runs Pulumi) may read the app secret's value.
secrets.restrictReadersTo([api.executionRoleArn, worker.executionRoleArn]);

// ---- edge: DNS -----------------------------------------------------------------------------------
new Dns("dns", {
    zoneId,
    appHost: cfg.appHost,
    apiHost: cfg.apiHost,
    albDnsName: alb.dnsName,
    apiProxied: cfg.cloudflare.apiProxied,
    manageZoneSettings: cfg.cloudflare.manageZoneSettings,
}, opts);

// ---- operations ----------------------------------------------------------------------------------
new Monitoring("ops", {
    profile: cfg.profile,
    alertEmail: cfg.alertEmail,
    healthCheckUrl: healthUrl,
    awsRegion: cfg.awsRegion,
    tags,
    albArnSuffix: alb.arnSuffix,
    targetGroupArnSuffix: alb.targetGroupArnSuffix,
    clusterName: cluster.clusterName,
    apiServiceName: api.serviceName,
    workerServiceName: worker.serviceName,
    apiMinTasks: cfg.api.minTasks,
    workerMinTasks: cfg.worker.minTasks,
    dbInstanceId: db.instanceId,
    dbAllocatedStorage: cfg.database.allocatedStorage,
    dbInstanceClass: cfg.database.instanceClass,
    cacheClusterIds: cache.memberClusterIds,
    cacheNodeCount: 1 + cfg.cache.replicas,
}, opts);

// ---- stack outputs: the apps' and CI's contract (README.md, "Stack outputs") ---------------------
export { appUrl, apiUrl, healthUrl, stripeWebhookUrl };
export const awsRegion = cfg.awsRegion;
export const imageRepositoryUrl = cluster.repositoryUrl;
export const clusterName = cluster.clusterName;
export const apiServiceName = api.serviceName;
export const workerServiceName = worker.serviceName;
export const bucketNames = { uploads: uploads.bucketName, logs: logs.bucketName };
export const databaseEndpoint = db.endpoint;
export const redisEndpoint = cache.endpoint;
export const appSecretsArn = secrets.arn;
export const vercelProjectId = frontend.projectId;
/** The api's full environment (plain settings and secret values), for `npm run env`. Secret. */
export const apiEnv = pulumi.secret(pulumi.all([pulumi.output(env.api), secrets.values]).apply(([plain, secret]) => ({ ...plain, ...secret })));
/** The worker's full environment. Secret. */
export const workerEnv = pulumi.secret(pulumi.all([pulumi.output(env.worker), secrets.values]).apply(([plain, secret]) => ({ ...plain, ...secret })));
/** The web app's environment. Secret, as the apps' environments are. */
export const webEnv = pulumi.secret(pulumi.output({ NEXT_PUBLIC_API_URL: apiUrl, ...cfg.vercel.env }));
