/**
 * Command-line arguments of the tools (`--stack`, `--json`, `--from`, `--out`). Imports nothing,
 * so a tool that needs no plan (`npm run env`) starts without loading Pulumi or the providers.
 */
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
