/**
 * The operators' database access (`groundwork:dbAccess`, issue 14 item 3) on the recorded graph:
 * off by default, and when on a relay task definition with ECS Exec and no secrets, a security
 * group reachable by nothing that reaches only the database and AWS's APIs, ECS Exec's session
 * logging on the cluster (KMS-encrypted), the channels' permissions on the relay's task role only,
 * the `dbAccess` output, and a runbook with every command.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, PlanRecord, RecordedResource } from "../tools/engine";
import { matches } from "./event-pattern";
import { PROD_OVERRIDES, byType, goodPlan, one, plan } from "./harness";

const T = {
    td: "aws:ecs/taskDefinition:TaskDefinition",
    cluster: "aws:ecs/cluster:Cluster",
    service: "aws:ecs/service:Service",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    key: "aws:kms/key:Key",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    logPolicy: "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
} as const;
/**
 * Database access without scheduled jobs, which would create the events policy it shares with them
 * (PROD_OVERRIDES: one plan shared with other test files; its other keys do not touch access).
 */
const ON = PROD_OVERRIDES;
const policyText = (r: PlanRecord) => byType(r, T.rolePolicy).map((p) => ({ name: p.name, doc: String(p.inputs.policy) }));

describe("database access for operators", () => {
    let prod: PlanRecord;
    before(async () => { prod = await goodPlan("prod", ON); });

    it("is off by default: no relay, no exec configuration, no Session Manager permission anywhere, no output", async () => {
        for (const stack of ["staging", "prod"]) {
            const r = await goodPlan(stack);
            assert.ok(!byType(r, T.td).some((t) => String(t.inputs.family).endsWith("-db-access")), stack);
            assert.equal(one(r, T.cluster).inputs.configuration, undefined);
            assert.ok(!policyText(r).some((p) => p.doc.includes("ssmmessages")), "no role may open exec channels");
            assert.ok(!byType(r, T.sg).some((g) => g.name === "sg-db-access"));
            assert.equal(r.outputs.dbAccess, undefined);
            for (const s of byType(r, T.service)) assert.equal(s.inputs.enableExecuteCommand, false);
        }
    });

    it("adds a relay that holds no secret and runs only a timer, with an init process for exec sessions", () => {
        const td = one(prod, T.td, "db-access-task");
        assert.equal(td.inputs.family, "groundwork-prod-db-access");
        const [relay, ...others] = JSON.parse(td.inputs.containerDefinitions as string) as Record<string, unknown>[];
        assert.equal(others.length, 0);
        assert.equal(relay.name, "relay");
        assert.deepEqual(relay.secrets, []);
        assert.deepEqual(relay.environment, []);
        assert.equal((relay.entryPoint as string[])[0], "node");
        assert.match((relay.entryPoint as string[])[2], /process\.exit\(0\)/, "it stops itself");
        assert.deepEqual(relay.linuxParameters, { initProcessEnabled: true });
        const api = JSON.parse(one(prod, T.td, "api-task").inputs.containerDefinitions as string) as { name: string; image: string }[];
        assert.equal(relay.image, api.find((c) => c.name === "app")!.image, "the app's image, already in the stack's repository");
    });

    it("gives only the relay's task role the exec channels, its session log group and key", () => {
        const withChannels = policyText(prod).filter((p) => p.doc.includes("ssmmessages:"));
        assert.deepEqual(withChannels.map((p) => p.name), ["db-access-task-extra"]);
        const statements = (JSON.parse(withChannels[0].doc) as { Statement: { Action: string[]; Resource: unknown }[] }).Statement;
        const audit = one(prod, T.logGroup, "sessions-logs");
        assert.ok(statements.some((s) => s.Action.includes("logs:PutLogEvents") && s.Resource === `${audit.state.arn}:*`));
        assert.ok(statements.some((s) => s.Action.includes("kms:Decrypt") && s.Resource === one(prod, T.key, "sessions-key").state.arn));
        assert.ok(!statements.some((s) => s.Action.some((a) => a.startsWith("s3:") || a.startsWith("secretsmanager:"))));
        const execution = one(prod, T.rolePolicy, "db-access-execution").inputs.policy as string;
        assert.doesNotMatch(execution, /secretsmanager:GetSecretValue/, "the relay reads no secret");
    });

    it("records the cluster's exec sessions in a log group encrypted with the session key", () => {
        const cfg = one(prod, T.cluster).inputs.configuration as { executeCommandConfiguration: Record<string, unknown> };
        const exec = cfg.executeCommandConfiguration as { kmsKeyId: string; logging: string; logConfiguration: Record<string, unknown> };
        const key = one(prod, T.key, "sessions-key").state.arn;
        const group = one(prod, T.logGroup, "sessions-logs");
        assert.equal(exec.logging, "OVERRIDE");
        assert.equal(exec.kmsKeyId, key);
        assert.deepEqual(exec.logConfiguration, { cloudWatchLogGroupName: group.state.name, cloudWatchEncryptionEnabled: true });
        assert.equal(group.inputs.kmsKeyId, key);
        assert.ok((group.inputs.retentionInDays as number) >= 365);
        assert.ok(group.options.protect, "prod keeps the audit trail");
        const logsGrant = (JSON.parse(one(prod, T.key, "sessions-key").inputs.policy as string) as { Statement: { Principal: { Service?: string }; Condition?: unknown }[] })
            .Statement.find((s) => String(s.Principal.Service ?? "").startsWith("logs."));
        assert.ok(logsGrant && JSON.stringify(logsGrant.Condition).includes(String(group.inputs.name)), "CloudWatch Logs may use the key for that group alone");
    });

    it("copies each port-forwarding session's start from CloudTrail into a CloudWatch log group (Session Manager logs no forward's content)", async () => {
        const group = one(prod, T.logGroup, "db-access-session-starts");
        assert.equal(group.inputs.name, "/aws/events/groundwork-prod-db-sessions");
        assert.ok((group.inputs.retentionInDays as number) >= 365);
        assert.ok(group.options.protect, "prod keeps the record");
        const rule = one(prod, T.rule, "db-access-session-starts");
        const pattern = JSON.parse(rule.inputs.eventPattern as string) as Record<string, unknown>;
        const cluster = String(one(prod, T.cluster).state.name);
        // CloudTrail's record of `aws ssm start-session --target ecs:<cluster>_<task id>_<runtime id>`.
        const start = (target: string, eventName = "StartSession") => ({
            source: "aws.ssm", "detail-type": "AWS API Call via CloudTrail",
            detail: { eventSource: "ssm.amazonaws.com", eventName, userIdentity: { arn: "arn:aws:sts::123456789012:assumed-role/ops/alice" },
                requestParameters: { target, documentName: "AWS-StartPortForwardingSessionToRemoteHost", parameters: { host: ["db.internal"], portNumber: ["5432"] } } },
        });
        assert.ok(matches(pattern, start(`ecs:${cluster}_0123456789abcdef_0123456789abcdef-1234567890`)), "a forward through this cluster's relay");
        assert.ok(!matches(pattern, start("ecs:other-cluster_0123_0123-1")), "another cluster's task");
        assert.ok(!matches(pattern, start("i-0123456789abcdef0")), "an instance");
        assert.ok(!matches(pattern, start(`ecs:${cluster}_0123_0123-1`, "DescribeSessions")), "another call");
        const target = one(prod, T.target, "db-access-session-starts");
        assert.equal(target.inputs.arn, group.state.arn);
        // The stack's one events policy (an account holds 10 per region) covers the group.
        assert.equal(byType(prod, T.logPolicy).length, 1);
        const delivery = one(prod, T.logPolicy, "events-policy");
        assert.ok(target.options.dependsOn.includes(delivery.urn), "EventBridge may write before the target exists");
        const statements = (JSON.parse(delivery.inputs.policyDocument as string) as { Statement: { Resource: string }[] }).Statement;
        assert.deepEqual(statements.map((s) => s.Resource), ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/groundwork-prod-*:*"]);
        assert.ok(`${group.state.arn}:*`.startsWith(statements[0].Resource.replace(/\*:\*$/, "")), "it covers the session starts group");
        const off = await goodPlan("prod");
        for (const type of [T.rule, T.target]) assert.equal(byType(off, type).filter((x) => x.name.startsWith("db-access")).length, 0, type);
        assert.equal(byType(off, T.logPolicy).length, 0, "no events policy without jobs or database access");
        const runbook = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "database-access.md"), "utf8");
        assert.ok(runbook.includes("/aws/events/<project>-<stack>-db-sessions") && /CloudTrail trail/.test(runbook), "the runbook says where, and what it needs");
    });

    it("lets the relay reach only the database and AWS's APIs, and nothing reach it", () => {
        const relay = one(prod, T.sg, "sg-db-access").state.id;
        const db = one(prod, T.sg, "sg-db").state.id;
        assert.ok(!byType(prod, T.ingress).some((x) => x.inputs.securityGroupId === relay), "no inbound rule");
        const out = byType(prod, T.egress).filter((x) => x.inputs.securityGroupId === relay);
        assert.deepEqual(out.map((x) => [x.inputs.fromPort, x.inputs.referencedSecurityGroupId ?? x.inputs.cidrIpv4]).sort(),
            [[443, "0.0.0.0/0"], [5432, db]].sort());
        const dbIn = byType(prod, T.ingress).filter((x: RecordedResource) => x.inputs.securityGroupId === db && x.inputs.referencedSecurityGroupId === relay);
        assert.equal(dbIn.length, 1);
        assert.equal(dbIn[0].inputs.fromPort, 5432);
    });

    it("exports what the runbook needs, in the private subnets and the relay's group", () => {
        const out = prod.outputs.dbAccess.value as Record<string, unknown>;
        assert.equal(out.taskDefinition, "groundwork-prod-db-access");
        assert.equal(out.container, "relay");
        assert.equal(out.databasePort, 5432);
        assert.equal(out.databaseHost, prod.outputs.databaseEndpoint.value);
        assert.deepEqual(out.securityGroups, [one(prod, T.sg, "sg-db-access").state.id]);
        assert.deepEqual(out.subnets, (prod.outputs.taskLaunch.value as Record<string, { subnets: string[] }>).api.subnets);
    });

    it("is refused for a database the stack does not run (external or none)", async () => {
        const r = await plan("prod", { "groundwork:dbAccess": true, "groundwork:database": "external", "groundwork:databaseUrl": "postgresql://u:p@db.example.com:5432/app" });
        assert.ok(r.problems.some((p) => p.key === "groundwork:dbAccess" && /not "rds"/.test(p.message)));
    });

    it("has a runbook with every command: start the relay with exec, forward the port, psql, stop, audit", () => {
        const runbook = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "database-access.md"), "utf8");
        for (const command of ["aws ecs run-task", "--enable-execute-command", "aws ecs wait tasks-running", "aws ssm start-session",
            "AWS-StartPortForwardingSessionToRemoteHost", "psql", "pg_stat_activity", "pg_cancel_backend", "pg_terminate_backend",
            "aws ecs stop-task", "aws ecs execute-command", "aws cloudtrail lookup-events", "aws logs tail"]) {
            assert.ok(runbook.includes(command), `runbook lacks ${command}`);
        }
        for (const action of ["ecs:RunTask", "iam:PassRole", "ssm:StartSession", "ecs:StopTask", "kms:GenerateDataKey", "secretsmanager:GetSecretValue"]) {
            assert.ok(runbook.includes(`"${action}"`), `runbook policy lacks ${action}`);
        }
        const outputs = [...runbook.matchAll(/\.dbAccess\.(\w+)/g)].map((m) => m[1]);
        assert.ok(outputs.length >= 5);
        for (const field of outputs) assert.ok(field in (prod.outputs.dbAccess.value as object), `the runbook reads dbAccess.${field}, which the output has`);
        assert.ok(fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "README.md"), "utf8").includes("(database-access.md)"));
    });
});
