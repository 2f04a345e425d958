/** Shared bits of the command-line tools: argument parsing and the sections `plan` appends. */
import * as path from "path";
import { costSection } from "./cost";
import { PROJECT_DIR } from "./engine";
import type { PlanRecord, PlanSection } from "./engine";

export type { PlanSection } from "./engine";
import { policySection } from "./policy-runner";

export interface CliArgs {
    stack: string;
    /** Project directory relative to the repository root (`bootstrap`); unset: the main program. */
    project?: string;
    /** Folder of the stack files (Pulumi.yaml's `stackConfigDir`), e.g. `examples/api-supabase-clerk`; unset: the project's. */
    configDir?: string;
    json?: string;
    from?: string;
    out?: string;
    /** `plan`: an earlier plan's `--json` file to compare this one with. */
    compare?: string;
    /** `plan`: where to write the comparison as Markdown (with --compare). */
    markdown?: string;
    /** A preview stack `pr-<n>` planned from the template: the pull request's branch (the workflow's input). */
    branch?: string;
}

export function parseArgs(argv: string[]): CliArgs {
    const args: Partial<CliArgs> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const [flag, inline] = a.includes("=") ? a.split(/=(.*)/s) : [a, undefined];
        const value = () => inline ?? argv[++i];
        switch (flag) {
            case "--stack": case "-s": args.stack = value(); break;
            case "--project": case "-p": args.project = value(); break;
            case "--config-dir": args.configDir = value(); break;
            case "--json": args.json = value(); break;
            case "--from": args.from = value(); break;
            case "--out": args.out = value(); break;
            case "--compare": args.compare = value(); break;
            case "--markdown": args.markdown = value(); break;
            case "--branch": args.branch = value(); break;
            default: throw new Error(`Unknown argument "${a}". Usage: --stack <name> [--project DIR] [--config-dir DIR] [--branch BRANCH] [--json FILE] [--compare EARLIER.json [--markdown FILE]] [--from FILE] [--out DIR]`);
        }
    }
    if (!args.stack) throw new Error("Missing --stack <name>, e.g. --stack prod");
    if (args.markdown && !args.compare) throw new Error("--markdown writes the comparison: give --compare <earlier plan.json> too");
    return args as CliArgs;
}

/** The project directory `--project` names (absolute), or undefined for the main program. */
export function projectDirOf(args: CliArgs): string | undefined {
    return args.project === undefined ? undefined : path.resolve(PROJECT_DIR, args.project);
}


/** Where a run takes its project and stack files from: `--project` and `--config-dir`. */
export function runWhere(args: CliArgs): { projectDir?: string; configDir?: string; previewBranch?: string } {
    return {
        projectDir: projectDirOf(args),
        ...(args.configDir ? { configDir: path.resolve(process.cwd(), args.configDir) } : {}),
        ...(args.branch ? { previewBranch: args.branch } : {}),
    };
}

/** Sections appended to the plan, in order (policy verdict, cost estimate). */
export const hooks: ((record: PlanRecord) => Promise<PlanSection>)[] = [
    policySection,
    costSection,
];
