/**
 * `npm run policy -- --stack <name> [--project DIR] [--config-dir DIR] [--json FILE]`
 *
 * Runs the program offline for the stack, then the policy pack's rules over what it registered,
 * and prints each violation (rule, resource, message). Exits 1 on any mandatory violation or
 * when the program itself fails; advisory violations are printed but do not fail.
 */
import * as fs from "fs";
import { parseArgs, runWhere } from "./cli";
import { runProgram } from "./engine";
import { renderProblems } from "./plan";
import { evaluatePolicies, renderVerdict } from "./policy-runner";

async function main() {
    const args = parseArgs(process.argv.slice(2));
    const record = await runProgram({ stack: args.stack, ...runWhere(args) });
    if (record.problems.length > 0 || record.error) {
        console.error(renderProblems(record).join("\n"));
        process.exit(1);
    }
    const verdict = await evaluatePolicies(record);
    if (args.json) fs.writeFileSync(args.json, JSON.stringify(verdict.violations, null, 2) + "\n");
    console.log(`Stack "${record.stack}"`);
    console.log(renderVerdict(verdict, record).join("\n"));
    process.exit(verdict.mandatory.length > 0 ? 1 : 0);
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
