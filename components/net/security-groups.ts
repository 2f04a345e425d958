/**
 * The stack's security groups and every rule between them, spelled out both ways: the AWS
 * provider's groups start with no egress, so each allowed flow is one ingress rule on the
 * receiver and one egress rule on the sender.
 *
 *   internet (or Cloudflare) --80/443--> alb --containerPort--> api
 *   api, worker --443--> anywhere (AWS APIs, Stripe, Sentry…)
 *   api, worker --5432--> db          api, worker --6379--> cache
 *   worker: no inbound at all.        db, cache: no outbound.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Postgres port the database listens on. */
export const POSTGRES_PORT = 5432;
/** Redis/Valkey port the cache listens on. */
export const REDIS_PORT = 6379;

export interface SecurityGroupsArgs {
    /**
     * The VPC the groups belong to.
     * @default none (required)
     * @example network.vpcId
     */
    vpcId: pulumi.Input<string>;
    /**
     * Port the api container listens on; the only port the ALB may reach it on.
     * @default none (config: 3000)
     * @example 3000
     */
    containerPort: number;
    /**
     * When the API is proxied by Cloudflare, the ALB accepts only these IPv4 ranges (put in a
     * managed prefix list, so a changed range list updates one resource). Undefined: the whole
     * internet on 80/443 over IPv4 only (the ALB is `ipAddressType: "ipv4"`, so an IPv6 rule
     * would open the group wider than anything can reach it).
     * @default undefined (internet)
     * @example cloudflare.getIpRangesOutput({}).ipv4Cidrs
     */
    albIngressCidrs?: pulumi.Input<string[]>;
    /**
     * Room in the Cloudflare prefix list. Each reference to a prefix list counts as this many
     * rules against the security group's quota (60 by default; the ALB group references it twice).
     * Cloudflare publishes 15 IPv4 ranges today.
     * @default 25
     * @example 30
     */
    albIngressMaxEntries?: number;
}

export class SecurityGroups extends pulumi.ComponentResource {
    public readonly alb: aws.ec2.SecurityGroup;
    public readonly api: aws.ec2.SecurityGroup;
    public readonly worker: aws.ec2.SecurityGroup;
    public readonly database: aws.ec2.SecurityGroup;
    public readonly cache: aws.ec2.SecurityGroup;
    /** The load balancer's group: 80/443 in from the internet (or Cloudflare), out only to the api. */
    public readonly albSecurityGroupId: pulumi.Output<string>;
    /** The api tasks' group: in only from the ALB on the container port. */
    public readonly apiSecurityGroupId: pulumi.Output<string>;
    /** The worker tasks' group: no inbound. */
    public readonly workerSecurityGroupId: pulumi.Output<string>;
    /** The database's group: 5432 in from the api and worker only. */
    public readonly databaseSecurityGroupId: pulumi.Output<string>;
    /** The cache's group: 6379 in from the api and worker only. */
    public readonly cacheSecurityGroupId: pulumi.Output<string>;

    constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:net:SecurityGroups", name, {}, opts);
        if (!Number.isInteger(args.containerPort) || args.containerPort < 1024 || args.containerPort > 65535) {
            throw new Error(`SecurityGroups "${name}": containerPort must be an unprivileged port (1024-65535), got ${args.containerPort}. Example: 3000`);
        }
        const maxEntries = args.albIngressMaxEntries ?? 25;
        if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 29) {
            throw new Error(`SecurityGroups "${name}": albIngressMaxEntries must be 1-29 (two references must fit the 60-rule quota), got ${maxEntries}. Example: 25`);
        }
        const parent = { parent: this };
        const group = (role: string, description: string) =>
            new aws.ec2.SecurityGroup(`${name}-${role}`, { vpcId: args.vpcId, description }, parent);

        this.alb = group("alb", "Load balancer: HTTP/HTTPS in from clients, out to the api tasks");
        this.api = group("api", "api tasks: in from the load balancer only");
        this.worker = group("worker", "worker tasks: no inbound");
        this.database = group("db", "Postgres: in from the api and worker only");
        this.cache = group("cache", "Redis/Valkey: in from the api and worker only");

        type Peer = { cidrIpv4: pulumi.Input<string> } | { prefixListId: pulumi.Input<string> }
            | { referencedSecurityGroupId: pulumi.Input<string> };
        const ingress = (role: string, sg: aws.ec2.SecurityGroup, port: number, peer: Peer, description: string) =>
            new aws.vpc.SecurityGroupIngressRule(`${name}-${role}`, {
                securityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, description, ...peer,
            }, parent);
        const egress = (role: string, sg: aws.ec2.SecurityGroup, port: number, peer: Peer, description: string) =>
            new aws.vpc.SecurityGroupEgressRule(`${name}-${role}`, {
                securityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, description, ...peer,
            }, parent);

        // ---- ALB: the only group open to the outside, and only on 80 (redirect) and 443.
        // IPv4 only: the ALB has no IPv6 address (ipAddressType "ipv4"), so no ::/0 rule; a
        // dual-stack ALB would add its IPv6 rules together with the address type.
        if (args.albIngressCidrs === undefined) {
            for (const [port, proto] of [[80, "HTTP (redirected to HTTPS)"], [443, "HTTPS"]] as const) {
                ingress(`alb-in-${port}-v4`, this.alb, port, { cidrIpv4: "0.0.0.0/0" }, `${proto} from the internet (IPv4)`);
            }
        } else {
            // The ranges are an Output: one prefix list holds them, rather than a rule per range
            // created inside apply (which preview would not show).
            const cloudflare = new aws.ec2.ManagedPrefixList(`${name}-cloudflare`, {
                addressFamily: "IPv4",
                maxEntries,
                entries: pulumi.output(args.albIngressCidrs).apply((cidrs) => {
                    if (cidrs.length > maxEntries) {
                        throw new Error(`SecurityGroups "${name}": ${cidrs.length} ALB ingress ranges exceed albIngressMaxEntries (${maxEntries})`);
                    }
                    return cidrs.map((cidr) => ({ cidr, description: "Cloudflare" }));
                }),
            }, parent);
            for (const [port, proto] of [[80, "HTTP (redirected to HTTPS)"], [443, "HTTPS"]] as const) {
                ingress(`alb-in-${port}-cloudflare`, this.alb, port, { prefixListId: cloudflare.id }, `${proto} from Cloudflare's proxies only`);
            }
        }
        egress("alb-out-api", this.alb, args.containerPort, { referencedSecurityGroupId: this.api.id },
            "To the api tasks on the container port (requests and health checks)");

        // ---- api: in only from the ALB.
        ingress("api-in-alb", this.api, args.containerPort, { referencedSecurityGroupId: this.alb.id },
            "From the load balancer on the container port");

        // ---- api and worker: the same outbound needs; the worker takes no inbound at all.
        for (const [role, sg] of [["api", this.api], ["worker", this.worker]] as const) {
            egress(`${role}-out-https`, sg, 443, { cidrIpv4: "0.0.0.0/0" },
                "HTTPS to AWS APIs (ECR, Logs, Secrets Manager, S3) and third parties (Stripe)");
            egress(`${role}-out-db`, sg, POSTGRES_PORT, { referencedSecurityGroupId: this.database.id }, "To Postgres");
            egress(`${role}-out-cache`, sg, REDIS_PORT, { referencedSecurityGroupId: this.cache.id }, "To Redis/Valkey");
            ingress(`db-in-${role}`, this.database, POSTGRES_PORT, { referencedSecurityGroupId: sg.id }, `Postgres from the ${role} tasks`);
            ingress(`cache-in-${role}`, this.cache, REDIS_PORT, { referencedSecurityGroupId: sg.id }, `Redis/Valkey from the ${role} tasks`);
        }
        // db and cache get no egress rule: they answer connections (security groups are
        // stateful) and never open one.

        this.albSecurityGroupId = this.alb.id;
        this.apiSecurityGroupId = this.api.id;
        this.workerSecurityGroupId = this.worker.id;
        this.databaseSecurityGroupId = this.database.id;
        this.cacheSecurityGroupId = this.cache.id;
        this.registerOutputs({
            albSecurityGroupId: this.albSecurityGroupId,
            apiSecurityGroupId: this.apiSecurityGroupId,
            workerSecurityGroupId: this.workerSecurityGroupId,
            databaseSecurityGroupId: this.databaseSecurityGroupId,
            cacheSecurityGroupId: this.cacheSecurityGroupId,
        });
    }
}
