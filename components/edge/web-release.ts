/**
 * A production release of the web app made by the stack itself: a Vercel deployment of one
 * pinned commit of the linked repository, created by `pulumi up`. With the project's git
 * deployments off (`Frontend` `gitDeployments: false`), this is the only way production changes,
 * so prod's web app ships when the (reviewer-gated) prod deploy ships, after the API it calls.
 *
 * A deployment is immutable: a new commit, or a change of the project's variables, makes a new
 * one (Vercel moves the production domains to it); the previous one stays in Vercel, so an
 * instant rollback in the dashboard still works. Vercel bills builds by plan, not per deployment.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";

export interface WebReleaseArgs {
    /**
     * The Vercel project (linked to the repository the commit is in).
     * @default none (required)
     * @example frontend.projectId
     */
    projectId: pulumi.Input<string>;
    /**
     * The full commit SHA to deploy to production (`groundwork:webRef`).
     * @default none (required)
     * @example "3f9c2ab8e1d04c7b9a6f5e4d3c2b1a0f9e8d7c6b"
     */
    ref: string;
    /**
     * The project's variables, by name: a change of any of them makes a new deployment (a build
     * reads them once, and compiles the NEXT_PUBLIC_ and VITE_ ones in). Only a digest of them is kept.
     * @default {}
     * @example frontend.variables
     */
    variables?: Record<string, vercel.ProjectEnvironmentVariable>;
    /**
     * What the deployment waits for besides the variables: the API it calls, so that a release
     * of both ships the API first. (A component's own `dependsOn` holds the component back, not
     * the deployment inside it.)
     * @default []
     * @example [api]
     */
    after?: pulumi.Resource[];
}

export class WebRelease extends pulumi.ComponentResource {
    /** The production deployment (escape hatch). */
    public readonly deployment: vercel.Deployment;
    /** The deployment's own URL. @example "groundwork-prod-1a2b3c4d5.vercel.app" */
    public readonly url: pulumi.Output<string>;
    /** The commit it runs. */
    public readonly ref: string;

    constructor(name: string, args: WebReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:WebRelease", name, {}, opts);
        if (!/^[0-9a-f]{40}$/.test(args.ref)) {
            throw new Error(`WebRelease "${name}": ref must be a full 40-character commit SHA (a branch would not pin what ships), got "${args.ref}". ` +
                "Example: 3f9c2ab8e1d04c7b9a6f5e4d3c2b1a0f9e8d7c6b");
        }
        const vars = args.variables ?? {};
        // What the build reads besides the commit.
        const digest = variablesDigest(vars);
        this.deployment = new vercel.Deployment(`${name}-deployment`, {
            projectId: args.projectId,
            ref: args.ref,
            production: true,
            // Kept: Vercel's instant rollback promotes an earlier deployment.
            deleteOnDestroy: false,
        }, { parent: this, replacementTrigger: digest, dependsOn: [...Object.values(vars), ...(args.after ?? [])] });
        this.url = this.deployment.url;
        this.ref = args.ref;
        this.registerOutputs({ url: this.url, ref: this.ref });
    }
}

/** Who ships the web app's production deployments (the config module's `release`), and from where. */
export interface WebReleasePlan {
    mode: "git" | "stack" | "cli";
    branch: string;
    ref: string | undefined;
    previews: boolean;
    repository: string | undefined;
}

/**
 * The `webRelease` stack output: which branch, commit or workflow ships the web app's production
 * deployments, so the plan shows the release gate.
 */
export function webReleaseOutput(plan: WebReleasePlan, stack: string, release?: WebRelease): Record<string, unknown> {
    const common = { mode: plan.mode, repository: plan.repository ?? null, previews: plan.previews };
    switch (plan.mode) {
        case "stack":
            return {
                ...common, ref: plan.ref ?? null, url: release ? release.url : null,
                shippedBy: plan.ref
                    ? `pulumi up --stack ${stack} (.github/workflows/deploy-${stack}.yml), after the API; pushes deploy nothing`
                    : `nothing yet: set groundwork:webRef to a commit of ${plan.repository}; pushes deploy nothing`,
            };
        case "git":
            return { ...common, branch: plan.branch, shippedBy: `Vercel, on each push to ${plan.branch} of ${plan.repository}` };
        case "cli":
            return { ...common, shippedBy: "whoever runs vercel deploy --prod (no repository is linked)" };
    }
}

/**
 * A digest of a deployment's variables (name, value, targets), sorted by name: a Deployment's
 * `replacementTrigger`, so a change of any variable builds anew. Kept in Pulumi's state only
 * (never sent to Vercel), and secret.
 */
export function variablesDigest(variables: Record<string, vercel.ProjectEnvironmentVariable>): pulumi.Output<string> {
    const sorted = Object.entries(variables).sort(([a], [b]) => a.localeCompare(b));
    return pulumi.secret(pulumi.all(sorted.map(([k, v]) => pulumi.all([k, v.value, v.targets]))).apply((entries) =>
        createHash("sha256").update(JSON.stringify(entries)).digest("hex")));
}
