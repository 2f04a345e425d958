/**
 * The typed, validated configuration `loadConfig` returns. Each part is present only when the
 * stack file chooses it; `index.ts` constructs exactly the parts that are present.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { JobSpec } from "../compute/jobs";
import type { NatInstanceType } from "../net/nat-instance-types";
import type { AlarmThresholds } from "../ops/monitoring-thresholds";
import type { FargateSpotMode, Profile } from "./defaults";

/** The stack's own VPC; present when anything runs in it (a service, RDS or ElastiCache). */
export interface NetworkConfig {
    azCount: number;
    vpcCidr: string;
    /** How many NATs: one, or one per AZ. */
    natGateways: "single" | "perAz";
    /** What kind: managed NAT gateways, or NAT instances (an Auto Scaling group of one per NAT). */
    egress: "natGateway" | "natInstance";
    natInstanceType: NatInstanceType;
    interfaceEndpoints: boolean;
}

/** How a service's tasks split between on-demand Fargate and Fargate Spot. */
export interface SpotSplit {
    /** Tasks that always run on-demand. */
    onDemandBase: number;
    /** Percent of the tasks above the base on Spot. */
    spotPercent: number;
}

/** The API's load balancer settings (`apiIdleTimeoutSeconds`, `apiStickySessionSeconds`, `apiHealthCheck*`). */
export interface LoadBalancerConfig {
    idleTimeoutSeconds: number;
    /** Duration of the ALB's stickiness cookie; undefined = no stickiness. */
    stickinessSeconds: number | undefined;
    healthCheck: { intervalSeconds: number; timeoutSeconds: number; healthyThreshold: number; unhealthyThreshold: number };
}

/** The API service behind the HTTPS load balancer at `hosts.api`. */
export interface ApiConfig {
    cpu: number;
    memory: number;
    minTasks: number;
    maxTasks: number;
    containerPort: number;
    healthCheckPath: string;
    /** Exec-form command (split on spaces, no shell). */
    startCommand: string[];
    proxied: boolean;
    deletionProtection: boolean;
    accessLogs: boolean;
    loadBalancer: LoadBalancerConfig;
}

/** The BullMQ worker: no inbound traffic, the api's image or its own. */
export interface WorkerConfig {
    cpu: number;
    memory: number;
    minTasks: number;
    maxTasks: number;
    /** Exec form; undefined = the image's own CMD (workerCommand ""). */
    command: string[] | undefined;
    concurrency: number;
    /** "own": a second ECR repository and `imageTag` of its own. */
    image: "app" | "own";
    /** The worker's tag when `image` is "own"; undefined = no image pushed yet. */
    imageTag: string | undefined;
    /** Container health check, exec form; undefined = none. */
    healthCheckCommand: string[] | undefined;
    /** BullMQ queues it works (`workerQueues`): it scales on their backlog per task; [] = CPU and memory only. */
    queues: string[];
    /** Backlog (waiting + active jobs) per running task the autoscaler aims at. */
    queueTarget: number;
}

/** A scheduled job (`groundwork:jobs`), as the ScheduledJobs component takes it. */
export type JobConfig = JobSpec;

/** Migration steps run to completion, in order, before each new version of the first service starts. */
export interface MigrationConfig {
    /** Each step in exec form; empty = no migration step. */
    steps: string[][];
    workingDirectory: string | undefined;
}

export interface RdsConfig {
    kind: "rds";
    engineVersion: "16" | "17";
    instanceClass: string;
    allocatedStorage: number;
    maxAllocatedStorage: number;
    backupRetentionDays: number;
    multiAz: boolean;
    deletionProtection: boolean;
    name: string;
    username: string;
}
/** A database the team keeps (Neon, Supabase…): its URL is what the apps get. */
export interface ExternalDatabaseConfig {
    kind: "external";
    url: pulumi.Output<string>;
    /** A direct (unpooled) URL for migrations, when the provider pools (Neon). */
    unpooledUrl: pulumi.Output<string> | undefined;
    /** The port the tasks may leave on (read from the URL; the URL itself stays secret). */
    port: number;
}
export type DatabaseConfig = RdsConfig | ExternalDatabaseConfig;

export interface ElastiCacheConfig {
    kind: "elasticache";
    engine: "valkey" | "redis";
    engineVersion: string;
    nodeType: string;
    replicas: number;
    snapshotRetentionDays: number;
}
/** A Redis the team keeps (Upstash…). */
export interface ExternalCacheConfig {
    kind: "external";
    url: pulumi.Output<string>;
    port: number;
}
export type CacheConfig = ElastiCacheConfig | ExternalCacheConfig;

export interface StripeConfig {
    secretKey: pulumi.Output<string>;
    mode: "live" | "test";
    /** The managed endpoint; undefined with `stripe: key` (the team keeps its own endpoint). */
    webhook: {
        url: string;
        /** Which app serves the route, and so gets STRIPE_WEBHOOK_SECRET. */
        servedBy: "api" | "web";
        events: string[];
        apiVersion: string;
        connect: boolean;
    } | undefined;
}

/** Vercel's build settings for the project; undefined fields are left to Vercel's detection. */
export interface WebBuildConfig {
    framework: string;
    installCommand: string | undefined;
    buildCommand: string | undefined;
    outputDirectory: string | undefined;
    nodeVersion: string | undefined;
}

/**
 * Who ships the web app's production deployments: `git` (Vercel, on each push to the production
 * branch), `stack` (this stack's `pulumi up`, the commit `ref`), or `cli` (no repository linked:
 * whoever runs `vercel deploy --prod`).
 */
export interface WebReleaseConfig {
    mode: "git" | "stack" | "cli";
    /** The production branch Vercel deploys in `git` mode. */
    branch: string;
    /** The commit `pulumi up` deploys in `stack` mode; undefined = none yet. */
    ref: string | undefined;
    /** Whether Vercel builds preview deployments (never for prod: they would talk to prod's API). */
    previews: boolean;
}

export interface FrontendConfig {
    team: string | undefined;
    projectName: string;
    regions: string[];
    rootDirectory: string | undefined;
    gitRepository: string | undefined;
    build: WebBuildConfig;
    release: WebReleaseConfig;
    /** Create the `_vercel` TXT records Vercel asks for to verify the domains. */
    verifyDomains: boolean;
    /** Public variables (`webEnv`, plus the API URL variable). */
    env: Record<string, string>;
    /** Name of the variable that tells the web app where the API is; undefined = none. */
    apiUrlVariable: string | undefined;
    /** Targets of the sensitive variables (`webSecretTargets`, less preview where no previews are built). */
    secretTargets: ("production" | "preview")[];
}

/** A further name under which the web app gets a value the program knows (`webEnvAliases`). */
export interface WebAlias extends EnvAlias {
    /** The source is a credential: the variable is sensitive. */
    secret: boolean;
}

/** A record of `groundwork:dnsRecords`, resolved to a full name. */
export interface DnsRecordConfig {
    /** Full hostname inside the stack's domain. */
    name: string;
    type: "TXT" | "CNAME" | "MX";
    /** As Cloudflare takes it: TXT quoted, host names without the trailing dot. */
    content: string;
    /** MX only. */
    priority: number | undefined;
}

/** A generated random secret the apps get. */
export interface GeneratedSecret {
    name: string;
    /** `alnum`: letters and digits; `hex`: `size` random bytes as hex. */
    kind: "alnum" | "hex";
    /** Characters (alnum) or bytes (hex). */
    size: number;
}

/** A further name under which an app gets a value the program knows. */
export interface EnvAlias {
    name: string;
    source: string;
}

/**
 * A pull request's preview stack (`groundwork:profile: preview`, stack `pr-<number>`): what it
 * has of its own, on the shared parts of its base stack (read through a stack reference).
 * The base's network, load balancer, database server, cache and bucket are not this stack's.
 */
export interface PreviewConfig {
    /** The pull request's number (from the stack name `pr-<number>`). */
    number: number;
    /** `pr-<number>`: the label in front of the base's hosts, and the name of what is its own. */
    label: string;
    /** The base stack, `<organization>/<project>/<stack>` (`groundwork:previewBaseStack`). */
    baseStack: string;
    /** The git branch whose Vercel preview this stack serves (`groundwork:previewBranch`); undefined without a web app. */
    branch: string | undefined;
    /** Its own Postgres database and the role that owns it, on the base's database server; undefined without a database. */
    database: { name: string; role: string } | undefined;
    /** The key prefix it keeps in the base's cache (`REDIS_PREFIX`); undefined without a cache. */
    cache: { keyPrefix: string } | undefined;
    /** The prefix of its objects in the base's uploads bucket (`S3_PREFIX`); undefined without uploads. */
    uploads: { prefix: string } | undefined;
    /** Its own test-mode Stripe endpoint (the key is the base's); undefined without Stripe. */
    stripe: Omit<StripeConfig, "secretKey"> | undefined;
    /** The branch's Vercel preview in the base's project; undefined without a web app. */
    web: { team: string | undefined; apiUrlVariable: string | undefined } | undefined;
    /** Names of the base's app secrets the preview's apps get (`groundwork:previewSharedSecrets`). */
    sharedSecretNames: string[];
    /** The priority of its host rule on the base's HTTPS listener (unique per pull request). */
    listenerRulePriority: number;
}

/** What a base stack (staging with `groundwork:previews: true`) does for its previews. */
export interface PreviewHostingConfig {
    /** `*.<api host>`: the previews' API hosts, routed by the ALB and covered by its second certificate. */
    apiWildcard: string;
    /** `*.<web host>`: the previews' web hosts on Vercel; undefined without a web app. */
    webWildcard: string | undefined;
    /** The uploads prefix under which every preview keeps its objects (expired by the bucket's lifecycle). */
    uploadsPrefix: string;
    /** Days after which objects under `uploadsPrefix` expire (a preview lives at most this long). */
    uploadsExpirationDays: number;
}

export interface GroundworkConfig {
    project: string;
    stack: string;
    /** The sizing and safety rules the stack follows; a preview follows staging's (`preview` is then set). */
    profile: Profile;
    /**
     * A pull request's preview stack: its own parts on the base's shared ones. When set, the
     * base-stack parts below (network, database, cache, uploads, stripe, frontend) are undefined:
     * `preview.ts` composes the stack, not `index.ts`.
     */
    preview: PreviewConfig | undefined;
    /** A base stack that hosts previews (`groundwork:previews`): wildcard hosts and outputs for them. */
    previewHosting: PreviewHostingConfig | undefined;
    awsRegion: string;
    domain: string;
    alertEmail: string;
    /** Whether data resources carry `protect`/`retainOnDelete` (prod). */
    protectData: boolean;
    /** Full host names; a part's host is absent when the part is. */
    hosts: { web: string | undefined; webRedirects: string[]; api: string | undefined };
    /** Public URLs the parts answer at (absent with their part). */
    urls: { web: string | undefined; api: string | undefined; health: string | undefined };
    image: { tag: string | undefined; architecture: "X86_64" | "ARM64"; retentionCount: number };
    /**
     * How each service's tasks split between on-demand Fargate and Fargate Spot
     * (`groundwork:fargateSpot`, `workerSpotPercent`).
     */
    spot: { mode: FargateSpotMode; api: SpotSplit; worker: SpotSplit };
    /** The AWS Budgets monthly cost budget in USD (`groundwork:monthlyBudget`). */
    /** What it counts: the whole account, or only costs tagged with this stack (`groundwork:budgetScope`). */
    budget: { monthlyUsd: number; scope: "account" | "stackTag" };
    logRetentionDays: number;
    network: NetworkConfig | undefined;
    api: ApiConfig | undefined;
    worker: WorkerConfig | undefined;
    migrations: MigrationConfig;
    database: DatabaseConfig | undefined;
    cache: CacheConfig | undefined;
    uploads: { noncurrentVersionDays: number } | undefined;
    /**
     * The second US region the database's automated backups and the uploads are copied to
     * (`groundwork:backupRegion`), or undefined for none ("none"; staging's default).
     */
    backupRegion: string | undefined;
    logBucket: { expirationDays: number };
    stripe: StripeConfig | undefined;
    frontend: FrontendConfig | undefined;
    cloudflare: { zoneName: string; zoneId: string | undefined; manageZoneSettings: boolean };
    /** Extra plain app settings (`groundwork:appEnv`). */
    appEnv: Record<string, string>;
    envAliases: EnvAlias[];
    generatedSecrets: GeneratedSecret[];
    /** Names of the extra app secrets (`groundwork:appSecrets`); the names are not secret, the values are. */
    appSecretNames: string[];
    /** Extra app secrets, a secret Output. */
    appSecrets: pulumi.Output<Record<string, string>>;
    /** Names of the web app's own secrets (`groundwork:webSecrets`); the values are secret. */
    webSecretNames: string[];
    /** The web app's own secrets, a secret Output. */
    webSecrets: pulumi.Output<Record<string, string>>;
    /** Values the program knows that the web app gets under further names (`groundwork:webEnvAliases`). */
    webEnvAliases: WebAlias[];
    /** Extra records in the stack's domain (`groundwork:dnsRecords`): mail and verification. */
    dnsRecords: DnsRecordConfig[];
    /** The permissions boundary every IAM role of the stack carries (the bootstrap's); undefined = none. */
    permissionsBoundaryArn: string | undefined;
    /** Roles besides the tasks' execution roles that may read the app secret's value. */
    secretReaderRoleArns: string[];
    /** Scheduled jobs (`groundwork:jobs`); [] = none. */
    jobs: JobConfig[];
    /** The backups bucket (`groundwork:backups`) the jobs write to; undefined = none. */
    backups: { retentionDays: number } | undefined;
    /** An operator's audited path to psql against the private RDS (`groundwork:dbAccess`). */
    dbAccess: boolean;
    /** The apps write the EMF metrics of README's contract (`groundwork:appMetrics`). */
    appMetrics: boolean;
    /** Where alarms go besides `alertEmail`, and the thresholds the stack file overrides. */
    alerts: {
        /** HTTPS endpoints (`alertHttpsEndpoints`), each a secret Output. */
        httpsEndpoints: pulumi.Output<string>[];
        /** `alarmThresholds` over the profile's row. */
        thresholds: Partial<AlarmThresholds>;
    };
}
