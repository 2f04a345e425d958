/**
 * The stack's PostgreSQL database on RDS: private, TLS-only, encrypted with its own KMS key,
 * backed up with point-in-time recovery, and (in prod) Multi-AZ, protected from deletion and
 * with its automated backups copied to a second US region.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LOG_RETENTION_DAYS } from "../config/defaults";
import { SecondRegion, checkSecondRegion } from "./second-region";

/** PostgreSQL's port; the security group (components/security-groups.ts) opens this one only. */
export const POSTGRES_PORT = 5432;

/** The logs the instance exports to CloudWatch; RDS writes each to `/aws/rds/instance/<identifier>/<log>`. */
const EXPORTED_LOGS = ["postgresql", "upgrade"] as const;

/** User names RDS reserves or that every scanner tries first. */
const WELL_KNOWN_USERS = ["postgres", "admin", "rdsadmin", "root", "administrator", "master"];

export interface DatabaseArgs {
    /**
     * Private subnets (two or more AZs) the DB subnet group spans. Never public ones: the
     * instance is reachable only from inside the VPC.
     * @example network.privateSubnetIds
     */
    subnetIds: pulumi.Input<string>[];
    /**
     * The database's security group (5432 from the api and worker groups only), created by
     * `SecurityGroups`; this component creates none.
     * @example sg.databaseSecurityGroupId
     */
    securityGroupId: pulumi.Input<string>;
    /**
     * PostgreSQL major version. A major only: RDS picks the newest minor and applies minor
     * upgrades in the maintenance window, and the provider does not report that as drift.
     *
     * Changing it is a major-version upgrade (docs/runbooks/postgres-upgrade.md). The parameter
     * group's family (`postgres<major>`) changes with it, so a new group replaces the old one
     * (it holds no data and is not protected; prod keeps the old one in AWS, `retainOnDelete`):
     * 1. `pulumi config set dbEngineVersion 17 --stack prod`;
     * 2. `pulumi preview --diff`: the parameter group is replaced, the instance only *updated*;
     * 3. `pulumi up`. The instance always carries `allowMajorVersionUpgrade: true`, which RDS and
     *    the provider require for a major change; it upgrades nothing by itself.
     * The upgrade runs during that `up` (`applyImmediately`), the database down while it runs
     * (10-30 minutes): run it at a quiet hour.
     * @default "17" (from the stack's profile)
     * @example "16"
     */
    engineVersion: "16" | "17";
    /**
     * RDS instance class (Graviton). A change applies during the `pulumi up` that makes it: in
     * Multi-AZ RDS resizes the standby and fails over (about a minute of refused connections),
     * single-AZ it reboots (several minutes down); docs/runbooks/database-and-cache-changes.md.
     * Cost (us-east-1, per month, single-AZ; twice for Multi-AZ):
     * db.t4g.micro $11.68, db.t4g.small $23.36, db.t4g.medium $47.45.
     * @default "db.t4g.micro" (staging), "db.t4g.medium" (prod)
     * @example "db.m7g.large"
     */
    instanceClass: string;
    /**
     * Initial gp3 storage in GiB (20 is gp3's minimum). Raising it grows the volume online during
     * the `up` (no restart; RDS allows the next storage change after six hours). Autoscaling grows
     * it too, and the provider does not report that as drift; the free-storage alarm's threshold
     * derives from this figure, so after growth set it to the current size with `pulumi up --refresh`
     * (docs/runbooks/database-and-cache-changes.md). Cost: $0.115/GiB-month (twice for Multi-AZ).
     * @default 20 (staging), 50 (prod)
     * @example 100
     */
    allocatedStorage: number;
    /**
     * Ceiling for storage autoscaling in GiB; RDS grows the volume up to this when it runs low.
     * @default 50 (staging), 500 (prod)
     * @example 1000
     */
    maxAllocatedStorage: number;
    /**
     * Days of automated backups, which also set the point-in-time-recovery window (1-35).
     * Backup storage up to the database's size is free; beyond it $0.095/GiB-month.
     * @default 7 (staging), 14 (prod)
     * @example 30
     */
    backupRetentionDays: number;
    /**
     * A standby in a second AZ with automatic failover. Doubles the instance and storage cost.
     * @default false (staging), true (prod)
     * @example true
     */
    multiAz: boolean;
    /**
     * RDS-side deletion protection: a delete fails until this is turned off.
     * @default false (staging), true (prod)
     * @example true
     */
    deletionProtection: boolean;
    /**
     * Name of the database created with the instance (the path of `DATABASE_URL`).
     * @default "app"
     * @example "acme"
     */
    dbName: string;
    /**
     * Master user name; never `postgres` or `admin` (the first names any scanner tries).
     * @default "app_owner"
     * @example "acme_owner"
     */
    username: string;
    /**
     * What a delete may take. true (prod): `protect` + `retainOnDelete` on the instance, its
     * parameter group, subnet group and KMS keys, so neither a mistaken `pulumi destroy` nor a
     * removed line deletes the data; automated backups outlive the instance (until they expire).
     * false (staging): a destroy deletes the instance and its automated backups, and leaves one
     * final snapshot, restorable, because the KMS key that encrypts it is kept (`retainOnDelete`,
     * $1/month until deleted by hand: README, "What a destroy does").
     * @default false (staging), true (prod)
     * @example true
     */
    protect: boolean;
    /**
     * The RDS instance identifier (also the first label of its endpoint). Explicit, not autonamed,
     * because RDS names the log groups of the exported logs after it
     * (`/aws/rds/instance/<identifier>/postgresql`): this component creates them first, with a
     * retention, instead of letting RDS create them with none. Lowercase letters, digits and
     * single hyphens, 1-63 characters, starting with a letter. Changing it renames the instance in
     * place (a reboot, during that `up`) and changes the endpoint, so `DATABASE_URL`.
     * @default "<project>-<stack>-<name>"
     * @example "groundwork-prod-db"
     */
    identifier?: string;
    /**
     * Days CloudWatch keeps the exported `postgresql` and `upgrade` logs (one of CloudWatch's
     * retention periods). Cost: $0.50/GB ingested + $0.03/GB-month stored.
     * @default none (config: 14 in staging, 90 in prod)
     * @example 30
     */
    logRetentionDays: number;
    /**
     * Start of the name of the snapshot RDS takes when the instance is deleted; the component
     * appends `-<8 hex digits>` drawn once per instance life (see `finalSnapshotId`). At most 246
     * characters: letters, digits and single hyphens, starting with a letter.
     * @default "<project>-<stack>-<name>-final"
     * @example "acme-prod-db-final"
     */
    finalSnapshotPrefix?: string;
    /**
     * Copy the automated backups (daily snapshots and transaction logs, so point-in-time
     * recovery too) to a second US region, encrypted with a KMS key of that region, kept as long
     * as `backupRetentionDays`; docs/runbooks/region-restore.md restores from them.
     * Cost: $1/month for the key; replicated backup storage $0.095/GB-month and $0.02/GB copied
     * across regions (usage: not in the plan's total).
     * @default undefined (no copy; config: prod copies to us-west-2 from an east region, to us-east-2 from a west one)
     * @example { region: "us-west-2", provider: providers.awsBackup }
     */
    backupReplica?: SecondRegion;
}

/** Checks the args before any resource exists; each error names the arg and shows a good value. */
function validate(name: string, args: DatabaseArgs): void {
    const fail = (arg: string, msg: string, example: string) => {
        throw new Error(`Database "${name}": ${arg} ${msg}. Example: ${example}`);
    };
    if (args.engineVersion !== "16" && args.engineVersion !== "17") fail("engineVersion", `must be "16" or "17", got "${String(args.engineVersion)}"`, "\"17\"");
    if (!Number.isInteger(args.allocatedStorage) || args.allocatedStorage < 20) fail("allocatedStorage", `must be a whole number of GiB >= 20 (gp3's minimum), got ${args.allocatedStorage}`, "50");
    if (!Number.isInteger(args.maxAllocatedStorage) || args.maxAllocatedStorage < args.allocatedStorage) {
        fail("maxAllocatedStorage", `must be a whole number >= allocatedStorage (${args.allocatedStorage}), got ${args.maxAllocatedStorage}`, "500");
    }
    if (!Number.isInteger(args.backupRetentionDays) || args.backupRetentionDays < 1 || args.backupRetentionDays > 35) {
        fail("backupRetentionDays", `must be 1-35 (0 would turn off backups and point-in-time recovery), got ${args.backupRetentionDays}`, "14");
    }
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(args.dbName)) fail("dbName", `must be a lowercase identifier, got "${args.dbName}"`, "app");
    if (!/^[a-z][a-z0-9_]{0,15}$/.test(args.username)) fail("username", `must be a lowercase identifier of at most 16 characters, got "${args.username}"`, "app_owner");
    if (WELL_KNOWN_USERS.includes(args.username)) fail("username", `must not be a well-known admin name, got "${args.username}"`, "app_owner");
    if (args.identifier !== undefined && !/^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$|^[a-z]$/.test(args.identifier)) {
        fail("identifier", `must be 1-63 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen, got "${args.identifier}"`, "groundwork-prod-db");
    }
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(args.logRetentionDays)) {
        fail("logRetentionDays", `must be one of CloudWatch's retention periods (${LOG_RETENTION_DAYS.join(", ")}), got ${args.logRetentionDays}`, "30");
    }
    if (args.finalSnapshotPrefix !== undefined && !/^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,244}[A-Za-z0-9]$/.test(args.finalSnapshotPrefix)) {
        fail("finalSnapshotPrefix", `must be at most 246 characters, start with a letter and hold only letters, digits and single hyphens, got "${args.finalSnapshotPrefix}"`, "acme-prod-db-final");
    }
    if (args.backupReplica) checkSecondRegion(`Database "${name}"`, "backupReplica", args.backupReplica);
}

/**
 * `<project>-<stack>-<name>-final`, reduced to what RDS accepts in a snapshot identifier and
 * short enough (246) for the `-<8 hex>` suffix within RDS's 255.
 */
function defaultFinalSnapshotPrefix(name: string): string {
    const raw = `${pulumi.getProject()}-${pulumi.getStack()}-${name}-final`;
    const cleaned = raw.replace(/[^A-Za-z0-9]+/g, "-").replace(/^[^A-Za-z]+/, "").replace(/-+$/, "");
    return cleaned.slice(0, 246).replace(/-+$/, "") || "final";
}

/** `<project>-<stack>-<name>`, reduced to what RDS accepts in an instance identifier. */
function defaultIdentifier(name: string): string {
    const raw = `${pulumi.getProject()}-${pulumi.getStack()}-${name}`.toLowerCase();
    const cleaned = raw.replace(/[^a-z0-9]+/g, "-").replace(/^[^a-z]+/, "");
    return cleaned.slice(0, 63).replace(/-+$/, "") || "db";
}

/**
 * PostgreSQL on RDS. Cost (us-east-1, per month): the instance class (db.t4g.micro $11.68, twice
 * for Multi-AZ) + gp3 storage $0.115/GiB + KMS key $1; Performance Insights at 7 days is free.
 */
export class Database extends pulumi.ComponentResource {
    /** The RDS instance (escape hatch). */
    public readonly instance: aws.rds.Instance;
    /** Parameter group with `rds.force_ssl = 1`. */
    public readonly parameterGroup: aws.rds.ParameterGroup;
    /** Subnet group over the private subnets. */
    public readonly subnetGroup: aws.rds.SubnetGroup;
    /** Customer-managed key encrypting storage, snapshots and Performance Insights. Cost: $1/month. */
    public readonly kmsKey: aws.kms.Key;
    /**
     * The random suffix of the final snapshot's name, one per instance life (its keepers are the
     * inputs that replace the instance).
     */
    public readonly finalSnapshotSuffix: random.RandomId;
    /** The name RDS gives the snapshot it takes when this instance is deleted. */
    public readonly finalSnapshotId: pulumi.Output<string>;
    /** The copy of the automated backups in the second region, when `backupReplica` is set. */
    public readonly backupReplication?: aws.rds.InstanceAutomatedBackupsReplication;
    /** The log groups RDS exports to, by log (`postgresql`, `upgrade`), each with a retention. */
    public readonly logGroups: Record<(typeof EXPORTED_LOGS)[number], aws.cloudwatch.LogGroup>;
    /** Host name of the instance. */
    public readonly endpoint: pulumi.Output<string>;
    /** RDS identifier (for alarms). */
    public readonly instanceId: pulumi.Output<string>;
    /** ARN of the KMS key that encrypts the database. */
    public readonly kmsKeyArn: pulumi.Output<string>;
    /** `postgresql://user:pass@host:5432/db?sslmode=require`, secret. */
    public readonly databaseUrl: pulumi.Output<string>;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:Database", name, {}, opts);
        validate(name, args);

        // Losing any of these loses the data or the ability to read it (a deleted key makes every
        // snapshot unreadable), so prod keeps them even if they leave the program.
        const keep: pulumi.CustomResourceOptions = args.protect ? { protect: true, retainOnDelete: true } : {};
        // A key outlives whatever it encrypts. In staging a destroy deletes the instance and its
        // automated backups but leaves the final snapshot, so the key stays too (unprotected: the
        // destroy goes through, it only drops the key from the state).
        const keyKeep: pulumi.CustomResourceOptions = args.protect ? keep : { retainOnDelete: true };

        this.kmsKey = new aws.kms.Key(`${name}-key`, {
            description: `Encrypts the ${name} PostgreSQL instance, its snapshots and Performance Insights`,
            enableKeyRotation: true,
            // The longest window: a scheduled deletion can be cancelled for a month.
            deletionWindowInDays: 30,
        }, { parent: this, ...keyKeep });

        this.subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, {
            description: `Private subnets of the ${name} PostgreSQL instance`,
            subnetIds: args.subnetIds,
        }, { parent: this, ...keep });

        this.parameterGroup = new aws.rds.ParameterGroup(`${name}-params`, {
            // Autonamed, so a major upgrade (new family) creates the new group before deleting the old.
            family: `postgres${args.engineVersion}`,
            description: `${name}: TLS-only connections`,
            parameters: [
                // Refuse any connection without TLS. The parameter is dynamic in RDS PostgreSQL, so it
                // applies without a reboot; `pending-reboot` would be needed only for static ones.
                { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
            ],
            // Kept in prod after a delete (the retained instance still uses it), never protected: it
            // holds no data, and a major upgrade must replace it (a family cannot change).
        }, { parent: this, ...(args.protect ? { retainOnDelete: true } : {}) });

        // RDS creates the log group of each exported log on first write, with no retention (logs
        // kept forever). Created here first, under the name RDS will use, they expire; the
        // instance depends on them so they exist before RDS writes. Kept in prod after a delete
        // (they hold the evidence of what happened), but not protected: losing one loses no data.
        const identifier = args.identifier ?? defaultIdentifier(name);
        const logKeep: pulumi.CustomResourceOptions = args.protect ? { retainOnDelete: true } : {};
        const logGroup = (log: (typeof EXPORTED_LOGS)[number]) => new aws.cloudwatch.LogGroup(`${name}-${log}-logs`, {
            name: `/aws/rds/instance/${identifier}/${log}`,
            retentionInDays: args.logRetentionDays,
        }, { parent: this, ...logKeep });
        this.logGroups = { postgresql: logGroup("postgresql"), upgrade: logGroup("upgrade") };

        // RDS refuses a final snapshot name that already exists in the account and region, so a
        // fixed name works once: the second delete of a re-created instance would fail (and
        // Pulumi's delete of a replaced one with it). The suffix is drawn once per instance life:
        // its keepers are exactly the inputs the provider replaces the instance for (ForceNew:
        // engine, dbName, username, kmsKeyId, storageEncrypted; the identifier is renamed in
        // place, the same life). A new instance therefore gets a new suffix in the same `up`,
        // while the old one is deleted under the name in its own state; a routine `up` changes
        // nothing, so no churn. Missing a replacing input would reuse a name; an extra keeper
        // would only rename the future snapshot in place (state only, no AWS call).
        const storageEncrypted = true;
        this.finalSnapshotSuffix = new random.RandomId(`${name}-final-snapshot`, {
            byteLength: 4,
            keepers: {
                engine: "postgres",
                dbName: args.dbName,
                username: args.username,
                kmsKeyId: this.kmsKey.arn,
                storageEncrypted: String(storageEncrypted),
            },
        }, { parent: this });
        this.finalSnapshotId = pulumi.interpolate`${args.finalSnapshotPrefix ?? defaultFinalSnapshotPrefix(name)}-${this.finalSnapshotSuffix.hex}`;

        // Alphanumeric only: safe in a URL and in every client's connection-string parser, and
        // 40 characters of [A-Za-z0-9] (~238 bits) need no special characters to be strong.
        const password = new random.RandomPassword(`${name}-password`, {
            length: 40,
            special: false,
        }, { parent: this });

        this.instance = new aws.rds.Instance(`${name}-instance`, {
            identifier,
            engine: "postgres",
            engineVersion: args.engineVersion,
            // RDS refuses a major engine change without it. Always on, because a major upgrade
            // starts only from an explicit engineVersion change in config (autoMinorVersionUpgrade
            // moves within the major), so it can never upgrade anything by surprise.
            allowMajorVersionUpgrade: true,
            // Paid extended support starts silently when a major version leaves standard support;
            // we would rather upgrade than pay for it.
            engineLifecycleSupport: "open-source-rds-extended-support-disabled",
            autoMinorVersionUpgrade: true,
            instanceClass: args.instanceClass,

            // gp3: 3,000 IOPS and 125 MiB/s baseline at any size, cheaper than gp2. Autoscaling grows
            // allocatedStorage up to the ceiling; the provider ignores that growth, so no ignoreChanges.
            storageType: "gp3",
            allocatedStorage: args.allocatedStorage,
            maxAllocatedStorage: args.maxAllocatedStorage,
            storageEncrypted,
            kmsKeyId: this.kmsKey.arn,

            dbName: args.dbName,
            username: args.username,
            password: pulumi.secret(password.result),
            // Not manageMasterUserPassword: RDS would rotate the password and leave the DATABASE_URL
            // held in Secrets Manager (and in running tasks) stale.
            port: POSTGRES_PORT,

            dbSubnetGroupName: this.subnetGroup.name,
            vpcSecurityGroupIds: [args.securityGroupId],
            publiclyAccessible: false,
            parameterGroupName: this.parameterGroup.name,
            // The current default CA, pinned so that a provider default change is not a surprise rotation.
            caCertIdentifier: "rds-ca-rsa2048-g1",

            multiAz: args.multiAz,
            deletionProtection: args.deletionProtection,
            // Backups with retention >= 1 day are also what point-in-time recovery restores from.
            backupRetentionPeriod: args.backupRetentionDays,
            // UTC; 07:00-08:00 is 2-3am US Eastern. The maintenance window follows the backup window
            // and does not overlap it (RDS rejects overlapping windows).
            backupWindow: "07:00-08:00",
            maintenanceWindow: "sun:08:30-sun:09:30",
            // Changes apply during the `up` that makes them. With false RDS queues a class or storage
            // change for the maintenance window, the provider reads the current value back, and
            // every `up` until then shows (and re-sends) the same diff. A change that restarts the
            // database (class: failover in Multi-AZ, reboot single-AZ; major version) is therefore
            // made deliberately, by running that `up` at a quiet hour:
            // docs/runbooks/database-and-cache-changes.md says what each change does.
            applyImmediately: true,
            copyTagsToSnapshot: true,
            // prod: automated backups outlive a delete (until they expire). staging: deleted with the
            // instance; the final snapshot is what a destroy leaves.
            deleteAutomatedBackups: !args.protect,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: this.finalSnapshotId,

            // 7 days of Performance Insights is the free tier; encrypted with our key.
            performanceInsightsEnabled: true,
            performanceInsightsRetentionPeriod: 7,
            performanceInsightsKmsKeyId: this.kmsKey.arn,
            enabledCloudwatchLogsExports: [...EXPORTED_LOGS],
        }, { parent: this, ...keep, dependsOn: Object.values(this.logGroups) });

        if (args.backupReplica) {
            // Made in the destination region, by its provider; the key must be that region's.
            const remote: pulumi.CustomResourceOptions = { parent: this, provider: args.backupReplica.provider };
            const backupKey = new aws.kms.Key(`${name}-backup-key`, {
                description: `Encrypts the copies of the ${name} PostgreSQL instance's automated backups in ${args.backupReplica.region}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
            }, { ...remote, ...keyKeep });
            this.backupReplication = new aws.rds.InstanceAutomatedBackupsReplication(`${name}-backup-replication`, {
                sourceDbInstanceArn: this.instance.arn,
                kmsKeyId: backupKey.arn,
                // Every argument replaces it (stop, then start): as many days as the source keeps.
                retentionPeriod: args.backupRetentionDays,
            }, {
                ...remote,
                // RDS replicates an instance's backups to one region at a time: the new replication
                // can only start once the old one has stopped.
                deleteBeforeReplace: true,
            });
        }

        const encodedPassword = password.result.apply((p) => encodeURIComponent(p));
        this.endpoint = this.instance.address;
        this.instanceId = this.instance.identifier;
        this.kmsKeyArn = this.kmsKey.arn;
        const address = this.instance.address;
        this.databaseUrl = pulumi.secret(
            pulumi.interpolate`postgresql://${args.username}:${encodedPassword}@${address}:${POSTGRES_PORT}/${args.dbName}?sslmode=require`);

        this.registerOutputs({
            endpoint: this.endpoint, instanceId: this.instanceId, kmsKeyArn: this.kmsKeyArn, databaseUrl: this.databaseUrl,
            finalSnapshotId: this.finalSnapshotId,
        });
    }
}
