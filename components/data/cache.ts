/**
 * The stack's Valkey (or Redis OSS) on ElastiCache: a replication group in the private subnets,
 * TLS-only with an AUTH token, encrypted at rest, `noeviction` for BullMQ, snapshotted daily,
 * and (with replicas) Multi-AZ with automatic failover.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** The Redis protocol port; the security group (components/security-groups.ts) opens this one only. */
export const REDIS_PORT = 6379;

/**
 * Parameter group families by engine and major version (ElastiCache's own spelling). Redis OSS 6
 * is left out: `transitEncryptionMode` (TLS required) needs Redis OSS 7.0.5 or later, and 6.x is
 * in extended support.
 */
const FAMILIES: Record<CacheArgs["engine"], Record<string, string>> = {
    valkey: { "7": "valkey7", "8": "valkey8" },
    redis: { "7": "redis7" },
};

export interface CacheArgs {
    /**
     * Private subnets the cache subnet group spans; replicas go to other AZs of these.
     * @example network.privateSubnetIds
     */
    subnetIds: pulumi.Input<string>[];
    /**
     * The cache's security group (6379 from the api and worker groups only), created by
     * `SecurityGroups`; this component creates none.
     * @example sg.cacheSecurityGroupId
     */
    securityGroupId: pulumi.Input<string>;
    /**
     * `valkey` (the open-source fork, 20% cheaper per node hour) or `redis` (Redis OSS). Lowercase,
     * as ElastiCache spells them.
     * @default "valkey"
     * @example "redis"
     */
    engine: "valkey" | "redis";
    /**
     * Engine version as major.minor; the parameter group family follows its major
     * (valkey 7/8, redis 7).
     * @default "8.0"
     * @example "7.1"
     */
    engineVersion: string;
    /**
     * Node type (Graviton). A change applies during the `pulumi up` that makes it (online
     * scaling: the data is copied to new nodes, then a DNS switch drops open connections once);
     * docs/runbooks/database-and-cache-changes.md. Cost per node per month (us-east-1, Redis OSS; Valkey 20% less):
     * cache.t4g.micro $11.68, cache.t4g.small $23.36.
     * @default "cache.t4g.micro" (staging), "cache.t4g.small" (prod)
     * @example "cache.m7g.large"
     */
    nodeType: string;
    /**
     * Read replicas besides the primary (0-5). With one or more, the group fails over
     * automatically to a replica in another AZ. Each replica costs one more node.
     * @default 0 (staging), 1 (prod)
     * @example 2
     */
    replicas: number;
    /**
     * Days of daily snapshots kept (1-35). BullMQ's jobs live only here, so never 0.
     * Snapshot storage up to one node's size is free.
     * @default 1 (staging), 7 (prod)
     * @example 14
     */
    snapshotRetentionDays: number;
    /**
     * prod: `protect` + `retainOnDelete` on the replication group, its parameter group and
     * subnet group. Either way a delete takes a final snapshot (encrypted with the AWS-managed
     * key, so it stays restorable after a staging destroy; $0.085/GB-month until deleted by hand).
     * @default false (staging), true (prod)
     * @example true
     */
    protect: boolean;
    /**
     * Start of the name of the snapshot taken when the group is deleted; the component appends
     * `-<8 hex digits>` drawn once per group life (see `finalSnapshotId`). At most 246 characters:
     * lowercase letters, digits and single hyphens, starting with a letter.
     * @default "<project>-<stack>-<name>-final"
     * @example "acme-prod-cache-final"
     */
    finalSnapshotPrefix?: string;
}

/** The majors an engine may run here, e.g. ["7", "8"] for valkey. */
export function cacheMajors(engine: CacheArgs["engine"]): string[] {
    return Object.keys(FAMILIES[engine] ?? {});
}

/** The parameter group family for an engine and version, e.g. valkey + "8.0" -> "valkey8". */
export function cacheParameterFamily(engine: CacheArgs["engine"], engineVersion: string): string | undefined {
    const major = /^(\d+)\.\d+$/.exec(engineVersion)?.[1];
    return major === undefined ? undefined : FAMILIES[engine]?.[major];
}

function validate(name: string, args: CacheArgs): string {
    const fail = (arg: string, msg: string, example: string): never => {
        throw new Error(`Cache "${name}": ${arg} ${msg}. Example: ${example}`);
    };
    if (args.engine !== "valkey" && args.engine !== "redis") fail("engine", `must be "valkey" or "redis" (lowercase), got "${String(args.engine)}"`, "\"valkey\"");
    const family = cacheParameterFamily(args.engine, args.engineVersion);
    if (!family) {
        const majors = Object.keys(FAMILIES[args.engine]).join(" or ");
        fail("engineVersion", `must be major.minor with major ${majors} for ${args.engine}, got "${args.engineVersion}"`, args.engine === "valkey" ? "\"8.0\"" : "\"7.1\"");
    }
    if (!Number.isInteger(args.replicas) || args.replicas < 0 || args.replicas > 5) fail("replicas", `must be a whole number 0-5, got ${args.replicas}`, "1");
    if (!Number.isInteger(args.snapshotRetentionDays) || args.snapshotRetentionDays < 1 || args.snapshotRetentionDays > 35) {
        fail("snapshotRetentionDays", `must be 1-35 (0 turns snapshots off), got ${args.snapshotRetentionDays}`, "7");
    }
    if (args.finalSnapshotPrefix !== undefined && !/^[a-z](?!.*--)[a-z0-9-]{0,244}[a-z0-9]$/.test(args.finalSnapshotPrefix)) {
        fail("finalSnapshotPrefix", `must be at most 246 characters, start with a letter and hold only lowercase letters, digits and single hyphens, got "${args.finalSnapshotPrefix}"`, "acme-prod-cache-final");
    }
    return family as string;
}

/** `<project>-<stack>-<name>-final`, as ElastiCache accepts it, leaving room for the `-<8 hex>` suffix. */
function defaultFinalSnapshotPrefix(name: string): string {
    const raw = `${pulumi.getProject()}-${pulumi.getStack()}-${name}-final`;
    return raw.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^[^a-z]+/, "").replace(/-+$/, "").slice(0, 246).replace(/-+$/, "") || "final";
}

/**
 * Valkey/Redis OSS on ElastiCache. Cost (us-east-1, per month): one node per primary and replica
 * (cache.t4g.micro $11.68 for Redis OSS, Valkey 20% less); snapshots up to one node's size free.
 */
export class Cache extends pulumi.ComponentResource {
    /** The replication group (escape hatch). */
    public readonly replicationGroup: aws.elasticache.ReplicationGroup;
    /** Parameter group with `maxmemory-policy noeviction`. */
    public readonly parameterGroup: aws.elasticache.ParameterGroup;
    /** Subnet group over the private subnets. */
    public readonly subnetGroup: aws.elasticache.SubnetGroup;
    /** The random suffix of the final snapshot's name, one per group life. */
    public readonly finalSnapshotSuffix: random.RandomId;
    /** The name of the snapshot ElastiCache takes when this group is deleted. */
    public readonly finalSnapshotId: pulumi.Output<string>;
    /** Primary endpoint host. */
    public readonly endpoint: pulumi.Output<string>;
    /** Replication group id. */
    public readonly replicationGroupId: pulumi.Output<string>;
    /** Member cluster ids (CloudWatch's CacheClusterId dimension), one per node, sorted. */
    public readonly memberClusterIds: pulumi.Output<string[]>;
    /** `rediss://:token@host:6379`, secret. */
    public readonly redisUrl: pulumi.Output<string>;

    constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:Cache", name, {}, opts);
        const family = validate(name, args);
        const keep: pulumi.CustomResourceOptions = args.protect ? { protect: true, retainOnDelete: true } : {};
        const highlyAvailable = args.replicas >= 1;

        this.subnetGroup = new aws.elasticache.SubnetGroup(`${name}-subnets`, {
            description: `Private subnets of the ${name} cache`,
            subnetIds: args.subnetIds,
        }, { parent: this, ...keep });

        this.parameterGroup = new aws.elasticache.ParameterGroup(`${name}-params`, {
            family,
            description: `${name}: noeviction for BullMQ`,
            parameters: [
                // BullMQ keeps its queues here: under any eviction policy a full cache silently drops
                // jobs. noeviction makes writes fail loudly instead, and the memory alarm warns first.
                { name: "maxmemory-policy", value: "noeviction" },
            ],
            // Kept in prod after a delete, never protected: it holds no data, and an engine's new
            // major (valkey7 -> valkey8, redis -> valkey) must replace it (a family cannot change).
        }, { parent: this, ...(args.protect ? { retainOnDelete: true } : {}) });

        // ElastiCache AUTH tokens are 16-128 printable characters with only a few specials allowed;
        // alphanumeric satisfies that and needs no escaping in REDIS_URL.
        const authToken = new random.RandomPassword(`${name}-auth-token`, {
            length: 64,
            special: false,
        }, { parent: this });

        // Snapshot names are unique in the account and region, so a fixed final-snapshot name fails
        // the second delete of a re-created group. The suffix is drawn once per group life: its
        // keepers are the inputs the provider replaces the group for (ForceNew: port, subnet group,
        // at-rest and transit encryption; engine and engineVersion on a downgrade). An engine
        // upgrade, done in place, also draws a new suffix: that only renames the future snapshot
        // (state only, no AWS call); a replacing input left out would reuse a name.
        const port = REDIS_PORT;
        const atRestEncryptionEnabled = true;
        const transitEncryptionEnabled = true;
        this.finalSnapshotSuffix = new random.RandomId(`${name}-final-snapshot`, {
            byteLength: 4,
            keepers: {
                engine: args.engine,
                engineVersion: args.engineVersion,
                port: String(port),
                subnetGroupName: this.subnetGroup.name,
                atRestEncryptionEnabled: String(atRestEncryptionEnabled),
                transitEncryptionEnabled: String(transitEncryptionEnabled),
            },
        }, { parent: this });
        this.finalSnapshotId = pulumi.interpolate`${args.finalSnapshotPrefix ?? defaultFinalSnapshotPrefix(name)}-${this.finalSnapshotSuffix.hex}`;

        this.replicationGroup = new aws.elasticache.ReplicationGroup(`${name}-group`, {
            description: `${name}: ${args.engine} for sessions, caching and BullMQ`,
            engine: args.engine,
            engineVersion: args.engineVersion,
            autoMinorVersionUpgrade: true,
            nodeType: args.nodeType,
            // Cluster mode disabled: one shard, the primary plus replicas. BullMQ needs no sharding.
            numCacheClusters: 1 + args.replicas,
            automaticFailoverEnabled: highlyAvailable,
            multiAzEnabled: highlyAvailable,
            port,
            parameterGroupName: this.parameterGroup.name,
            subnetGroupName: this.subnetGroup.name,
            securityGroupIds: [args.securityGroupId],

            // TLS only ("required", not "preferred"), so a plain-text client cannot connect at all.
            transitEncryptionEnabled,
            transitEncryptionMode: "required",
            authToken: pulumi.secret(authToken.result),
            // At rest with the AWS-managed key: free, and nothing outside ElastiCache needs the key.
            atRestEncryptionEnabled,

            snapshotRetentionLimit: args.snapshotRetentionDays,
            // UTC; the maintenance window follows the snapshot window without overlapping it.
            snapshotWindow: "05:00-06:00",
            maintenanceWindow: "sun:06:30-sun:07:30",
            finalSnapshotIdentifier: this.finalSnapshotId,
            // Changes apply during the `up` that makes them. With false ElastiCache queues a node
            // type or version change for the maintenance window, the provider reads the current
            // value back, and every `up` until then shows the same diff. Node type and version
            // changes run online (replicas first, then a failover, in prod); the `up` that makes
            // one is run at a quiet hour: docs/runbooks/database-and-cache-changes.md.
            applyImmediately: true,
        }, { parent: this, ...keep });

        const encodedToken = authToken.result.apply((t) => encodeURIComponent(t));
        this.endpoint = this.replicationGroup.primaryEndpointAddress;
        this.replicationGroupId = this.replicationGroup.id;
        this.memberClusterIds = this.replicationGroup.memberClusters.apply((m) => [...(m ?? [])].sort());
        this.redisUrl = pulumi.secret(pulumi.interpolate`rediss://:${encodedToken}@${this.endpoint}:${REDIS_PORT}`);

        this.registerOutputs({
            endpoint: this.endpoint, replicationGroupId: this.replicationGroupId, memberClusterIds: this.memberClusterIds,
            redisUrl: this.redisUrl, finalSnapshotId: this.finalSnapshotId,
        });
    }
}
