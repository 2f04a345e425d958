/**
 * The one place that reads stack configuration.
 *
 * Every key is read once, checked against a zod schema with defaults chosen by the stack's
 * profile, resolved part by part (`parts.ts`: each part a small function), and returned as one
 * frozen, typed object in which absent parts are `undefined`. Every problem is reported at once,
 * each naming its key, what is wrong and a good value, and the program stops before any resource
 * is registered. Components never read `pulumi.Config`; `index.ts` hands them typed args.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_STRIPE_API_VERSION, DEFAULT_STRIPE_EVENTS, KEYS, KeySpec, KeyType, PlainKey, PlainValues, RENAMED_KEYS, SECRET_LOOKING_NAME, schema } from "./config-schema";
import { AWS_US_REGIONS, DEFAULT_BACKUP_REGION, PREVIEW_STACK, PROFILE_DEFAULTS, PROFILE_DEPENDENT_KEYS, Profile, StackProfile } from "./defaults";
import { resolveParts } from "./parts";
import { resolvePreviewHosting, resolvePreviewParts } from "./parts-preview";
import type { GroundworkConfig } from "./types";

export type { Profile, StackProfile } from "./defaults";
export { PREVIEW_STACK };
export type { ConfigKey } from "./config-schema";
export type * from "./types";
export { DEFAULT_STRIPE_API_VERSION, DEFAULT_STRIPE_EVENTS, KEYS, SECRET_LOOKING_NAME };

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

/** What `loadConfig` reads: raw strings by fully qualified key, as the Pulumi engine hands them to the program. */
export interface ConfigSource {
    project: string;
    stack: string;
    get(fqKey: string): string | undefined;
    /** Whether the value was set with `--secret` (stored encrypted). */
    isSecret(fqKey: string): boolean;
    /** Every key set for the stack (to catch misspelt and renamed keys). */
    keys(): string[];
}

/** The live source: the Pulumi engine's config for this program. */
export function pulumiConfigSource(): ConfigSource {
    // Raw reads come from one `pulumi.runtime.allConfig()` snapshot (the map `pulumi.Config#get` reads) so that
    // peeking at a secret's prefix (the Stripe key's mode) logs no warning; secret values leave this module only as
    // secret Outputs. One snapshot, because each `pulumi.runtime.getConfig` call parses the stack's whole config
    // again (about 150 keys are read). `isConfigSecret` reads PULUMI_CONFIG_SECRET_KEYS, the list the CLI passes.
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
    const all: Record<string, string> = pulumi.runtime.allConfig();
    return {
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        get: (k) => all[k],
        isSecret: (k) => runtimeConfig.isConfigSecret(k),
        keys: () => Object.keys(all),
    };
}

/** Keys whose empty value is meaningful; for every other key "" means unset (the profile's default). */
const EMPTY_IS_A_VALUE: string[] = ["apiBasePath", "webApiUrlVariable", "workerCommand"];

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

function profileFromStack(stack: string): StackProfile {
    if (PREVIEW_STACK.test(stack)) return "preview";
    return /^(prod|production)(-|$)/.test(stack) ? "prod" : "staging";
}

/** What `groundwork:profile` says, or the stack's name implies when it is unset (not validated: `loadConfig` reports a bad value). */
function profileRawOf(source: ConfigSource): unknown {
    return parseRaw("profile", KEYS.profile.type, source.get(`${source.project}:profile`)) ?? profileFromStack(source.stack);
}

/**
 * Whether the stack is a pull request's preview (what `loadConfig(...).preview` tells apart), read
 * without validating the rest: program.ts picks the composition with it, and the one it picks
 * then loads and validates the whole config, once.
 */
export function isPreviewStack(source: ConfigSource = pulumiConfigSource()): boolean {
    return profileRawOf(source) === "preview";
}

export function problem(key: string, message: string, withExample = true): ConfigProblem {
    const fq = key.includes(":") ? key : `groundwork:${key}`;
    const spec = (KEYS as Record<string, KeySpec>)[key];
    return { key: fq, message: withExample && spec ? `${message}. Example: ${spec.example}` : message };
}

/** A secret key's value: checked raw here (never echoed), handed on only as a secret Output. */
export interface SecretValue {
    raw: string;
    output: pulumi.Output<string>;
}

/** What the part resolvers get: the merged values, which keys passed the schema, and the problem list. */
export interface ResolveContext {
    project: string;
    stack: string;
    /** The sizing and safety rules: a preview follows staging's. */
    profile: Profile;
    /** What `groundwork:profile` names (or the stack name implies): staging, prod or preview. */
    stackProfile: StackProfile;
    awsRegion: string;
    v: PlainValues;
    /** The merged value of a plain key that the stack's config (not a default) gave. */
    setInConfig(key: PlainKey): boolean;
    /** True when every key passed the schema. */
    ok(...keys: PlainKey[]): boolean;
    report(key: string, message: string, withExample?: boolean): void;
    /** A secret key's value, or undefined when unset. */
    secret(key: keyof typeof KEYS): SecretValue | undefined;
}

/**
 * Reads and validates the whole stack configuration.
 * @throws ConfigError listing every invalid key; nothing has been registered when it throws.
 */
export function loadConfig(source: ConfigSource = pulumiConfigSource()): Readonly<GroundworkConfig> {
    const problems: ConfigProblem[] = [];
    const ns = (k: string) => `${source.project}:${k}`;
    const raw: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(KEYS) as [string, KeySpec][]) {
        if (!spec.secret) raw[key] = parseRaw(key, spec.type, source.get(ns(key)));
    }

    // Misspelt or renamed keys would otherwise be ignored silently.
    for (const fq of source.keys()) {
        if (!fq.startsWith(`${source.project}:`)) continue;
        const key = fq.slice(source.project.length + 1);
        if (key in KEYS) continue;
        problems.push(problem(fq, RENAMED_KEYS[key]
            ? `was renamed; use groundwork:${RENAMED_KEYS[key]}`
            : `is not a Groundwork key (see Pulumi.yaml for the keys and README.md's configuration table)`, false));
    }

    // Profile first: it picks the defaults of every other key. A bad value is the schema's to report
    // (it checks the merged value, which keeps what the stack's config set).
    const profileRaw = profileRawOf(source);
    const stackProfile: StackProfile = profileRaw === "prod" || profileRaw === "staging" || profileRaw === "preview" ? profileRaw : "staging";
    const profile: Profile = stackProfile === "prod" ? "prod" : "staging";

    const awsRegion = source.get("aws:region");
    if (!awsRegion) {
        problems.push(problem("aws:region", "is not set; Groundwork deploys only to US regions. Example: us-east-1", false));
    } else if (!(AWS_US_REGIONS as readonly string[]).includes(awsRegion)) {
        problems.push(problem("aws:region", `must be a US region (${AWS_US_REGIONS.join(", ")}), got "${awsRegion}". Example: us-east-1`, false));
    }

    const domain = typeof raw.domain === "string" ? raw.domain : undefined;
    const defaults: Partial<Record<PlainKey, unknown>> = {
        ...PROFILE_DEFAULTS[stackProfile],
        profile: stackProfile,
        cloudflareZone: domain,
        vercelProjectName: `${source.project}-${source.stack}`.toLowerCase(),
        stripeApiVersion: DEFAULT_STRIPE_API_VERSION,
        stripeWebhookEvents: DEFAULT_STRIPE_EVENTS,
        // Every AZ keeps its own egress where that is cheap: a NAT instance (~$7.36/month) per AZ
        // in staging, but a single NAT gateway (~$36.50/month each) there.
        ...(stackProfile === "staging" && raw.egress === "natGateway" ? { natGateways: "single" } : {}),
        // Left empty: prod copies across the country, staging keeps no copy.
        backupRegion: profile === "prod" ? DEFAULT_BACKUP_REGION[awsRegion as keyof typeof DEFAULT_BACKUP_REGION] ?? "none" : "none",
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
    const secretCache = new Map<string, SecretValue | undefined>();
    const ctx: ResolveContext = {
        project: source.project,
        stack: source.stack,
        profile,
        stackProfile,
        awsRegion: awsRegion ?? "",
        v: merged as PlainValues,
        // A value that differs from the profile's default came from the stack's config (Pulumi.yaml
        // declares the same defaults, which the engine hands over as if set).
        setInConfig: (key) => raw[key] !== undefined && JSON.stringify(raw[key]) !== JSON.stringify(defaults[key])
            && !(PROFILE_DEPENDENT_KEYS.includes(key) && (raw[key] === 0 || raw[key] === "")),
        ok: (...keys) => keys.every((k) => !invalid.has(k)),
        report: (key, message, withExample = true) => problems.push(problem(key, message, withExample)),
        secret: (key) => {
            if (!secretCache.has(key)) secretCache.set(key, readSecret(source, key, problems));
            return secretCache.get(key);
        },
    };
    // A pull request's preview is composed from its own parts on its base's; every other stack
    // from its own, plus what it does to host previews.
    const cfg = stackProfile === "preview" ? resolvePreviewParts(ctx) : resolveParts(ctx);
    if (stackProfile !== "preview") cfg.previewHosting = resolvePreviewHosting(ctx, cfg);
    if (problems.length > 0 || !parsed.success || !awsRegion) throw new ConfigError(problems);
    return deepFreeze(cfg);
}

/** Reads a secret key; refuses a value stored in plain text (it would sit unencrypted in the stack file). */
function readSecret(source: ConfigSource, key: string, problems: ConfigProblem[]): SecretValue | undefined {
    const fq = `${source.project}:${key}`;
    const raw = source.get(fq);
    if (raw === undefined || raw === "") return undefined;
    if (!source.isSecret(fq)) {
        problems.push(problem(key, `is stored in plain text in the stack file; it is a credential. ` +
            `Run: pulumi config set --secret ${key} '<value>' --stack ${source.stack} (the value is not shown)`, false));
    }
    return { raw, output: pulumi.secret(raw) };
}

function deepFreeze<T>(o: T): Readonly<T> {
    if (o && typeof o === "object" && !pulumi.Output.isInstance(o)) {
        for (const v of Object.values(o as object)) deepFreeze(v);
        Object.freeze(o);
    }
    return o;
}
