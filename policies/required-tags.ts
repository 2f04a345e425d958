/**
 * required-tags (advisory): AWS resources carry the app/stack/managed-by tags, normally through
 * the provider's defaultTags.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { label, parseJson } from "./helpers";

export const DEFAULT_REQUIRED_TAGS = ["app", "stack", "managed-by"];

function tagKeys(v: unknown): string[] {
    return v && typeof v === "object" ? Object.keys(v as Record<string, unknown>) : [];
}

/** Tag keys of a provider's defaultTags; provider inputs arrive JSON-encoded. */
function defaultTagKeys(providerProps: Record<string, unknown> | undefined): string[] {
    return tagKeys((parseJson(providerProps?.defaultTags) as { tags?: unknown } | undefined)?.tags);
}

export const requiredTags: ResourceValidationPolicy = {
    name: "required-tags",
    description: "AWS resources carry the app, stack and managed-by tags (via the provider's defaultTags).",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps: "Set defaultTags: { tags: { app, stack, \"managed-by\": \"pulumi\" } } on the aws.Provider.",
    configSchema: {
        properties: {
            requiredTags: { type: "array", items: { type: "string" }, default: DEFAULT_REQUIRED_TAGS, description: "Tag keys every AWS resource carries." },
        },
    },
    validateResource: (args, report) => {
        const required = args.getConfig<{ requiredTags?: string[] }>().requiredTags ?? DEFAULT_REQUIRED_TAGS;
        if (args.type === "pulumi:providers:aws") {
            const missing = required.filter((k) => !defaultTagKeys(args.props).includes(k));
            if (missing.length) report(`AWS provider "${args.name}" does not tag resources with ${missing.join(", ")}. Add them to defaultTags.tags.`);
            return;
        }
        if (!args.type.startsWith("aws:")) args.notApplicable("Only AWS resources are tagged this way.");
        // Resources without a tags input (most configuration resources) cannot carry tags.
        if (!("tags" in args.props)) return;
        const fromProvider = defaultTagKeys(args.provider?.props);
        const missing = required.filter((k) => !fromProvider.includes(k) && !tagKeys(args.props.tags).includes(k));
        if (missing.length) report(`${label(args)} is missing tags ${missing.join(", ")}. Set them in the provider's defaultTags or in tags.`);
    },
};
