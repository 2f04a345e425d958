/**
 * The first `pulumi up`'s critical path, estimated offline from the recorded graph and the dated
 * table of typical durations in `tools/durations.json`.
 *
 * Pulumi starts a resource as soon as everything it waits for is done (no limit on parallel
 * operations by default), so the wall time of a first `up` is the longest chain of waits, each
 * resource adding its create time. A resource waits for:
 * - data: each resource an input's value came from (`propertyDependencies`);
 * - order: each other resource in its dependencies, i.e. an explicit `dependsOn` no input explains;
 * - its provider, and a parent that is a custom resource (the child needs its URN);
 * - for a dependency on a component: every resource under it (how Pulumi expands it).
 * An ordering-only wait in the chain that the table does not justify (`justifiedWaits`: a
 * documented API or provider reason) is flagged as needless: it costs wall time for nothing.
 *
 * `npm run plan` prints it (the `criticalPathSection` hook in tools/cli.ts).
 */
import DURATIONS from "./durations.json";
import type { PlanRecord, PlanSection, RecordedResource } from "./engine";
import { providerUrn } from "./engine";

export interface DurationCase {
    /** Top-level inputs and the values that select this case, e.g. `{ "multiAz": true }`. */
    when: Record<string, unknown>;
    create: number;
    update: number;
}
export interface DurationEntry {
    /** Typical seconds the provider takes to create one, waiting included. */
    create: number;
    /** Typical seconds of an in-place update. */
    update: number;
    cases?: DurationCase[];
    source: string;
}
export interface DurationDefault {
    /** A type prefix such as "aws:" for the types the table does not list. */
    prefix: string;
    create: number;
    update: number;
    source: string;
}
/** An ordering-only wait with a documented reason. Patterns match a type exactly, or by prefix when they end in "/" or ":". */
export interface JustifiedWait {
    waiter: string;
    on: string;
    why: string;
    source: string;
}
export interface DurationTable {
    asOf: string;
    note: string;
    defaults: DurationDefault[];
    types: Record<string, DurationEntry>;
    justifiedWaits: JustifiedWait[];
}

export const DURATION_TABLE: DurationTable = DURATIONS;

export type WaitKind = "data" | "order" | "provider" | "parent";

/** What one resource waits for. */
export interface Wait {
    /** The URN waited for (a component stands for everything under it). */
    on: string;
    kind: WaitKind;
    /** For data waits: the inputs whose values came from `on`. */
    inputs: string[];
}

/** One resource of the chain, with the wait that held it back. */
export interface Step {
    resource: RecordedResource;
    seconds: number;
    /** Seconds from the start of the `up`. */
    start: number;
    finish: number;
    /** Where the duration came from: the type's own entry or a prefix default. */
    timedBy: "table" | "default";
    /** The wait that set `start` (absent for the first step). */
    waited?: Wait & {
        /** The component the wait named, when it was on a component rather than on `previous`. */
        viaComponent?: RecordedResource;
        /** The documented reason when the wait is ordering-only and justified. */
        justified?: JustifiedWait;
    };
}

export interface CriticalPath {
    /** Estimated wall time of a first `pulumi up`, in seconds. */
    totalSeconds: number;
    /** The chain that sets it, first to last. */
    chain: Step[];
    /** Steps of the chain held back by an ordering-only wait with no documented reason. */
    needless: Step[];
    /** Types timed by a prefix default rather than an entry of their own, with counts. */
    defaulted: Record<string, number>;
}

export function matchesType(pattern: string, type: string): boolean {
    return pattern === type || ((pattern.endsWith("/") || pattern.endsWith(":")) && type.startsWith(pattern));
}

/** Typical create seconds of a resource, from its type's entry (and the first case its inputs match) or a prefix default. */
export function createSeconds(r: RecordedResource, table: DurationTable = DURATION_TABLE): { seconds: number; timedBy: "table" | "default" } {
    if (!r.custom) return { seconds: 0, timedBy: "table" };
    const entry = table.types[r.type];
    if (entry) {
        const hit = entry.cases?.find((c) => Object.entries(c.when).every(([k, v]) => r.inputs[k] === v));
        return { seconds: (hit ?? entry).create, timedBy: "table" };
    }
    const d = table.defaults.find((x) => r.type.startsWith(x.prefix));
    if (!d) {
        throw new Error(`tools/durations.json has no duration for ${r.type} (${r.name}) and no default for its prefix. `
            + `Add an entry, e.g. "${r.type}": { "create": 5, "update": 5, "source": "..." }, or a "defaults" prefix.`);
    }
    return { seconds: d.create, timedBy: "default" };
}

/** Every wait of a resource, each dependency once, data before order. */
export function waitsOf(r: RecordedResource, byUrn: Map<string, RecordedResource>): Wait[] {
    const dataInputs = new Map<string, string[]>();
    for (const [input, urns] of Object.entries(r.propertyDependencies)) {
        for (const u of urns) dataInputs.set(u, [...(dataInputs.get(u) ?? []), input]);
    }
    const waits: Wait[] = [];
    const seen = new Set<string>([r.urn]);
    const add = (on: string, kind: WaitKind, inputs: string[] = []) => {
        if (!on || seen.has(on) || !byUrn.has(on)) return;
        seen.add(on);
        waits.push({ on, kind, inputs });
    };
    for (const [u, inputs] of dataInputs) add(u, "data", inputs);
    for (const u of r.options.dependsOn) add(u, "order");
    if (r.options.provider) add(providerUrn(r.options.provider), "provider");
    if (r.parent && byUrn.get(r.parent)?.custom) add(r.parent, "parent");
    return waits;
}

const KIND_RANK: Record<WaitKind, number> = { data: 0, provider: 1, parent: 2, order: 3 };

interface Timing { seconds: number; start: number; timedBy: "table" | "default"; waits: Wait[] }

export function criticalPath(record: PlanRecord, table: DurationTable = DURATION_TABLE): CriticalPath {
    const resources = record.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const children = new Map<string, RecordedResource[]>();
    for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);

    const finish = new Map<string, number>();
    const timing = new Map<string, Timing>();
    const visiting = new Set<string>();
    const finishOf = (urn: string): number => {
        const known = finish.get(urn);
        if (known !== undefined) return known;
        if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
        visiting.add(urn);
        const r = byUrn.get(urn)!;
        let f: number;
        if (!r.custom) {
            // A component is done when everything under it is.
            f = Math.max(0, ...(children.get(urn) ?? []).map((c) => finishOf(c.urn)));
        } else {
            const waits = waitsOf(r, byUrn);
            const start = Math.max(0, ...waits.map((w) => finishOf(w.on)));
            const { seconds, timedBy } = createSeconds(r, table);
            timing.set(urn, { seconds, start, timedBy, waits });
            f = start + seconds;
        }
        visiting.delete(urn);
        finish.set(urn, f);
        return f;
    };
    for (const r of resources) finishOf(r.urn);

    const custom = resources.filter((r) => r.custom);
    const defaulted: Record<string, number> = {};
    for (const r of custom) if (timing.get(r.urn)?.timedBy === "default") defaulted[r.type] = (defaulted[r.type] ?? 0) + 1;
    if (custom.length === 0) return { totalSeconds: 0, chain: [], needless: [], defaulted };

    // The resource that finishes last (the first such in registration order), then back along the waits that set each start.
    let last = custom[0];
    for (const r of custom) if (finish.get(r.urn)! > finish.get(last.urn)!) last = r;
    /** The custom resource under a component whose finish is the component's. */
    const latestUnder = (component: RecordedResource): RecordedResource | undefined => {
        for (const c of children.get(component.urn) ?? []) {
            if (finish.get(c.urn) !== finish.get(component.urn)) continue;
            if (c.custom) return c;
            const deeper = latestUnder(c);
            if (deeper) return deeper;
        }
        return undefined;
    };
    const chain: Step[] = [];
    for (let at: RecordedResource | undefined = last; at;) {
        const t: Timing = timing.get(at.urn)!;
        const step: Step = { resource: at, seconds: t.seconds, start: t.start, finish: t.start + t.seconds, timedBy: t.timedBy };
        chain.unshift(step);
        const binding: Wait | undefined = t.waits.filter((w) => finish.get(w.on) === t.start && t.start > 0)
            .sort((a, b) => KIND_RANK[a.kind] - KIND_RANK[b.kind])[0];
        if (!binding) break;
        let previous: RecordedResource = byUrn.get(binding.on)!;
        let viaComponent: RecordedResource | undefined;
        if (!previous.custom) {
            viaComponent = previous;
            const under = latestUnder(previous);
            if (!under) break;
            previous = under;
        }
        const justified = binding.kind === "order"
            ? table.justifiedWaits.find((j) => matchesType(j.waiter, at!.type) && matchesType(j.on, previous.type))
            : undefined;
        step.waited = { ...binding, ...(viaComponent ? { viaComponent } : {}), ...(justified ? { justified } : {}) };
        at = previous;
    }
    const needless = chain.filter((s) => s.waited?.kind === "order" && !s.waited.justified);
    return { totalSeconds: finish.get(last.urn)!, chain, needless, defaulted };
}

/** "1:05" for 65 seconds; "1:02:03" past an hour. */
export function clock(seconds: number): string {
    const s = Math.round(seconds);
    const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
    const two = (n: number) => String(n).padStart(2, "0");
    return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

function describeWait(step: Step, previous: Step | undefined): string {
    const w = step.waited;
    if (!w || !previous) return "starts at once";
    const after = `${previous.resource.name}${w.viaComponent ? ` (through component ${w.viaComponent.name})` : ""}`;
    switch (w.kind) {
        case "data": return `takes ${w.inputs.join(", ")} from ${after}`;
        case "provider": return `waits for its provider ${after}`;
        case "parent": return `waits for its parent ${after}`;
        case "order": return w.justified ? `ordered after ${after}: ${w.justified.why}` : `ordered after ${after} with NO data reason (dependsOn only)`;
    }
}

export function renderCriticalPath(cp: CriticalPath, table: DurationTable = DURATION_TABLE): string[] {
    const lines = [`First \`pulumi up\`, estimated: about ${clock(cp.totalSeconds)} (critical path of ${cp.chain.length} resources; typical durations of ${table.asOf}, tools/durations.json)`];
    cp.chain.forEach((s, i) => {
        lines.push(`  ${clock(s.start).padStart(7)} → ${clock(s.finish).padEnd(7)} ${s.resource.type}  ${s.resource.name}  (${clock(s.seconds)}${s.timedBy === "default" ? ", type default" : ""}); ${describeWait(s, cp.chain[i - 1])}`);
    });
    lines.push(cp.needless.length === 0
        ? "  Waits in this chain without a data reason: none."
        : `  Needless waits in this chain (ordering only, no input and no documented reason): ${cp.needless.map((s) => s.resource.name).join(", ")}.`);
    const defaulted = Object.entries(cp.defaulted);
    if (defaulted.length) lines.push(`  Timed by a provider default (no entry of their own): ${defaulted.reduce((n, [, c]) => n + c, 0)} resources of ${defaulted.length} types.`);
    return lines;
}

/** The `plan` section; it informs and never fails the plan. */
export async function criticalPathSection(record: PlanRecord): Promise<PlanSection> {
    return { lines: renderCriticalPath(criticalPath(record)), failed: false };
}
