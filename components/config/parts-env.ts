/**
 * The apps' environment from config: plain settings (`appEnv`), extra secrets (`appSecrets`),
 * generated secrets (`generatedSecrets`), further names for known values (`envAliases`), and who
 * may read the app secret (`secretReaderRoleArns`). Checked against the variables the present
 * parts provide (`app-variables.ts`).
 */
import * as pulumi from "@pulumi/pulumi";
import { OVERRIDABLE_DEFAULTS, PLUMBING_NAMES, PartsPresent, programVariables } from "./app-variables";
import type { ResolveContext } from "./config";
import { ENV_NAME, SECRET_LOOKING_NAME } from "./config-schema";
import type { EnvAlias, GeneratedSecret, GroundworkConfig } from "./types";

type EnvPart = Pick<GroundworkConfig, "appEnv" | "envAliases" | "generatedSecrets" | "appSecretNames" | "appSecrets" | "secretReaderRoleArns">;

/** Parses `["NAME=value"]` into a record, reporting bad entries against `key`. */
export function parseAssignments(ctx: ResolveContext, key: "appEnv" | "webEnv", entries: string[], opts: { reserved: string[]; secretHint: string }) {
    const out: Record<string, string> = {};
    for (const entry of entries) {
        const eq = entry.indexOf("=");
        const name = eq > 0 ? entry.slice(0, eq) : "";
        if (!ENV_NAME.test(name)) {
            ctx.report(key, `entry "${entry.slice(0, 40)}" must be NAME=value with an UPPER_SNAKE name`);
        } else if (opts.reserved.includes(name)) {
            ctx.report(key, `sets ${name}, which Groundwork sets itself; remove it (or give the value another name with groundwork:envAliases)`);
        } else if (name in out) {
            ctx.report(key, `sets ${name} twice`);
        } else if (SECRET_LOOKING_NAME.test(name)) {
            ctx.report(key, `entry ${name} looks like a credential; plain settings are stored unencrypted. ` +
                `Put it in groundwork:appSecrets (pulumi config set --secret appSecrets '{"${name}":"…"}')`, false);
        } else {
            out[name] = entry.slice(eq + 1);
        }
    }
    return out;
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

    const appEnv = ctx.ok("appEnv") ? parseAssignments(ctx, "appEnv", v.appEnv, { reserved, secretHint: "appSecrets" }) : {};
    if (!compute && Object.keys(appEnv).length > 0) ctx.report("appEnv", "is set but the stack runs no service (groundwork:api and groundwork:worker are false)");

    let appSecretValues: Record<string, string> = {};
    const appSecrets = ctx.secret("appSecrets");
    if (appSecrets) {
        let obj: unknown;
        try { obj = JSON.parse(appSecrets.raw); } catch { obj = undefined; }
        if (!obj || typeof obj !== "object" || Array.isArray(obj) || !Object.values(obj).every((x) => typeof x === "string")) {
            ctx.report("appSecrets", "must be a JSON object of NAME to string value (the value is not shown)");
        } else {
            for (const name of Object.keys(obj)) {
                if (!ENV_NAME.test(name)) ctx.report("appSecrets", `name "${name}" must be UPPER_SNAKE_CASE`);
                else if (reserved.includes(name)) ctx.report("appSecrets", `sets ${name}, which Groundwork sets itself; remove it`);
                else if (name in appEnv) ctx.report("appSecrets", `sets ${name}, which groundwork:appEnv also sets; a variable comes from one place`);
            }
            appSecretValues = { ...(obj as Record<string, string>) };
            if (!compute && Object.keys(appSecretValues).length > 0) ctx.report("appSecrets", "holds values but the stack runs no service (groundwork:api and groundwork:worker are false)");
        }
    }
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
