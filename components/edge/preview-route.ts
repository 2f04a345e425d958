/**
 * A pull-request preview's way in: a target group of its own in the base's VPC and one host rule
 * on the base's HTTPS listener, `pr-<n>.<api host>` → that group. The base's wildcard
 * certificate and DNS record already cover the host (PreviewHosting), so a preview touches no
 * certificate, load balancer setting or DNS record. Cost: none (rules and target groups are free;
 * the base's ALB bills its LCUs).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { checkLoadBalancerSettings, DEFAULT_HEALTH_CHECK, HealthCheckTiming } from "./load-balancer";
import { PREVIEW_UNKNOWN_HOST_PRIORITY } from "../config/parts-preview";

export interface PreviewRouteArgs {
    /**
     * The base's VPC (the target group's).
     * @default none (required)
     * @example base.vpcId
     */
    vpcId: pulumi.Input<string>;
    /**
     * The base's HTTPS listener.
     * @default none (required)
     * @example base.listenerArn
     */
    listenerArn: pulumi.Input<string>;
    /**
     * The preview's API host, one label below the base's.
     * @default none (config: `pr-<n>.api.<domain>`)
     * @example "pr-123.api.staging.example.com"
     */
    host: string;
    /**
     * The rule's priority on the listener, unique per preview (1-49999; 50000 is the base's 404 rule).
     * @default none (config: from the pull request's number)
     * @example 123
     */
    priority: number;
    /**
     * Port the api listens on (the base's task security group admits the ALB on it).
     * @default none (config: 3000)
     * @example 3000
     */
    containerPort: number;
    /**
     * Path the target group probes; 200-399 means the task can serve.
     * @default none (config: "/api/v1/health")
     * @example "/api/v1/health"
     */
    healthCheckPath: string;
    /**
     * The health check's timing, the app's own (`apiHealthCheck*`, `apiHealthyThreshold`,
     * `apiUnhealthyThreshold`), so a slow health route passes in a preview as in its base.
     * @default DEFAULT_HEALTH_CHECK (every 15 s, 5 s timeout, 2 good / 3 bad)
     * @example { intervalSeconds: 60, timeoutSeconds: 30, healthyThreshold: 2, unhealthyThreshold: 3 }
     */
    healthCheck?: HealthCheckTiming;
}

export class PreviewRoute extends pulumi.ComponentResource {
    public readonly targetGroup: aws.lb.TargetGroup;
    /** The host rule: the api service waits for it (`WebServiceArgs.listener`). */
    public readonly rule: aws.lb.ListenerRule;
    public readonly targetGroupArn: pulumi.Output<string>;
    /** `targetgroup/<name>/<id>`: the CloudWatch dimension `TargetGroup`. */
    public readonly targetGroupArnSuffix: pulumi.Output<string>;

    constructor(name: string, args: PreviewRouteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:PreviewRoute", name, {}, opts);
        if (!/^pr-[0-9]+\.(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(args.host)) {
            throw new Error(`PreviewRoute "${name}": host must be a preview's host pr-<n>.<api host>, got "${args.host}". Example: pr-123.api.staging.example.com`);
        }
        if (!Number.isInteger(args.priority) || args.priority < 1 || args.priority >= PREVIEW_UNKNOWN_HOST_PRIORITY) {
            throw new Error(`PreviewRoute "${name}": priority must be 1-${PREVIEW_UNKNOWN_HOST_PRIORITY - 1} (${PREVIEW_UNKNOWN_HOST_PRIORITY} is the base's 404 rule), got ${args.priority}. Example: 123`);
        }
        if (!args.healthCheckPath.startsWith("/")) {
            throw new Error(`PreviewRoute "${name}": healthCheckPath must start with /, got "${args.healthCheckPath}". Example: /api/v1/health`);
        }
        const hc = args.healthCheck ?? DEFAULT_HEALTH_CHECK;
        const timing = checkLoadBalancerSettings({ healthCheck: hc });
        if (timing.length > 0) throw new Error(`PreviewRoute "${name}": ${timing.join("; ")}`);
        const parent = { parent: this };

        this.targetGroup = new aws.lb.TargetGroup(`${name}-tg`, {
            namePrefix: "pr-",
            vpcId: args.vpcId,
            // Fargate tasks (awsvpc) register by IP.
            targetType: "ip",
            protocol: "HTTP",
            port: args.containerPort,
            // A preview's teardown waits for draining: keep it short.
            deregistrationDelay: 10,
            healthCheck: {
                enabled: true, protocol: "HTTP", path: args.healthCheckPath, port: "traffic-port", matcher: "200-399",
                healthyThreshold: hc.healthyThreshold, unhealthyThreshold: hc.unhealthyThreshold, interval: hc.intervalSeconds, timeout: hc.timeoutSeconds,
            },
        }, parent);

        this.rule = new aws.lb.ListenerRule(`${name}-rule`, {
            listenerArn: args.listenerArn,
            priority: args.priority,
            conditions: [{ hostHeader: { values: [args.host] } }],
            actions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
        }, parent);

        this.targetGroupArn = this.targetGroup.arn;
        this.targetGroupArnSuffix = this.targetGroup.arnSuffix;
        this.registerOutputs({ targetGroupArn: this.targetGroupArn });
    }
}
