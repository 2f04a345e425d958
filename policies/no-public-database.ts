/** no-public-database: RDS instances are not reachable from the internet. */
import * as aws from "@pulumi/aws";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { isTrue } from "./helpers";

function check(publiclyAccessible: unknown, args: ResourceValidationArgs, report: ReportViolation) {
    if (isTrue(publiclyAccessible)) {
        report(`Database "${args.name}" is publicly accessible. Set publiclyAccessible: false and keep it in private subnets.`);
    }
}

export const noPublicDatabase: ResourceValidationPolicy = {
    name: "no-public-database",
    description: "RDS instances are not publicly accessible.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "Set publiclyAccessible: false, use a DB subnet group over private subnets, and admit only the services' security groups.",
    validateResource: [
        validateResourceOfType(aws.rds.Instance, (db, args, report) => check(db.publiclyAccessible, args, report)),
        validateResourceOfType(aws.rds.ClusterInstance, (db, args, report) => check(db.publiclyAccessible, args, report)),
    ],
};
