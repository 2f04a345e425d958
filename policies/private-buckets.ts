/**
 * private-buckets: every bucket blocks all four kinds of public access and enforces bucket-owner
 * ownership (stack checks: those are separate resources); no public ACL, no bucket policy that
 * allows anyone without a condition, no static website hosting (resource checks).
 */
import * as aws from "@pulumi/aws";
import { ReportViolation, ResourceValidationArgs, validateResourceOfType } from "@pulumi/policy";
import { BUCKET_TYPES, ResourceAndStackPolicy, asArray, bucketConfigs, isPublicPrincipal, isTrue, label, ofTypes, statements } from "./helpers";

export const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GRANTEES = ["http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"];
const BLOCKS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

interface Grant { uri?: string; grantee?: { uri?: string } }

function checkAcl(acl: unknown, grants: Grant[], args: ResourceValidationArgs, report: ReportViolation) {
    if (typeof acl === "string" && PUBLIC_ACLS.includes(acl)) {
        report(`${label(args)} sets the canned ACL "${acl}", which opens objects to the public. Remove the ACL (ownership BucketOwnerEnforced disables ACLs).`);
    }
    const open = grants.filter((g) => PUBLIC_GRANTEES.includes(g.uri ?? g.grantee?.uri ?? ""));
    if (open.length > 0) {
        report(`${label(args)} grants access to ${open.map((g) => (g.uri ?? g.grantee?.uri ?? "").split("/").pop()).join(", ")}. `
            + `Remove the grant; reach objects through IAM roles or presigned URLs.`);
    }
}

function checkPolicy(doc: unknown, args: ResourceValidationArgs, report: ReportViolation) {
    for (const s of statements(doc)) {
        if (s.Effect === "Allow" && isPublicPrincipal(s.Principal) && (!s.Condition || Object.keys(s.Condition).length === 0)) {
            report(`${label(args)} has an Allow statement${s.Sid ? ` "${s.Sid}"` : ""} for Principal "*" with no Condition, which makes the bucket public. `
                + `Name the principal (a role ARN or service) or add a Condition such as aws:SourceArn.`);
        }
    }
}

export const privateBuckets: ResourceAndStackPolicy = {
    name: "private-buckets",
    description: "S3 buckets are private: all four public access blocks, owner-enforced ownership, no public ACL, policy or website.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "Give every bucket an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and "
        + "restrictPublicBuckets all true, and an aws.s3.BucketOwnershipControls with objectOwnership \"BucketOwnerEnforced\"; "
        + "drop public ACLs, Allow-to-* policy statements and website configurations.",
    validateResource: [
        validateResourceOfType(aws.s3.Bucket, (b, args, report) => {
            checkAcl(b.acl, asArray(b.grants as Grant[]), args, report);
            if (b.policy) checkPolicy(b.policy, args, report);
            if (b.website) report(`${label(args)} enables static website hosting, which serves objects publicly over HTTP. Remove website; serve through a CDN with origin access control.`);
        }),
        validateResourceOfType(aws.s3.BucketV2, (b, args, report) => {
            checkAcl(b.acl, asArray(b.grants as Grant[]), args, report);
            if (b.policy) checkPolicy(b.policy, args, report);
            if (asArray(b.websites).length > 0) report(`${label(args)} enables static website hosting. Remove it; serve through a CDN with origin access control.`);
        }),
        validateResourceOfType(aws.s3.BucketAcl, (a, args, report) =>
            checkAcl(a.acl, asArray(a.accessControlPolicy?.grants as Grant[]), args, report)),
        validateResourceOfType(aws.s3.BucketAclV2, (a, args, report) =>
            checkAcl(a.acl, asArray(a.accessControlPolicy?.grants as Grant[]), args, report)),
        validateResourceOfType(aws.s3.BucketPolicy, (p, args, report) => checkPolicy(p.policy, args, report)),
        validateResourceOfType(aws.s3.BucketWebsiteConfiguration, (_w, args, report) =>
            report(`${label(args)} turns on static website hosting, which serves the bucket publicly over HTTP. Remove it; serve through a CDN with origin access control.`)),
        validateResourceOfType(aws.s3.BucketWebsiteConfigurationV2, (_w, args, report) =>
            report(`${label(args)} turns on static website hosting. Remove it; serve through a CDN with origin access control.`)),
        validateResourceOfType(aws.s3.BucketPublicAccessBlock, (pab, args, report) => {
            const off = BLOCKS.filter((k) => !isTrue((pab as Record<string, unknown>)[k]));
            if (off.length > 0) report(`${label(args)} leaves ${off.join(", ")} off. Set all four to true.`);
        }),
    ],
    validateStack: (args, report) => {
        const buckets = ofTypes(args.resources, BUCKET_TYPES);
        if (buckets.length === 0) args.notApplicable("No S3 bucket in the stack.");
        for (const b of buckets) {
            const blocks = bucketConfigs(b, args.resources, ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]);
            if (!blocks.some((pab) => BLOCKS.every((k) => isTrue(pab.props[k])))) {
                report(`${label(b)} has no BucketPublicAccessBlock with all four blocks on, so a later ACL or policy could make it public. `
                    + `Add aws.s3.BucketPublicAccessBlock { ${BLOCKS.map((k) => `${k}: true`).join(", ")} }.`, b.urn);
            }
            const owners = bucketConfigs(b, args.resources, ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"]);
            if (!owners.some((o) => (o.props.rule as { objectOwnership?: string } | undefined)?.objectOwnership === "BucketOwnerEnforced")) {
                report(`${label(b)} does not enforce bucket-owner ownership, so ACLs still apply. `
                    + `Add aws.s3.BucketOwnershipControls { rule: { objectOwnership: "BucketOwnerEnforced" } }.`, b.urn);
            }
        }
    },
};
