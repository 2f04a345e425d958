/**
 * GitHub Actions' OIDC identity provider in the account (created here, or an existing one), and
 * the trust policy that lets exactly one repository's jobs in one GitHub environment assume a role.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, policyDocument } from "./policy-document";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials asks GitHub for. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/**
 * Trust for one GitHub environment of one repository. StringEquals, not StringLike: the `sub`
 * claim is compared whole, so neither another repository nor another environment (nor a branch
 * or pull request, whose `sub` has no `environment:`) can assume the role.
 */
export function githubTrustDocument(providerArn: string, repository: string, environment: string): PolicyDocument {
    return policyDocument([{
        Sid: "GitHubEnvironment",
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
            StringEquals: {
                [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
                [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repository}:environment:${environment}`,
            },
        },
    }]);
}

export interface GithubOidcArgs {
    /**
     * ARN of the account's existing GitHub provider; unset creates one. An account holds at most
     * one provider per URL, so a second bootstrap in the same account passes the first one's.
     * @default undefined (create)
     * @example "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
     */
    existingProviderArn?: string;
}

/** The provider. Cost: none. */
export class GithubOidc extends pulumi.ComponentResource {
    /** The provider when created here (escape hatch). */
    public readonly provider?: aws.iam.OpenIdConnectProvider;
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: GithubOidcArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:bootstrap:GithubOidc", name, {}, opts);
        if (args.existingProviderArn) {
            this.arn = pulumi.output(args.existingProviderArn);
        } else {
            this.provider = new aws.iam.OpenIdConnectProvider(`${name}-provider`, {
                url: `https://${GITHUB_OIDC_HOST}`,
                clientIdLists: [STS_AUDIENCE],
                // No thumbprints: AWS verifies GitHub's certificate against its own trusted CAs
                // for this issuer, so a pinned thumbprint would only break on rotation.
            }, { parent: this });
            this.arn = this.provider.arn;
        }
        this.registerOutputs({ arn: this.arn });
    }
}
