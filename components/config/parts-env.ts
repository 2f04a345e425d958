/**
 * The apps' environment from config: plain settings (`appEnv`), extra secrets (`appSecrets`),
 * generated secrets (`generatedSecrets`), further names for known values (`envAliases`), and who
 * may read the app secret (`secretReaderRoleArns`). Checked against the variables the present
 * parts provide (`app-variables.ts`).
 */
import * as pulumi from "@pulumi/pulumi";
import { browserName, publicVariableProblem, secretLookingValue } from "../../policies/tables";
import { OVERRIDABLE_DEFAULTS, PLUMBING_NAMES, PartsPresent, WebPartsPresent, programVariables, webSources } from "./app-variables";
import type { ResolveContext } from "./config";
import { ENV_NAME, SECRET_LOOKING_NAME } from "./config-schema";
import type { EnvAlias, FrontendConfig, GeneratedSecret, GroundworkConfig, WebAlias } from "./types";

type EnvPart = Pick<GroundworkConfig, "appEnv" | "envAliases" | "generatedSecrets" | "appSecretNames" | "appSecrets" | "secretReaderRoleArns">;

/**
 * Names Vercel's runtime reserves (its functions run on AWS Lambda) or sets itself (`VERCEL_*`):
 * a project variable of that name is refused by Vercel or overridden.
 */
const VERCEL_RESERVED = /^(AWS_|LAMBDA_|NOW_|VERCEL_)|^(TZ|_HANDLER|_X_AMZN_TRACE_ID)$/;

/** Why the web app may not have a variable of this name, or undefined. */
function webNameProblem(name: string): string | undefined {
    return VERCEL_RESERVED.test(name) ? `${name} is reserved by Vercel's runtime (AWS_*, LAMBDA_*, VERCEL_*, NOW_*, TZ); choose another name` : undefined;
}

/**
 * A Stripe key of the other mode than the profile's (live keys in prod, test keys elsewhere),
 * or undefined. Staging must never take live payments; prod never runs on test keys.
 */
function stripeModeProblem(ctx: ResolveContext, value: string): string | undefined {
    const mode = /^(?:pk|sk|rk)_(live|test)_/.exec(value)?.[1];
    const want = ctx.profile === "prod" ? "live" : "test";
    return mode && mode !== want ? `holds a ${mode}-mode Stripe key but the ${ctx.profile} stack uses ${want} mode (the value is not shown)` : undefined;
}

/**
 * Parses `["NAME=value"]` into a record, reporting bad entries against `key`. `plain` (the
 * services' ECS `environment`): no credential-looking name or value. `public` (the web app's
 * plain Vercel variables): the rule shared with the policy pack (policies/tables.ts).
 */
export function parseAssignments(ctx: ResolveContext, key: "appEnv" | "webEnv", entries: string[],
    opts: { reserved: string[]; secretHint: "appSecrets" | "webSecrets"; rule: "plain" | "public" }) {
    const out: Record<string, string> = {};
    const putInSecrets = (name: string) => `Put it in groundwork:${opts.secretHint} (pulumi config set --secret ${opts.secretHint} '{"${name}":"…"}')`;
    for (const entry of entries) {
        const eq = entry.indexOf("=");
        const name = eq > 0 ? entry.slice(0, eq) : "";
        const value = entry.slice(eq + 1);
        const publicProblem = opts.rule === "public" ? publicVariableProblem(name, value) ?? stripeModeProblem(ctx, value) : undefined;
        const reservedByVercel = opts.rule === "public" ? webNameProblem(name) : undefined;
        if (!ENV_NAME.test(name)) {
            ctx.report(key, `entry "${entry.slice(0, 40)}" must be NAME=value with an UPPER_SNAKE name`);
        } else if (opts.reserved.includes(name)) {
            ctx.report(key, `sets ${name}, which Groundwork sets itself; remove it (or give the value another name with groundwork:${key === "webEnv" ? "webEnvAliases" : "envAliases"})`);
        } else if (name in out) {
            ctx.report(key, `sets ${name} twice`);
        } else if (reservedByVercel) {
            ctx.report(key, `entry ${reservedByVercel}`);
        } else if (publicProblem) {
            ctx.report(key, `entry ${name} ${publicProblem}; public settings are readable in Vercel's dashboard${browserName(name) ? " and ship in the browser bundle" : ""}. ` +
                putInSecrets(name), false);
        } else if (opts.rule === "plain" && SECRET_LOOKING_NAME.test(name)) {
            ctx.report(key, `entry ${name} looks like a credential; plain settings are stored unencrypted. ${putInSecrets(name)}`, false);
        } else if (opts.rule === "plain" && secretLookingValue(value)) {
            ctx.report(key, `entry ${name} holds ${secretLookingValue(value)}; plain settings are stored unencrypted (the value is not shown). ${putInSecrets(name)}`, false);
        } else {
            out[name] = value;
        }
    }
    return out;
}

/** A secret config key holding a JSON object of NAME to string value, or undefined (problems reported against `key`). */
function secretObject(ctx: ResolveContext, key: "appSecrets" | "webSecrets"): Record<string, string> | undefined {
    const secret = ctx.secret(key);
    if (!secret) return undefined;
    let obj: unknown;
    try { obj = JSON.parse(secret.raw); } catch { obj = undefined; }
    if (!obj || typeof obj !== "object" || Array.isArray(obj) || !Object.values(obj).every((x) => typeof x === "string")) {
        ctx.report(key, "must be a JSON object of NAME to string value (the value is not shown)");
        return undefined;
    }
    return obj as Record<string, string>;
}

/** `NAME`, `NAME=alnum:<length>` or `NAME=hex:<bytes>`. */
function parseGenerated(ctx: ResolveContext, entries: string[]): GeneratedSecret[] {
    const out: GeneratedSecret[] = [];
    for (const entry of entries) {
        const m = /^([A-Z][A-Z0-9_]*)(?:=(alnum|hex):(\d+))?$/.exec(entry);
        if (!m) {
            ctx.report("generatedSecrets", `entry "${entry.slice(0, 40)}" must be NAME, NAME=alnum:<length> or NAME=hex:<bytes>`);
            continue;
        }
        const kind = (m[2] ?? "alnum") as GeneratedSecret["kind"];
        const size = m[3] === undefined ? 64 : Number(m[3]);
        const [min, max] = kind === "alnum" ? [32, 1024] : [16, 512];
        if (size < min || size > max) {
            ctx.report("generatedSecrets", `${m[1]}: ${kind} size must be ${min}-${max}${kind === "hex" ? " bytes" : " characters"}, got ${size}`);
            continue;
        }
        if (out.some((g) => g.name === m[1])) {
            ctx.report("generatedSecrets", `lists ${m[1]} twice`);
            continue;
        }
        out.push({ name: m[1], kind, size });
    }
    return out;
}

/**
 * The apps' environment settings. `sharedSecretNames`: a preview's app secrets are the base's,
 * by name (`groundwork:previewSharedSecrets`); their values come from the base at deploy time.
 */
export function resolveAppEnvironment(ctx: ResolveContext, parts: Omit<PartsPresent, "generated">, sharedSecretNames?: string[]): EnvPart {
    const { v } = ctx;
    const compute = parts.api || parts.worker;
    const generated = ctx.ok("generatedSecrets") && compute ? parseGenerated(ctx, v.generatedSecrets) : [];
    const program = programVariables({ ...parts, generated: generated.map((g) => g.name) });
    const reserved = [...Object.keys(program), ...PLUMBING_NAMES];

    const appEnv = ctx.ok("appEnv") ? parseAssignments(ctx, "appEnv", v.appEnv, { reserved, secretHint: "appSecrets", rule: "plain" }) : {};
    if (!compute && Object.keys(appEnv).length > 0) ctx.report("appEnv", "is set but the stack runs no service (groundwork:api and groundwork:worker are false)");

    const appSecretValues: Record<string, string> = { ...(secretObject(ctx, "appSecrets") ?? {}) };
    for (const name of Object.keys(appSecretValues)) {
        if (!ENV_NAME.test(name)) ctx.report("appSecrets", `name "${name}" must be UPPER_SNAKE_CASE`);
        else if (reserved.includes(name)) ctx.report("appSecrets", `sets ${name}, which Groundwork sets itself; remove it`);
        else if (name in appEnv) ctx.report("appSecrets", `sets ${name}, which groundwork:appEnv also sets; a variable comes from one place`);
    }
    if (!compute && Object.keys(appSecretValues).length > 0) ctx.report("appSecrets", "holds values but the stack runs no service (groundwork:api and groundwork:worker are false)");
    for (const name of sharedSecretNames ?? []) {
        if (reserved.includes(name)) ctx.report("previewSharedSecrets", `names ${name}, which Groundwork sets itself; remove it`);
        else if (name in appEnv) ctx.report("previewSharedSecrets", `names ${name}, which groundwork:appEnv also sets; a variable comes from one place`);
        else if (name in appSecretValues) ctx.report("previewSharedSecrets", `names ${name} twice`);
        // The value is the base's, read at deploy time: here only the name.
        else appSecretValues[name] = "";
    }

    const envAliases: EnvAlias[] = [];
    const taken = new Set([...reserved, ...Object.keys(appEnv), ...Object.keys(appSecretValues), ...Object.keys(OVERRIDABLE_DEFAULTS)]);
    for (const entry of ctx.ok("envAliases") ? v.envAliases : []) {
        const m = /^([A-Z][A-Z0-9_]*)=([A-Z][A-Z0-9_]*)$/.exec(entry);
        if (!m) {
            ctx.report("envAliases", `entry "${entry.slice(0, 40)}" must be NAME=SOURCE, two UPPER_SNAKE names`);
            continue;
        }
        const [, name, source] = m;
        const known = source in program || source in appSecretValues || source in appEnv || source in OVERRIDABLE_DEFAULTS;
        if (!known) {
            ctx.report("envAliases", `${name}=${source}: this stack has no value named ${source}; known here: ` +
                `${[...Object.keys(program), ...Object.keys(appEnv), ...Object.keys(appSecretValues)].sort().join(", ") || "none"}`, false);
        } else if (taken.has(name) || envAliases.some((a) => a.name === name)) {
            ctx.report("envAliases", `${name} is already a variable of the apps; choose another name`);
        } else {
            envAliases.push({ name, source });
        }
    }

    const secretReaderRoleArns = ctx.ok("secretReaderRoleArns") ? [...new Set(v.secretReaderRoleArns)].sort() : [];
    if (compute && ctx.profile === "prod" && ctx.ok("secretReaderRoleArns") && secretReaderRoleArns.length === 0) {
        ctx.report("secretReaderRoleArns", "must list the roles that deploy prod and the break-glass role (the app secret's value is denied to " +
            "everyone else, and Pulumi reads it on refresh); bootstrap/ creates them and prints this list");
    }
    return {
        appEnv, envAliases, generatedSecrets: generated,
        appSecretNames: Object.keys(appSecretValues).sort(),
        appSecrets: pulumi.secret(appSecretValues),
        secretReaderRoleArns,
    };
}

type WebPart = Pick<GroundworkConfig, "webSecretNames" | "webSecrets" | "webEnvAliases">;

/**
 * The web app's server-side environment: its own secrets (`webSecrets`, sensitive Vercel
 * variables) and the program's values routed to it by name (`webEnvAliases`; the webhook's
 * signing secret is routed by itself when the web app serves the webhook). Checked against the
 * public variables (`webEnv`) so that a name comes from one place, and against what Vercel can
 * reach: a private RDS or ElastiCache is refused with the reason.
 */
export function resolveWebEnvironment(ctx: ResolveContext, web: {
    frontend: FrontendConfig | undefined; parts: WebPartsPresent; appEnv: Record<string, string>; appSecretNames: string[];
}): WebPart {
    const { v } = ctx;
    const none: WebPart = { webSecretNames: [], webSecrets: pulumi.secret<Record<string, string>>({}), webEnvAliases: [] };
    const secrets = secretObject(ctx, "webSecrets");
    if (!web.frontend) {
        if (secrets && Object.keys(secrets).length > 0) ctx.report("webSecrets", "holds values but groundwork:frontend is false; remove it or set frontend: true", false);
        return none;
    }
    const sources = webSources(web.parts);
    const routed: WebAlias[] = web.parts.stripeWebhook === "web" ? [{ name: "STRIPE_WEBHOOK_SECRET", source: "STRIPE_WEBHOOK_SECRET", secret: true }] : [];
    const publicNames = Object.keys(web.frontend.env);
    const taken = (name: string) => publicNames.includes(name) || routed.some((a) => a.name === name) || (!!secrets && name in secrets);

    for (const [name, value] of Object.entries(secrets ?? {})) {
        const whyNot = !ENV_NAME.test(name) ? `name "${name}" must be UPPER_SNAKE_CASE`
            : webNameProblem(name)
            ?? (browserName(name) ? `${name} has a browser prefix: frameworks inline such variables into the JavaScript every visitor downloads. Name it without one (a secret stays on the server)` : undefined)
            ?? (publicNames.includes(name) ? `sets ${name}, which groundwork:webEnv${name === web.frontend.apiUrlVariable ? " (the API URL variable)" : ""} also sets; a variable comes from one place` : undefined)
            ?? (routed.some((a) => a.name === name) ? `sets ${name}, which Groundwork routes to the web app itself (the Stripe webhook's signing secret); remove it` : undefined)
            ?? (stripeModeProblem(ctx, value) ? `${name} ${stripeModeProblem(ctx, value)}` : undefined);
        if (whyNot) ctx.report("webSecrets", whyNot, false);
    }

    const known = () => [...Object.keys(sources).filter((k) => !sources[k].refused), ...web.appSecretNames, ...Object.keys(web.appEnv), ...Object.keys(OVERRIDABLE_DEFAULTS)].sort().join(", ");
    for (const entry of ctx.ok("webEnvAliases") ? v.webEnvAliases : []) {
        const m = /^([A-Z][A-Z0-9_]*)(?:=([A-Z][A-Z0-9_]*))?$/.exec(entry);
        if (!m) {
            ctx.report("webEnvAliases", `entry "${entry.slice(0, 40)}" must be NAME=SOURCE (two UPPER_SNAKE names), or NAME for a value of the same name`);
            continue;
        }
        const [, name, source = m[1]] = m;
        const program = sources[source];
        const secret = program ? program.secret : web.appSecretNames.includes(source) ? true : source in web.appEnv || source in OVERRIDABLE_DEFAULTS ? false : undefined;
        if (program?.refused) {
            ctx.report("webEnvAliases", `${name}=${source}: ${program.refused}`, false);
        } else if (secret === undefined) {
            const generatedHint = !web.parts.compute && ctx.ok("generatedSecrets") && v.generatedSecrets.some((g) => g.split("=")[0] === source)
                ? ` (groundwork:generatedSecrets live in the app secret, which exists only with an api or worker: put ${source} in webSecrets)` : "";
            ctx.report("webEnvAliases", `${name}=${source}: this stack has no value named ${source}${generatedHint}; known here: ${known() || "none"}`, false);
        } else if (webNameProblem(name)) {
            ctx.report("webEnvAliases", webNameProblem(name)!, false);
        } else if (secret && browserName(name)) {
            ctx.report("webEnvAliases", `${name}=${source}: ${source} is a secret and ${name} has a browser prefix, which would ship it in the JavaScript every visitor downloads. Name it without one`, false);
        } else if (taken(name)) {
            ctx.report("webEnvAliases", `${name} is already a variable of the web app (groundwork:webEnv, webSecrets or the webhook's secret); choose another name`);
        } else {
            routed.push({ name, source, secret });
        }
    }
    return {
        webSecretNames: Object.keys(secrets ?? {}).sort(),
        webSecrets: pulumi.secret(secrets ?? {}),
        webEnvAliases: routed,
    };
}
