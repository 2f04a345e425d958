/**
 * The stack's own VPC: public subnets for the load balancer and NAT, private subnets for tasks,
 * the database and the cache, egress through NAT (managed gateways or NAT instances), a free S3
 * gateway endpoint, optional interface endpoints, a default security group with no rules, and
 * VPC flow logs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RoleScope, roleScope } from "../role-scope";
import { NatInstance } from "./nat-instance";
import type { NatInstanceType } from "./nat-instance-types";

/** Interface endpoints created when `interfaceEndpoints` is on: what a Fargate task needs to start. */
export const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] as const;

/**
 * Zone ids (the same physical AZ in every account, unlike names such as `us-east-1c`) that new
 * subnets never go to: use1-az3 is constrained and refuses newer instance types and capacity.
 */
export const DEFAULT_EXCLUDED_ZONE_IDS = ["use1-az3"];

export interface NetworkArgs {
    /**
     * Where the IAM roles this component creates live: the stack's IAM path and, in a
     * bootstrapped account, the permissions boundary every role must carry.
     * @default undefined (the root path, no boundary)
     * @example { path: "/groundwork/prod/" }
     */
    roles?: RoleScope;
    /**
     * The VPC's range, a /16 in 10.0.0.0/8 ending in `.0.0/16`. Public subnets are /24s in its
     * first /20 (`10.N.0.0/24`, `10.N.1.0/24`…); private subnets are the following /20s
     * (`10.N.16.0/20`, `10.N.32.0/20`…), room for 4,000 task IPs per AZ.
     * Give each stack its own range so the VPCs can be peered later.
     * @default none (config: "10.0.0.0/16" in prod)
     * @example "10.1.0.0/16"
     */
    cidrBlock: string;
    /**
     * Availability zones to spread subnets over, 2 or 3. An ALB and Multi-AZ RDS need two.
     * Each extra AZ with `natGateways: "perAz"` adds a NAT gateway (see below).
     * @default none (config: 2 in staging, 3 in prod)
     * @example 3
     */
    azCount: number;
    /**
     * How many NATs (gateways or instances, see `egress`) the private subnets' egress goes
     * through: `"single"` (one, in the first AZ; if that AZ fails, tasks in the others lose
     * egress) or `"perAz"` (one per AZ, no cross-AZ dependency or cross-AZ data charges).
     * @default none (config: "perAz"; "single" in staging when `egress` is "natGateway")
     * @example "perAz"
     */
    natGateways: "single" | "perAz";
    /**
     * What the NATs are. `"natGateway"`: AWS's managed NAT gateway, up to 100 Gbps, no instance
     * to run; $32.85/month each (us-east-1, 730 h) + $0.045/GB processed + $3.65 for its
     * Elastic IP. `"natInstance"`: a {@link NatInstance} (an Auto Scaling group of one t4g
     * instance on a static interface the routes point at); ~$7.36/month each with a t4g.nano
     * ($3.07 instance, $0.64 disk, $3.65 address), no per-GB charge, 32 Mbps sustained (bursts to
     * 5 Gbps), and egress in its AZ pauses for a few minutes while a failed instance is replaced.
     * @default "natGateway" (config: "natInstance")
     * @example "natInstance"
     */
    egress?: "natGateway" | "natInstance";
    /**
     * NAT instance size, when `egress` is `"natInstance"` (see `NatInstanceArgs.instanceType`).
     * @default "t4g.nano"
     * @example "t4g.small"
     */
    natInstanceType?: NatInstanceType;
    /**
     * Tags for what NAT instances' groups launch (instances, volumes), which the provider's
     * `defaultTags` do not reach.
     * @default {}
     * @example { app: "groundwork", stack: "prod", "managed-by": "pulumi" }
     */
    tags?: Record<string, string>;
    /**
     * Create interface endpoints for ECR (api + dkr), CloudWatch Logs and Secrets Manager, so
     * image pulls, logs and secrets stay off NAT (saves the $0.045/GB NAT processing charge).
     * Cost: $7.30/month per endpoint per AZ + $0.01/GB: 4 endpoints × 3 AZs ≈ $87.60/month, which
     * pays off only above ~2 TB/month of such traffic.
     * @default none (config: false)
     * @example true
     */
    interfaceEndpoints: boolean;
    /**
     * Days CloudWatch keeps VPC flow logs (one of CloudWatch's retention periods).
     * Cost: $0.50/GB ingested + $0.03/GB-month stored.
     * @default none (config: 14 in staging, 90 in prod)
     * @example 90
     */
    flowLogRetentionDays: number;
    /**
     * Availability zone ids (`use1-az3`, not names: names map to different zones per account)
     * subnets are never placed in, because they lack capacity or features. Ids of other regions
     * are ignored. Changing this list does not move existing subnets (see `ignoreChanges` on
     * them); it only decides where subnets of a new stack, or added AZs, go.
     * @default ["use1-az3"]
     * @example ["use1-az3", "use1-az6"]
     */
    excludeZoneIds?: string[];
}

export class Network extends pulumi.ComponentResource {
    /** The VPC. */
    public readonly vpc: aws.ec2.Vpc;
    public readonly vpcId: pulumi.Output<string>;
    /** The VPC's CIDR block (interface endpoints and security rules allow traffic from it). */
    public readonly cidrBlock: pulumi.Output<string>;
    /** One public subnet per AZ: the load balancer and NAT gateways live here. */
    public readonly publicSubnetIds: pulumi.Output<string>[];
    /** One private subnet per AZ: tasks, the database and the cache live here. */
    public readonly privateSubnetIds: pulumi.Output<string>[];
    /** Route tables of the private subnets, one per AZ. */
    public readonly privateRouteTableIds: pulumi.Output<string>[];
    /** The NAT gateways: 1 (`single`) or one per AZ (`perAz`); none when `egress` is `"natInstance"`. */
    public readonly natGateways: aws.ec2.NatGateway[];
    /** The NAT instances: 1 or one per AZ; none when `egress` is `"natGateway"`. */
    public readonly natInstances: NatInstance[];
    /** The public addresses the internet sees the tasks' egress from (one per NAT), stable across NAT instance replacements. */
    public readonly egressIps: pulumi.Output<string>[];
    /**
     * What the private subnets' egress needs before a task can pull its image or reach the
     * internet: each private default route (which waits for its NAT gateway, or its NAT
     * instance's interface) and each NAT instance's group (which waits for its instance). The
     * services and schedules wait for these on a first deploy.
     */
    public readonly egressReady: pulumi.Resource[];
    /** AZ names the private subnets are in (as created; see `ignoreChanges`), in subnet order. */
    public readonly availabilityZones: pulumi.Output<string>[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:net:Network", name, {}, opts);
        const cidr = /^10\.(\d{1,3})\.0\.0\/16$/.exec(args.cidrBlock);
        if (!cidr || Number(cidr[1]) > 255) {
            throw new Error(`Network "${name}": cidrBlock must be a /16 in 10.0.0.0/8 ending in .0.0/16, got "${args.cidrBlock}". Example: 10.0.0.0/16`);
        }
        if (!Number.isInteger(args.azCount) || args.azCount < 2 || args.azCount > 3) {
            throw new Error(`Network "${name}": azCount must be 2 or 3, got ${args.azCount}. Example: 3`);
        }
        if (args.natGateways !== "single" && args.natGateways !== "perAz") {
            throw new Error(`Network "${name}": natGateways must be "single" or "perAz", got "${String(args.natGateways)}". Example: "perAz"`);
        }
        const egress = args.egress ?? "natGateway";
        if (egress !== "natGateway" && egress !== "natInstance") {
            throw new Error(`Network "${name}": egress must be "natGateway" or "natInstance", got "${String(egress)}". Example: "natInstance"`);
        }
        for (const id of args.excludeZoneIds ?? []) {
            if (!/^[a-z]{3,5}\d-az\d{1,2}$/.test(id)) {
                throw new Error(`Network "${name}": excludeZoneIds holds "${id}", which is not an AZ id (an AZ name such as us-east-1c differs per account). Example: use1-az3`);
            }
        }
        const prefix = `10.${cidr[1]}`;
        const parent = { parent: this };

        const excludeZoneIds = args.excludeZoneIds ?? DEFAULT_EXCLUDED_ZONE_IDS;
        // Only AZs that need no opt-in (Local and Wavelength Zones lack NAT gateways and Fargate),
        // and none of the zones known to lack capacity.
        const azs = aws.getAvailabilityZonesOutput({
            state: "available",
            excludeZoneIds,
            filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
        }, parent);
        const region = aws.getRegionOutput({}, parent).region;
        // Subnet counts come from the plain azCount, never from the invoke's result, so preview
        // shows every subnet; the AZ names themselves may arrive later.
        const azNames = Array.from({ length: args.azCount }, (_, i) => azs.names.apply((names) => {
            if (names.length <= i) {
                throw new Error(`Network "${name}": azCount is ${args.azCount} but the region has only ${names.length} standard AZs ` +
                    `outside excludeZoneIds ${JSON.stringify(excludeZoneIds)}. Example: azCount 2`);
            }
            return names[i];
        }));
        // The AZ list is read on every run and can shift: an impaired AZ drops out of
        // state "available", or a zone joins excludeZoneIds. availabilityZone forces a subnet's
        // replacement, and these subnets hold the RDS instance, the cache nodes and task ENIs, so
        // a changed list must never move an existing subnet in a routine `pulumi up`. Moving a
        // subnet is a deliberate migration (new subnet, move the data tier, drop the old one).
        const subnetOpts = { parent: this, ignoreChanges: ["availabilityZone", "availabilityZoneId"] };

        this.vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.cidrBlock,
            // Interface endpoints' private DNS and RDS/ElastiCache endpoint names need both.
            enableDnsSupport: true,
            enableDnsHostnames: true,
        }, parent);
        this.vpcId = this.vpc.id;
        this.cidrBlock = this.vpc.cidrBlock;

        // Take every rule off the default security group, so nothing can use it by accident.
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: this.vpc.id, ingress: [], egress: [] }, parent);

        // The internet gateway is free, so always create it: the ALB and NAT need it.
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id }, parent);

        const publicRt = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: this.vpc.id }, parent);
        const publicDefault = new aws.ec2.Route(`${name}-public-default`, {
            routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id,
        }, parent);

        const publicSubnets: aws.ec2.Subnet[] = [];
        const publicAssociations: aws.ec2.RouteTableAssociation[] = [];
        const privateSubnets: aws.ec2.Subnet[] = [];
        for (let i = 0; i < args.azCount; i++) {
            const az = azNames[i];
            const pub = new aws.ec2.Subnet(`${name}-public-${i}`, {
                vpcId: this.vpc.id,
                availabilityZone: az,
                cidrBlock: `${prefix}.${i}.0/24`,
                // Nothing launched here needs an automatic public IP (the ALB and NAT get their
                // own), and each one costs $3.65/month.
                mapPublicIpOnLaunch: false,
                tags: { Name: `${name}-public-${i}`, tier: "public" },
            }, subnetOpts);
            publicAssociations.push(new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRt.id }, parent));
            publicSubnets.push(pub);

            privateSubnets.push(new aws.ec2.Subnet(`${name}-private-${i}`, {
                vpcId: this.vpc.id,
                availabilityZone: az,
                cidrBlock: `${prefix}.${(i + 1) * 16}.0/20`,
                mapPublicIpOnLaunch: false,
                tags: { Name: `${name}-private-${i}`, tier: "private" },
            }, subnetOpts));
        }

        // NAT: one per AZ, or one in the first AZ that every private route table uses.
        const natCount = args.natGateways === "perAz" ? args.azCount : 1;
        this.natGateways = [];
        this.natInstances = [];
        this.egressIps = [];
        this.egressReady = [];
        // Where each NAT takes traffic (a gateway, or a NAT instance's static interface), and what a
        // route must wait for besides it: a NAT instance's group (its instance launched onto the
        // interface), so a route moved to a new NAT never points at an interface no instance holds.
        const natTargets: { target: { natGatewayId: pulumi.Output<string> } | { networkInterfaceId: pulumi.Output<string> }; ready: pulumi.Resource[] }[] = [];
        for (let i = 0; i < natCount; i++) {
            if (egress === "natInstance") {
                const nat = new NatInstance(`${name}-nat-${i}`, {
                    vpcId: this.vpc.id,
                    vpcCidr: args.cidrBlock,
                    subnetId: publicSubnets[i].id,
                    availabilityZone: publicSubnets[i].availabilityZone,
                    instanceType: args.natInstanceType,
                    tags: args.tags,
                    roles: args.roles,
                    // Several NATs: never roll them all at once on a template change.
                    refreshOnChange: natCount === 1,
                    // Its address needs the internet gateway, and its first boot (packages) the public route.
                }, { parent: this, dependsOn: [igw, publicDefault, publicAssociations[i]] });
                this.natInstances.push(nat);
                this.egressReady.push(nat.group);
                this.egressIps.push(nat.publicIp);
                natTargets.push({ target: { networkInterfaceId: nat.networkInterfaceId }, ready: [nat.group] });
                continue;
            }
            const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { Name: `${name}-nat-${i}` } }, parent);
            const gateway = new aws.ec2.NatGateway(`${name}-nat-${i}`, {
                allocationId: eip.id,
                subnetId: publicSubnets[i].id,
                connectivityType: "public",
                tags: { Name: `${name}-nat-${i}` },
            }, { parent: this, dependsOn: [igw] });
            this.natGateways.push(gateway);
            this.egressIps.push(eip.publicIp);
            natTargets.push({ target: { natGatewayId: gateway.id }, ready: [] });
        }

        // One private route table per AZ even with a single NAT, so switching to perAz later
        // changes routes only and never re-associates subnets. Switching egress between gateways
        // and instances changes the same routes' target in place.
        const privateRts: aws.ec2.RouteTable[] = [];
        for (let i = 0; i < args.azCount; i++) {
            const rt = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, { vpcId: this.vpc.id }, parent);
            const nat = natTargets[natCount === 1 ? 0 : i];
            this.egressReady.push(new aws.ec2.Route(`${name}-private-default-${i}`, {
                routeTableId: rt.id,
                destinationCidrBlock: "0.0.0.0/0",
                ...nat.target,
            }, { parent: this, dependsOn: nat.ready }));
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: privateSubnets[i].id, routeTableId: rt.id }, parent);
            privateRts.push(rt);
        }

        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        // The subnets' own AZs: after a shift in the AZ list they still say where things run.
        this.availabilityZones = privateSubnets.map((s) => s.availabilityZone);
        this.privateRouteTableIds = privateRts.map((rt) => rt.id);

        // The S3 gateway endpoint is free and keeps uploads and image layers (ECR stores them in
        // S3) off the NAT's per-GB charge.
        new aws.ec2.VpcEndpoint(`${name}-s3`, {
            vpcId: this.vpc.id,
            serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
            vpcEndpointType: "Gateway",
            routeTableIds: this.privateRouteTableIds,
        }, parent);

        if (args.interfaceEndpoints) {
            const endpointSg = new aws.ec2.SecurityGroup(`${name}-endpoints-sg`, {
                vpcId: this.vpc.id,
                description: "Interface VPC endpoints: HTTPS from inside the VPC only",
            }, parent);
            new aws.vpc.SecurityGroupIngressRule(`${name}-endpoints-in-https`, {
                securityGroupId: endpointSg.id,
                description: "HTTPS from anything in the VPC (tasks calling ECR, Logs, Secrets Manager)",
                ipProtocol: "tcp", fromPort: 443, toPort: 443,
                cidrIpv4: this.vpc.cidrBlock,
            }, parent);
            for (const svc of INTERFACE_ENDPOINT_SERVICES) {
                new aws.ec2.VpcEndpoint(`${name}-${svc.replace(".", "-")}`, {
                    vpcId: this.vpc.id,
                    serviceName: pulumi.interpolate`com.amazonaws.${region}.${svc}`,
                    vpcEndpointType: "Interface",
                    // Private DNS makes the SDKs' default endpoint names resolve to the endpoint.
                    privateDnsEnabled: true,
                    subnetIds: this.privateSubnetIds,
                    securityGroupIds: [endpointSg.id],
                }, parent);
            }
        }

        // Flow logs: who talked to what, kept for the stack's retention, for incident review.
        const flowLogGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, {
            retentionInDays: args.flowLogRetentionDays,
        }, parent);
        const account = aws.getCallerIdentityOutput({}, parent).accountId;
        const flowLogRole = new aws.iam.Role(`${name}-flow-logs`, {
            description: "Lets VPC flow logs write to this VPC's log group",
            ...roleScope(args.roles),
            assumeRolePolicy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Effect: "Allow",
                    Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    // Confused-deputy guard: only flow logs of this account may assume the role.
                    Condition: { StringEquals: { "aws:SourceAccount": account } },
                }],
            }),
        }, parent);
        new aws.iam.RolePolicy(`${name}-flow-logs`, {
            role: flowLogRole.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                    Resource: [flowLogGroup.arn, pulumi.interpolate`${flowLogGroup.arn}:*`],
                }],
            }),
        }, parent);
        new aws.ec2.FlowLog(`${name}-flow-log`, {
            vpcId: this.vpc.id,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: flowLogGroup.arn,
            iamRoleArn: flowLogRole.arn,
            maxAggregationInterval: 600,
        }, parent);

        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            egressIps: this.egressIps,
        });
    }
}
