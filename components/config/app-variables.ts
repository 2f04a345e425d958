/**
 * The variables the program can hand the apps, by name: which part each needs, whether it is
 * secret, and which services get it. The config module checks `appEnv`, `appSecrets` and
 * `envAliases` against this table before anything exists; `compute/app-env.ts` builds the values.
 */

import { METRICS_STACK_VARIABLE } from "../app-metrics";

/** What the stack holds, as far as the apps' variables are concerned. */
export interface PartsPresent {
    api: boolean;
    worker: boolean;
    database: boolean;
    /** An external database with a separate unpooled URL. */
    databaseUnpooled: boolean;
    /** RDS: the tasks get the RDS CA bundle path. */
    rds: boolean;
    cache: boolean;
    uploads: boolean;
    frontend: boolean;
    stripe: boolean;
    stripeWebhookOnApi: boolean;
    /** The apps write the EMF metrics of the contract (`appMetrics`, or `workerQueues`): they get METRICS_STACK. */
    appMetrics: boolean;
    generated: string[];
    /**
     * A pull request's preview on its base's shared cache and bucket: the apps get the key
     * prefix they must keep to (`REDIS_PREFIX`, `S3_PREFIX`).
     */
    preview?: boolean;
}

export interface VariableSpec {
    secret: boolean;
    /** The services that get it by this name by default; [] = only as an alias source. */
    services: ("api" | "worker")[];
    /** Services an alias of it may reach (PORT exists only in the api). */
    aliasServices: ("api" | "worker")[];
}

const BOTH: ("api" | "worker")[] = ["api", "worker"];

/**
 * The program's own variables for the parts present. `JSON_BODY_LIMIT` is a default `appEnv` may
 * override; every other name here is set by the program alone.
 */
export function programVariables(p: PartsPresent): Record<string, VariableSpec> {
    const v: Record<string, VariableSpec> = {};
    const add = (name: string, secret: boolean, services: ("api" | "worker")[], aliasServices = BOTH) => { v[name] = { secret, services, aliasServices }; };
    if (!p.api && !p.worker) return v;
    add("NODE_ENV", false, BOTH);
    if (p.api) add("PORT", false, ["api"], ["api"]);
    if (p.worker) add("WORKER_CONCURRENCY", false, ["worker"], ["worker"]);
    if (p.database) add("DATABASE_URL", true, BOTH);
    if (p.databaseUnpooled) add("DATABASE_URL_UNPOOLED", true, BOTH);
    if (p.rds) {
        // node-postgres (and Prisma's pg adapter) verify the server against Node's store plus this file.
        add("NODE_EXTRA_CA_CERTS", false, BOTH);
        add("PGSSLROOTCERT", false, BOTH);
    }
    if (p.cache) add("REDIS_URL", true, BOTH);
    // A preview shares its base's cache and bucket: its keys and objects live under its own prefix.
    if (p.preview && p.cache) add("REDIS_PREFIX", false, BOTH);
    if (p.uploads) {
        add("S3_BUCKET", false, BOTH);
        add("S3_REGION", false, BOTH);
        if (p.preview) add("S3_PREFIX", false, BOTH);
    }
    if (p.frontend) {
        add("ALLOWED_ORIGINS", false, BOTH);
        add("WEB_URL", false, []);
    }
    if (p.api) add("API_URL", false, []);
    if (p.stripe) add("STRIPE_SECRET_KEY", true, BOTH);
    if (p.stripeWebhookOnApi) add("STRIPE_WEBHOOK_SECRET", true, BOTH);
    // The `Stack` dimension of the apps' EMF lines (components/app-metrics.ts).
    if (p.appMetrics) add(METRICS_STACK_VARIABLE, false, BOTH);
    for (const name of p.generated) add(name, true, BOTH);
    return v;
}

/** Plain defaults `appEnv` may override. */
export const OVERRIDABLE_DEFAULTS: Readonly<Record<string, string>> = { JSON_BODY_LIMIT: "1mb" };

/** Names no config may set: the writable-$HOME plumbing of the read-only root filesystem. */
export const PLUMBING_NAMES = ["HOME", "npm_config_cache"];

/** Where the tasks find the RDS CA bundle (written by the task's prepare step). */
export const RDS_CA_PATH = "/tmp/rds-ca.pem";

/** What the stack holds, as far as the web app's variables are concerned. */
export interface WebPartsPresent {
    api: boolean;
    /** An api or a worker: the app secret (and so the generated secrets) exists. */
    compute: boolean;
    database: "rds" | "external" | undefined;
    databaseUnpooled: boolean;
    cache: "elasticache" | "external" | undefined;
    uploads: boolean;
    stripe: boolean;
    /** Which app serves the managed Stripe webhook; undefined without one. */
    stripeWebhook: "api" | "web" | undefined;
    generated: string[];
}

/** A program value the web app may get (`secret`: as a sensitive variable), or why it may not (`refused`). */
export type WebSource = { secret: boolean; refused?: undefined } | { secret?: undefined; refused: string };

/** Vercel's functions run outside the stack's VPC: a private data store there is out of their reach. */
const UNREACHABLE = (what: string, external: string) => `${what} lives in the stack's private VPC subnets, which Vercel's functions cannot reach ` +
    `(no route, and its security group admits only the stack's tasks). A web app that reads it directly needs ${external}; otherwise call the API`;

/**
 * The values the program can route to the web app by name (`groundwork:webEnvAliases`), and the
 * ones it refuses with the reason: private RDS and ElastiCache, the tasks' IAM-based bucket
 * access, files and settings that exist only inside the ECS tasks.
 */
export function webSources(p: WebPartsPresent): Record<string, WebSource> {
    const v: Record<string, WebSource> = { WEB_URL: { secret: false } };
    const taskOnly = (name: string, why: string) => { v[name] = { refused: `${name} ${why}` }; };
    if (p.api) v.API_URL = { secret: false };
    if (p.compute) {
        v.ALLOWED_ORIGINS = { secret: false };
        taskOnly("NODE_ENV", "is the ECS tasks' setting; Vercel sets NODE_ENV itself");
        if (p.api) taskOnly("PORT", "is the port the api container listens on; Vercel's functions have none");
        taskOnly("WORKER_CONCURRENCY", "is the worker's setting");
    }
    if (p.database === "external") v.DATABASE_URL = { secret: true };
    if (p.database === "external" && p.databaseUnpooled) v.DATABASE_URL_UNPOOLED = { secret: true };
    if (p.database === "rds") {
        v.DATABASE_URL = { refused: UNREACHABLE("The RDS database (groundwork:database rds)", "database: external (Neon, Supabase), with its URL in databaseUrl") };
        for (const f of ["NODE_EXTRA_CA_CERTS", "PGSSLROOTCERT"]) taskOnly(f, "is a file inside the ECS tasks (the RDS CA bundle)");
    }
    if (p.cache === "external") v.REDIS_URL = { secret: true };
    if (p.cache === "elasticache") v.REDIS_URL = { refused: UNREACHABLE("The ElastiCache cache (groundwork:cache elasticache)", "cache: external (Upstash), with its URL in redisUrl") };
    if (p.uploads) {
        for (const n of ["S3_BUCKET", "S3_REGION"]) taskOnly(n, "is reached with the ECS tasks' IAM role; Vercel has no AWS credentials for the bucket");
    }
    if (p.stripe) v.STRIPE_SECRET_KEY = { secret: true };
    if (p.stripeWebhook === "web") v.STRIPE_WEBHOOK_SECRET = { secret: true };
    if (p.stripeWebhook === "api") taskOnly("STRIPE_WEBHOOK_SECRET", "signs the events Stripe sends to the API (groundwork:stripeWebhookHost api); the web app receives none");
    for (const name of p.compute ? p.generated : []) v[name] = { secret: true };
    return v;
}
