/**
 * Alerts where the team looks (issue 14, items 4 and 5) on the recorded graph: HTTPS endpoints
 * from secret config on every alert topic, thresholds per family from config over the profile's
 * (today's values as defaults), the apps' own EMF metrics with their alarms and dashboard widgets
 * for the parts present, and README's contract checked against the names the program uses.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { APP_METRICS, APP_METRICS_NAMESPACE, METRICS_STACK_VARIABLE } from "../components/app-metrics";
import { ALARM_THRESHOLDS, THRESHOLD_LIMITS } from "../components/ops/monitoring-thresholds";
import { PROJECT_DIR, PlanRecord } from "../tools/engine";
import { ELSEWHERE, EVERY_OPT_IN, INDEPENDENT_SETTINGS, THRESHOLDS_AND_QUEUES, byType, goodPlan, one, plan } from "./harness";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const SUB = "aws:sns/topicSubscription:TopicSubscription";
const PAGERDUTY = "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue";
const alarm = (r: PlanRecord, role: string) => one(r, ALARM, `ops-${role}`).inputs;
const hasAlarm = (r: PlanRecord, role: string) => byType(r, ALARM).some((a) => a.name === `ops-${role}`);
const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");

describe("alerts", () => {
    describe("HTTPS endpoints", () => {
        it("subscribe every alert topic (the health alarm's us-east-1 one too), as secrets that must confirm themselves", async () => {
            const r = await goodPlan("prod", ELSEWHERE);
            for (const topic of ["ops-alerts", "ops-health-alerts"]) {
                const sub = one(r, SUB, `${topic}-https-1`);
                assert.equal(sub.inputs.topic, one(r, "aws:sns/topic:Topic", topic).state.arn);
                assert.equal(sub.inputs.protocol, "https");
                assert.equal(sub.inputs.endpoint, PAGERDUTY);
                assert.ok(sub.secretInputs.includes("endpoint"), "the URL carries the integration key: secret in the state");
                assert.equal(sub.inputs.endpointAutoConfirms, true);
            }
        });

        it("are none by default: email only", async () => {
            assert.deepEqual(byType(await goodPlan("prod"), SUB).map((s) => s.inputs.protocol), ["email"]);
        });

        it("are refused, without showing the value, when not https, not a list, too many, or a Slack webhook that cannot confirm", async () => {
            const cases: [string, RegExp][] = [
                [JSON.stringify(["http://events.example.com/hook"]), /entry 1 is not an https URL/],
                ["https://events.pagerduty.com/x", /JSON list of https URLs/],
                [JSON.stringify(Array.from({ length: 6 }, (_, i) => `https://alerts.example.com/${i}`)), /at most 5/],
                [JSON.stringify(["https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"]), /cannot confirm an SNS subscription.*alerts\.md/],
            ];
            for (const [value, message] of cases) {
                const r = await plan("prod", { "groundwork:alertHttpsEndpoints": value });
                const p = r.problems.find((x) => x.key === "groundwork:alertHttpsEndpoints");
                assert.ok(p, value);
                assert.match(p.message, message);
                assert.ok(!p.message.includes("XXXXsecretXXXX") && !p.message.includes("events.example.com"), "the value is not echoed");
            }
            const plain = await plan("prod", { "groundwork:alertHttpsEndpoints": { plainText: JSON.stringify([PAGERDUTY]) } });
            assert.ok(plain.problems.some((p) => p.key === "groundwork:alertHttpsEndpoints" && /plain text/.test(p.message)));
        });
    });

    describe("thresholds", () => {
        it("keep today's values by default", async () => {
            for (const profile of ["staging", "prod"] as const) {
                const r = await goodPlan(profile);
                const t = ALARM_THRESHOLDS[profile];
                assert.equal(alarm(r, "alb-5xx").threshold, t.alb5xxPercent);
                assert.equal(alarm(r, "alb-p95").threshold, t.p95LatencySeconds);
                assert.equal(alarm(r, "api-cpu").threshold, t.ecsCpuPercent);
                assert.equal(alarm(r, "db-cpu").threshold, t.dbCpuPercent);
            }
            assert.equal(ALARM_THRESHOLDS.prod.alb5xxPercent, 1);
            assert.equal(ALARM_THRESHOLDS.prod.p95LatencySeconds, 1);
        });

        it("take a stack file's name=value over the profile's, family by family", async () => {
            const r = await goodPlan("prod", THRESHOLDS_AND_QUEUES);
            assert.equal(alarm(r, "alb-5xx").threshold, 2.5);
            assert.equal(alarm(r, "api-cpu").threshold, 70);
            assert.equal(alarm(r, "worker-cpu").threshold, 70);
            assert.equal(alarm(r, "db-cpu").evaluationPeriods, 4);
            assert.equal(alarm(r, "alb-p95").threshold, ALARM_THRESHOLDS.prod.p95LatencySeconds, "the others keep the profile's");
            assert.equal(alarm(r, "queue-webhooks-waiting").threshold, 100);
            assert.equal(alarm(r, "queue-email-waiting").threshold, 100);
            // EVERY_OPT_IN sets queueWaiting=250 and nothing else: the other families keep the profile's.
            assert.deepEqual(EVERY_OPT_IN["groundwork:alarmThresholds"], ["queueWaiting=250"]);
            const q = await goodPlan("prod", EVERY_OPT_IN);
            assert.equal(alarm(q, "queue-webhooks-waiting").threshold, 250);
            assert.equal(alarm(q, "queue-email-waiting").threshold, 250);
            assert.equal(alarm(q, "alb-5xx").threshold, ALARM_THRESHOLDS.prod.alb5xxPercent);
        });

        it("refuse an unknown name, a value out of range, a fraction where whole numbers go, and a name twice", async () => {
            const r = await plan("prod", { "groundwork:alarmThresholds": ["alb5xx=2", "ecsCpuPercent=120", "usagePeriods=1.5", "dbFreeStoragePercent=12", "p95Periods=2", "p95Periods=3"] });
            const messages = r.problems.filter((p) => p.key === "groundwork:alarmThresholds").map((p) => p.message);
            assert.equal(messages.length, 5, messages.join("\n"));
            assert.match(messages.join("\n"), /"alb5xx=2" must be name=number with one of: .*alb5xxPercent/);
            assert.match(messages.join("\n"), /ecsCpuPercent must be 1-100, got 120/);
            assert.match(messages.join("\n"), /usagePeriods must be a whole number of 1-288, got 1.5/);
            assert.match(messages.join("\n"), /dbFreeStoragePercent must be 0.1-9.9/);
            assert.match(messages.join("\n"), /sets p95Periods twice/);
            for (const [name, limits] of Object.entries(THRESHOLD_LIMITS)) {
                for (const profile of ["staging", "prod"] as const) {
                    const v = ALARM_THRESHOLDS[profile][name as keyof typeof ALARM_THRESHOLDS.prod];
                    assert.ok(v >= limits.min && v <= limits.max, `${profile}'s ${name} is inside its own limits`);
                }
            }
        });
    });

    describe("the apps' own metrics", () => {
        let on: PlanRecord;
        // Every opt-in part: appMetrics with the queues webhooks and email (and jobs, database access, an alert endpoint...).
        before(async () => { on = await goodPlan("prod", EVERY_OPT_IN); });

        it("alarm on each queue's depth and failed jobs, webhook signature failures and 5xx deliveries, and Stripe's error rate", () => {
            const topic = one(on, "aws:sns/topic:Topic", "ops-alerts").state.arn;
            for (const q of ["webhooks", "email"]) {
                const waiting = alarm(on, `queue-${q}-waiting`);
                assert.equal(waiting.namespace, APP_METRICS_NAMESPACE);
                assert.equal(waiting.metricName, APP_METRICS.queueWaiting);
                assert.deepEqual(waiting.dimensions, { Stack: "prod", Queue: q });
                assert.equal(waiting.evaluationPeriods, ALARM_THRESHOLDS.prod.queueWaitingMinutes);
                assert.equal(waiting.treatMissingData, "notBreaching");
                assert.deepEqual(waiting.alarmActions, [topic]);
                assert.equal(alarm(on, `queue-${q}-failed`).metricName, APP_METRICS.jobsFailed);
            }
            const signature = alarm(on, "webhook-signature");
            assert.equal(signature.metricName, APP_METRICS.webhookSignatureFailures);
            assert.deepEqual(signature.dimensions, { Stack: "prod", Service: "api" });
            assert.equal(signature.threshold, 0, "any bad signature in prod");
            assert.equal(alarm(on, "webhook-failures").metricName, APP_METRICS.webhookFailures);
            const stripe = alarm(on, "stripe-errors");
            const queries = stripe.metricQueries as { id: string; expression?: string; metric?: { metricName: string; dimensions: Record<string, string> } }[];
            assert.deepEqual(queries.filter((q) => q.metric).map((q) => `${q.metric!.metricName}/${q.metric!.dimensions.Service}`).sort(),
                ["StripeApiErrors/api", "StripeApiErrors/worker", "StripeApiRequests/api", "StripeApiRequests/worker"]);
            assert.match(queries.find((q) => q.expression)!.expression!, /IF\(\(FILL\(req_api, 0\) \+ FILL\(req_worker, 0\)\) >= 20, 100 \*/);
            assert.equal(stripe.threshold, 10);
        });

        it("give every container the Stack dimension's value", () => {
            for (const td of ["api-task", "worker-task"]) {
                const app = (JSON.parse(one(on, "aws:ecs/taskDefinition:TaskDefinition", td).inputs.containerDefinitions as string) as { name: string; environment: { name: string; value: string }[] }[])
                    .find((c) => c.name === "app")!;
                assert.deepEqual(app.environment.filter((e) => e.name === METRICS_STACK_VARIABLE), [{ name: METRICS_STACK_VARIABLE, value: "prod" }]);
            }
        });

        it("exist only for the parts present", async () => {
            const off = await goodPlan("prod");
            assert.ok(!byType(off, ALARM).some((a) => /queue-|webhook-|stripe-errors/.test(a.name)), "nothing without appMetrics or queues");
            // appMetrics without Stripe (in us-west-2, with a worker from its own image: the api still sends app metrics).
            const noStripe = await goodPlan("prod", ELSEWHERE);
            const apiEnv = (JSON.parse(one(noStripe, "aws:ecs/taskDefinition:TaskDefinition", "api-task").inputs.containerDefinitions as string) as { name: string; environment: { name: string }[] }[])
                .find((c) => c.name === "app")!.environment;
            assert.ok(apiEnv.some((e) => e.name === METRICS_STACK_VARIABLE), "app metrics are on: only Stripe is missing");
            assert.ok(!hasAlarm(noStripe, "stripe-errors") && !hasAlarm(noStripe, "webhook-signature"));
            const keyOnly = await goodPlan("prod", INDEPENDENT_SETTINGS); // appMetrics, stripe "key"
            assert.ok(hasAlarm(keyOnly, "stripe-errors") && !hasAlarm(keyOnly, "webhook-signature"), "the team's own endpoint: no webhook metric from our api");
            const queuesOnly = await goodPlan("prod", THRESHOLDS_AND_QUEUES); // queues, no appMetrics
            assert.ok(hasAlarm(queuesOnly, "queue-email-waiting") && !hasAlarm(queuesOnly, "stripe-errors"));
        });

        it("are drawn on the dashboard", () => {
            const body = one(on, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody as string;
            for (const metric of Object.values(APP_METRICS)) assert.ok(body.includes(`"${metric}"`), `the dashboard draws ${metric}`);
        });

        it("are documented in README with an example line CloudWatch can read, in the names the program uses", () => {
            const section = readme.split("### The apps' own metrics")[1].split("\n### ")[0];
            for (const metric of Object.values(APP_METRICS)) assert.ok(section.includes(`\`${metric}\``), `README documents ${metric}`);
            assert.ok(section.includes(METRICS_STACK_VARIABLE));
            const example = /```json\n(.+)\n```/.exec(section);
            assert.ok(example, "an example line");
            const line = JSON.parse(example[1]) as Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } };
            assert.ok(Number.isInteger(line._aws.Timestamp) && line._aws.Timestamp > 1.6e12, "milliseconds since the epoch");
            for (const directive of line._aws.CloudWatchMetrics) {
                assert.equal(directive.Namespace, APP_METRICS_NAMESPACE);
                for (const set of directive.Dimensions) for (const d of set) assert.equal(typeof line[d], "string", `dimension ${d} is a top-level string`);
                for (const m of directive.Metrics) {
                    assert.ok((Object.values(APP_METRICS) as string[]).includes(m.Name), `${m.Name} is in the contract`);
                    assert.equal(typeof line[m.Name], "number", `${m.Name} is a top-level number`);
                }
            }
        });
    });
});
