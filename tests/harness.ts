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
