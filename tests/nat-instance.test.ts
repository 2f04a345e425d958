/**
 * The NAT instance (issue 15): egress for each AZ through an Auto Scaling group of one instance on
 * a static interface. The failover path is asserted on the recorded graph: routes point at the
 * interface (never at an instance), each group keeps exactly one instance in the interface's AZ
 * and launches it onto that interface, and the instance itself can do nothing in EC2.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AL2023_ARM64_IMAGE_PARAMETER, NatInstance, natUserData } from "../components/net/nat-instance";
import { PROJECT_DIR, PlanRecord, RecordedResource } from "../tools/engine";
import { mockCall, mockState } from "../tools/mock-states";
import { EVERY_OPT_IN, STAGING_TUNED, TEAM_OPTIONS, byType, goodPlan, one } from "./harness";

const T = {
    nat: "groundwork:net:NatInstance",
    eni: "aws:ec2/networkInterface:NetworkInterface",
    eip: "aws:ec2/eip:Eip",
    route: "aws:ec2/route:Route",
    subnet: "aws:ec2/subnet:Subnet",
    group: "aws:autoscaling/group:Group",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    profile: "aws:iam/instanceProfile:InstanceProfile",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    natGateway: "aws:ec2/natGateway:NatGateway",
} as const;

/** The resource of a type whose recorded id is `id` (what other resources' inputs hold). */
const byId = (r: PlanRecord, type: string, id: unknown) => byType(r, type).find((x) => x.id !== "" && x.id === id);
/** The children of a NAT instance component. */
const childrenOf = (r: PlanRecord, nat: RecordedResource) => r.resources.filter((x) => x.parent === nat.urn);
const childOf = (r: PlanRecord, nat: RecordedResource, type: string) => {
    const found = childrenOf(r, nat).filter((x) => x.type === type);
    assert.equal(found.length, 1, `${nat.name} has one ${type}`);
    return found[0];
};

interface LaunchTemplateInputs {
    imageId: string;
    instanceType: string;
    keyName?: string;
    vpcSecurityGroupIds?: string[];
    iamInstanceProfile: { arn: string };
    networkInterfaces: { deviceIndex: number; networkInterfaceId: string; deleteOnTermination: string; associatePublicIpAddress?: string; subnetId?: string }[];
    metadataOptions: { httpTokens: string; httpEndpoint: string; httpPutResponseHopLimit: number };
    blockDeviceMappings: { deviceName: string; ebs: { encrypted: string; volumeType: string; volumeSize: number } }[];
    userData: string;
    tagSpecifications: { resourceType: string; tags: Record<string, string> }[];
}

const SINGLE = { "groundwork:natGateways": "single" };

describe("NAT instances", () => {
    // withJobs: the config with scheduled jobs the egress waiters are checked on: every opt-in part,
    // and for a single NAT, STAGING_TUNED (its retention keys do not touch the network).
    for (const [stack, azs, nats, config, withJobs] of [["prod", 3, 3, {}, EVERY_OPT_IN], ["staging", 2, 2, {}, EVERY_OPT_IN], ["staging", 2, 1, SINGLE, STAGING_TUNED]] as const) {
        describe(`${stack} (${nats === azs ? "one per AZ" : "single"})`, () => {
            it("routes every private subnet's egress to a NAT instance's static interface, never to an instance", async () => {
                const r = await goodPlan(stack, config);
                assert.equal(byType(r, T.natGateway).length, 0);
                const natComponents = byType(r, T.nat);
                assert.equal(natComponents.length, nats);
                for (let i = 0; i < azs; i++) {
                    const route = one(r, T.route, `net-private-default-${i}`);
                    assert.equal(route.inputs.destinationCidrBlock, "0.0.0.0/0");
                    for (const other of ["instanceId", "natGatewayId", "gatewayId"]) assert.equal(route.inputs[other], undefined, `route ${i} ${other}`);
                    const eni = byId(r, T.eni, route.inputs.networkInterfaceId);
                    assert.ok(eni, `route ${i} points at a network interface of the graph`);
                    // Per AZ: each route to its own AZ's NAT; single: every route to the first.
                    assert.equal(eni.name, `net-nat-${nats === azs ? i : 0}-eni`, `route ${i}`);
                    // A route moved to another NAT (single to perAz) switches only once that NAT's instance is launched.
                    const group = one(r, T.group, `net-nat-${nats === azs ? i : 0}-group`);
                    assert.ok(route.options.dependsOn.includes(group.urn), `route ${i} waits for its NAT's group`);
                }
            });

            it("keeps exactly one instance per NAT in an Auto Scaling group, launched onto the interface in its AZ", async () => {
                const r = await goodPlan(stack, config);
                for (const nat of byType(r, T.nat)) {
                    const group = childOf(r, nat, T.group);
                    const eni = childOf(r, nat, T.eni);
                    assert.deepEqual([group.inputs.minSize, group.inputs.maxSize, group.inputs.desiredCapacity], [1, 1, 1], group.name);
                    // A group on an existing interface names the interface's AZ, and no subnet.
                    const subnet = byId(r, T.subnet, eni.inputs.subnetId);
                    assert.match(subnet?.name ?? "", /^net-public-\d$/, `${eni.name} sits in a public subnet`);
                    assert.deepEqual(group.inputs.availabilityZones, [subnet?.inputs.availabilityZone]);
                    assert.equal(group.inputs.vpcZoneIdentifiers, undefined);
                    const lt = childOf(r, nat, T.lt);
                    assert.equal((group.inputs.launchTemplate as { id: string }).id, lt.id);
                    const ni = (lt.inputs as unknown as LaunchTemplateInputs).networkInterfaces;
                    assert.equal(ni.length, 1);
                    assert.deepEqual([ni[0].deviceIndex, ni[0].networkInterfaceId, ni[0].deleteOnTermination], [0, eni.id, "false"]);
                    assert.equal(ni[0].subnetId, undefined);
                    // Replacements terminate first (the interface is on one instance at a time), whether the
                    // group heals an unhealthy instance or rolls a changed template.
                    assert.deepEqual(group.inputs.instanceMaintenancePolicy, { minHealthyPercentage: 0, maxHealthyPercentage: 100 });
                    // A changed template rolls a single NAT at up; a NAT per AZ is rolled by hand, one AZ
                    // after the other (AWS starts every group's refresh at once and nothing waits for it).
                    if (nats > 1) {
                        assert.equal(byType(r, T.nat).length, nats);
                        assert.equal(group.inputs.instanceRefresh, undefined, `${group.name}: no refresh at up`);
                    } else {
                        const refresh = group.inputs.instanceRefresh as { strategy: string; preferences: { minHealthyPercentage: number; maxHealthyPercentage: number } };
                        assert.equal(refresh.strategy, "Rolling");
                        assert.deepEqual([refresh.preferences.minHealthyPercentage, refresh.preferences.maxHealthyPercentage], [0, 100]);
                    }
                    assert.equal(group.inputs.healthCheckType, "EC2");
                    assert.equal(group.options.deleteBeforeReplace, true, "a replaced group must let go of the interface first");
                }
            });

            it("forwards through an interface with source/dest check off, a stable Elastic IP, and inbound from the VPC only", async () => {
                const r = await goodPlan(stack, config);
                const vpcCidr = stack === "prod" ? "10.0.0.0/16" : "10.1.0.0/16";
                for (const nat of byType(r, T.nat)) {
                    const eni = childOf(r, nat, T.eni);
                    assert.equal(eni.inputs.sourceDestCheck, false);
                    assert.equal(childOf(r, nat, T.eip).inputs.networkInterface, eni.id, "the address is on the interface, not on an instance");
                    const sgIds = eni.inputs.securityGroups as string[];
                    assert.equal(sgIds.length, 1);
                    const sg = byId(r, T.sg, sgIds[0]);
                    assert.equal(sg?.parent, nat.urn);
                    const inbound = byType(r, T.ingress).filter((x) => x.inputs.securityGroupId === sgIds[0]);
                    assert.equal(inbound.length, 1);
                    assert.equal(inbound[0].inputs.cidrIpv4, vpcCidr);
                    assert.equal(inbound[0].inputs.cidrIpv6, undefined);
                    const outbound = byType(r, T.egress).filter((x) => x.inputs.securityGroupId === sgIds[0]);
                    assert.deepEqual(outbound.map((x) => x.inputs.cidrIpv4), ["0.0.0.0/0"]);
                }
            });

            it("gives the interface its address only once the VPC has its internet gateway and public route, and boots the first instance after", async () => {
                const r = await goodPlan(stack, config);
                const urn = (type: string, name: string) => one(r, type, name).urn;
                for (const [i, nat] of byType(r, T.nat).entries()) {
                    const eip = childOf(r, nat, T.eip);
                    for (const dep of [urn("aws:ec2/internetGateway:InternetGateway", "net-igw"), urn(T.route, "net-public-default"),
                        urn("aws:ec2/routeTableAssociation:RouteTableAssociation", `net-public-${i}`)]) {
                        assert.ok(eip.options.dependsOn.includes(dep), `${eip.name} waits for ${dep}`);
                    }
                    assert.ok(childOf(r, nat, T.group).options.dependsOn.includes(eip.urn), `${nat.name}: the group waits for the address`);
                }
            });

            it("has the services and the schedules wait for egress: every private default route and every NAT's group", async () => {
                const r = await goodPlan(stack, withJobs);
                const egress = [...byType(r, T.route).filter((x) => /^net-private-default-\d$/.test(x.name)), ...byType(r, T.group)].map((x) => x.urn);
                assert.equal(egress.length, azs + nats);
                const waiters = [...byType(r, "aws:ecs/service:Service"), ...byType(r, "aws:scheduler/schedule:Schedule")];
                assert.ok(waiters.length >= 3, waiters.map((w) => w.name).join(", "));
                for (const w of waiters) for (const e of egress) assert.ok(w.options.dependsOn.includes(e), `${w.name} waits for ${e}`);
            });

            it("needs no permission to attach the interface: the instance role holds the SSM managed policy and nothing else", async () => {
                const r = await goodPlan(stack, config);
                for (const nat of byType(r, T.nat)) {
                    const role = childOf(r, nat, T.role);
                    const trust = JSON.parse(role.inputs.assumeRolePolicy as string) as { Statement: { Principal: { Service: string }; Action: string }[] };
                    assert.deepEqual(trust.Statement.map((s) => [s.Principal.Service, s.Action]), [["ec2.amazonaws.com", "sts:AssumeRole"]]);
                    // No inline policy anywhere on the role; one managed policy: Session Manager's.
                    assert.deepEqual(byType(r, T.rolePolicy).filter((p) => p.inputs.role === role.id || p.inputs.role === role.state.name), []);
                    const attached = byType(r, T.attachment).filter((a) => a.inputs.role === role.state.name);
                    assert.deepEqual(attached.map((a) => a.inputs.policyArn), ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
                    const profile = childOf(r, nat, T.profile);
                    assert.equal(profile.inputs.role, role.state.name);
                    assert.equal((childOf(r, nat, T.lt).inputs as unknown as LaunchTemplateInputs).iamInstanceProfile.arn, profile.state.arn);
                }
            });

            it("launches Amazon Linux 2023 ARM64 from AWS's public parameter with IMDSv2 only, no key pair and an encrypted disk", async () => {
                const r = await goodPlan(stack, config);
                for (const nat of byType(r, T.nat)) {
                    const lt = childOf(r, nat, T.lt).inputs as unknown as LaunchTemplateInputs;
                    assert.equal(lt.imageId, `resolve:ssm:${AL2023_ARM64_IMAGE_PARAMETER}`);
                    assert.equal(AL2023_ARM64_IMAGE_PARAMETER, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
                    assert.equal(lt.instanceType, "t4g.nano");
                    assert.equal(lt.metadataOptions.httpTokens, "required");
                    assert.equal(lt.metadataOptions.httpPutResponseHopLimit, 1);
                    assert.equal(lt.keyName, undefined);
                    assert.equal(lt.vpcSecurityGroupIds, undefined, "security groups belong to the interface");
                    assert.deepEqual(lt.blockDeviceMappings.map((m) => [m.deviceName, m.ebs.encrypted, m.ebs.volumeType, m.ebs.volumeSize]), [["/dev/xvda", "true", "gp3", 8]]);
                    // The stack's tags reach what the group launches (defaultTags do not).
                    const expected = { app: "groundwork", stack, "managed-by": "pulumi", Name: nat.name };
                    assert.deepEqual(lt.tagSpecifications.map((t) => t.resourceType).sort(), ["instance", "volume"]);
                    for (const t of lt.tagSpecifications) assert.deepEqual(t.tags, expected);
                    const groupTags = (childOf(r, nat, T.group).inputs.tags as { key: string; value: string; propagateAtLaunch: boolean }[]);
                    assert.deepEqual(Object.fromEntries(groupTags.map((t) => [t.key, t.value])), expected);
                    assert.ok(groupTags.every((t) => t.propagateAtLaunch));
                }
            });

            it("boots into forwarding and masquerading of the VPC's range, then applies security updates", async () => {
                const r = await goodPlan(stack, config);
                const vpcCidr = stack === "prod" ? "10.0.0.0/16" : "10.1.0.0/16";
                const nat = byType(r, T.nat)[0];
                const script = Buffer.from((childOf(r, nat, T.lt).inputs as unknown as LaunchTemplateInputs).userData, "base64").toString("utf8");
                assert.equal(script, natUserData(vpcCidr));
                assert.match(script, /^#!\/bin\/bash\n/);
                assert.match(script, /net\.ipv4\.ip_forward = 1/);
                assert.match(script, new RegExp(`VPC_CIDR="${vpcCidr.replace(/\./g, "\\.")}"`));
                assert.match(script, /iptables -t nat -A POSTROUTING -s "\$VPC_CIDR" -o "\$IFACE" -j MASQUERADE/);
                assert.ok(script.indexOf("MASQUERADE") < script.indexOf("upgrade --security"), "egress first, patches after");
                // A setup that fails stops the instance, which the group then replaces; a failed update does not.
                assert.match(script, /^trap '.*shutdown -h now' ERR$/m);
                assert.match(script, /upgrade --security \|\| echo/);
                const bash = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
                assert.equal(bash.status, 0, bash.stderr);
            });
        });
    }

    it("changes the same routes' target in place when egress moves between NAT gateways and instances", async () => {
        const [instances, gateways] = [await goodPlan("prod"), await goodPlan("prod", { "groundwork:egress": "natGateway" })];
        for (let i = 0; i < 3; i++) {
            const [a, b] = [one(instances, T.route, `net-private-default-${i}`), one(gateways, T.route, `net-private-default-${i}`)];
            assert.equal(a.urn, b.urn, "one route resource, updated");
            assert.ok(a.inputs.networkInterfaceId && !a.inputs.natGatewayId);
            assert.ok(b.inputs.natGatewayId && !b.inputs.networkInterfaceId);
        }
        assert.equal(byType(gateways, T.nat).length, 0);
        assert.equal(byType(gateways, T.group).length, 0);
    });

    it("exports the egress addresses, one per NAT: the NAT instances' interface addresses, or the gateways'", async () => {
        for (const [stack, config, eipName] of [["prod", {}, (i: number) => `net-nat-${i}-eip`], ["prod", { "groundwork:egress": "natGateway" }, (i: number) => `net-nat-${i}`],
            ["staging", {}, (i: number) => `net-nat-${i}-eip`], ["staging", { "groundwork:natGateways": "single" }, (i: number) => `net-nat-${i}-eip`]] as const) {
            const r = await goodPlan(stack, config);
            const ips = r.outputs.egressIps?.value as string[];
            assert.equal(ips.length, stack === "prod" ? 3 : "groundwork:natGateways" in config ? 1 : 2, stack);
            ips.forEach((ip, i) => assert.equal(ip, one(r, T.eip, eipName(i)).state.publicIp, `${stack} ${JSON.stringify(config)} ${i}`));
            assert.equal(r.outputs.egressIps.secret, false);
        }
    });

    it("runs the configured size", async () => {
        const r = await goodPlan("staging", TEAM_OPTIONS);
        assert.deepEqual(byType(r, T.lt).map((lt) => lt.inputs.instanceType), ["t4g.small", "t4g.small"], "one per AZ");
    });

    it("names its children `${name}-<role>` under the component and documents every arg", async () => {
        const r = await goodPlan("prod");
        for (const nat of byType(r, T.nat)) {
            const children = childrenOf(r, nat);
            assert.ok(children.length >= 10, nat.name);
            for (const c of children) assert.ok(c.name.startsWith(`${nat.name}-`), c.name);
        }
        const source = fs.readFileSync(path.join(PROJECT_DIR, "components", "net", "nat-instance.ts"), "utf8");
        const body = /export interface NatInstanceArgs \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? "";
        const fields = [...body.matchAll(/(\/\*\*[\s\S]*?\*\/)\s*\n {4}(\w+)\??:/g)];
        assert.ok(fields.length >= 7, `found ${fields.length} documented fields`);
        for (const [, doc, field] of fields) assert.match(doc, /@default [\s\S]*@example /, field);
    });

    it("refuses a size that is not a Graviton t4g, naming the arg", async () => {
        await pulumi.runtime.setMocks({ newResource: (a) => mockState(a, "us-east-1"), call: (a) => mockCall(a, "us-east-1") }, "groundwork", "unit", false);
        const provider = new aws.Provider("unit-nat-aws", { region: "us-east-1" });
        const args = { vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", subnetId: "subnet-1", availabilityZone: "us-east-1a" };
        assert.throws(() => new NatInstance("unit-nat", { ...args, instanceType: "t3.nano" as never }, { providers: [provider] }),
            /NatInstance "unit-nat": instanceType must be one of t4g\.nano, t4g\.micro, t4g\.small, t4g\.medium.*Example: "t4g\.nano"/);
        assert.throws(() => new NatInstance("unit-nat-2", { ...args, vpcCidr: "0.0.0.0/0" }, { providers: [provider] }), /vpcCidr must be an IPv4 range in 10\.0\.0\.0\/8/);
        assert.throws(() => new NatInstance("unit-nat-3", { ...args, rootVolumeGiB: 4 }, { providers: [provider] }), /rootVolumeGiB must be a whole number of 8-64/);
    });
});
