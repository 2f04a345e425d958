/**
 * rds-force-ssl: Postgres parameter groups set `rds.force_ssl = 1`, and every Postgres instance
 * uses such a group from this stack (a stack check: the instance names its group by value).
 */
import * as aws from "@pulumi/aws";
import { PolicyResource, ReportViolation, ResourceValidationArgs, validateResourceOfType } from "@pulumi/policy";
import { ResourceAndStackPolicy, asArray, label, linkedTo, ofTypes } from "./helpers";

const PARAMETER_GROUP_TYPES = ["aws:rds/parameterGroup:ParameterGroup"];

interface ParameterGroupProps {
    family?: string;
    parameters?: { name?: string; value?: string | number }[];
}

function isPostgresFamily(family: unknown): boolean {
    return typeof family === "string" && /postgres/i.test(family);
}

/** True when the group's parameters set rds.force_ssl to 1. */
export function forcesSsl(pg: ParameterGroupProps): boolean {
    return asArray(pg.parameters).some((p) => p.name === "rds.force_ssl" && String(p.value).trim() === "1");
}

function checkGroup(pg: ParameterGroupProps, args: ResourceValidationArgs, report: ReportViolation) {
    if (!isPostgresFamily(pg.family)) return;
    if (!forcesSsl(pg)) {
        report(`Parameter group "${args.name}" (${pg.family}) does not set rds.force_ssl = 1, so clients may connect without TLS. `
            + `Add { name: "rds.force_ssl", value: "1" } to parameters.`);
    }
}

export const rdsForceSsl: ResourceAndStackPolicy = {
    name: "rds-force-ssl",
    description: "Postgres on RDS accepts only TLS connections (rds.force_ssl = 1 in the instance's parameter group).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Create an aws.rds.ParameterGroup for the Postgres family with parameters [{ name: \"rds.force_ssl\", value: \"1\" }] "
        + "and set the instance's parameterGroupName to that group's name.",
    validateResource: [
        validateResourceOfType(aws.rds.ParameterGroup, (pg, args, report) => checkGroup(pg as ParameterGroupProps, args, report)),
        validateResourceOfType(aws.rds.ClusterParameterGroup, (pg, args, report) => checkGroup(pg as ParameterGroupProps, args, report)),
    ],
    validateStack: (args, report) => {
        const groups = ofTypes(args.resources, PARAMETER_GROUP_TYPES);
        const instances = args.resources.filter((r: PolicyResource) => r.type === "aws:rds/instance:Instance" && r.props.engine === "postgres");
        if (instances.length === 0) args.notApplicable("No Postgres RDS instance in the stack.");
        for (const db of instances) {
            if (!db.props.parameterGroupName) {
                report(`${label(db)} uses the engine's default parameter group, which this stack cannot verify forces TLS. `
                    + `Set parameterGroupName to a parameter group with rds.force_ssl = 1.`, db.urn);
                continue;
            }
            const pg = linkedTo(db, "parameterGroupName", groups, ["name", "id"]);
            if (!pg) {
                report(`${label(db)} uses parameter group "${db.props.parameterGroupName}", which is not managed by this stack, so rds.force_ssl cannot be verified. `
                    + `Create the group here with rds.force_ssl = 1 and reference it.`, db.urn);
            } else if (!forcesSsl(pg.props as ParameterGroupProps)) {
                report(`${label(db)} uses parameter group "${pg.name}", which does not set rds.force_ssl = 1. `
                    + `Add { name: "rds.force_ssl", value: "1" } to that group.`, db.urn);
            }
        }
    },
};
