/**
 * elasticache-transit-encryption: Redis/Valkey accepts only TLS (transit encryption on, mode
 * "required", never "preferred").
 */
import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { isTrue } from "./helpers";

export const elasticacheTransitEncryption: ResourceValidationPolicy = {
    name: "elasticache-transit-encryption",
    description: "ElastiCache replication groups and clusters require TLS in transit.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set transitEncryptionEnabled: true and transitEncryptionMode: \"required\" on the replication group, "
        + "and connect with rediss:// URLs.",
    validateResource: [
        validateResourceOfType(aws.elasticache.ReplicationGroup, (rg, args, report) => {
            if (!isTrue(rg.transitEncryptionEnabled)) {
                report(`Replication group "${args.name}" does not enable transit encryption, so clients talk to it in plain text. `
                    + `Set transitEncryptionEnabled: true and transitEncryptionMode: "required".`);
            } else if (rg.transitEncryptionMode === "preferred") {
                report(`Replication group "${args.name}" sets transitEncryptionMode "preferred", which still accepts plain-text clients. `
                    + `Set transitEncryptionMode: "required".`);
            }
        }),
        validateResourceOfType(aws.elasticache.Cluster, (c, args, report) => {
            // A member of a replication group takes the group's setting.
            if (c.replicationGroupId) return;
            if (c.engine !== "memcached" && !isTrue(c.transitEncryptionEnabled)) {
                report(`Cache cluster "${args.name}" does not enable transit encryption. `
                    + `Use a replication group with transitEncryptionEnabled: true and transitEncryptionMode: "required".`);
            } else if (c.engine === "memcached" && !isTrue(c.transitEncryptionEnabled)) {
                report(`Memcached cluster "${args.name}" does not enable transit encryption. Set transitEncryptionEnabled: true.`);
            }
        }),
    ],
};
