/** Shared bits of the command-line tools: argument parsing and the sections `plan` appends. */
import { costSection } from "./cost";
import { criticalPathSection } from "./critical-path";
import type { PlanRecord, PlanSection } from "./engine";

export type { PlanSection } from "./engine";
import { policySection } from "./policy-runner";

export interface CliArgs {
    stack: string;
    json?: string;
    from?: string;
    out?: string;
}

export function parseArgs(argv: string[]): CliArgs {
    const args: Partial<CliArgs> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const [flag, inline] = a.includes("=") ? a.split(/=(.*)/s) : [a, undefined];
        const value = () => inline ?? argv[++i];
        switch (flag) {
            case "--stack": case "-s": args.stack = value(); break;
            case "--json": args.json = value(); break;
            case "--from": args.from = value(); break;
            case "--out": args.out = value(); break;
            default: throw new Error(`Unknown argument "${a}". Usage: --stack <name> [--json FILE] [--from FILE] [--out DIR]`);
        }
    }
    if (!args.stack) throw new Error("Missing --stack <name>, e.g. --stack prod");
    return args as CliArgs;
}


/** Sections appended to the plan, in order (policy verdict, cost estimate, first deploy's critical path). */
export const hooks: ((record: PlanRecord) => Promise<PlanSection>)[] = [
    policySection,
    costSection,
    criticalPathSection,
];
