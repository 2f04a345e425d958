/**
 * The stack's budget (issue 15): an AWS Budgets monthly cost budget per stack that alerts the
 * stack's alert topic on actual and forecast spend, and a topic whose policy and key let AWS
 * Budgets publish.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Budget } from "../components/ops/budget";
import { PROJECT_DIR, PlanRecord, registered } from "../tools/engine";
import { mockCall, mockState } from "../tools/mock-states";
import { ELSEWHERE, INDEPENDENT_SETTINGS, STAGING_ON_DEMAND, goodPlan, one, plan, problemKeys } from "./harness";

interface Notification { notificationType: string; comparisonOperator: string; threshold: number; thresholdType: string; subscriberSnsTopicArns: string[] }
interface Statement { Sid?: string; Effect: string; Principal: { Service?: string; AWS?: string }; Action: string | string[]; Resource: string; Condition?: Record<string, Record<string, string>> }
const statements = (doc: unknown) => (JSON.parse(doc as string) as { Statement: Statement[] }).Statement;
const budgetOf = (r: PlanRecord) => one(r, "aws:budgets/budget:Budget");
const topic = (r: PlanRecord) => one(r, "aws:sns/topic:Topic", "ops-alerts");

describe("budget", () => {
    for (const [stack, amount] of [["staging", "95"], ["prod", "320"]] as const) {
        it(`gives ${stack} a monthly cost budget of $${amount} that alerts its alert topic on actual and forecast spend`, async () => {
            const r = await goodPlan(stack);
            const b = budgetOf(r).inputs;
            assert.deepEqual([b.budgetType, b.timeUnit, b.limitAmount, b.limitUnit, b.name], ["COST", "MONTHLY", amount, "USD", `groundwork-${stack}`]);
            // The committed stacks share one account: each counts its own tagged costs.
            assert.deepEqual(b.costFilters, [{ name: "TagKeyValue", values: [`user:stack$${stack}`] }]);
            const notes = b.notifications as Notification[];
            assert.deepEqual(notes.map((n) => [n.notificationType, n.threshold]), [["ACTUAL", 80], ["ACTUAL", 100], ["FORECASTED", 100]]);
            for (const n of notes) {
                assert.deepEqual([n.comparisonOperator, n.thresholdType], ["GREATER_THAN", "PERCENTAGE"]);
                assert.deepEqual(n.subscriberSnsTopicArns, [topic(r).state.arn]);
            }
        });
    }

    it("counts the whole account with budgetScope account (one account per stack), and refuses an unknown scope", async () => {
        assert.equal(INDEPENDENT_SETTINGS["groundwork:budgetScope"], "account");
        assert.equal(budgetOf(await goodPlan("prod", INDEPENDENT_SETTINGS)).inputs.costFilters, undefined);
        const bad = await plan("prod", { "groundwork:budgetScope": "tag" });
        assert.deepEqual(problemKeys(bad), ["groundwork:budgetScope"]);
        assert.match(bad.problems[0].message, /must be "account" or "stackTag", got "tag"/);
        assert.equal(registered(bad).length, 0);
    });

    it("filters on the tag every AWS resource of the stack carries (the provider's default tags)", async () => {
        const r = await goodPlan("staging");
        const tags = (JSON.parse(one(r, "pulumi:providers:aws", "aws").inputs.defaultTags as string) as { tags: Record<string, string> }).tags;
        assert.ok(Object.keys(tags).length > 0, "the AWS provider has default tags");
        const [filter] = budgetOf(r).inputs.costFilters as { values: string[] }[];
        const [key, value] = filter.values[0].replace(/^user:/, "").split("$");
        assert.equal(tags[key], value);
    });

    it("takes the amount from groundwork:monthlyBudget", async () => {
        assert.equal(budgetOf(await goodPlan("staging", STAGING_ON_DEMAND)).inputs.limitAmount, "150");
    });

    it("is created only after the topic's policy lets AWS Budgets publish", async () => {
        const r = await goodPlan("prod");
        const policy = one(r, "aws:sns/topicPolicy:TopicPolicy", "ops-alerts-policy");
        assert.ok((budgetOf(r).propertyDependencies.notifications ?? []).includes(policy.urn));
    });

    it("lets AWS Budgets and CloudWatch alarms of this account publish to the alert topic, and use its key", async () => {
        const r = await goodPlan("prod");
        const account = "123456789012";
        const policy = one(r, "aws:sns/topicPolicy:TopicPolicy", "ops-alerts-policy");
        assert.equal(policy.inputs.arn, topic(r).state.arn);
        const byService = (list: Statement[], service: string) => list.find((s) => s.Principal.Service === service);
        const topicStatements = statements(policy.inputs.policy);
        const budgets = byService(topicStatements, "budgets.amazonaws.com");
        assert.deepEqual([budgets?.Effect, budgets?.Action, budgets?.Resource], ["Allow", "SNS:Publish", topic(r).state.arn]);
        assert.deepEqual(budgets?.Condition, { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": `arn:aws:budgets::${account}:*` } });
        const cw = byService(topicStatements, "cloudwatch.amazonaws.com");
        assert.deepEqual(cw?.Condition, { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:*:${account}:alarm:*` } });
        // The account keeps what SNS's default policy gave it (the policy replaces the default).
        const own = topicStatements.find((s) => s.Principal.AWS === `arn:aws:iam::${account}:root`);
        assert.ok(own && (own.Action as string[]).includes("SNS:Subscribe") && (own.Action as string[]).includes("SNS:Publish"));
        assert.equal(topicStatements.length, 3);

        const key = statements(one(r, "aws:kms/key:Key", "ops-alerts-key").inputs.policy);
        for (const service of ["budgets.amazonaws.com", "cloudwatch.amazonaws.com"]) {
            const s = byService(key, service);
            assert.deepEqual(s?.Action, ["kms:Decrypt", "kms:GenerateDataKey*"], service);
            assert.deepEqual(s?.Condition, { StringEquals: { "aws:SourceAccount": account } }, service);
        }
    });

    it("does not let AWS Budgets into the us-east-1 health topic of a stack elsewhere", async () => {
        const r = await goodPlan("prod", ELSEWHERE);
        const healthTopic = statements(one(r, "aws:sns/topicPolicy:TopicPolicy", "ops-health-alerts-policy").inputs.policy);
        assert.deepEqual(healthTopic.map((s) => s.Principal.Service).filter(Boolean), ["cloudwatch.amazonaws.com"]);
        const healthKey = statements(one(r, "aws:kms/key:Key", "ops-health-alerts-key").inputs.policy);
        assert.equal(healthKey.find((s) => s.Principal.Service === "budgets.amazonaws.com"), undefined);
    });

    it("filters by a cost allocation tag when asked, and refuses a budget under a dollar", async () => {
        await pulumi.runtime.setMocks({ newResource: (a) => mockState(a, "us-east-1"), call: (a) => mockCall(a, "us-east-1") }, "groundwork", "unit", false);
        const provider = new aws.Provider("unit-budget-aws", { region: "us-east-1" });
        const b = new Budget("unit-budget", { monthlyUsd: 50, alertTopicArn: "arn:aws:sns:us-east-1:123456789012:t", costFilterTag: { key: "stack", value: "prod" } },
            { providers: [provider] });
        const filters = await new Promise<unknown>((res) => (b.budget.costFilters as pulumi.Output<unknown>).apply((f) => { res(f); return f; }));
        assert.deepEqual(filters, [{ name: "TagKeyValue", values: ["user:stack$prod"] }]);
        assert.throws(() => new Budget("unit-budget-2", { monthlyUsd: 0, alertTopicArn: "arn" }, { providers: [provider] }),
            /Budget "unit-budget-2": monthlyUsd must be a whole number of dollars, at least 1, got 0\. Example: 320/);
        assert.throws(() => new Budget("unit-budget-3", { monthlyUsd: 10, alertTopicArn: "arn", actualThresholdsPercent: [] }, { providers: [provider] }),
            /actualThresholdsPercent must hold percentages/);
    });

    it("documents every BudgetArgs field with @default and @example", () => {
        const source = fs.readFileSync(path.join(PROJECT_DIR, "components", "ops", "budget.ts"), "utf8");
        const body = /export interface BudgetArgs \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? "";
        const fields = [...body.matchAll(/(\/\*\*[\s\S]*?\*\/)\s*\n {4}(\w+)\??:/g)];
        assert.ok(fields.length >= 6, `found ${fields.length}`);
        for (const [, doc, field] of fields) assert.match(doc, /@default [\s\S]*@example /, field);
    });
});
