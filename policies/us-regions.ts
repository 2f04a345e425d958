/**
 * us-regions: every AWS provider and every resource's own `region` in an allowed US region, and
 * Vercel functions pinned to US regions. The allowed lists are policy config.
 */
import * as vercel from "@pulumiverse/vercel";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { asArray, label } from "./helpers";
import { AWS_US_REGIONS, VERCEL_US_REGIONS } from "./tables";

export const DEFAULT_AWS_REGIONS: string[] = [...AWS_US_REGIONS];
export const DEFAULT_VERCEL_REGIONS: string[] = [...VERCEL_US_REGIONS];

export interface UsRegionsConfig {
    allowedRegions?: string[];
    allowedVercelRegions?: string[];
}

export const usRegions: ResourceValidationPolicy = {
    name: "us-regions",
    description: "AWS providers, per-resource regions and Vercel functions stay in US regions.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set aws:region (or the aws.Provider's region) to one of the allowed US regions, leave resources' own `region` unset, "
        + "and set the Vercel project's resourceConfig.functionDefaultRegions to US regions such as [\"iad1\"].",
    configSchema: {
        properties: {
            allowedRegions: {
                type: "array", items: { type: "string" }, default: DEFAULT_AWS_REGIONS,
                description: "AWS regions resources may live in.",
            },
            allowedVercelRegions: {
                type: "array", items: { type: "string" }, default: DEFAULT_VERCEL_REGIONS,
                description: "Vercel function regions.",
            },
        },
    },
    validateResource: [
        (args, report) => {
            const allowed = args.getConfig<UsRegionsConfig>().allowedRegions ?? DEFAULT_AWS_REGIONS;
            if (args.type === "pulumi:providers:aws") {
                const region = args.props.region;
                if (typeof region !== "string" || region === "") {
                    report(`AWS provider "${args.name}" has no region, so it would use whatever region the environment sets. `
                        + `Set region explicitly to one of ${allowed.join(", ")}.`);
                } else if (!allowed.includes(region)) {
                    report(`AWS provider "${args.name}" deploys to ${region}, outside the allowed US regions. `
                        + `Set region to one of ${allowed.join(", ")}.`);
                }
                return;
            }
            if (!args.type.startsWith("aws:")) args.notApplicable("Only AWS providers and AWS resources carry an AWS region.");
            const region = args.props.region;
            if (typeof region === "string" && region !== "" && !allowed.includes(region)) {
                report(`${label(args)} sets region ${region}, outside the allowed US regions. `
                    + `Remove the per-resource region (let the provider's apply) or use one of ${allowed.join(", ")}.`);
            }
        },
        validateResourceOfType(vercel.Project, (project, args, report) => {
            const allowed = args.getConfig<UsRegionsConfig>().allowedVercelRegions ?? DEFAULT_VERCEL_REGIONS;
            const regions = asArray(project.resourceConfig?.functionDefaultRegions);
            if (regions.length === 0 && !project.serverlessFunctionRegion) {
                report(`Vercel project "${args.name}" does not pin its function regions, so the team default applies. `
                    + `Set resourceConfig.functionDefaultRegions to US regions, e.g. ["iad1"].`);
            }
            const bad = [...regions, ...asArray(project.serverlessFunctionRegion)].filter((r) => !allowed.includes(r));
            if (bad.length > 0) {
                report(`Vercel project "${args.name}" runs functions in ${bad.join(", ")}, outside the US. `
                    + `Use only ${allowed.join(", ")} in resourceConfig.functionDefaultRegions.`);
            }
        }),
    ],
};
