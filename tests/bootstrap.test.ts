/**
 * The bootstrap (bootstrap/): planned offline like the main program, its graph checked by the
 * policy pack, and its IAM read as AWS would decide it (tests/iam-eval.ts): who may assume each
 * role, what each role may do under the permissions boundary, and what the outputs hand on.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR, RecordedResource, RunOptions, readProject, registered } from "../tools/engine";
import { parseArgs, projectDirOf } from "../tools/cli";
import { evaluatePolicies } from "../tools/policy-runner";
import { ACCOUNT, BOOTSTRAP, NS, ON, REPO, bootstrap, can, own, roleArn, roleNamed, rolesOf } from "./bootstrap-harness";
import { EVERY_OPT_IN, byType, goodPlan, one, plan, problemKeys } from "./harness";
import { IamRequest, decide, evaluateDocument } from "./iam-eval";

describe("bootstrap", () => {
    describe("plans offline", () => {
        it("plans the example stack: the OIDC provider, a role per GitHub environment, the break-glass role and the boundary", async () => {
            const r = await bootstrap();
            assert.equal(r.project, NS);
            assert.equal(byType(r, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 1);
            assert.deepEqual(rolesOf(r).map((x) => x.name).sort(),
                ["groundwork-break-glass", "groundwork-gha-preview", "groundwork-gha-preview-deploy", "groundwork-gha-production", "groundwork-gha-staging"]);
            assert.equal(byType(r, "aws:s3/bucket:Bucket").length + byType(r, "aws:kms/key:Key").length, 0, "no backend unless asked");
            const provider = one(r, "pulumi:providers:aws");
            assert.equal(provider.inputs.region, "us-east-1");
        });

        it("is planned from the command line with --project bootstrap", () => {
            assert.equal(projectDirOf(parseArgs(["--project", "bootstrap", "--stack", "acme"])), BOOTSTRAP);
            assert.equal(projectDirOf(parseArgs(["--stack", "prod"])), undefined);
            assert.match(fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8"), /npm run plan -- --project bootstrap --stack acme/);
        });

        it("uses an existing OIDC provider by ARN instead of creating one", async () => {
            const existing = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
            const r = await bootstrap({ [`${NS}:githubOidcProviderArn`]: existing });
            assert.equal(byType(r, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
            const gha = rolesOf(r).filter((x) => x.name.includes("-gha-"));
            assert.equal(gha.length, 4);
            for (const role of gha) assert.equal(role.trust.Statement[0].Principal?.Federated, existing);
        });

        it("builds a protected, versioned, encrypted, TLS-only, private state bucket and a rotating key per deploy environment", async () => {
            const r = await bootstrap(ON);
            const bucket = one(r, "aws:s3/bucket:Bucket");
            assert.equal(bucket.inputs.forceDestroy, false);
            assert.ok(bucket.options.protect && bucket.options.retainOnDelete);
            const config = (type: string) => byType(r, type).filter((c) => c.parent.includes("backend-state"));
            assert.deepEqual(config("aws:s3/bucketVersioning:BucketVersioning")[0].inputs.versioningConfiguration, { status: "Enabled" });
            const pab = config("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].inputs;
            assert.ok(pab.blockPublicAcls && pab.blockPublicPolicy && pab.ignorePublicAcls && pab.restrictPublicBuckets);
            assert.ok(config("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").length === 1);
            const keys = byType(r, "aws:kms/key:Key");
            assert.equal(keys.length, 3, "staging, production and the previews' (preview-deploy)");
            for (const k of keys) {
                assert.equal(k.inputs.enableKeyRotation, true);
                assert.equal(k.inputs.deletionWindowInDays, 30);
                assert.ok(k.options.protect && k.options.retainOnDelete, `${k.name} is protected`);
            }
        });

        for (const [label, config] of [["without", undefined], ["with", ON]] as const) {
            it(`passes the policy pack ${label} the self-managed backend`, async () => {
                const r = await bootstrap(config);
                const verdict = await evaluatePolicies(r);
                assert.ok(verdict.rules.includes("us-regions") && verdict.rules.includes("encryption-at-rest"));
                assert.deepEqual(verdict.mandatory, []);
                assert.deepEqual(verdict.advisory, [], "the provider tags every resource with app, stack and managed-by");
                if (config) {
                    // The bucket rules had a bucket to check.
                    assert.equal(byType(r, "aws:s3/bucket:Bucket").length, 1);
                    assert.ok(verdict.rules.includes("private-buckets") && verdict.rules.includes("s3-deny-insecure-transport"));
                }
            });
        }
    });

    describe("trust policies", () => {
        it("let each GitHub role be assumed only by its environment of the one repository, with the STS audience", async () => {
            const r = await bootstrap();
            const provider = String(one(r, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").state.arn);
            const gha = rolesOf(r).filter((x) => x.name.includes("-gha-"));
            assert.equal(gha.length, 4);
            for (const role of gha) {
                const env = role.name.replace("groundwork-gha-", "");
                assert.equal(role.trust.Statement.length, 1);
                const s = role.trust.Statement[0];
                assert.deepEqual(s.Principal, { Federated: provider });
                assert.equal(s.Action, "sts:AssumeRoleWithWebIdentity");
                assert.deepEqual(Object.keys(s.Condition ?? {}), ["StringEquals"], "compared whole: no StringLike");
                const eq = s.Condition?.StringEquals ?? {};
                assert.equal(eq["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
                assert.equal(eq["token.actions.githubusercontent.com:sub"], `repo:${REPO}:environment:${env}`);
                assert.doesNotMatch(eq["token.actions.githubusercontent.com:sub"], /[*?]/);
            }
        });

        it("refuse branches, pull requests, other environments, other repositories and other audiences", async () => {
            const role = roleNamed(await bootstrap(), "groundwork-gha-staging");
            const assume = (sub: string, aud = "sts.amazonaws.com") => evaluateDocument(role.trust, {
                action: "sts:AssumeRoleWithWebIdentity", resource: role.arn,
                context: { "token.actions.githubusercontent.com:sub": sub, "token.actions.githubusercontent.com:aud": aud },
            });
            assert.equal(assume(`repo:${REPO}:environment:staging`), "allow");
            for (const sub of [`repo:${REPO}:ref:refs/heads/main`, `repo:${REPO}:pull_request`, `repo:${REPO}:environment:production`,
                `repo:${REPO}-fork:environment:staging`, `repo:evil/groundwork:environment:staging`]) {
                assert.equal(assume(sub), undefined, sub);
            }
            assert.equal(assume(`repo:${REPO}:environment:staging`, "https://github.com/acme"), undefined);
        });

        it("let only this account's principals with a recent MFA sign-in assume the break-glass role", async () => {
            const role = roleNamed(await bootstrap(), "groundwork-break-glass");
            assert.deepEqual(role.trust.Statement.map((s) => s.Principal), [{ AWS: `arn:aws:iam::${ACCOUNT}:root` }]);
            const assume = (context: Record<string, string>) => evaluateDocument(role.trust, { action: "sts:AssumeRole", resource: role.arn, context });
            assert.equal(assume({ "aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "300" }), "allow");
            assert.equal(assume({ "aws:MultiFactorAuthPresent": "false", "aws:MultiFactorAuthAge": "300" }), undefined);
            assert.equal(assume({}), undefined, "no MFA context at all");
            assert.equal(assume({ "aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "7200" }), undefined);
        });
    });

    describe("permissions boundary", () => {
        it("is on every role the bootstrap creates", async () => {
            const r = await bootstrap(ON);
            const boundary = String(one(r, "aws:iam/policy:Policy", "boundary-policy").state.arn);
            const roles = rolesOf(r);
            assert.equal(roles.length, 5);
            for (const role of roles) assert.equal(role.boundaryArn, boundary, role.name);
        });

        it("refuses IAM users, access keys, roles without it and changes to itself or the bootstrap, even to an administrator", async () => {
            const r = await bootstrap(ON);
            const boundary = String(one(r, "aws:iam/policy:Policy", "boundary-policy").state.arn);
            const admin = roleNamed(r, "groundwork-break-glass");
            assert.ok(can(r, admin, "rds:DeleteDBInstance", "arn:aws:rds:us-east-1:123456789012:db:x"), "it is an administrator otherwise");
            assert.ok(!can(r, admin, "iam:CreateUser", "arn:aws:iam::123456789012:user/x"));
            assert.ok(!can(r, admin, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/x"));
            assert.ok(!can(r, admin, "iam:CreateRole", roleArn("x")), "a role without the boundary");
            assert.ok(can(r, admin, "iam:CreateRole", roleArn("x"), { "iam:PermissionsBoundary": boundary }));
            assert.ok(!can(r, admin, "iam:CreatePolicyVersion", boundary));
            assert.ok(!can(r, admin, "iam:DeleteRolePermissionsBoundary", roleArn("groundwork/staging/x")));
            assert.ok(!can(r, admin, "iam:UpdateAssumeRolePolicy", roleArn("groundwork-bootstrap/groundwork-gha-production")));
            assert.ok(!can(r, admin, "iam:DeleteOpenIDConnectProvider", "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"));
            const bucket = String(one(r, "aws:s3/bucket:Bucket").state.arn);
            assert.ok(!can(r, admin, "s3:PutBucketPolicy", bucket));
            assert.ok(!can(r, admin, "s3:DeleteObjectVersion", `${bucket}/.pulumi/stacks/groundwork/prod.json`));
        });
    });

    describe("deploy roles", () => {
        it("create roles only under the boundary and their own stack's path, and pass them only to the services that run them", async () => {
            const r = await bootstrap();
            const staging = roleNamed(r, "groundwork-gha-staging");
            const boundary = { "iam:PermissionsBoundary": staging.boundaryArn };
            assert.ok(can(r, staging, "iam:CreateRole", roleArn("groundwork/staging/api-task"), boundary));
            assert.ok(!can(r, staging, "iam:CreateRole", roleArn("groundwork/staging/api-task")), "without the boundary");
            assert.ok(!can(r, staging, "iam:CreateRole", roleArn("groundwork/staging/api-task"), { "iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/other" }));
            assert.ok(!can(r, staging, "iam:CreateRole", roleArn("groundwork/prod/api-task"), boundary), "prod's path");
            // The role's own policy requires the boundary too, not only the boundary itself.
            const ownPolicyOnly = (context: IamRequest["context"]) => decide(staging.policies, undefined,
                { action: "iam:CreateRole", resource: roleArn("groundwork/staging/api-task"), context });
            assert.equal(ownPolicyOnly({}), "implicit-deny");
            assert.equal(ownPolicyOnly(boundary), "allow");
            assert.ok(!can(r, staging, "iam:AttachRolePolicy", roleArn("admin")));
            assert.ok(can(r, staging, "iam:PutRolePolicy", roleArn("groundwork/staging/api-task")));
            assert.ok(can(r, staging, "iam:PassRole", roleArn("groundwork/staging/api-task"), { "iam:PassedToService": "ecs-tasks.amazonaws.com" }));
            assert.ok(!can(r, staging, "iam:PassRole", roleArn("groundwork/staging/api-task"), { "iam:PassedToService": "ec2.amazonaws.com" }));
            assert.ok(!can(r, staging, "iam:PassRole", roleArn("groundwork/prod/api-task"), { "iam:PassedToService": "ecs-tasks.amazonaws.com" }));
        });

        it("cannot create IAM users or access keys, nor edit the boundary or the bootstrap's roles", async () => {
            const r = await bootstrap();
            for (const name of ["groundwork-gha-staging", "groundwork-gha-production"]) {
                const role = roleNamed(r, name);
                assert.ok(!can(r, role, "iam:CreateUser", "arn:aws:iam::123456789012:user/ci"));
                assert.ok(!can(r, role, "iam:CreateAccessKey", "arn:aws:iam::123456789012:user/ci"));
                assert.ok(!can(r, role, "iam:CreatePolicyVersion", role.boundaryArn));
                assert.ok(!can(r, role, "iam:DeletePolicy", role.boundaryArn));
                assert.ok(!can(r, role, "iam:AttachRolePolicy", role.arn), "not even to itself");
                assert.ok(!can(r, role, "iam:UpdateAssumeRolePolicy", roleArn("groundwork-bootstrap/groundwork-break-glass")));
            }
        });

        it("delete and re-tag only their own stack's resources", async () => {
            const r = await bootstrap();
            const staging = roleNamed(r, "groundwork-gha-staging");
            const db = "arn:aws:rds:us-east-1:123456789012:db:groundwork-prod-db";
            assert.ok(can(r, staging, "rds:DeleteDBInstance", db, own("staging")));
            assert.ok(!can(r, staging, "rds:DeleteDBInstance", db, own("prod")));
            assert.ok(can(r, roleNamed(r, "groundwork-gha-production"), "rds:DeleteDBInstance", db, own("prod")));
            const vpc = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1";
            const retag = { "aws:RequestTag/app": "groundwork", "aws:RequestTag/stack": "staging", "aws:TagKeys": ["app", "stack"] };
            assert.ok(!can(r, staging, "ec2:CreateTags", vpc, { ...own("prod"), ...retag }), "moving prod's VPC to staging");
            assert.ok(can(r, staging, "ec2:CreateTags", vpc, retag), "tagging a new (untagged) VPC on creation");
            assert.ok(can(r, staging, "ec2:CreateTags", vpc, { ...own("staging"), "aws:TagKeys": ["Name"] }));
            assert.ok(!can(r, staging, "ec2:DeleteTags", vpc, { ...own("staging"), "aws:TagKeys": ["stack"] }));
            assert.ok(can(r, staging, "ec2:DeleteTags", vpc, { ...own("staging"), "aws:TagKeys": ["Name"] }));
            assert.ok(!can(r, staging, "kms:ScheduleKeyDeletion", "arn:aws:kms:us-east-1:123456789012:key/k", own("prod")));
        });

        it("read and write only their own stack's secrets, and act only in the deploy regions", async () => {
            const r = await bootstrap();
            const staging = roleNamed(r, "groundwork-gha-staging");
            const secret = (stack: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:groundwork-${stack}/app-AbCdEf`;
            assert.ok(can(r, staging, "secretsmanager:GetSecretValue", secret("staging")));
            assert.ok(!can(r, staging, "secretsmanager:GetSecretValue", secret("prod")));
            assert.ok(!can(r, staging, "secretsmanager:PutSecretValue", secret("prod")));
            assert.ok(can(r, staging, "ec2:CreateVpc", "*"));
            assert.ok(!can(r, staging, "ec2:CreateVpc", "*", { "aws:RequestedRegion": "eu-west-1" }));
            assert.ok(!can(r, staging, "s3:GetObject", "arn:aws:s3:::uploads-bucket-1234567/user/file.pdf"), "never the app's data");
        });

        // The main program's resource types and the call that creates each (plus what it needs besides).
        const CREATES: Record<string, (Omit<IamRequest, "context"> & { context?: IamRequest["context"] })[]> = {
            "aws:acm/certificate:Certificate": [{ action: "acm:RequestCertificate", resource: "*" }],
            "aws:acm/certificateValidation:CertificateValidation": [{ action: "acm:DescribeCertificate", resource: "*" }],
            "aws:appautoscaling/policy:Policy": [{ action: "application-autoscaling:PutScalingPolicy", resource: "*" }],
            "aws:appautoscaling/target:Target": [{ action: "application-autoscaling:RegisterScalableTarget", resource: "*" }],
            "aws:cloudwatch/dashboard:Dashboard": [{ action: "cloudwatch:PutDashboard", resource: "*" }],
            "aws:cloudwatch/logGroup:LogGroup": [{ action: "logs:CreateLogGroup", resource: "*" }],
            "aws:cloudwatch/metricAlarm:MetricAlarm": [{ action: "cloudwatch:PutMetricAlarm", resource: "*" }],
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": [{ action: "ec2:RevokeSecurityGroupEgress", resource: "*" }],
            "aws:ec2/eip:Eip": [{ action: "ec2:AllocateAddress", resource: "*" }],
            "aws:ec2/launchTemplate:LaunchTemplate": [{ action: "ec2:CreateLaunchTemplate", resource: "*" }],
            "aws:ec2/networkInterface:NetworkInterface": [{ action: "ec2:CreateNetworkInterface", resource: "*" }],
            "aws:autoscaling/group:Group": [
                { action: "autoscaling:CreateAutoScalingGroup", resource: "*" },
                // The group launches from a template that names an instance profile: the caller needs both.
                { action: "ec2:RunInstances", resource: "*" },
                { action: "iam:PassRole", resource: roleArn("groundwork/staging/net-nat-0-role"), context: { "iam:PassedToService": "ec2.amazonaws.com" } },
            ],
            "aws:budgets/budget:Budget": [{ action: "budgets:ModifyBudget", resource: "arn:aws:budgets::123456789012:budget/budget-1234567" }],
            "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": [{ action: "ecs:PutClusterCapacityProviders", resource: "*" }],
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": [{ action: "iam:AttachRolePolicy", resource: roleArn("groundwork/staging/net-nat-0-role") }],
            "aws:iam/instanceProfile:InstanceProfile": [
                { action: "iam:CreateInstanceProfile", resource: "arn:aws:iam::123456789012:instance-profile/groundwork/staging/net-nat-0-profile" },
                { action: "iam:AddRoleToInstanceProfile", resource: "arn:aws:iam::123456789012:instance-profile/groundwork/staging/net-nat-0-profile" },
            ],
            "aws:sns/topicPolicy:TopicPolicy": [{ action: "sns:SetTopicAttributes", resource: "arn:aws:sns:us-east-1:123456789012:alerts" }],
            "aws:ec2/flowLog:FlowLog": [
                { action: "ec2:CreateFlowLogs", resource: "*" },
                { action: "iam:PassRole", resource: roleArn("groundwork/staging/flow-logs"), context: { "iam:PassedToService": "vpc-flow-logs.amazonaws.com" } },
            ],
            "aws:ec2/internetGateway:InternetGateway": [{ action: "ec2:CreateInternetGateway", resource: "*" }],
            "aws:ec2/managedPrefixList:ManagedPrefixList": [{ action: "ec2:CreateManagedPrefixList", resource: "*" }],
            "aws:ec2/natGateway:NatGateway": [{ action: "ec2:CreateNatGateway", resource: "*" }],
            "aws:ec2/route:Route": [{ action: "ec2:CreateRoute", resource: "*" }],
            "aws:ec2/routeTable:RouteTable": [{ action: "ec2:CreateRouteTable", resource: "*" }],
            "aws:ec2/routeTableAssociation:RouteTableAssociation": [{ action: "ec2:AssociateRouteTable", resource: "*" }],
            "aws:ec2/securityGroup:SecurityGroup": [{ action: "ec2:CreateSecurityGroup", resource: "*" }],
            "aws:ec2/subnet:Subnet": [{ action: "ec2:CreateSubnet", resource: "*" }],
            "aws:ec2/vpc:Vpc": [{ action: "ec2:CreateVpc", resource: "*" }],
            "aws:ec2/vpcEndpoint:VpcEndpoint": [{ action: "ec2:CreateVpcEndpoint", resource: "*" }],
            "aws:ecr/lifecyclePolicy:LifecyclePolicy": [{ action: "ecr:PutLifecyclePolicy", resource: "*" }],
            "aws:ecr/repository:Repository": [{ action: "ecr:CreateRepository", resource: "*" }],
            "aws:ecs/cluster:Cluster": [{ action: "ecs:CreateCluster", resource: "*" }],
            "aws:ecs/service:Service": [
                { action: "ecs:CreateService", resource: "*" },
                { action: "iam:CreateServiceLinkedRole", resource: roleArn("aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"), context: { "iam:AWSServiceName": "ecs.amazonaws.com" } },
            ],
            "aws:ecs/taskDefinition:TaskDefinition": [
                { action: "ecs:RegisterTaskDefinition", resource: "*" },
                { action: "iam:PassRole", resource: roleArn("groundwork/staging/api-execution"), context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
            ],
            "aws:elasticache/parameterGroup:ParameterGroup": [{ action: "elasticache:CreateCacheParameterGroup", resource: "*" }],
            "aws:elasticache/replicationGroup:ReplicationGroup": [{ action: "elasticache:CreateReplicationGroup", resource: "*" }],
            "aws:elasticache/subnetGroup:SubnetGroup": [{ action: "elasticache:CreateCacheSubnetGroup", resource: "*" }],
            "aws:iam/role:Role": [{ action: "iam:CreateRole", resource: roleArn("groundwork/staging/api-task"), context: { "iam:PermissionsBoundary": "<boundary>" } }],
            "aws:iam/rolePolicy:RolePolicy": [{ action: "iam:PutRolePolicy", resource: roleArn("groundwork/staging/api-task") }],
            "aws:kms/key:Key": [
                { action: "kms:CreateKey", resource: "*" },
                { action: "kms:CreateGrant", resource: "arn:aws:kms:us-east-1:123456789012:key/k", context: own("staging") },
            ],
            "aws:lb/listener:Listener": [{ action: "elasticloadbalancing:CreateListener", resource: "*" }],
            "aws:lb/listenerCertificate:ListenerCertificate": [{ action: "elasticloadbalancing:AddListenerCertificates", resource: "*" }],
            "aws:lb/listenerRule:ListenerRule": [{ action: "elasticloadbalancing:CreateRule", resource: "*" }],
            "aws:lb/loadBalancer:LoadBalancer": [{ action: "elasticloadbalancing:CreateLoadBalancer", resource: "*" }],
            "aws:lb/targetGroup:TargetGroup": [{ action: "elasticloadbalancing:CreateTargetGroup", resource: "*" }],
            "aws:rds/instance:Instance": [{ action: "rds:CreateDBInstance", resource: "*" }],
            "aws:rds/parameterGroup:ParameterGroup": [{ action: "rds:CreateDBParameterGroup", resource: "*" }],
            "aws:rds/subnetGroup:SubnetGroup": [{ action: "rds:CreateDBSubnetGroup", resource: "*" }],
            "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": [{ action: "rds:StartDBInstanceAutomatedBackupsReplication", resource: "*" }],
            // Route 53 is global: its calls go to us-east-1 whatever the stack's region.
            "aws:route53/healthCheck:HealthCheck": [{ action: "route53:CreateHealthCheck", resource: "*" }],
            "aws:s3/bucket:Bucket": [{ action: "s3:CreateBucket", resource: "arn:aws:s3:::uploads-bucket-1234567" }],
            "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": [{ action: "s3:PutBucketCORS", resource: "arn:aws:s3:::uploads-bucket-1234567" }],
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": [{ action: "s3:PutLifecycleConfiguration", resource: "arn:aws:s3:::uploads-bucket-1234567" }],
            "aws:s3/bucketLogging:BucketLogging": [{ action: "s3:PutBucketLogging", resource: "arn:aws:s3:::uploads-bucket-1234567" }],
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": [{ action: "s3:PutBucketOwnershipControls", resource: "arn:aws:s3:::uploads-bucket-1234567" }],
            "aws:s3/bucketPolicy:BucketPolicy": [{ action: "s3:PutBucketPolicy", resource: "arn:aws:s3:::uploads-bucket-1234567" }],
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": [{ action: "s3:PutBucketPublicAccessBlock", resource: "arn:aws:s3:::uploads-bucket-1234567" }],
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig": [{ action: "s3:PutReplicationConfiguration", resource: "arn:aws:s3:::uploads-bucket-1234567" }],
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [{ action: "s3:PutEncryptionConfiguration", resource: "arn:aws:s3:::uploads-bucket-1234567" }],
            "aws:s3/bucketVersioning:BucketVersioning": [{ action: "s3:PutBucketVersioning", resource: "arn:aws:s3:::uploads-bucket-1234567" }],
            "aws:secretsmanager/secret:Secret": [{ action: "secretsmanager:CreateSecret", resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:groundwork-staging/app-AbCdEf" }],
            "aws:secretsmanager/secretPolicy:SecretPolicy": [{ action: "secretsmanager:PutResourcePolicy", resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:groundwork-staging/app-AbCdEf" }],
            "aws:secretsmanager/secretVersion:SecretVersion": [{ action: "secretsmanager:PutSecretValue", resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:groundwork-staging/app-AbCdEf" }],
            "aws:sns/topic:Topic": [{ action: "sns:CreateTopic", resource: "arn:aws:sns:us-east-1:123456789012:alerts" }],
            "aws:sns/topicSubscription:TopicSubscription": [{ action: "sns:Subscribe", resource: "arn:aws:sns:us-east-1:123456789012:alerts" }],
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [{ action: "ec2:AuthorizeSecurityGroupEgress", resource: "*" }],
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [{ action: "ec2:AuthorizeSecurityGroupIngress", resource: "*" }],
            // The opt-in operations parts (jobs, backups, dbAccess).
            "aws:scheduler/scheduleGroup:ScheduleGroup": [{ action: "scheduler:CreateScheduleGroup", resource: "*" }],
            "aws:scheduler/schedule:Schedule": [
                { action: "scheduler:CreateSchedule", resource: "*" },
                { action: "iam:PassRole", resource: roleArn("groundwork/staging/jobs-scheduler"), context: { "iam:PassedToService": "scheduler.amazonaws.com" } },
            ],
            "aws:cloudwatch/eventRule:EventRule": [{ action: "events:PutRule", resource: "*" }],
            "aws:cloudwatch/eventTarget:EventTarget": [{ action: "events:PutTargets", resource: "*" }],
            "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": [{ action: "logs:PutResourcePolicy", resource: "*" }],
            "aws:cloudwatch/logMetricFilter:LogMetricFilter": [{ action: "logs:PutMetricFilter", resource: "*" }],
        };

        it("may create every kind of AWS resource the main program creates, in both stacks' shapes and with every opt-in part", async () => {
            const r = await bootstrap();
            const staging = roleNamed(r, "groundwork-gha-staging");
            const types = new Set<string>();
            for (const stack of ["staging", "prod"]) {
                for (const res of registered(await goodPlan(stack)) as RecordedResource[]) if (res.custom && res.type.startsWith("aws:")) types.add(res.type);
            }
            for (const res of registered(await goodPlan("staging", EVERY_OPT_IN)) as RecordedResource[]) if (res.custom && res.type.startsWith("aws:")) types.add(res.type);
            assert.ok(types.has("aws:scheduler/schedule:Schedule"), "the opt-in parts were planned");
            assert.ok(types.size > 40, `the main program's AWS types were found (${types.size})`);
            for (const type of [...types].sort()) {
                const calls = CREATES[type];
                assert.ok(calls, `${type} is new in the main program: add its create call here and its permissions to bootstrap/components/deploy-permissions.ts`);
                for (const call of calls) {
                    const context = Object.fromEntries(Object.entries({ ...own("staging"), ...call.context }).map(([k, v]) => [k, v === "<boundary>" ? staging.boundaryArn : v]));
                    assert.ok(can(r, staging, call.action, call.resource, context), `${type}: ${call.action} on ${call.resource}`);
                }
            }
        });
    });

    describe("the preview role", () => {
        const WRITE_VERBS = /^[a-z0-9-]+:(Create|Put|Delete|Update|Modify|Tag|Untag|Attach|Detach|Authorize|Revoke|Associate|Disassociate|Register|Deregister|Run|Start|Stop|Set|Add|Remove|Replace|Release|Allocate|Enable|Disable|Schedule|Cancel|Encrypt|GenerateDataKey|ReEncrypt|Pass|Request|Subscribe|Unsubscribe|Restore|Reboot|Reset|Change|Upload|Import|Export|Copy|Invoke|Execute|\*)/i;

        it("is allowed only reads: Describe, Get, List, View, and decrypting its stack's secrets", async () => {
            const r = await bootstrap(ON);
            const preview = roleNamed(r, "groundwork-gha-preview");
            const allowed = preview.policies.flatMap((d) => (Array.isArray(d.Statement) ? d.Statement : [d.Statement]))
                .filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action ?? []].flat());
            assert.ok(allowed.length > 20);
            for (const action of allowed) {
                assert.doesNotMatch(action, WRITE_VERBS);
                assert.match(action, /^[a-z0-9-]+:(Describe|Get|List|View)|^kms:Decrypt$/, action);
            }
        });

        it("cannot read a secret value, the app's objects or another stack's state", async () => {
            const r = await bootstrap(ON);
            const preview = roleNamed(r, "groundwork-gha-preview");
            const bucket = String(one(r, "aws:s3/bucket:Bucket").state.arn);
            const key = (env: string) => String(one(r, "aws:kms/key:Key", `backend-secrets-${env}`).state.arn);
            assert.ok(!can(r, preview, "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:groundwork-staging/app-AbCdEf"));
            assert.ok(!can(r, preview, "s3:GetObject", "arn:aws:s3:::uploads-bucket-1234567/user/file.pdf"));
            assert.ok(!can(r, preview, "s3:ListBucket", "arn:aws:s3:::uploads-bucket-1234567"));
            assert.ok(!can(r, preview, "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/groundwork/staging/token"));
            assert.ok(can(r, preview, "s3:GetObject", `${bucket}/.pulumi/stacks/groundwork/staging.json`));
            assert.ok(!can(r, preview, "s3:PutObject", `${bucket}/.pulumi/stacks/groundwork/staging.json`));
            assert.ok(!can(r, preview, "s3:GetObject", `${bucket}/.pulumi/stacks/groundwork/prod.json`));
            assert.ok(can(r, preview, "kms:Decrypt", key("staging")));
            assert.ok(!can(r, preview, "kms:Decrypt", key("production")));
            assert.ok(!can(r, preview, "ec2:CreateVpc", "*"));
        });

        it("the deploy roles reach only their own stack's state and secrets key", async () => {
            const r = await bootstrap(ON);
            const staging = roleNamed(r, "groundwork-gha-staging");
            const bucket = String(one(r, "aws:s3/bucket:Bucket").state.arn);
            assert.ok(can(r, staging, "s3:PutObject", `${bucket}/.pulumi/locks/organization/groundwork/staging/1.json`));
            assert.ok(can(r, staging, "s3:PutObject", `${bucket}/.pulumi/history/groundwork/staging/staging-1.history.json`));
            assert.ok(!can(r, staging, "s3:PutObject", `${bucket}/.pulumi/stacks/groundwork/prod.json`));
            assert.ok(!can(r, staging, "s3:DeleteObjectVersion", `${bucket}/.pulumi/stacks/groundwork/staging.json`), "history stays");
            assert.ok(!can(r, staging, "kms:Decrypt", String(one(r, "aws:kms/key:Key", "backend-secrets-production").state.arn)));
        });
    });

    describe("wiring", () => {
        it("gives each main stack exactly its deploy role and the break-glass role as app-secret readers", async () => {
            const r = await bootstrap();
            const arn = (n: string) => roleNamed(r, n).arn;
            assert.deepEqual(r.outputs.secretReaderRoleArns.value, {
                staging: [arn("groundwork-gha-staging"), arn("groundwork-break-glass")],
                prod: [arn("groundwork-gha-production"), arn("groundwork-break-glass")],
                "pr-*": [arn("groundwork-gha-preview-deploy"), arn("groundwork-break-glass")],
            });
        });

        it("names every role ARN secret the workflows read, in the environment each job runs in", async () => {
            const r = await bootstrap();
            const envs = r.outputs.environments.value as Record<string, { roleArn: string; githubSecret: string }>;
            const used: [string, string][] = [];
            for (const file of fs.readdirSync(path.join(PROJECT_DIR, ".github/workflows"))) {
                const wf = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows", file), "utf8")) as { jobs: Record<string, { environment?: string | { name: string } }> };
                for (const job of Object.values(wf.jobs)) {
                    const env = typeof job.environment === "string" ? job.environment : job.environment?.name;
                    for (const m of JSON.stringify(job).matchAll(/secrets\.(AWS_\w+_ROLE_ARN)/g)) used.push([env ?? "(none)", m[1]]);
                }
            }
            // Each environment's role secret, wherever a job of that environment reads it.
            assert.deepEqual([...new Set(used.map(([env, secret]) => `${env}=${secret}`))].sort(), [
                "preview-deploy=AWS_PREVIEW_DEPLOY_ROLE_ARN", "preview=AWS_PREVIEW_ROLE_ARN", "production=AWS_PROD_ROLE_ARN", "staging=AWS_STAGING_ROLE_ARN",
            ]);
            for (const [env, secret] of used) {
                assert.equal(envs[env]?.githubSecret, secret, `workflow job in environment ${env} reads ${secret}`);
            }
        });

        it("prints the commands that set them", async () => {
            const r = await bootstrap();
            const setup = r.outputs.setup.value as string[];
            const staging = roleNamed(r, "groundwork-gha-staging").arn;
            assert.ok(setup.includes(`gh secret set AWS_STAGING_ROLE_ARN --repo ${REPO} --env staging --body ${staging}`));
            assert.ok(setup.includes(`pulumi config set --path 'secretReaderRoleArns[0]' ${staging} --stack staging`));
            assert.ok(setup.some((c) => /^gh secret set AWS_PREVIEW_ROLE_ARN .* --env preview /.test(c)));
            assert.ok(setup.some((c) => /^gh secret set AWS_PROD_ROLE_ARN .* --env production /.test(c)));
            assert.deepEqual(r.outputs.selfManagedBackend.value, {});
            const withBackend = (await bootstrap(ON)).outputs.setup.value as string[];
            assert.match(withBackend[0], /^pulumi login 's3:\/\/.+\?region=us-east-1&awssdk=v2'$/);
            assert.ok(withBackend.includes("pulumi stack init staging --secrets-provider 'awskms://alias/groundwork-bootstrap/pulumi-secrets-staging?region=us-east-1'"));
        });
    });

    describe("the walkthrough, from an empty account to a green staging deploy (bootstrap/README.md)", () => {
        const readme = fs.readFileSync(path.join(BOOTSTRAP, "README.md"), "utf8");
        const walkthrough = readme.split("## From an empty AWS account to a green staging deploy in CI")[1].split("\n## ")[0];
        /** `gh secret set NAME ... [--env ENV]` lines as "ENV=NAME" ("" for a repository secret). */
        const secretsSetBy = (lines: string[]) => lines.flatMap((l) => {
            const m = /^gh secret set (\w+)\b(.*)$/.exec(l.trim());
            return m ? [`${/--env\s+"?([\w-]+)"?/.exec(m[2])?.[1] ?? ""}=${m[1]}`] : [];
        });

        it("builds the image for the architecture the committed stacks run", () => {
            const fallback = String((readProject().config?.cpuArchitecture as { default?: unknown } | undefined)?.default ?? "X86_64");
            const platforms = new Set(["staging", "prod"].map((stack) => {
                const config = (YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
                const arch = String(config["groundwork:cpuArchitecture"] ?? fallback);
                return { ARM64: "linux/arm64", X86_64: "linux/amd64" }[arch] ?? `unknown architecture ${arch}`;
            }));
            assert.equal(platforms.size, 1, `the committed stacks run one architecture: ${[...platforms].join(", ")}`);
            const [platform] = platforms;
            const builds = walkthrough.split("\n").filter((l) => /\bdocker\s+(buildx\s+)?build\b/.test(l));
            assert.ok(builds.length > 0, "the walkthrough builds the image");
            for (const b of builds) assert.ok(b.includes(`--platform ${platform}`), `builds for ${platform}: ${b}`);
        });

        it("creates the stack with one untargeted up and no image, as the deploy runbook does, then deploys the tag from CI", () => {
            assert.doesNotMatch(walkthrough, /--target/);
            const rm = walkthrough.indexOf("pulumi config rm imageTag --stack staging");
            const up = walkthrough.indexOf("pulumi up --stack staging --policy-pack policies");
            const tag = walkthrough.indexOf('pulumi config set imageTag "$GIT_SHA" --stack staging');
            assert.ok(rm >= 0 && up > rm && tag > up, "imageTag removed, then the first up, then the tag set");
            assert.match(walkthrough.slice(tag), /git commit[^\n]*\n+git push origin main/);
            assert.match(walkthrough, /docs\/runbooks\/deploy\.md/);
        });

        it("sets every secret each workflow job reads, in the job's GitHub environment, and creates those environments", async () => {
            const needed = new Set<string>();
            for (const file of fs.readdirSync(path.join(PROJECT_DIR, ".github/workflows"))) {
                const wf = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows", file), "utf8")) as { jobs: Record<string, { environment?: string | { name: string } }> };
                for (const job of Object.values(wf.jobs)) {
                    const env = typeof job.environment === "string" ? job.environment : job.environment?.name ?? "";
                    for (const m of JSON.stringify(job).matchAll(/secrets\.(\w+)/g)) {
                        if (m[1] !== "GITHUB_TOKEN") needed.add(`${env}=${m[1]}`);   // GitHub provides that one
                    }
                }
            }
            assert.ok(needed.size > 0, "the workflows read secrets");
            // Set by hand (step 5) or by the bootstrap's setup commands, which the walkthrough runs.
            assert.match(walkthrough, /stack output setup --json[^\n]*> \/tmp\/groundwork-setup\.sh/);
            assert.match(walkthrough, /^bash \/tmp\/groundwork-setup\.sh/m);
            const setup = (await bootstrap()).outputs.setup.value as string[];
            const set = new Set([...secretsSetBy(walkthrough.split("\n")), ...secretsSetBy(setup)]);
            const missing = [...needed].filter((x) => !set.has(x)).sort();
            assert.deepEqual(missing, [], `secrets the workflows read that the walkthrough never sets (environment=secret): ${missing.join(", ")}`);
            for (const env of new Set([...needed].map((x) => x.split("=")[0]).filter(Boolean))) {
                assert.match(walkthrough, new RegExp(`gh api --method PUT "repos/\\$REPO/environments/${env}"`), `creates the environment ${env}`);
            }
        });
    });

    describe("refuses bad config before anything is registered", () => {
        const cases: [string, RunOptions["config"], string][] = [
            ["a wildcard repository", { [`${NS}:githubRepository`]: "acme/*" }, `${NS}:githubRepository`],
            ["a repository without its owner", { [`${NS}:githubRepository`]: "groundwork" }, `${NS}:githubRepository`],
            ["an entry without its stack", { [`${NS}:deployEnvironments`]: ["staging"] }, `${NS}:deployEnvironments`],
            ["one environment twice", { [`${NS}:deployEnvironments`]: ["staging=staging", "staging=prod"] }, `${NS}:deployEnvironments`],
            ["overlapping stacks", { [`${NS}:deployEnvironments`]: ["staging=staging", "any=s*"] }, `${NS}:deployEnvironments`],
            ["a preview of a stack nobody deploys", { [`${NS}:readOnlyEnvironments`]: ["preview=qa"] }, `${NS}:readOnlyEnvironments`],
            ["an OIDC provider that is not GitHub's", { [`${NS}:githubOidcProviderArn`]: "arn:aws:iam::123456789012:oidc-provider/example.com" }, `${NS}:githubOidcProviderArn`],
            ["a region outside the US", { "aws:region": "eu-west-1" }, "aws:region"],
            ["a deploy region outside the US", { [`${NS}:deployRegions`]: ["eu-central-1"] }, `${NS}:deployRegions`],
            ["an app name that is not a project name", { [`${NS}:app`]: "Groundwork App" }, `${NS}:app`],
            ["no repository at all", { [`${NS}:githubRepository`]: undefined }, `${NS}:githubRepository`],
        ];
        for (const [label, config, key] of cases) {
            it(label, async () => {
                const r = await plan("acme", config, BOOTSTRAP);
                assert.deepEqual(problemKeys(r), [key]);
                assert.match(r.problems[0].message, /Example: |missing configuration value/);
                assert.equal(registered(r).length, 0);
            });
        }
    });

    it("documents every config key and every output in bootstrap/README.md", async () => {
        const readme = fs.readFileSync(path.join(BOOTSTRAP, "README.md"), "utf8");
        const keys = Object.keys(readProject(BOOTSTRAP).config ?? {});
        assert.ok(keys.length >= 8);
        for (const key of [...keys, "aws:region"]) assert.ok(readme.includes(`| \`${key}\` |`), `README lacks config key ${key}`);
        const outputs = Object.keys((await bootstrap()).outputs);
        const documented = [...readme.split("## Outputs")[1].split("\n## ")[0].matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
        assert.deepEqual(documented.sort(), outputs.sort());
    });

    it("keeps every policy within IAM's limits, with the longest names", async () => {
        const r = await bootstrap({
            ...ON, [`${NS}:app`]: "a-twenty-char-app-nm",
            [`${NS}:deployEnvironments`]: ["staging-environment=staging-stack-name", "production-environmnt=prod", "pull-request-previews=pr-*"],
            [`${NS}:readOnlyEnvironments`]: ["preview-environment1=staging-stack-name"],
            [`${NS}:deployRegions`]: ["us-east-1", "us-east-2", "us-west-1", "us-west-2"],
        });
        const policies = byType(r, "aws:iam/policy:Policy");
        assert.ok(policies.length > 10);
        for (const p of policies) {
            // IAM counts a managed policy's characters without whitespace: 6,144 at most.
            assert.ok(String(p.inputs.policy).replace(/\s/g, "").length <= 6144, `${p.name}: ${String(p.inputs.policy).length}`);
        }
        for (const role of byType(r, "aws:iam/role:Role")) {
            assert.ok(String(role.inputs.assumeRolePolicy).length <= 2048, `${role.name}'s trust policy`);
            const attached = byType(r, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === role.inputs.name);
            assert.ok(attached.length >= 1 && attached.length <= 10, `${role.name} has ${attached.length} managed policies`);
            assert.ok(String(role.inputs.name).length <= 64);
        }
    });
});

describe("the main program under the bootstrap's rules", () => {
    for (const stack of ["staging", "prod"]) {
        it(`${stack}: carries the bootstrap's boundary and reader roles, exactly as its setup output prints them`, async () => {
            const boot = await bootstrap();
            const readers = (boot.outputs.secretReaderRoleArns.value as Record<string, string[]>)[stack];
            const r = await goodPlan(stack);
            assert.deepEqual([...r.config["groundwork:secretReaderRoleArns"].value.matchAll(/arn:[^"\]]+/g)].map((m) => m[0]), readers);
            assert.equal(r.config["groundwork:permissionsBoundaryArn"].value, boot.outputs.permissionsBoundaryArn.value);
        });

        it(`${stack}: creates every IAM role and instance profile under the stack's path, each role with the boundary`, async () => {
            const r = await goodPlan(stack);
            const boundary = r.config["groundwork:permissionsBoundaryArn"].value;
            const roles = byType(r, "aws:iam/role:Role");
            assert.ok(roles.length >= 5, `found ${roles.length} roles`);
            for (const role of roles) {
                assert.match(String(role.inputs.path), new RegExp(`^/groundwork/${stack}/`), role.name);
                assert.equal(role.inputs.permissionsBoundary, boundary, role.name);
            }
            for (const p of byType(r, "aws:iam/instanceProfile:InstanceProfile")) assert.equal(p.inputs.path, `/groundwork/${stack}/`, p.name);
        });
    }
});
