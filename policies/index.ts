/**
 * The Groundwork policy pack: `pulumi preview --policy-pack policies`. Constructing the pack
 * starts its analyzer server, so this file only assembles it; rules live in their own modules.
 */
import { PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

new PolicyPack("groundwork", {
    description: "Groundwork guardrails: US regions, TLS in transit, private and encrypted data, no open ingress, no plain secrets, protected prod data.",
    policies: rules,
});
