/**
 * Cloudflare DNS for the stack's hosts, and the zone's TLS settings when this stack owns them.
 *
 * `app.<domain>` points at Vercel unproxied (Vercel issues the certificate and must see the
 * traffic); `api.<domain>` points at the ALB, proxied or not by config. The ACM validation record
 * belongs to the load balancer component. Zone-wide settings are registered by exactly one stack
 * (`groundwork:zoneSettingsStack`, default prod): staging usually shares prod's zone, and two
 * stacks owning one setting would overwrite each other on every deploy.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

/** HSTS max-age Groundwork sets: one year (browsers' preload lists ask for at least this). */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;

export interface DnsArgs {
    /**
     * The Cloudflare zone holding the domain.
     * @default none (required; looked up by name unless `groundwork:cloudflareZoneId` is set)
     * @example "023e105f4ecef8ad9ca31a8372d0c353"
     */
    zoneId: pulumi.Input<string>;
    /** The web app's host. @default none (required) @example "app.example.com" */
    appHost: string;
    /** The API's host. @default none (required) @example "api.example.com" */
    apiHost: string;
    /** The ALB's DNS name the API record points at. @default none (required) @example "alb-1234.us-east-1.elb.amazonaws.com" */
    albDnsName: pulumi.Input<string>;
    /**
     * Whether Cloudflare proxies the API (WAF, DDoS protection; the ALB may then admit only
     * Cloudflare's ranges). Proxied records get TTL 1 ("automatic"), others 300 s.
     * @default false (set by `groundwork:apiProxied`)
     * @example true
     */
    apiProxied: boolean;
    /**
     * Whether this stack owns the zone-wide TLS settings (SSL strict, HTTPS only, TLS >= 1.2,
     * TLS 1.3, automatic HTTPS rewrites, HSTS). Exactly one stack per zone may.
     * @default true only in the stack named by `groundwork:zoneSettingsStack` ("prod")
     * @example false
     */
    manageZoneSettings: boolean;
    /**
     * The CNAME target Vercel gives for custom domains.
     * @default "cname.vercel-dns.com"
     * @example "cname.vercel-dns.com"
     */
    vercelCname?: string;
    /**
     * TTL of unproxied records, in seconds.
     * @default 300
     * @example 60
     */
    ttl?: number;
}

export class Dns extends pulumi.ComponentResource {
    /** `app.<domain>` → Vercel. */
    public readonly appRecord: cloudflare.DnsRecord;
    /** `api.<domain>` → the ALB. */
    public readonly apiRecord: cloudflare.DnsRecord;
    /** The zone settings this stack manages (empty when another stack owns them). */
    public readonly zoneSettings: cloudflare.ZoneSetting[];
    /** Hostnames of the records. */
    public readonly hostnames: pulumi.Output<string[]>;

    constructor(name: string, args: DnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:Dns", name, {}, opts);
        const ttl = args.ttl ?? 300;
        if (!Number.isInteger(ttl) || ttl < 30 || ttl > 86400) {
            throw new Error(`Dns "${name}": ttl must be whole seconds between 30 and 86400, got ${ttl}. Example: 300`);
        }
        for (const [arg, host] of [["appHost", args.appHost], ["apiHost", args.apiHost]] as const) {
            if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host)) {
                throw new Error(`Dns "${name}": ${arg} must be a bare lowercase hostname, got "${host}". Example: app.example.com`);
            }
        }

        this.appRecord = new cloudflare.DnsRecord(`${name}-app`, {
            zoneId: args.zoneId,
            name: args.appHost,
            type: "CNAME",
            content: args.vercelCname ?? "cname.vercel-dns.com",
            // Vercel terminates TLS for its domains and must see the client directly.
            proxied: false,
            ttl,
            comment: "Web app on Vercel (managed by Pulumi)",
        }, { parent: this });

        this.apiRecord = new cloudflare.DnsRecord(`${name}-api`, {
            zoneId: args.zoneId,
            name: args.apiHost,
            type: "CNAME",
            content: args.albDnsName,
            proxied: args.apiProxied,
            // 1 means "automatic", the only TTL a proxied record has.
            ttl: args.apiProxied ? 1 : ttl,
            comment: `API load balancer${args.apiProxied ? ", proxied by Cloudflare" : ""} (managed by Pulumi)`,
        }, { parent: this });

        this.zoneSettings = [];
        if (args.manageZoneSettings) {
            const setting = (role: string, settingId: string, value: unknown) => {
                const s = new cloudflare.ZoneSetting(`${name}-${role}`, { zoneId: args.zoneId, settingId, value }, { parent: this });
                this.zoneSettings.push(s);
                return s;
            };
            // "strict": Cloudflare checks the origin's certificate (the ALB's ACM certificate).
            setting("ssl", "ssl", "strict");
            setting("always-use-https", "always_use_https", "on");
            setting("min-tls-version", "min_tls_version", "1.2");
            setting("tls-1-3", "tls_1_3", "on");
            setting("automatic-https-rewrites", "automatic_https_rewrites", "on");
            // `value` is passed to Cloudflare as is: its keys are the API's snake_case ones (the
            // camelCase keys in the provider's docs never converge; pulumi/pulumi-cloudflare#1579).
            setting("hsts", "security_header", {
                strict_transport_security: {
                    enabled: true,
                    max_age: HSTS_MAX_AGE_SECONDS,
                    include_subdomains: true,
                    nosniff: true,
                    // Preload is a one-way commitment for every subdomain; opt in by hand.
                    preload: false,
                },
            });
        }

        this.hostnames = pulumi.output([args.appHost, args.apiHost]);
        this.registerOutputs({ hostnames: this.hostnames });
    }
}
