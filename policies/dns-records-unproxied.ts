/**
 * dns-records-unproxied: the records that mail, certificate validation, domain verification and
 * Vercel depend on are DNS-only. Proxied, Cloudflare would answer them with its own addresses:
 * DKIM and return-path checks fail (mail lands in spam or is refused), ACM and Vercel cannot
 * validate or issue certificates.
 */
import * as cloudflare from "@pulumi/cloudflare";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { isTrue } from "./helpers";
import { dnsOnlyReason } from "./tables";

export const dnsRecordsUnproxied: ResourceValidationPolicy = {
    name: "dns-records-unproxied",
    description: "Mail, verification, certificate-validation and Vercel DNS records are DNS-only (not proxied by Cloudflare).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set proxied: false on the record (ttl 300, or 1 for automatic). Only records of a web origin you serve through "
        + "Cloudflare (the API host with apiProxied) may be proxied.",
    validateResource: validateResourceOfType(cloudflare.DnsRecord, (r, args, report) => {
        if (!isTrue(r.proxied)) return;
        const why = dnsOnlyReason(r.type, r.name, r.content);
        if (why) report(`DNS record "${args.name}" (${r.type} ${r.name}) is proxied, but ${why}. Set proxied: false.`);
    }),
};
