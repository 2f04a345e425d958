/**
 * What the deploy role of a family of stacks (`pr-*`, pull-request previews) may change: far less
 * than a stack's deploy role (deploy-permissions.ts), since every branch of the repository runs
 * its code with it.
 */
import { DeployGroup, ServiceRules, dataByName, deployDocuments, groupStatements, iamStatements } from "./deploy-permissions";
import { PolicyDocument, StackScope, Statement, arn, inRegions, policyDocument } from "./policy-document";

/**
 * A family of stacks (`pr-*`: pull-request previews) creates only its own compute on a base
 * stack's shared parts: an ECS cluster and services, target groups and listener rules, log
 * groups, its secrets and roles. What it may change of another resource is nothing: every
 * update, stop and delete is limited to resources tagged for the family, and it has no VPC,
 * database, cache, bucket, registry, key, alarm or DNS action at all. So a pull request's code,
 * which runs with this role, cannot alter the base stack's data stores or network.
 */
export const FAMILY_SERVICES: Record<"compute" | "ops", Record<string, ServiceRules>> = {
    compute: {
        ecs: {
            manage: [
                "ecs:CreateCluster", "ecs:CreateService", "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition",
                "ecs:DeleteTaskDefinitions",
                // The one-off task that drops a preview's database (it passes only the family's roles).
                "ecs:RunTask",
            ],
            modifyOwn: ["ecs:UpdateCluster", "ecs:UpdateClusterSettings", "ecs:PutClusterCapacityProviders", "ecs:UpdateService", "ecs:StopTask"],
            deleteOwn: ["ecs:DeleteService", "ecs:DeleteCluster"],
            tags: { add: ["ecs:TagResource"], remove: ["ecs:UntagResource"] },
        },
        elasticloadbalancing: {
            // A rule on the base's listener (the listener itself is never modified) and a target group.
            manage: ["elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:CreateRule"],
            modifyOwn: [
                "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities", "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
            ],
            deleteOwn: ["elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:DeleteRule"],
            tags: { add: ["elasticloadbalancing:AddTags"], remove: ["elasticloadbalancing:RemoveTags"] },
        },
    },
    ops: {
        logs: {
            manage: ["logs:CreateLogGroup"],
            modifyOwn: ["logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"],
            deleteOwn: ["logs:DeleteLogGroup"],
            tags: { add: ["logs:TagResource", "logs:TagLogGroup"], remove: ["logs:UntagResource", "logs:UntagLogGroup"] },
        },
    },
};

/** The family's one-off tasks' logs (`npm run task`), under the log groups named `/<app>/<stack>/…`. */
function familyTaskLogs(s: StackScope): Statement {
    return {
        Sid: "ReadOwnTaskLogs",
        Effect: "Allow",
        Action: ["logs:GetLogEvents", "logs:DescribeLogStreams"],
        Resource: [arn(s, "logs", `log-group:/${s.app}/${s.stack}`), arn(s, "logs", `log-group:/${s.app}/${s.stack}:log-stream:*`)],
        Condition: inRegions(s.regions),
    };
}

/** A deploy role's documents: a stack's (`deployDocuments`), or a family of stacks' narrower ones. */
export function deployDocumentsFor(s: StackScope): Partial<Record<DeployGroup, PolicyDocument>> {
    if (!s.stack.endsWith("*")) return deployDocuments(s);
    return {
        compute: policyDocument(groupStatements(s, FAMILY_SERVICES.compute)),
        // Its own secrets (by name), parameters and keys (by tag): no data-store actions.
        data: policyDocument(dataByName(s)),
        ops: policyDocument([...groupStatements(s, FAMILY_SERVICES.ops), familyTaskLogs(s)]),
        iam: policyDocument(iamStatements(s)),
    };
}
