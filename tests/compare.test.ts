/**
 * `npm run plan -- --stack <s> --compare <earlier plan.json>` (issue 15): the resources added,
 * removed and changed between two recorded plans, and the monthly cost change per line.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { COMMENT_MARKER, comparePlans, renderComparison } from "../tools/compare";
import { readPlan } from "../tools/plan-file";
import { estimateCost } from "../tools/cost";
import { PROJECT_DIR, PlanRecord } from "../tools/engine";
import { goodPlan } from "./harness";
import { tempDir } from "./temp-dir";

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} != ${b}`);
/** A recorded plan as `--json` writes it and `--compare` reads it back. */
function roundTrip(r: PlanRecord): PlanRecord {
    const dir = tempDir("gw-compare-");
    const file = path.join(dir, "plan.json");
    fs.writeFileSync(file, JSON.stringify(r, null, 2) + "\n");
    return readPlan(file, r.stack);
}

describe("plan --compare", () => {
    it("lists what moving staging from NAT gateways to NAT instances adds, removes and changes, and what it saves per line", async () => {
        // One NAT either way (staging's default is one per AZ on instances, one gateway on gateways).
        const single = { "groundwork:natGateways": "single" };
        const before = roundTrip(await goodPlan("staging", { ...single, "groundwork:egress": "natGateway" }));
        const after = await goodPlan("staging", single);
        const c = comparePlans(before, after);
        const names = (change: string) => c.resources.filter((r) => r.change === change).map((r) => `${r.type} ${r.name}`);
        assert.deepEqual(names("removed").sort(), ["aws:ec2/eip:Eip net-nat-0", "aws:ec2/natGateway:NatGateway net-nat-0"]);
        for (const added of ["aws:autoscaling/group:Group net-nat-0-group", "aws:ec2/networkInterface:NetworkInterface net-nat-0-eni",
            "aws:ec2/launchTemplate:LaunchTemplate net-nat-0-lt", "aws:ec2/eip:Eip net-nat-0-eip"]) assert.ok(names("added").includes(added), added);
        // The routes stay and change their target; nothing else changes.
        const changed = c.resources.filter((r) => r.change === "changed");
        assert.deepEqual(changed.map((r) => [r.name, r.inputs]), [
            ["net-private-default-0", ["natGatewayId", "networkInterfaceId"]], ["net-private-default-1", ["natGatewayId", "networkInterfaceId"]]]);
        // Components never appear: only what the cloud creates.
        assert.ok(c.resources.every((r) => !r.type.startsWith("groundwork:")));

        const [was, is] = [estimateCost(before), estimateCost(after)];
        near(c.before.total, was.total, "before");
        near(c.after.total, is.total, "after");
        near(c.cost.reduce((s, l) => s + l.delta, 0), is.total - was.total, "the lines add up to the total change");
        const line = (kind: string) => c.cost.find((l) => l.kind === kind);
        assert.deepEqual([line("NAT gateway")?.before, line("NAT gateway")?.after], [32.85, 0]);
        near(line("EC2 t4g.nano (NAT instances)")!.delta, 0.0042 * 730, "instance");
        assert.equal(line("Public IPv4 address"), undefined, "one address either way: no change, no line");
        assert.equal(c.cost[0].kind, "NAT gateway", "largest change first");

        const md = renderComparison(c, "`main`").join("\n");
        assert.match(md, /^### Stack `staging`: −\$\d+\.\d\d a month/);
        assert.match(md, /\| NAT gateway \| \$32\.85 \| \$0\.00 \| −\$32\.85 \|/);
        assert.match(md, /\| ~ \| `aws:ec2\/route:Route` \| `net-private-default-0` \| natGatewayId, networkInterfaceId \|/);
        assert.match(md, /Resources: \d+ added, 2 removed, 2 changed/);
    });

    it("names changed inputs without showing their values (inputs may be secrets)", async () => {
        const before = roundTrip(await goodPlan("staging"));
        const after = await goodPlan("staging", { "groundwork:appSecrets": JSON.stringify({ SENTRY_DSN: "https://new-secret-value@o1.ingest.sentry.io/1" }) });
        const c = comparePlans(before, after);
        const changed = c.resources.filter((r) => r.change === "changed");
        assert.ok(changed.length > 0);
        const md = renderComparison(c, "base").join("\n");
        assert.doesNotMatch(md, /new-secret-value/);
        assert.deepEqual(c.cost, [], "a secret's value costs nothing");
        assert.match(md, /No cost line changes\./);
    });

    it("reports no change between two plans of the same config", async () => {
        const r = await goodPlan("prod");
        const c = comparePlans(roundTrip(r), r);
        assert.deepEqual([c.resources, c.cost], [[], []]);
        assert.equal(c.before.resources, c.after.resources);
        assert.match(renderComparison(c, "base").join("\n"), /: \$0\.00 a month[\s\S]*No resource changes\./);
    });

    it("refuses a plan of another stack, a plan that did not run, and a file that is no plan", async () => {
        const dir = tempDir("gw-compare-");
        const write = (name: string, content: unknown) => {
            const file = path.join(dir, name);
            fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
            return file;
        };
        const prod = await goodPlan("prod");
        assert.throws(() => readPlan(write("prod.json", prod), "staging"), /plan of stack "prod", not "staging"/);
        assert.throws(() => readPlan(write("bad.json", { ...prod, problems: [{ key: "groundwork:domain", message: "x" }] }), "prod"), /did not run \(groundwork:domain\)/);
        assert.throws(() => readPlan(write("junk.json", "{not json"), "prod"), /cannot read it as a plan.*--json/);
        assert.throws(() => readPlan(write("other.json", { hello: 1 }), "prod"), /not a plan file/);
    });

    it("runs from the command line: compares with an earlier --json and writes the Markdown the workflow posts", async function () {
        this.timeout(180000);
        const dir = tempDir("gw-compare-cli-");
        const run = (...args: string[]) => spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "tools/plan.ts", ...args],
            { cwd: PROJECT_DIR, encoding: "utf8" });
        // The earlier plan as --json writes it, from this process's run of the same stack file.
        const base = path.join(dir, "base.json");
        fs.writeFileSync(base, JSON.stringify(await goodPlan("staging"), null, 2) + "\n");
        const md = path.join(dir, "cost.md");
        const json = path.join(dir, "head.json");
        const cli = run("--stack", "staging", "--compare", base, "--markdown", md, "--json", json);
        assert.equal(cli.status, 0, cli.stderr);
        assert.match(cli.stdout, new RegExp(`Changes against ${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:`));
        assert.match(fs.readFileSync(md, "utf8"), /^### Stack `staging`: \$0\.00 a month[\s\S]*No resource changes\./, "the command's run equals this process's");
        assert.ok(!fs.readFileSync(md, "utf8").includes(COMMENT_MARKER), "the workflow adds the marker once, above the stacks' sections");
        assert.equal(readPlan(json, "staging").resources.length, (await goodPlan("staging")).resources.length, "--json wrote the plan it compared");
        // Mistakes fail before the engine loads.
        const wrong = run("--stack", "prod", "--compare", base);
        assert.notEqual(wrong.status, 0);
        assert.match(wrong.stderr, /plan of stack "staging", not "prod"/);
        const orphan = run("--stack", "staging", "--markdown", md);
        assert.notEqual(orphan.status, 0);
        assert.match(orphan.stderr, /--markdown writes the comparison: give --compare/);
    });
});
