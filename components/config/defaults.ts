/**
 * Profile defaults and the fixed tables the config rules check against.
 * A stack file holds only overrides of these.
 */

import { AWS_US_REGIONS, CREDENTIAL_NAME, VERCEL_US_REGIONS } from "../../policies/tables";
import { NAT_INSTANCE_TYPES, NatInstanceType } from "../net/nat-instance-types";

// The region lists and the credential-name rule live with the policy pack, which must not import the program.
export { AWS_US_REGIONS, VERCEL_US_REGIONS };

/** The sizing and safety rules a stack follows (alarm thresholds, protection, Stripe key mode). */
export type Profile = "staging" | "prod";
/**
 * What `groundwork:profile` may name: a sizing profile, or `preview`, a pull request's stack
 * (`pr-<number>`) on the shared parts of a base stack. A preview follows staging's safety rules
 * (test-mode Stripe, nothing protected) with the smallest sizes (PROFILE_DEFAULTS.preview).
 */
export type StackProfile = Profile | "preview";

/** A pull request's preview stack is named `pr-<number>`. */
export const PREVIEW_STACK = /^pr-([1-9][0-9]{0,6})$/;
/**
 * Availability zones an account can use in each US region (us-west-1 offers new accounts two).
 * `azCount` may not exceed it: a third subnet in us-west-1 would fail at `pulumi up`.
 */
export const AWS_REGION_AZS: Record<(typeof AWS_US_REGIONS)[number], number> = {
    "us-east-1": 6, "us-east-2": 3, "us-west-1": 2, "us-west-2": 4,
};
/**
 * The second US region a prod stack copies its data to (database backups, uploads) when
 * `groundwork:backupRegion` is empty: across the country from the stack's own, so that one
 * regional event is unlikely to take both. AWS replicates RDS backups between every pair of US regions.
 */
export const DEFAULT_BACKUP_REGION: Record<(typeof AWS_US_REGIONS)[number], string> = {
    "us-east-1": "us-west-2", "us-east-2": "us-west-2", "us-west-1": "us-east-2", "us-west-2": "us-east-2",
};
/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
/** RDS classes offered (Graviton, current generation). */
export const DB_INSTANCE_CLASSES = [
    "db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t4g.large",
    "db.m7g.large", "db.m7g.xlarge", "db.m7g.2xlarge", "db.r7g.large", "db.r7g.xlarge", "db.r7g.2xlarge",
] as const;
/** ElastiCache node types offered (Graviton, current generation). */
export const CACHE_NODE_TYPES = [
    "cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium", "cache.m7g.large", "cache.m7g.xlarge", "cache.r7g.large", "cache.r7g.xlarge",
] as const;

/** NAT instance sizes offered (Graviton t4g, for the ARM64 image; bandwidth and prices in nat-instance.ts). */
export const NAT_INSTANCE_TYPE_NAMES = Object.keys(NAT_INSTANCE_TYPES) as [NatInstanceType, ...NatInstanceType[]];
/**
 * Fargate Spot placements: `off` (every task on-demand), `all` (every api and worker task on
 * Spot), `workerAboveBase` (the api and the worker's first workerMinTasks on-demand, then
 * workerSpotPercent of further worker tasks on Spot).
 */
export const FARGATE_SPOT_MODES = ["off", "all", "workerAboveBase"] as const;
export type FargateSpotMode = (typeof FARGATE_SPOT_MODES)[number];

/**
 * Vercel's framework presets (the `slug`s of vercel/vercel packages/frameworks/src/frameworks.ts,
 * read 2026-08-03). The provider checks `framework` against Vercel's live list at preview.
 */
export const VERCEL_FRAMEWORKS = [
    "nextjs", "vite", "remix", "react-router", "astro", "sveltekit", "sveltekit-1", "svelte", "nuxtjs", "vue", "angular",
    "create-react-app", "gatsby", "blitzjs", "preact", "solidstart", "solidstart-1", "tanstack-start", "redwoodjs", "hydrogen",
    "ember", "docusaurus", "docusaurus-2", "eleventy", "hexo", "hugo", "jekyll", "zola", "gridsome", "umijs", "sapper", "saber",
    "stencil", "scully", "ionic-angular", "ionic-react", "polymer", "dojo", "brunch", "middleman", "vitepress", "vuepress",
    "parcel", "storybook", "sanity", "sanity-v2", "nitro", "hono", "express", "h3", "koa", "nestjs", "elysia", "fastify",
    "fastapi", "flask", "django", "python", "node", "bun", "go", "ruby", "rust", "axum", "actix-web", "container", "services",
] as const;

/**
 * Node.js versions Vercel builds with: the provider accepts 18.x-24.x; Vercel retired 18.x
 * (2025-09-01) and 20.x (2026-10-01), so builds on them fail.
 */
export const VERCEL_NODE_VERSIONS = ["22.x", "24.x"] as const;
/** Node.js versions Vercel no longer builds with, and when it stopped. */
export const VERCEL_RETIRED_NODE_VERSIONS: Record<string, string> = { "18.x": "2025-09-01", "20.x": "2026-10-01" };

/** Variable names that may hold a credential (`policies/tables.ts`). */
export const SECRET_LOOKING_NAME = CREDENTIAL_NAME;

/** Fargate's valid memory sizes (MiB) for a CPU size (units), or undefined for an invalid CPU. */
export function fargateMemoryChoices(cpu: number): number[] | undefined {
    const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
    switch (cpu) {
        case 256: return [512, 1024, 2048];
        case 512: return range(1024, 4096, 1024);
        case 1024: return range(2048, 8192, 1024);
        case 2048: return range(4096, 16384, 1024);
        case 4096: return range(8192, 30720, 1024);
        case 8192: return range(16384, 61440, 4096);
        case 16384: return range(32768, 122880, 8192);
        default: return undefined;
    }
}

const shared = {
    cpuArchitecture: "X86_64",
    // The parts: the full shape (000's) unless the stack file says otherwise.
    api: true,
    worker: true,
    database: "rds",
    cache: "elasticache",
    uploads: true,
    stripe: "webhook",
    frontend: true,
    webHost: "app",
    webRedirectHosts: [] as string[],
    apiHost: "api",
    apiBasePath: "/api/v1",
    webApiUrlVariable: "NEXT_PUBLIC_API_URL",
    vpcCidr: "10.0.0.0/16",
    // NAT instances: ~$7.36/month each against a NAT gateway's $36.50 (README, "Egress").
    egress: "natInstance",
    budgetScope: "account",
    natInstanceType: "t4g.nano",
    interfaceEndpoints: false,
    containerPort: 3000,
    healthCheckPath: "/api/v1/health",
    // The ALB's: 60 s idle, no stickiness, a check every 15 s with a 5 s timeout, 2 to serve, 3 to leave.
    apiIdleTimeoutSeconds: 60,
    apiStickySessionSeconds: 0,
    apiHealthCheckIntervalSeconds: 15,
    apiHealthCheckTimeoutSeconds: 5,
    apiHealthyThreshold: 2,
    apiUnhealthyThreshold: 3,
    startCommand: "node dist/main.js",
    migrateCommands: ["npx prisma migrate deploy"],
    workerCommand: "node dist/worker.js",
    workerConcurrency: 5,
    workerMinTasks: 1,
    workerImage: "app",
    workerQueues: [] as string[],
    workerQueueTarget: 20,
    imageRetentionCount: 30,
    workerSpotPercent: 50,
    dbEngineVersion: "17",
    dbName: "app",
    dbUsername: "app_owner",
    cacheEngine: "valkey",
    cacheEngineVersion: "8.0",
    uploadsNoncurrentVersionDays: 30,
    logBucketExpirationDays: 90,
    jobs: [] as string[],
    backups: false,
    backupsRetentionDays: 90,
    dbAccess: false,
    appMetrics: false,
    alarmThresholds: [] as string[],
    apiProxied: false,
    vercelRegions: ["iad1"],
    webEnv: [] as string[],
    vercelFramework: "nextjs",
    webSecretTargets: ["production", "preview"],
    webEnvAliases: [] as string[],
    vercelDomainVerification: false,
    dnsRecords: [] as string[],
    appEnv: [] as string[],
    envAliases: [] as string[],
    generatedSecrets: ["JWT_SECRET"],
    secretReaderRoleArns: [] as string[],
    stripeWebhookHost: "api",
    stripeConnect: false,
    previews: false,
    previewSharedSecrets: [] as string[],
} as const;

/** Defaults per profile: prod is Multi-AZ, protected and larger; staging is the smallest that works. */
export const PROFILE_DEFAULTS = {
    staging: {
        ...shared,
        azCount: 2,
        natGateways: "perAz",
        logRetentionDays: 14,
        // Staging tolerates a Spot interruption: ECS starts a replacement task.
        fargateSpot: "all",
        monthlyBudget: 95,
        apiCpu: 256, apiMemory: 512, apiMinTasks: 1, apiMaxTasks: 2,
        workerCpu: 256, workerMemory: 512, workerMaxTasks: 2,
        dbInstanceClass: "db.t4g.micro", dbAllocatedStorage: 20, dbMaxAllocatedStorage: 50, dbBackupRetentionDays: 7,
        cacheNodeType: "cache.t4g.micro", cacheReplicas: 0, cacheSnapshotRetentionDays: 1,
    },
    prod: {
        ...shared,
        azCount: 3,
        natGateways: "perAz",
        logRetentionDays: 90,
        // The api stays on-demand; the worker's floor too, its scale-out partly on Spot.
        fargateSpot: "workerAboveBase",
        monthlyBudget: 320,
        apiCpu: 512, apiMemory: 1024, apiMinTasks: 2, apiMaxTasks: 6,
        workerCpu: 512, workerMemory: 1024, workerMaxTasks: 4,
        dbInstanceClass: "db.t4g.medium", dbAllocatedStorage: 50, dbMaxAllocatedStorage: 500, dbBackupRetentionDays: 14,
        cacheNodeType: "cache.t4g.small", cacheReplicas: 1, cacheSnapshotRetentionDays: 7,
    },
    /**
     * A pull request's preview (`pr-<number>`): one api and one worker task, 0.25 vCPU each, on
     * Spot, no autoscaling, three days of logs. Its network, database server, cache and bucket are
     * the base stack's (not sized here: the base's keys size them).
     */
    preview: {
        ...shared,
        azCount: 2,
        natGateways: "single",
        logRetentionDays: 3,
        fargateSpot: "all",
        monthlyBudget: 10,
        apiCpu: 256, apiMemory: 512, apiMinTasks: 1, apiMaxTasks: 1,
        workerCpu: 256, workerMemory: 512, workerMaxTasks: 1,
        dbInstanceClass: "db.t4g.micro", dbAllocatedStorage: 20, dbMaxAllocatedStorage: 50, dbBackupRetentionDays: 7,
        cacheNodeType: "cache.t4g.micro", cacheReplicas: 0, cacheSnapshotRetentionDays: 1,
    },
} as const;

/** Keys whose default differs between profiles; Pulumi.yaml declares them with the default 0 or "" ("use the profile's"). */
export const PROFILE_DEPENDENT_KEYS: string[] = Object.keys(PROFILE_DEFAULTS.prod).filter((k) => {
    const values = Object.values(PROFILE_DEFAULTS).map((d) => JSON.stringify(d[k as keyof typeof d]));
    return new Set(values).size > 1;
});
