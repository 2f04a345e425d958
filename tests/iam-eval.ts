/**
 * A small IAM policy evaluator for the tests: decides one request against identity policies and
 * a permissions boundary the way AWS documents it (an explicit Deny anywhere wins; otherwise the
 * identity policies must allow and, when there is a boundary, so must it). Supports Action,
 * NotAction, Resource, NotResource with * and ? wildcards, and the condition operators the
 * bootstrap's policies use, with IfExists and ForAllValues/ForAnyValue; an operator it does not
 * know throws, so a test never passes by ignoring a condition.
 */
export interface IamStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface IamDocument {
    Statement: IamStatement | IamStatement[];
}

export interface IamRequest {
    action: string;
    resource: string;
    /** Condition keys (case-insensitive) and their values; a list for multivalued keys (aws:TagKeys). */
    context?: Record<string, string | string[]>;
}

export type Decision = "allow" | "deny" | "implicit-deny";

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function glob(pattern: string, value: string, ignoreCase: boolean): boolean {
    const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${re}$`, ignoreCase ? "is" : "s").test(value);
}

type Test = (policyValue: string, contextValue: string) => boolean;

const BASE: Record<string, { test: Test; negated: boolean }> = {
    StringEquals: { test: (p, c) => p === c, negated: false },
    StringNotEquals: { test: (p, c) => p === c, negated: true },
    StringEqualsIgnoreCase: { test: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
    StringLike: { test: (p, c) => glob(p, c, false), negated: false },
    StringNotLike: { test: (p, c) => glob(p, c, false), negated: true },
    ArnEquals: { test: (p, c) => p === c, negated: false },
    ArnLike: { test: (p, c) => glob(p, c, false), negated: false },
    ArnNotEquals: { test: (p, c) => p === c, negated: true },
    ArnNotLike: { test: (p, c) => glob(p, c, false), negated: true },
    Bool: { test: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
    NumericLessThan: { test: (p, c) => Number(c) < Number(p), negated: false },
    NumericLessThanEquals: { test: (p, c) => Number(c) <= Number(p), negated: false },
    NumericGreaterThan: { test: (p, c) => Number(c) > Number(p), negated: false },
};

/** One operator over one key. */
function conditionHolds(operator: string, key: string, policyValues: string[], context: Map<string, string[]>): boolean {
    const values = context.get(key.toLowerCase());
    if (operator === "Null") {
        const wantAbsent = policyValues.some((v) => v === "true");
        return wantAbsent === (values === undefined);
    }
    const m = /^(?:(ForAllValues|ForAnyValue):)?(\w+?)(IfExists)?$/.exec(operator);
    const base = m ? BASE[m[2]] : undefined;
    if (!m || !base) throw new Error(`iam-eval: condition operator ${operator} is not supported; add it before relying on it`);
    const [, set, , ifExists] = m;
    const one = (c: string) => {
        const hit = policyValues.some((p) => base.test(p, c));
        return base.negated ? !hit : hit;
    };
    if (set === "ForAllValues") return values === undefined || values.every(one);
    if (set === "ForAnyValue") return values !== undefined && values.some(one);
    if (values === undefined) return ifExists !== undefined || base.negated;
    return values.some(one);
}

function matches(s: IamStatement, req: IamRequest, context: Map<string, string[]>): boolean {
    const actionHit = (patterns: string[]) => patterns.some((p) => glob(p, req.action, true));
    if (s.Action !== undefined && !actionHit(list(s.Action))) return false;
    if (s.NotAction !== undefined && actionHit(list(s.NotAction))) return false;
    const resourceHit = (patterns: string[]) => patterns.some((p) => glob(p, req.resource, false));
    // Trust policies have no Resource: they apply to the role that holds them.
    if (s.Resource !== undefined && !resourceHit(list(s.Resource))) return false;
    if (s.NotResource !== undefined && resourceHit(list(s.NotResource))) return false;
    for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
        for (const [key, v] of Object.entries(keys)) {
            if (!conditionHolds(operator, key, list(v).map(String), context)) return false;
        }
    }
    return true;
}

/** What one policy says about a request: "allow", "deny" or nothing. */
export function evaluateDocument(doc: IamDocument, req: IamRequest): "allow" | "deny" | undefined {
    const context = new Map(Object.entries(req.context ?? {}).map(([k, v]) => [k.toLowerCase(), list(v)]));
    const hits = list(doc.Statement).filter((s) => matches(s, req, context));
    if (hits.some((s) => s.Effect === "Deny")) return "deny";
    return hits.some((s) => s.Effect === "Allow") ? "allow" : undefined;
}

/** The decision for a principal with these identity policies and (optionally) a permissions boundary. */
export function decide(identity: IamDocument[], boundary: IamDocument | undefined, req: IamRequest): Decision {
    const said = [...identity, ...(boundary ? [boundary] : [])].map((d) => evaluateDocument(d, req));
    if (said.includes("deny")) return "deny";
    const identityAllows = said.slice(0, identity.length).includes("allow");
    const boundaryAllows = boundary === undefined || said[identity.length] === "allow";
    return identityAllows && boundaryAllows ? "allow" : "implicit-deny";
}
