/**
 * Test helpers: runs of the whole program through the offline engine, shared across test files
 * (one run per stack and config), and lookups over the recorded graph.
 */
import * as fs from "fs";
import * as path from "path";
import { PREVIEW_STACK } from "../components/config/defaults";
import { PROJECT_DIR, PlanRecord, RecordedResource, RunOptions, runProgram } from "../tools/engine";
import { templateBase } from "../tools/preview-stack";
import { sharedPlan } from "./plan-share";

const cache = new Map<string, Promise<PlanRecord>>();
let queue: Promise<unknown> = Promise.resolve();

/** Where and how a plan runs besides its stack and config: the engine's RunOptions. */
export type PlanWhere = Pick<RunOptions, "world" | "configDir" | "projectDir" | "previewBranch" | "references">;

/**
 * A preview's base stack, planned (and memoized) like any other, so that each preview plan does not
 * plan it again: `{ "<org>/groundwork/<base>": outputs }`, from the template's (or the override's)
 * groundwork:previewBaseStack. Undefined when it names no stack of this project (the engine reports it).
 */
async function baseReferences(config: RunOptions["config"], w: PlanWhere): Promise<RunOptions["references"]> {
    const dir = w.configDir ?? w.projectDir ?? PROJECT_DIR;
    const fromTemplate = () => { try { return templateBase(dir, "groundwork").base.name; } catch { return undefined; } };
    const name = String(config?.["groundwork:previewBaseStack"] ?? fromTemplate() ?? "");
    const [, project, base] = name.split("/");
    if (project !== "groundwork" || !base || !fs.existsSync(path.join(dir, `Pulumi.${base}.yaml`))) return undefined;
    const r = await plan(base, undefined, { world: w.world, configDir: w.configDir, projectDir: w.projectDir });
    return r.problems.length || r.error ? undefined : { [name]: r.outputs };
}

/**
 * Runs the program for a stack (memoized per project, stack, overrides and world, and shared with the
 * other mocha workers: plan-share.ts). Runs are queued: the runtime is process-global. `where.projectDir` picks another project (the bootstrap),
 * `where.configDir` another folder of stack files (an example), `where.world` what the mocks report,
 * `where.previewBranch` a preview's branch. A preview `pr-<n>` gets its base's memoized outputs.
 */
export function plan(stack: string, config?: RunOptions["config"], where: PlanWhere | string = {}): Promise<PlanRecord> {
    const w: PlanWhere = typeof where === "string" ? { projectDir: where } : where;
    // Keys sorted: an override map's order means nothing (`{ a, b }` and `{ b, a }` are one plan).
    const key = JSON.stringify([w.projectDir ?? "", w.configDir ?? "", stack, config ?? {}, w.world ?? {}, w.previewBranch ?? "", w.references ?? {}],
        (_k, v) => (v === undefined ? "<unset>" : v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
    let p = cache.get(key);
    if (!p) {
        const references = PREVIEW_STACK.test(stack) && !w.references ? baseReferences(config, w) : Promise.resolve(w.references);
        p = references.then((refs) => {
            const run = queue.then(() => sharedPlan(key, () => runProgram({ stack, config, ...w, ...(refs ? { references: refs } : {}) })));
            queue = run.catch(() => undefined);
            return run;
        });
        cache.set(key, p);
    }
    return p;
}

/** A plan that must have succeeded. */
export async function goodPlan(stack: string, config?: RunOptions["config"], where: PlanWhere | string = {}): Promise<PlanRecord> {
    const r = await plan(stack, config, where);
    if (r.problems.length || r.error) {
        throw new Error(`plan of ${stack} failed:\n${r.problems.map((p) => `${p.key}: ${p.message}`).join("\n")}\n${r.error ?? ""}`);
    }
    return r;
}

export function byType(record: PlanRecord, type: string): RecordedResource[] {
    return record.resources.filter((r) => r.type === type);
}

/** The one resource of a type whose name matches; throws when there is not exactly one. */
export function one(record: PlanRecord, type: string, name?: string | RegExp): RecordedResource {
    const found = byType(record, type).filter((r) => name === undefined || (typeof name === "string" ? r.name === name : name.test(r.name)));
    if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
    return found[0];
}

export function byUrn(record: PlanRecord, urn: string): RecordedResource | undefined {
    return record.resources.find((r) => r.urn === urn);
}

/** Keys of the problems a failed plan reported. */
export function problemKeys(record: PlanRecord): string[] {
    return record.problems.map((p) => p.key);
}

/** A scheduled job, as a stack file writes one (a JSON object in a string). */
export const jobEntry = (job: Record<string, unknown>) => JSON.stringify(job);

/** The weekly logical backup of seed 001 (tatame), written to the backups bucket. */
export const BACKUP_JOB = {
    name: "db-backup",
    schedule: "cron(0 7 ? * SUN *)",
    timezone: "America/New_York",
    command: ["sh", "-ec", "pg_dump \"$DATABASE_URL\" --format=custom --no-owner --file=/tmp/db.dump && " +
        "aws s3 cp /tmp/db.dump \"s3://$BACKUPS_BUCKET/postgres/$(date -u +%Y%m%dT%H%M%SZ).dump\""],
    cpu: 512,
    memory: 1024,
    timeoutMinutes: 120,
};

/** Every opt-in operations part at once: jobs and backups, database access, app metrics, queues, an alert endpoint, load-balancer settings. */
export const EVERY_OPT_IN: Record<string, string | number | boolean | string[]> = {
    "groundwork:jobs": [jobEntry(BACKUP_JOB), jobEntry({ name: "cleanup", schedule: "rate(6 hours)", command: "node dist/jobs/cleanup.js", image: "worker", allowOverlap: true })],
    "groundwork:backups": true,
    "groundwork:dbAccess": true,
    "groundwork:appMetrics": true,
    "groundwork:workerQueues": ["webhooks", "email"],
    "groundwork:alertHttpsEndpoints": JSON.stringify(["https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue"]),
    "groundwork:alarmThresholds": ["queueWaiting=250"],
    "groundwork:apiIdleTimeoutSeconds": 300,
    "groundwork:apiStickySessionSeconds": 3600,
};

/**
 * A stack with no api and no worker, and so no VPC parts: only the web app on Vercel. Previews
 * attach to the base's load balancer, so a stack without an API hosts none.
 */
export const WEB_ONLY: Record<string, string | number | boolean | string[] | undefined> = {
    "groundwork:api": false, "groundwork:worker": false, "groundwork:database": "none", "groundwork:cache": "none",
    "groundwork:uploads": false, "groundwork:stripe": "none", "groundwork:stripeSecretKey": undefined, "groundwork:appSecrets": undefined,
    "groundwork:previews": false,
};

/*
 * Configurations that several test files plan. Each sets keys that are independent of each other,
 * and each test asserts its own key's effect against the default, so one plan serves them all:
 * defined once here because the memo (and plan-share.ts) key on the values, and a copy that drifted
 * would quietly plan again.
 */

/** The managed NAT gateways instead of the profiles' NAT instances (compute, cost). */
export const NAT_GATEWAYS = { "groundwork:egress": "natGateway" };

/** A proxied API and the interface endpoints (prod: compute, edge, parts). */
export const PROXIED_WITH_ENDPOINTS = { "groundwork:apiProxied": true, "groundwork:interfaceEndpoints": true };

/** Staging's independent opt-ins (compute, data, data-safety, program). */
export const STAGING_OVERRIDES = {
    "groundwork:imageRetentionCount": 7,
    "groundwork:migrateCommands": ["npx prisma migrate deploy", "node scripts/backfill.js"],
    "groundwork:migrateWorkingDirectory": "packages/database",
    "groundwork:cpuArchitecture": "X86_64",
    "groundwork:logRetentionDays": 30,
    "groundwork:cacheEngine": "redis",
    "groundwork:cacheEngineVersion": "7.1",
    "groundwork:appEnv": ["LOG_LEVEL=debug", "FEATURE_FLAGS=a,b"],
    "groundwork:secretReaderRoleArns": [],
    "groundwork:backupRegion": "us-east-2",
};

/**
 * Prod's database name and engine, no backup region, another health path, and database access
 * without scheduled jobs (which share its events policy) (compute, data, data-safety, database-access).
 */
export const PROD_OVERRIDES = {
    "groundwork:dbAccess": true,
    "groundwork:dbName": "acme",
    "groundwork:dbEngineVersion": "16",
    "groundwork:backupRegion": "none",
    "groundwork:healthCheckPath": "/healthz",
};

/**
 * Prod outside us-east-1 with its backup region and an alert endpoint, plus (independent of the
 * region) app metrics without Stripe and a worker with its own image (alerts, budget, monitoring, docs).
 */
export const ELSEWHERE = {
    "aws:region": "us-west-2", "groundwork:backupRegion": "us-east-2",
    "groundwork:alertHttpsEndpoints": JSON.stringify(["https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue"]),
    "groundwork:appMetrics": true, "groundwork:stripe": "none", "groundwork:stripeSecretKey": undefined, "groundwork:workerImage": "own",
};

/**
 * Prod's worker on-demand base and Spot share, a whole-account budget, a grown disk, and app metrics
 * with Stripe by key only (alerts, budget, monitoring, spot).
 */
export const INDEPENDENT_SETTINGS = {
    "groundwork:workerMinTasks": 2, "groundwork:workerSpotPercent": 80, "groundwork:budgetScope": "account",
    "groundwork:dbAllocatedStorage": 100, "groundwork:appMetrics": true, "groundwork:stripe": "key",
};

/** The load balancer's settings from the stack file, all away from their defaults. */
const LB_SETTINGS = {
    "groundwork:apiIdleTimeoutSeconds": 300, "groundwork:apiStickySessionSeconds": 3600, "groundwork:apiHealthCheckIntervalSeconds": 30,
    "groundwork:apiHealthCheckTimeoutSeconds": 10, "groundwork:apiHealthyThreshold": 3, "groundwork:apiUnhealthyThreshold": 4,
};

/**
 * Prod's alarm thresholds from the stack file and two queues at target 30 with a worker from zero,
 * without app metrics, and LB_SETTINGS (alerts, scaling-and-lb).
 */
export const THRESHOLDS_AND_QUEUES = {
    "groundwork:alarmThresholds": ["alb5xxPercent=2.5", "ecsCpuPercent=70", "usagePeriods=4"],
    "groundwork:workerQueues": ["webhooks", "email"], "groundwork:workerQueueTarget": 30, "groundwork:workerMinTasks": 0,
    ...LB_SETTINGS,
};

/** Staging with Fargate Spot off and its own budget amount (budget, cost, spot). */
export const STAGING_ON_DEMAND = { "groundwork:fargateSpot": "off", "groundwork:monthlyBudget": 150 };

/** Staging with every opt-in, one NAT, and its own backups' and logs' retention (jobs, nat-instance). */
export const STAGING_TUNED = { ...EVERY_OPT_IN, "groundwork:natGateways": "single", "groundwork:backupsRetentionDays": 35, "groundwork:logRetentionDays": 30 };

/** Every opt-in on a new stack, before any image is pushed (jobs, parts). */
export const NO_IMAGE = { ...EVERY_OPT_IN, "groundwork:imageTag": undefined };

/**
 * A team's own options on staging: generated secrets, its webhook path and Stripe Connect, a worker
 * built separately, its health check, larger NAT instances (parts, nat-instance).
 */
export const TEAM_OPTIONS = {
    "groundwork:generatedSecrets": ["JWT_SECRET", "BOOKING_TOKEN_SECRET", "TENANT_SECRETS_ENCRYPTION_KEY=hex:32"],
    "groundwork:stripeWebhookPath": "/webhooks/stripe", "groundwork:stripeConnect": true,
    "groundwork:workerImage": "own", "groundwork:workerImageTag": "w-42",
    "groundwork:workerHealthCheckCommand": "node dist/healthcheck.js",
    "groundwork:natInstanceType": "t4g.small",
};

/** Staging: a public web setting, routed values, a web secret, and zone settings owned by prod (web, edge). */
export const STAGING_WEB_KEYS = {
    "groundwork:webEnv": ["NEXT_PUBLIC_POSTHOG_HOST=https://us.i.posthog.com"],
    "groundwork:webEnvAliases": ["NEXTAUTH_URL=WEB_URL", "BACKEND=API_URL"],
    "groundwork:webSecrets": JSON.stringify({ REVALIDATE_TOKEN: "t0k3n" }),
    "groundwork:zoneSettingsStack": "prod",
};

/** Postmark's records, as a prod stack file declares them. */
const POSTMARK = [
    "20240115pm._domainkey TXT k=rsa;p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1",
    "pm-bounces CNAME pm.mtasv.net",
    "_dmarc TXT v=DMARC1; p=none; rua=mailto:dmarc@example.com",
];

/** Prod: a 63-character API label, no base path, the web app's API variable and health path renamed, Postmark's records (web, edge). */
export const PROD_API_HOST_AND_RECORDS = {
    "groundwork:apiHost": "a-very-long-subdomain-label-for-the-comment-test-of-63-characters".slice(0, 63),
    "groundwork:apiBasePath": "", "groundwork:webApiUrlVariable": "VITE_API_URL", "groundwork:healthCheckPath": "/health",
    "groundwork:dnsRecords": POSTMARK,
};

/** Prod: the web app at the bare domain with www redirecting, and no committed webRef (web, edge). */
export const PROD_APEX_UNRELEASED = { "groundwork:webHost": "@", "groundwork:webRedirectHosts": ["www"], "groundwork:webRef": undefined };
