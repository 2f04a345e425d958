/**
 * The one place the bootstrap reads stack configuration. Every key is checked before any
 * resource is registered; every problem is reported at once, naming the key, what is wrong and
 * a good value (the offline engine and the CLI print them the same way as the main program's).
 */
import * as pulumi from "@pulumi/pulumi";
import { AWS_US_REGIONS } from "../../policies/tables";

/** What a GitHub environment's role may do to its stack. */
export type Access = "deploy" | "read";

export interface EnvironmentSpec {
    /** The GitHub environment (the `sub` claim's `environment:<name>`). */
    name: string;
    access: Access;
    /** The main program's stack, or a family of stacks ending in `*` (`pr-*`). */
    stack: string;
}

export interface BootstrapConfig {
    /** This bootstrap stack's name (its resources' `stack` tag). */
    stack: string;
    /** The region of this stack's provider (IAM is global; the bucket and keys live here). */
    region: string;
    /** `owner/repo`. */
    githubRepository: string;
    /** The main program's project name. */
    app: string;
    /** Deploy environments first, then read-only ones, each in config order. */
    environments: EnvironmentSpec[];
    /** Regions the deploy roles may act in. */
    deployRegions: string[];
    /** An existing OIDC provider to trust, or undefined to create one. */
    githubOidcProviderArn: string | undefined;
    stateBucket: boolean;
    secretsKeys: boolean;
}

export interface ConfigProblem {
    /** Fully qualified key, e.g. `groundwork-bootstrap:githubRepository`. */
    key: string;
    message: string;
}

/** Thrown when config is invalid; `name` and `problems` are what the offline engine and tests read. */
export class ConfigError extends Error {
    constructor(public readonly problems: ConfigProblem[]) {
        super(`Invalid bootstrap configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n`
            + problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n"));
        this.name = "ConfigError";
    }
}

// GitHub: owner 1-39 of [A-Za-z0-9-]; repository 1-100 of [A-Za-z0-9._-]. No wildcard can pass.
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
// Kept to what a role name, a KMS alias and a secret name all accept.
const ENVIRONMENT_NAME = /^[A-Za-z0-9_-]{1,32}$/;
// Pulumi stack names are [A-Za-z0-9_.-]; a trailing * stands for a family of stacks.
const STACK_PATTERN = /^[A-Za-z0-9_.-]{1,40}\*?$/;
const APP_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const OIDC_PROVIDER_ARN = /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

/** Whether a stack name matches a pattern (`pr-*` matches `pr-12`). */
export function stackMatches(pattern: string, stack: string): boolean {
    return pattern.endsWith("*") ? stack.startsWith(pattern.slice(0, -1)) : stack === pattern;
}

function parseEnvironments(key: string, raw: string[], access: Access, problems: ConfigProblem[], example: string): EnvironmentSpec[] {
    const out: EnvironmentSpec[] = [];
    for (const entry of raw) {
        const m = /^([^=]*)=(.*)$/.exec(typeof entry === "string" ? entry : "");
        if (!m) {
            problems.push({ key, message: `entry ${JSON.stringify(entry)} must be "<GitHub environment>=<stack>". Example: ${example}` });
            continue;
        }
        const [, name, stack] = m;
        if (!ENVIRONMENT_NAME.test(name)) {
            problems.push({ key, message: `environment "${name}" must be 1-32 letters, digits, _ or -. Example: ${example}` });
        } else if (!STACK_PATTERN.test(stack) || stack === "*") {
            problems.push({ key, message: `stack "${stack}" of environment ${name} must be a stack name (letters, digits, _ . -), optionally ending in * after a prefix. Example: ${example}` });
        } else {
            out.push({ name, access, stack });
        }
    }
    return out;
}

function problemsOfEnvironments(ns: (k: string) => string, deploy: EnvironmentSpec[], read: EnvironmentSpec[]): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const seen = new Set<string>();
    for (const e of [...deploy, ...read]) {
        if (seen.has(e.name)) {
            problems.push({ key: ns(e.access === "deploy" ? "deployEnvironments" : "readOnlyEnvironments"), message: `environment "${e.name}" is listed twice; each GitHub environment gets one role. Example: staging=staging` });
        }
        seen.add(e.name);
    }
    for (const [i, a] of deploy.entries()) {
        for (const b of deploy.slice(i + 1)) {
            // Overlapping stacks would let one environment's role delete the other's resources.
            if (stackMatches(a.stack, b.stack.replace(/\*$/, "")) || stackMatches(b.stack, a.stack.replace(/\*$/, ""))) {
                problems.push({ key: ns("deployEnvironments"), message: `stacks "${a.stack}" (${a.name}) and "${b.stack}" (${b.name}) overlap; each stack is deployed from one environment. Example: ["staging=staging", "production=prod", "pr-preview=pr-*"]` });
            }
        }
    }
    for (const r of read) {
        if (!deploy.some((d) => d.stack === r.stack)) {
            problems.push({ key: ns("readOnlyEnvironments"), message: `environment ${r.name} reads stack "${r.stack}", which no deploy environment deploys (${deploy.map((d) => d.stack).join(", ") || "none"}). Example: preview=staging` });
        }
    }
    if (deploy.length === 0) {
        problems.push({ key: ns("deployEnvironments"), message: `must name at least one environment. Example: ["staging=staging", "production=prod"]` });
    }
    return problems;
}

/** Reads and checks every key; throws ConfigError listing all problems. */
export function loadConfig(): Readonly<BootstrapConfig> {
    const project = pulumi.getProject();
    const cfg = new pulumi.Config();
    const ns = (k: string) => `${project}:${k}`;
    const problems: ConfigProblem[] = [];

    const region = new pulumi.Config("aws").get("region") ?? "";
    const usRegions: readonly string[] = AWS_US_REGIONS;
    if (!usRegions.includes(region)) {
        problems.push({ key: "aws:region", message: `must be one of the US regions ${usRegions.join(", ")}, got "${region}". Example: us-east-1` });
    }

    const githubRepository = cfg.get("githubRepository") ?? "";
    if (!GITHUB_REPOSITORY.test(githubRepository)) {
        problems.push({
            key: ns("githubRepository"),
            message: `must be "owner/repo" with no wildcard (it is the only thing that ties the roles to your repository), got "${githubRepository}". Example: acme/groundwork`,
        });
    }

    const app = cfg.get("app") ?? "groundwork";
    if (!APP_NAME.test(app)) {
        problems.push({ key: ns("app"), message: `must be the main program's project name: 1-20 lowercase letters, digits or -, starting with a letter, got "${app}". Example: groundwork` });
    }

    const list = (k: string, fallback: string[]): string[] => {
        let v: unknown;
        try {
            v = cfg.getObject<unknown>(k) ?? fallback;
        } catch {
            v = cfg.get(k);
        }
        if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
        problems.push({ key: ns(k), message: `must be a list of strings, got ${JSON.stringify(v)}. Example: ${JSON.stringify(fallback)}` });
        return [];
    };
    const before = problems.length;
    const deploy = parseEnvironments(ns("deployEnvironments"), list("deployEnvironments", ["staging=staging", "production=prod"]), "deploy", problems, "production=prod");
    const read = parseEnvironments(ns("readOnlyEnvironments"), list("readOnlyEnvironments", ["preview=staging"]), "read", problems, "preview=staging");
    // Checked across entries only once each entry reads: a malformed one is reported once, by itself.
    if (problems.length === before) problems.push(...problemsOfEnvironments(ns, deploy, read));

    const listedRegions = list("deployRegions", []);
    const deployRegions = listedRegions.length > 0 ? [...new Set(listedRegions)] : [region];
    for (const r of listedRegions.filter((x) => !usRegions.includes(x))) {
        problems.push({ key: ns("deployRegions"), message: `"${r}" is not a US region; allowed: ${usRegions.join(", ")}. Example: ["us-east-1"]` });
    }

    const existing = cfg.get("githubOidcProviderArn") ?? "";
    if (existing !== "" && !OIDC_PROVIDER_ARN.test(existing)) {
        problems.push({
            key: ns("githubOidcProviderArn"),
            message: `must be the ARN of the account's GitHub OIDC provider or empty (create one), got "${existing}". Example: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com`,
        });
    }

    const flag = (k: string): boolean => {
        const raw = cfg.get(k);
        if (raw === undefined || raw === "" || raw === "false") return false;
        if (raw === "true") return true;
        problems.push({ key: ns(k), message: `must be true or false, got "${raw}". Example: false` });
        return false;
    };
    const stateBucket = flag("stateBucket");
    const secretsKeys = flag("secretsKeys");

    // Role names are `<app>-gha-<environment>` (64 characters at most).
    for (const e of [...deploy, ...read]) {
        if (`${app}-gha-${e.name}`.length > 64) {
            problems.push({ key: ns(e.access === "deploy" ? "deployEnvironments" : "readOnlyEnvironments"), message: `environment "${e.name}" makes the role name ${app}-gha-${e.name} longer than IAM's 64 characters; use a shorter name. Example: production=prod` });
        }
    }

    if (problems.length > 0) throw new ConfigError(problems);
    return Object.freeze({
        stack: pulumi.getStack(), region, githubRepository, app, environments: [...deploy, ...read], deployRegions,
        githubOidcProviderArn: existing === "" ? undefined : existing, stateBucket, secretsKeys,
    });
}
