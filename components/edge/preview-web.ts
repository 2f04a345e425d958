/**
 * A pull-request preview's web app: the Vercel preview of its git branch, in the base's project,
 * pointed at the preview's own API. Branch-scoped variables (`gitBranch`, target `preview`)
 * override the project's preview values for that branch only, and the branch gets a stable
 * domain `pr-<n>.<web host>` (the base's wildcard record sends it to Vercel). Vercel builds a
 * branch on its first push, before these variables exist, so a deployment of the branch follows
 * them: the preview's first build already talks to its own API, never the base's (later pushes
 * build with them). The base's production and other branches are untouched. Cost: none beyond
 * the Vercel plan.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";
import { SECRET_LOOKING_NAME } from "../config/defaults";
import { variablesDigest } from "./web-release";

export interface PreviewWebArgs {
    /**
     * The base's Vercel project.
     * @default none (required)
     * @example base.vercelProjectId
     */
    projectId: pulumi.Input<string>;
    /**
     * The git branch whose preview deployments these settings apply to.
     * @default none (config: groundwork:previewBranch)
     * @example "feature/checkout-redesign"
     */
    branch: string;
    /**
     * The branch's domain, one label below the base's web host.
     * @default none (config: `pr-<n>.app.<domain>`)
     * @example "pr-123.app.staging.example.com"
     */
    domain: string;
    /**
     * Public variables for the branch (the API URL variable), overriding the project's preview values.
     * @default none (required)
     * @example { NEXT_PUBLIC_API_URL: "https://pr-123.api.staging.example.com/api/v1" }
     */
    environment: Record<string, pulumi.Input<string>>;
    /**
     * Server-only secrets for the branch (the preview's STRIPE_WEBHOOK_SECRET when the web app serves the route); always `sensitive`.
     * @default {}
     * @example { STRIPE_WEBHOOK_SECRET: webhook.secret }
     */
    secrets?: Record<string, pulumi.Input<string>>;
}

export class PreviewWeb extends pulumi.ComponentResource {
    /** The branch's domain attachment. */
    public readonly domain: vercel.ProjectDomain;
    /** The branch-scoped variables, by name. */
    public readonly variables: Record<string, vercel.ProjectEnvironmentVariable>;
    /** A preview deployment of the branch's head, built with the variables above. */
    public readonly deployment: vercel.Deployment;

    constructor(name: string, args: PreviewWebArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:PreviewWeb", name, {}, opts);
        if (!/^pr-[0-9]+\.(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(args.domain)) {
            throw new Error(`PreviewWeb "${name}": domain must be a preview's host pr-<n>.<web host>, got "${args.domain}". Example: pr-123.app.staging.example.com`);
        }
        if (args.branch.trim() === "") throw new Error(`PreviewWeb "${name}": branch must name a git branch. Example: feature/checkout-redesign`);
        const keys = [...Object.keys(args.environment), ...Object.keys(args.secrets ?? {})];
        for (const key of keys) {
            if (!/^[A-Z][A-Z0-9_]*$/.test(key)) throw new Error(`PreviewWeb "${name}": variable "${key}" must be UPPER_SNAKE_CASE. Example: NEXT_PUBLIC_API_URL`);
        }
        if (new Set(keys).size !== keys.length) throw new Error(`PreviewWeb "${name}": a variable is in both environment and secrets; keep it in one`);

        this.domain = new vercel.ProjectDomain(`${name}-domain`, {
            projectId: args.projectId,
            domain: args.domain,
            // Deployments of this branch are assigned the domain.
            gitBranch: args.branch,
        }, { parent: this });

        this.variables = {};
        const all: [string, pulumi.Input<string>, boolean][] = [
            ...Object.entries(args.environment).map(([k, v]) => [k, v, SECRET_LOOKING_NAME.test(k)] as [string, pulumi.Input<string>, boolean]),
            ...Object.entries(args.secrets ?? {}).map(([k, v]) => [k, v, true] as [string, pulumi.Input<string>, boolean]),
        ];
        for (const [key, value, sensitive] of all) {
            this.variables[key] = new vercel.ProjectEnvironmentVariable(`${name}-env-${key.toLowerCase().replace(/_/g, "-")}`, {
                projectId: args.projectId,
                key,
                value,
                // This branch's preview deployments only: never the base's production or other branches.
                targets: ["preview"],
                gitBranch: args.branch,
                sensitive,
                comment: `Managed by Pulumi (groundwork preview ${pulumi.getStack()})`,
            }, { parent: this, deleteBeforeReplace: true });
        }
        // Rebuilt when a variable changes.
        const digest = variablesDigest(this.variables);
        this.deployment = new vercel.Deployment(`${name}-deployment`, {
            projectId: args.projectId,
            ref: args.branch,
            production: false,
            // The preview goes with its pull request.
            deleteOnDestroy: true,
        }, { parent: this, replacementTrigger: digest, dependsOn: [...Object.values(this.variables), this.domain] });
        this.registerOutputs({ domain: args.domain });
    }
}
