/**
 * One GitHub environment's role: trusted only by that environment of the repository, under the
 * permissions boundary, with the shared read policy plus (deploy) the stack's deploy policies and
 * (self-managed backend) its state access.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { EnvironmentSpec } from "./config";

export interface CiRoleArgs {
    /**
     * Role name, `<app>-gha-<environment>` (explicit: its ARN goes into a GitHub secret).
     * @default none (required)
     * @example "groundwork-gha-staging"
     */
    roleName: string;
    /**
     * IAM path of the bootstrap's roles.
     * @default none (required)
     * @example "/groundwork-bootstrap/"
     */
    path: string;
    /**
     * The GitHub environment and what its role does (for the role's description).
     * @default none (required)
     * @example { name: "staging", access: "deploy", stack: "staging" }
     */
    environment: EnvironmentSpec;
    /**
     * Trust policy JSON (githubTrustDocument).
     * @default none (required)
     * @example pulumi.jsonStringify(githubTrustDocument(providerArn, "acme/groundwork", "staging"))
     */
    trustPolicy: pulumi.Input<string>;
    /**
     * The permissions boundary's ARN.
     * @default none (required)
     * @example "arn:aws:iam::123456789012:policy/groundwork-bootstrap/groundwork-permissions-boundary"
     */
    permissionsBoundary: pulumi.Input<string>;
    /**
     * Managed policies shared with other roles (the CI read policy).
     * @default none (required)
     * @example [ciRead.arn]
     */
    sharedPolicyArns: pulumi.Input<string>[];
    /**
     * This role's own policy documents (JSON) by short name; each becomes a managed policy
     * (6,144 characters at most each; a role holds at most 10 managed policies by default).
     * @default none (required)
     * @example { network: "{...}", state: "{...}" }
     */
    ownPolicies: Record<string, pulumi.Input<string>>;
    /**
     * Longest session, in seconds. A first deploy (database and cache creation) can take most of an
     * hour; the workflow asks for its duration with configure-aws-credentials' role-duration-seconds.
     * @default 3600
     * @example 7200
     */
    maxSessionDuration?: number;
}

/** A CI role. Cost: none. */
export class CiRole extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    public readonly arn: pulumi.Output<string>;
    /** The role's own managed policies, by short name. */
    public readonly policies: Record<string, aws.iam.Policy> = {};

    constructor(name: string, args: CiRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:bootstrap:CiRole", name, {}, opts);
        const d = args.environment;
        this.role = new aws.iam.Role(`${name}-role`, {
            name: args.roleName,
            path: args.path,
            description: `GitHub environment ${d.name}: ${d.access === "deploy" ? "deploys" : "reads (pulumi preview)"} stack ${d.stack}`,
            assumeRolePolicy: args.trustPolicy,
            permissionsBoundary: args.permissionsBoundary,
            maxSessionDuration: args.maxSessionDuration ?? 3600,
        }, { parent: this });

        const attach = (label: string, policyArn: pulumi.Input<string>) =>
            new aws.iam.RolePolicyAttachment(`${name}-${label}`, { role: this.role.name, policyArn }, { parent: this });
        args.sharedPolicyArns.forEach((arn, i) => attach(`shared-${i}`, arn));
        for (const [label, document] of Object.entries(args.ownPolicies)) {
            this.policies[label] = new aws.iam.Policy(`${name}-${label}`, {
                path: args.path,
                description: `${args.roleName}: ${label}`,
                policy: document,
            }, { parent: this });
            attach(label, this.policies[label].arn);
        }
        this.arn = this.role.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
