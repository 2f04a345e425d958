/**
 * The one place that reads stack configuration.
 *
 * Every key is read once, checked against a zod schema with defaults chosen by the stack's
 * profile, and returned as one frozen, typed object. Every problem is reported at once, each
 * naming its key, what is wrong and a good value, and the program stops before any resource
 * is registered. Components never read `pulumi.Config`; `index.ts` hands them typed args.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    AWS_US_REGIONS, CACHE_NODE_TYPES, DB_INSTANCE_CLASSES, LOG_RETENTION_DAYS, PROFILE_DEFAULTS,
    PROFILE_DEPENDENT_KEYS, Profile, VERCEL_US_REGIONS, fargateMemoryChoices,
} from "./defaults";

export type { Profile } from "./defaults";

/** A stack config value that the program refused. */
export interface ConfigProblem {
    /** Fully qualified key, e.g. `groundwork:domain`. */
    key: string;
    /** What is wrong, and a good example value. */
    message: string;
}

/** Thrown when one or more config values are invalid; lists every problem at once. */
export class ConfigError extends Error {
    constructor(public readonly problems: ConfigProblem[]) {
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n"));
        this.name = "ConfigError";
    }
}

const DNS_NAME = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
/** Names that must never be plain `environment` entries: they hold credentials. */
export const SECRET_LOOKING_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|_KEY$|^KEY$|_DSN$|API_KEY)/;
/** Variables the program itself sets; config may not override them. */
export const RESERVED_APP_ENV = [
    "NODE_ENV", "PORT", "DATABASE_URL", "REDIS_URL", "S3_BUCKET", "S3_REGION", "JWT_SECRET", "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET", "ALLOWED_ORIGINS", "JSON_BODY_LIMIT", "WORKER_CONCURRENCY", "APP_URL", "API_URL",
];

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

type KeyType = "string" | "integer" | "boolean" | "array";
interface KeySpec {
    type: KeyType;
    /** A good value, shown in every error about this key. */
    example: string;
    secret?: boolean;
}

/**
 * Every key the program reads, with its type as declared in Pulumi.yaml and a good example.
 * `tests/config.test.ts` checks that Pulumi.yaml declares exactly these keys, types and secrets.
 */
export const KEYS = {
    profile: { type: "string", example: "prod" },
    domain: { type: "string", example: "example.com" },
    alertEmail: { type: "string", example: "oncall@example.com" },
    imageTag: { type: "string", example: "v1.4.2 (or a git SHA such as 3f9c2ab)" },
    cpuArchitecture: { type: "string", example: "X86_64" },
    // network
    azCount: { type: "integer", example: "3" },
    vpcCidr: { type: "string", example: "10.0.0.0/16" },
    natGateways: { type: "string", example: "perAz" },
    interfaceEndpoints: { type: "boolean", example: "false" },
    logRetentionDays: { type: "integer", example: "30" },
    // api and worker
    apiCpu: { type: "integer", example: "512" },
    apiMemory: { type: "integer", example: "1024" },
    apiMinTasks: { type: "integer", example: "2" },
    apiMaxTasks: { type: "integer", example: "6" },
    containerPort: { type: "integer", example: "3000" },
    healthCheckPath: { type: "string", example: "/api/v1/health" },
    startCommand: { type: "string", example: "node dist/main.js" },
    migrateCommand: { type: "string", example: "npx prisma migrate deploy" },
    workerCpu: { type: "integer", example: "512" },
    workerMemory: { type: "integer", example: "1024" },
    workerMinTasks: { type: "integer", example: "1" },
    workerMaxTasks: { type: "integer", example: "4" },
    workerCommand: { type: "string", example: "node dist/worker.js" },
    workerConcurrency: { type: "integer", example: "10" },
    imageRetentionCount: { type: "integer", example: "30" },
    // database
    dbEngineVersion: { type: "string", example: "17" },
    dbInstanceClass: { type: "string", example: "db.t4g.medium" },
    dbAllocatedStorage: { type: "integer", example: "50" },
    dbMaxAllocatedStorage: { type: "integer", example: "500" },
    dbBackupRetentionDays: { type: "integer", example: "14" },
    dbName: { type: "string", example: "app" },
    dbUsername: { type: "string", example: "app_owner" },
    // cache
    cacheEngine: { type: "string", example: "valkey" },
    cacheEngineVersion: { type: "string", example: "8.0" },
    cacheNodeType: { type: "string", example: "cache.t4g.small" },
    cacheReplicas: { type: "integer", example: "1" },
    cacheSnapshotRetentionDays: { type: "integer", example: "7" },
    // storage
    uploadsNoncurrentVersionDays: { type: "integer", example: "30" },
    logBucketExpirationDays: { type: "integer", example: "90" },
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
    webEnv: { type: "array", example: "[\"NEXT_PUBLIC_POSTHOG_HOST=https://us.i.posthog.com\"]" },
    // app
    appEnv: { type: "array", example: "[\"LOG_LEVEL=info\"]" },
    appSecrets: { type: "string", secret: true, example: "{\"SENTRY_DSN\":\"https://…\"}" },
    stripeSecretKey: { type: "string", secret: true, example: "sk_live_… in prod, sk_test_… elsewhere" },
    stripeApiVersion: { type: "string", example: DEFAULT_STRIPE_API_VERSION },
    stripeWebhookEvents: { type: "array", example: "[\"checkout.session.completed\",\"invoice.paid\"]" },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof KEYS;

const positiveInt = (max: number) => z.number({ error: "must be a whole number" }).int("must be a whole number")
    .min(1, "must be at least 1").max(max, `must be at most ${max}`);
const command = z.string().trim().min(1, "must not be empty");

/** The schema of the plain (non-secret) keys; secret keys are checked separately. */
const schema = z.object({
    profile: z.enum(["staging", "prod"], { error: "must be \"staging\" or \"prod\"" }),
    domain: z.string().regex(DNS_NAME, "must be a bare, lowercase DNS name (no scheme, path or port)"),
    alertEmail: z.email("must be an email address"),
    imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, "must be a valid image tag"),
    cpuArchitecture: z.enum(["X86_64", "ARM64"], { error: "must be \"X86_64\" or \"ARM64\" (the image's architecture)" }),
    azCount: z.number().int().min(2, "must be 2 or 3 (an ALB and Multi-AZ RDS need two AZs)").max(3, "must be 2 or 3"),
    vpcCidr: z.string().regex(/^10\.(\d{1,3})\.0\.0\/16$/, "must be a /16 in 10.0.0.0/8 ending in .0.0/16"),
    natGateways: z.enum(["single", "perAz"], { error: "must be \"single\" or \"perAz\"" }),
    interfaceEndpoints: z.boolean({ error: "must be true or false" }),
    logRetentionDays: z.number().refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
        `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`),
    apiCpu: z.number(),
    apiMemory: z.number(),
    apiMinTasks: positiveInt(50),
    apiMaxTasks: positiveInt(100),
    containerPort: z.number().int().min(1024, "must be an unprivileged port (1024-65535)").max(65535, "must be at most 65535"),
    healthCheckPath: z.string().regex(/^\/[A-Za-z0-9._~\-/]*$/, "must be a path starting with /"),
    startCommand: command,
    migrateCommand: z.string().trim(),
    workerCpu: z.number(),
    workerMemory: z.number(),
    workerMinTasks: z.number().int().min(0, "must be 0 or more").max(50, "must be at most 50"),
    workerMaxTasks: positiveInt(100),
    workerCommand: command,
    workerConcurrency: positiveInt(500),
    imageRetentionCount: positiveInt(1000),
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
    cloudflareZone: z.string().regex(DNS_NAME, "must be the zone's bare DNS name"),
    cloudflareZoneId: z.string().regex(/^[a-f0-9]{32}$/, "must be a 32-character hex zone id").optional(),
    zoneSettingsStack: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a stack name"),
    apiProxied: z.boolean({ error: "must be true or false" }),
    vercelTeam: z.string().regex(/^[a-z0-9_-]+$/, "must be a Vercel team id or slug").optional(),
    vercelProjectName: z.string().regex(/^[a-z0-9]([a-z0-9._-]{0,98}[a-z0-9])?$/, "must be lowercase letters, digits, '.', '_' or '-'"),
    vercelRegions: z.array(z.string()).min(1, "must name at least one region"),
    vercelRootDirectory: z.string().regex(/^[^/].*$/, "must be a path relative to the repository root").optional(),
    vercelGitRepository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be \"owner/repo\"").optional(),
    webEnv: z.array(z.string()),
    appEnv: z.array(z.string()),
    stripeApiVersion: z.string().regex(/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/, "must be a Stripe API version"),
    stripeWebhookEvents: z.array(z.string().regex(/^(\*|[a-z_]+(\.[a-z_]+)+)$/, "must be Stripe event types")).min(1, "must name at least one event"),
});

type PlainKey = keyof z.infer<typeof schema>;
type Raw = Partial<Record<ConfigKey, unknown>>;

/** The typed, validated configuration every component gets its arguments from. */
export interface GroundworkConfig {
    project: string;
    stack: string;
    profile: Profile;
    awsRegion: string;
    domain: string;
    /** `app.<domain>`: the web app. */
    appHost: string;
    /** `api.<domain>`: the API behind the ALB. */
    apiHost: string;
    alertEmail: string;
    /** Whether data resources carry `protect`/`retainOnDelete` (prod). */
    protectData: boolean;
    image: { tag: string; architecture: "X86_64" | "ARM64"; retentionCount: number };
    network: { azCount: number; vpcCidr: string; natGateways: "single" | "perAz"; interfaceEndpoints: boolean };
    logRetentionDays: number;
    loadBalancer: { deletionProtection: boolean; accessLogs: boolean };
    api: {
        cpu: number; memory: number; minTasks: number; maxTasks: number; containerPort: number;
        healthCheckPath: string; startCommand: string[]; migrateCommand: string[] | undefined;
    };
    worker: { cpu: number; memory: number; minTasks: number; maxTasks: number; command: string[]; concurrency: number };
    database: {
        engineVersion: "16" | "17"; instanceClass: string; allocatedStorage: number; maxAllocatedStorage: number;
        backupRetentionDays: number; multiAz: boolean; deletionProtection: boolean; name: string; username: string;
    };
    cache: { engine: "valkey" | "redis"; engineVersion: string; nodeType: string; replicas: number; snapshotRetentionDays: number };
    storage: { noncurrentVersionDays: number; logExpirationDays: number };
    cloudflare: { zoneName: string; zoneId: string | undefined; manageZoneSettings: boolean; apiProxied: boolean };
    vercel: {
        team: string | undefined; projectName: string; regions: string[]; rootDirectory: string | undefined;
        gitRepository: string | undefined; env: Record<string, string>;
    };
    stripe: { secretKey: pulumi.Output<string>; mode: "live" | "test"; apiVersion: string; webhookEvents: string[] };
    /** Extra plain app settings (`groundwork:appEnv`). */
    appEnv: Record<string, string>;
    /** Names of the extra app secrets (`groundwork:appSecrets`); the names are not secret, the values are. */
    appSecretNames: string[];
    /** Extra app secrets, a secret Output. */
    appSecrets: pulumi.Output<Record<string, string>>;
}

/** Keys whose empty value is meaningful ("" turns the migration step off); for every other key "" means unset. */
const EMPTY_IS_A_VALUE: string[] = ["migrateCommand"];

/** Parses a raw config string by its declared type; leaves it as is when it does not parse, so the schema reports it. */
function parseRaw(key: string, type: KeyType, raw: string | undefined): unknown {
    if (raw === undefined || (raw === "" && !EMPTY_IS_A_VALUE.includes(key))) return undefined;
    switch (type) {
        case "integer": return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
        case "boolean": return raw === "true" ? true : raw === "false" ? false : raw;
        case "array": try { return JSON.parse(raw); } catch { return raw; }
        default: return raw;
    }
}

function profileFromStack(stack: string): Profile {
    return /^(prod|production)(-|$)/.test(stack) ? "prod" : "staging";
}

/** Parses `["NAME=value"]` into a record, reporting bad entries against `key`. */
function parseAssignments(key: ConfigKey, entries: string[], problems: ConfigProblem[], opts: { reserved: string[] }) {
    const out: Record<string, string> = {};
    for (const entry of entries) {
        const eq = entry.indexOf("=");
        const name = eq > 0 ? entry.slice(0, eq) : "";
        if (!ENV_NAME.test(name)) {
            problems.push(problem(key, `entry "${entry.slice(0, 40)}" must be NAME=value with an UPPER_SNAKE name`));
        } else if (opts.reserved.includes(name)) {
            problems.push(problem(key, `sets ${name}, which Groundwork sets itself; remove it`));
        } else if (SECRET_LOOKING_NAME.test(name)) {
            problems.push(problem(key, `entry ${name} looks like a credential; plain settings are stored unencrypted. ` +
                `Put it in groundwork:appSecrets (pulumi config set --secret appSecrets '{"${name}":"…"}')`, false));
        } else {
            out[name] = entry.slice(eq + 1);
        }
    }
    return out;
}

function problem(key: string, message: string, withExample = true): ConfigProblem {
    const fq = key.includes(":") ? key : `groundwork:${key}`;
    const spec = (KEYS as Record<string, KeySpec>)[key];
    return { key: fq, message: withExample && spec ? `${message}. Example: ${spec.example}` : message };
}

/** What `loadConfig` reads: raw strings by fully qualified key, as the Pulumi engine hands them to the program. */
export interface ConfigSource {
    project: string;
    stack: string;
    get(fqKey: string): string | undefined;
}

/** The live source: the Pulumi engine's config for this program. */
export function pulumiConfigSource(): ConfigSource {
    // Raw reads go through `pulumi.runtime.getConfig` (what `pulumi.Config#get` reads) so that peeking at a secret's
    // prefix (the Stripe key's mode) logs no warning; secret values leave this module only as secret Outputs.
    return { project: pulumi.getProject(), stack: pulumi.getStack(), get: (k) => pulumi.runtime.getConfig(k) };
}

/**
 * Reads and validates the whole stack configuration.
 * @throws ConfigError listing every invalid key; nothing has been registered when it throws.
 */
export function loadConfig(source: ConfigSource = pulumiConfigSource()): Readonly<GroundworkConfig> {
    const problems: ConfigProblem[] = [];
    const ns = (k: string) => `${source.project}:${k}`;
    const raw: Raw = {};
    for (const [key, spec] of Object.entries(KEYS) as [ConfigKey, KeySpec][]) {
        if (!spec.secret) raw[key] = parseRaw(key, spec.type, source.get(ns(key)));
    }

    // Profile first: it picks the defaults of every other key.
    const profileRaw = raw.profile ?? profileFromStack(source.stack);
    const profile: Profile = profileRaw === "prod" || profileRaw === "staging" ? profileRaw : "staging";
    if (profileRaw !== profile) problems.push(problem("profile", `must be "staging" or "prod", got "${String(profileRaw)}"`));

    const awsRegion = source.get("aws:region");
    if (!awsRegion) {
        problems.push(problem("aws:region", "is not set; Groundwork deploys only to US regions. Example: us-east-1", false));
    } else if (!(AWS_US_REGIONS as readonly string[]).includes(awsRegion)) {
        problems.push(problem("aws:region", `must be a US region (${AWS_US_REGIONS.join(", ")}), got "${awsRegion}". Example: us-east-1`, false));
    }

    const domain = typeof raw.domain === "string" ? raw.domain : undefined;
    const stackName = `${source.project}-${source.stack}`;
    const defaults: Partial<Record<PlainKey, unknown>> = {
        ...PROFILE_DEFAULTS[profile],
        profile,
        cloudflareZone: domain,
        vercelProjectName: stackName.toLowerCase(),
        stripeApiVersion: DEFAULT_STRIPE_API_VERSION,
        stripeWebhookEvents: DEFAULT_STRIPE_EVENTS,
        zoneSettingsStack: "prod",
    };
    // Pulumi.yaml declares profile-dependent keys with the default 0 or "" (a declared key without a default is
    // required by the CLI), so those values mean "the profile's default".
    const merged: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(raw)) {
        const profileDefault = PROFILE_DEPENDENT_KEYS.includes(k) && (v === 0 || v === "");
        if (v !== undefined && !profileDefault) merged[k] = v;
    }

    const parsed = schema.safeParse(merged);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            const key = String(issue.path[0] ?? "groundwork");
            const got = merged[key];
            const shown = got === undefined ? "it is not set" : `got ${JSON.stringify(got)}`;
            problems.push(problem(key, `${issue.message}, ${shown}`));
        }
    }
    // Rules across keys, and rules that need the profile, run on every key that passed the schema,
    // so that one bad value does not hide another.
    const invalid = new Set(parsed.success ? [] : parsed.error.issues.map((i) => String(i.path[0])));
    const ok = (...keys: PlainKey[]) => keys.every((k) => !invalid.has(k));
    const m = merged as z.infer<typeof schema>;
    {
        if (ok("apiMinTasks", "apiMaxTasks") && m.apiMinTasks > m.apiMaxTasks) problems.push(problem("apiMinTasks", `(${m.apiMinTasks}) must not exceed groundwork:apiMaxTasks (${m.apiMaxTasks})`));
        if (ok("workerMinTasks", "workerMaxTasks") && m.workerMinTasks > m.workerMaxTasks) problems.push(problem("workerMinTasks", `(${m.workerMinTasks}) must not exceed groundwork:workerMaxTasks (${m.workerMaxTasks})`));
        for (const role of ["api", "worker"] as const) {
            if (!ok(`${role}Cpu`, `${role}Memory`)) continue;
            const cpu = m[`${role}Cpu`], mem = m[`${role}Memory`];
            const choices = fargateMemoryChoices(cpu);
            if (!choices) {
                problems.push(problem(`${role}Cpu`, `${cpu} is not a Fargate CPU size; use 256, 512, 1024, 2048, 4096, 8192 or 16384`));
            } else if (!choices.includes(mem)) {
                problems.push(problem(`${role}Memory`, `${mem} MiB is not valid with ${role}Cpu ${cpu}; Fargate allows ` +
                    `${choices.length > 6 ? `${choices[0]}-${choices[choices.length - 1]} in steps of ${choices[1] - choices[0]}` : choices.join(", ")} MiB`));
            }
        }
        if (ok("dbMaxAllocatedStorage", "dbAllocatedStorage") && m.dbMaxAllocatedStorage < m.dbAllocatedStorage) {
            problems.push(problem("dbMaxAllocatedStorage", `(${m.dbMaxAllocatedStorage}) must be at least groundwork:dbAllocatedStorage (${m.dbAllocatedStorage})`));
        }
        if (profile === "prod") {
            if (ok("imageTag") && m.imageTag === "latest") problems.push(problem("imageTag", "must not be \"latest\" in prod: a mutable tag makes deploys unrepeatable and rollbacks impossible"));
            if (ok("dbBackupRetentionDays") && m.dbBackupRetentionDays < 14) problems.push(problem("dbBackupRetentionDays", `must be at least 14 in prod, got ${m.dbBackupRetentionDays}`));
        }
        for (const r of ok("vercelRegions") ? m.vercelRegions : []) {
            if (!(VERCEL_US_REGIONS as readonly string[]).includes(r)) {
                problems.push(problem("vercelRegions", `"${r}" is not a US Vercel region; use ${VERCEL_US_REGIONS.join(", ")}`));
            }
        }
        if (ok("domain", "cloudflareZone") && !(m.domain === m.cloudflareZone || m.domain.endsWith(`.${m.cloudflareZone}`))) {
            problems.push(problem("cloudflareZone", `"${m.cloudflareZone}" does not contain groundwork:domain "${m.domain}"; the zone must be the domain or a parent of it`));
        }
    }

    // Secrets: read raw once to check presence and shape (never echoed), then handed on as secret Outputs only.
    const stripeRaw = source.get(ns("stripeSecretKey"));
    const wantMode = profile === "prod" ? "live" : "test";
    if (!stripeRaw) {
        problems.push(problem("stripeSecretKey", `is not set. Run: pulumi config set --secret stripeSecretKey <${wantMode === "live" ? "sk_live_…" : "sk_test_…"}> --stack ${source.stack}`, false));
    } else {
        const mode = /^(sk|rk)_(live|test)_[A-Za-z0-9_]+$/.exec(stripeRaw)?.[2];
        if (!mode) {
            problems.push(problem("stripeSecretKey", "is not a Stripe secret or restricted key (sk_… or rk_…); the value is not shown", false));
        } else if (mode !== wantMode) {
            problems.push(problem("stripeSecretKey", `is a ${mode}-mode key but the ${profile} stack needs a ${wantMode}-mode key ` +
                `(${wantMode === "live" ? "sk_live_… or rk_live_…" : "sk_test_… or rk_test_…"}); the value is not shown`, false));
        }
    }
    let appSecretValues: Record<string, string> = {};
    const appSecretsRaw = source.get(ns("appSecrets"));
    if (appSecretsRaw) {
        let obj: unknown;
        try { obj = JSON.parse(appSecretsRaw); } catch { obj = undefined; }
        if (!obj || typeof obj !== "object" || Array.isArray(obj) || !Object.values(obj).every((x) => typeof x === "string")) {
            problems.push(problem("appSecrets", "must be a JSON object of NAME to string value (the value is not shown)"));
        } else {
            for (const name of Object.keys(obj)) {
                if (!ENV_NAME.test(name)) problems.push(problem("appSecrets", `name "${name}" must be UPPER_SNAKE_CASE`));
                else if (RESERVED_APP_ENV.includes(name)) problems.push(problem("appSecrets", `sets ${name}, which Groundwork sets itself; remove it`));
            }
            appSecretValues = obj as Record<string, string>;
        }
    }

    const appEnv = ok("appEnv") ? parseAssignments("appEnv", m.appEnv, problems, { reserved: RESERVED_APP_ENV }) : {};
    const webEnv = ok("webEnv") ? parseAssignments("webEnv", m.webEnv, problems, { reserved: ["NEXT_PUBLIC_API_URL"] }) : {};

    const v = parsed.data;
    if (problems.length > 0 || !v || !awsRegion) throw new ConfigError(problems);

    const split = (cmd: string) => cmd.split(/\s+/).filter(Boolean);

    const cfg: GroundworkConfig = {
        project: source.project,
        stack: source.stack,
        profile,
        awsRegion,
        domain: v.domain,
        appHost: `app.${v.domain}`,
        apiHost: `api.${v.domain}`,
        alertEmail: v.alertEmail,
        protectData: profile === "prod",
        image: { tag: v.imageTag, architecture: v.cpuArchitecture, retentionCount: v.imageRetentionCount },
        network: { azCount: v.azCount, vpcCidr: v.vpcCidr, natGateways: v.natGateways, interfaceEndpoints: v.interfaceEndpoints },
        logRetentionDays: v.logRetentionDays,
        loadBalancer: { deletionProtection: profile === "prod", accessLogs: profile === "prod" },
        api: {
            cpu: v.apiCpu, memory: v.apiMemory, minTasks: v.apiMinTasks, maxTasks: v.apiMaxTasks, containerPort: v.containerPort,
            healthCheckPath: v.healthCheckPath, startCommand: split(v.startCommand),
            migrateCommand: v.migrateCommand ? split(v.migrateCommand) : undefined,
        },
        worker: {
            cpu: v.workerCpu, memory: v.workerMemory, minTasks: v.workerMinTasks, maxTasks: v.workerMaxTasks,
            command: split(v.workerCommand), concurrency: v.workerConcurrency,
        },
        database: {
            engineVersion: v.dbEngineVersion, instanceClass: v.dbInstanceClass, allocatedStorage: v.dbAllocatedStorage,
            maxAllocatedStorage: v.dbMaxAllocatedStorage, backupRetentionDays: v.dbBackupRetentionDays, multiAz: profile === "prod",
            deletionProtection: profile === "prod", name: v.dbName, username: v.dbUsername,
        },
        cache: {
            engine: v.cacheEngine, engineVersion: v.cacheEngineVersion, nodeType: v.cacheNodeType, replicas: v.cacheReplicas,
            snapshotRetentionDays: v.cacheSnapshotRetentionDays,
        },
        storage: { noncurrentVersionDays: v.uploadsNoncurrentVersionDays, logExpirationDays: v.logBucketExpirationDays },
        cloudflare: {
            zoneName: v.cloudflareZone, zoneId: v.cloudflareZoneId, manageZoneSettings: v.zoneSettingsStack === source.stack,
            apiProxied: v.apiProxied,
        },
        vercel: {
            team: v.vercelTeam, projectName: v.vercelProjectName, regions: v.vercelRegions, rootDirectory: v.vercelRootDirectory,
            gitRepository: v.vercelGitRepository, env: webEnv,
        },
        stripe: {
            secretKey: pulumi.secret(stripeRaw as string), mode: wantMode, apiVersion: v.stripeApiVersion,
            webhookEvents: v.stripeWebhookEvents,
        },
        appEnv,
        appSecretNames: Object.keys(appSecretValues).sort(),
        appSecrets: pulumi.secret(appSecretValues),
    };
    return deepFreeze(cfg);
}

function deepFreeze<T>(o: T): Readonly<T> {
    if (o && typeof o === "object" && !pulumi.Output.isInstance(o)) {
        for (const v of Object.values(o as object)) deepFreeze(v);
        Object.freeze(o);
    }
    return o;
}

// Validator helpers reused by components (e.g. Fargate CPU/memory guard when called directly).
export { fargateMemoryChoices, LOG_RETENTION_DAYS, AWS_US_REGIONS, VERCEL_US_REGIONS };
