/**
 * Shared pieces of the rules: the policy types, stack-name lookup, links between resources of a
 * stack (a bucket and its configuration resources, a security group and its rules), and the
 * patterns that recognise public principals, open CIDRs and credentials.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";
import { CREDENTIAL_NAME, secretLookingValue } from "./tables";

/** A rule that checks single resources and, across them, the whole stack (one name, one verdict). */
export type ResourceAndStackPolicy = ResourceValidationPolicy & StackValidationPolicy;

/** Every rule module exports one of these. */
export type Rule = ResourceValidationPolicy | StackValidationPolicy | ResourceAndStackPolicy;

// ---- stack -----------------------------------------------------------------------------------------

/** Config every stack-aware rule accepts: the stack name (the CLI also sets it for the pack process). */
export interface StackAwareConfig {
    /** Stack name; defaults to `pulumi.getStack()` inside the pack. */
    stack?: string;
    /** Stack names treated as production. */
    prodStacks?: string[];
}

export const DEFAULT_PROD_STACKS = ["prod", "production"];

export const stackConfigSchema = {
    stack: { type: "string" as const, description: "Stack name; defaults to the stack the CLI runs the pack for." },
    prodStacks: {
        type: "array" as const, items: { type: "string" as const }, default: DEFAULT_PROD_STACKS,
        description: "Stack names that are production.",
    },
};

/** The stack being checked: policy config first, else the stack the Pulumi CLI started the pack for. */
export function stackOf(args: ResourceValidationArgs | StackValidationArgs): string {
    const cfg = args.getConfig<StackAwareConfig>();
    if (cfg.stack) return cfg.stack;
    try {
        return pulumi.getStack();
    } catch {
        return "";
    }
}

/** Whether a stack name is one of the prod names, or one of them followed by "-" (prod-east). */
export function isProdName(stack: string, prod: string[]): boolean {
    return prod.includes(stack) || prod.some((p) => stack.startsWith(`${p}-`));
}

export function isProdStack(args: ResourceValidationArgs | StackValidationArgs): boolean {
    return isProdName(stackOf(args), args.getConfig<StackAwareConfig>().prodStacks ?? DEFAULT_PROD_STACKS);
}

// ---- values ----------------------------------------------------------------------------------------

/** A boolean that providers also accept as a string ("true"). */
export function isTrue(v: unknown): boolean {
    return v === true || v === "true";
}

/** Parses a JSON document that may arrive as text (container definitions, bucket policies) or already as an object. */
export function parseJson(v: unknown): unknown {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return undefined;
    }
}

export function asArray<T>(v: T | T[] | undefined | null): T[] {
    return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

// ---- links between resources -----------------------------------------------------------------------

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

export function ofTypes(resources: PolicyResource[], types: string[]): PolicyResource[] {
    return resources.filter((r) => types.includes(r.type));
}

/** Values by which other resources may refer to `r` (its id, name, ARN, URN). */
function identifiers(r: PolicyResource, keys: string[]): unknown[] {
    return [r.urn, ...keys.map((k) => r.props[k])].filter((v) => v !== undefined && v !== null && v !== "");
}

/**
 * The candidate that `r`'s property `prop` refers to: by the engine's property dependencies when
 * exactly one candidate is among them, else by value (id, name, ARN). Reading an unknown value
 * (during preview) throws, which the pack reports as "can't run during preview".
 */
export function linkedTo(r: PolicyResource, prop: string, candidates: PolicyResource[], keys: string[]): PolicyResource | undefined {
    const deps = (r.propertyDependencies?.[prop] ?? []).filter((d) => candidates.some((c) => c.urn === d.urn));
    if (deps.length === 1) return candidates.find((c) => c.urn === deps[0].urn);
    const v = r.props[prop];
    if (v === undefined || v === null) return undefined;
    return candidates.find((c) => identifiers(c, keys).includes(v));
}

/** Every reference in the list `prop` resolved to candidates (by dependencies and by value), plus the values that match none. */
export function linkedAll(r: PolicyResource, prop: string, candidates: PolicyResource[], keys: string[]): { found: PolicyResource[]; raw: unknown[] } {
    const found = new Map<string, PolicyResource>();
    for (const d of r.propertyDependencies?.[prop] ?? []) {
        const c = candidates.find((x) => x.urn === d.urn);
        if (c) found.set(c.urn, c);
    }
    const raw: unknown[] = [];
    for (const v of asArray(r.props[prop] as unknown[])) {
        const c = candidates.find((x) => identifiers(x, keys).includes(v));
        if (c) found.set(c.urn, c);
        else raw.push(v);
    }
    return { found: [...found.values()], raw };
}

/** Keys by which configuration resources name their bucket (`bucket: b.id` or `b.bucket`). */
export const BUCKET_KEYS = ["bucket", "id", "arn"];

/** The configuration resources of `types` that belong to `bucket`. */
export function bucketConfigs(bucket: PolicyResource, resources: PolicyResource[], types: string[]): PolicyResource[] {
    const buckets = ofTypes(resources, BUCKET_TYPES);
    return ofTypes(resources, types).filter((c) => linkedTo(c, "bucket", buckets, BUCKET_KEYS)?.urn === bucket.urn);
}

/** A resource's display name for messages: `type name`. */
export function label(r: { type: string; name: string }): string {
    return `${r.type.split(":").pop()} "${r.name}"`;
}

// ---- IAM and network patterns ----------------------------------------------------------------------

export interface PolicyStatement {
    Sid?: string;
    Effect?: string;
    Principal?: unknown;
    Action?: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

/** Statements of an IAM policy document given as JSON text or object. */
export function statements(doc: unknown): PolicyStatement[] {
    const parsed = parseJson(doc) as { Statement?: PolicyStatement | PolicyStatement[] } | undefined;
    return asArray(parsed?.Statement);
}

/** `"*"` or `{ AWS: "*" }`: anyone. */
export function isPublicPrincipal(p: unknown): boolean {
    if (p === "*") return true;
    if (p && typeof p === "object") return asArray((p as Record<string, unknown>).AWS as unknown[]).includes("*");
    return false;
}

export const OPEN_IPV4 = "0.0.0.0/0";
export const OPEN_IPV6 = "::/0";

// ---- credentials -----------------------------------------------------------------------------------

/** Variable names that hold credentials. `NEXT_PUBLIC_*` and publishable keys are public by design. */
export function secretLookingName(name: string): boolean {
    const n = name.toUpperCase();
    if (n.startsWith("NEXT_PUBLIC_") || /PUBLISHABLE|PUBLIC_KEY/.test(n)) return false;
    return CREDENTIAL_NAME.test(n);
}

/** What a value looks like if it is a credential (the shared table in tables.ts). */
export { secretLookingValue };
