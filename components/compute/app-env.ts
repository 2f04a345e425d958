/**
 * The apps' environment per service: plain settings go to ECS `environment`, secret ones are
 * keys of the stack's Secrets Manager secret delivered as ECS `secrets` (never plain), each
 * under its own name and under any further names the stack file maps (`envAliases`).
 */
import * as pulumi from "@pulumi/pulumi";

export type ServiceRole = "api" | "worker";

/** One value the program provides, under its own name. */
export interface AppVariable {
    /** The value (a secret Output for secret ones). */
    value: pulumi.Input<string>;
    /** Secret: lives in the app secret and reaches the tasks as an ECS secret. */
    secret: boolean;
    /** Services that get it under its own name; [] = only as the source of an alias (WEB_URL). */
    services: ServiceRole[];
    /** Services an alias of it may reach. */
    aliasServices: ServiceRole[];
}

export interface AppEnvironmentArgs {
    /**
     * The program's variables for the parts present, by name.
     * @example { DATABASE_URL: { value: db.databaseUrl, secret: true, services: ["api", "worker"], aliasServices: ["api", "worker"] } }
     */
    variables: Record<string, AppVariable>;
    /**
     * Plain defaults `extra` may override.
     * @default {}
     * @example { JSON_BODY_LIMIT: "1mb" }
     */
    defaults?: Record<string, string>;
    /**
     * Extra plain settings (`groundwork:appEnv`), for both services; the config module refused
     * credential-looking names and the program's own.
     * @default {}
     * @example { LOG_LEVEL: "info" }
     */
    extra: Record<string, string>;
    /**
     * Names of the extra secrets (`groundwork:appSecrets`) held in the app secret, for both services.
     * @default []
     * @example ["SENTRY_DSN"]
     */
    appSecretNames: string[];
    /**
     * Further names: `{ name: "API_PORT", source: "PORT" }`. A secret source stays secret.
     * @default []
     * @example [{ name: "CORS_ORIGIN", source: "WEB_URL" }]
     */
    aliases: { name: string; source: string }[];
}

/**
 * The program's variables (names and kinds, from `programVariables`) with their values: a plain
 * one from `values`, a secret one from the app secret's values (`secretValues`).
 */
export function withValues(specs: Record<string, Omit<AppVariable, "value">>, values: Record<string, pulumi.Input<string> | undefined>,
    secretValues: pulumi.Output<Record<string, string>> | undefined): Record<string, AppVariable> {
    return Object.fromEntries(Object.entries(specs).map(([name, spec]): [string, AppVariable] => {
        if (spec.secret && !secretValues) throw new Error(`withValues: ${name} is secret, but there is no app secret to read it from`);
        return [name, { ...spec, value: spec.secret ? secretValues!.apply((v) => v[name]) : values[name] as pulumi.Input<string> }];
    }));
}

/** What one service's containers get. */
export interface ServiceEnvironment {
    /** Plain `environment`, by variable name. */
    environment: Record<string, pulumi.Input<string>>;
    /** ECS `secrets`: variable name → key of the app secret. */
    secrets: Record<string, string>;
}

export interface AppEnvironment {
    api: ServiceEnvironment;
    worker: ServiceEnvironment;
    /** The app secret's content: key → secret value. */
    secretValues: Record<string, pulumi.Input<string>>;
}

/** Splits the variables into each service's plain environment and secret references. */
export function appEnvironment(args: AppEnvironmentArgs): AppEnvironment {
    const out: AppEnvironment = {
        api: { environment: {}, secrets: {} },
        worker: { environment: {}, secrets: {} },
        secretValues: {},
    };
    const both: ServiceRole[] = ["api", "worker"];
    const put = (role: ServiceRole, name: string, v: { value: pulumi.Input<string>; secret: boolean }, key: string) => {
        if (v.secret) out[role].secrets[name] = key;
        else out[role].environment[name] = v.value;
    };
    for (const role of both) {
        for (const [name, value] of Object.entries({ ...args.defaults, ...args.extra })) put(role, name, { value, secret: false }, name);
        for (const name of args.appSecretNames) out[role].secrets[name] = name;
    }
    for (const [name, v] of Object.entries(args.variables)) {
        if (v.secret) out.secretValues[name] = v.value;
        for (const role of v.services) put(role, name, v, name);
    }
    for (const { name, source } of args.aliases) {
        const program = args.variables[source];
        if (program) {
            for (const role of program.aliasServices) put(role, name, program, source);
        } else if (args.appSecretNames.includes(source)) {
            for (const role of both) out[role].secrets[name] = source;
        } else {
            const plain = args.extra[source] ?? args.defaults?.[source];
            if (plain === undefined) throw new Error(`appEnvironment: alias ${name} names ${source}, which is no variable of the stack. Example: { name: "API_PORT", source: "PORT" }`);
            for (const role of both) out[role].environment[name] = plain;
        }
    }
    return out;
}

/** A service's whole environment with secret values filled in (for the `apiEnv`/`workerEnv` outputs), secret. */
export function resolvedEnvironment(env: ServiceEnvironment, secretValues: pulumi.Output<Record<string, string>>): pulumi.Output<Record<string, string>> {
    return pulumi.secret(pulumi.all([pulumi.output(env.environment), secretValues]).apply(([plain, secret]) => ({
        ...plain,
        ...Object.fromEntries(Object.entries(env.secrets).map(([name, key]) => [name, secret[key]])),
    })));
}
