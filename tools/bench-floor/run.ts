/**
 * Runs the bench floor (`index.ts` beside this file) through the offline engine, the way
 * `tools/plan.ts` runs the program, and exits non-zero unless it registered exactly one resource.
 */
import { registered, runProgram } from "../engine";

async function main() {
    const record = await runProgram({ stack: "floor", projectDir: __dirname });
    const custom = registered(record).filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    if (record.error || record.problems.length || custom.length !== 1) {
        console.error(`bench floor: expected one resource, got ${custom.length}`, record.error ?? "", record.problems);
        process.exit(1);
    }
    console.log(`floor: ${custom[0].type} ${custom[0].name}, ${record.elapsedMs.toFixed(0)} ms`);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
