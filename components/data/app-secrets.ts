/**
 * The apps' runtime secrets: one Secrets Manager secret per stack holding a JSON object
 * (`DATABASE_URL`, `REDIS_URL`, `JWT_SECRET`, the Stripe keys and any extra app secrets). ECS
 * tasks read each key with `valueFrom: <arn>:<KEY>::`; nothing here is ever a plain output.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** A random secret generated here: `alnum` letters and digits, or `hex` (`size` bytes). */
/** What changes a secret's value, its lifecycle or its resource policy. */
export const SECRET_WRITES = [
    "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage", "secretsmanager:DeleteSecret",
    "secretsmanager:RestoreSecret", "secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret",
    "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy",
] as const;

export interface GeneratedSecretSpec {
    name: string;
    kind: "alnum" | "hex";
    /** Characters (alnum, 32-1024) or bytes (hex, 16-512). */
    size: number;
}

/** The generated JWT secret's spec (the default of `groundwork:generatedSecrets`). */
export const JWT_SECRET: GeneratedSecretSpec = { name: "JWT_SECRET", kind: "alnum", size: 64 };

export interface AppSecretsArgs {
    /**
     * Explicit secret name (apps and runbooks look it up, so it is not autonamed). Cost: $0.40
     * per secret per month plus $0.05 per 10,000 API calls.
     * @default none (required)
     * @example "groundwork-prod/app"
     */
    secretName: string;
    /**
     * Secret values by variable name (UPPER_SNAKE_CASE); the generated ones are added here, so
     * they must not be among them. Values stay Pulumi secrets.
     * @default none (required)
     * @example { DATABASE_URL: db.databaseUrl, REDIS_URL: cache.redisUrl }
     */
    values: Record<string, pulumi.Input<string>>;
    /**
     * Random secrets generated here and added to the values. Each is a `random` resource named
     * after its variable, so it keeps its value across updates (rotating one logs users out).
     * @default [JWT_SECRET] (64 letters and digits)
     * @example [{ name: "JWT_SECRET", kind: "alnum", size: 64 }, { name: "ENCRYPTION_KEY", kind: "hex", size: 32 }]
     */
    generated?: GeneratedSecretSpec[];
    /**
     * Who may read the value. A resource policy denies `secretsmanager:GetSecretValue` to every
     * principal but the roles under `executionRolePath` (the services' execution roles, which
     * live there alone) and the listed
     * `roleArns` (the roles that run `pulumi up` and a break-glass role): Pulumi itself reads the
     * value on create, refresh and delete, so the deploying roles must be listed. The policy is
     * in place before the value is written. Undefined: no resource policy (IAM alone decides).
     * @default undefined
     * @example { executionRolePath: "/groundwork/prod/", roleArns: ["arn:aws:iam::123456789012:role/deploy-prod"] }
     */
    readers?: { executionRolePath: string; roleArns: string[] };
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
}

function validate(name: string, args: AppSecretsArgs): void {
    const fail = (arg: string, msg: string, example: string) => {
        throw new Error(`AppSecrets "${name}": ${arg} ${msg}. Example: ${example}`);
    };
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(args.secretName)) fail("secretName", `must be 1-512 of A-Z a-z 0-9 / _ + = . @ -, got "${args.secretName}"`, "groundwork-prod/app");
    const generated = args.generated ?? [JWT_SECRET];
    for (const key of Object.keys(args.values)) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(key)) fail("values", `keys must be UPPER_SNAKE_CASE variable names, got "${key}"`, "DATABASE_URL");
        if (generated.some((g) => g.name === key)) fail("values", `must not set ${key}; it is generated here`, "{ DATABASE_URL: db.databaseUrl }");
    }
    for (const g of generated) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(g.name)) fail("generated", `names must be UPPER_SNAKE_CASE, got "${g.name}"`, "JWT_SECRET");
        const [min, max] = g.kind === "alnum" ? [32, 1024] : [16, 512];
        if (!Number.isInteger(g.size) || g.size < min || g.size > max) fail("generated", `${g.name}: ${g.kind} size must be ${min}-${max}, got ${g.size}`, "{ name: \"JWT_SECRET\", kind: \"alnum\", size: 64 }");
    }
    if (new Set(generated.map((g) => g.name)).size !== generated.length) fail("generated", "lists a name twice", "[JWT_SECRET]");
    const window = args.recoveryWindowInDays;
    if (window !== undefined && !(window === 0 || (Number.isInteger(window) && window >= 7 && window <= 30))) {
        fail("recoveryWindowInDays", `must be 0 (delete at once) or a whole number of days 7-30, got ${window}`, "30");
    }
    if (args.protect && window === 0) {
        fail("recoveryWindowInDays", "must not be 0 when protect is set: a protected secret must stay restorable after a delete", "30");
    }
    if (args.readers) {
        if (!/^\/([A-Za-z0-9+=,.@_-]+\/)+$/.test(args.readers.executionRolePath)) {
            fail("readers.executionRolePath", `must be an IAM path below the root, like /groundwork/prod/, got "${args.readers.executionRolePath}"`, "/groundwork/prod/");
        }
        for (const arn of args.readers.roleArns) {
            if (!/^arn:aws:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\-/]+$/.test(arn)) fail("readers.roleArns", `must be IAM role ARNs, got "${arn}"`, "arn:aws:iam::123456789012:role/deploy-prod");
        }
    }
}

/** `JWT_SECRET` → `jwt-secret`: a stable logical-name role. */
function kebab(key: string): string {
    return key.toLowerCase().replace(/_/g, "-");
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
    /**
     * The version holding the current value. Task definitions name it in each secret reference, so
     * a new value (a rotated key, a replaced webhook's signing secret) is a new task definition and
     * the services roll onto it: ECS reads a secret only when a task starts.
     */
    public readonly versionId: pulumi.Output<string>;
    /** Every key the secret holds (the values' names plus the generated ones), sorted. */
    public readonly keys: string[];
    /** The whole secret as a record, secret (for the apiEnv output). */
    public readonly values: pulumi.Output<Record<string, string>>;
    /** The resource policy that limits who reads the value; undefined without `readers`. */
    public readonly readersPolicy?: aws.secretsmanager.SecretPolicy;
    /** The generated values by name, secret (they can be routed to other apps, e.g. the web app). */
    public readonly generated: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:AppSecrets", name, {}, opts);
        validate(name, args);
        const generatedSpecs = args.generated ?? [JWT_SECRET];
        this.keys = [...Object.keys(args.values), ...generatedSpecs.map((g) => g.name)].sort();

        this.secret = new aws.secretsmanager.Secret(`${name}-secret`, {
            name: args.secretName,
            description: `Runtime secrets of the apps (${this.keys.join(", ")}), read by the ECS tasks`,
            // prod: the longest window, a deleted secret can be restored for 30 days. Staging: 0, so
            // a destroy + up of the stack can take the same name again at once (a pending deletion
            // holds the name for the whole window). Nothing is lost: every value in it is derived
            // from the stack's resources, generated here, or in config.
            recoveryWindowInDays: args.recoveryWindowInDays ?? (args.protect ? 30 : 0),
        }, { parent: this, ...(args.protect ? { protect: true, retainOnDelete: true } : {}) });

        this.generated = {};
        for (const g of generatedSpecs) {
            // Alphanumeric or hex, so the value is safe unquoted in a .env file and in any shell.
            this.generated[g.name] = pulumi.secret(g.kind === "alnum"
                ? new random.RandomPassword(`${name}-${kebab(g.name)}`, { length: g.size, special: false }, { parent: this }).result
                : new random.RandomId(`${name}-${kebab(g.name)}`, { byteLength: g.size }, { parent: this }).hex);
        }

        if (args.readers) {
            // Static, so it exists before any role and before the value: the execution roles are
            // created under `executionRolePath`, and the deploying roles come from config, never from
            // whoever happens to run `pulumi up` (which would flip the policy with each deployer).
            const caller = aws.getCallerIdentityOutput({}, { parent: this });
            const partition = aws.getPartitionOutput({}, { parent: this }).partition;
            const taskRoles = pulumi.interpolate`arn:${partition}:iam::${caller.accountId}:role${args.readers.executionRolePath}*`;
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
                        Resource: "*",
                        // aws:PrincipalArn is the role's ARN (with its path) for every session of the role.
                        Condition: { ArnNotLike: { "aws:PrincipalArn": [taskRoles, ...[...args.readers.roleArns].sort()] } },
                    }, {
                        // Writes too: a principal with broad Secrets Manager rights could otherwise point
                        // DATABASE_URL elsewhere, or drop this policy. Only the deploying roles (never the tasks).
                        Sid: "OnlyTheDeployersWrite",
                        Effect: "Deny",
                        Principal: "*",
                        Action: [...SECRET_WRITES],
                        Resource: "*",
                        Condition: { ArnNotLike: { "aws:PrincipalArn": [...args.readers.roleArns].sort() } },
                    }],
                }),
            }, { parent: this });
        }

        // Keys in sorted order, so the JSON (and so the version's inputs) is the same on every run.
        const all: Record<string, pulumi.Input<string>> = { ...args.values, ...this.generated };
        const sorted = Object.fromEntries(this.keys.map((k) => [k, all[k]]));
        this.values = pulumi.secret(pulumi.output(sorted) as pulumi.Output<Record<string, string>>);

        // The value is written only once the readers policy is in place: written first, anyone in the
        // account whose IAM allows GetSecretValue could read it meanwhile. An ordering, not a data flow
        // (tools/durations.json lists it under justifiedWaits for the critical path).
        const version = new aws.secretsmanager.SecretVersion(`${name}-version`, {
            secretId: this.secret.id,
            secretString: pulumi.secret(pulumi.jsonStringify(this.values)),
        }, { parent: this, dependsOn: this.readersPolicy ? [this.readersPolicy] : [] });

        this.arn = pulumi.all([this.secret.arn, version.id]).apply(([arn]) => arn);
        this.versionId = version.versionId;
        this.registerOutputs({ arn: this.arn, versionId: this.versionId, keys: this.keys, values: this.values });
    }
}
