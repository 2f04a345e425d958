/**
 * preview-isolation over real graphs: the recorded pr-123 preview passes, and each way a preview
 * could reach past its lane (a copy of the graph with one thing broken) is caught, with a message
 * that names what to do. Stacks that are not previews are not its business.
 */
import { strict as assert } from "assert";
import { previewIsolation } from "../policies/preview-isolation";
import { PlanRecord, RecordedResource } from "../tools/engine";
import { defaultPolicyConfig, evaluatePolicies } from "../tools/policy-runner";
import { goodPlan } from "./harness";

const preview = () => goodPlan("pr-123", undefined, { previewBranch: "feature/x" });
/** The rule's violations over a copy of the plan that `breakIt` changed. */
async function violations(breakIt: (r: PlanRecord) => void, base?: PlanRecord, config?: Record<string, unknown>) {
    const r = JSON.parse(JSON.stringify(base ?? await preview())) as PlanRecord;
    breakIt(r);
    const cfg = defaultPolicyConfig(r.stack, [previewIsolation]);
    if (config) cfg["preview-isolation"] = { ...(cfg["preview-isolation"] as object), ...config } as never;
    return (await evaluatePolicies(r, { rules: [previewIsolation], config: cfg })).violations;
}
const find = (r: PlanRecord, type: string, pred: (x: RecordedResource) => boolean = () => true) => {
    const hit = r.resources.find((x) => x.type === type && pred(x));
    assert.ok(hit, `a ${type}`);
    return hit;
};
/** A copy of `like` under another name and type, as the engine records it. */
const added = (r: PlanRecord, like: RecordedResource, type: string, name: string, state: Record<string, unknown>) => {
    r.resources.push({ ...like, type, name, urn: `urn:pulumi:${r.stack}::groundwork::${type}::${name}`, inputs: state, state, read: undefined });
};

describe("preview-isolation", () => {
    it("passes the recorded preview, and is mandatory", async () => {
        assert.equal(previewIsolation.enforcementLevel, "mandatory");
        assert.deepEqual(await violations(() => undefined), []);
    });

    it("is not applicable to staging or prod, whatever they hold", async () => {
        for (const stack of ["staging", "prod"]) {
            const v = await violations((r) => { for (const x of r.resources) x.options.protect = true; }, await goodPlan(stack));
            assert.deepEqual(v, [], stack);
        }
    });

    const cases: [string, (r: PlanRecord) => void, RegExp][] = [
        ["a protected resource (its removal would be blocked)", (r) => { find(r, "aws:ecs/service:Service").options.protect = true; }, /is protected in a preview/],
        ["a stack reference to prod", (r) => { const ref = find(r, "pulumi:pulumi:StackReference"); ref.state = { ...ref.state, name: "acme/groundwork/prod" }; },
            /reads the production stack "acme\/groundwork\/prod"/],
        ["a Stripe endpoint that is not in test mode", (r) => {
            const w = find(r, "pulumi-nodejs:dynamic:Resource", (x) => "url" in x.state);
            w.state = { ...w.state, expectedMode: "live" };
        }, /Stripe resource without test mode/],
        ["a task reading another stack's secret", (r) => {
            const td = find(r, "aws:ecs/taskDefinition:TaskDefinition", (x) => x.name === "api-task");
            const cs = JSON.parse(String(td.state.containerDefinitions)) as { name: string; secrets?: { name: string; valueFrom: string }[] }[];
            cs.find((c) => c.name === "app")!.secrets!.push({ name: "STAGING_DB", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:groundwork-staging/app-abc123:DATABASE_URL::" });
            td.state = { ...td.state, containerDefinitions: JSON.stringify(cs) };
        }, /STAGING_DB is read from a secret that is not this preview's own/],
        ["a task role that reaches the whole bucket", (r) => {
            const p = find(r, "aws:iam/rolePolicy:RolePolicy", (x) => x.name === "api-task-s3");
            p.state = { ...p.state, policy: String(p.state.policy).replace(/\/previews\/pr-123\/\*/g, "/*") };
        }, /reach objects outside its prefix previews\/pr-123\//],
        ["a task role that lists the whole bucket", (r) => {
            const p = find(r, "aws:iam/rolePolicy:RolePolicy", (x) => x.name === "worker-task-s3");
            const doc = JSON.parse(String(p.state.policy)) as { Statement: { Sid: string; Condition?: unknown }[] };
            delete doc.Statement.find((s) => s.Sid === "ListBuckets")!.Condition;
            p.state = { ...p.state, policy: JSON.stringify(doc) };
        }, /list the bucket outside its prefix/],
        ["a host rule for staging's own API host", (r) => {
            const rule = find(r, "aws:lb/listenerRule:ListenerRule");
            rule.state = { ...rule.state, conditions: [{ hostHeader: { values: ["api.staging.example.com"] } }] };
        }, /may route only its own host pr-123\.<api host>/],
        ["a Vercel variable for every branch, or for production", (r) => {
            const v = find(r, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable");
            v.state = { ...v.state, gitBranch: undefined, targets: ["production", "preview"] };
        }, /for its own branch's preview deployments only/],
        ["a database server of its own", (r) => added(r, find(r, "aws:ecs/cluster:Cluster"), "aws:rds/instance:Instance", "db-instance", { instanceClass: "db.t4g.micro" }),
            /creates its own database server; previews share their base stack's/],
        ["a DNS record of its own", (r) => added(r, find(r, "aws:ecs/cluster:Cluster"), "cloudflare:index/dnsRecord:DnsRecord", "api", { name: "pr-123.api.staging.example.com" }),
            /creates its own DNS/],
    ];
    for (const [label, breakIt, message] of cases) {
        it(`catches ${label}`, async () => {
            const v = await violations(breakIt);
            assert.ok(v.length >= 1, "a violation");
            assert.ok(v.every((x) => x.policy === "preview-isolation" && x.enforcementLevel === "mandatory"));
            assert.ok(v.some((x) => message.test(x.message)), v.map((x) => x.message).join("\n"));
        });
    }

    it("takes which stacks are previews from its config", async () => {
        const protectedService = (r: PlanRecord) => { find(r, "aws:ecs/service:Service").options.protect = true; };
        assert.deepEqual(await violations(protectedService, undefined, { previewStacks: ["review-*"] }), [], "pr-123 is no preview under this config");
        assert.equal((await violations(protectedService, undefined, { previewStacks: ["pr-123"] })).length, 1);
    });
});
