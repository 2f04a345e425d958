/**
 * prod-data-protection: in a production stack, nothing holding data can be lost by one command:
 * databases keep deletion protection, 7+ days of backups (point-in-time recovery) and a final
 * snapshot; buckets are versioned; data resources carry `protect`. Staging is exempt.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { BUCKET_TYPES, StackAwareConfig, bucketConfigs, isProdStack, isTrue, label, ofTypes, stackConfigSchema, stackOf } from "./helpers";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const DATA_TYPES = [RDS_INSTANCE, "aws:rds/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup", ...BUCKET_TYPES];
const VERSIONING_TYPES = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];
export const DEFAULT_MIN_BACKUP_DAYS = 7;

export interface ProdDataProtectionConfig extends StackAwareConfig {
    minBackupRetentionDays?: number;
}

export const prodDataProtection: StackValidationPolicy = {
    name: "prod-data-protection",
    description: "In prod, databases have deletion protection, backups and a final snapshot; buckets are versioned; data resources are protected.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "For the prod profile set deletionProtection: true, backupRetentionPeriod >= 7, skipFinalSnapshot: false with a "
        + "finalSnapshotIdentifier on RDS; add aws.s3.BucketVersioning with status \"Enabled\" to every bucket; "
        + "register databases, caches and buckets with { protect: true }.",
    configSchema: {
        properties: {
            ...stackConfigSchema,
            minBackupRetentionDays: { type: "integer", default: DEFAULT_MIN_BACKUP_DAYS, description: "Minimum RDS backup retention in prod." },
        },
    },
    validateStack: (args, report) => {
        if (!isProdStack(args)) args.notApplicable(`Stack "${stackOf(args)}" is not a production stack.`);
        const minDays = args.getConfig<ProdDataProtectionConfig>().minBackupRetentionDays ?? DEFAULT_MIN_BACKUP_DAYS;
        for (const db of ofTypes(args.resources, [RDS_INSTANCE])) {
            const p = db.props;
            if (!isTrue(p.deletionProtection)) {
                report(`${label(db)} has no deletion protection in prod. Set deletionProtection: true.`, db.urn);
            }
            // A read replica has no backups of its own; its source does.
            if (!p.replicateSourceDb && !(Number(p.backupRetentionPeriod ?? 0) >= minDays)) {
                report(`${label(db)} keeps ${p.backupRetentionPeriod ?? 0} days of backups; prod needs at least ${minDays} for point-in-time recovery. `
                    + `Set backupRetentionPeriod: ${minDays} or more.`, db.urn);
            }
            if (isTrue(p.skipFinalSnapshot) || !p.finalSnapshotIdentifier) {
                report(`${label(db)} would be deleted without a final snapshot. Set skipFinalSnapshot: false and a finalSnapshotIdentifier.`, db.urn);
            }
        }
        for (const b of ofTypes(args.resources, BUCKET_TYPES)) {
            const inline = (b.props.versioning as { enabled?: boolean } | undefined)?.enabled;
            const versioned = isTrue(inline) || bucketConfigs(b, args.resources, VERSIONING_TYPES)
                .some((v) => (v.props.versioningConfiguration as { status?: string } | undefined)?.status === "Enabled");
            if (!versioned) {
                report(`${label(b)} is not versioned, so an overwrite or delete loses data. Add aws.s3.BucketVersioning { versioningConfiguration: { status: "Enabled" } }.`, b.urn);
            }
        }
        for (const r of ofTypes(args.resources, DATA_TYPES) as PolicyResource[]) {
            if (!r.opts.protect) {
                report(`${label(r)} holds prod data but is not protected, so \`pulumi destroy\` or a replacement would delete it. Register it with { protect: true }.`, r.urn);
            }
        }
    },
};
