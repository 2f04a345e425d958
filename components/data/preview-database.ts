/**
 * A pull-request preview's own Postgres database on its base stack's RDS server: a role that
 * owns only that database, with a generated password, so the preview's apps can neither read
 * nor write the base's data (or another preview's).
 *
 * The server is private and CI never connects to it. The database and role are made inside
 * the VPC by a container of the official Postgres image with a fixed script: as the setup step
 * of the preview's api tasks (before the migrations; idempotent), and as a one-off task
 * (`npm run task -- --stack pr-<n> --service database -- drop`) that drops both before the
 * preview is destroyed. That container alone gets the base's master credentials, from a secret
 * of the preview's own that only the execution roles read; the apps get the preview role's URL.
 *
 * Cost: $0.40/month for the secret; the one-off task runs for seconds ($0.0001 a run).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EXECUTION_ROLE_SUBPATH } from "../compute/task";
import type { SetupContainer } from "../compute/task-args";
import { RoleScope, roleScope } from "../role-scope";
import { AppSecrets, AppSecretsArgs } from "./app-secrets";

/** The official Postgres image (psql 17, which speaks to 16 and 17 servers), from ECR Public: no Docker Hub limits. */
export const POSTGRES_IMAGE = "public.ecr.aws/docker/library/postgres:17-alpine";
/** Name of the container that sets up (and drops) the database, in the api task and the one-off task. */
export const DATABASE_CONTAINER = "database";
/** Where the container writes the RDS CA bundle that psql verifies the server with. */
const CA_PATH = "/tmp/rds-ca.pem";

/**
 * Creates the role and its database when missing and (re)sets the role's password; revokes
 * PUBLIC's access to the new database (other previews' roles) and to the base's own database.
 * psql variables come from the environment (`\getenv`, psql 15+), never the command line, and
 * are quoted by psql (`:"name"` identifiers, `:'value'` literals).
 */
export const SETUP_SQL = [
    "\\getenv db PREVIEW_DB_NAME",
    "\\getenv role PREVIEW_DB_ROLE",
    "\\getenv password PREVIEW_DB_PASSWORD",
    "\\getenv base PGDATABASE",
    "SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec",
    "ALTER ROLE :\"role\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';",
    // PostgreSQL 16+: the creator needs SET on a role to make it a database's owner.
    "GRANT :\"role\" TO CURRENT_USER;",
    "SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec",
    "REVOKE ALL ON DATABASE :\"db\" FROM PUBLIC;",
    "REVOKE CONNECT, TEMPORARY ON DATABASE :\"base\" FROM PUBLIC;",
].join("\n");

/** Drops the preview's database (closing its connections) and its role; nothing else. */
export const DROP_SQL = [
    "\\getenv db PREVIEW_DB_NAME",
    "\\getenv role PREVIEW_DB_ROLE",
    "DROP DATABASE IF EXISTS :\"db\" WITH (FORCE);",
    "DROP ROLE IF EXISTS :\"role\";",
].join("\n");

/**
 * The container's script (`sh -c`, its first argument the mode). It refuses any database or
 * role that is not a preview's (`pr_<n>`, `pr_<n>_app`), so it can never drop the base's.
 */
export const DATABASE_SCRIPT = [
    "set -eu",
    `printf '%s' "$GROUNDWORK_RDS_CA" > ${CA_PATH}`,
    "case \"$PREVIEW_DB_NAME\" in pr_[0-9]*) ;; *) echo \"refusing: $PREVIEW_DB_NAME is not a preview database (pr_<number>)\" >&2; exit 2;; esac",
    "case \"$PREVIEW_DB_ROLE\" in pr_[0-9]*_app) ;; *) echo \"refusing: $PREVIEW_DB_ROLE is not a preview role (pr_<number>_app)\" >&2; exit 2;; esac",
    "case \"${1:-}\" in setup) sql=\"$GROUNDWORK_SETUP_SQL\";; drop) sql=\"$GROUNDWORK_DROP_SQL\";; *) echo \"usage: setup | drop\" >&2; exit 2;; esac",
    "printf '%s\\n' \"$sql\" | psql -X -q -v ON_ERROR_STOP=1",
    "echo \"database $PREVIEW_DB_NAME: $1 done\"",
].join("\n");

export interface PreviewDatabaseArgs {
    /**
     * The base database's master URL (secret; the base's `previewSecrets.databaseAdminUrl`). Only
     * this component's container gets it, through a secret of the preview's own.
     * @default none (required)
     * @example base.secrets.apply((s) => s.databaseAdminUrl)
     */
    adminUrl: pulumi.Input<string>;
    /**
     * The preview's database and the role that owns it (preview names only: `pr_<n>`, `pr_<n>_app`).
     * @default none (config: from the stack name)
     * @example { name: "pr_123", role: "pr_123_app" }
     */
    database: { name: string; role: string };
    /**
     * Name of the secret holding the setup container's credentials (named, as the app secret is).
     * @default none (required)
     * @example "groundwork-pr-123/database-admin"
     */
    secretName: string;
    /**
     * Who may read that secret besides the execution roles (AppSecrets `readers`).
     * @default undefined (IAM alone decides)
     * @example { executionRolePath: "/groundwork/pr-123/execution/", roleArns: ["arn:aws:iam::123456789012:role/deploy"] }
     */
    readers?: AppSecretsArgs["readers"];
    /**
     * PEM certificates of the RDS CA for the region; psql verifies the server with them.
     * @default none (required)
     * @example rdsCaBundle("us-east-1")
     */
    rdsCaBundle: string;
    /**
     * The one-off task's CPU architecture (the Postgres image is built for both).
     * @default none (config: groundwork:cpuArchitecture)
     * @example "ARM64"
     */
    architecture: "X86_64" | "ARM64";
    /**
     * Days CloudWatch keeps the one-off task's logs.
     * @default none (config: the preview profile's 3)
     * @example 3
     */
    logRetentionDays: number;
    /**
     * Where the one-off task's execution role lives (the stack's IAM path and boundary); it is
     * created one level deeper, under `execution/`, where the secret's readers policy admits it.
     * @default undefined (the root path, no boundary)
     * @example { path: "/groundwork/pr-123/" }
     */
    roles?: RoleScope;
    /**
     * The image whose psql runs the script.
     * @default POSTGRES_IMAGE
     * @example "public.ecr.aws/docker/library/postgres:17.6-alpine"
     */
    image?: string;
}

/** Host, port, user, password and database of a `postgresql://` URL (decoded). */
function parseUrl(url: string): { host: string; port: string; user: string; password: string; database: string } {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new Error("PreviewDatabase: adminUrl is not a URL (the value is not shown). Example: postgresql://app_owner:…@db.example.internal:5432/app");
    }
    if (!/^postgres(ql)?:$/.test(u.protocol) || !u.hostname || !u.username || !u.password) {
        throw new Error("PreviewDatabase: adminUrl must be a postgresql:// URL with a user, password and host (the value is not shown)");
    }
    return {
        host: u.hostname, port: u.port || "5432", user: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
        database: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres",
    };
}

export class PreviewDatabase extends pulumi.ComponentResource {
    /** The secret with the base's master credentials and the preview role's password. */
    public readonly adminSecrets: AppSecrets;
    /** `postgresql://pr_<n>_app:…@<host>:5432/pr_<n>?sslmode=require`, secret: what the apps get. */
    public readonly databaseUrl: pulumi.Output<string>;
    /** The api tasks' setup step (`ServiceBaseArgs.setup`), run before the migrations. */
    public readonly setupContainer: SetupContainer;
    /** The one-off task definition (`taskLaunch.database`: `npm run task -- --service database -- drop`). */
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    public readonly taskFamily: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: PreviewDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:PreviewDatabase", name, {}, opts);
        if (!/^pr_[0-9]+$/.test(args.database.name) || args.database.role !== `${args.database.name}_app`) {
            throw new Error(`PreviewDatabase "${name}": database must be a preview's, { name: "pr_<n>", role: "pr_<n>_app" }, ` +
                `got ${JSON.stringify(args.database)}. Example: { name: "pr_123", role: "pr_123_app" }`);
        }
        if (!Number.isInteger(args.logRetentionDays) || args.logRetentionDays < 1) {
            throw new Error(`PreviewDatabase "${name}": logRetentionDays must be a whole number of days, got ${args.logRetentionDays}. Example: 3`);
        }
        const parent = { parent: this };
        const admin = pulumi.secret(pulumi.output(args.adminUrl).apply(parseUrl));
        const field = (k: keyof ReturnType<typeof parseUrl>) => pulumi.secret(admin.apply((a) => a[k]));

        this.adminSecrets = new AppSecrets(`${name}-admin`, {
            secretName: args.secretName,
            values: { PGHOST: field("host"), PGPORT: field("port"), PGUSER: field("user"), PGPASSWORD: field("password"), PGDATABASE: field("database") },
            // The preview role's password, generated: the preview's own.
            generated: [{ name: "PREVIEW_DB_PASSWORD", kind: "alnum", size: 40 }],
            readers: args.readers,
            protect: false,
        }, parent);
        const password = this.adminSecrets.generated.PREVIEW_DB_PASSWORD;
        const { name: database, role } = args.database;
        this.databaseUrl = pulumi.secret(pulumi.interpolate`postgresql://${role}:${password}@${field("host")}:${field("port")}/${database}?sslmode=require`);

        const environment: Record<string, string> = {
            PREVIEW_DB_NAME: database,
            PREVIEW_DB_ROLE: role,
            GROUNDWORK_SETUP_SQL: SETUP_SQL,
            GROUNDWORK_DROP_SQL: DROP_SQL,
            GROUNDWORK_RDS_CA: args.rdsCaBundle,
            // TLS, and the server's certificate checked against the RDS CA (not just encryption).
            PGSSLMODE: "verify-full",
            PGSSLROOTCERT: CA_PATH,
            PGCONNECT_TIMEOUT: "15",
            PGAPPNAME: "groundwork-preview-setup",
            HOME: "/tmp",
        };
        const secrets = Object.fromEntries(["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PREVIEW_DB_PASSWORD"].map((k) => [k, k]));
        this.setupContainer = {
            name: DATABASE_CONTAINER,
            image: args.image ?? POSTGRES_IMAGE,
            entryPoint: ["sh", "-c", DATABASE_SCRIPT, DATABASE_CONTAINER],
            command: ["setup"],
            environment,
            secretArn: this.adminSecrets.arn,
            secrets,
        };

        // The one-off task: the same container alone, its own log group and execution role (which
        // reads only this secret; the image is public, so no registry permission).
        const region = aws.getRegionOutput({}, parent).region;
        const account = aws.getCallerIdentityOutput({}, parent).accountId;
        // Named under the stack (/<project>/<stack>/database): the preview-deploy role may read these
        // log events only (bootstrap/components/preview-permissions.ts), which `npm run task` streams.
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
            name: `/${pulumi.getProject()}/${pulumi.getStack()}/${DATABASE_CONTAINER}`,
            retentionInDays: args.logRetentionDays,
        }, parent);
        const executionRole = new aws.iam.Role(`${name}-execution`, {
            description: `ECS starts ${name} tasks with this: write logs, read the preview database's admin secret`,
            assumeRolePolicy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": account } },
                }],
            }),
            ...roleScope(args.roles, EXECUTION_ROLE_SUBPATH),
        }, parent);
        const executionPolicy = new aws.iam.RolePolicy(`${name}-execution`, {
            role: executionRole.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${logGroup.arn}:*` },
                    { Sid: "AdminSecret", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: this.adminSecrets.arn },
                ],
            }),
        }, parent);
        this.taskDefinition = new aws.ecs.TaskDefinition(`${name}-task`, {
            family: `${pulumi.getProject()}-${pulumi.getStack()}-${DATABASE_CONTAINER}`,
            networkMode: "awsvpc",
            requiresCompatibilities: ["FARGATE"],
            runtimePlatform: { cpuArchitecture: args.architecture, operatingSystemFamily: "LINUX" },
            cpu: "256",
            memory: "512",
            executionRoleArn: executionRole.arn,
            volumes: [{ name: "tmp", configureAtLaunch: false }],
            containerDefinitions: pulumi.jsonStringify([{
                name: DATABASE_CONTAINER,
                image: this.setupContainer.image,
                essential: true,
                entryPoint: this.setupContainer.entryPoint,
                command: this.setupContainer.command,
                readonlyRootFilesystem: true,
                mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
                environment: Object.keys(environment).sort().map((k) => ({ name: k, value: environment[k] })),
                secrets: Object.keys(secrets).sort().map((k) => ({ name: k, valueFrom: pulumi.interpolate`${this.adminSecrets.arn}:${secrets[k]}::` })),
                logConfiguration: {
                    logDriver: "awslogs",
                    options: {
                        "awslogs-group": logGroup.name, "awslogs-region": region, "awslogs-stream-prefix": DATABASE_CONTAINER,
                        mode: "non-blocking", "max-buffer-size": "25m",
                    },
                },
            }]),
        }, { parent: this, dependsOn: [executionPolicy] });
        this.taskFamily = this.taskDefinition.family;
        this.logGroupName = logGroup.name;
        this.registerOutputs({ databaseUrl: this.databaseUrl, taskFamily: this.taskFamily, logGroupName: this.logGroupName });
    }
}
