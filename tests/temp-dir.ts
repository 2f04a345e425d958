/**
 * What tests borrow from their process and give back: temporary folders, made under the system's
 * temp folder and removed when the process that made them (a mocha worker) exits, so a run leaves
 * nothing behind however its tests end; environment variables, set for a while; and
 * `process.emitWarning`, caught for a while.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const made: string[] = [];
process.on("exit", () => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** `fs.mkdtempSync(<tmp>/<prefix>XXXXXX)`, removed when this process exits. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}

/** Sets `name` (or, with undefined, removes it) and returns what puts the previous value back. */
export function setEnv(name: string, value: string | undefined): () => void {
    const saved = process.env[name];
    const put = (v: string | undefined) => {
        if (v === undefined) delete process.env[name];
        else process.env[name] = v;
    };
    put(value);
    return () => put(saved);
}

/**
 * Runs `fn` with `process.emitWarning` caught (Node's own warnings and the yaml package's go
 * through it): what it emitted, as "<name>: <message>", is returned instead of printed.
 */
export async function warningsDuring<T>(fn: () => T | Promise<T>): Promise<{ value: T; warnings: string[] }> {
    const warnings: string[] = [];
    const original = process.emitWarning;
    process.emitWarning = ((w: string | Error, type?: string | { type?: string }) => {
        const name = w instanceof Error ? w.name : (typeof type === "string" ? type : type?.type) ?? "Warning";
        warnings.push(`${name}: ${w instanceof Error ? w.message : w}`);
    }) as typeof process.emitWarning;
    try {
        return { value: await fn(), warnings };
    } finally {
        process.emitWarning = original;
    }
}
