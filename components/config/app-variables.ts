/**
 * The variables the program can hand the apps, by name: which part each needs, whether it is
 * secret, and which services get it. The config module checks `appEnv`, `appSecrets` and
 * `envAliases` against this table before anything exists; `compute/app-env.ts` builds the values.
 */

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
    for (const name of p.generated) add(name, true, BOTH);
    return v;
}

/** Plain defaults `appEnv` may override. */
export const OVERRIDABLE_DEFAULTS: Readonly<Record<string, string>> = { JSON_BODY_LIMIT: "1mb" };

/** Names no config may set: the writable-$HOME plumbing of the read-only root filesystem. */
export const PLUMBING_NAMES = ["HOME", "npm_config_cache"];

/** Where the tasks find the RDS CA bundle (written by the task's prepare step). */
export const RDS_CA_PATH = "/tmp/rds-ca.pem";
