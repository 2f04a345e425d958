/**
 * Cloudflare DNS for the stack's hosts, and (opt-in) the zone's TLS settings.
 *
 * The web app's host (and the hosts that redirect to it) point at Vercel unproxied: Vercel
 * issues their certificates and must see the traffic. The API host points at the ALB, proxied
 * or not by config. The ACM validation record belongs to the load balancer component.
 *
 * Zone-wide settings (SSL mode, always-HTTPS, minimum TLS) act only on *proxied* hosts, and on
 * every proxied host of the zone, not only this project's: a DNS-only host (the default here)
 * is protected by its own origin (the ALB's TLS policy and redirect, Vercel's HTTPS), not by
 * them. So they are opt-in (`groundwork:zoneSettingsStack`), owned by exactly one stack, and HSTS
 * is never set zone-wide (a year of pinned HTTPS on every subdomain of someone else's zone):
 * the ALB and the apps send it for their own hosts.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { VERCEL_DNS_TARGETS, isStrictSsl } from "../../policies/tables";
import { recordComment } from "./dns-records";
import type { DomainChallenge } from "./frontend";

/** Vercel's CNAME target for custom subdomains (shared with the dns-records-unproxied rule). */
export const VERCEL_CNAME = VERCEL_DNS_TARGETS.cname;
/** Vercel's anycast address for apex domains (a CNAME cannot sit at a zone's apex). */
export const VERCEL_APEX_IP = VERCEL_DNS_TARGETS.apexIp;

const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export interface DnsArgs {
    /**
     * The Cloudflare zone holding the domain.
     * @default none (required; looked up by name unless `groundwork:cloudflareZoneId` is set)
     * @example "023e105f4ecef8ad9ca31a8372d0c353"
     */
    zoneId: pulumi.Input<string>;
    /**
     * The zone's name: a host equal to it is the apex and gets an A record.
     * @default none (required)
     * @example "example.com"
     */
    zoneName: string;
    /**
     * The web app on Vercel: its host and the hosts that redirect to it (Vercel serves the
     * redirect; each needs its record). Undefined: no web records.
     * @default undefined
     * @example { host: "example.com", redirectHosts: ["www.example.com"] }
     */
    web?: {
        host: string;
        redirectHosts: string[];
        /**
         * The TXT challenges Vercel issued for the web domains (`Frontend.domainChallenges`): one
         * DNS-only TXT record each, so Vercel verifies a domain that another Vercel account or team
         * holds. Undefined: none created.
         */
        verifications?: Record<string, pulumi.Output<DomainChallenge | undefined>>;
    };
    /**
     * The API behind the load balancer. `proxied`: served through Cloudflare (WAF, DDoS
     * protection); Cloudflare then connects to the ALB over TLS only if the zone's SSL mode is
     * Full (strict), so unless this stack sets it (`manageZoneSettings`) the zone's current mode
     * is read at preview and anything else is refused (Flexible would loop on the ALB's redirect).
     * @default undefined (no API record)
     * @example { host: "api.example.com", albDnsName: alb.dnsName, proxied: false }
     */
    api?: { host: string; albDnsName: pulumi.Input<string>; proxied: boolean };
    /**
     * Whether this stack owns the zone-wide TLS settings (SSL Full (strict), always HTTPS,
     * TLS >= 1.2, TLS 1.3, automatic HTTPS rewrites). Exactly one stack per zone may; they apply
     * to every proxied host in the zone.
     * @default false (true only in the stack named by `groundwork:zoneSettingsStack`)
     * @example true
     */
    manageZoneSettings: boolean;
    /**
     * TTL of unproxied records, in seconds.
     * @default 300
     * @example 60
     */
    ttl?: number;
}

export class Dns extends pulumi.ComponentResource {
    /** The web app's host → Vercel. */
    public readonly appRecord?: cloudflare.DnsRecord;
    /** Hosts that redirect to the web app → Vercel. */
    public readonly redirectRecords: cloudflare.DnsRecord[];
    /** The `_vercel` TXT records that verify the web domains, by host (empty unless asked for). */
    public readonly verificationRecords: Record<string, cloudflare.DnsRecord>;
    /** The API host → the ALB. */
    public readonly apiRecord?: cloudflare.DnsRecord;
    /** The zone settings this stack manages (empty unless it owns them). */
    public readonly zoneSettings: cloudflare.ZoneSetting[];
    /** Hostnames of the records. */
    public readonly hostnames: pulumi.Output<string[]>;

    constructor(name: string, args: DnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:Dns", name, {}, opts);
        const ttl = checkTtl(`Dns "${name}"`, args.ttl);
        const hosts = [...(args.web ? [args.web.host, ...args.web.redirectHosts] : []), ...(args.api ? [args.api.host] : [])];
        for (const host of hosts) {
            if (!HOST.test(host)) throw new Error(`Dns "${name}": host "${host}" must be a bare lowercase hostname. Example: app.example.com`);
            if (host !== args.zoneName && !host.endsWith(`.${args.zoneName}`)) {
                throw new Error(`Dns "${name}": host "${host}" is not in the zone ${args.zoneName}. Example: app.${args.zoneName}`);
            }
        }
        if (new Set(hosts).size !== hosts.length) throw new Error(`Dns "${name}": a host appears twice in ${JSON.stringify(hosts)}`);

        const vercelRecord = (role: string, host: string, comment: string) => new cloudflare.DnsRecord(`${name}-${role}`, {
            zoneId: args.zoneId,
            name: host,
            ...(host === args.zoneName ? { type: "A", content: VERCEL_APEX_IP } : { type: "CNAME", content: VERCEL_CNAME }),
            // Vercel terminates TLS for its domains and must see the client directly.
            proxied: false,
            ttl,
            comment: recordComment(comment),
        }, { parent: this });

        this.redirectRecords = [];
        if (args.web) {
            // `app` is the role this record always had; the host it names may be app., www. or the apex.
            this.appRecord = vercelRecord("app", args.web.host, "Web app on Vercel (managed by Pulumi)");
            for (const host of args.web.redirectHosts) {
                const label = host === args.zoneName ? "apex" : host.slice(0, host.length - args.zoneName.length - 1).replace(/\./g, "-");
                this.redirectRecords.push(vercelRecord(`redirect-${label}`, host, `Redirects to ${args.web.host} on Vercel (managed by Pulumi)`));
            }
        }

        this.verificationRecords = {};
        for (const [host, challenge] of Object.entries(args.web?.verifications ?? {})) {
            if (!hosts.includes(host)) throw new Error(`Dns "${name}": verifications name ${host}, which is no web host of ${JSON.stringify(hosts)}. Example: { "app.${args.zoneName}": challenge }`);
            const label = host === args.zoneName ? "apex" : host.slice(0, host.length - args.zoneName.length - 1).replace(/\./g, "-");
            // One record per domain, whatever Vercel answers: its name and value come from the challenge. Vercel
            // stops issuing one once the domain is verified (the record may then go); with none pending, the
            // record holds a placeholder, and ignoreChanges keeps a real value that was there first.
            this.verificationRecords[host] = new cloudflare.DnsRecord(`${name}-vercel-verify-${label}`, {
                zoneId: args.zoneId,
                name: challenge.apply((c) => c?.name ?? `_vercel.${host}`),
                type: "TXT",
                content: challenge.apply((c) => {
                    if (!c) pulumi.log.warn(`Vercel asks no verification for ${host} (verified, or not held elsewhere): its _vercel record holds a placeholder; set groundwork:vercelDomainVerification false to remove it`, this);
                    return `"${c ? c.value : `vc-domain-verify=${host},none-requested`}"`;
                }),
                proxied: false,
                ttl,
                comment: recordComment(`Vercel domain verification for ${host} (managed by Pulumi)`),
            }, { parent: this, ignoreChanges: ["name", "content"] });
        }

        if (args.api) {
            const api = args.api;
            let content: pulumi.Input<string> = api.albDnsName;
            if (api.proxied && !args.manageZoneSettings) {
                const ssl = cloudflare.getZoneSettingOutput({ zoneId: args.zoneId, settingId: "ssl" }, { parent: this }).value;
                content = pulumi.all([ssl, api.albDnsName]).apply(([mode, target]) => {
                    if (!isStrictSsl(mode)) {
                        throw new Error(`groundwork:apiProxied: the zone's SSL mode is "${mode}", so Cloudflare would not connect to the load ` +
                            `balancer over verified TLS (Flexible loops on its HTTP-to-HTTPS redirect). Set SSL/TLS to Full (strict) in ` +
                            `Cloudflare, or let one stack own the zone's settings (groundwork:zoneSettingsStack), or set apiProxied: false`);
                    }
                    return target;
                });
            }
            this.apiRecord = new cloudflare.DnsRecord(`${name}-api`, {
                zoneId: args.zoneId,
                name: api.host,
                type: "CNAME",
                content,
                proxied: api.proxied,
                // 1 means "automatic", the only TTL a proxied record has.
                ttl: api.proxied ? 1 : ttl,
                comment: `API load balancer${api.proxied ? ", proxied by Cloudflare" : ""} (managed by Pulumi)`,
            }, { parent: this });
        }

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
        }

        this.hostnames = pulumi.output(hosts);
        this.registerOutputs({ hostnames: this.hostnames });
    }
}

/**
 * A record TTL Cloudflare accepts when it is not automatic: whole seconds, 60 (its minimum
 * outside Enterprise; 1 = automatic, which proxied records take) to 86400; 300 when unset.
 * @throws Error naming `who` for any other value.
 */
export function checkTtl(who: string, ttl = 300): number {
    if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86400) {
        throw new Error(`${who}: ttl must be whole seconds between 60 and 86400, got ${ttl}. Example: 300`);
    }
    return ttl;
}
