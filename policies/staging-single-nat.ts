/**
 * staging-single-nat (advisory): a non-production stack needs one NAT gateway, not one per AZ.
 * A NAT gateway costs about $32.85/month plus $0.045/GB, so one per AZ in staging is most of its
 * bill. NAT instances (a forwarding interface with source/destination check off, which the
 * private routes point at) are not counted: at about $7.36/month each (a t4g.nano, its disk and
 * its address) one per AZ is what keeps every AZ's egress when another AZ fails, and the staging
 * profile runs them that way.
 */
import { StackValidationPolicy } from "@pulumi/policy";
import { isProdStack, ofTypes, stackConfigSchema, stackOf } from "./helpers";

export const NAT_MONTHLY_USD = 32.85;
/** t4g.nano ($3.07) + 8 GB gp3 ($0.64) + its Elastic IP ($3.65), us-east-1. */
export const NAT_INSTANCE_MONTHLY_USD = 7.36;

export const stagingSingleNat: StackValidationPolicy = {
    name: "staging-single-nat",
    description: "Non-production stacks use at most one NAT gateway (NAT instances may run one per AZ).",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps: "Set groundwork:natGateways to \"single\" for a non-prod stack on NAT gateways, or groundwork:egress to \"natInstance\" (one per AZ at ~$7.36/month each).",
    configSchema: { properties: { ...stackConfigSchema } },
    validateStack: (args, report) => {
        if (isProdStack(args)) args.notApplicable("Production stacks keep one NAT per AZ.");
        const gateways = ofTypes(args.resources, ["aws:ec2/natGateway:NatGateway"]);
        if (gateways.length > 1) {
            const monthly = gateways.length * NAT_MONTHLY_USD;
            const instances = gateways.length * NAT_INSTANCE_MONTHLY_USD;
            report(`Stack "${stackOf(args)}" runs ${gateways.length} NAT gateways (about $${monthly.toFixed(2)}/month before data). `
                + `A non-prod stack needs one: set groundwork:natGateways to "single" to save $${(monthly - NAT_MONTHLY_USD).toFixed(2)}/month, `
                + `or groundwork:egress to "natInstance" to keep one per AZ for about $${instances.toFixed(2)}/month.`, gateways[1].urn);
        }
    },
};
