import { strict as assert } from "assert";
import { CostEstimate, CostLine, NOT_INCLUDED, estimateCost, regionPrices, renderCost } from "../tools/cost";
import PRICES from "../tools/prices.json";
import { goodPlan } from "./harness";

const base = regionPrices("us-east-1");
const line = (e: CostEstimate, kind: string | RegExp): CostLine | undefined =>
    e.lines.find((l) => (typeof kind === "string" ? l.kind === kind : kind.test(l.kind)));
const monthly = (e: CostEstimate, kind: string | RegExp) => line(e, kind)?.monthly ?? 0;
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} != ${b}`);
const fargate = (e: CostEstimate) => monthly(e, "Fargate vCPU (X86_64)") + monthly(e, "Fargate memory (X86_64)");

describe("monthly cost estimate", () => {
    it("keeps a dated price table for every US region with its source", () => {
        assert.match(PRICES.asOf, /^\d{4}-\d{2}-\d{2}$/);
        assert.match(PRICES.source, /aws\.amazon\.com\/fargate\/pricing/);
        for (const region of ["us-east-1", "us-east-2", "us-west-1", "us-west-2"]) assert.ok(regionPrices(region).natGatewayMonth > 0, region);
        assert.equal(base.natGatewayMonth, 32.85);
        assert.equal(base.fargateVcpuHour.ARM64, 0.03238);
        // us-west-1 is the pricier US region; us-west-2 lists as us-east-1.
        const west1 = regionPrices("us-west-1");
        assert.ok(west1.natGatewayMonth > base.natGatewayMonth && west1.fargateVcpuHour.X86_64 > base.fargateVcpuHour.X86_64);
        assert.ok(west1.rdsPostgresMonth["db.t4g.micro"] > base.rdsPostgresMonth["db.t4g.micro"]);
        assert.deepEqual(regionPrices("us-west-2"), base);
        assert.throws(() => regionPrices("eu-west-1"), /No prices for region eu-west-1/);
    });

    for (const stack of ["staging", "prod"]) {
        it(`prices ${stack}'s recorded graph line by line: each line is quantity x the table's price`, async () => {
            const e = estimateCost(await goodPlan(stack));
            assert.deepEqual(e.warnings, []);
            for (const l of e.lines) near(l.monthly, l.quantity * l.unitPrice, l.kind);
            near(e.total, e.lines.reduce((s, l) => s + l.monthly, 0), "total");
            assert.deepEqual(e.notIncluded, NOT_INCLUDED);
            assert.ok(e.notIncluded.some((n) => /NAT gateway data processed/.test(n)) && e.notIncluded.some((n) => /LCU/.test(n)));
            assert.equal(line(e, "Load balancer (ALB)")?.unitPrice, base.loadBalancerMonth);
            assert.equal(line(e, "KMS key")?.unitPrice, base.kmsKeyMonth);
            assert.equal(line(e, "Secrets Manager secret")?.unitPrice, base.secretMonth);
            assert.equal(line(e, "CloudWatch alarm metrics")?.unitPrice, base.alarmMetricMonth);
            near(line(e, "Fargate vCPU (X86_64)")!.unitPrice, base.fargateVcpuHour.X86_64 * 730, "vCPU-month");
            assert.match(renderCost(e).join("\n"), /Total per month\s+\$\d+\.\d\d/);
        });
    }

    it("costs staging less than prod, and prices each from its stack file's sizes", async () => {
        const [staging, prod] = [estimateCost(await goodPlan("staging")), estimateCost(await goodPlan("prod"))];
        assert.ok(staging.total < prod.total, `staging ${staging.total} >= prod ${prod.total}`);
        // prod: 3 NATs (perAz, 3 AZs), Multi-AZ db.t4g.medium (2 instances) and 50 GB x 2, 2 Valkey cache.t4g.small nodes.
        assert.equal(line(prod, "NAT gateway")?.quantity, 3);
        assert.deepEqual([line(prod, "RDS db.t4g.medium, Multi-AZ (instances)")?.quantity, line(prod, "RDS gp3 storage, Multi-AZ")?.quantity], [2, 100]);
        assert.equal(line(prod, "RDS db.t4g.medium, Multi-AZ (instances)")?.unitPrice, 47.45);
        const cache = line(prod, "ElastiCache cache.t4g.small (valkey) nodes")!;
        assert.equal(cache.quantity, 2);
        near(cache.unitPrice, 23.36 * 0.8, "Valkey 20% less");
        // Public IPv4: one per NAT EIP and one per subnet of the internet-facing ALB.
        assert.equal(line(prod, "Public IPv4 address")?.quantity, 3 + 3);
        assert.equal(line(staging, "NAT gateway")?.quantity, 1);
        assert.equal(line(staging, "RDS db.t4g.micro (instances)")?.quantity, 1);
        assert.equal(line(staging, "Public IPv4 address")?.quantity, 1 + 2);
        // api 2 x 0.5 vCPU + worker 1 x 0.5 vCPU at the desired counts.
        assert.equal(line(prod, "Fargate vCPU (X86_64)")?.quantity, 1.5);
        assert.equal(line(prod, "Fargate memory (X86_64)")?.quantity, 3);
    });

    it("follows a larger database class by the table's price difference", async () => {
        const [before, after] = [estimateCost(await goodPlan("prod")), estimateCost(await goodPlan("prod", { "groundwork:dbInstanceClass": "db.t4g.large" }))];
        const large = line(after, "RDS db.t4g.large, Multi-AZ (instances)")!;
        assert.equal(large.unitPrice, base.rdsPostgresMonth["db.t4g.large"]);
        near(after.total - before.total, 2 * (base.rdsPostgresMonth["db.t4g.large"] - base.rdsPostgresMonth["db.t4g.medium"]), "total change");
    });

    it("adds exactly two api tasks' price when apiMinTasks goes from 2 to 4", async () => {
        const [before, after] = [estimateCost(await goodPlan("prod")), estimateCost(await goodPlan("prod", { "groundwork:apiMinTasks": 4 }))];
        const task = 0.5 * base.fargateVcpuHour.X86_64 * 730 + 1 * base.fargateGbHour.X86_64 * 730; // 512 CPU units, 1024 MiB
        near(fargate(after) - fargate(before), 2 * task, "Fargate lines");
        near(after.total - before.total, 2 * task, "total");
    });

    it("removes two NAT gateways and their addresses when natGateways goes from perAz to single", async () => {
        const [before, after] = [estimateCost(await goodPlan("prod")), estimateCost(await goodPlan("prod", { "groundwork:natGateways": "single" }))];
        assert.equal(line(before, "NAT gateway")!.quantity - line(after, "NAT gateway")!.quantity, 2);
        near(monthly(before, "NAT gateway") - monthly(after, "NAT gateway"), 2 * base.natGatewayMonth, "NAT line");
        near(monthly(before, "Public IPv4 address") - monthly(after, "Public IPv4 address"), 2 * base.publicIpv4Month, "EIPs");
    });

    it("prices ARM64 tasks at the cheaper Graviton rate", async () => {
        const arm = estimateCost(await goodPlan("prod", { "groundwork:cpuArchitecture": "ARM64" }));
        const vcpu = line(arm, "Fargate vCPU (ARM64)")!;
        near(vcpu.unitPrice, base.fargateVcpuHour.ARM64 * 730, "ARM vCPU-month");
        assert.equal(line(arm, "Fargate vCPU (X86_64)"), undefined);
        assert.ok(fargate(estimateCost(await goodPlan("prod"))) > vcpu.monthly + monthly(arm, "Fargate memory (ARM64)"));
    });

    it("prices a us-west-1 stack at us-west-1's rates, and the health alarm's us-east-1 resources at us-east-1's", async () => {
        const west = estimateCost(await goodPlan("prod", { "aws:region": "us-west-1", "groundwork:azCount": 2 }));
        assert.equal(west.region, "us-west-1");
        assert.equal(line(west, "NAT gateway")?.unitPrice, regionPrices("us-west-1").natGatewayMonth);
        // Same shape (us-west-1 offers two AZs) in us-east-1 costs less.
        assert.ok(west.total > estimateCost(await goodPlan("prod", { "groundwork:azCount": 2 })).total);
        // The health alarm's topic key lives in us-east-1, next to Route 53's metrics.
        assert.equal(line(west, "KMS key [us-east-1]")?.quantity, 1);
    });
});
