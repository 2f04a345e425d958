/**
 * One small resolver per part: each reads the merged, schema-checked values, applies the rules
 * of its part (and the combinations that cannot work), reports problems by key, and returns the
 * part's typed settings, or `undefined` when the stack file leaves the part out.
 */
import { cacheMajors, cacheParameterFamily } from "../data/cache";
import type { ResolveContext } from "./config";
import { AWS_REGION_AZS, AWS_US_REGIONS, FargateSpotMode, fargateMemoryChoices } from "./defaults";
import { resolveAppEnvironment, resolveWebEnvironment } from "./parts-env";
import { resolveEdge } from "./parts-edge";
import { resolveOperations } from "./parts-ops";
import type {
    ApiConfig, CacheConfig, DatabaseConfig, GroundworkConfig, MigrationConfig, NetworkConfig, WorkerConfig,
} from "./types";

/** Exec form of a command: split on whitespace, run without a shell (no `&&`, pipes or expansion). */
export function execForm(cmd: string): string[] {
    return cmd.split(/\s+/).filter(Boolean);
}

const SHELL_SYNTAX = /(&&|\|\||[|;<>`$]|\bcd\b)/;

export function resolveParts(ctx: ResolveContext): GroundworkConfig {
    const { v } = ctx;
    const api = resolveApi(ctx);
    const worker = resolveWorker(ctx, !!api);
    const database = resolveDatabase(ctx, !!api || !!worker);
    const cache = resolveCache(ctx, !!api || !!worker, !!worker);
    const inVpc = !!api || !!worker || database?.kind === "rds" || cache?.kind === "elasticache";
    const edge = resolveEdge(ctx, { api: !!api });
    const env = resolveAppEnvironment(ctx, {
        api: !!api, worker: !!worker, database: !!database, databaseUnpooled: database?.kind === "external" && !!database.unpooledUrl,
        rds: database?.kind === "rds", cache: !!cache, uploads: v.uploads === true, frontend: !!edge.frontend,
        stripe: !!edge.stripe, stripeWebhookOnApi: edge.stripe?.webhook?.servedBy === "api",
        appMetrics: (v.appMetrics === true || (worker?.queues.length ?? 0) > 0) && (!!api || !!worker),
    });
    const web = resolveWebEnvironment(ctx, {
        frontend: edge.frontend, appEnv: env.appEnv, appSecretNames: env.appSecretNames,
        parts: {
            api: !!api, compute: !!api || !!worker, database: database?.kind, databaseUnpooled: database?.kind === "external" && !!database.unpooledUrl,
            cache: cache?.kind, uploads: v.uploads === true && (!!api || !!worker), stripe: !!edge.stripe, stripeWebhook: edge.stripe?.webhook?.servedBy,
            generated: env.generatedSecrets.map((g) => g.name),
        },
    });
    const ops = resolveOperations(ctx, { api: !!api, worker: !!worker, workerOwnImage: worker?.image === "own", rds: database?.kind === "rds" });
    if (ctx.profile === "prod" && ctx.ok("imageTag") && v.imageTag === "latest") {
        ctx.report("imageTag", "must not be \"latest\" in prod: a mutable tag makes deploys unrepeatable and rollbacks impossible");
    }
    if (v.uploads === true && !api && !worker) {
        ctx.report("uploads", "is true but no service uses the bucket (groundwork:api and groundwork:worker are both false); set uploads: false. Example: false", false);
    }
    return {
        project: ctx.project,
        stack: ctx.stack,
        profile: ctx.profile,
        preview: undefined,
        // Set by config.ts once the parts are known (resolvePreviewHosting).
        previewHosting: undefined,
        awsRegion: ctx.awsRegion,
        domain: v.domain,
        alertEmail: v.alertEmail,
        protectData: ctx.profile === "prod",
        hosts: edge.hosts,
        urls: edge.urls,
        image: { tag: v.imageTag, architecture: v.cpuArchitecture, retentionCount: v.imageRetentionCount },
        spot: spotPlacement(v.fargateSpot, v.workerMinTasks, v.workerSpotPercent),
        budget: { monthlyUsd: v.monthlyBudget, scope: v.budgetScope },
        logRetentionDays: v.logRetentionDays,
        network: inVpc ? resolveNetwork(ctx) : undefined,
        api,
        worker,
        migrations: resolveMigrations(ctx, !!api || !!worker),
        database,
        cache,
        uploads: v.uploads ? { noncurrentVersionDays: v.uploadsNoncurrentVersionDays } : undefined,
        // Only what holds data in AWS is copied: RDS's backups, the uploads and the backups bucket
        // (for an external database its dumps are the only copy the team holds).
        backupRegion: database?.kind === "rds" || v.uploads === true || !!ops.backups ? resolveBackupRegion(ctx) : undefined,
        permissionsBoundaryArn: v.permissionsBoundaryArn,
        logBucket: { expirationDays: v.logBucketExpirationDays },
        stripe: edge.stripe,
        frontend: edge.frontend,
        cloudflare: edge.cloudflare,
        dnsRecords: edge.dnsRecords,
        ...env,
        ...web,
        ...ops,
    };
}

function resolveNetwork(ctx: ResolveContext): NetworkConfig {
    const { v } = ctx;
    const regionAzs = AWS_REGION_AZS[ctx.awsRegion as keyof typeof AWS_REGION_AZS];
    if (ctx.ok("azCount") && regionAzs !== undefined && v.azCount > regionAzs) {
        ctx.report("azCount", `${v.azCount} is more than the ${regionAzs} availability zones ${ctx.awsRegion} offers; set groundwork:azCount: ${regionAzs}`);
    }
    return {
        azCount: v.azCount, vpcCidr: v.vpcCidr, natGateways: v.natGateways, egress: v.egress, natInstanceType: v.natInstanceType,
        interfaceEndpoints: v.interfaceEndpoints,
    };
}

/** Fargate accepts only certain CPU/memory pairs. */
function checkTaskSize(ctx: ResolveContext, role: "api" | "worker"): void {
    if (!ctx.ok(`${role}Cpu`, `${role}Memory`)) return;
    const cpu = ctx.v[`${role}Cpu`], mem = ctx.v[`${role}Memory`];
    const choices = fargateMemoryChoices(cpu);
    if (!choices) {
        ctx.report(`${role}Cpu`, `${cpu} is not a Fargate CPU size; use 256, 512, 1024, 2048, 4096, 8192 or 16384`);
    } else if (!choices.includes(mem)) {
        ctx.report(`${role}Memory`, `${mem} MiB is not valid with ${role}Cpu ${cpu}; Fargate allows ` +
            `${choices.length > 6 ? `${choices[0]}-${choices[choices.length - 1]} in steps of ${choices[1] - choices[0]}` : choices.join(", ")} MiB`);
    }
}

export function resolveApi(ctx: ResolveContext): ApiConfig | undefined {
    const { v } = ctx;
    if (!v.api) {
        if (v.apiProxied === true) ctx.report("apiProxied", "is true but groundwork:api is false: there is no API host to proxy");
        return undefined;
    }
    if (ctx.ok("apiMinTasks", "apiMaxTasks") && v.apiMinTasks > v.apiMaxTasks) {
        ctx.report("apiMinTasks", `(${v.apiMinTasks}) must not exceed groundwork:apiMaxTasks (${v.apiMaxTasks})`);
    }
    checkTaskSize(ctx, "api");
    checkCommand(ctx, "startCommand", v.startCommand);
    // The ALB refuses a health check whose timeout is not shorter than its interval.
    if (ctx.ok("apiHealthCheckIntervalSeconds", "apiHealthCheckTimeoutSeconds") && v.apiHealthCheckTimeoutSeconds >= v.apiHealthCheckIntervalSeconds) {
        ctx.report("apiHealthCheckTimeoutSeconds", `(${v.apiHealthCheckTimeoutSeconds}) must be less than groundwork:apiHealthCheckIntervalSeconds ` +
            `(${v.apiHealthCheckIntervalSeconds}): the load balancer waits for one answer before it sends the next check. Example: interval 30, timeout 10`, false);
    }
    return {
        cpu: v.apiCpu, memory: v.apiMemory, minTasks: v.apiMinTasks, maxTasks: v.apiMaxTasks, containerPort: v.containerPort,
        healthCheckPath: v.healthCheckPath, startCommand: execForm(v.startCommand ?? ""), proxied: v.apiProxied,
        deletionProtection: ctx.profile === "prod",
        // Access logs cost S3 storage only; both profiles keep them for incident review.
        accessLogs: true,
        loadBalancer: {
            idleTimeoutSeconds: v.apiIdleTimeoutSeconds,
            stickinessSeconds: v.apiStickySessionSeconds > 0 ? v.apiStickySessionSeconds : undefined,
            healthCheck: {
                intervalSeconds: v.apiHealthCheckIntervalSeconds, timeoutSeconds: v.apiHealthCheckTimeoutSeconds,
                healthyThreshold: v.apiHealthyThreshold, unhealthyThreshold: v.apiUnhealthyThreshold,
            },
        },
    };
}

export function resolveWorker(ctx: ResolveContext, api: boolean): WorkerConfig | undefined {
    const { v } = ctx;
    const queues = ctx.ok("workerQueues") ? v.workerQueues : [];
    if (!v.worker) {
        if (v.workerImage === "own") ctx.report("workerImage", "is \"own\" but groundwork:worker is false; remove it or set worker: true");
        if (queues.length > 0) ctx.report("workerQueues", "names queues but groundwork:worker is false: there is no worker to scale on them");
        return undefined;
    }
    if (new Set(queues).size !== queues.length) ctx.report("workerQueues", "names a queue twice");
    // From zero tasks only the queue's metric can start a worker, and a worker that is not running
    // publishes nothing: the api (which enqueues) must publish the queue's gauges then.
    if (ctx.ok("workerMinTasks") && v.workerMinTasks === 0 && queues.length > 0 && !api) {
        ctx.report("workerMinTasks", "is 0 with groundwork:workerQueues but the stack has no api: while no worker runs nothing in the stack publishes " +
            "QueueWaiting, so nothing would start one. Keep workerMinTasks at 1 or more (the worker publishes the gauges), or publish them from the app " +
            "that enqueues (README, \"The apps' own metrics\")", false);
    }
    if (ctx.ok("workerMinTasks", "workerMaxTasks") && v.workerMinTasks > v.workerMaxTasks) {
        ctx.report("workerMinTasks", `(${v.workerMinTasks}) must not exceed groundwork:workerMaxTasks (${v.workerMaxTasks})`);
    }
    checkTaskSize(ctx, "worker");
    checkCommand(ctx, "workerCommand", v.workerCommand);
    if (v.workerCommand === "" && v.workerImage !== "own") {
        ctx.report("workerCommand", "is empty (the image's own command), but the worker runs the api's image (groundwork:workerImage \"app\"), whose command starts the api; name the worker's command");
    }
    if (v.workerHealthCheckCommand) checkCommand(ctx, "workerHealthCheckCommand", v.workerHealthCheckCommand);
    if (v.workerImage === "app" && v.workerImageTag) {
        ctx.report("workerImageTag", "is set but groundwork:workerImage is \"app\" (the worker runs the api's image and tag); set workerImage: own or remove it");
    }
    if (ctx.profile === "prod" && v.workerImageTag === "latest") {
        ctx.report("workerImageTag", "must not be \"latest\" in prod: a mutable tag makes deploys unrepeatable and rollbacks impossible");
    }
    return {
        cpu: v.workerCpu, memory: v.workerMemory, minTasks: v.workerMinTasks, maxTasks: v.workerMaxTasks,
        command: v.workerCommand ? execForm(v.workerCommand) : undefined, concurrency: v.workerConcurrency, image: v.workerImage,
        imageTag: v.workerImage === "own" ? v.workerImageTag : undefined,
        healthCheckCommand: v.workerHealthCheckCommand ? execForm(v.workerHealthCheckCommand) : undefined,
        queues, queueTarget: v.workerQueueTarget,
    };
}

/** Commands run without a shell: shell syntax would reach the program as literal words. */
function checkCommand(ctx: ResolveContext, key: "startCommand" | "workerCommand" | "workerHealthCheckCommand" | "migrateCommands", cmd: string | undefined): void {
    if (cmd && SHELL_SYNTAX.test(cmd)) {
        ctx.report(key, `"${cmd.slice(0, 60)}" uses shell syntax (&&, |, ;, $, cd…), but commands run without a shell ` +
            `(no injection, exact arguments). Use one command per entry${key === "migrateCommands" ? " and groundwork:migrateWorkingDirectory for cd" : ""}`);
    }
}

export function resolveMigrations(ctx: ResolveContext, compute: boolean): MigrationConfig {
    const { v } = ctx;
    const commands = ctx.ok("migrateCommands") ? v.migrateCommands : [];
    for (const c of commands) checkCommand(ctx, "migrateCommands", c);
    if (!compute) return { steps: [], workingDirectory: undefined };
    return { steps: commands.map(execForm), workingDirectory: v.migrateWorkingDirectory };
}

/** The port in a connection URL (the scheme's default when it has none); the URL is never echoed. */
function urlPort(ctx: ResolveContext, key: string, raw: string, schemes: Record<string, number>): number {
    let u: URL | undefined;
    try { u = new URL(raw); } catch { u = undefined; }
    const scheme = u?.protocol.replace(/:$/, "");
    if (!u || !scheme || !(scheme in schemes) || !u.hostname) {
        ctx.report(key, `is not a ${Object.keys(schemes).join(":// or ")}:// URL with a host (the value is not shown)`);
        return 0;
    }
    return u.port ? Number(u.port) : schemes[scheme];
}

function resolveDatabase(ctx: ResolveContext, compute: boolean): DatabaseConfig | undefined {
    const { v } = ctx;
    const url = ctx.secret("databaseUrl");
    const unpooled = ctx.secret("databaseUrlUnpooled");
    if (v.database !== "external") {
        for (const [key, s] of [["databaseUrl", url], ["databaseUrlUnpooled", unpooled]] as const) {
            if (s) ctx.report(key, `is set but groundwork:database is "${v.database}"; set database: external to use it, or remove it`);
        }
    }
    if (v.database === "none" || !ctx.ok("database")) return undefined;
    if (v.database === "external") {
        if (!url) {
            ctx.report("databaseUrl", `is not set but groundwork:database is "external". Run: pulumi config set --secret databaseUrl 'postgresql://…' --stack ${ctx.stack}`, false);
            return undefined;
        }
        const schemes = { postgres: 5432, postgresql: 5432 };
        const port = urlPort(ctx, "databaseUrl", url.raw, schemes);
        if (unpooled) urlPort(ctx, "databaseUrlUnpooled", unpooled.raw, schemes);
        return { kind: "external", url: url.output, unpooledUrl: unpooled?.output, port };
    }
    if (!compute) {
        ctx.report("database", "is \"rds\" but no service runs in the stack's VPC (groundwork:api and groundwork:worker are false): " +
            "the database is private, and nothing outside the VPC (Vercel included) can reach it. Use database: external or none");
    }
    if (ctx.ok("dbMaxAllocatedStorage", "dbAllocatedStorage") && v.dbMaxAllocatedStorage < v.dbAllocatedStorage) {
        ctx.report("dbMaxAllocatedStorage", `(${v.dbMaxAllocatedStorage}) must be at least groundwork:dbAllocatedStorage (${v.dbAllocatedStorage})`);
    }
    if (ctx.profile === "prod" && ctx.ok("dbBackupRetentionDays") && v.dbBackupRetentionDays < 14) {
        ctx.report("dbBackupRetentionDays", `must be at least 14 in prod, got ${v.dbBackupRetentionDays}`);
    }
    return {
        kind: "rds", engineVersion: v.dbEngineVersion, instanceClass: v.dbInstanceClass, allocatedStorage: v.dbAllocatedStorage,
        maxAllocatedStorage: v.dbMaxAllocatedStorage, backupRetentionDays: v.dbBackupRetentionDays, multiAz: ctx.profile === "prod",
        deletionProtection: ctx.profile === "prod", name: v.dbName, username: v.dbUsername,
    };
}

function resolveCache(ctx: ResolveContext, compute: boolean, worker: boolean): CacheConfig | undefined {
    const { v } = ctx;
    const url = ctx.secret("redisUrl");
    if (v.cache !== "external" && url) ctx.report("redisUrl", `is set but groundwork:cache is "${v.cache}"; set cache: external to use it, or remove it`);
    if (worker && v.cache === "none") {
        ctx.report("cache", "is \"none\" but groundwork:worker is true: a BullMQ worker needs Redis. Set cache: elasticache, or cache: external with groundwork:redisUrl, or worker: false");
    }
    if (v.cache === "none" || !ctx.ok("cache")) return undefined;
    if (v.cache === "external") {
        if (!url) {
            ctx.report("redisUrl", `is not set but groundwork:cache is "external". Run: pulumi config set --secret redisUrl 'rediss://…' --stack ${ctx.stack}`, false);
            return undefined;
        }
        return { kind: "external", url: url.output, port: urlPort(ctx, "redisUrl", url.raw, { redis: 6379, rediss: 6379 }) };
    }
    if (!compute) {
        ctx.report("cache", "is \"elasticache\" but no service runs in the stack's VPC (groundwork:api and groundwork:worker are false): " +
            "the cache is private. Use cache: external or none");
    }
    if (ctx.ok("cacheEngine", "cacheEngineVersion") && !cacheParameterFamily(v.cacheEngine, v.cacheEngineVersion)) {
        ctx.report("cacheEngineVersion", `"${v.cacheEngineVersion}" is not a ${v.cacheEngine} version this stack runs: majors ${cacheMajors(v.cacheEngine).join(" or ")} ` +
            "(Redis OSS 6 cannot require TLS: transitEncryptionMode needs 7.0.5 or later)");
    }
    return {
        kind: "elasticache", engine: v.cacheEngine, engineVersion: v.cacheEngineVersion, nodeType: v.cacheNodeType,
        replicas: v.cacheReplicas, snapshotRetentionDays: v.cacheSnapshotRetentionDays,
    };
}

/** `groundwork:backupRegion`: "none", or a US region other than the stack's own. */
function resolveBackupRegion(ctx: ResolveContext): string | undefined {
    const region = ctx.v.backupRegion;
    if (!ctx.ok("backupRegion") || region === "none") return undefined;
    if (!(AWS_US_REGIONS as readonly string[]).includes(region)) {
        ctx.report("backupRegion", `must be a US region (${AWS_US_REGIONS.join(", ")}) or "none", got "${region}"`);
        return undefined;
    }
    if (region === ctx.awsRegion) {
        ctx.report("backupRegion", `must differ from aws:region (${ctx.awsRegion}): a copy in the stack's own region does not survive its loss; "none" turns the copy off`);
        return undefined;
    }
    return region;
}

/** Each service's on-demand/Spot split for a `groundwork:fargateSpot` mode. */
export function spotPlacement(mode: FargateSpotMode, workerMinTasks: number, workerSpotPercent: number): GroundworkConfig["spot"] {
    const onDemand = { onDemandBase: 0, spotPercent: 0 };
    switch (mode) {
        case "all": return { mode, api: { onDemandBase: 0, spotPercent: 100 }, worker: { onDemandBase: 0, spotPercent: 100 } };
        case "workerAboveBase": return { mode, api: onDemand, worker: { onDemandBase: workerMinTasks, spotPercent: workerSpotPercent } };
        default: return { mode, api: onDemand, worker: onDemand };
    }
}
