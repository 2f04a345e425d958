/**
 * What a base stack (staging with `groundwork:previews: true`) adds so pull-request previews can
 * attach to its load balancer without touching DNS or certificates themselves:
 *
 * - a second certificate, `*.<api host>`, on the HTTPS listener (SNI). ACM validates a wildcard
 *   with its base domain's record, which the load balancer's own certificate already has in
 *   Cloudflare, so no second validation record exists (Cloudflare would refuse one of the same name).
 * - wildcard DNS records `*.<api host>` → the load balancer and `*.<web host>` → Vercel, both
 *   DNS-only (Cloudflare's Universal SSL covers one level below the zone; the ALB and Vercel serve
 *   TLS for these hosts themselves). Previews need no Cloudflare token.
 * - a listener rule at the last priority that answers every `*.<api host>` no preview has claimed
 *   with a 404, so a removed preview's URL never reaches the base's own API (and its data).
 *
 * Cost: none (certificates, listener rules and DNS records are free).
 */
import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { VERCEL_CNAME, checkTtl } from "./dns";
import { PREVIEW_UNKNOWN_HOST_PRIORITY } from "../config/parts-preview";

const WILDCARD = /^\*\.(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export interface PreviewHostingArgs {
    /**
     * The previews' API hosts, `*.<api host>`.
     * @default none (config: `*.api.<groundwork:domain>`)
     * @example "*.api.staging.example.com"
     */
    apiWildcard: string;
    /**
     * The previews' web hosts, `*.<web host>`; undefined without a web app (no record).
     * @default undefined
     * @example "*.app.staging.example.com"
     */
    webWildcard?: string;
    /**
     * The HTTPS listener previews add their host rules to (and this component its certificate and last rule).
     * @default none (required)
     * @example alb.httpsListener.arn
     */
    listenerArn: pulumi.Input<string>;
    /**
     * The load balancer's DNS name: `*.<api host>` points there.
     * @default none (required)
     * @example alb.dnsName
     */
    albDnsName: pulumi.Input<string>;
    /**
     * The name of the load balancer certificate's validation record (its first domain's): the
     * wildcard certificate is validated by the same record, which must exist first (give this
     * component `dependsOn` the load balancer).
     * @default none (required)
     * @example alb.certificate.domainValidationOptions[0].resourceRecordName
     */
    validationRecordName: pulumi.Input<string>;
    /**
     * The Cloudflare zone of the hosts.
     * @default none (required)
     * @example "023e105f4ecef8ad9ca31a8372d0c353"
     */
    zoneId: pulumi.Input<string>;
    /**
     * Cloudflare provider for the records.
     * @default none (required: default providers are disabled)
     * @example providers.cloudflare
     */
    cloudflareProvider: cloudflare.Provider;
    /**
     * TTL of the wildcard records, in seconds.
     * @default 300
     * @example 60
     */
    ttl?: number;
}

export class PreviewHosting extends pulumi.ComponentResource {
    /** `*.<api host>`'s certificate. */
    public readonly certificate: aws.acm.Certificate;
    /** The rule that answers hosts no preview has claimed with a 404. */
    public readonly unknownPreviewRule: aws.lb.ListenerRule;
    /** `*.<api host>` → the load balancer. */
    public readonly apiRecord: cloudflare.DnsRecord;
    /** `*.<web host>` → Vercel. */
    public readonly webRecord?: cloudflare.DnsRecord;
    /** The wildcard certificate's ARN, once issued and on the listener. */
    public readonly certificateArn: pulumi.Output<string>;

    constructor(name: string, args: PreviewHostingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:PreviewHosting", name, {}, opts);
        for (const [arg, host] of [["apiWildcard", args.apiWildcard], ["webWildcard", args.webWildcard]] as const) {
            if (host !== undefined && !WILDCARD.test(host)) {
                throw new Error(`PreviewHosting "${name}": ${arg} must be a wildcard host *.<host>, got "${host}". Example: *.api.staging.example.com`);
            }
        }
        const ttl = checkTtl(`PreviewHosting "${name}"`, args.ttl);
        const parent = { parent: this };

        this.certificate = new aws.acm.Certificate(`${name}-cert`, {
            domainName: args.apiWildcard,
            validationMethod: "DNS",
            keyAlgorithm: "EC_prime256v1",
        }, parent);
        // ACM names a domain's validation record after the domain alone, and a wildcard after its
        // base domain: the load balancer's record already validates this certificate. Checked, so a
        // difference fails the update instead of waiting for a record that never comes.
        const recordName = pulumi.all([this.certificate.domainValidationOptions, args.validationRecordName]).apply(([dvos, existing]) => {
            const wanted = dvos[0]?.resourceRecordName;
            if (wanted !== existing) {
                throw new Error(`PreviewHosting "${name}": ACM asks for the validation record ${wanted} for ${args.apiWildcard}, ` +
                    `not the load balancer certificate's ${existing}; add that record in Cloudflare or remove groundwork:previews`);
            }
            return wanted;
        });
        const validation = new aws.acm.CertificateValidation(`${name}-cert-validation`, {
            certificateArn: this.certificate.arn,
            validationRecordFqdns: [recordName],
        }, parent);
        // SNI: the listener serves the base's certificate to its own host and this one to previews'.
        const listenerCertificate = new aws.lb.ListenerCertificate(`${name}-listener-cert`, {
            listenerArn: args.listenerArn,
            certificateArn: validation.certificateArn,
        }, parent);

        this.unknownPreviewRule = new aws.lb.ListenerRule(`${name}-unknown`, {
            listenerArn: args.listenerArn,
            priority: PREVIEW_UNKNOWN_HOST_PRIORITY,
            conditions: [{ hostHeader: { values: [args.apiWildcard] } }],
            actions: [{
                type: "fixed-response",
                fixedResponse: {
                    contentType: "text/plain",
                    statusCode: "404",
                    messageBody: "No preview at this address: it was removed, or has not been deployed yet.",
                },
            }],
        }, parent);

        this.apiRecord = new cloudflare.DnsRecord(`${name}-api-dns`, {
            zoneId: args.zoneId,
            name: args.apiWildcard,
            type: "CNAME",
            content: args.albDnsName,
            // DNS-only: the ALB serves TLS for the previews (Universal SSL would not cover them).
            proxied: false,
            ttl,
            comment: "Pull-request previews' API hosts (managed by Pulumi)",
        }, { parent: this, provider: args.cloudflareProvider, dependsOn: [listenerCertificate] });
        if (args.webWildcard) {
            this.webRecord = new cloudflare.DnsRecord(`${name}-web-dns`, {
                zoneId: args.zoneId,
                name: args.webWildcard,
                type: "CNAME",
                content: VERCEL_CNAME,
                // Vercel issues each preview domain's certificate and must see the traffic.
                proxied: false,
                ttl,
                comment: "Pull-request previews' web hosts on Vercel (managed by Pulumi)",
            }, { parent: this, provider: args.cloudflareProvider });
        }
        this.certificateArn = pulumi.all([validation.certificateArn, listenerCertificate.id]).apply(([arn]) => arn);
        this.registerOutputs({ certificateArn: this.certificateArn });
    }
}
