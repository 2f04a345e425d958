/**
 * Which keys a pull request's preview takes from where: lists of their own, with no SDK import,
 * so that `npm run preview -- stack-file` (tools/preview-stack.ts) loads without Pulumi or the
 * providers. parts-preview.ts refuses and fills them; preview-stack.ts leaves them out.
 */
import type { PlainKey } from "./config-schema";

/**
 * Keys that size or configure the base stack's shared parts (its VPC, database server, cache,
 * bucket, zone, load balancer, Vercel project, budget) or its operations (scheduled jobs and
 * backups, database access, alarms, app metrics and queue scaling: a preview has one task each
 * and no alarms). A preview has none of these parts, so it refuses them;
 * `tools/preview-stack.ts` leaves them out when it writes a preview's stack file from the base's.
 */
export const BASE_ONLY_KEYS: readonly PlainKey[] = [
    "azCount", "vpcCidr", "natGateways", "egress", "natInstanceType", "interfaceEndpoints",
    "dbEngineVersion", "dbInstanceClass", "dbAllocatedStorage", "dbMaxAllocatedStorage", "dbBackupRetentionDays", "dbName", "dbUsername",
    "cacheEngine", "cacheEngineVersion", "cacheNodeType", "cacheReplicas", "cacheSnapshotRetentionDays",
    "uploadsNoncurrentVersionDays", "logBucketExpirationDays", "backupRegion", "imageRetentionCount",
    "cloudflareZone", "cloudflareZoneId", "zoneSettingsStack", "apiProxied",
    "vercelProjectName", "vercelRegions", "vercelRootDirectory", "vercelGitRepository", "webEnv", "webRedirectHosts",
    "vercelFramework", "vercelInstallCommand", "vercelBuildCommand", "vercelOutputDirectory", "vercelNodeVersion", "vercelDomainVerification",
    "webRelease", "webRef", "webSecretTargets", "webEnvAliases", "dnsRecords", "apiIdleTimeoutSeconds",
    "jobs", "backups", "backupsRetentionDays", "dbAccess", "appMetrics", "alarmThresholds", "workerQueues", "workerQueueTarget",
    "monthlyBudget", "budgetScope", "previews",
];

/**
 * Keys a preview takes from its own profile (PROFILE_DEFAULTS.preview: one small task each, on
 * Spot, short log retention), not from the base's stack file; its template may still set them.
 */
export const PREVIEW_SIZED_KEYS: readonly PlainKey[] = [
    "apiCpu", "apiMemory", "apiMinTasks", "apiMaxTasks", "workerCpu", "workerMemory", "workerMinTasks", "workerMaxTasks",
    "fargateSpot", "workerSpotPercent", "logRetentionDays",
];

/** Keys only a preview stack sets (the workflow's inputs and the template's). */
export const PREVIEW_ONLY_KEYS: readonly PlainKey[] = ["previewBaseStack", "previewBranch", "previewSharedSecrets"];
