/**
 * The public HTTPS entry to the api: an ALB in the public subnets with an ACM certificate for
 * `api.<domain>` (validated by a DNS record in Cloudflare), :443 with a TLS 1.3/1.2 policy
 * forwarding to the api's target group, and :80 whose only job is a 301 to HTTPS.
 */
import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { recordComment } from "./dns-records";

/** TLS 1.3 and 1.2 with forward-secret ciphers only; the policy rules accept this or a stricter `-Res-` one. */
export const ALB_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** HSTS max-age the API's responses carry: one year. */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;

export interface LoadBalancerArgs {
    /**
     * The VPC the target group belongs to.
     * @default none (required)
     * @example network.vpcId
     */
    vpcId: pulumi.Input<string>;
    /**
     * Public subnets, one per AZ (at least two). The ALB has a public IPv4 in each:
     * $3.65/month per IP on top of the ALB's $16.43/month + LCUs ($0.008/LCU-hour).
     * @default none (required)
     * @example network.publicSubnetIds
     */
    publicSubnetIds: pulumi.Input<string>[];
    /**
     * The ALB's security group (80/443 in, container port out to the api).
     * @default none (required)
     * @example sg.albSecurityGroupId
     */
    securityGroupId: pulumi.Input<string>;
    /**
     * Host the certificate is for and clients call.
     * @default none (config: `api.<groundwork:domain>`)
     * @example "api.example.com"
     */
    domainName: string;
    /**
     * Cloudflare zone that gets the (unproxied) ACM validation record.
     * @default none (config: groundwork:cloudflareZoneId, or looked up by zone name)
     * @example "023e105f4ecef8ad9ca31a8372d0c353"
     */
    zoneId: pulumi.Input<string>;
    /**
     * Cloudflare provider for the validation record (the zone's account).
     * @default none (required: default providers are disabled)
     * @example providers.cloudflare
     */
    cloudflareProvider: cloudflare.Provider;
    /**
     * Port the api container listens on; the target group sends traffic and health checks there.
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
     * Refuse to delete the ALB (a delete would change its DNS name and drop traffic).
     * @default none (config: true in prod, false in staging)
     * @example true
     */
    deletionProtection: boolean;
    /**
     * Bucket for access logs (it must let the region's ELB account write); undefined turns
     * access logs off. Cost: S3 storage only.
     * @default undefined (config: the logs bucket in prod)
     * @example logs.bucketName
     */
    accessLogsBucket?: pulumi.Input<string>;
    /**
     * Seconds a draining target keeps in-flight requests before it is removed. Short, because
     * rolling deploys wait for it on every old task; API requests finish well within it.
     * @default 30
     * @example 60
     */
    deregistrationDelaySeconds?: number;
    /**
     * Seconds an idle client connection stays open (1-4000). Raise it for long polling,
     * server-sent events or WebSockets that go quiet. The app's own keep-alive must outlast it
     * (Node: `server.keepAliveTimeout` above this, `headersTimeout` above that), or the ALB
     * reuses a connection the app just closed and answers 502.
     * @default 60
     * @example 300
     */
    idleTimeoutSeconds?: number;
    /**
     * Sticky sessions: the ALB's duration-based cookie (`AWSALB`) keeps a client on one task for
     * this many seconds (1-604800). For an app that holds per-client state in memory (WebSocket
     * fallbacks, in-process sessions); a stateless API needs none. undefined: off.
     * @default undefined (off)
     * @example 3600
     */
    stickinessSeconds?: number;
    /**
     * The target group's health check timing. The ALB needs `timeoutSeconds` < `intervalSeconds`
     * (interval 5-300 s, timeout 2-120 s, thresholds 2-10 checks). A new task serves after
     * `healthyThreshold` good checks; a sick one leaves after `unhealthyThreshold` bad ones.
     * @default { intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3 }
     * @example { intervalSeconds: 30, timeoutSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 3 }
     */
    healthCheck?: HealthCheckTiming;
    /**
     * Prefix of the ALB's and target group's names (at most 6 characters). A prefix, not a
     * name, so a replacement can be created before the old one is deleted.
     * @default "api-"
     * @example "gw-"
     */
    namePrefix?: string;
}

/** A target group health check's timing (ALB limits in {@link checkHealthCheckTiming}). */
export interface HealthCheckTiming {
    intervalSeconds: number;
    timeoutSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
}

/** The ALB's own defaults here: a new task serves after 2 good checks (~30 s), a sick one leaves after 3 bad (~45 s). */
export const DEFAULT_HEALTH_CHECK: Readonly<HealthCheckTiming> = Object.freeze({ intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3 });

/**
 * What the ALB accepts for a target group health check and the load balancer's idle timeout and
 * stickiness; returns the problems, each naming the field with a good value (empty when fine).
 */
export function checkLoadBalancerSettings(s: { idleTimeoutSeconds?: number; stickinessSeconds?: number; healthCheck?: HealthCheckTiming }): string[] {
    const problems: string[] = [];
    const whole = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
    if (s.idleTimeoutSeconds !== undefined && !whole(s.idleTimeoutSeconds, 1, 4000)) {
        problems.push(`idleTimeoutSeconds must be 1-4000, got ${s.idleTimeoutSeconds}. Example: 60`);
    }
    if (s.stickinessSeconds !== undefined && !whole(s.stickinessSeconds, 1, 604800)) {
        problems.push(`stickinessSeconds must be 1-604800 (7 days), got ${s.stickinessSeconds}. Example: 3600`);
    }
    const h = s.healthCheck;
    if (h) {
        if (!whole(h.intervalSeconds, 5, 300)) problems.push(`healthCheck.intervalSeconds must be 5-300, got ${h.intervalSeconds}. Example: 15`);
        if (!whole(h.timeoutSeconds, 2, 120)) problems.push(`healthCheck.timeoutSeconds must be 2-120, got ${h.timeoutSeconds}. Example: 5`);
        else if (whole(h.intervalSeconds, 5, 300) && h.timeoutSeconds >= h.intervalSeconds) {
            problems.push(`healthCheck.timeoutSeconds (${h.timeoutSeconds}) must be less than intervalSeconds (${h.intervalSeconds}). Example: interval 30, timeout 10`);
        }
        for (const k of ["healthyThreshold", "unhealthyThreshold"] as const) {
            if (!whole(h[k], 2, 10)) problems.push(`healthCheck.${k} must be 2-10 checks, got ${h[k]}. Example: ${DEFAULT_HEALTH_CHECK[k]}`);
        }
    }
    return problems;
}

export class LoadBalancer extends pulumi.ComponentResource {
    public readonly loadBalancer: aws.lb.LoadBalancer;
    public readonly targetGroup: aws.lb.TargetGroup;
    public readonly certificate: aws.acm.Certificate;
    /** The HTTPS listener: the api's ECS service waits for it (`WebServiceArgs.listener`). */
    public readonly httpsListener: aws.lb.Listener;
    public readonly httpListener: aws.lb.Listener;
    /** The ALB's DNS name: `api.<domain>` points here. */
    public readonly dnsName: pulumi.Output<string>;
    /** The ALB's Route 53 hosted zone id (for alias records). */
    public readonly zoneId: pulumi.Output<string>;
    /** `app/<name>/<id>`: the CloudWatch dimension `LoadBalancer`. */
    public readonly arnSuffix: pulumi.Output<string>;
    public readonly targetGroupArn: pulumi.Output<string>;
    /** `targetgroup/<name>/<id>`: the CloudWatch dimension `TargetGroup`. */
    public readonly targetGroupArnSuffix: pulumi.Output<string>;
    /** The validated certificate's ARN. */
    public readonly certificateArn: pulumi.Output<string>;

    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:LoadBalancer", name, {}, opts);
        if (!/^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(args.domainName)) {
            throw new Error(`LoadBalancer "${name}": domainName must be a bare, lowercase hostname, got "${args.domainName}". Example: api.example.com`);
        }
        if (!args.healthCheckPath.startsWith("/")) {
            throw new Error(`LoadBalancer "${name}": healthCheckPath must start with /, got "${args.healthCheckPath}". Example: /api/v1/health`);
        }
        if (!Number.isInteger(args.containerPort) || args.containerPort < 1 || args.containerPort > 65535) {
            throw new Error(`LoadBalancer "${name}": containerPort must be a port number, got ${args.containerPort}. Example: 3000`);
        }
        if (args.publicSubnetIds.length < 2) {
            throw new Error(`LoadBalancer "${name}": publicSubnetIds must name at least two subnets (an ALB spans two AZs), got ${args.publicSubnetIds.length}`);
        }
        const namePrefix = args.namePrefix ?? "api-";
        if (!/^[a-zA-Z0-9-]{1,6}$/.test(namePrefix) || namePrefix.startsWith("-")) {
            throw new Error(`LoadBalancer "${name}": namePrefix must be 1-6 letters, digits or '-', not starting with '-', got "${namePrefix}". Example: api-`);
        }
        const settings = checkLoadBalancerSettings(args);
        if (settings.length > 0) throw new Error(`LoadBalancer "${name}": ${settings.join("; ")}`);
        const timing = args.healthCheck ?? DEFAULT_HEALTH_CHECK;
        const deregistrationDelay = args.deregistrationDelaySeconds ?? 30;
        const parent = { parent: this };

        this.loadBalancer = new aws.lb.LoadBalancer(`${name}-lb`, {
            namePrefix,
            loadBalancerType: "application",
            internal: false,
            ipAddressType: "ipv4",
            subnets: args.publicSubnetIds,
            securityGroups: [args.securityGroupId],
            // Requests with malformed headers are dropped, not passed to the app (request smuggling).
            dropInvalidHeaderFields: true,
            desyncMitigationMode: "defensive",
            idleTimeout: args.idleTimeoutSeconds ?? 60,
            enableDeletionProtection: args.deletionProtection,
            accessLogs: args.accessLogsBucket === undefined ? undefined : { bucket: args.accessLogsBucket, prefix: "alb", enabled: true },
        }, parent);

        this.targetGroup = new aws.lb.TargetGroup(`${name}-tg`, {
            namePrefix,
            vpcId: args.vpcId,
            // Fargate tasks (awsvpc) register by IP.
            targetType: "ip",
            protocol: "HTTP",
            port: args.containerPort,
            deregistrationDelay,
            healthCheck: {
                enabled: true,
                protocol: "HTTP",
                path: args.healthCheckPath,
                port: "traffic-port",
                matcher: "200-399",
                // By default a new task serves after 2 good checks (~30 s); a sick one leaves after 3 bad (~45 s).
                healthyThreshold: timing.healthyThreshold,
                unhealthyThreshold: timing.unhealthyThreshold,
                interval: timing.intervalSeconds,
                timeout: timing.timeoutSeconds,
            },
            // Off unless asked: an lb_cookie the ALB issues itself, so the app needs no change.
            stickiness: args.stickinessSeconds === undefined
                ? { type: "lb_cookie", enabled: false }
                : { type: "lb_cookie", enabled: true, cookieDuration: args.stickinessSeconds },
        }, parent);

        this.certificate = new aws.acm.Certificate(`${name}-cert`, {
            domainName: args.domainName,
            validationMethod: "DNS",
            keyAlgorithm: "EC_prime256v1",
        }, parent);
        // The certificate has one domain, so one validation record: its name and value are
        // Outputs used directly as inputs, never a resource created inside apply.
        const dvo = this.certificate.domainValidationOptions[0];
        const stripDot = (s: string) => s.replace(/\.$/, "");
        const validationRecord = new cloudflare.DnsRecord(`${name}-cert-validation`, {
            zoneId: args.zoneId,
            name: dvo.resourceRecordName.apply(stripDot),
            type: dvo.resourceRecordType,
            content: dvo.resourceRecordValue.apply(stripDot),
            // ACM must see the record itself, so never proxied; ACM re-checks it at every renewal.
            proxied: false,
            ttl: 60,
            comment: recordComment(`ACM validation for ${args.domainName} (managed by Pulumi)`),
        }, {
            parent: this, provider: args.cloudflareProvider,
            // ACM gives a re-issued certificate for the same domain the same record name, so a
            // replacement (a new certificate, a zone move) cannot create the new record beside the
            // old: Cloudflare refuses a second CNAME of one name. Delete first, then create; the
            // certificate in use is unaffected (ACM only re-reads the record at renewal).
            deleteBeforeReplace: true,
        });
        const validation = new aws.acm.CertificateValidation(`${name}-cert-validation`, {
            certificateArn: this.certificate.arn,
            validationRecordFqdns: [dvo.resourceRecordName],
        }, { parent: this, dependsOn: [validationRecord] });

        this.httpsListener = new aws.lb.Listener(`${name}-https`, {
            loadBalancerArn: this.loadBalancer.arn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: ALB_SSL_POLICY,
            // The validation's ARN, not the certificate's: the listener waits until ACM issued it.
            certificateArn: validation.certificateArn,
            defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
            // HSTS for the API host only (never zone-wide): the ALB sets it on every HTTPS response.
            // No includeSubDomains: the API host has no subdomains this stack answers for.
            routingHttpResponseStrictTransportSecurityHeaderValue: `max-age=${HSTS_MAX_AGE_SECONDS}`,
        }, parent);

        // Port 80 serves nothing: every request is sent to HTTPS with a permanent redirect.
        this.httpListener = new aws.lb.Listener(`${name}-http`, {
            loadBalancerArn: this.loadBalancer.arn,
            port: 80,
            protocol: "HTTP",
            defaultActions: [{
                type: "redirect",
                redirect: { protocol: "HTTPS", port: "443", host: "#{host}", path: "/#{path}", query: "#{query}", statusCode: "HTTP_301" },
            }],
        }, parent);

        this.dnsName = this.loadBalancer.dnsName;
        this.zoneId = this.loadBalancer.zoneId;
        this.arnSuffix = this.loadBalancer.arnSuffix;
        this.targetGroupArn = this.targetGroup.arn;
        this.targetGroupArnSuffix = this.targetGroup.arnSuffix;
        this.certificateArn = validation.certificateArn;
        this.registerOutputs({
            dnsName: this.dnsName,
            arnSuffix: this.arnSuffix,
            targetGroupArn: this.targetGroupArn,
            targetGroupArnSuffix: this.targetGroupArnSuffix,
            certificateArn: this.certificateArn,
        });
    }
}
