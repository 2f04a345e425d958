/**
 * A NAT instance: one AZ's egress for about $7/month instead of a NAT gateway's $36.50, with no
 * per-GB processing charge.
 *
 * Failover without a route change: the private route tables point at a static network
 * interface (source/destination check off, an Elastic IP on it), never at an instance. An Auto
 * Scaling group of exactly one instance launches each instance with that interface as its
 * primary one (`eth0`, launch template `networkInterfaceId`, device index 0; AWS allows this for
 * a group of one that names its Availability Zone instead of a subnet). When the instance fails
 * its EC2 status checks the group terminates it and launches the next onto the same interface:
 * routes, address and security group stay; egress pauses for the replacement (README, "Egress").
 *
 * The instance: Amazon Linux 2023 for ARM64, resolved from AWS's public SSM parameter each time
 * the group launches an instance (`resolve:ssm:` in the launch template), so a replacement starts
 * from the newest image and `pulumi up` never churns the template; security updates released
 * since the image was built are applied at first boot. IMDSv2 only, no key pair, no inbound from
 * outside the VPC; Session Manager for access (the managed SSM policy, nothing else: attaching
 * the interface is the group's job at launch, so the instance role holds no EC2 permission).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RoleScope, roleScope } from "../role-scope";
import { NAT_INSTANCE_TYPES, NatInstanceType } from "./nat-instance-types";

/**
 * AWS's public parameter naming the newest Amazon Linux 2023 image for ARM64 (the standard image,
 * which ships the SSM agent; the minimal one does not). Published by Amazon in every region.
 */
export const AL2023_ARM64_IMAGE_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

/** The image's root device (Amazon Linux 2023). */
const ROOT_DEVICE = "/dev/xvda";

export interface NatInstanceArgs {
    /**
     * Where the IAM roles this component creates live: the stack's IAM path and, in a
     * bootstrapped account, the permissions boundary every role must carry.
     * @default undefined (the root path, no boundary)
     * @example { path: "/groundwork/prod/" }
     */
    roles?: RoleScope;
    /**
     * The VPC the instance forwards for.
     * @default none (required)
     * @example network.vpcId
     */
    vpcId: pulumi.Input<string>;
    /**
     * The VPC's range: the only source the instance accepts traffic from and masquerades.
     * A plain value, written into the instance's boot script.
     * @default none (required)
     * @example "10.0.0.0/16"
     */
    vpcCidr: string;
    /**
     * The public subnet the static interface lives in (a route to the internet gateway).
     * @default none (required)
     * @example network.publicSubnetIds[0]
     */
    subnetId: pulumi.Input<string>;
    /**
     * That subnet's Availability Zone: a group launching onto an existing interface names its AZ,
     * not a subnet.
     * @default none (required)
     * @example publicSubnet.availabilityZone
     */
    availabilityZone: pulumi.Input<string>;
    /**
     * Instance size (Graviton, ARM64). Sustained bandwidth: t4g.nano 32 Mbps, micro 64, small
     * 128, medium 256 (each bursts to 5 Gbps). Cost (us-east-1, 730 h): t4g.nano $3.07/month,
     * micro $6.13, small $12.26, medium $24.53; plus the $3.65 Elastic IP and the root volume.
     * @default "t4g.nano"
     * @example "t4g.small"
     */
    instanceType?: NatInstanceType;
    /**
     * Root volume size in GiB (gp3, encrypted). Cost: $0.08/GB-month (us-east-1), $0.64 for 8 GiB.
     * @default 8
     * @example 10
     */
    rootVolumeGiB?: number;
    /**
     * Tags for the instances and volumes the group launches. The provider's `defaultTags` reach
     * the group and the launch template but not what they launch; pass the stack's tags here.
     * @default {}
     * @example { app: "groundwork", stack: "prod", "managed-by": "pulumi" }
     */
    tags?: Record<string, string>;
    /**
     * Whether a changed launch template (size, boot script) rolls the instance at `pulumi up`.
     * AWS starts each group's refresh without waiting (the provider does not wait for it either),
     * so with a NAT per AZ every AZ would lose egress at once: there the change reaches new
     * instances only, and each AZ is rolled by hand, one after the other (README, "Egress").
     * @default true
     * @example false
     */
    refreshOnChange?: boolean;
}

/** The boot script: forwarding and masquerading first (egress resumes as soon as it runs), patches after. */
export function natUserData(vpcCidr: string): string {
    return [
        "#!/bin/bash",
        "# Groundwork NAT instance (components/net/nat-instance.ts): runs once, at the instance's first boot.",
        "# The NAT setup follows AWS's NAT AMI procedure for Amazon Linux 2023 (VPC User Guide, \"NAT instances\").",
        "set -euo pipefail",
        "# A NAT that cannot forward must not look healthy: stop the instance, and the group replaces it.",
        "trap 'echo \"groundwork-nat: setup failed, stopping for replacement\" >&2; shutdown -h now' ERR",
        `VPC_CIDR="${vpcCidr}"`,
        "IFACE=\"$(ip -o -4 route show to default | awk '{print $5; exit}')\"",
        "cat > /etc/sysctl.d/90-groundwork-nat.conf <<'EOF'",
        "net.ipv4.ip_forward = 1",
        "# One interface in and out: never tell a task to bypass the NAT.",
        "net.ipv4.conf.all.send_redirects = 0",
        "net.ipv4.conf.default.send_redirects = 0",
        "EOF",
        "sysctl --system",
        "for attempt in 1 2 3 4 5; do dnf -y install iptables-services && break; [ \"$attempt\" = 5 ] && false; sleep 10; done",
        "systemctl enable --now iptables",
        "iptables -t nat -A POSTROUTING -s \"$VPC_CIDR\" -o \"$IFACE\" -j MASQUERADE",
        "# iptables-services' default rules reject forwarded traffic; the security group already admits only the VPC.",
        "iptables -F FORWARD",
        "service iptables save",
        "# Security updates published since the image was built. A failure leaves the NAT working; the next replacement retries.",
        "dnf -y --releasever=latest upgrade --security || echo \"groundwork-nat: security update failed\" >&2",
        "",
    ].join("\n");
}

export class NatInstance extends pulumi.ComponentResource {
    /** The static interface the private route tables point at (escape hatch). */
    public readonly networkInterface: aws.ec2.NetworkInterface;
    /** The group of one that keeps an instance on the interface. */
    public readonly group: aws.autoscaling.Group;
    public readonly launchTemplate: aws.ec2.LaunchTemplate;
    /** The instance role: the managed SSM policy only. */
    public readonly role: aws.iam.Role;
    /** The interface's id: the target of the private routes. */
    public readonly networkInterfaceId: pulumi.Output<string>;
    /** The egress address the internet sees, stable across replacements. */
    public readonly publicIp: pulumi.Output<string>;

    constructor(name: string, args: NatInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:net:NatInstance", name, {}, opts);
        const instanceType = args.instanceType ?? "t4g.nano";
        if (!(instanceType in NAT_INSTANCE_TYPES)) {
            throw new Error(`NatInstance "${name}": instanceType must be one of ${Object.keys(NAT_INSTANCE_TYPES).join(", ")} (Graviton, for the ARM64 image), ` +
                `got "${String(instanceType)}". Example: "t4g.nano"`);
        }
        if (!/^10\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2}$/.test(args.vpcCidr)) {
            throw new Error(`NatInstance "${name}": vpcCidr must be an IPv4 range in 10.0.0.0/8, got "${args.vpcCidr}". Example: "10.0.0.0/16"`);
        }
        const rootVolumeGiB = args.rootVolumeGiB ?? 8;
        if (!Number.isInteger(rootVolumeGiB) || rootVolumeGiB < 8 || rootVolumeGiB > 64) {
            throw new Error(`NatInstance "${name}": rootVolumeGiB must be a whole number of 8-64 (the image needs 8), got ${rootVolumeGiB}. Example: 8`);
        }
        const parent = { parent: this };
        const tags = { ...args.tags, Name: name };
        const partition = aws.getPartitionOutput({}, parent).partition;

        const sg = new aws.ec2.SecurityGroup(`${name}-sg`, {
            vpcId: args.vpcId,
            description: "NAT instance: forwards traffic from inside the VPC only, nothing from the internet",
        }, parent);
        new aws.vpc.SecurityGroupIngressRule(`${name}-in-vpc`, {
            securityGroupId: sg.id,
            description: "Anything from inside the VPC (the private subnets egress through here)",
            ipProtocol: "-1",
            cidrIpv4: args.vpcCidr,
        }, parent);
        // A NAT's job is to reach any address on any port for the tasks behind it.
        new aws.vpc.SecurityGroupEgressRule(`${name}-out-all`, {
            securityGroupId: sg.id,
            description: "Forwarded traffic to the internet, plus the instance updates and Session Manager",
            ipProtocol: "-1",
            cidrIpv4: "0.0.0.0/0",
        }, parent);

        this.networkInterface = new aws.ec2.NetworkInterface(`${name}-eni`, {
            subnetId: args.subnetId,
            securityGroups: [sg.id],
            // Forwarding for others means packets whose source or destination is not this interface.
            sourceDestCheck: false,
            description: `${name}: NAT interface the private route tables point at (outlives its instances)`,
            tags: { Name: name },
        }, parent);
        this.networkInterfaceId = this.networkInterface.id;

        // The address lives on the interface, so a replacement instance keeps it: the egress IP a
        // partner may allowlist never changes. $3.65/month, as any public IPv4 address.
        const eip = new aws.ec2.Eip(`${name}-eip`, {
            domain: "vpc",
            networkInterface: this.networkInterface.id,
            tags: { Name: name },
            // A component's dependsOn binds the component only: what the caller says must exist
            // first (the internet gateway, the public route) binds the address, and through it the group.
        }, { parent: this, dependsOn: opts?.dependsOn });
        this.publicIp = eip.publicIp;

        this.role = new aws.iam.Role(`${name}-role`, {
            description: "NAT instance: Session Manager access only (no EC2 permissions; the group attaches the interface)",
            ...roleScope(args.roles),
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
        }, parent);
        new aws.iam.RolePolicyAttachment(`${name}-ssm`, {
            role: this.role.name,
            policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
        }, parent);
        const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: this.role.name, path: roleScope(args.roles).path }, parent);

        this.launchTemplate = new aws.ec2.LaunchTemplate(`${name}-lt`, {
            description: `${name}: Amazon Linux 2023 ARM64 NAT on the static interface`,
            // Resolved by EC2 at each launch: a replacement runs the newest image, and the template
            // (hence `pulumi up`) does not change when AWS publishes one.
            imageId: `resolve:ssm:${AL2023_ARM64_IMAGE_PARAMETER}`,
            instanceType,
            iamInstanceProfile: { arn: profile.arn },
            // The static interface as eth0; no subnet or security group here (they are the interface's).
            networkInterfaces: [{ deviceIndex: 0, networkInterfaceId: this.networkInterface.id, deleteOnTermination: "false" }],
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
            blockDeviceMappings: [{
                deviceName: ROOT_DEVICE,
                ebs: { volumeSize: rootVolumeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            }],
            // Unlimited: a NAT throttled to t4g's 5% CPU baseline would starve egress; surplus
            // credits ($0.04/vCPU-hour) would show in the budget long before they matter.
            creditSpecification: { cpuCredits: "unlimited" },
            userData: Buffer.from(natUserData(args.vpcCidr)).toString("base64"),
            tagSpecifications: ["instance", "volume"].map((resourceType) => ({ resourceType, tags })),
            updateDefaultVersion: true,
        }, parent);

        this.group = new aws.autoscaling.Group(`${name}-group`, {
            // With an existing interface the group names its AZ, never a subnet, and holds one instance.
            availabilityZones: [args.availabilityZone],
            minSize: 1,
            maxSize: 1,
            desiredCapacity: 1,
            launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.apply(String) },
            healthCheckType: "EC2",
            healthCheckGracePeriod: 120,
            // The interface can be on one instance only: always terminate the old one before
            // launching its replacement (health replacements and instance refreshes alike).
            instanceMaintenancePolicy: { minHealthyPercentage: 0, maxHealthyPercentage: 100 },
            // A changed template (size, boot script) rolls the instance at `pulumi up`: egress in
            // this AZ pauses for the replacement, as for a failure. Only where it is the one NAT.
            ...(args.refreshOnChange === false ? {} : {
                instanceRefresh: {
                    strategy: "Rolling",
                    preferences: { minHealthyPercentage: 0, maxHealthyPercentage: 100, instanceWarmup: "60" },
                },
            }),
            tags: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
        }, {
            parent: this,
            // A second group could never launch while the first one's instance holds the interface.
            deleteBeforeReplace: true,
            // The first instance boots with its address in place (its boot script installs packages).
            dependsOn: [eip],
        });

        this.registerOutputs({ networkInterfaceId: this.networkInterfaceId, publicIp: this.publicIp });
    }
}
