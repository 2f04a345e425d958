/**
 * The stack's security groups and every rule between them, spelled out both ways: the AWS
 * provider's groups start with no egress, so each allowed flow is one ingress rule on the
 * receiver and one egress rule on the sender. Only the parts present get a group or a rule.
 *
 *   internet (or Cloudflare) --80/443--> alb --containerPort--> api
 *   api, worker --443--> anywhere (AWS APIs, Stripe, Sentry…)
 *   api, worker --5432--> db          api, worker --6379--> cache
 *   api, worker --external port--> anywhere (a database or Redis the team keeps)
 *   jobs (scheduled tasks): as the worker
 *   db-access (the operators' relay) --443--> anywhere (SSM), --5432--> db; nothing else
 *   worker, jobs, db-access: no inbound at all.        db, cache: no outbound.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Postgres port the database listens on. */
export const POSTGRES_PORT = 5432;
/** Redis/Valkey port the cache listens on. */
export const REDIS_PORT = 6379;

/** Characters EC2 accepts in security group and rule descriptions. */
export const EC2_DESCRIPTION = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]{0,255}$/;

export type TaskRole = "api" | "worker" | "jobs" | "dbAccess";

export interface SecurityGroupsArgs {
    /**
     * The VPC the groups belong to.
     * @default none (required)
     * @example network.vpcId
     */
    vpcId: pulumi.Input<string>;
    /**
     * The API part: a load balancer group open on 80/443 and an api group reachable only from
     * it on `containerPort`. Undefined: neither group exists.
     * `albIngressCidrs`: when the API is proxied by Cloudflare, the ALB accepts only these IPv4
     * ranges (in a managed prefix list, so a changed range list updates one resource);
     * undefined = the whole internet on 80/443 over IPv4 only (the ALB has no IPv6 address).
     * @default undefined (no API)
     * @example { containerPort: 3000 }
     */
    api?: { containerPort: number; albIngressCidrs?: pulumi.Input<string[]> };
    /**
     * The worker part: a group with no inbound rule.
     * @default false
     * @example true
     */
    worker?: boolean;
    /**
     * Scheduled jobs: a group of their own with the worker's rules (no inbound).
     * @default false
     * @example true
     */
    jobs?: boolean;
    /**
     * The operators' database relay (`dbAccess`): no inbound, out only to AWS APIs on 443
     * (Session Manager) and to the database on 5432. Needs `database`.
     * @default false
     * @example true
     */
    dbAccess?: boolean;
    /**
     * RDS in the VPC: a group that admits 5432 from the task groups only.
     * @default false
     * @example true
     */
    database?: boolean;
    /**
     * ElastiCache in the VPC: a group that admits 6379 from the task groups only.
     * @default false
     * @example true
     */
    cache?: boolean;
    /**
     * Ports of services the team keeps outside AWS (an external Postgres or Redis) that the
     * tasks may connect out to, anywhere; 443 is always allowed.
     * @default []
     * @example [5432, 6379]
     */
    externalPorts?: number[];
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
    public readonly alb?: aws.ec2.SecurityGroup;
    public readonly api?: aws.ec2.SecurityGroup;
    public readonly worker?: aws.ec2.SecurityGroup;
    public readonly jobs?: aws.ec2.SecurityGroup;
    public readonly dbAccess?: aws.ec2.SecurityGroup;
    public readonly database?: aws.ec2.SecurityGroup;
    public readonly cache?: aws.ec2.SecurityGroup;
    /** The load balancer's group: 80/443 in from the internet (or Cloudflare), out only to the api. */
    public readonly albSecurityGroupId?: pulumi.Output<string>;
    /** The database's group: 5432 in from the task groups only. */
    public readonly databaseSecurityGroupId?: pulumi.Output<string>;
    /** The cache's group: 6379 in from the task groups only. */
    public readonly cacheSecurityGroupId?: pulumi.Output<string>;
    /** Each task role's group id. */
    public readonly taskSecurityGroupIds: Partial<Record<TaskRole, pulumi.Output<string>>>;
    private readonly rules: Partial<Record<TaskRole, pulumi.Resource[]>> = {};

    constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:net:SecurityGroups", name, {}, opts);
        const port = args.api?.containerPort;
        if (port !== undefined && (!Number.isInteger(port) || port < 1024 || port > 65535)) {
            throw new Error(`SecurityGroups "${name}": api.containerPort must be an unprivileged port (1024-65535), got ${port}. Example: 3000`);
        }
        for (const p of args.externalPorts ?? []) {
            if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`SecurityGroups "${name}": externalPorts must be port numbers, got ${p}. Example: [5432]`);
        }
        const maxEntries = args.albIngressMaxEntries ?? 25;
        if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 29) {
            throw new Error(`SecurityGroups "${name}": albIngressMaxEntries must be 1-29 (two references must fit the 60-rule quota), got ${maxEntries}. Example: 25`);
        }
        const parent = { parent: this };
        const describe = (d: string) => {
            // EC2 rejects anything else at create time; fail here, naming the text.
            if (!EC2_DESCRIPTION.test(d)) throw new Error(`SecurityGroups "${name}": description "${d}" has characters EC2 refuses; use a-z A-Z 0-9 space ._-:/()#,@[]+=&;{}!$*`);
            return d;
        };
        const group = (role: string, description: string) =>
            new aws.ec2.SecurityGroup(`${name}-${role}`, { vpcId: args.vpcId, description: describe(description) }, parent);

        type Peer = { cidrIpv4: pulumi.Input<string> } | { prefixListId: pulumi.Input<string> }
            | { referencedSecurityGroupId: pulumi.Input<string> };
        const ingress = (role: string, sg: aws.ec2.SecurityGroup, p: number, peer: Peer, description: string) =>
            new aws.vpc.SecurityGroupIngressRule(`${name}-${role}`, {
                securityGroupId: sg.id, ipProtocol: "tcp", fromPort: p, toPort: p, description: describe(description), ...peer,
            }, parent);
        const egress = (role: string, sg: aws.ec2.SecurityGroup, p: number, peer: Peer, description: string) =>
            new aws.vpc.SecurityGroupEgressRule(`${name}-${role}`, {
                securityGroupId: sg.id, ipProtocol: "tcp", fromPort: p, toPort: p, description: describe(description), ...peer,
            }, parent);

        if (args.dbAccess && !args.database) throw new Error(`SecurityGroups "${name}": dbAccess needs database (the relay reaches only the stack's RDS). Example: database: true`);
        /** Each task group, and whether it reaches the cache and the external services too. */
        const tasks: [TaskRole, aws.ec2.SecurityGroup, boolean][] = [];
        if (args.api) {
            this.alb = group("alb", "Load balancer: HTTP/HTTPS in from clients, out to the api tasks");
            this.api = group("api", "api tasks: in from the load balancer only");
            tasks.push(["api", this.api, true]);
        }
        if (args.worker) {
            this.worker = group("worker", "worker tasks: no inbound");
            tasks.push(["worker", this.worker, true]);
        }
        if (args.jobs) {
            this.jobs = group("jobs", "scheduled job tasks: no inbound");
            tasks.push(["jobs", this.jobs, true]);
        }
        if (args.dbAccess) {
            this.dbAccess = group("db-access", "database access relay: no inbound, out to Session Manager and Postgres only");
            tasks.push(["dbAccess", this.dbAccess, false]);
        }
        // (A description cannot change without replacing the group: it names no task kind that may come and go.)
        if (args.database) this.database = group("db", "Postgres: in from this stack tasks only");
        if (args.cache) this.cache = group("cache", "Redis/Valkey: in from this stack tasks only");

        if (args.api && this.alb && this.api) {
            // ---- ALB: the only group open to the outside, and only on 80 (redirect) and 443.
            // IPv4 only: the ALB has no IPv6 address (ipAddressType "ipv4"), so no ::/0 rule.
            if (args.api.albIngressCidrs === undefined) {
                for (const [p, proto] of [[80, "HTTP (redirected to HTTPS)"], [443, "HTTPS"]] as const) {
                    ingress(`alb-in-${p}-v4`, this.alb, p, { cidrIpv4: "0.0.0.0/0" }, `${proto} from the internet (IPv4)`);
                }
            } else {
                // The ranges are an Output: one prefix list holds them, rather than a rule per range
                // created inside apply (which preview would not show).
                const cloudflare = new aws.ec2.ManagedPrefixList(`${name}-cloudflare`, {
                    addressFamily: "IPv4",
                    maxEntries,
                    entries: pulumi.output(args.api.albIngressCidrs).apply((cidrs) => {
                        if (cidrs.length > maxEntries) {
                            throw new Error(`SecurityGroups "${name}": ${cidrs.length} ALB ingress ranges exceed albIngressMaxEntries (${maxEntries})`);
                        }
                        return cidrs.map((cidr) => ({ cidr, description: "Cloudflare" }));
                    }),
                }, parent);
                for (const [p, proto] of [[80, "HTTP (redirected to HTTPS)"], [443, "HTTPS"]] as const) {
                    // No apostrophes: EC2 refuses them in descriptions.
                    ingress(`alb-in-${p}-cloudflare`, this.alb, p, { prefixListId: cloudflare.id }, `${proto} from Cloudflare proxies only`);
                }
            }
            egress("alb-out-api", this.alb, args.api.containerPort, { referencedSecurityGroupId: this.api.id },
                "To the api tasks on the container port (requests and health checks)");
            this.rules.api = [ingress("api-in-alb", this.api, args.api.containerPort, { referencedSecurityGroupId: this.alb.id },
                "From the load balancer on the container port")];
        }

        // ---- tasks: the same outbound needs; the worker takes no inbound at all.
        for (const [role, sg, everything] of tasks) {
            const list = (this.rules[role] ??= []);
            // The relay's logical names keep the role's kebab-case form, as every other rule's.
            const r = role === "dbAccess" ? "db-access" : role;
            list.push(egress(`${r}-out-https`, sg, 443, { cidrIpv4: "0.0.0.0/0" }, everything
                ? "HTTPS to AWS APIs (ECR, Logs, Secrets Manager, S3) and third parties (Stripe)"
                : "HTTPS to AWS APIs (ECR, Logs, Session Manager)"));
            if (this.database) {
                list.push(egress(`${r}-out-db`, sg, POSTGRES_PORT, { referencedSecurityGroupId: this.database.id }, "To Postgres"));
                list.push(ingress(`db-in-${r}`, this.database, POSTGRES_PORT, { referencedSecurityGroupId: sg.id }, `Postgres from the ${r} tasks`));
            }
            if (!everything) continue;
            if (this.cache) {
                list.push(egress(`${r}-out-cache`, sg, REDIS_PORT, { referencedSecurityGroupId: this.cache.id }, "To Redis/Valkey"));
                list.push(ingress(`cache-in-${r}`, this.cache, REDIS_PORT, { referencedSecurityGroupId: sg.id }, `Redis/Valkey from the ${r} tasks`));
            }
            for (const p of [...new Set(args.externalPorts ?? [])].filter((x) => x !== 443).sort((a, b) => a - b)) {
                list.push(egress(`${r}-out-external-${p}`, sg, p, { cidrIpv4: "0.0.0.0/0" }, `To the external service on port ${p} (database or Redis outside AWS)`));
            }
        }
        // db and cache get no egress rule: they answer connections (security groups are
        // stateful) and never open one.

        this.albSecurityGroupId = this.alb?.id;
        this.databaseSecurityGroupId = this.database?.id;
        this.cacheSecurityGroupId = this.cache?.id;
        this.taskSecurityGroupIds = Object.fromEntries(tasks.map(([role, sg]) => [role, sg.id]));
        this.registerOutputs({ taskSecurityGroupIds: this.taskSecurityGroupIds });
    }

    /** The rules a task role's tasks connect through: its service waits for them. */
    public rulesFor(role: TaskRole): pulumi.Resource[] {
        return this.rules[role] ?? [];
    }
}
