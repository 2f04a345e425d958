/**
 * The ECS cluster the api and worker run in, and the ECR repositories their images come from
 * (one, or a second when the worker is built separately). CI pushes `<repositoryUrl>:<tag>` and
 * sets `groundwork:imageTag`; tags are immutable, so a tag always means the same image and a
 * rollback redeploys exactly what ran before.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ClusterArgs {
    /**
     * Images each ECR repository keeps by push order; older ones are expired (rollbacks can go
     * this far back). The image a service runs is never expired, however old (see `repositories`).
     * Untagged layers left by failed pushes expire after a day. Storage costs $0.10/GB-month.
     * @default none (config: 30)
     * @example 50
     */
    imageRetentionCount: number;
    /**
     * The repositories to create, by role (`app`: the api's image, and the worker's unless it has
     * its own; `worker`: the worker's own), each with the tag the services run now, which its
     * lifecycle policy pins so it is never expired. Undefined tag: nothing pushed yet.
     * @default { app: { runningTag: undefined } }
     * @example { app: { runningTag: "v1.4.2" }, worker: { runningTag: "v0.9.0" } }
     */
    repositories?: Partial<Record<"app" | "worker", { runningTag: string | undefined }>>;
    /**
     * Container Insights: per-task CPU, memory and network metrics the alarms and dashboards use.
     * `"enhanced"` adds per-container detail; `"disabled"` (a preview's cluster, which has no
     * alarms) none. Cost: billed as custom metrics and log ingestion, roughly $2–5/month per
     * service at these sizes.
     * @default "enabled"
     * @example "enhanced"
     */
    containerInsights?: "enabled" | "enhanced" | "disabled";
    /**
     * ECS Exec's session recording (`groundwork:dbAccess`): sessions are encrypted with this KMS
     * key and their commands and output are logged to this (KMS-encrypted) log group, overriding
     * the default of no logging. Undefined: the cluster has no exec configuration (and no task
     * allows exec).
     * @default undefined
     * @example { logGroupName: audit.logGroupName, kmsKeyArn: audit.kmsKeyArn }
     */
    execAudit?: { logGroupName: pulumi.Input<string>; kmsKeyArn: pulumi.Input<string> };
}

/**
 * The repository's lifecycle rules. ECR evaluates rules by priority and an image matched by a
 * higher-priority rule is never expired by a lower one, so the first rule selects the running
 * tag with a count it can never exceed: it holds that image, and the count rule below expires
 * only older images that no service runs (ECR cannot know which tag a service runs; push order
 * alone would expire it after `imageRetentionCount` newer pushes).
 */
export function lifecycleRules(retentionCount: number, runningTag: string | undefined): unknown[] {
    const rules: unknown[] = [];
    if (runningTag) {
        rules.push({
            rulePriority: 1,
            description: `Keep the image the services run (${runningTag})`,
            selection: { tagStatus: "tagged", tagPatternList: [runningTag], countType: "imageCountMoreThan", countNumber: 9999 },
            action: { type: "expire" },
        });
    }
    rules.push(
        {
            rulePriority: 2,
            description: "Expire untagged images (failed or superseded pushes) after a day",
            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
            action: { type: "expire" },
        },
        {
            rulePriority: 3,
            description: `Keep the last ${retentionCount} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: retentionCount },
            action: { type: "expire" },
        },
    );
    return rules;
}

/** The ECS cluster and the ECR repositories its services pull from. */
export class Cluster extends pulumi.ComponentResource {
    public readonly cluster: aws.ecs.Cluster;
    /** The cluster's Fargate capacity providers (on-demand and Spot), which services' strategies name. */
    public readonly capacityProviders: aws.ecs.ClusterCapacityProviders;
    /** The repositories by role. */
    public readonly repositories: Partial<Record<"app" | "worker", aws.ecr.Repository>>;
    public readonly clusterArn: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>` by role: CI pushes there. */
    public readonly repositoryUrls: Partial<Record<"app" | "worker", pulumi.Output<string>>>;
    /** The repositories' ARNs by role: a service's execution role may pull from its own only. */
    public readonly repositoryArns: Partial<Record<"app" | "worker", pulumi.Output<string>>>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:Cluster", name, {}, opts);
        if (!Number.isInteger(args.imageRetentionCount) || args.imageRetentionCount < 1) {
            throw new Error(`Cluster "${name}": imageRetentionCount must be a whole number of at least 1, got ${args.imageRetentionCount}. Example: 30`);
        }
        for (const [role, repo] of Object.entries(args.repositories ?? {})) {
            const tag = repo?.runningTag;
            if (tag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) {
                throw new Error(`Cluster "${name}": repositories.${role}.runningTag must be an image tag, got "${tag}". Example: v1.4.2`);
            }
        }
        const parent = { parent: this };

        // Autonamed, and nothing here forces a replacement on a routine update: replacing a
        // cluster would stop every task in it.
        this.cluster = new aws.ecs.Cluster(`${name}-cluster`, {
            settings: [{ name: "containerInsights", value: args.containerInsights ?? "enabled" }],
            // Added and removed in place (UpdateCluster), never a replacement.
            ...(args.execAudit ? {
                configuration: {
                    executeCommandConfiguration: {
                        kmsKeyId: args.execAudit.kmsKeyArn,
                        logging: "OVERRIDE",
                        logConfiguration: { cloudWatchLogGroupName: args.execAudit.logGroupName, cloudWatchEncryptionEnabled: true },
                    },
                },
            } : {}),
        }, parent);

        // Both Fargate providers, so each service's strategy may use Spot. Free: only tasks are billed.
        this.capacityProviders = new aws.ecs.ClusterCapacityProviders(`${name}-capacity`, {
            clusterName: this.cluster.name,
            capacityProviders: ["FARGATE", "FARGATE_SPOT"],
            defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", base: 0, weight: 1 }],
        }, parent);

        this.repositories = {};
        this.repositoryUrls = {};
        this.repositoryArns = {};
        for (const [role, repo] of Object.entries(args.repositories ?? { app: { runningTag: undefined } }) as ["app" | "worker", { runningTag: string | undefined }][]) {
            // `app` keeps the logical name it always had (renaming would replace it and its images).
            const logical = role === "app" ? `${name}-repo` : `${name}-${role}-repo`;
            const repository = new aws.ecr.Repository(logical, {
                // A tag is pushed once and never moved: deploys are repeatable and rollbacks exact.
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "AES256" }],
                // Never delete a repository that still holds images (the running tasks' among them).
                forceDelete: false,
            }, parent);
            new aws.ecr.LifecyclePolicy(`${logical}-lifecycle`, {
                repository: repository.name,
                policy: JSON.stringify({ rules: lifecycleRules(args.imageRetentionCount, repo.runningTag) }),
            }, parent);
            this.repositories[role] = repository;
            this.repositoryUrls[role] = repository.repositoryUrl;
            this.repositoryArns[role] = repository.arn;
        }

        // Services read the cluster through the capacity providers' association, so none is
        // created (or names FARGATE_SPOT) before the cluster has both providers.
        this.clusterArn = pulumi.all([this.cluster.arn, this.capacityProviders.id]).apply(([arn]) => arn);
        this.clusterName = pulumi.all([this.cluster.name, this.capacityProviders.id]).apply(([clusterName]) => clusterName);
        this.registerOutputs({
            clusterArn: this.clusterArn,
            clusterName: this.clusterName,
            repositoryUrls: this.repositoryUrls,
        });
    }
}
