/**
 * The ECS cluster the api and worker run in, and the ECR repository their one image comes from.
 * CI pushes `<repositoryUrl>:<tag>` and sets `groundwork:imageTag`; tags are immutable, so a tag
 * always means the same image and a rollback redeploys exactly what ran before.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ClusterArgs {
    /**
     * Images the ECR repository keeps; older ones are expired (rollbacks can go this far back).
     * Untagged layers left by failed pushes expire after a day. Storage costs $0.10/GB-month.
     * @default none (config: 30)
     * @example 50
     */
    imageRetentionCount: number;
    /**
     * Container Insights: per-task CPU, memory and network metrics the alarms and dashboards use.
     * `"enhanced"` adds per-container detail. Cost: billed as custom metrics and log ingestion,
     * roughly $2–5/month per service at these sizes.
     * @default "enabled"
     * @example "enhanced"
     */
    containerInsights?: "enabled" | "enhanced";
}

/** The ECS cluster and the ECR repository its services pull from. */
export class Cluster extends pulumi.ComponentResource {
    public readonly cluster: aws.ecs.Cluster;
    /** The cluster's Fargate capacity providers (on-demand and Spot), which services' strategies name. */
    public readonly capacityProviders: aws.ecs.ClusterCapacityProviders;
    public readonly repository: aws.ecr.Repository;
    public readonly clusterArn: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`: CI pushes here. */
    public readonly repositoryUrl: pulumi.Output<string>;
    /** The repository's ARN: the services' execution roles may pull from it only. */
    public readonly repositoryArn: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:compute:Cluster", name, {}, opts);
        if (!Number.isInteger(args.imageRetentionCount) || args.imageRetentionCount < 1) {
            throw new Error(`Cluster "${name}": imageRetentionCount must be a whole number of at least 1, got ${args.imageRetentionCount}. Example: 30`);
        }
        const parent = { parent: this };

        // Autonamed, and nothing here forces a replacement on a routine update: replacing a
        // cluster would stop every task in it.
        this.cluster = new aws.ecs.Cluster(`${name}-cluster`, {
            settings: [{ name: "containerInsights", value: args.containerInsights ?? "enabled" }],
        }, parent);

        // Both Fargate providers, so each service's strategy may use Spot. Free: only tasks are billed.
        this.capacityProviders = new aws.ecs.ClusterCapacityProviders(`${name}-capacity`, {
            clusterName: this.cluster.name,
            capacityProviders: ["FARGATE", "FARGATE_SPOT"],
            defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", base: 0, weight: 1 }],
        }, parent);

        this.repository = new aws.ecr.Repository(`${name}-repo`, {
            // A tag is pushed once and never moved: deploys are repeatable and rollbacks exact.
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "AES256" }],
            // Never delete a repository that still holds images (the running tasks' among them).
            forceDelete: false,
        }, parent);

        new aws.ecr.LifecyclePolicy(`${name}-repo-lifecycle`, {
            repository: this.repository.name,
            policy: JSON.stringify({
                rules: [
                    {
                        rulePriority: 1,
                        description: "Expire untagged images (failed or superseded pushes) after a day",
                        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
                        action: { type: "expire" },
                    },
                    {
                        rulePriority: 2,
                        description: `Keep the last ${args.imageRetentionCount} images`,
                        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: args.imageRetentionCount },
                        action: { type: "expire" },
                    },
                ],
            }),
        }, parent);

        // Services read the cluster through the capacity providers' association, so none is
        // created (or names FARGATE_SPOT) before the cluster has both providers.
        this.clusterArn = pulumi.all([this.cluster.arn, this.capacityProviders.id]).apply(([arn]) => arn);
        this.clusterName = pulumi.all([this.cluster.name, this.capacityProviders.id]).apply(([clusterName]) => clusterName);
        this.repositoryUrl = this.repository.repositoryUrl;
        this.repositoryArn = this.repository.arn;
        this.registerOutputs({
            clusterArn: this.clusterArn,
            clusterName: this.clusterName,
            repositoryUrl: this.repositoryUrl,
            repositoryArn: this.repositoryArn,
        });
    }
}
