/**
 * no-plain-secrets: credentials never sit in plain ECS container `environment` (they belong in
 * `secrets` from Secrets Manager), and Vercel variables that hold secrets are `sensitive`.
 * Messages name the variable, never its value.
 */
import * as aws from "@pulumi/aws";
import * as vercel from "@pulumiverse/vercel";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { asArray, isTrue, parseJson, secretLookingName, secretLookingValue } from "./helpers";
import { publicVariableProblem } from "./tables";

interface ContainerDefinition {
    name?: string;
    environment?: { name?: string; value?: string }[];
}

interface VercelVariable { key?: string; value?: string; sensitive?: boolean | string }

/**
 * A Vercel variable that is not sensitive is public: readable in the dashboard and API, and in the
 * browser bundle under a browser prefix. The shared rule (tables.ts, which the config module also
 * applies to groundwork:webEnv) decides what may be public.
 */
function checkVercel(v: VercelVariable, where: string, report: ReportViolation) {
    if (isTrue(v.sensitive) || !v.key) return;
    const problem = publicVariableProblem(v.key, v.value);
    if (problem) {
        report(`${where}: variable ${v.key} ${problem} but is not sensitive, so it is readable in the Vercel dashboard and API. `
            + "Set sensitive: true (and keep it out of NEXT_PUBLIC_*/VITE_* names, which ship to browsers); a public key may stay plain "
            + "under a public-by-design name (STRIPE_PUBLISHABLE_KEY, VITE_SUPABASE_ANON_KEY, SENTRY_DSN).");
    }
}

function vercelWhere(args: ResourceValidationArgs): string {
    return `Vercel ${args.type.split(":").pop()} "${args.name}"`;
}

export const noPlainSecrets: ResourceValidationPolicy = {
    name: "no-plain-secrets",
    description: "No credentials in plain container environment variables; a Vercel variable is plain only when it may be public.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "Store the value in the stack's Secrets Manager secret and reference it from the container's `secrets` "
        + "({ name, valueFrom: `${secretArn}:KEY::` }); for Vercel set sensitive: true.",
    validateResource: [
        validateResourceOfType(aws.ecs.TaskDefinition, (td, args, report) => {
            const defs = parseJson(td.containerDefinitions);
            if (!Array.isArray(defs)) {
                report(`Task definition "${args.name}" has containerDefinitions that are not a JSON array, so they cannot be checked. Pass JSON.stringify([...]).`);
                return;
            }
            for (const c of defs as ContainerDefinition[]) {
                for (const e of asArray(c.environment)) {
                    if (!e?.name) continue;
                    const looks = secretLookingValue(e.value);
                    if (looks) {
                        report(`Task definition "${args.name}", container ${c.name ?? "?"}: environment ${e.name} holds ${looks} in plain text. `
                            + `Move it to the container's secrets with valueFrom a Secrets Manager ARN.`);
                    } else if (secretLookingName(e.name)) {
                        report(`Task definition "${args.name}", container ${c.name ?? "?"}: environment ${e.name} looks like a credential but is plain. `
                            + `Move it to the container's secrets with valueFrom a Secrets Manager ARN.`);
                    }
                }
            }
        }),
        validateResourceOfType(vercel.ProjectEnvironmentVariable, (v, args, report) => checkVercel(v, vercelWhere(args), report)),
        validateResourceOfType(vercel.SharedEnvironmentVariable, (v, args, report) => checkVercel(v, vercelWhere(args), report)),
        validateResourceOfType(vercel.ProjectEnvironmentVariables, (vs, args, report) => {
            for (const v of asArray(vs.variables)) checkVercel(v, vercelWhere(args), report);
        }),
        validateResourceOfType(vercel.Project, (p, args, report) => {
            for (const v of asArray(p.environments)) checkVercel(v, vercelWhere(args), report);
        }),
        // A deployment's own `environment` has no `sensitive` flag: every entry of it is plain.
        validateResourceOfType(vercel.Deployment, (d, args, report) => {
            for (const [key, value] of Object.entries(d.environment ?? {})) checkVercel({ key, value, sensitive: false }, vercelWhere(args), report);
        }),
    ],
};
