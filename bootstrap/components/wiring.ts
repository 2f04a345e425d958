/**
 * What the bootstrap hands on: the GitHub secret each environment's role ARN goes into, the ARNs
 * each main stack's `groundwork:secretReaderRoleArns` takes, and the exact commands that set them.
 */
import type { EnvironmentSpec } from "./config";
import { stackMatches } from "./config";

/**
 * The GitHub secret holding an environment's role ARN, as the workflows name it:
 * `AWS_<SCOPE>_ROLE_ARN`, SCOPE the stack for a deploy environment of one stack (STAGING, PROD),
 * else the environment (PREVIEW). Upper case, other characters as `_`.
 */
export function workflowSecretName(e: EnvironmentSpec): string {
    const scope = e.access === "deploy" && !e.stack.endsWith("*") ? e.stack : e.name;
    return `AWS_${scope.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_ROLE_ARN`;
}

export interface EnvironmentRole extends EnvironmentSpec {
    roleArn: string;
}

/**
 * Per deployed stack (or stack family), the roles that may read its app secret besides the ECS
 * execution roles: the environment's deploy role and the break-glass role. Never the preview
 * role, which reads no secret.
 */
export function secretReaders(roles: EnvironmentRole[], breakGlassArn: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const r of roles.filter((x) => x.access === "deploy")) out[r.stack] = [r.roleArn, breakGlassArn];
    return out;
}

/** A shell word, single-quoted when it holds anything but safe characters. */
function sh(word: string): string {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

export interface SetupInputs {
    repository: string;
    roles: EnvironmentRole[];
    breakGlassArn: string;
    boundaryArn: string;
    /** `pulumi login` URL of the state bucket, when there is one. */
    backendUrl?: string;
    /** Secrets-provider URL per deployed stack, when there are keys. */
    secretsProviders?: Record<string, string>;
}

/**
 * The commands, in order: log in to the state bucket and create the stacks with their secrets
 * provider (self-managed backend only), put each role ARN in its environment's secret, and give
 * each main stack its reader list and permissions boundary. Run from the repository root.
 * Stack families (`pr-*`) get no config commands: their stacks do not exist yet.
 */
export function setupCommands(x: SetupInputs): string[] {
    const out: string[] = [];
    if (x.backendUrl) out.push(`pulumi login ${sh(x.backendUrl)}`);
    for (const [stack, url] of Object.entries(x.secretsProviders ?? {})) {
        if (!stack.endsWith("*")) out.push(`pulumi stack init ${sh(stack)} --secrets-provider ${sh(url)}`);
    }
    for (const r of x.roles) {
        out.push(`gh secret set ${workflowSecretName(r)} --repo ${sh(x.repository)} --env ${sh(r.name)} --body ${sh(r.roleArn)}`);
    }
    const readers = secretReaders(x.roles, x.breakGlassArn);
    for (const [stack, arns] of Object.entries(readers)) {
        if (stack.endsWith("*")) continue;
        arns.forEach((arn, i) => out.push(`pulumi config set --path ${sh(`secretReaderRoleArns[${i}]`)} ${sh(arn)} --stack ${sh(stack)}`));
        out.push(`pulumi config set permissionsBoundaryArn ${sh(x.boundaryArn)} --stack ${sh(stack)}`);
    }
    return out;
}

/** The read-only environments' stacks must be deployed ones; the deploy environment of a stack. */
export function deployEnvironmentOf(roles: EnvironmentSpec[], stack: string): EnvironmentSpec | undefined {
    return roles.find((r) => r.access === "deploy" && stackMatches(r.stack, stack));
}
