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
    ConfigKey, DEFAULT_STRIPE_API_VERSION, DEFAULT_STRIPE_EVENTS, ENV_NAME, KEYS, KeySpec, KeyType, PlainKey,
    RESERVED_APP_ENV, Raw, SECRET_LOOKING_NAME, schema,
} from "./config-schema";
import {
    AWS_REGION_AZS, AWS_US_REGIONS, FargateSpotMode, PROFILE_DEFAULTS, PROFILE_DEPENDENT_KEYS, Profile, VERCEL_US_REGIONS,
    fargateMemoryChoices,
} from "./defaults";
import type { NatInstanceType } from "../net/nat-instance";

export type { Profile } from "./defaults";
export type { ConfigKey } from "./config-schema";
export { DEFAULT_STRIPE_API_VERSION, DEFAULT_STRIPE_EVENTS, KEYS, RESERVED_APP_ENV, SECRET_LOOKING_NAME };

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
    network: {
        azCount: number; vpcCidr: string; natGateways: "single" | "perAz"; egress: "natGateway" | "natInstance";
        natInstanceType: NatInstanceType; interfaceEndpoints: boolean;
    };
    /**
     * How each service's tasks split between on-demand Fargate and Fargate Spot
     * (`groundwork:fargateSpot`, `workerSpotPercent`): tasks up to `onDemandBase` on-demand,
     * `spotPercent` of the rest on Spot.
     */
    spot: { mode: FargateSpotMode; api: { onDemandBase: number; spotPercent: number }; worker: { onDemandBase: number; spotPercent: number } };
    /** The AWS Budgets monthly cost budget in USD (`groundwork:monthlyBudget`). */
    budget: { monthlyUsd: number };
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
        const regionAzs = AWS_REGION_AZS[awsRegion as keyof typeof AWS_REGION_AZS];
        if (ok("azCount") && regionAzs !== undefined && m.azCount > regionAzs) {
            problems.push(problem("azCount", `${m.azCount} is more than the ${regionAzs} availability zones ${awsRegion} offers; set groundwork:azCount: ${regionAzs}`));
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
        network: {
            azCount: v.azCount, vpcCidr: v.vpcCidr, natGateways: v.natGateways, egress: v.egress, natInstanceType: v.natInstanceType,
            interfaceEndpoints: v.interfaceEndpoints,
        },
        spot: spotPlacement(v.fargateSpot, v.workerMinTasks, v.workerSpotPercent),
        budget: { monthlyUsd: v.monthlyBudget },
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

/** Each service's on-demand/Spot split for a `groundwork:fargateSpot` mode. */
function spotPlacement(mode: FargateSpotMode, workerMinTasks: number, workerSpotPercent: number): GroundworkConfig["spot"] {
    const onDemand = { onDemandBase: 0, spotPercent: 0 };
    switch (mode) {
        case "all": return { mode, api: { onDemandBase: 0, spotPercent: 100 }, worker: { onDemandBase: 0, spotPercent: 100 } };
        case "workerAboveBase": return { mode, api: onDemand, worker: { onDemandBase: workerMinTasks, spotPercent: workerSpotPercent } };
        default: return { mode, api: onDemand, worker: onDemand };
    }
}

function deepFreeze<T>(o: T): Readonly<T> {
    if (o && typeof o === "object" && !pulumi.Output.isInstance(o)) {
        for (const v of Object.values(o as object)) deepFreeze(v);
        Object.freeze(o);
    }
    return o;
}
