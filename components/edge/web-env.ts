/**
 * The web app's variables, split the way Vercel stores them: public ones plain, server-side
 * ones `sensitive`. The config module decided what is routed where (`webEnvAliases`, checked
 * against what Vercel can reach); this only looks the values up.
 */
import * as pulumi from "@pulumi/pulumi";

export interface WebEnvironmentArgs {
    /**
     * Public settings (`groundwork:webEnv` and the API URL variable), plain.
     * @default none (required)
     * @example { NEXT_PUBLIC_API_URL: "https://api.example.com/api/v1" }
     */
    public: Record<string, string>;
    /**
     * The web app's own secrets (`groundwork:webSecrets`), by name.
     * @default none (required)
     * @example { NEXTAUTH_SECRET: cfg.webSecrets.apply((s) => s.NEXTAUTH_SECRET) }
     */
    secrets: Record<string, pulumi.Input<string>>;
    /**
     * Program values the web app gets under a name (`secret`: sensitive).
     * @default none (required)
     * @example [{ name: "NEXTAUTH_URL", source: "WEB_URL", secret: false }]
     */
    routed: { name: string; source: string; secret: boolean }[];
    /**
     * The program's values by source name; secret ones are secret Outputs.
     * @default none (required)
     * @example { WEB_URL: "https://app.example.com", DATABASE_URL: cfg.database.url }
     */
    sources: Record<string, pulumi.Input<string> | undefined>;
}

/** What the Frontend component takes: `environment` (plain unless the value is secret) and `secrets` (sensitive). */
export interface WebEnvironment {
    environment: Record<string, pulumi.Input<string>>;
    secrets: Record<string, pulumi.Input<string>>;
}

export function webEnvironment(args: WebEnvironmentArgs): WebEnvironment {
    const out: WebEnvironment = { environment: { ...args.public }, secrets: {} };
    for (const [name, value] of Object.entries(args.secrets)) out.secrets[name] = pulumi.secret(value);
    for (const { name, source, secret } of args.routed) {
        const value = args.sources[source];
        if (value === undefined) {
            throw new Error(`webEnvironment: ${name} is routed from ${source}, which this stack has no value of. Example: { name: "NEXTAUTH_URL", source: "WEB_URL" }`);
        }
        if (name in out.environment || name in out.secrets) throw new Error(`webEnvironment: ${name} is set twice; a variable comes from one place`);
        if (secret) out.secrets[name] = pulumi.secret(value);
        else out.environment[name] = value;
    }
    return out;
}

/** The whole environment with its values, secret (the `webEnv` stack output, for `npm run env`). */
export function resolvedWebEnvironment(env: WebEnvironment): pulumi.Output<Record<string, string>> {
    return pulumi.secret(pulumi.output({ ...env.environment, ...env.secrets }) as pulumi.Output<Record<string, string>>);
}
