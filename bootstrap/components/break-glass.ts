/**
 * The break-glass role for humans: assumed with MFA by the account's own IAM principals (whose
 * own policies must also allow sts:AssumeRole on it), administrator under the permissions
 * boundary. It is a reader of every stack's app secret, for incidents and secret rotation.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, policyDocument } from "./policy-document";

/** How recent the MFA sign-in must be, in seconds. */
export const MFA_MAX_AGE_SECONDS = 3600;

export function breakGlassTrustDocument(partition: string, account: string): PolicyDocument {
    return policyDocument([{
        Sid: "AccountPrincipalsWithRecentMfa",
        Effect: "Allow",
        // The account root as principal delegates to IAM: a user or role of this account whose
        // own policy allows sts:AssumeRole on this role. No other account, no federation.
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: "sts:AssumeRole",
        Condition: {
            Bool: { "aws:MultiFactorAuthPresent": "true" },
            NumericLessThan: { "aws:MultiFactorAuthAge": String(MFA_MAX_AGE_SECONDS) },
        },
    }]);
}

export interface BreakGlassRoleArgs {
    /**
     * Role name (explicit: people look it up).
     * @default none (required)
     * @example "groundwork-break-glass"
     */
    roleName: string;
    /**
     * IAM path of the bootstrap's roles.
     * @default none (required)
     * @example "/groundwork-bootstrap/"
     */
    path: string;
    /**
     * Trust policy JSON (breakGlassTrustDocument).
     * @default none (required)
     * @example pulumi.jsonStringify(breakGlassTrustDocument("aws", "123456789012"))
     */
    trustPolicy: pulumi.Input<string>;
    /**
     * The permissions boundary's ARN.
     * @default none (required)
     * @example "arn:aws:iam::123456789012:policy/groundwork-bootstrap/groundwork-permissions-boundary"
     */
    permissionsBoundary: pulumi.Input<string>;
    /**
     * AWS partition, for the managed policy's ARN.
     * @default "aws"
     * @example "aws"
     */
    partition?: pulumi.Input<string>;
}

/** The break-glass role. Cost: none. */
export class BreakGlassRole extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: BreakGlassRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:bootstrap:BreakGlassRole", name, {}, opts);
        this.role = new aws.iam.Role(`${name}-role`, {
            name: args.roleName,
            path: args.path,
            description: "People, with MFA, in an incident: administrator under the permissions boundary; reads the app secrets",
            assumeRolePolicy: args.trustPolicy,
            permissionsBoundary: args.permissionsBoundary,
            // One hour, as the MFA age: a break-glass session does not outlive its reason.
            maxSessionDuration: 3600,
        }, { parent: this });
        new aws.iam.RolePolicyAttachment(`${name}-admin`, {
            role: this.role.name,
            policyArn: pulumi.interpolate`arn:${args.partition ?? "aws"}:iam::aws:policy/AdministratorAccess`,
        }, { parent: this });
        this.arn = this.role.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
