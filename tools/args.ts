/**
 * Command-line arguments of the tools (`--stack`, `--project`, `--config-dir`, `--json`, `--from`,
 * `--out`, `--compare`, `--markdown`, `--branch`). Imports only Node's path, so a tool that needs no plan
 * (`npm run env`) starts without loading Pulumi or the providers.
 */
import * as path from "path";

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

/** The repository root (this file lives in tools/). */
const ROOT = path.resolve(__dirname, "..");

/** The project directory `--project` names (absolute), or undefined for the main program. */
export function projectDirOf(args: CliArgs): string | undefined {
    return args.project === undefined ? undefined : path.resolve(ROOT, args.project);
}

/** Where a run takes its project and stack files from: `--project`, `--config-dir` and a preview's `--branch`. */
export function runWhere(args: CliArgs): { projectDir?: string; configDir?: string; previewBranch?: string } {
    return {
        projectDir: projectDirOf(args),
        ...(args.configDir ? { configDir: path.resolve(process.cwd(), args.configDir) } : {}),
        ...(args.branch ? { previewBranch: args.branch } : {}),
    };
}
