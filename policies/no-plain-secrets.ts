/**
 * no-plain-secrets: credentials never sit in plain ECS container `environment` (they belong in
 * `secrets` from Secrets Manager), and Vercel variables that hold secrets are `sensitive`.
 * Messages name the variable, never its value.
 */
import * as aws from "@pulumi/aws";
import * as vercel from "@pulumiverse/vercel";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { asArray, isTrue, parseJson, secretLookingName, secretLookingValue } from "./helpers";

interface ContainerDefinition {
    name?: string;
    environment?: { name?: string; value?: string }[];
}

interface VercelVariable { key?: string; value?: string; sensitive?: boolean | string }

function checkVercel(v: VercelVariable, where: string, report: ReportViolation) {
    if (isTrue(v.sensitive) || !v.key) return;
    const looks = secretLookingValue(v.value);
    if (secretLookingName(v.key) || looks) {
        report(`${where}: variable ${v.key} ${looks ? `holds ${looks}` : "looks like a credential"} but is not sensitive, so it is readable in the Vercel dashboard and API. `
            + `Set sensitive: true (or rename it if it is public, e.g. NEXT_PUBLIC_*).`);
    }
}

function vercelWhere(args: ResourceValidationArgs): string {
    return `Vercel ${args.type.split(":").pop()} "${args.name}"`;
}

export const noPlainSecrets: ResourceValidationPolicy = {
    name: "no-plain-secrets",
    description: "No credentials in plain container environment variables; secret Vercel variables are sensitive.",
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
    ],
};
