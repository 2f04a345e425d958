/**
 * What the stack config may hold: every key with its declared type and a good example, the zod
 * schema of the plain keys, and the names rules share. `config.ts` applies it; `parts.ts`
 * resolves each part's settings from it.
 */
import { z } from "zod";
import { QUEUE_NAME } from "../app-metrics";
import {
    CACHE_NODE_TYPES, DB_INSTANCE_CLASSES, FARGATE_SPOT_MODES, LOG_RETENTION_DAYS, NAT_INSTANCE_TYPE_NAMES, SECRET_LOOKING_NAME, VERCEL_FRAMEWORKS, VERCEL_NODE_VERSIONS,
} from "./defaults";

// A stack's config is parsed once per run: zod's JIT (it generates and compiles a parser for each
// object schema on its first parse) costs more than it saves here. Interpreted, loadConfig took
// 11.9 ms of a prod plan against 18.4 ms (CPU profiles, 5 each). The setting is zod's global one and
// applies to every object schema built after this module loads (zod is used nowhere else here);
// results and messages are the same either way.
z.config({ jitless: true });

export const DNS_NAME = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
export const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
/** `<organization>/<project>/<stack>`, as `pulumi.StackReference` takes it. */
export const STACK_REFERENCE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
/** A git branch name (git check-ref-format, the common subset): what Vercel builds a preview from. */
export const GIT_BRANCH = /^(?![-/])(?!.*(\.\.|@\{|\/\/|\/\.|\.lock$|\/$|\.$))[A-Za-z0-9._/+@#-]{1,200}$/;
/** Names that must never be plain `environment` entries: they hold credentials (defined in defaults.ts). */
export { SECRET_LOOKING_NAME };

/** Stripe events the webhook subscribes to unless `groundwork:stripeWebhookEvents` says otherwise. */
export const DEFAULT_STRIPE_EVENTS = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
    "payment_intent.payment_failed",
];

/** Stripe API version the webhook endpoint is pinned to (the `stripe` SDK's own pin). */
export const DEFAULT_STRIPE_API_VERSION = "2026-10-28.endive";

export type KeyType = "string" | "integer" | "boolean" | "array";
export interface KeySpec {
    type: KeyType;
    /** A good value, shown in every error about this key. */
    example: string;
    /**
     * The value is a credential: it must be set with `pulumi config set --secret` (the program
     * refuses a plain one) and stays a secret Output. Declared in Pulumi.yaml with the default ""
     * rather than `secret: true`, because the CLI makes a secret key without a default required in
     * every stack, and these are needed only by the parts that use them.
     */
    secret?: true;
    /**
     * The value names another stack, `<organization>/<project>/<stack>`, whose outputs the program
     * reads through a `pulumi.StackReference`. The offline engine plans that stack first (when it
     * is one of this project's) and answers the reference with its recorded outputs.
     */
    stackReference?: true;
}

/**
 * Every key the program reads, with its type as declared in Pulumi.yaml and a good example.
 * `tests/config.test.ts` checks that Pulumi.yaml declares exactly these keys and types.
 */
export const KEYS = {
    profile: { type: "string", example: "prod" },
    domain: { type: "string", example: "example.com" },
    alertEmail: { type: "string", example: "oncall@example.com" },
    imageTag: { type: "string", example: "v1.4.2 (or a git SHA such as 3f9c2ab)" },
    cpuArchitecture: { type: "string", example: "X86_64" },
    // parts: what this stack builds
    api: { type: "boolean", example: "true" },
    worker: { type: "boolean", example: "true" },
    database: { type: "string", example: "rds" },
    cache: { type: "string", example: "elasticache" },
    uploads: { type: "boolean", example: "true" },
    stripe: { type: "string", example: "webhook" },
    frontend: { type: "boolean", example: "true" },
    // hosts
    webHost: { type: "string", example: "app" },
    webRedirectHosts: { type: "array", example: "[\"www\"]" },
    apiHost: { type: "string", example: "api" },
    apiBasePath: { type: "string", example: "/api/v1" },
    webApiUrlVariable: { type: "string", example: "NEXT_PUBLIC_API_URL" },
    // network
    azCount: { type: "integer", example: "3" },
    vpcCidr: { type: "string", example: "10.0.0.0/16" },
    natGateways: { type: "string", example: "perAz" },
    egress: { type: "string", example: "natInstance" },
    natInstanceType: { type: "string", example: "t4g.nano" },
    interfaceEndpoints: { type: "boolean", example: "false" },
    logRetentionDays: { type: "integer", example: "30" },
    // api and worker
    apiCpu: { type: "integer", example: "512" },
    apiMemory: { type: "integer", example: "1024" },
    apiMinTasks: { type: "integer", example: "2" },
    apiMaxTasks: { type: "integer", example: "6" },
    containerPort: { type: "integer", example: "3000" },
    healthCheckPath: { type: "string", example: "/api/v1/health" },
    apiIdleTimeoutSeconds: { type: "integer", example: "120" },
    apiStickySessionSeconds: { type: "integer", example: "3600 (0 = off)" },
    apiHealthCheckIntervalSeconds: { type: "integer", example: "30" },
    apiHealthCheckTimeoutSeconds: { type: "integer", example: "10" },
    apiHealthyThreshold: { type: "integer", example: "2" },
    apiUnhealthyThreshold: { type: "integer", example: "3" },
    startCommand: { type: "string", example: "node dist/main.js" },
    migrateCommands: { type: "array", example: "[\"npx prisma migrate deploy\"]" },
    migrateWorkingDirectory: { type: "string", example: "packages/database" },
    workerCpu: { type: "integer", example: "512" },
    workerMemory: { type: "integer", example: "1024" },
    workerMinTasks: { type: "integer", example: "1" },
    workerMaxTasks: { type: "integer", example: "4" },
    workerCommand: { type: "string", example: "node dist/worker.js" },
    workerConcurrency: { type: "integer", example: "10" },
    workerImage: { type: "string", example: "own" },
    workerImageTag: { type: "string", example: "v1.4.2" },
    workerHealthCheckCommand: { type: "string", example: "node dist/healthcheck.js" },
    workerQueues: { type: "array", example: "[\"provisioning\", \"email\"]" },
    workerQueueTarget: { type: "integer", example: "20" },
    imageRetentionCount: { type: "integer", example: "30" },
    fargateSpot: { type: "string", example: "workerAboveBase" },
    workerSpotPercent: { type: "integer", example: "50" },
    // operations
    monthlyBudget: { type: "integer", example: "320" },
    budgetScope: { type: "string", example: "stackTag" },
    jobs: { type: "array", example: "['{\"name\": \"cleanup\", \"schedule\": \"cron(0 3 * * ? *)\", \"timezone\": \"America/New_York\", \"command\": \"node dist/jobs/cleanup.js\"}']" },
    dbAccess: { type: "boolean", example: "true" },
    appMetrics: { type: "boolean", example: "true" },
    alertHttpsEndpoints: { type: "string", secret: true, example: "[\"https://events.pagerduty.com/integration/<integration key>/enqueue\"]" },
    alarmThresholds: { type: "array", example: "[\"queueWaiting=250\", \"alb5xxPercent=2\"]" },
    // database
    databaseUrl: { type: "string", secret: true, example: "postgresql://app:…@ep-cool-name-123456.us-east-2.aws.neon.tech/app?sslmode=require" },
    databaseUrlUnpooled: { type: "string", secret: true, example: "postgresql://app:…@ep-cool-name-123456.us-east-2.aws.neon.tech/app?sslmode=require" },
    dbEngineVersion: { type: "string", example: "17" },
    dbInstanceClass: { type: "string", example: "db.t4g.medium" },
    dbAllocatedStorage: { type: "integer", example: "50" },
    dbMaxAllocatedStorage: { type: "integer", example: "500" },
    dbBackupRetentionDays: { type: "integer", example: "14" },
    dbName: { type: "string", example: "app" },
    dbUsername: { type: "string", example: "app_owner" },
    // cache
    redisUrl: { type: "string", secret: true, example: "rediss://default:…@us1-cool-name-12345.upstash.io:6379" },
    cacheEngine: { type: "string", example: "valkey" },
    cacheEngineVersion: { type: "string", example: "8.0" },
    cacheNodeType: { type: "string", example: "cache.t4g.small" },
    cacheReplicas: { type: "integer", example: "1" },
    cacheSnapshotRetentionDays: { type: "integer", example: "7" },
    // storage
    uploadsNoncurrentVersionDays: { type: "integer", example: "30" },
    logBucketExpirationDays: { type: "integer", example: "90" },
    backups: { type: "boolean", example: "true" },
    backupsRetentionDays: { type: "integer", example: "90" },
    backupRegion: { type: "string", example: "us-west-2 (or \"none\")" },
    // edge
    cloudflareZone: { type: "string", example: "example.com" },
    cloudflareZoneId: { type: "string", example: "023e105f4ecef8ad9ca31a8372d0c353" },
    zoneSettingsStack: { type: "string", example: "prod" },
    apiProxied: { type: "boolean", example: "false" },
    vercelTeam: { type: "string", example: "team_1a2b3c4d5e6f7g8h9i0j" },
    vercelProjectName: { type: "string", example: "acme-web-prod" },
    vercelRegions: { type: "array", example: "[\"iad1\"]" },
    vercelRootDirectory: { type: "string", example: "apps/web" },
    vercelGitRepository: { type: "string", example: "acme/acme-app" },
    vercelFramework: { type: "string", example: "vite" },
    vercelInstallCommand: { type: "string", example: "cd ../.. && pnpm install" },
    vercelBuildCommand: { type: "string", example: "cd ../.. && pnpm build --filter=@acme/web" },
    vercelOutputDirectory: { type: "string", example: "dist" },
    vercelNodeVersion: { type: "string", example: "22.x" },
    vercelDomainVerification: { type: "boolean", example: "true" },
    webRelease: { type: "string", example: "stack" },
    webRef: { type: "string", example: "3f9c2ab8e1d04c7b9a6f5e4d3c2b1a0f9e8d7c6b (a full commit SHA of vercelGitRepository)" },
    webEnv: { type: "array", example: "[\"NEXT_PUBLIC_POSTHOG_HOST=https://us.i.posthog.com\", \"STRIPE_PUBLISHABLE_KEY=pk_live_…\"]" },
    webSecrets: { type: "string", secret: true, example: "{\"NEXTAUTH_SECRET\":\"…\",\"RESEND_API_KEY\":\"re_…\"}" },
    webSecretTargets: { type: "array", example: "[\"production\"]" },
    webEnvAliases: { type: "array", example: "[\"DATABASE_URL\", \"NEXTAUTH_URL=WEB_URL\", \"NEXT_PUBLIC_APP_URL=WEB_URL\"]" },
    dnsRecords: { type: "array", example: "[\"send MX 10 feedback-smtp.us-east-1.amazonses.com\", \"_dmarc TXT v=DMARC1; p=none\"]" },
    // app environment
    appEnv: { type: "array", example: "[\"LOG_LEVEL=info\"]" },
    envAliases: { type: "array", example: "[\"API_PORT=PORT\", \"CORS_ORIGIN=WEB_URL\"]" },
    generatedSecrets: { type: "array", example: "[\"JWT_SECRET\", \"TENANT_SECRETS_ENCRYPTION_KEY=hex:32\"]" },
    appSecrets: { type: "string", secret: true, example: "{\"SENTRY_DSN\":\"https://…\"}" },
    permissionsBoundaryArn: { type: "string", example: "arn:aws:iam::123456789012:policy/groundwork-bootstrap/groundwork-boundary" },
    secretReaderRoleArns: { type: "array", example: "[\"arn:aws:iam::123456789012:role/groundwork-deploy-prod\", \"arn:aws:iam::123456789012:role/groundwork-break-glass\"]" },
    // Stripe
    stripeSecretKey: { type: "string", secret: true, example: "sk_live_… in prod, sk_test_… elsewhere" },
    stripeApiVersion: { type: "string", example: DEFAULT_STRIPE_API_VERSION },
    stripeWebhookEvents: { type: "array", example: "[\"checkout.session.completed\",\"invoice.paid\"]" },
    stripeWebhookHost: { type: "string", example: "api" },
    stripeWebhookPath: { type: "string", example: "/webhooks/stripe" },
    stripeConnect: { type: "boolean", example: "false" },
    // pull-request previews (README, "Preview environments")
    previews: { type: "boolean", example: "true" },
    previewBaseStack: { type: "string", example: "acme/groundwork/staging", stackReference: true },
    previewBranch: { type: "string", example: "feature/checkout-redesign" },
    previewSharedSecrets: { type: "array", example: "[\"SENTRY_DSN\"]" },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof KEYS;

/** Keys that were renamed: a stack file still using the old name is told the new one. */
export const RENAMED_KEYS: Readonly<Record<string, string>> = {
    migrateCommand: "migrateCommands (a list: [\"npx prisma migrate deploy\"]; [] for none)",
};

const positiveInt = (max: number) => z.number({ error: "must be a whole number" }).int("must be a whole number")
    .min(1, "must be at least 1").max(max, `must be at most ${max}`);
const command = z.string().trim().min(1, "must not be empty");
// Vercel runs these in a shell (cd ../.. && … is how monorepos build); one line, within its 256-character limit.
const vercelCommand = z.string().trim().min(1, "must not be empty").max(256, "must be at most 256 characters")
    .regex(/^[^\n\r]*$/, "must be one line");
const wholeIn = (min: number, max: number, unit: string) => z.number({ error: "must be a whole number" }).int("must be a whole number")
    .min(min, `must be ${min}-${max} ${unit}`).max(max, `must be ${min}-${max} ${unit}`);
const relativePath = z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._\-/ ]+$/, "must be a path relative to the repository or image root, without ..");

/** The schema of the plain (non-secret) keys; secret keys are checked separately. */
export const schema = z.object({
    profile: z.enum(["staging", "prod", "preview"], { error: "must be \"staging\" or \"prod\" (or \"preview\" for a pull request's stack pr-<number>)" }),
    domain: z.string().regex(DNS_NAME, "must be a bare, lowercase DNS name (no scheme, path or port)"),
    alertEmail: z.email("must be an email address"),
    imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, "must be a valid image tag").optional(),
    cpuArchitecture: z.enum(["X86_64", "ARM64"], { error: "must be \"X86_64\" or \"ARM64\" (the image's architecture)" }),
    api: z.boolean({ error: "must be true or false" }),
    worker: z.boolean({ error: "must be true or false" }),
    database: z.enum(["rds", "external", "none"], { error: "must be \"rds\", \"external\" or \"none\"" }),
    cache: z.enum(["elasticache", "external", "none"], { error: "must be \"elasticache\", \"external\" or \"none\"" }),
    uploads: z.boolean({ error: "must be true or false" }),
    stripe: z.enum(["webhook", "key", "none"], { error: "must be \"webhook\", \"key\" or \"none\"" }),
    frontend: z.boolean({ error: "must be true or false" }),
    webHost: z.string().refine((h) => h === "@" || DNS_LABEL.test(h), "must be one DNS label (app, www) or \"@\" for the domain itself"),
    webRedirectHosts: z.array(z.string().refine((h) => h === "@" || DNS_LABEL.test(h), "must be DNS labels (www) or \"@\" for the domain itself")),
    apiHost: z.string().regex(DNS_LABEL, "must be one lowercase DNS label"),
    apiBasePath: z.string().regex(/^(\/[A-Za-z0-9._~-]+)*$/, "must be empty or a path like /api/v1 (no trailing slash)"),
    webApiUrlVariable: z.string().regex(/^([A-Z][A-Z0-9_]*)?$/, "must be an UPPER_SNAKE variable name, or empty for none").optional(),
    azCount: z.number().int().min(2, "must be 2 or 3 (an ALB and Multi-AZ RDS need two AZs)").max(3, "must be 2 or 3"),
    vpcCidr: z.string().regex(/^10\.(\d{1,3})\.0\.0\/16$/, "must be a /16 in 10.0.0.0/8 ending in .0.0/16"),
    natGateways: z.enum(["single", "perAz"], { error: "must be \"single\" or \"perAz\"" }),
    egress: z.enum(["natGateway", "natInstance"], { error: "must be \"natInstance\" or \"natGateway\"" }),
    natInstanceType: z.enum(NAT_INSTANCE_TYPE_NAMES, { error: `must be one of ${NAT_INSTANCE_TYPE_NAMES.join(", ")} (Graviton, for the ARM64 NAT image)` }),
    interfaceEndpoints: z.boolean({ error: "must be true or false" }),
    logRetentionDays: z.number().refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
        `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`),
    apiCpu: z.number(),
    apiMemory: z.number(),
    apiMinTasks: positiveInt(50),
    apiMaxTasks: positiveInt(100),
    containerPort: z.number().int().min(1024, "must be an unprivileged port (1024-65535)").max(65535, "must be at most 65535"),
    healthCheckPath: z.string().regex(/^\/[A-Za-z0-9._~\-/]*$/, "must be a path starting with /"),
    // The ALB's limits (checkLoadBalancerSettings repeats them for the component, with timeout < interval).
    apiIdleTimeoutSeconds: wholeIn(1, 4000, "seconds"),
    apiStickySessionSeconds: wholeIn(0, 604800, "seconds (0 = off, at most 7 days)"),
    apiHealthCheckIntervalSeconds: wholeIn(5, 300, "seconds"),
    apiHealthCheckTimeoutSeconds: wholeIn(2, 120, "seconds"),
    apiHealthyThreshold: wholeIn(2, 10, "checks"),
    apiUnhealthyThreshold: wholeIn(2, 10, "checks"),
    startCommand: command,
    migrateCommands: z.array(command).max(5, "must hold at most 5 steps"),
    migrateWorkingDirectory: relativePath.optional(),
    workerCpu: z.number(),
    workerMemory: z.number(),
    workerMinTasks: z.number().int().min(0, "must be 0 or more").max(50, "must be at most 50"),
    workerMaxTasks: positiveInt(100),
    // "" = the image's own CMD (only for a worker with its own image).
    workerCommand: z.string().trim(),
    workerConcurrency: positiveInt(500),
    workerImage: z.enum(["app", "own"], { error: "must be \"app\" (the api's image) or \"own\" (its own ECR repository)" }),
    workerImageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, "must be a valid image tag").optional(),
    workerHealthCheckCommand: command.optional(),
    workerQueues: z.array(z.string().regex(QUEUE_NAME, "must be BullMQ queue names (letters, digits, . _ -, at most 64)")).max(10, "must name at most 10 queues"),
    workerQueueTarget: positiveInt(100_000),
    imageRetentionCount: positiveInt(1000),
    fargateSpot: z.enum(FARGATE_SPOT_MODES, { error: `must be one of ${FARGATE_SPOT_MODES.map((m) => `"${m}"`).join(", ")}` }),
    // 100 would leave the on-demand provider no weight above the base (ECS places nothing there); "all" is every task on Spot.
    workerSpotPercent: z.number().int("must be a whole number").min(1, "must be 1-99 (fargateSpot \"off\" runs no task on Spot)")
        .max(99, "must be 1-99 (fargateSpot \"all\" runs every task on Spot)"),
    monthlyBudget: positiveInt(1_000_000),
    budgetScope: z.enum(["account", "stackTag"], { error: "must be \"account\" or \"stackTag\"" }),
    // Each entry is a JSON object (Pulumi config arrays hold strings only); parts-ops.ts parses them.
    jobs: z.array(z.string({ error: "must be JSON objects written as strings" })).max(20, "must hold at most 20 jobs"),
    dbAccess: z.boolean({ error: "must be true or false" }),
    appMetrics: z.boolean({ error: "must be true or false" }),
    alarmThresholds: z.array(z.string()),
    dbEngineVersion: z.enum(["16", "17"], { error: "must be \"16\" or \"17\" (PostgreSQL major version)" }),
    dbInstanceClass: z.enum(DB_INSTANCE_CLASSES, { error: `must be one of ${DB_INSTANCE_CLASSES.join(", ")}` }),
    dbAllocatedStorage: z.number().int().min(20, "must be at least 20 (GiB, the gp3 minimum)").max(16384, "must be at most 16384"),
    dbMaxAllocatedStorage: z.number().int().max(65536, "must be at most 65536"),
    dbBackupRetentionDays: z.number().int().min(1, "must be at least 1 (0 turns backups and point-in-time recovery off)")
        .max(35, "must be at most 35"),
    dbName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "must be a lowercase identifier"),
    dbUsername: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, "must be a lowercase identifier of at most 16 characters")
        .refine((u) => !["postgres", "admin", "rdsadmin", "root", "administrator"].includes(u), "must not be a well-known admin name"),
    cacheEngine: z.enum(["valkey", "redis"], { error: "must be \"valkey\" or \"redis\"" }),
    cacheEngineVersion: z.string().regex(/^\d+\.\d+$/, "must be major.minor"),
    cacheNodeType: z.enum(CACHE_NODE_TYPES, { error: `must be one of ${CACHE_NODE_TYPES.join(", ")}` }),
    cacheReplicas: z.number().int().min(0, "must be 0 or more").max(5, "must be at most 5"),
    cacheSnapshotRetentionDays: z.number().int().min(1, "must be at least 1 (BullMQ jobs live only in the cache)").max(35, "must be at most 35"),
    uploadsNoncurrentVersionDays: positiveInt(3650),
    logBucketExpirationDays: positiveInt(3650),
    backups: z.boolean({ error: "must be true or false" }),
    backupsRetentionDays: positiveInt(3650),
    // "none" or a US region other than aws:region: checked with the region in config.ts.
    backupRegion: z.string(),
    cloudflareZone: z.string().regex(DNS_NAME, "must be the zone's bare DNS name"),
    cloudflareZoneId: z.string().regex(/^[a-f0-9]{32}$/, "must be a 32-character hex zone id").optional(),
    zoneSettingsStack: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a stack name, or empty for none").optional(),
    apiProxied: z.boolean({ error: "must be true or false" }),
    vercelTeam: z.string().regex(/^[a-z0-9_-]+$/, "must be a Vercel team id or slug").optional(),
    vercelProjectName: z.string().regex(/^[a-z0-9]([a-z0-9._-]{0,98}[a-z0-9])?$/, "must be lowercase letters, digits, '.', '_' or '-'"),
    vercelRegions: z.array(z.string()).min(1, "must name at least one region"),
    vercelRootDirectory: relativePath.optional(),
    vercelGitRepository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be \"owner/repo\"").optional(),
    vercelFramework: z.enum(VERCEL_FRAMEWORKS, { error: `must be one of Vercel's framework presets: ${VERCEL_FRAMEWORKS.join(", ")}` }),
    vercelInstallCommand: vercelCommand.optional(),
    vercelBuildCommand: vercelCommand.optional(),
    vercelOutputDirectory: relativePath.optional(),
    // Retired versions get their own message (parts-edge.ts); the rest must be one Vercel builds with.
    vercelNodeVersion: z.string().regex(/^\d+\.x$/, `must be a Node.js major as Vercel names it: ${VERCEL_NODE_VERSIONS.join(" or ")}`).optional(),
    vercelDomainVerification: z.boolean({ error: "must be true or false" }),
    webRelease: z.enum(["git", "stack"], { error: "must be \"git\" (Vercel deploys each push to the production branch) or \"stack\" (pulumi up deploys groundwork:webRef)" }).optional(),
    webRef: z.string().regex(/^[0-9a-f]{40}$/, "must be a full 40-character commit SHA of the web app's repository (a branch would not pin what ships)").optional(),
    webEnv: z.array(z.string()),
    webSecretTargets: z.array(z.enum(["production", "preview"], { error: "must list \"production\" and/or \"preview\"" }))
        .min(1, "must name at least one target").refine((t) => new Set(t).size === t.length, "must not list a target twice"),
    webEnvAliases: z.array(z.string()),
    dnsRecords: z.array(z.string()).max(50, "must hold at most 50 records"),
    appEnv: z.array(z.string()),
    envAliases: z.array(z.string()),
    generatedSecrets: z.array(z.string()),
    permissionsBoundaryArn: z.string().regex(/^arn:aws:iam::\d{12}:policy\/[A-Za-z0-9+=,.@_\-/]+$/, "must be an IAM managed policy ARN (arn:aws:iam::<account>:policy/<path/name>)").optional(),
    secretReaderRoleArns: z.array(z.string().regex(/^arn:aws:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\-/]+$/, "must be IAM role ARNs (arn:aws:iam::<account>:role/<name>)")),
    stripeApiVersion: z.string().regex(/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/, "must be a Stripe API version"),
    stripeWebhookEvents: z.array(z.string().regex(/^(\*|[a-z_]+(\.[a-z_]+)+)$/, "must be Stripe event types")).min(1, "must name at least one event"),
    stripeWebhookHost: z.enum(["api", "web"], { error: "must be \"api\" (the API host) or \"web\" (the web app's host)" }),
    stripeWebhookPath: z.string().regex(/^(\/[A-Za-z0-9._~-]+)+$/, "must be a path like /webhooks/stripe").optional(),
    stripeConnect: z.boolean({ error: "must be true or false" }),
    previews: z.boolean({ error: "must be true or false" }),
    previewBaseStack: z.string().regex(STACK_REFERENCE, "must be a fully qualified stack name, <organization>/<project>/<stack>").optional(),
    previewBranch: z.string().regex(GIT_BRANCH, "must be a git branch name (no spaces, .., ~^:?*[\\ or @{; not starting with - or /)").optional(),
    previewSharedSecrets: z.array(z.string().regex(ENV_NAME, "must be UPPER_SNAKE_CASE names of the base stack's appSecrets")),
});

export type PlainKey = keyof z.infer<typeof schema>;
export type PlainValues = z.infer<typeof schema>;
export type Raw = Partial<Record<ConfigKey, unknown>>;
