/**
 * encryption-at-rest: databases, caches, volumes and buckets are encrypted at rest. Buckets get
 * their default encryption from a separate resource, so that part is a stack check. Fargate task
 * storage is always encrypted by AWS and has no switch to check.
 */
import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { BUCKET_TYPES, ResourceAndStackPolicy, asArray, bucketConfigs, isTrue, label, ofTypes } from "./helpers";

const SSE_TYPES = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const SSE_ALGORITHMS = ["aws:kms", "aws:kms:dsse", "AES256"];

interface SseRule { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } | { sseAlgorithm?: string }[] }

function encryptsByDefault(rules: unknown): boolean {
    return asArray(rules as SseRule[]).some((r) =>
        asArray(r.applyServerSideEncryptionByDefault).some((d) => SSE_ALGORITHMS.includes(d?.sseAlgorithm ?? "")));
}

export const encryptionAtRest: ResourceAndStackPolicy = {
    name: "encryption-at-rest",
    description: "RDS, ElastiCache, EBS, EFS and S3 data is encrypted at rest.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set storageEncrypted: true (RDS), atRestEncryptionEnabled: true (ElastiCache), encrypted: true (EBS, EFS, "
        + "launch template block devices) and give every bucket an aws.s3.BucketServerSideEncryptionConfiguration "
        + "with sseAlgorithm \"aws:kms\" or \"AES256\".",
    validateResource: [
        validateResourceOfType(aws.rds.Instance, (db, args, report) => {
            // A read replica takes its encryption from the source instance.
            if (db.replicateSourceDb) return;
            if (!isTrue(db.storageEncrypted)) {
                report(`RDS instance "${args.name}" stores data unencrypted (storageEncrypted defaults to false). Set storageEncrypted: true, ideally with kmsKeyId.`);
            }
        }),
        validateResourceOfType(aws.rds.Cluster, (c, args, report) => {
            if (!isTrue(c.storageEncrypted)) report(`RDS cluster "${args.name}" is not encrypted at rest. Set storageEncrypted: true.`);
        }),
        validateResourceOfType(aws.elasticache.ReplicationGroup, (rg, args, report) => {
            if (!isTrue(rg.atRestEncryptionEnabled)) {
                report(`Replication group "${args.name}" does not encrypt data at rest. Set atRestEncryptionEnabled: true.`);
            }
        }),
        validateResourceOfType(aws.ebs.Volume, (v, args, report) => {
            if (!isTrue(v.encrypted)) report(`EBS volume "${args.name}" is not encrypted. Set encrypted: true.`);
        }),
        validateResourceOfType(aws.efs.FileSystem, (fs, args, report) => {
            if (!isTrue(fs.encrypted)) report(`EFS file system "${args.name}" is not encrypted. Set encrypted: true.`);
        }),
        validateResourceOfType(aws.ec2.Instance, (i, args, report) => {
            if (i.rootBlockDevice && !isTrue(i.rootBlockDevice.encrypted)) {
                report(`EC2 instance "${args.name}" has an unencrypted root volume. Set rootBlockDevice.encrypted: true.`);
            }
            if (asArray(i.ebsBlockDevices).some((d) => !isTrue(d.encrypted))) {
                report(`EC2 instance "${args.name}" has unencrypted EBS block devices. Set encrypted: true on each.`);
            }
        }),
        validateResourceOfType(aws.ec2.LaunchTemplate, (lt, args, report) => {
            const plain = asArray(lt.blockDeviceMappings).filter((m) => m.ebs && !isTrue(m.ebs.encrypted));
            if (plain.length > 0) {
                report(`Launch template "${args.name}" maps unencrypted EBS volumes (${plain.map((m) => m.deviceName ?? "?").join(", ")}). Set ebs.encrypted: "true".`);
            }
        }),
    ],
    validateStack: (args, report) => {
        const buckets = ofTypes(args.resources, BUCKET_TYPES);
        if (buckets.length === 0) args.notApplicable("No S3 bucket in the stack.");
        for (const b of buckets) {
            const inline = (b.props.serverSideEncryptionConfiguration as { rules?: unknown } | undefined)?.rules
                ?? (b.props.serverSideEncryptionConfigurations as { rules?: unknown }[] | undefined)?.flatMap((c) => asArray(c.rules as unknown[]));
            const configs = bucketConfigs(b, args.resources, SSE_TYPES);
            if (!encryptsByDefault(inline) && !configs.some((c) => encryptsByDefault(c.props.rules))) {
                report(`${label(b)} has no default encryption configuration. Add aws.s3.BucketServerSideEncryptionConfiguration `
                    + `{ rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] }.`, b.urn);
            }
        }
    },
};
