/**
 * Runs the bench floor (`index.ts` beside this file) through the offline engine, the way
 * `tools/plan.ts` runs the program, and exits non-zero unless it registered exactly the buckets it
 * was asked for: one, or `GROUNDWORK_BENCH_FLOOR_BUCKETS` (`npm run bench -- --registrations N`).
 */
import { registered, runProgram } from "../engine";

async function main() {
    const raw = process.env.GROUNDWORK_BENCH_FLOOR_BUCKETS ?? "1";
    const expected = Number(raw);
    if (!Number.isInteger(expected) || expected < 1) {
        throw new Error(`GROUNDWORK_BENCH_FLOOR_BUCKETS must be a whole number of buckets, at least 1, got "${raw}". Example: 200`);
    }
    const record = await runProgram({ stack: "floor", projectDir: __dirname });
    const custom = registered(record).filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    if (record.error || record.problems.length || custom.length !== expected) {
        console.error(`bench floor: expected ${expected} resource(s), got ${custom.length}`, record.error ?? "", record.problems);
        process.exit(1);
    }
    console.log(`floor: ${custom.length} × ${custom[0].type}, ${record.elapsedMs.toFixed(0)} ms`);
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
