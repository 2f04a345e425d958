/**
 * `npm run plan -- --stack <name> [--project DIR] [--config-dir DIR] [--branch BRANCH] [--json FILE] [--compare EARLIER.json [--markdown FILE]]`
 *
 * Shows, offline, what `pulumi up --stack <name>` would create: the resource tree grouped by
 * component, a count per provider, the stack outputs (secrets as [secret]), the policy verdict
 * and the monthly cost. With `--compare`, the resources added, removed and changed since an
 * earlier plan's `--json` file and the monthly cost change per line (tools/compare.ts), also
 * written as Markdown with `--markdown`. Exits 1 with every config problem when the stack's
 * config is invalid. A pull request's preview `pr-<n>` plans from preview/Pulumi.preview.yaml and the
 * base stack's file (`--branch`: the pull request's branch), after its base stack.
 */
import * as fs from "fs";
import { parseArgs, runWhere } from "./args";
import type { PlanRecord, RecordedResource } from "./engine";
import { readPlan, registered } from "./plan-file";

/** Renders the resource tree: components with their children, indented. */
export function renderTree(record: PlanRecord): string[] {
    const byParent = new Map<string, RecordedResource[]>();
    for (const r of record.resources) {
        const list = byParent.get(r.parent) ?? [];
        list.push(r);
        byParent.set(r.parent, list);
    }
    const lines: string[] = [];
    const walk = (urn: string, depth: number) => {
        for (const r of byParent.get(urn) ?? []) {
            const flags = [r.options.protect ? "protect" : "", r.options.retainOnDelete ? "retain" : "", r.read ? `read ${String(r.inputs.name ?? r.id)}` : ""].filter(Boolean);
            lines.push(`${"  ".repeat(depth)}${r.read ? ">" : r.custom ? "+" : "□"} ${r.type}  ${r.name}${flags.length ? `  [${flags.join(", ")}]` : ""}`);
            walk(r.urn, depth + 1);
        }
    };
    walk("", 0);
    return lines;
}

/** Resources per provider package (aws, cloudflare, vercel, random, stripe webhook...). */
export function countByPackage(record: PlanRecord): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of registered(record)) {
        if (!r.custom || r.read) continue;
        const pkg = r.type.startsWith("pulumi:providers:") ? "providers" : r.type.split(":")[0];
        counts[pkg] = (counts[pkg] ?? 0) + 1;
    }
    return counts;
}

export function renderOutputs(record: PlanRecord): string[] {
    return Object.entries(record.outputs).map(([k, o]) =>
        `  ${k}: ${o.secret ? "[secret]" : JSON.stringify(o.value)}`);
}

export function renderProblems(record: PlanRecord): string[] {
    const lines = [`Stack "${record.stack}" is not valid; nothing was registered. Fix:`];
    for (const p of record.problems) lines.push(`  - ${p.key}: ${p.message}`);
    if (record.error) lines.push(record.error);
    return lines;
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    // Read the earlier plan first: a bad file fails before the run. The engine, the providers and
    // the sections load only after the arguments and that file passed (a mistake fails in
    // a fraction of a second).
    const base = args.compare ? readPlan(args.compare, args.stack) : undefined;
    const { runProgram } = require("./engine") as typeof import("./engine");
    const { hooks } = require("./cli") as typeof import("./cli");
    const record = await runProgram({ stack: args.stack, ...runWhere(args) });
    if (args.json) fs.writeFileSync(args.json, JSON.stringify(record, null, 2) + "\n");
    if (record.problems.length > 0 || record.error) {
        console.error(renderProblems(record).join("\n"));
        process.exit(1);
    }
    const out: string[] = [];
    const resources = registered(record);
    const profile = record.project === "groundwork" ? ` (${record.config["groundwork:profile"]?.value || "profile from stack name"})` : "";
    out.push(`Plan for ${record.project} stack "${record.stack}"${profile}, offline: ${resources.length} resources, ${record.elapsedMs.toFixed(0)} ms`);
    out.push("");
    out.push(...renderTree(record));
    out.push("");
    out.push("Resources by provider: " + Object.entries(countByPackage(record)).map(([k, n]) => `${k} ${n}`).join(", "));
    const placeholders = Object.entries(record.config).filter(([, v]) => v.placeholder).map(([k]) => k);
    if (placeholders.length) out.push(`Secrets not readable here, planned with placeholders: ${placeholders.join(", ")}`);
    out.push("");
    out.push("Outputs:");
    out.push(...renderOutputs(record));
    let failed = false;
    for (const hook of hooks) {
        const section = await hook(record);
        out.push("", ...section.lines);
        failed ||= section.failed;
    }
    if (base && args.compare) {
        const { comparePlans, renderComparison } = require("./compare") as typeof import("./compare");
        const comparison = renderComparison(comparePlans(base, record), `\`${args.compare}\``);
        out.push("", `Changes against ${args.compare}:`, ...comparison);
        if (args.markdown) fs.writeFileSync(args.markdown, comparison.join("\n") + "\n");
    }
    console.log(out.join("\n"));
    process.exit(failed ? 1 : 0);
}

if (require.main === module) {
    main().catch((err) => {
        // A mistake in the arguments or the --compare file is the user's to fix: its message alone.
        console.error(err instanceof Error && err.message.startsWith("--") ? err.message : err);
        process.exit(1);
    });
}
