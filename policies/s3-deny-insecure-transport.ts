/**
 * s3-deny-insecure-transport: every bucket has a bucket policy that denies any request made
 * without TLS (`aws:SecureTransport = false`). A stack check: the policy is a separate resource.
 */
import { StackValidationPolicy } from "@pulumi/policy";
import { BUCKET_TYPES, PolicyStatement, asArray, bucketConfigs, isPublicPrincipal, label, ofTypes, statements } from "./helpers";

const BUCKET_POLICY_TYPES = ["aws:s3/bucketPolicy:BucketPolicy"];

/** A statement that denies every S3 action to anyone when the request is not over TLS. */
export function deniesInsecureTransport(s: PolicyStatement): boolean {
    if (s.Effect !== "Deny" || !isPublicPrincipal(s.Principal)) return false;
    const actions = asArray(s.Action);
    if (!actions.includes("s3:*") && !actions.includes("*")) return false;
    const bool = s.Condition?.Bool ?? s.Condition?.["Bool"];
    const v = bool?.["aws:SecureTransport"];
    return asArray(v as unknown[]).some((x) => String(x) === "false");
}

export const s3DenyInsecureTransport: StackValidationPolicy = {
    name: "s3-deny-insecure-transport",
    description: "Every S3 bucket's policy denies requests that do not use TLS.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Attach an aws.s3.BucketPolicy to the bucket with a statement { Effect: \"Deny\", Principal: \"*\", Action: \"s3:*\", "
        + "Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { \"aws:SecureTransport\": \"false\" } } }.",
    validateStack: (args, report) => {
        const buckets = ofTypes(args.resources, BUCKET_TYPES);
        if (buckets.length === 0) args.notApplicable("No S3 bucket in the stack.");
        for (const b of buckets) {
            const docs = [b.props.policy, ...bucketConfigs(b, args.resources, BUCKET_POLICY_TYPES).map((p) => p.props.policy)];
            if (!docs.some((d) => statements(d).some(deniesInsecureTransport))) {
                report(`${label(b)} has no bucket policy denying requests without TLS. `
                    + `Add a BucketPolicy statement: Deny, Principal "*", Action "s3:*", Condition { Bool: { "aws:SecureTransport": "false" } }.`, b.urn);
            }
        }
    },
};
