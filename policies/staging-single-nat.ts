/**
 * staging-single-nat (advisory): a non-production stack needs one NAT gateway, not one per AZ;
 * each costs about $32.85/month plus $0.045/GB.
 */
import { StackValidationPolicy } from "@pulumi/policy";
import { isProdStack, ofTypes, stackConfigSchema, stackOf } from "./helpers";

export const NAT_MONTHLY_USD = 32.85;

export const stagingSingleNat: StackValidationPolicy = {
    name: "staging-single-nat",
    description: "Non-production stacks use a single NAT gateway.",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps: "Set groundwork:natGateways to \"single\" (the staging profile default) for non-prod stacks.",
    configSchema: { properties: { ...stackConfigSchema } },
    validateStack: (args, report) => {
        if (isProdStack(args)) args.notApplicable("Production stacks keep one NAT gateway per AZ.");
        const nats = ofTypes(args.resources, ["aws:ec2/natGateway:NatGateway"]);
        if (nats.length > 1) {
            report(`Stack "${stackOf(args)}" runs ${nats.length} NAT gateways (about $${(nats.length * NAT_MONTHLY_USD).toFixed(2)}/month before data). `
                + `A non-prod stack needs one: set groundwork:natGateways to "single" to save $${((nats.length - 1) * NAT_MONTHLY_USD).toFixed(2)}/month.`, nats[1].urn);
        }
    },
};
