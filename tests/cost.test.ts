import { strict as assert } from "assert";
import { CostEstimate, CostLine, NOT_INCLUDED, estimateCost, regionPrices, renderCost } from "../tools/cost";
import PRICES from "../tools/prices.json";
import { NAT_GATEWAYS, STAGING_ON_DEMAND, byType, goodPlan } from "./harness";

const base = regionPrices("us-east-1");
const line = (e: CostEstimate, kind: string | RegExp): CostLine | undefined =>
    e.lines.find((l) => (typeof kind === "string" ? l.kind === kind : kind.test(l.kind)));
const monthly = (e: CostEstimate, kind: string | RegExp) => line(e, kind)?.monthly ?? 0;
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} != ${b}`);
/** Every Fargate line, on-demand and Spot, either architecture. */
const fargate = (e: CostEstimate) => e.lines.filter((l) => l.kind.startsWith("Fargate ")).reduce((s, l) => s + l.monthly, 0);
/** The lines of two estimates other than those `changed` matches: the same kinds, quantities and amounts. */
const othersEqual = (a: CostEstimate, b: CostEstimate, changed: RegExp) => {
    const rest = (e: CostEstimate) => e.lines.filter((l) => !changed.test(l.kind)).map((l) => [l.kind, l.quantity, l.monthly]);
    assert.ok(rest(a).length > 0);
    assert.deepEqual(rest(b), rest(a));
};
/** prod on a larger database class: the plan data-safety.test.ts and monitoring.test.ts run too. */
const LARGE_DB = { "groundwork:dbInstanceClass": "db.t4g.large" };
/**
 * LARGE_DB plus two api tasks and larger NAT instances: one plan for two tests, each checking its own
 * lines against LARGE_DB and the total against the sum of both (independent) changes.
 */
const LARGE_DB_MORE = { ...LARGE_DB, "groundwork:apiMinTasks": 4, "groundwork:natInstanceType": "t4g.small" };
/** One api task (0.5 vCPU, 1 GB), on-demand Graviton, a month. */
const API_TASK_MONTH = 0.5 * base.fargateVcpuHour.ARM64 * 730 + 1 * base.fargateGbHour.ARM64 * 730;
/** Three NAT instances (perAz, 3 AZs) from t4g.nano to t4g.small, a month. */
const NAT_SMALL_MONTH = 3 * (base.ec2InstanceHour["t4g.small"] - base.ec2InstanceHour["t4g.nano"]) * 730;
/**
 * A single NAT gateway, with x86 tasks (which change no NAT line, and no Fargate line is compared
 * across NAT setups): one plan for the NAT gateway and the architecture tests.
 */
const SINGLE_GATEWAY_X86 = { ...NAT_GATEWAYS, "groundwork:natGateways": "single", "groundwork:cpuArchitecture": "X86_64" };

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
            // Each Fargate line at its architecture's rate; Spot at the low end of the discount range, its cheap end alongside.
            const fargateLines = e.lines.filter((l) => l.kind.startsWith("Fargate "));
            assert.ok(fargateLines.length >= 2, `${stack} has Fargate lines`);
            for (const l of fargateLines) {
                const [, spot, what, arch] = /^Fargate (Spot )?(vCPU|memory) \((X86_64|ARM64)\)$/.exec(l.kind) ?? [];
                assert.ok(arch, l.kind);
                const rate = (what === "vCPU" ? base.fargateVcpuHour : base.fargateGbHour)[arch as "X86_64" | "ARM64"] * 730;
                near(l.unitPrice, spot ? rate * (1 - base.fargateSpotDiscount.low) : rate, `${l.kind} unit price`);
                if (spot) near(l.lowMonthly!, l.quantity * rate * (1 - base.fargateSpotDiscount.high), `${l.kind} at the high discount`);
                else assert.equal(l.lowMonthly, undefined, l.kind);
            }
            near(e.totalLow, e.lines.reduce((s, l) => s + (l.lowMonthly ?? l.monthly), 0), "total at the cheap end");
            assert.match(renderCost(e).join("\n"), /Total per month\s+\$\d+\.\d\d/);
        });
    }

    it("costs staging less than prod, and prices each from its stack file's sizes", async () => {
        const [staging, prod] = [estimateCost(await goodPlan("staging")), estimateCost(await goodPlan("prod"))];
        assert.ok(staging.total < prod.total, `staging ${staging.total} >= prod ${prod.total}`);
        // prod: 3 NAT instances (perAz, 3 AZs) with 8 GB each, Multi-AZ db.t4g.medium (2 instances) and 50 GB x 2, 2 Valkey cache.t4g.small nodes.
        assert.equal(line(prod, "NAT gateway"), undefined);
        assert.equal(line(prod, "EC2 t4g.nano (NAT instances)")?.quantity, 3);
        assert.equal(line(prod, "EBS gp3 volumes")?.quantity, 3 * 8);
        assert.deepEqual([line(prod, "RDS db.t4g.medium, Multi-AZ (instances)")?.quantity, line(prod, "RDS gp3 storage, Multi-AZ")?.quantity], [2, 100]);
        assert.equal(line(prod, "RDS db.t4g.medium, Multi-AZ (instances)")?.unitPrice, 47.45);
        const cache = line(prod, "ElastiCache cache.t4g.small (valkey) nodes")!;
        assert.equal(cache.quantity, 2);
        near(cache.unitPrice, 23.36 * 0.8, "Valkey 20% less");
        // Public IPv4: one per NAT EIP and one per subnet of the internet-facing ALB.
        assert.equal(line(prod, "Public IPv4 address")?.quantity, 3 + 3);
        assert.equal(line(staging, "EC2 t4g.nano (NAT instances)")?.quantity, 2, "one per AZ");
        assert.equal(line(staging, "RDS db.t4g.micro (instances)")?.quantity, 1);
        assert.equal(line(staging, "Public IPv4 address")?.quantity, 2 + 2);
        // prod on-demand ARM64: api 2 x 0.5 vCPU + worker 1 x 0.5 vCPU at the desired counts (the worker's one task is its on-demand base).
        assert.equal(line(prod, "Fargate vCPU (ARM64)")?.quantity, 1.5);
        assert.equal(line(prod, "Fargate memory (ARM64)")?.quantity, 3);
        assert.equal(line(prod, /Spot/), undefined);
        // staging: api 1 + worker 1 x 0.25 vCPU / 0.5 GB, all on Spot.
        assert.equal(line(staging, "Fargate Spot vCPU (ARM64)")?.quantity, 0.5);
        assert.equal(line(staging, "Fargate Spot memory (ARM64)")?.quantity, 1);
        assert.equal(line(staging, "Fargate vCPU (ARM64)"), undefined);
        assert.equal(line(staging, "AWS Budgets budget (no actions)")?.monthly, 0);
    });

    it("keeps the committed stacks within the goal: staging at most $80 and prod at most $280 a month", async () => {
        const [staging, prod] = [estimateCost(await goodPlan("staging")), estimateCost(await goodPlan("prod"))];
        assert.ok(staging.total <= 80, `staging costs ${staging.total.toFixed(2)}`);
        assert.ok(prod.total <= 280, `prod costs ${prod.total.toFixed(2)}`);
        // Before issue 15: staging $110.37, prod $343.72 (NAT gateways, x86, on-demand).
        assert.ok(staging.totalLow < staging.total, "staging's Spot range shows a cheaper end");
        assert.equal(prod.totalLow, prod.total, "prod runs nothing on Spot at its desired counts");
    });

    it("sets each committed stack's budget at least 20% above its estimate", async () => {
        for (const stack of ["staging", "prod"]) {
            const r = await goodPlan(stack);
            const budget = byType(r, "aws:budgets/budget:Budget");
            assert.equal(budget.length, 1, stack);
            const limit = Number(budget[0].inputs.limitAmount);
            const total = estimateCost(r).total;
            assert.ok(limit >= 1.2 * total, `${stack}: budget $${limit} is not 20% above the estimate $${total.toFixed(2)}`);
            assert.ok(limit <= 2 * total, `${stack}: budget $${limit} is too loose to notice a drift from $${total.toFixed(2)}`);
        }
    });

    it("follows a larger database class by the table's price difference", async () => {
        const [before, after] = [estimateCost(await goodPlan("prod")), estimateCost(await goodPlan("prod", LARGE_DB))];
        const large = line(after, "RDS db.t4g.large, Multi-AZ (instances)")!;
        assert.equal(large.unitPrice, base.rdsPostgresMonth["db.t4g.large"]);
        near(after.total - before.total, 2 * (base.rdsPostgresMonth["db.t4g.large"] - base.rdsPostgresMonth["db.t4g.medium"]), "total change");
    });

    it("adds exactly two api tasks' price when apiMinTasks goes from 2 to 4", async () => {
        // Both on db.t4g.large; the NAT instances' change is NAT_SMALL_MONTH on their own line, which the NAT test below checks.
        const [before, after] = [estimateCost(await goodPlan("prod", LARGE_DB)), estimateCost(await goodPlan("prod", LARGE_DB_MORE))];
        near(fargate(after) - fargate(before), 2 * API_TASK_MONTH, "Fargate lines");
        near(monthly(after, "Fargate vCPU (ARM64)") - monthly(before, "Fargate vCPU (ARM64)"), 2 * 0.5 * base.fargateVcpuHour.ARM64 * 730, "Fargate vCPU line");
        near(after.total - before.total, 2 * API_TASK_MONTH + NAT_SMALL_MONTH, "total: the two tasks and the NAT instances, nothing else");
        othersEqual(before, after, /^Fargate |NAT instances/);
    });

    it("removes two NAT gateways and their addresses when natGateways goes from perAz to single", async () => {
        const [before, after] = [estimateCost(await goodPlan("prod", NAT_GATEWAYS)), estimateCost(await goodPlan("prod", SINGLE_GATEWAY_X86))];
        assert.equal(line(before, "NAT gateway")!.quantity - line(after, "NAT gateway")!.quantity, 2);
        near(monthly(before, "NAT gateway") - monthly(after, "NAT gateway"), 2 * base.natGatewayMonth, "NAT line");
        near(monthly(before, "Public IPv4 address") - monthly(after, "Public IPv4 address"), 2 * base.publicIpv4Month, "EIPs");
    });

    it("prices ARM64 tasks at the cheaper Graviton rate", async () => {
        const arm = estimateCost(await goodPlan("prod"));
        const vcpu = line(arm, "Fargate vCPU (ARM64)")!;
        near(vcpu.unitPrice, base.fargateVcpuHour.ARM64 * 730, "ARM vCPU-month");
        assert.equal(line(arm, "Fargate vCPU (X86_64)"), undefined);
        const x86 = estimateCost(await goodPlan("prod", SINGLE_GATEWAY_X86)); // NAT gateways change no Fargate line
        assert.equal(line(x86, "Fargate vCPU (ARM64)"), undefined);
        near(line(x86, "Fargate vCPU (X86_64)")!.unitPrice, base.fargateVcpuHour.X86_64 * 730, "x86 vCPU-month");
        assert.ok(fargate(x86) > vcpu.monthly + monthly(arm, "Fargate memory (ARM64)"));
        // Spot is priced off each architecture's own rate.
        const armSpot = estimateCost(await goodPlan("staging"));
        const x86Spot = estimateCost(await goodPlan("staging", { "groundwork:cpuArchitecture": "X86_64" }));
        near(line(armSpot, "Fargate Spot vCPU (ARM64)")!.unitPrice, base.fargateVcpuHour.ARM64 * 730 * 0.5, "ARM Spot vCPU-month");
        near(line(x86Spot, "Fargate Spot vCPU (X86_64)")!.unitPrice, base.fargateVcpuHour.X86_64 * 730 * 0.5, "x86 Spot vCPU-month");
    });

    it("prices a us-west-1 stack at us-west-1's rates, and the health alarm's us-east-1 resources at us-east-1's", async () => {
        const west = estimateCost(await goodPlan("prod", { "aws:region": "us-west-1", "groundwork:azCount": 2 }));
        assert.equal(west.region, "us-west-1");
        near(line(west, "EC2 t4g.nano (NAT instances)")!.unitPrice, regionPrices("us-west-1").ec2InstanceHour["t4g.nano"] * 730, "us-west-1 t4g.nano");
        assert.equal(line(west, "EBS gp3 volumes")?.unitPrice, regionPrices("us-west-1").ebsGbMonth.gp3);
        const westGateways = estimateCost(await goodPlan("prod", { "aws:region": "us-west-1", "groundwork:azCount": 2, ...NAT_GATEWAYS }));
        assert.equal(line(westGateways, "NAT gateway")?.unitPrice, regionPrices("us-west-1").natGatewayMonth);
        // Same shape (us-west-1 offers two AZs) in us-east-1 costs less.
        assert.ok(west.total > estimateCost(await goodPlan("prod", { "groundwork:azCount": 2 })).total);
        // The health alarm's topic key lives in us-east-1, next to Route 53's metrics.
        assert.equal(line(west, "KMS key [us-east-1]")?.quantity, 1);
    });

    it("prices a NAT instance as its t4g size, 8 GB of gp3 and its address, against a NAT gateway's $32.85", async () => {
        const [instances, gateways] = [estimateCost(await goodPlan("prod")), estimateCost(await goodPlan("prod", NAT_GATEWAYS))];
        const nano = line(instances, "EC2 t4g.nano (NAT instances)")!;
        near(nano.unitPrice, base.ec2InstanceHour["t4g.nano"] * 730, "t4g.nano instance-month");
        assert.equal(line(instances, "EBS gp3 volumes")?.unitPrice, base.ebsGbMonth.gp3);
        assert.equal(line(gateways, "EC2 t4g.nano (NAT instances)"), undefined);
        assert.equal(line(gateways, "EBS gp3 volumes"), undefined);
        // Both keep one address per NAT; the difference is gateway against instance and disk.
        assert.equal(line(instances, "Public IPv4 address")?.quantity, line(gateways, "Public IPv4 address")?.quantity);
        near(gateways.total - instances.total, 3 * (base.natGatewayMonth - base.ec2InstanceHour["t4g.nano"] * 730 - 8 * base.ebsGbMonth.gp3), "per-AZ saving");
        // LARGE_DB_MORE against LARGE_DB: t4g.small NAT instances, and two more api tasks (API_TASK_MONTH each, checked above).
        const [large, small] = [estimateCost(await goodPlan("prod", LARGE_DB)), estimateCost(await goodPlan("prod", LARGE_DB_MORE))];
        near(monthly(small, "EC2 t4g.small (NAT instances)") - monthly(large, "EC2 t4g.nano (NAT instances)"), NAT_SMALL_MONTH, "t4g.small over t4g.nano, the NAT line");
        assert.equal(line(small, "EC2 t4g.nano (NAT instances)"), undefined);
        assert.equal(line(small, "EBS gp3 volumes")?.monthly, line(large, "EBS gp3 volumes")?.monthly, "the same disks");
        near(small.total - large.total, NAT_SMALL_MONTH + 2 * API_TASK_MONTH, "total: t4g.small over t4g.nano and the two tasks, nothing else");
        othersEqual(large, small, /^Fargate |NAT instances/);
        assert.equal(line(small, "EC2 t4g.small (NAT instances)")?.quantity, 3);
    });

    it("prices staging's Spot tasks off on-demand when fargateSpot is off", async () => {
        // STAGING_ON_DEMAND's monthlyBudget changes no price (AWS Budgets without actions is free).
        const [spot, off] = [estimateCost(await goodPlan("staging")), estimateCost(await goodPlan("staging", STAGING_ON_DEMAND))];
        assert.equal(line(off, /Spot/), undefined);
        assert.equal(off.totalLow, off.total);
        const onDemand = monthly(off, "Fargate vCPU (ARM64)") + monthly(off, "Fargate memory (ARM64)");
        assert.ok(onDemand > 0);
        near(fargate(spot), onDemand * (1 - base.fargateSpotDiscount.low), "Spot at the low end of the discount");
        near(spot.total - spot.totalLow, onDemand * (base.fargateSpotDiscount.high - base.fargateSpotDiscount.low), "the range's width");
        assert.match(renderCost(spot).join("\n"), /Fargate Spot priced at 50% off on-demand; at 70% off the total is \$\d+\.\d\d/);
        assert.doesNotMatch(renderCost(off).join("\n"), /Fargate Spot priced/);
    });

    it("names a source for every line the price table added for issue 15", () => {
        for (const key of ["ec2InstanceHour", "ebsGbMonth", "fargateSpotDiscount", "budgetMonth"] as const) {
            assert.ok(key in base, `us-east-1 lacks ${key}`);
            assert.match((PRICES.sources as Record<string, string>)[key] ?? "", /aws\.amazon\.com\/[a-z-/]+/, `${key} has a source`);
        }
        assert.ok(base.fargateSpotDiscount.low < base.fargateSpotDiscount.high && base.fargateSpotDiscount.high <= 0.7);
        assert.equal(base.budgetMonth, 0);
        for (const region of ["us-east-1", "us-east-2", "us-west-1", "us-west-2"]) {
            for (const size of ["t4g.nano", "t4g.micro", "t4g.small", "t4g.medium"] as const) assert.ok(regionPrices(region).ec2InstanceHour[size] > 0, `${region} ${size}`);
        }
    });
});
