/**
 * The stack's fixed monthly cost, estimated offline from the recorded resource graph (what
 * `pulumi up` would create) and the dated price table in `tools/prices.json`.
 *
 * Counted: NAT gateways, EC2 instances of Auto Scaling groups (the NAT instances) and their EBS
 * volumes, load balancers, public IPv4 addresses (Elastic IPs and one per subnet of each
 * internet-facing load balancer), Fargate vCPU and memory at each service's desired count (its
 * autoscaling minimum) by CPU architecture, split between on-demand and Spot as its capacity
 * provider strategy places them, RDS instances (x2 Multi-AZ) and storage (x2 Multi-AZ), cache
 * nodes (Valkey 20% less), interface endpoints per AZ, KMS keys, Secrets Manager secrets,
 * CloudWatch alarm metrics, Route 53 health checks and options, dashboards, budgets. Each
 * resource is priced in its provider's region. Usage-based charges are listed, not estimated.
 * Fargate Spot has no list price: its lines are priced at the low end of the table's discount
 * range, and the estimate carries the total at the high end too.
 *
 * `npm run plan` prints it (the `costSection` hook in tools/cli.ts).
 */
import { splitTasks } from "../components/compute/capacity";
import type { PlanRecord, RecordedResource } from "./engine";
import { providerUrn } from "./engine";
import PRICE_TABLE from "./prices.json";

export interface CostLine {
    /** What is billed, e.g. "NAT gateway" or "RDS db.t4g.medium, Multi-AZ (instances)". */
    kind: string;
    quantity: number;
    /** What one unit is, e.g. "gateway-month", "vCPU-month". */
    unit: string;
    /** USD per unit per month, from the table. */
    unitPrice: number;
    /** quantity x unitPrice. */
    monthly: number;
    region: string;
    /** For a price that is a range (Fargate Spot): the monthly figure at the range's cheap end; `monthly` is the dear end. */
    lowMonthly?: number;
}

export interface CostEstimate {
    /** The stack's AWS region. */
    region: string;
    lines: CostLine[];
    /** Sum of the lines, USD per month (ranged lines at their dear end). */
    total: number;
    /** The total with ranged lines (Fargate Spot) at their cheap end; equals `total` when nothing is ranged. */
    totalLow: number;
    /** Usage-based charges the estimate leaves out. */
    notIncluded: string[];
    /** Resources the table has no price for (left out of the total). */
    warnings: string[];
    priceTable: { asOf: string; source: string; basis: string };
    /**
     * Stacks whose parts this one uses through stack references (a preview's base): the total is
     * then what this stack adds to theirs, since the shared parts are billed there, unchanged.
     */
    sharedFrom: string[];
}

type RegionPrices = typeof PRICE_TABLE.regions["us-east-1"];
interface RegionEntry extends Partial<RegionPrices> {
    sameAs?: string;
    note?: string;
    multipliers?: Partial<Record<"rdsPostgresMonth" | "elasticacheRedisMonth", number>>;
}

/** The full price list of a US region: its own entries over the one it is `sameAs`, multipliers applied. */
export function regionPrices(region: string): RegionPrices {
    const entries = PRICE_TABLE.regions as Record<string, RegionEntry>;
    const entry = entries[region];
    if (!entry) throw new Error(`No prices for region ${region}; tools/prices.json covers ${Object.keys(entries).join(", ")}`);
    if (!entry.sameAs) return entry as RegionPrices;
    const base = regionPrices(entry.sameAs);
    const { sameAs: _s, note: _n, multipliers, ...own } = entry;
    const merged = { ...base, ...own } as RegionPrices;
    for (const [key, factor] of Object.entries(multipliers ?? {}) as [keyof RegionEntry["multipliers"] & string, number][]) {
        const table = base[key] as Record<string, number>;
        (merged as unknown as Record<string, Record<string, number>>)[key] =
            Object.fromEntries(Object.entries(table).map(([k, v]) => [k, Math.round(v * factor * 100) / 100]));
    }
    return merged;
}

const home = PRICE_TABLE.regions["us-east-1"];
export const NOT_INCLUDED = [
    "Data transfer out to the internet and across AZs (through NAT instances too, which have no processing charge)",
    "NAT gateway data processed ($0.045/GB in us-east-1), where egress is natGateway",
    "EC2 surplus CPU credits of t4g NAT instances (unlimited mode) above their baseline, $0.04/vCPU-hour",
    "Load balancer capacity units (LCUs)",
    "Requests: S3, Secrets Manager and KMS API calls, SNS deliveries beyond the free tier",
    "CloudWatch Logs ingestion ($0.50/GB) and storage, VPC flow logs, Container Insights metrics",
    "S3 storage (uploads, logs) and ECR image storage",
    "RDS backup storage beyond the database's size, snapshots",
    `Copies in groundwork:backupRegion (prod): replicated RDS backups ($${home.rdsBackupStorageGbMonth}/GB-month, no free allowance there), ` +
        `the uploads replica ($${home.s3StandardGbMonth}/GB-month), and $${home.interRegionTransferGb}/GB copied across regions; its KMS keys are counted above`,
    "Fargate tasks above the minimum (autoscaling), ephemeral storage beyond 20 GB",
    "Runs of scheduled jobs, one-off tasks and the database access relay (Fargate per second of each run); EventBridge Scheduler beyond 14 million invocations a month",
    "Free tiers (first 10 alarms, 3 dashboards, 50 health checks of AWS endpoints) are not deducted",
    "Vercel, Cloudflare and Stripe plans and fees",
];

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && !isNaN(Number(v)) ? Number(v) : undefined);

/** Estimates a recorded stack's fixed monthly cost. */
export function estimateCost(record: PlanRecord): CostEstimate {
    const home = record.config["aws:region"]?.value
        ?? String(record.resources.find((r) => r.type === "pulumi:providers:aws")?.inputs.region ?? "us-east-1");
    const providers = new Map(record.resources.filter((r) => r.type === "pulumi:providers:aws").map((p) => [p.urn, p]));
    const regionOf = (r: RecordedResource): string => {
        const p = providers.get(providerUrn(r.options.provider));
        return String(r.inputs.region ?? p?.inputs.region ?? home);
    };
    const of = (type: string) => record.resources.filter((r) => r.type === type);
    const hours = PRICE_TABLE.hoursPerMonth;

    const lines = new Map<string, CostLine>();
    const warnings: string[] = [];
    const add = (r: RecordedResource | string, kind: string, unit: string, quantity: number, price: (p: RegionPrices) => number | undefined,
        lowPrice?: (p: RegionPrices) => number | undefined) => {
        if (quantity === 0) return;
        const region = typeof r === "string" ? r : regionOf(r);
        const unitPrice = price(regionPrices(region));
        if (unitPrice === undefined) {
            warnings.push(`no price for ${kind} in ${region} (${typeof r === "string" ? "" : `${r.name}, `}not counted)`);
            return;
        }
        const label = region === home ? kind : `${kind} [${region}]`;
        const line: CostLine = lines.get(label) ?? { kind: label, quantity: 0, unit, unitPrice, monthly: 0, region };
        line.quantity += quantity;
        line.monthly = line.quantity * line.unitPrice;
        const low = lowPrice?.(regionPrices(region));
        if (low !== undefined) line.lowMonthly = line.quantity * low;
        lines.set(label, line);
    };

    // ---- network ----------------------------------------------------------------------------------
    for (const r of of("aws:ec2/natGateway:NatGateway")) add(r, "NAT gateway", "gateway-month", 1, (p) => p.natGatewayMonth);
    for (const r of of("aws:lb/loadBalancer:LoadBalancer")) {
        add(r, "Load balancer (ALB)", "LB-month", 1, (p) => p.loadBalancerMonth);
        // An internet-facing ALB holds a public IPv4 address in each of its subnets.
        if (r.inputs.internal !== true) {
            const subnets = ((r.inputs.subnets as unknown[] | undefined) ?? (r.inputs.subnetMappings as unknown[] | undefined) ?? []).length;
            add(r, "Public IPv4 address", "address-month", subnets, (p) => p.publicIpv4Month);
        }
    }
    for (const r of of("aws:ec2/eip:Eip")) add(r, "Public IPv4 address", "address-month", 1, (p) => p.publicIpv4Month);
    // EC2 instances of Auto Scaling groups at their desired capacity: the NAT instances.
    const templates = of("aws:ec2/launchTemplate:LaunchTemplate");
    for (const group of of("aws:autoscaling/group:Group")) {
        const ref = group.inputs.launchTemplate as { id?: string } | undefined;
        const lt = templates.find((t) => t.id !== "" && t.id === ref?.id);
        if (!lt) {
            warnings.push(`Auto Scaling group ${group.name}: its launch template is not in the graph (not counted)`);
            continue;
        }
        const instances = num(group.inputs.desiredCapacity) ?? num(group.inputs.minSize) ?? 0;
        const type = String(lt.inputs.instanceType);
        const nat = record.resources.find((x) => x.urn === group.parent)?.type === "groundwork:net:NatInstance";
        add(group, `EC2 ${type}${nat ? " (NAT instances)" : ""}`, "instance-month", instances,
            (p) => (p.ec2InstanceHour as Record<string, number>)[type] === undefined ? undefined : (p.ec2InstanceHour as Record<string, number>)[type] * hours);
        for (const m of (lt.inputs.blockDeviceMappings as { ebs?: { volumeSize?: unknown; volumeType?: string } }[] | undefined) ?? []) {
            const volumeType = m.ebs?.volumeType ?? "gp3";
            add(group, `EBS ${volumeType} volumes`, "GB-month", instances * (num(m.ebs?.volumeSize) ?? 0),
                (p) => (p.ebsGbMonth as Record<string, number>)[volumeType]);
        }
    }
    for (const r of of("aws:ec2/vpcEndpoint:VpcEndpoint")) {
        if (r.inputs.vpcEndpointType !== "Interface") continue; // gateway endpoints (S3, DynamoDB) are free
        add(r, "Interface VPC endpoint", "endpoint-AZ-month", ((r.inputs.subnetIds as unknown[] | undefined) ?? []).length, (p) => p.interfaceEndpointAzMonth);
    }

    // ---- compute: Fargate at the desired count --------------------------------------------------
    const taskDefs = of("aws:ecs/taskDefinition:TaskDefinition");
    const targets = of("aws:appautoscaling/target:Target");
    for (const svc of of("aws:ecs/service:Service")) {
        const td = taskDefs.find((t) => t.state.arn !== undefined && t.state.arn === svc.inputs.taskDefinition)
            ?? taskDefs.find((t) => t.parent === svc.parent);
        if (!td) {
            warnings.push(`service ${svc.name}: its task definition is not in the graph (not counted)`);
            continue;
        }
        const serviceName = String(svc.state.name ?? svc.inputs.name ?? "");
        const minCapacity = num(targets.find((t) => serviceName && String(t.inputs.resourceId ?? "").endsWith(`/${serviceName}`))?.inputs.minCapacity);
        const tasks = num(svc.inputs.desiredCount) ?? minCapacity ?? 1;
        const arch = ((td.inputs.runtimePlatform as { cpuArchitecture?: string } | undefined)?.cpuArchitecture ?? "X86_64") as "X86_64" | "ARM64";
        const vcpu = (num(td.inputs.cpu) ?? 0) / 1024;
        const gb = (num(td.inputs.memory) ?? 0) / 1024;
        // A capacity provider strategy places the tasks (base first, then by weight); a launch type runs them all on-demand.
        const strategy = svc.inputs.capacityProviderStrategies as { capacityProvider: string; base?: number; weight?: number }[] | undefined;
        const { onDemand, spot } = strategy?.length ? splitTasks(strategy, tasks) : { onDemand: tasks, spot: 0 };
        add(td, `Fargate vCPU (${arch})`, "vCPU-month", onDemand * vcpu, (p) => p.fargateVcpuHour[arch] * hours);
        add(td, `Fargate memory (${arch})`, "GB-month", onDemand * gb, (p) => p.fargateGbHour[arch] * hours);
        // Spot: priced at the smallest discount of the range, with the largest as the low end.
        const spotAt = (rate: (p: RegionPrices) => number, discount: "low" | "high") => (p: RegionPrices) => rate(p) * hours * (1 - p.fargateSpotDiscount[discount]);
        const vcpuRate = (p: RegionPrices) => p.fargateVcpuHour[arch];
        const gbRate = (p: RegionPrices) => p.fargateGbHour[arch];
        add(td, `Fargate Spot vCPU (${arch})`, "vCPU-month", spot * vcpu, spotAt(vcpuRate, "low"), spotAt(vcpuRate, "high"));
        add(td, `Fargate Spot memory (${arch})`, "GB-month", spot * gb, spotAt(gbRate, "low"), spotAt(gbRate, "high"));
    }

    // ---- data ------------------------------------------------------------------------------------
    for (const r of of("aws:rds/instance:Instance")) {
        const cls = String(r.inputs.instanceClass);
        const multiAz = r.inputs.multiAz === true;
        const copies = multiAz ? 2 : 1;
        const az = multiAz ? ", Multi-AZ" : "";
        add(r, `RDS ${cls}${az} (instances)`, "instance-month", copies, (p) => (p.rdsPostgresMonth as Record<string, number>)[cls]);
        const storageType = String(r.inputs.storageType ?? "gp3");
        add(r, `RDS ${storageType} storage${az}`, "GB-month", (num(r.inputs.allocatedStorage) ?? 0) * copies,
            (p) => (p.rdsStorageGbMonth as Record<string, number>)[storageType]);
    }
    for (const r of of("aws:elasticache/replicationGroup:ReplicationGroup")) {
        const nodeType = String(r.inputs.nodeType);
        const engine = String(r.inputs.engine ?? "redis");
        const nodes = num(r.inputs.numCacheClusters)
            ?? (num(r.inputs.numNodeGroups) ?? 1) * (1 + (num(r.inputs.replicasPerNodeGroup) ?? 0));
        add(r, `ElastiCache ${nodeType} (${engine}) nodes`, "node-month", nodes, (p) => {
            const base = (p.elasticacheRedisMonth as Record<string, number>)[nodeType];
            return base === undefined ? undefined : engine === "valkey" ? base * (1 - p.valkeyDiscount) : base;
        });
    }

    // ---- security and operations ------------------------------------------------------------------
    for (const r of of("aws:kms/key:Key")) add(r, "KMS key", "key-month", 1, (p) => p.kmsKeyMonth);
    for (const r of of("aws:secretsmanager/secret:Secret")) add(r, "Secrets Manager secret", "secret-month", 1, (p) => p.secretMonth);
    for (const r of of("aws:cloudwatch/metricAlarm:MetricAlarm")) {
        // A metric-math alarm is billed per metric it reads.
        const queries = (r.inputs.metricQueries as { metric?: unknown }[] | undefined) ?? [];
        const metrics = queries.length ? queries.filter((q) => q.metric).length : 1;
        add(r, "CloudWatch alarm metrics", "metric-month", metrics, (p) => p.alarmMetricMonth);
    }
    for (const r of of("aws:cloudwatch/dashboard:Dashboard")) add(r, "CloudWatch dashboard", "dashboard-month", 1, (p) => p.dashboardMonth);
    // Listed although free, so the budget shows up in the estimate and in a --compare.
    for (const r of of("aws:budgets/budget:Budget")) add(r, "AWS Budgets budget (no actions)", "budget-month", 1, (p) => p.budgetMonth);
    // Route 53 health checks: an endpoint behind Cloudflare's proxy is a non-AWS endpoint.
    const endpoint = record.config["groundwork:apiProxied"]?.value === "true" ? "nonAws" : "aws";
    const who = endpoint === "aws" ? "AWS endpoint" : "non-AWS endpoint";
    for (const r of of("aws:route53/healthCheck:HealthCheck")) {
        const type = String(r.inputs.type ?? "");
        const options = [type.startsWith("HTTPS"), type.endsWith("STR_MATCH"), r.inputs.measureLatency === true, num(r.inputs.requestInterval) === 10]
            .filter(Boolean).length;
        add(home, `Route 53 health check (${who})`, "check-month", 1, (p) => p.healthCheckMonth[endpoint]);
        add(home, `Route 53 health check options (${who})`, "option-month", options, (p) => p.healthCheckOptionMonth[endpoint]);
    }

    const list = [...lines.values()];
    return {
        region: home,
        lines: list,
        total: list.reduce((s, l) => s + l.monthly, 0),
        totalLow: list.reduce((s, l) => s + (l.lowMonthly ?? l.monthly), 0),
        notIncluded: NOT_INCLUDED,
        warnings,
        priceTable: { asOf: PRICE_TABLE.asOf, source: PRICE_TABLE.source, basis: PRICE_TABLE.basis },
        sharedFrom: [...new Set(record.resources.filter((r) => r.read && r.type === "pulumi:pulumi:StackReference").map((r) => String(r.inputs.name ?? r.name)))],
    };
}

const usd = (n: number) => `$${n.toFixed(2)}`;
/** Unit prices keep their precision ($0.115/GB, $3.24485/GB). */
const unitUsd = (n: number) => `$${n.toFixed(Math.max(2, (String(Number(n.toFixed(5))).split(".")[1] ?? "").length))}`;
const qty = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const pct = (f: number) => `${Math.round(f * 100)}%`;

/** The estimate as a table for the terminal. */
export function renderCost(e: CostEstimate): string[] {
    const rows = e.lines.map((l) => [l.kind, `${qty(l.quantity)} ${l.unit}`, `x ${unitUsd(l.unitPrice)}`, usd(l.monthly)]);
    const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 0));
    const out = [`Monthly cost estimate (${e.region}, on-demand list prices of ${e.priceTable.asOf}, fixed charges only):`];
    for (const r of rows) out.push(`  ${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}  ${r[3].padStart(w[3])}`);
    // At least as wide as the total line, so a table with no rows (the bootstrap: IAM only) still reads.
    const width = Math.max(w[0] + w[1] + w[2] + w[3] + 6, "Total per month".length + 2 + usd(e.total).length);
    out.push(`  ${"-".repeat(width)}`);
    out.push(`  ${"Total per month".padEnd(width - usd(e.total).length)}${usd(e.total)}`);
    if (e.totalLow !== e.total) {
        const spot = regionPrices(e.region).fargateSpotDiscount;
        out.push(`  (Fargate Spot priced at ${pct(spot.low)} off on-demand; at ${pct(spot.high)} off the total is ${usd(e.totalLow)}. Spot rates move with demand.)`);
    }
    if (e.sharedFrom.length > 0) {
        out.push(`  This stack uses ${e.sharedFrom.join(", ")}'s network, load balancer, database server, cache and bucket: the total is what it adds ` +
            "each month; the shared parts are billed there, unchanged.");
    }
    for (const wmsg of e.warnings) out.push(`  ! ${wmsg}`);
    out.push("  Not included (usage-based):", ...e.notIncluded.map((n) => `    - ${n}`));
    out.push(`  Prices: tools/prices.json (${e.priceTable.basis})`);
    return out;
}

/** The `plan` section: never fails the plan. */
export async function costSection(record: PlanRecord): Promise<{ lines: string[]; failed: boolean }> {
    return { lines: renderCost(estimateCost(record)), failed: false };
}
