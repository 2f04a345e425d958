/**
 * staging-single-nat (advisory): a non-production stack needs one NAT, not one per AZ. A NAT
 * gateway costs about $32.85/month plus $0.045/GB; a NAT instance (a forwarding interface with
 * source/destination check off, which the private routes point at) about $7.36/month with a
 * t4g.nano, its disk and its address.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { isProdStack, ofTypes, stackConfigSchema, stackOf } from "./helpers";

export const NAT_MONTHLY_USD = 32.85;
/** t4g.nano ($3.07) + 8 GB gp3 ($0.64) + its Elastic IP ($3.65), us-east-1. */
export const NAT_INSTANCE_MONTHLY_USD = 7.36;

export const stagingSingleNat: StackValidationPolicy = {
    name: "staging-single-nat",
    description: "Non-production stacks use a single NAT (gateway or instance).",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps: "Set groundwork:natGateways to \"single\" (the staging profile default) for non-prod stacks.",
    configSchema: { properties: { ...stackConfigSchema } },
    validateStack: (args, report) => {
        if (isProdStack(args)) args.notApplicable("Production stacks keep one NAT per AZ.");
        const gateways = ofTypes(args.resources, ["aws:ec2/natGateway:NatGateway"]);
        // A NAT instance's static interface forwards others' traffic: source/dest check is off.
        const instances = ofTypes(args.resources, ["aws:ec2/networkInterface:NetworkInterface"]).filter((eni) => eni.props.sourceDestCheck === false);
        const nats: PolicyResource[] = [...gateways, ...instances];
        if (nats.length > 1) {
            const monthly = (n: number, g: number) => g * NAT_MONTHLY_USD + (n - g) * NAT_INSTANCE_MONTHLY_USD;
            const kinds = [gateways.length ? `${gateways.length} NAT gateway${gateways.length > 1 ? "s" : ""}` : "",
                instances.length ? `${instances.length} NAT instance${instances.length > 1 ? "s" : ""}` : ""].filter(Boolean).join(" and ");
            // Keeping one: the cheaper kind if both are present.
            const keep = instances.length ? NAT_INSTANCE_MONTHLY_USD : NAT_MONTHLY_USD;
            report(`Stack "${stackOf(args)}" runs ${kinds} (about $${monthly(nats.length, gateways.length).toFixed(2)}/month before data). `
                + `A non-prod stack needs one: set groundwork:natGateways to "single" to save $${(monthly(nats.length, gateways.length) - keep).toFixed(2)}/month.`, nats[1].urn);
        }
    },
};
