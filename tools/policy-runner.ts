/**
 * Runs the policy pack's rules in-process over a recorded plan, the way the Pulumi CLI's analyzer
 * host runs them: each resource policy's `validateResource` gets every resource's inputs with
 * `{ type, props, urn, name, opts, provider, isType, asType, getConfig, notApplicable }`, and each
 * stack policy's `validateStack` gets every resource (outputs, parent, dependencies, property
 * dependencies, provider, options). The same rule objects the pack serves; no gRPC, no CLI.
 */
import {
    EnforcementLevel, PolicyPackConfig, PolicyProviderResource, PolicyResource, PolicyResourceOptions, ReportViolation,
    ResourceValidation, ResourceValidationArgs, StackValidationArgs, UnknownValueError,
} from "@pulumi/policy";
import { Rule } from "../policies/helpers";
import { rules as packRules } from "../policies/rules";
import { PlanRecord, PlanSection, providerUrn } from "./engine";

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    /** The resource in violation; "" when a stack policy blames the stack as a whole. */
    urn: string;
    message: string;
}

export interface PolicyVerdict {
    stack: string;
    violations: Violation[];
    mandatory: Violation[];
    advisory: Violation[];
    /** Rules that ran (not disabled). */
    rules: string[];
    resources: number;
}

/** A recorded resource as the engine hands it to an analyzer. */
export interface ResourceSnapshot {
    type: string;
    name: string;
    urn: string;
    /** Inputs: what `Analyze` (resource policies) receives. */
    props: Record<string, unknown>;
    /** Outputs (inputs plus what the provider computed, with the id): what `AnalyzeStack` receives. */
    outputs: Record<string, unknown>;
    opts: PolicyResourceOptions;
    parent?: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    provider?: PolicyProviderResource;
}

// ---- the recorded graph as the analyzer sees it ----------------------------------------------------

/** Converts a plan into what the engine sends analyzers: inputs, outputs (state with the id), links. */
export function snapshot(record: PlanRecord): ResourceSnapshot[] {
    const byUrn = new Map(record.resources.map((r) => [r.urn, r]));
    return record.resources.map((r) => {
        const opts: PolicyResourceOptions = {
            protect: r.options.protect,
            ignoreChanges: r.options.ignoreChanges,
            deleteBeforeReplace: r.options.deleteBeforeReplace,
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: r.options.additionalSecretOutputs,
            ...(r.parent ? { parent: r.parent } : {}),
        };
        const prov = r.options.provider ? byUrn.get(providerUrn(r.options.provider)) : undefined;
        return {
            type: r.type, name: r.name, urn: r.urn, props: r.inputs, outputs: { ...(r.id ? { id: r.id } : {}), ...r.state }, opts,
            parent: r.parent || undefined, dependencies: r.options.dependsOn, propertyDependencies: r.propertyDependencies,
            provider: prov ? { type: prov.type, name: prov.name, urn: prov.urn, props: prov.inputs } : undefined,
        };
    });
}

// ---- config ----------------------------------------------------------------------------------------

/**
 * The policy config the CLI would send with `Configure`: each rule's enforcement level and its
 * config schema defaults, plus the stack name for the rules that depend on it.
 */
export function defaultPolicyConfig(stack: string, rules: Rule[] = packRules): PolicyPackConfig {
    const config: PolicyPackConfig = {};
    for (const p of rules) {
        const props: Record<string, unknown> = {};
        for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
            if (schema.default !== undefined) props[k] = schema.default;
        }
        if (p.configSchema?.properties?.stack) props.stack = stack;
        config[p.name] = { enforcementLevel: p.enforcementLevel ?? "advisory", ...props };
    }
    return config;
}

// ---- evaluation ------------------------------------------------------------------------------------

class NotApplicable extends Error {}
const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason ?? "not applicable");
};

/** Same test as the analyzer: the class's `__pulumiType`, else its `isInstance`. */
function isTypeOf(type: string, cls: unknown): boolean {
    const t = (cls as { __pulumiType?: unknown }).__pulumiType;
    if (typeof t === "string" && t.length > 0) return type === t;
    const isInstance = (cls as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function levelOf(p: Rule, config: PolicyPackConfig): EnforcementLevel {
    const c = config[p.name];
    const configured = typeof c === "string" ? c : c?.enforcementLevel;
    const level = configured ?? p.enforcementLevel ?? "advisory";
    return level === "remediate" ? "mandatory" : level;
}

function configOf(p: Rule, config: PolicyPackConfig) {
    return <T extends object>(): T => {
        const c = config[p.name];
        if (!c || typeof c === "string") return {} as T;
        const { enforcementLevel: _ignored, ...props } = c;
        return props as T;
    };
}

export interface EvaluateOptions {
    rules?: Rule[];
    /** Policy config; defaults to `defaultPolicyConfig(record.stack)`. */
    config?: PolicyPackConfig;
}

/** Runs every rule over the plan and returns the violations, resource checks first, then stack checks. */
export async function evaluatePolicies(record: PlanRecord, options: EvaluateOptions = {}): Promise<PolicyVerdict> {
    const rules = options.rules ?? packRules;
    const config = options.config ?? defaultPolicyConfig(record.stack, rules);
    const snaps = snapshot(record);
    const violations: Violation[] = [];
    const ran: string[] = [];

    const attempt = async (p: Rule, urn: string, run: () => unknown) => {
        try {
            await run();
        } catch (e) {
            if (e instanceof NotApplicable) return;
            if (e instanceof UnknownValueError) {
                violations.push({ policy: p.name, enforcementLevel: "advisory", urn, message: `can't run policy '${p.name}' during preview: ${(e as Error).message}` });
                return;
            }
            throw new Error(`policy ${p.name} failed on ${urn || "the stack"}: ${e instanceof Error ? e.stack : String(e)}`);
        }
    };

    for (const p of rules) {
        const level = levelOf(p, config);
        if (level === "disabled") continue;
        ran.push(p.name);
        const getConfig = configOf(p, config);
        if ("validateResource" in p && p.validateResource) {
            const validations: ResourceValidation[] = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            for (const s of snaps) {
                for (const validate of validations) {
                    const only = (validate as { __pulumiType?: string }).__pulumiType;
                    if (only && only !== s.type) continue;
                    const args: ResourceValidationArgs = {
                        type: s.type, props: s.props, urn: s.urn, name: s.name, opts: s.opts, provider: s.provider,
                        stackTags: new Map(),
                        isType: (cls) => isTypeOf(s.type, cls),
                        asType: ((cls: unknown) => (isTypeOf(s.type, cls) ? s.props : undefined)) as ResourceValidationArgs["asType"],
                        getConfig, notApplicable,
                    };
                    const report: ReportViolation = (message) => violations.push({ policy: p.name, enforcementLevel: level, urn: s.urn, message });
                    await attempt(p, s.urn, () => validate(args, report));
                }
            }
        }
        if ("validateStack" in p && p.validateStack) {
            const resources = stackResources(snaps);
            const args: StackValidationArgs = { resources, stackTags: new Map(), getConfig, notApplicable };
            const report: ReportViolation = (message, urn) => violations.push({ policy: p.name, enforcementLevel: level, urn: urn ?? "", message });
            const validateStack = p.validateStack;
            await attempt(p, "", () => validateStack(args, report));
        }
    }
    return {
        stack: record.stack, violations, rules: ran, resources: snaps.length,
        mandatory: violations.filter((v) => v.enforcementLevel === "mandatory"),
        advisory: violations.filter((v) => v.enforcementLevel !== "mandatory"),
    };
}

/** The resources as `validateStack` sees them: outputs, with parent and dependencies linked as objects. */
export function stackResources(snaps: ResourceSnapshot[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const resources = snaps.map((s) => {
        const r: PolicyResource = {
            type: s.type, props: s.outputs, urn: s.urn, name: s.name, opts: s.opts, provider: s.provider,
            dependencies: [], propertyDependencies: {},
            isType: (cls) => isTypeOf(s.type, cls),
            asType: ((cls: unknown) => (isTypeOf(s.type, cls) ? s.outputs : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(s.urn, r);
        return r;
    });
    snaps.forEach((s, i) => {
        const r = resources[i];
        if (s.parent && byUrn.has(s.parent)) r.parent = byUrn.get(s.parent);
        r.dependencies = s.dependencies.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
        for (const [k, urns] of Object.entries(s.propertyDependencies)) {
            r.propertyDependencies[k] = urns.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
        }
    });
    return resources;
}

// ---- rendering -------------------------------------------------------------------------------------

/** Lines for a verdict: a headline, then each violation with its rule, resource and message. */
export function renderVerdict(verdict: PolicyVerdict, record: PlanRecord): string[] {
    const byUrn = new Map(record.resources.map((r) => [r.urn, r]));
    const lines = [
        `Policies (groundwork pack, ${verdict.rules.length} rules over ${verdict.resources} resources): `
        + (verdict.violations.length === 0
            ? "no violations"
            : `${verdict.mandatory.length} mandatory, ${verdict.advisory.length} advisory violation${verdict.violations.length === 1 ? "" : "s"}`),
    ];
    for (const v of [...verdict.mandatory, ...verdict.advisory]) {
        const r = byUrn.get(v.urn);
        lines.push(`  [${v.enforcementLevel}] ${v.policy}  ${r ? `${r.type}  ${r.name}` : v.urn || `stack ${verdict.stack}`}`);
        lines.push(...v.message.split("\n").map((l) => `      ${l}`));
    }
    return lines;
}

/** The `plan` section: the same verdict `npm run policy` prints; fails the plan on a mandatory violation. */
export async function policySection(record: PlanRecord): Promise<PlanSection> {
    const verdict = await evaluatePolicies(record);
    return { lines: renderVerdict(verdict, record), failed: verdict.mandatory.length > 0 };
}
