/**
 * The web app on Vercel: one project per stack (Next.js, Vite or another Vercel framework preset,
 * with its build settings), functions pinned to US regions, its environment variables (public
 * ones plain, server-side secrets `sensitive`) and the custom domain `app.<domain>`. Who ships
 * production is part of the project: Vercel on each push to the production branch, or nothing
 * but the stack (`gitDeployments: false`; `WebRelease` deploys a pinned commit). Vercel bills per
 * team plan and usage, not per project.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";
import { secretLookingValue } from "../../policies/tables";
import { SECRET_LOOKING_NAME, VERCEL_US_REGIONS } from "../config/defaults";

/**
 * Names that may hold a credential: the config module's rule itself (`defaults.ts`), so the two
 * cannot drift. Such a variable is always `sensitive`, even if it reached this component as a
 * "public" setting.
 */
export const SECRET_LOOKING_ENV_NAME = SECRET_LOOKING_NAME;

/** Vercel deployment targets a variable can be set for. */
export type VercelTarget = "production" | "preview";

export interface FrontendArgs {
    /**
     * Protects the project from deletion by Pulumi (prod): deleting it would delete every
     * deployment, instant rollback included, and detach its domains. A destroy or `frontend:
     * false` then stops until `pulumi state unprotect`.
     * @default false
     * @example true
     */
    protect?: boolean;
    /**
     * The Vercel project's name, unique per stack (it is also the `<name>.vercel.app` host).
     * @default none (required; the config defaults it to `<project>-<stack>`)
     * @example "groundwork-prod"
     */
    projectName: string;
    /**
     * Regions Vercel Functions run in; US regions only (data and API are in a US AWS region).
     * @default ["iad1"] (chosen in the config module; next to us-east-1)
     * @example ["iad1", "cle1"]
     */
    regions: string[];
    /**
     * The app's directory inside the repository.
     * @default undefined (the repository root)
     * @example "apps/web"
     */
    rootDirectory?: string;
    /**
     * GitHub repository Vercel deploys from, `owner/repo`. Without it the project is deployed by CLI.
     * @default undefined (no git connection)
     * @example "acme/acme-app"
     */
    gitRepository?: string;
    /**
     * Production branch when a git repository is connected.
     * @default "main"
     * @example "release"
     */
    productionBranch?: string;
    /**
     * Whether pushes to the connected repository create deployments. false: the git connection
     * stays (a `WebRelease` deploys a commit of it) but nothing ships on a push, so production
     * waits for the stack's own deploy.
     * @default true
     * @example false
     */
    gitDeployments?: boolean;
    /**
     * Whether Vercel builds preview deployments (of pull requests and non-production pushes).
     * A preview runs with the project's variables, so prod's project builds none: they would talk
     * to prod's API with prod's secrets.
     * @default true
     * @example false
     */
    previews?: boolean;
    /**
     * Vercel framework preset (a slug of Vercel's list; the config module checks it).
     * @default "nextjs"
     * @example "vite"
     */
    framework?: string;
    /**
     * Install command, run in a shell from `rootDirectory`.
     * @default undefined (detected by Vercel)
     * @example "cd ../.. && pnpm install"
     */
    installCommand?: string;
    /**
     * Build command, run in a shell from `rootDirectory`.
     * @default undefined (the framework's)
     * @example "cd ../.. && pnpm build --filter=@acme/web"
     */
    buildCommand?: string;
    /**
     * Build output directory, relative to `rootDirectory`.
     * @default undefined (the framework's: .next, dist…)
     * @example "dist"
     */
    outputDirectory?: string;
    /**
     * Node.js version of the build and the functions.
     * @default undefined (Vercel's default, the latest LTS)
     * @example "22.x"
     */
    nodeVersion?: string;
    /**
     * The custom domain attached to the project; its DNS record is the Dns component's.
     * @default none (required)
     * @example "app.example.com"
     */
    domain: string;
    /**
     * Further domains that Vercel redirects (308, path kept) to `domain`: `www.` to the apex or
     * the apex to `www.`. Their DNS records are the Dns component's.
     * @default []
     * @example ["www.example.com"]
     */
    redirectDomains?: string[];
    /**
     * Public build and runtime variables (NEXT_PUBLIC_API_URL and extras from config). A name that
     * looks like a credential, or a value that is a secret Output, is still stored `sensitive`.
     * @default none (required)
     * @example { NEXT_PUBLIC_API_URL: "https://api.example.com/api/v1" }
     */
    environment: Record<string, pulumi.Input<string>>;
    /**
     * Server-only secrets for the app; always `sensitive` (write-only in Vercel) and secret in state.
     * @default {}
     * @example { REVALIDATE_TOKEN: pulumi.secret("…") }
     */
    secrets?: Record<string, pulumi.Input<string>>;
    /**
     * Deployment targets the public variables are set for. Each stack has its own project, so its
     * previews talk to the same stack's API.
     * @default ["production", "preview"], or ["production"] without previews
     * @example ["production"]
     */
    targets?: VercelTarget[];
    /**
     * Deployment targets the secrets are set for (e.g. production only, so previews never hold
     * live credentials). Only targets the project deploys.
     * @default `targets`
     * @example ["production"]
     */
    secretTargets?: VercelTarget[];
}

/** A verification challenge Vercel issued for a domain: the TXT record that satisfies it. */
export interface DomainChallenge {
    /** Full name of the TXT record, e.g. `_vercel.example.com`. */
    name: string;
    /** The TXT value, e.g. `vc-domain-verify=app.example.com,1a2b3c…`. */
    value: string;
}

export class Frontend extends pulumi.ComponentResource {
    /** The Vercel project (escape hatch). */
    public readonly project: vercel.Project;
    /** Environment variables by name. */
    public readonly variables: Record<string, vercel.ProjectEnvironmentVariable>;
    /** The custom domain attachment. */
    public readonly customDomain: vercel.ProjectDomain;
    /** The redirecting domains' attachments. */
    public readonly redirectDomains: vercel.ProjectDomain[];
    /** Vercel's project id. @example "prj_1a2b3c…" */
    public readonly projectId: pulumi.Output<string>;
    /**
     * `<project>.vercel.app`, the project's default production host (CORS allows it). Vercel
     * appends a suffix if another account holds that name, so keep project names distinctive.
     */
    public readonly vercelDomain: pulumi.Output<string>;
    /**
     * The TXT challenge Vercel issued for each attached domain, by host; undefined once verified
     * (or when Vercel asks none: the domain is not in use by another account).
     */
    public readonly domainChallenges: Record<string, pulumi.Output<DomainChallenge | undefined>>;
    /** Whether Vercel verified each attached domain for this project, by host. */
    public readonly domainsVerified: pulumi.Output<Record<string, boolean>>;

    constructor(name: string, args: FrontendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:Frontend", name, {}, opts);
        validate(name, args);
        const previews = args.previews ?? true;
        const targets = args.targets ?? (previews ? ["production", "preview"] : ["production"]);
        const secretTargets = args.secretTargets ?? targets;

        this.project = new vercel.Project(`${name}-project`, {
            name: args.projectName,
            framework: args.framework ?? "nextjs",
            rootDirectory: args.rootDirectory,
            installCommand: args.installCommand,
            buildCommand: args.buildCommand,
            outputDirectory: args.outputDirectory,
            nodeVersion: args.nodeVersion,
            gitRepository: args.gitRepository
                ? { type: "github", repo: args.gitRepository, productionBranch: args.productionBranch ?? "main" }
                : undefined,
            // Set both ways, so that switching a stack between git and stack releases changes them back.
            gitProviderOptions: args.gitRepository ? { createDeployments: args.gitDeployments ?? true } : undefined,
            previewDeploymentsDisabled: !previews,
            // Function regions live here now; `serverlessFunctionRegion` is deprecated.
            resourceConfig: { functionDefaultRegions: args.regions },
            // Failover would move functions to "the nearest region", which may be outside the US.
            functionFailover: false,
            // A fork's pull request must be approved before it deploys with the project's variables.
            gitForkProtection: true,
            // Source maps only for signed-in team members: they reveal server code.
            protectedSourcemaps: true,
            // The app gets exactly the variables below; VERCEL_* system values are not exposed implicitly.
            automaticallyExposeSystemEnvironmentVariables: false,
        }, {
            parent: this,
            // prod: deleting the project deletes every deployment (instant rollback included) and its domains.
            protect: args.protect ?? false,
        });

        this.variables = {};
        const all: [string, pulumi.Input<string>, boolean][] = [
            ...Object.entries(args.environment).map(([k, v]) => [k, v, false] as [string, pulumi.Input<string>, boolean]),
            ...Object.entries(args.secrets ?? {}).map(([k, v]) => [k, v, true] as [string, pulumi.Input<string>, boolean]),
        ];
        for (const [key, value, isSecret] of all) {
            const sensitive = isSensitive(key, value, isSecret);
            this.variables[key] = new vercel.ProjectEnvironmentVariable(`${name}-env-${kebab(key)}`, {
                projectId: this.project.id,
                key,
                // The provider SDK stores every value as a Pulumi secret; `sensitive` is Vercel's side:
                // write-only there, unreadable in the dashboard and API.
                value: sensitive === true ? pulumi.secret(value) : value,
                targets: isSecret ? secretTargets : targets,
                sensitive,
                comment: "Managed by Pulumi (groundwork)",
            }, {
                parent: this,
                // A changed `sensitive` replaces the variable, and Vercel refuses a second one of
                // the same key and target (ENV_ALREADY_EXISTS): the old one goes first. Deployments
                // keep the values they were built with. (pulumiverse/pulumi-vercel#118)
                deleteBeforeReplace: true,
            });
        }

        this.customDomain = new vercel.ProjectDomain(`${name}-domain`, {
            projectId: this.project.id,
            domain: args.domain,
        }, { parent: this });
        this.redirectDomains = (args.redirectDomains ?? []).map((domain) => new vercel.ProjectDomain(`${name}-redirect-${domain.replace(/\./g, "-")}`, {
            projectId: this.project.id,
            domain,
            redirect: args.domain,
            // Permanent, and keeps the method and body (unlike 301).
            redirectStatusCode: 308,
        }, { parent: this, dependsOn: [this.customDomain] }));

        const attached = [this.customDomain, ...this.redirectDomains];
        const hosts = [args.domain, ...(args.redirectDomains ?? [])];
        this.domainChallenges = Object.fromEntries(attached.map((d, i) => [hosts[i], d.verifications.apply((list) => {
            const txt = (list ?? []).find((c) => c.type.toUpperCase() === "TXT");
            return txt ? { name: txt.domain.replace(/\.$/, ""), value: txt.value } : undefined;
        })]));
        this.domainsVerified = pulumi.all(attached.map((d) => d.verified)).apply((v) => Object.fromEntries(hosts.map((h, i) => [h, v[i] !== false])));

        this.projectId = this.project.id;
        this.vercelDomain = pulumi.interpolate`${this.project.name}.vercel.app`;
        this.registerOutputs({ projectId: this.projectId, vercelDomain: this.vercelDomain, domainsVerified: this.domainsVerified });
    }
}

/** Args that decide resources are checked before any is registered. */
function validate(name: string, args: FrontendArgs): void {
    if (args.regions.length === 0) {
        throw new Error(`Frontend "${name}": regions must name at least one US Vercel region. Example: ["iad1"]`);
    }
    for (const r of args.regions) {
        if (!(VERCEL_US_REGIONS as readonly string[]).includes(r)) {
            throw new Error(`Frontend "${name}": regions must be US Vercel regions (${VERCEL_US_REGIONS.join(", ")}), got "${r}". Example: ["iad1"]`);
        }
    }
    for (const key of [...Object.keys(args.environment), ...Object.keys(args.secrets ?? {})]) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(key)) {
            throw new Error(`Frontend "${name}": environment variable "${key}" must be UPPER_SNAKE_CASE. Example: NEXT_PUBLIC_API_URL`);
        }
        if (key in args.environment && key in (args.secrets ?? {})) {
            throw new Error(`Frontend "${name}": ${key} is in both environment and secrets; keep it in one`);
        }
    }
    const deployed: VercelTarget[] = args.previews === false ? ["production"] : ["production", "preview"];
    for (const [arg, list] of [["targets", args.targets], ["secretTargets", args.secretTargets]] as const) {
        if (list && (list.length === 0 || list.some((t) => !deployed.includes(t)))) {
            throw new Error(`Frontend "${name}": ${arg} must name targets the project deploys (${deployed.join(", ")}), got ${JSON.stringify(list)}. Example: ["production"]`);
        }
    }
    if (args.gitDeployments === false && !args.gitRepository) {
        throw new Error(`Frontend "${name}": gitDeployments false needs a gitRepository (it turns off the deployments a repository would create). Example: gitRepository "acme/acme-app"`);
    }
}

/**
 * Whether a variable must be `sensitive`: a declared secret, a credential-looking name (never
 * plain, even with a NEXT_PUBLIC_ prefix), or a value that is a secret Output.
 */
function isSensitive(key: string, value: pulumi.Input<string>, declaredSecret: boolean): pulumi.Input<boolean> {
    // Stricter than the public rule (policies/tables.ts): a public-by-design key (STRIPE_PUBLISHABLE_KEY,
    // VITE_SUPABASE_ANON_KEY) is still stored write-only; its build inlines it all the same.
    if (declaredSecret || SECRET_LOOKING_ENV_NAME.test(key) || (typeof value === "string" && secretLookingValue(value))) return true;
    return pulumi.Output.isInstance(value) ? pulumi.isSecret(value as pulumi.Output<string>) : false;
}

/** `NEXT_PUBLIC_API_URL` → `next-public-api-url`: a stable logical-name role. */
function kebab(key: string): string {
    return key.toLowerCase().replace(/_/g, "-");
}
