/**
 * Reads a V8 CPU profile (`node --cpu-prof`) into the few lines `npm run bench -- --profile DIR`
 * prints: total sampled time, the functions with the most self time, and time by owner (a package
 * in node_modules, a folder of this project, Node's internals, or the VM: GC, idle, native).
 */
import * as path from "path";

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
export interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

export interface ProfileSummaryOptions {
    /** The project root, to name project folders ("tools", "components"...). */
    root: string;
    /** Rows per table. @default 12 */
    top?: number;
}

/** Who a frame belongs to: a package, a project folder, Node's internals, or the VM itself. */
export function ownerOf(url: string, root: string): string {
    if (!url) return "(vm)";
    if (url.startsWith("node:")) return "node internals";
    const file = url.startsWith("file://") ? new URL(url).pathname : url;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    if (pkg) return pkg[1];
    const rel = path.relative(root, file);
    return rel.startsWith("..") ? file : rel.split(path.sep)[0];
}

export function summarizeProfile(profile: CpuProfile, options: ProfileSummaryOptions): string[] {
    const top = options.top ?? 12;
    const selfUs = new Map<number, number>();
    profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);

    const byFunction = new Map<string, number>();
    const ownerSelf = new Map<string, number>();
    const ownerInclusive = new Map<string, number>();
    let totalUs = 0;
    for (const [id, us] of selfUs) {
        totalUs += us;
        const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
        const owner = ownerOf(url, options.root);
        const fn = url ? `${functionName || "(anonymous)"}  ${owner}${owner === "node internals" ? "" : `:${lineNumber + 1}`}` : functionName;
        byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
        ownerSelf.set(owner === "(vm)" ? functionName : owner, (ownerSelf.get(owner === "(vm)" ? functionName : owner) ?? 0) + us);
        // Inclusive: every owner on the sample's stack, once.
        const seen = new Set<string>();
        for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
            const o = ownerOf(byId.get(at)!.callFrame.url, options.root);
            if (o !== "(vm)" && !seen.has(o)) {
                seen.add(o);
                ownerInclusive.set(o, (ownerInclusive.get(o) ?? 0) + us);
            }
        }
    }
    const rows = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
        .map(([k, us]) => `    ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${k}`);
    return [
        `  sampled ${(totalUs / 1000).toFixed(0)} ms`,
        "  self time by function:", ...rows(byFunction),
        "  self time by owner:", ...rows(ownerSelf),
        "  inclusive time by owner (on the stack):", ...rows(ownerInclusive),
    ];
}
