/**
 * EventBridge's pattern matching, for the parts the stack's rules use: exact values, `prefix`,
 * `anything-but`, nested objects, arrays in the event (any element matches) and `$or`.
 */
export function matches(pattern: Record<string, unknown>, event: unknown): boolean {
    if (event === null || typeof event !== "object") return false;
    const e = event as Record<string, unknown>;
    return Object.entries(pattern).every(([key, p]) => {
        if (key === "$or") return (p as Record<string, unknown>[]).some((alt) => matches(alt, e));
        if (!(key in e)) return false;
        const values = Array.isArray(e[key]) ? (e[key] as unknown[]) : [e[key]];
        if (Array.isArray(p)) {
            return values.some((v) => p.some((m) => {
                if (m !== null && typeof m === "object") {
                    const o = m as Record<string, unknown>;
                    if ("prefix" in o) return typeof v === "string" && v.startsWith(o.prefix as string);
                    if ("anything-but" in o) return v !== undefined && v !== o["anything-but"];
                    throw new Error(`matcher ${JSON.stringify(o)} not modelled`);
                }
                return v === m;
            }));
        }
        return values.some((v) => matches(p as Record<string, unknown>, v));
    });
}
