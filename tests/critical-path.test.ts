import { strict as assert } from "assert";
import { DURATION_TABLE, clock, createSeconds, criticalPath, renderCriticalPath } from "../tools/critical-path";
import { PlanRecord, RecordedResource } from "../tools/engine";
import { EVERY_OPT_IN, goodPlan } from "./harness";

/** A recorded resource as the engine records it: dependencies are the data dependencies plus any dependsOn. */
function res(type: string, name: string, o: {
    inputs?: Record<string, unknown>;
    data?: Record<string, RecordedResource[]>;
    dependsOn?: RecordedResource[];
    parent?: RecordedResource;
} = {}): RecordedResource {
    const propertyDependencies = Object.fromEntries(Object.entries(o.data ?? {}).map(([k, rs]) => [k, rs.map((r) => r.urn)]));
    const dependsOn = [...new Set([...Object.values(propertyDependencies).flat(), ...(o.dependsOn ?? []).map((r) => r.urn)])];
    const custom = !type.startsWith("groundwork:");
    return {
        type, name, urn: `urn:pulumi:test::p::${type}::${name}`, id: custom ? `${name}-id` : "", parent: o.parent?.urn ?? "", custom,
        inputs: o.inputs ?? {}, secretInputs: [], propertyDependencies, state: {},
        options: {
            provider: "", protect: false, retainOnDelete: false, deleteBeforeReplace: false, deletedWith: "", dependsOn,
            ignoreChanges: [], replaceOnChanges: [], additionalSecretOutputs: [], aliases: 0,
        },
    };
}
const graph = (...resources: RecordedResource[]): PlanRecord =>
    ({ project: "p", stack: "test", config: {}, resources, outputs: {}, problems: [], elapsedMs: 0, warnings: [] });
const seconds = (type: string, inputs: Record<string, unknown> = {}) => createSeconds(res(type, "x", { inputs })).seconds;
const names = (steps: { resource: RecordedResource }[]) => steps.map((s) => s.resource.name);

const VPC = "aws:ec2/vpc:Vpc";
const SUBNET = "aws:ec2/subnet:Subnet";
const DB = "aws:rds/instance:Instance";
const SERVICE = "aws:ecs/service:Service";

describe("the first deploy's critical path", () => {
    it("keeps a dated duration table in which every entry, default and justified wait names its source", () => {
        assert.match(DURATION_TABLE.asOf, /^\d{4}-\d{2}-\d{2}$/);
        const entries = [...Object.values(DURATION_TABLE.types), ...DURATION_TABLE.defaults];
        assert.ok(entries.length > 10);
        for (const e of entries) assert.ok(e.source.length > 20 && e.create >= 0 && e.update >= 0, JSON.stringify(e));
        assert.ok(DURATION_TABLE.justifiedWaits.length > 0);
        for (const j of DURATION_TABLE.justifiedWaits) assert.ok(j.why.length > 20 && j.source.length > 10, JSON.stringify(j));
        // The slow ones have entries of their own, and a case picks the input-dependent time.
        assert.ok(seconds(DB) >= 300 && seconds(DB, { multiAz: true }) > seconds(DB));
        assert.ok(seconds(SERVICE, { waitForSteadyState: true }) > seconds(SERVICE));
        assert.equal(seconds("random:index/randomPassword:RandomPassword"), 0);
        assert.throws(() => seconds("gcp:compute/instance:Instance"), /no duration for gcp:compute\/instance:Instance .*"gcp:compute\/instance:Instance": \{ "create"/);
    });

    it("adds the create times along a chain of data dependencies", () => {
        const vpc = res(VPC, "vpc");
        const subnet = res(SUBNET, "subnet", { data: { vpcId: [vpc] } });
        const db = res(DB, "db", { data: { dbSubnetGroupName: [subnet] }, inputs: { multiAz: true } });
        const cp = criticalPath(graph(vpc, subnet, db));
        assert.deepEqual(names(cp.chain), ["vpc", "subnet", "db"]);
        assert.equal(cp.totalSeconds, seconds(VPC) + seconds(SUBNET) + seconds(DB, { multiAz: true }));
        assert.deepEqual(cp.chain.map((s) => s.start), [0, seconds(VPC), seconds(VPC) + seconds(SUBNET)]);
        assert.deepEqual(cp.chain[2].waited, { on: subnet.urn, kind: "data", inputs: ["dbSubnetGroupName"] });
        assert.deepEqual(cp.needless, []);
        assert.match(renderCriticalPath(cp).join("\n"), /about 20:25.*\n.*vpc[\s\S]*db .*takes dbSubnetGroupName from subnet[\s\S]*without a data reason: none/);
    });

    it("follows the longest of two parallel branches and leaves the short one out", () => {
        const vpc = res(VPC, "vpc");
        const db = res(DB, "db", { data: { vpcSecurityGroupIds: [vpc] } });
        const subnet = res(SUBNET, "subnet", { data: { vpcId: [vpc] } });
        const elsewhere = res("aws:s3/bucket:Bucket", "bucket");
        const join = res(SERVICE, "api", { data: { subnets: [subnet], environment: [db] } });
        const cp = criticalPath(graph(vpc, subnet, db, elsewhere, join));
        assert.deepEqual(names(cp.chain), ["vpc", "db", "api"]);
        assert.equal(cp.totalSeconds, seconds(VPC) + seconds(DB) + seconds(SERVICE));
        // Without the slow branch the same join starts right after the subnet.
        const short = criticalPath(graph(vpc, subnet, elsewhere, res(SERVICE, "api", { data: { subnets: [subnet] } })));
        assert.deepEqual(names(short.chain), ["vpc", "subnet", "api"]);
        assert.equal(short.totalSeconds, seconds(VPC) + seconds(SUBNET) + seconds(SERVICE));
    });

    it("flags an ordering-only wait with no documented reason, and not a documented one", () => {
        const vpc = res(VPC, "vpc");
        const igw = res("aws:ec2/internetGateway:InternetGateway", "igw", { data: { vpcId: [vpc] } });
        const subnet = res(SUBNET, "subnet", { data: { vpcId: [vpc] } });
        // Documented: a public NAT gateway after the internet gateway.
        const nat = res("aws:ec2/natGateway:NatGateway", "nat", { data: { subnetId: [subnet] }, dependsOn: [igw] });
        // Needless: nothing the bucket takes comes from the NAT gateway.
        const bucket = res("aws:s3/bucket:Bucket", "bucket", { dependsOn: [nat] });
        const cp = criticalPath(graph(vpc, igw, subnet, nat, bucket));
        assert.deepEqual(names(cp.chain), ["vpc", "subnet", "nat", "bucket"]);
        assert.deepEqual(names(cp.needless), ["bucket"]);
        assert.equal(cp.chain[3].waited?.kind, "order");
        assert.match(renderCriticalPath(cp).join("\n"), /bucket .*ordered after nat with NO data reason[\s\S]*Needless waits in this chain .*: bucket\./);
        // The internet gateway takes as long as the subnet: the NAT's data wait sets its start, so its documented wait is no flag either way.
        const justified = criticalPath(graph(vpc, igw, res("aws:ec2/natGateway:NatGateway", "nat", { dependsOn: [igw] })));
        assert.equal(justified.chain[2].waited?.justified?.on, "aws:ec2/internetGateway:InternetGateway");
        assert.deepEqual(justified.needless, []);
    });

    it("makes a wait on a component a wait for everything under it", () => {
        const api = res("groundwork:compute:WebService", "api");
        const apiService = res(SERVICE, "api-service", { parent: api, inputs: { waitForSteadyState: true } });
        const apiLogs = res("aws:cloudwatch/logGroup:LogGroup", "api-logs", { parent: api });
        const worker = res(SERVICE, "worker-service", { dependsOn: [api] });
        const cp = criticalPath(graph(api, apiService, apiLogs, worker));
        assert.deepEqual(names(cp.chain), ["api-service", "worker-service"]);
        assert.equal(cp.chain[1].waited?.viaComponent?.name, "api");
        assert.equal(cp.totalSeconds, seconds(SERVICE, { waitForSteadyState: true }) + seconds(SERVICE));
        // A service after a service is documented (migrations), so not needless.
        assert.deepEqual(cp.needless, []);
        assert.equal(clock(3723), "1:02:03");
    });

    it("puts the database and both rollouts on prod's critical path, with no needless wait", async () => {
        const r = await goodPlan("prod");
        const cp = criticalPath(r);
        const chain = names(cp.chain);
        for (const name of ["db-instance", "api-service", "worker-service"]) assert.ok(chain.includes(name), `${name} in ${chain.join(" → ")}`);
        assert.ok(chain.indexOf("db-instance") < chain.indexOf("api-service") && chain.indexOf("api-service") < chain.indexOf("worker-service"));
        assert.equal(cp.totalSeconds, cp.chain[cp.chain.length - 1].finish);
        cp.chain.slice(1).forEach((s, i) => assert.equal(s.start, cp.chain[i].finish, `${s.resource.name} starts when ${cp.chain[i].resource.name} ends`));
        assert.ok(cp.totalSeconds > seconds(DB, { multiAz: true }), `a first up takes longer than its Multi-AZ database: ${clock(cp.totalSeconds)}`);
        assert.deepEqual(cp.needless.map((s) => `${s.resource.name} after ${s.waited?.on}`), []);
    });

    it("reports no unjustified wait on a pull request's preview (pr-123): its app secret's value waits for the readers policy, with the reason", async () => {
        const cp = criticalPath(await goodPlan("pr-123", undefined, { previewBranch: "feature/x" }));
        assert.deepEqual(cp.needless.map((s) => `${s.resource.name} after ${s.waited?.on}`), []);
        const lines = renderCriticalPath(cp);
        assert.ok(lines.includes("  Waits in this chain without a data reason: none."), lines.join("\n"));
        // Every ordering-only wait of the chain names its documented reason.
        for (const s of cp.chain.filter((x) => x.waited?.kind === "order")) assert.ok(s.waited?.justified, s.resource.name);
        const version = cp.chain.find((s) => s.resource.type === "aws:secretsmanager/secretVersion:SecretVersion");
        if (version) assert.equal(version.waited?.justified?.on, "aws:secretsmanager/secretPolicy:SecretPolicy");
    });

    it("times every resource of every stack shape the plan prints, a preview's stack reference included", async () => {
        const plans = [await goodPlan("staging"), await goodPlan("prod", EVERY_OPT_IN), await goodPlan("pr-123", undefined, { previewBranch: "feature/x" })];
        assert.ok(plans.every((r) => r.resources.length > 20));
        const preview = plans[2];
        assert.equal(preview.resources.filter((x) => x.type === "pulumi:pulumi:StackReference").length, 1);
        for (const r of plans) assert.ok(criticalPath(r).totalSeconds > 0, r.stack);
    });
});
