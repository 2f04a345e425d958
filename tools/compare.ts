/**
 * The cost of a change: what `npm run plan -- --stack <s> --compare <earlier plan.json>` prints.
 *
 * Compares two recorded plans of one stack (an earlier `--json` file and this run): resources
 * added, removed and changed (by URN; changed means their inputs differ, named but never shown,
 * since inputs may hold secrets), and the monthly cost estimate line by line with each line's
 * change. Both plans are priced with today's price table, so the difference is the change's
 * own, not a price update's. Rendered as Markdown: the pull-request workflow posts it as is.
 */
import { CostEstimate, estimateCost } from "./cost";
import type { PlanRecord, RecordedResource } from "./engine";

export interface ResourceChange {
    change: "added" | "removed" | "changed";
    urn: string;
    type: string;
    name: string;
    /** For `changed`: the top-level inputs whose values differ, sorted. */
    inputs: string[];
}

export interface CostLineDelta {
    kind: string;
    before: number;
    after: number;
    delta: number;
}

export interface PlanComparison {
    stack: string;
    resources: ResourceChange[];
    /** Cost lines whose monthly figure changed, largest change first. */
    cost: CostLineDelta[];
    before: { resources: number; total: number; totalLow: number };
    after: { resources: number; total: number; totalLow: number };
}

/** JSON with object keys sorted, so that equal values compare equal whatever their key order. */
function canonical(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
    if (v && typeof v === "object") {
        return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
    }
    return JSON.stringify(v) ?? "null";
}

/** Resources a cloud would create: custom resources and providers, not components, the stack or reads of other stacks. */
const managed = (r: PlanRecord) => r.resources.filter((x) => x.custom && !x.read);

/** What changed from `before` to `after`, resources and cost. */
export function comparePlans(before: PlanRecord, after: PlanRecord): PlanComparison {
    if (before.stack !== after.stack) throw new Error(`comparePlans: plans of two stacks ("${before.stack}", "${after.stack}")`);
    const old = new Map(managed(before).map((r) => [r.urn, r]));
    const now = new Map(managed(after).map((r) => [r.urn, r]));
    const resources: ResourceChange[] = [];
    const entry = (change: ResourceChange["change"], r: RecordedResource, inputs: string[] = []): ResourceChange =>
        ({ change, urn: r.urn, type: r.type, name: r.name, inputs });
    for (const [urn, r] of now) {
        const was = old.get(urn);
        if (!was) {
            resources.push(entry("added", r));
            continue;
        }
        const keys = [...new Set([...Object.keys(was.inputs), ...Object.keys(r.inputs)])]
            .filter((k) => canonical(was.inputs[k]) !== canonical(r.inputs[k])).sort();
        if (keys.length) resources.push(entry("changed", r, keys));
    }
    for (const [urn, r] of old) if (!now.has(urn)) resources.push(entry("removed", r));
    const order = { removed: 0, added: 1, changed: 2 };
    resources.sort((a, b) => order[a.change] - order[b.change] || a.type.localeCompare(b.type) || a.name.localeCompare(b.name));

    const [was, is]: CostEstimate[] = [estimateCost(before), estimateCost(after)];
    const kinds = [...new Set([...was.lines.map((l) => l.kind), ...is.lines.map((l) => l.kind)])];
    const monthly = (e: CostEstimate, kind: string) => e.lines.find((l) => l.kind === kind)?.monthly ?? 0;
    const cost = kinds.map((kind) => ({ kind, before: monthly(was, kind), after: monthly(is, kind), delta: monthly(is, kind) - monthly(was, kind) }))
        .filter((l) => Math.abs(l.delta) >= 0.005)
        .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.kind.localeCompare(b.kind));
    return {
        stack: after.stack,
        resources,
        cost,
        before: { resources: old.size, total: was.total, totalLow: was.totalLow },
        after: { resources: now.size, total: is.total, totalLow: is.totalLow },
    };
}

const usd = (n: number) => `$${n.toFixed(2)}`;
const signed = (n: number) => (Math.abs(n) < 0.005 ? "$0.00" : `${n > 0 ? "+" : "−"}$${Math.abs(n).toFixed(2)}`);
const SYMBOL = { added: "+", removed: "−", changed: "~" } as const;
/** The hidden marker the pull-request workflow finds its comment by. */
export const COMMENT_MARKER = "<!-- groundwork-cost -->";

/** The comparison as Markdown (a PR comment section; readable in a terminal too). */
export function renderComparison(c: PlanComparison, baseLabel: string): string[] {
    const count = (change: ResourceChange["change"]) => c.resources.filter((r) => r.change === change).length;
    const out = [
        `### Stack \`${c.stack}\`: ${signed(c.after.total - c.before.total)} a month`,
        "",
        `Fixed monthly cost ${usd(c.before.total)} → **${usd(c.after.total)}** against ${baseLabel}` +
        (c.after.totalLow !== c.after.total ? ` (${usd(c.after.totalLow)} with Fargate Spot at the cheap end of its range)` : "") + ".",
        `Resources: ${count("added")} added, ${count("removed")} removed, ${count("changed")} changed (${c.before.resources} → ${c.after.resources}).`,
    ];
    if (c.cost.length) {
        out.push("", "| cost line | before | after | change |", "|---|---:|---:|---:|");
        for (const l of c.cost) out.push(`| ${l.kind} | ${usd(l.before)} | ${usd(l.after)} | ${signed(l.delta)} |`);
    } else {
        out.push("", "No cost line changes.");
    }
    if (c.resources.length) {
        out.push("", "<details><summary>Resources added, removed and changed</summary>", "", "| | type | name | inputs changed |", "|---|---|---|---|");
        for (const r of c.resources) out.push(`| ${SYMBOL[r.change]} | \`${r.type}\` | \`${r.name}\` | ${r.inputs.join(", ")} |`);
        out.push("", "</details>");
    } else {
        out.push("", "No resource changes.");
    }
    return out;
}
