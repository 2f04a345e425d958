/**
 * The role previews are deployed with (bootstrap: `preview-deploy=pr-*`). Every branch of the
 * repository runs its code with it, so it is narrower than staging's deploy role: it may create
 * what a preview creates and change only what is tagged for pr-*, and it has no network, data
 * store, bucket or key action at all, so a pull request cannot alter staging's shared parts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR, RecordedResource, registered } from "../tools/engine";
import { ACCOUNT, REPO, bootstrap, can, own, roleArn, roleNamed } from "./bootstrap-harness";
import { byType, goodPlan } from "./harness";
import { IamRequest, evaluateDocument } from "./iam-eval";

const ROLE = "groundwork-gha-preview-deploy";
const preview = () => goodPlan("pr-123", undefined, { previewBranch: "feature/x" });
const secret = (stack: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:groundwork-${stack}/app-AbCdEf`;

/** What each AWS resource type a preview creates needs from the role (tagged pr-123 where AWS checks tags). */
const CREATES: Record<string, (Omit<IamRequest, "context"> & { context?: IamRequest["context"] })[]> = {
    "aws:cloudwatch/logGroup:LogGroup": [{ action: "logs:CreateLogGroup", resource: "*" }],
    "aws:ecs/cluster:Cluster": [{ action: "ecs:CreateCluster", resource: "*" }],
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": [{ action: "ecs:PutClusterCapacityProviders", resource: "*" }],
    "aws:ecs/service:Service": [{ action: "ecs:CreateService", resource: "*" }],
    "aws:ecs/taskDefinition:TaskDefinition": [
        { action: "ecs:RegisterTaskDefinition", resource: "*" },
        { action: "iam:PassRole", resource: roleArn("groundwork/pr-123/execution/api-execution-1a2b"), context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    ],
    "aws:iam/role:Role": [{ action: "iam:CreateRole", resource: roleArn("groundwork/pr-123/api-task-1a2b"), context: { "iam:PermissionsBoundary": "<boundary>" } }],
    "aws:iam/rolePolicy:RolePolicy": [{ action: "iam:PutRolePolicy", resource: roleArn("groundwork/pr-123/api-task-1a2b") }],
    "aws:lb/listenerRule:ListenerRule": [{ action: "elasticloadbalancing:CreateRule", resource: "*" }],
    "aws:lb/targetGroup:TargetGroup": [{ action: "elasticloadbalancing:CreateTargetGroup", resource: "*" }],
    "aws:secretsmanager/secret:Secret": [{ action: "secretsmanager:CreateSecret", resource: secret("pr-123") }],
    "aws:secretsmanager/secretPolicy:SecretPolicy": [{ action: "secretsmanager:PutResourcePolicy", resource: secret("pr-123") }],
    "aws:secretsmanager/secretVersion:SecretVersion": [{ action: "secretsmanager:PutSecretValue", resource: secret("pr-123") }],
};

describe("the preview-deploy role (pr-*)", () => {
    it("is assumed only by the preview-deploy environment of the repository", async () => {
        const role = roleNamed(await bootstrap(), ROLE);
        const assume = (sub: string) => evaluateDocument(role.trust, {
            action: "sts:AssumeRoleWithWebIdentity", resource: role.arn,
            context: { "token.actions.githubusercontent.com:sub": sub, "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
        });
        assert.equal(assume(`repo:${REPO}:environment:preview-deploy`), "allow");
        for (const sub of [`repo:${REPO}:environment:staging`, `repo:${REPO}:pull_request`, `repo:${REPO}:environment:preview`]) assert.equal(assume(sub), undefined, sub);
    });

    it("may create every kind of AWS resource a preview creates", async () => {
        const r = await bootstrap();
        const role = roleNamed(r, ROLE);
        const types = new Set(registered(await preview()).filter((x: RecordedResource) => x.custom && !x.read && x.type.startsWith("aws:")).map((x) => x.type));
        assert.ok(types.size >= 10, `a preview's AWS types (${types.size})`);
        for (const type of [...types].sort()) {
            const calls = CREATES[type];
            assert.ok(calls, `${type} is new in previews: add its create call here and its permission to bootstrap/components/preview-permissions.ts`);
            for (const call of calls) {
                const context = Object.fromEntries(Object.entries({ ...own("pr-123"), ...call.context }).map(([k, v]) => [k, v === "<boundary>" ? role.boundaryArn : v]));
                assert.ok(can(r, role, call.action, call.resource, context), `${type}: ${call.action} on ${call.resource}`);
            }
        }
    });

    it("changes and deletes only what is tagged for a preview: never staging's services, rules, database, cache, network or buckets", async () => {
        const r = await bootstrap();
        const role = roleNamed(r, ROLE);
        const svc = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/app-cluster/api-service`;
        assert.ok(can(r, role, "ecs:UpdateService", svc, own("pr-123")));
        assert.ok(!can(r, role, "ecs:UpdateService", svc, own("staging")), "staging's service");
        assert.ok(!can(r, role, "ecs:StopTask", svc, own("staging")));
        assert.ok(can(r, role, "elasticloadbalancing:DeleteRule", "*", own("pr-123")));
        assert.ok(!can(r, role, "elasticloadbalancing:ModifyRule", "*", own("staging")), "staging's 404 rule");
        assert.ok(!can(r, role, "elasticloadbalancing:ModifyListener", "*", own("pr-123")), "no listener changes at all");
        for (const [action, resource] of [
            ["rds:ModifyDBInstance", `arn:aws:rds:us-east-1:${ACCOUNT}:db:groundwork-staging-db`], ["rds:DeleteDBInstance", `arn:aws:rds:us-east-1:${ACCOUNT}:db:x`],
            ["elasticache:ModifyReplicationGroup", "*"], ["ec2:AuthorizeSecurityGroupIngress", "*"], ["ec2:CreateVpc", "*"],
            ["s3:PutBucketPolicy", "arn:aws:s3:::uploads-bucket-1234567"], ["s3:DeleteBucket", "arn:aws:s3:::uploads-bucket-1234567"],
            ["kms:CreateKey", "*"], ["acm:RequestCertificate", "*"], ["elasticloadbalancing:CreateLoadBalancer", "*"],
        ] as const) {
            assert.ok(!can(r, role, action, resource, own("pr-123")), action);
        }
    });

    it("reads and writes only previews' secrets and roles, and only its one-off tasks' logs", async () => {
        const r = await bootstrap();
        const role = roleNamed(r, ROLE);
        assert.ok(can(r, role, "secretsmanager:GetSecretValue", secret("pr-123")));
        assert.ok(!can(r, role, "secretsmanager:GetSecretValue", secret("staging")));
        assert.ok(!can(r, role, "iam:CreateRole", roleArn("groundwork/staging/x"), { "iam:PermissionsBoundary": role.boundaryArn }));
        assert.ok(!can(r, role, "iam:PassRole", roleArn("groundwork/staging/api-execution"), { "iam:PassedToService": "ecs-tasks.amazonaws.com" }),
            "so it cannot run staging's task definitions");
        assert.ok(can(r, role, "logs:GetLogEvents", `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/groundwork/pr-123/database:log-stream:database/database/abc`));
        assert.ok(!can(r, role, "logs:GetLogEvents", `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:api-logs-1a2b3c:log-stream:api/app/abc`), "no other log events");
    });

    it("is, with the break-glass role, who may read a preview's secrets: the template holds the bootstrap's output", async () => {
        const readers = ((await bootstrap()).outputs.secretReaderRoleArns.value as Record<string, string[]>)["pr-*"];
        const template = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "preview", "Pulumi.preview.yaml"), "utf8")) as { config: Record<string, unknown> };
        assert.deepEqual(template.config["groundwork:secretReaderRoleArns"], readers);
        const r = await preview();
        const boundary = r.config["groundwork:permissionsBoundaryArn"].value;
        assert.equal(boundary, (await bootstrap()).outputs.permissionsBoundaryArn.value);
        for (const role of byType(r, "aws:iam/role:Role")) {
            assert.match(String(role.inputs.path), /^\/groundwork\/pr-123\//, role.name);
            assert.equal(role.inputs.permissionsBoundary, boundary, role.name);
        }
    });
});
