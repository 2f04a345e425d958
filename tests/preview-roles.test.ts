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
import { byType, goodPlan, one } from "./harness";
import { IamDocument, IamRequest, IamStatement, decide, evaluateDocument } from "./iam-eval";

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
    "aws:iam/role:Role": [{ action: "iam:CreateRole", resource: roleArn("groundwork/pr-123/api-task-1a2b"), context: { "iam:PermissionsBoundary": "<preview-boundary>" } }],
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
        const previewBoundary = String(r.outputs.previewPermissionsBoundaryArn.value);
        const types = new Set(registered(await preview()).filter((x: RecordedResource) => x.custom && !x.read && x.type.startsWith("aws:")).map((x) => x.type));
        assert.ok(types.size >= 10, `a preview's AWS types (${types.size})`);
        for (const type of [...types].sort()) {
            const calls = CREATES[type];
            assert.ok(calls, `${type} is new in previews: add its create call here and its permission to bootstrap/components/preview-permissions.ts`);
            for (const call of calls) {
                const context = Object.fromEntries(Object.entries({ ...own("pr-123"), ...call.context }).map(([k, v]) => [k, v === "<preview-boundary>" ? previewBoundary : v]));
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
        assert.equal(boundary, (await bootstrap()).outputs.previewPermissionsBoundaryArn.value);
        for (const role of byType(r, "aws:iam/role:Role")) {
            assert.match(String(role.inputs.path), /^\/groundwork\/pr-123\//, role.name);
            assert.equal(role.inputs.permissionsBoundary, boundary, role.name);
        }
    });

    describe("what the roles a preview creates can do, whatever a pull request writes on them", () => {
        const previewBoundary = async (): Promise<IamDocument> =>
            JSON.parse(String(one(await bootstrap(), "aws:iam/policy:Policy", "preview-boundary-policy").inputs.policy)) as IamDocument;
        const ADMIN: IamDocument = { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
        const under = async (req: IamRequest) => decide([ADMIN], await previewBoundary(), { ...req, context: { "aws:RequestedRegion": "us-east-1", ...req.context } });

        it("creates them only under the previews' boundary, and attaches no managed policy (AdministratorAccess) to them", async () => {
            const r = await bootstrap();
            const role = roleNamed(r, ROLE);
            const task = roleArn("groundwork/pr-123/api-task-1a2b");
            assert.ok(can(r, role, "iam:CreateRole", task, { "iam:PermissionsBoundary": String(r.outputs.previewPermissionsBoundaryArn.value) }));
            assert.ok(!can(r, role, "iam:CreateRole", task, { "iam:PermissionsBoundary": role.boundaryArn }), "not under the stacks' broader boundary");
            assert.ok(!can(r, role, "iam:CreateRole", task, {}), "not without a boundary");
            assert.ok(!can(r, role, "iam:PutRolePermissionsBoundary", task, { "iam:PermissionsBoundary": role.boundaryArn }));
            for (const action of ["iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary"]) {
                assert.ok(!can(r, role, action, task, { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" }), action);
            }
            // A stack's own deploy role still attaches managed policies (its NAT instances' SSM policy).
            assert.ok(can(r, roleNamed(r, "groundwork-gha-staging"), "iam:AttachRolePolicy", roleArn("groundwork/staging/net-nat-0"), { "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }));
        });

        it("even with every action allowed on them, reach only previews' secrets and objects, logs and image pulls", async () => {
            const denied: [string, string][] = [
                ["rds:ModifyDBInstance", `arn:aws:rds:us-east-1:${ACCOUNT}:db:groundwork-prod-db`],
                ["secretsmanager:GetSecretValue", `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:groundwork-prod/app-AbCdEf`],
                ["secretsmanager:GetSecretValue", `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:groundwork-staging/app-AbCdEf`],
                ["s3:GetObject", "arn:aws:s3:::groundwork-prod-uploads-1a2b/invoices/1.pdf"],
                ["s3:GetObject", "arn:aws:s3:::groundwork-staging-uploads-1a2b/avatars/1.png"],
                ["s3:PutBucketPolicy", "arn:aws:s3:::groundwork-staging-uploads-1a2b"],
                ["iam:CreateRole", roleArn("groundwork/pr-123/x")], ["iam:PassRole", roleArn("groundwork/prod/execution/api-execution")],
                ["ecs:RunTask", "*"], ["elasticloadbalancing:CreateRule", "*"], ["ec2:AuthorizeSecurityGroupIngress", "*"],
                ["kms:Decrypt", `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234`], ["elasticache:ModifyReplicationGroup", "*"], ["ssm:GetParameter", "*"],
            ];
            for (const [action, resource] of denied) assert.notEqual(await under({ action, resource }), "allow", `${action} on ${resource}`);
            const allowed: IamRequest[] = [
                { action: "secretsmanager:GetSecretValue", resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:groundwork-pr-123/app-AbCdEf` },
                { action: "s3:GetObject", resource: "arn:aws:s3:::groundwork-staging-uploads-1a2b/previews/pr-123/a.png" },
                { action: "s3:ListBucket", resource: "arn:aws:s3:::groundwork-staging-uploads-1a2b", context: { "s3:prefix": "previews/pr-123/" } },
                { action: "kms:GenerateDataKey", resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234`, context: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
                // Reading its own secret at task start: Secrets Manager decrypts with the secret's key as the caller.
                { action: "kms:Decrypt", resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234`, context: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } },
                { action: "logs:PutLogEvents", resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:api-logs-1a2b:log-stream:api/app/1` },
                { action: "ecr:BatchGetImage", resource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/groundwork-staging-app` },
            ];
            for (const req of allowed) assert.equal(await under(req), "allow", `${req.action} on ${req.resource}`);
            assert.notEqual(await under({ action: "s3:ListBucket", resource: "arn:aws:s3:::groundwork-staging-uploads-1a2b", context: { "s3:prefix": "avatars/" } }), "allow");
        });

        it("leaves a preview's own tasks everything their policies grant (the boundary does not break a preview)", async () => {
            const r = await preview();
            const boundary = await previewBoundary();
            const policies = byType(r, "aws:iam/rolePolicy:RolePolicy");
            assert.ok(policies.length >= 4, `a preview's role policies (${policies.length})`);
            let checked = 0;
            for (const p of policies) {
                const doc = JSON.parse(String(p.inputs.policy)) as { Statement: (IamStatement & { Action: string[]; Resource: string | string[] })[] };
                for (const st of doc.Statement.filter((x) => x.Effect === "Allow")) {
                    // A request each statement allows: its resources with wildcards filled in, its condition's values.
                    const context: Record<string, string> = { "aws:RequestedRegion": "us-east-1" };
                    for (const values of Object.values(st.Condition ?? {})) {
                        for (const [k, v] of Object.entries(values)) context[k] = String(Array.isArray(v) ? v[0] : v).replace(/\*/g, "x");
                    }
                    for (const action of [st.Action].flat()) {
                        for (const resource of [st.Resource].flat()) {
                            const req = { action, resource: resource.replace(/\*/g, "x"), context };
                            assert.equal(decide([doc], boundary, req), "allow", `${p.name}: ${action} on ${req.resource}`);
                            checked++;
                        }
                    }
                }
            }
            assert.ok(checked >= 10, `requests checked (${checked})`);
        });
    });
});
