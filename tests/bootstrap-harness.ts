/**
 * The bootstrap's plan as the IAM tests read it: its roles with their trust, boundary and
 * attached policy documents, and what AWS would decide for one of them (tests/iam-eval.ts).
 * Shared by tests/bootstrap.test.ts and tests/preview-roles.test.ts.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { PROJECT_DIR, PlanRecord, RunOptions } from "../tools/engine";
import { byType, goodPlan, one } from "./harness";
import { IamDocument, IamRequest, decide } from "./iam-eval";

export const BOOTSTRAP = path.join(PROJECT_DIR, "bootstrap");
export const NS = "groundwork-bootstrap";
export const ACCOUNT = "123456789012";
export const REPO = "acme/groundwork";
export const ON = { [`${NS}:stateBucket`]: true, [`${NS}:secretsKeys`]: true };

export const bootstrap = (config?: RunOptions["config"]) => goodPlan("acme", config, BOOTSTRAP);

export interface RoleView {
    name: string;
    arn: string;
    boundaryArn: string;
    trust: IamDocument & { Statement: { Principal?: Record<string, string>; Action?: string; Condition?: Record<string, Record<string, string>> }[] };
    policies: IamDocument[];
}

const ADMINISTRATOR: IamDocument = { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** Every role in the graph with its trust, boundary and the documents of the policies attached to it. */
export function rolesOf(r: PlanRecord): RoleView[] {
    const docs = new Map(byType(r, "aws:iam/policy:Policy").map((p) => [String(p.state.arn), JSON.parse(String(p.inputs.policy)) as IamDocument]));
    docs.set("arn:aws:iam::aws:policy/AdministratorAccess", ADMINISTRATOR);
    const attachments = byType(r, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    return byType(r, "aws:iam/role:Role").map((role) => ({
        name: String(role.inputs.name),
        arn: String(role.state.arn),
        boundaryArn: String(role.inputs.permissionsBoundary),
        trust: JSON.parse(String(role.inputs.assumeRolePolicy)),
        policies: attachments.filter((a) => a.inputs.role === role.inputs.name).map((a) => {
            const doc = docs.get(String(a.inputs.policyArn));
            assert.ok(doc, `policy ${String(a.inputs.policyArn)} attached to ${String(role.inputs.name)} is not in the graph`);
            return doc;
        }),
    }));
}

export function roleNamed(r: PlanRecord, name: string): RoleView {
    const found = rolesOf(r).find((x) => x.name === name);
    assert.ok(found, `no role ${name}`);
    return found;
}

export function boundaryOf(r: PlanRecord): IamDocument {
    return JSON.parse(String(one(r, "aws:iam/policy:Policy", "boundary-policy").inputs.policy));
}

/** What AWS would decide for the role, in us-east-1 unless the context says otherwise. */
export function can(r: PlanRecord, role: RoleView, action: string, resource: string, context: IamRequest["context"] = {}): boolean {
    const req = { action, resource, context: { "aws:RequestedRegion": "us-east-1", "aws:PrincipalArn": role.arn, ...context } };
    return decide(role.policies, boundaryOf(r), req) === "allow";
}

export const own = (stack: string) => ({ "aws:ResourceTag/app": "groundwork", "aws:ResourceTag/stack": stack });
export const roleArn = (p: string) => `arn:aws:iam::${ACCOUNT}:role/${p}`;
