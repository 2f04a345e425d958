/**
 * The apps' runtime secrets: one Secrets Manager secret per stack holding a JSON object
 * (`DATABASE_URL`, `REDIS_URL`, `JWT_SECRET`, the Stripe keys and any extra app secrets). ECS
 * tasks read each key with `valueFrom: <arn>:<KEY>::`; nothing here is ever a plain output.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** The variable this component generates itself. */
export const JWT_SECRET = "JWT_SECRET";

export interface AppSecretsArgs {
    /**
     * Explicit secret name (apps and runbooks look it up, so it is not autonamed). Cost: $0.40
     * per secret per month plus $0.05 per 10,000 API calls.
     * @example "groundwork-prod/app"
     */
    secretName: string;
    /**
     * Secret values by variable name (UPPER_SNAKE_CASE); JWT_SECRET is generated here and added,
     * so it must not be among them. Values stay Pulumi secrets.
     * @example { DATABASE_URL: db.databaseUrl, REDIS_URL: cache.redisUrl }
     */
    values: Record<string, pulumi.Input<string>>;
    /**
     * prod: `protect` + `retainOnDelete` on the secret (not on its version, which a value change
     * replaces).
     * @default false (staging), true (prod)
     * @example true
     */
    protect: boolean;
    /**
     * Length of the generated JWT_SECRET (alphanumeric), 64 or more.
     * @default 64
     * @example 96
     */
    jwtSecretLength?: number;
}

function validate(name: string, args: AppSecretsArgs): void {
    const fail = (arg: string, msg: string, example: string) => {
        throw new Error(`AppSecrets "${name}": ${arg} ${msg}. Example: ${example}`);
    };
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(args.secretName)) fail("secretName", `must be 1-512 of A-Z a-z 0-9 / _ + = . @ -, got "${args.secretName}"`, "groundwork-prod/app");
    for (const key of Object.keys(args.values)) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(key)) fail("values", `keys must be UPPER_SNAKE_CASE variable names, got "${key}"`, "DATABASE_URL");
        if (key === JWT_SECRET) fail("values", `must not set ${JWT_SECRET}; it is generated here`, "{ DATABASE_URL: db.databaseUrl }");
    }
    const len = args.jwtSecretLength ?? 64;
    if (!Number.isInteger(len) || len < 64 || len > 1024) fail("jwtSecretLength", `must be a whole number 64-1024, got ${len}`, "64");
}

/** The apps' secret. Cost: $0.40/month plus $0.05 per 10,000 reads (tasks read it at start). */
export class AppSecrets extends pulumi.ComponentResource {
    /** The Secrets Manager secret (escape hatch). */
    public readonly secret: aws.secretsmanager.Secret;
    /**
     * The secret's ARN. Resolves only once its value is written, so a task started from it
     * always finds every key.
     */
    public readonly arn: pulumi.Output<string>;
    /** Every key the secret holds (the values' names plus JWT_SECRET), sorted. */
    public readonly keys: string[];
    /** The whole secret as a record, secret (for the apiEnv output). */
    public readonly values: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:AppSecrets", name, {}, opts);
        validate(name, args);
        this.keys = [...Object.keys(args.values), JWT_SECRET].sort();

        this.secret = new aws.secretsmanager.Secret(`${name}-secret`, {
            name: args.secretName,
            description: `Runtime secrets of the apps (${this.keys.join(", ")}), read by the ECS tasks`,
            // The longest recovery window: a deleted secret can be restored for 30 days.
            recoveryWindowInDays: 30,
        }, { parent: this, ...(args.protect ? { protect: true, retainOnDelete: true } : {}) });

        // Alphanumeric, so the value is safe unquoted in a .env file and in any shell.
        const jwt = new random.RandomPassword(`${name}-jwt-secret`, {
            length: args.jwtSecretLength ?? 64,
            special: false,
        }, { parent: this });

        // Keys in sorted order, so the JSON (and so the version's inputs) is the same on every run.
        const all: Record<string, pulumi.Input<string>> = { ...args.values, [JWT_SECRET]: jwt.result };
        const sorted = Object.fromEntries(this.keys.map((k) => [k, all[k]]));
        this.values = pulumi.secret(pulumi.output(sorted) as pulumi.Output<Record<string, string>>);

        const version = new aws.secretsmanager.SecretVersion(`${name}-version`, {
            secretId: this.secret.id,
            secretString: pulumi.secret(pulumi.jsonStringify(this.values)),
        }, { parent: this });

        this.arn = pulumi.all([this.secret.arn, version.id]).apply(([arn]) => arn);
        this.registerOutputs({ arn: this.arn, keys: this.keys, values: this.values });
    }
}
