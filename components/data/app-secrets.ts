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
     * Days a deleted secret can still be restored, during which its name cannot be reused.
     * 0 deletes it at once (force delete), so a destroyed stack can be created again under the
     * same name the same day; only for stacks whose every value can be made again (derived from
     * other resources, generated, or in config), as staging's are. Otherwise 7-30.
     * @default 30 when `protect` (prod), 0 otherwise (staging)
     * @example 30
     */
    recoveryWindowInDays?: number;
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
    const window = args.recoveryWindowInDays;
    if (window !== undefined && !(window === 0 || (Number.isInteger(window) && window >= 7 && window <= 30))) {
        fail("recoveryWindowInDays", `must be 0 (delete at once) or a whole number of days 7-30, got ${window}`, "30");
    }
    if (args.protect && window === 0) {
        fail("recoveryWindowInDays", "must not be 0 when protect is set: a protected secret must stay restorable after a delete", "30");
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
    /** The resource policy `restrictReadersTo` created; undefined until it is called. */
    public readersPolicy?: aws.secretsmanager.SecretPolicy;
    private readonly componentName: string;

    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:AppSecrets", name, {}, opts);
        validate(name, args);
        this.componentName = name;
        this.keys = [...Object.keys(args.values), JWT_SECRET].sort();

        this.secret = new aws.secretsmanager.Secret(`${name}-secret`, {
            name: args.secretName,
            description: `Runtime secrets of the apps (${this.keys.join(", ")}), read by the ECS tasks`,
            // prod: the longest window, a deleted secret can be restored for 30 days. Staging: 0, so
            // a destroy + up of the stack can take the same name again at once (a pending deletion
            // holds the name for the whole window). Nothing is lost: every value in it is derived
            // from the stack's resources, generated here, or in config.
            recoveryWindowInDays: args.recoveryWindowInDays ?? (args.protect ? 30 : 0),
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

    /**
     * Lets only the given roles (the services' execution roles) and the IAM identity running
     * Pulumi read the secret's value: a resource policy (`<name>-readers`) denies
     * `secretsmanager:GetSecretValue` to every other principal, whatever its IAM policies allow.
     * Pulumi itself must stay a reader, since refreshing or updating the secret version reads it.
     * That identity is the role behind the current session (an assumed role's session resolves to
     * the role; an IAM user to itself); so CI and people deploying with different roles change the
     * policy with each `pulumi up`. Call once, after the services exist. Cost: none.
     * @example secrets.restrictReadersTo([api.executionRoleArn, worker.executionRoleArn])
     */
    public restrictReadersTo(roleArns: pulumi.Input<string>[]): aws.secretsmanager.SecretPolicy {
        const name = this.componentName;
        if (this.readersPolicy) throw new Error(`AppSecrets "${name}": restrictReadersTo was already called; pass every reader in one call. Example: [api.executionRoleArn, worker.executionRoleArn]`);
        if (roleArns.length === 0) {
            throw new Error(`AppSecrets "${name}": restrictReadersTo needs at least one role ARN, or no task could read the secret. Example: [api.executionRoleArn]`);
        }
        // `parent: this` makes the invokes use the component's aws provider (defaults are disabled).
        const caller = aws.getCallerIdentityOutput({}, { parent: this });
        const deployer = aws.iam.getSessionContextOutput({ arn: caller.arn }, { parent: this }).issuerArn;
        const readers = pulumi.all([...roleArns, deployer]).apply((arns) => [...new Set(arns)].sort());
        this.readersPolicy = new aws.secretsmanager.SecretPolicy(`${name}-readers`, {
            secretArn: this.secret.arn,
            // Refuse any policy that would grant access outside the account.
            blockPublicPolicy: true,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Sid: "OnlyTheStackReadsTheValue",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "secretsmanager:GetSecretValue",
                    Resource: this.secret.arn,
                    // aws:PrincipalArn is the role's ARN for every session of the role.
                    Condition: { ArnNotEquals: { "aws:PrincipalArn": readers } },
                }],
            }),
        }, { parent: this });
        return this.readersPolicy;
    }
}
