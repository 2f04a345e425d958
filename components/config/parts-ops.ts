/**
 * The operations parts of the stack file: scheduled jobs (`jobs`) and the bucket they back up to
 * (`backups`), the operators' database access (`dbAccess`), where alarms go besides the email
 * (`alertHttpsEndpoints`), the thresholds the stack file overrides
 * (`alarmThresholds`) and the apps' own metrics (`appMetrics`). Each problem is reported against
 * its key with a good example; nothing here creates a resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { THRESHOLD_LIMITS } from "../ops/monitoring-thresholds";
import type { AlarmThresholds } from "../ops/monitoring-thresholds";
import type { ResolveContext } from "./config";
import { fargateMemoryChoices } from "./defaults";
import type { GroundworkConfig, JobConfig } from "./types";

/** Exec form of a command string: split on whitespace (no shell). */
const words = (cmd: string) => cmd.split(/\s+/).filter(Boolean);
const SHELL_SYNTAX = /(&&|\|\||[|;<>`$]|\bcd\b)/;

/** Job names: lowercase kebab-case, short enough for every name derived from them. */
export const JOB_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
/** `taskLaunch` keys the services hold, which a job may not take. */
const RESERVED_JOB_NAMES = ["api", "worker"];
const JOB_FIELDS = ["name", "schedule", "timezone", "command", "image", "cpu", "memory", "allowOverlap", "timeoutMinutes"];
const JOB_EXAMPLE = `'{"name": "db-backup", "schedule": "cron(0 7 ? * SUN *)", "timezone": "America/New_York", "command": ["sh", "-ec", "…"]}'`;

/**
 * Checks an EventBridge Scheduler expression: `rate(<n> <unit>)` with the unit singular for 1,
 * or `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` with `?` in one of the
 * two day fields. Returns what is wrong, or undefined.
 */
export function scheduleProblem(expr: string): string | undefined {
    const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
    if (rate) {
        const n = Number(rate[1]);
        if (n < 1) return "a rate must be at least 1";
        const singular = !rate[2].endsWith("s");
        if ((n === 1) !== singular) return `write rate(${n} ${n === 1 ? rate[2].replace(/s$/, "") : rate[2].replace(/s?$/, "s")})`;
        return undefined;
    }
    const cron = /^cron\((.+)\)$/.exec(expr);
    if (!cron) return "must be cron(<6 fields>) or rate(<n> <minutes|hours|days>)";
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
    if (!fields.every((f) => /^[0-9A-Za-z*?,/#-]+$/.test(f))) return "cron fields hold digits, names, * ? , / - # L W only";
    const [, , dom, , dow] = fields;
    if ((dom === "?") === (dow === "?")) return "exactly one of day-of-month and day-of-week must be ? (e.g. cron(0 3 * * ? *) or cron(0 7 ? * SUN *))";
    return undefined;
}

/** Whether the runtime knows an IANA time zone. */
function knownTimeZone(tz: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
    } catch {
        return false;
    }
}

/** One job entry (a JSON object written as a string), or undefined after reporting what is wrong. */
function parseJob(ctx: ResolveContext, raw: string, i: number, images: { app: boolean; worker: boolean }): JobConfig | undefined {
    const where = `entry ${i + 1}`;
    let o: unknown;
    try { o = JSON.parse(raw); } catch { o = undefined; }
    if (!o || typeof o !== "object" || Array.isArray(o)) {
        ctx.report("jobs", `${where} must be a JSON object written as a string, got ${JSON.stringify(raw.slice(0, 60))}. Example: ${JOB_EXAMPLE}`, false);
        return undefined;
    }
    const j = o as Record<string, unknown>;
    const problems: string[] = [];
    for (const k of Object.keys(j)) if (!JOB_FIELDS.includes(k)) problems.push(`has an unknown field "${k}" (fields: ${JOB_FIELDS.join(", ")})`);
    const name = typeof j.name === "string" ? j.name : "";
    if (!JOB_NAME.test(name)) problems.push(`name must be lowercase kebab-case of 2-32 characters, got ${JSON.stringify(j.name)}. Example: "db-backup"`);
    else if (RESERVED_JOB_NAMES.includes(name)) problems.push(`name "${name}" is a service's runnable name; choose another, e.g. "${name}-cleanup"`);
    const label = name ? `job "${name}"` : where;

    const schedule = typeof j.schedule === "string" ? j.schedule.trim() : "";
    const scheduleWrong = schedule ? scheduleProblem(schedule) : "is missing";
    if (scheduleWrong) problems.push(`schedule ${JSON.stringify(j.schedule ?? null)}: ${scheduleWrong}. Example: "cron(0 3 * * ? *)" or "rate(6 hours)"`);
    const timezone = j.timezone === undefined ? "UTC" : typeof j.timezone === "string" ? j.timezone : "";
    if (!timezone || !knownTimeZone(timezone)) problems.push(`timezone must be an IANA time zone, got ${JSON.stringify(j.timezone)}. Example: "America/New_York"`);

    let command: string[] = [];
    if (typeof j.command === "string") {
        command = words(j.command);
        if (SHELL_SYNTAX.test(j.command)) {
            problems.push("command is a string with shell syntax (&&, |, ;, $, cd…), but a string command runs without a shell; " +
                "write it as a list with the shell spelled out: [\"sh\", \"-ec\", \"pg_dump … && aws s3 cp …\"]");
        }
    } else if (Array.isArray(j.command) && j.command.every((w) => typeof w === "string")) {
        command = j.command as string[];
    }
    if (command.length === 0 || command.some((w) => w.trim() === "")) {
        problems.push(`command must be a non-empty string or list of words, got ${JSON.stringify(j.command ?? null)?.slice(0, 60)}. Example: "node dist/jobs/cleanup.js"`);
    }

    const image = j.image === undefined ? (images.app ? "app" : "worker") : j.image;
    if (image !== "app" && image !== "worker") problems.push(`image must be "app" (the api's image and variables) or "worker", got ${JSON.stringify(image)}`);
    else if (!images[image]) {
        problems.push(image === "worker" ? "image is \"worker\" but the stack has no worker (groundwork:worker false); use \"app\""
            : "image is \"app\" but the stack builds no app image (no api, and the worker has its own); use \"worker\"");
    }

    const cpu = j.cpu ?? 256, memory = j.memory ?? 512;
    const choices = typeof cpu === "number" ? fargateMemoryChoices(cpu) : undefined;
    if (!choices) problems.push(`cpu must be a Fargate CPU size (256, 512, 1024, 2048, 4096, 8192, 16384), got ${JSON.stringify(cpu)}. Example: 512`);
    else if (typeof memory !== "number" || !choices.includes(memory)) {
        problems.push(`memory ${JSON.stringify(memory)} is not valid with cpu ${cpu}; Fargate allows ${choices.length > 6 ? `${choices[0]}-${choices[choices.length - 1]}` : choices.join(", ")} MiB`);
    }
    const allowOverlap = j.allowOverlap ?? false;
    if (typeof allowOverlap !== "boolean") problems.push(`allowOverlap must be true or false, got ${JSON.stringify(allowOverlap)}`);
    const timeoutMinutes = j.timeoutMinutes ?? 60;
    if (typeof timeoutMinutes !== "number" || !Number.isInteger(timeoutMinutes) || timeoutMinutes < 1 || timeoutMinutes > 1440) {
        problems.push(`timeoutMinutes must be a whole number of 1-1440 (a day), got ${JSON.stringify(timeoutMinutes)}. Example: 120`);
    }

    for (const p of problems) ctx.report("jobs", `${label}: ${p}`, false);
    if (problems.length > 0) return undefined;
    return {
        name, schedule, timezone, command, image: image as "app" | "worker", cpu: cpu as number, memory: memory as number,
        allowOverlap: allowOverlap as boolean, timeoutMinutes: timeoutMinutes as number,
    };
}

type OpsPart = Pick<GroundworkConfig, "jobs" | "backups" | "dbAccess" | "appMetrics" | "alerts">;

export function resolveOperations(ctx: ResolveContext, parts: { api: boolean; worker: boolean; workerOwnImage: boolean; rds: boolean }): OpsPart {
    const { v } = ctx;
    const compute = parts.api || parts.worker;
    const images = { app: parts.api || (parts.worker && !parts.workerOwnImage), worker: parts.worker };

    // ---- scheduled jobs ---------------------------------------------------------------------------
    const jobs: JobConfig[] = [];
    const entries = ctx.ok("jobs") ? v.jobs : [];
    if (entries.length > 0 && !compute) {
        ctx.report("jobs", "defines jobs but the stack runs no service (groundwork:api and groundwork:worker are false): a job runs the api's or the worker's image in the stack's network");
    } else {
        entries.forEach((raw, i) => {
            const job = parseJob(ctx, raw, i, images);
            if (!job) return;
            if (jobs.some((x) => x.name === job.name)) ctx.report("jobs", `job "${job.name}" is defined twice; each name once`, false);
            else jobs.push(job);
        });
    }

    // The jobs set these themselves; the apps' own settings may not take them.
    if (jobs.length > 0) {
        const jobNames = ["BACKUPS_BUCKET", "GROUNDWORK_JOB", "GROUNDWORK_JOB_NO_OVERLAP", "GROUNDWORK_JOB_TIMEOUT_SECONDS", "GROUNDWORK_JOB_STACK"];
        for (const entry of ctx.ok("appEnv") ? v.appEnv : []) {
            const name = entry.split("=")[0];
            if (jobNames.includes(name)) ctx.report("appEnv", `sets ${name}, which the scheduled jobs set themselves; choose another name`);
        }
        let secretNames: string[] = [];
        try { secretNames = Object.keys(JSON.parse(ctx.secret("appSecrets")?.raw ?? "{}") as object); } catch { secretNames = []; }
        for (const name of secretNames.filter((n) => jobNames.includes(n))) ctx.report("appSecrets", `sets ${name}, which the scheduled jobs set themselves; choose another name`, false);
    }

    // ---- the backups bucket -----------------------------------------------------------------------
    let backups: OpsPart["backups"];
    if (v.backups === true) {
        if (entries.length === 0) {
            ctx.report("backups", "is true but groundwork:jobs defines no job: only the scheduled jobs write to the backups bucket. " +
                `Add a backup job, e.g. ${JOB_EXAMPLE}, or set backups: false`, false);
        }
        backups = { retentionDays: v.backupsRetentionDays };
    }

    // ---- database access --------------------------------------------------------------------------
    if (v.dbAccess === true && !parts.rds) {
        ctx.report("dbAccess", "is true but groundwork:database is not \"rds\": the access path reaches the stack's private RDS instance; " +
            "an external database (Neon, Supabase) is reached directly with its own URL. Set dbAccess: false");
    }

    // ---- the apps' own metrics ----------------------------------------------------------------------
    if (v.appMetrics === true && !compute) ctx.report("appMetrics", "is true but the stack runs no service that could write them (groundwork:api and groundwork:worker are false)");

    // ---- where alarms go --------------------------------------------------------------------------
    const httpsEndpoints: pulumi.Output<string>[] = [];
    const endpoints = ctx.secret("alertHttpsEndpoints");
    if (endpoints) {
        let list: unknown;
        try { list = JSON.parse(endpoints.raw); } catch { list = undefined; }
        if (!Array.isArray(list) || list.length === 0 || !list.every((u) => typeof u === "string")) {
            ctx.report("alertHttpsEndpoints", "must be a JSON list of https URLs (the value is not shown)");
        } else if (list.length > 5) {
            ctx.report("alertHttpsEndpoints", `lists ${list.length} endpoints; at most 5 (one SNS subscription each)`);
        } else {
            list.forEach((u: string, i: number) => {
                let url: URL | undefined;
                try { url = new URL(u); } catch { url = undefined; }
                if (!url || url.protocol !== "https:" || !url.hostname) {
                    ctx.report("alertHttpsEndpoints", `entry ${i + 1} is not an https URL (the value is not shown)`);
                } else if (/(^|\.)hooks\.slack\.com$/.test(url.hostname) || /(^|\.)discord(app)?\.com$/.test(url.hostname)) {
                    // SNS first POSTs a SubscriptionConfirmation that the endpoint must confirm by
                    // fetching its SubscribeURL; a chat webhook cannot, so nothing would ever arrive.
                    ctx.report("alertHttpsEndpoints", `entry ${i + 1} is a chat incoming webhook, which cannot confirm an SNS subscription, so no alarm would ` +
                        "reach it. For Slack see docs/runbooks/alerts.md (PagerDuty's Slack extension, or AWS Chatbot on the alert topic)", false);
                } else {
                    httpsEndpoints.push(pulumi.secret(u));
                }
            });
        }
    }

    // ---- thresholds ---------------------------------------------------------------------------------
    const thresholds: Partial<AlarmThresholds> = {};
    for (const entry of ctx.ok("alarmThresholds") ? v.alarmThresholds : []) {
        const m = /^([A-Za-z0-9]+)=(-?\d+(?:\.\d+)?)$/.exec(entry.trim());
        const name = m?.[1] as keyof AlarmThresholds | undefined;
        const limits = name ? THRESHOLD_LIMITS[name] : undefined;
        if (!m || !name || !limits) {
            ctx.report("alarmThresholds", `entry "${entry.slice(0, 40)}" must be name=number with one of: ${Object.keys(THRESHOLD_LIMITS).join(", ")}`);
            continue;
        }
        const value = Number(m[2]);
        if (value < limits.min || value > limits.max || (limits.whole && !Number.isInteger(value))) {
            ctx.report("alarmThresholds", `${name} must be ${limits.whole ? "a whole number of " : ""}${limits.min}-${limits.max}, got ${m[2]}`);
        } else if (name in thresholds) {
            ctx.report("alarmThresholds", `sets ${name} twice`);
        } else {
            thresholds[name] = value;
        }
    }
    return {
        jobs, backups, dbAccess: v.dbAccess === true && parts.rds, appMetrics: v.appMetrics === true && compute,
        alerts: { httpsEndpoints, thresholds },
    };
}
