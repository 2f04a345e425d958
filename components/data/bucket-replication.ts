/**
 * S3 cross-region replication for a PrivateBucket: the role S3 replicates as (scoped to the two
 * buckets and their keys) and the replication configuration. `storage.ts` makes the replica bucket
 * and calls this; it holds no resource of its own.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RoleScope, roleScope } from "../role-scope";

/** One side of the replication, as a PrivateBucket has it. */
export interface ReplicationEnd {
    arn: pulumi.Input<string>;
    /** Replication can be configured only once versioning is on, on both sides. */
    versioning: aws.s3.BucketVersioning;
    /** The bucket's own key, when its objects are SSE-KMS. */
    kmsKeyArn?: pulumi.Input<string>;
}

/** The source side also names its bucket (the configuration's target). */
export interface ReplicationSource extends ReplicationEnd {
    bucketName: pulumi.Input<string>;
}

/**
 * Creates `${name}-replication` (role, its policy, the replication configuration) under `parent`.
 * `child` gives the configuration the source bucket's options (protect in prod, deletedWith).
 */
export function replicateBucket(
    parent: pulumi.ComponentResource, name: string, source: ReplicationSource, replica: ReplicationEnd, replicaRegion: string,
    child: (dependsOn?: pulumi.Resource[]) => pulumi.CustomResourceOptions, roles?: RoleScope,
): aws.s3.BucketReplicationConfig {
    const sourceRegion = aws.getRegionOutput({}, { parent }).region;
    // S3 assumes the role. No source conditions: only this account can hand S3 this role (iam:PassRole
    // does not cross accounts), and the role can do nothing beyond these two buckets and keys.
    const role = new aws.iam.Role(`${name}-replication`, {
        description: `S3 replicates the ${name} bucket to ${replicaRegion} with this`,
        ...roleScope(roles),
        assumeRolePolicy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
    }, { parent });
    const statements: pulumi.Input<Record<string, unknown>>[] = [
        // ListBucket: S3 needs it to see delete markers.
        { Sid: "ReadReplicationConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: source.arn },
        {
            Sid: "ReadSourceVersions", Effect: "Allow",
            Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            Resource: pulumi.interpolate`${source.arn}/*`,
        },
        {
            Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            Resource: pulumi.interpolate`${replica.arn}/*`,
        },
    ];
    if (source.kmsKeyArn && replica.kmsKeyArn) {
        statements.push(
            {
                Sid: "DecryptSourceThroughS3", Effect: "Allow", Action: "kms:Decrypt", Resource: source.kmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${sourceRegion}.amazonaws.com` } },
            },
            {
                Sid: "EncryptReplicasThroughS3", Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey"], Resource: replica.kmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": `s3.${replicaRegion}.amazonaws.com` } },
            },
        );
    }
    const policy = new aws.iam.RolePolicy(`${name}-replication`, {
        role: role.id,
        policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }),
    }, { parent });

    const replicaKey = source.kmsKeyArn !== undefined ? replica.kmsKeyArn : undefined;
    return new aws.s3.BucketReplicationConfig(`${name}-replication`, {
        bucket: source.bucketName,
        role: role.arn,
        rules: [{
            id: "replicate-everything",
            status: "Enabled",
            // S3 asks a V2 rule for its priority (one rule: any number); set, so it reads back the same.
            priority: 1,
            // A V2 rule (with a filter) for the whole bucket. `prefix: ""` rather than an empty filter:
            // the provider sends it as is, and reads it back without a diff.
            filter: { prefix: "" },
            // A deletion in the app is one in the replica too (as a delete marker; the version stays
            // until the lifecycle rule expires it), so a restore from the replica brings back no
            // deleted file.
            deleteMarkerReplication: { status: "Enabled" },
            // SSE-KMS objects are replicated only when asked, and re-encrypted with the replica's key.
            ...(replicaKey ? { sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } } } : {}),
            destination: {
                bucket: replica.arn,
                storageClass: "STANDARD",
                ...(replicaKey ? { encryptionConfiguration: { replicaKmsKeyId: replicaKey } } : {}),
            },
        }],
        // Both buckets versioned first (S3 refuses the configuration otherwise), the role able to act.
    }, child([source.versioning, replica.versioning, policy]));
}
