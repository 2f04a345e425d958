/**
 * The stack file's own DNS records (`groundwork:dnsRecords`): parsed and checked against the
 * records the program itself owns, so that none is clobbered and none shadows another.
 */
import { dnsRecordProblem, parseDnsRecord } from "../edge/dns-records";
import type { ResolveContext } from "./config";
import type { DnsRecordConfig, GroundworkConfig } from "./types";

const isSpf = (content: string) => /^"v=spf1[\s"]/.test(content);

/** ACM names its validation record `_<32 hex>.<host>`; the load balancer owns it. */
const ACM_VALIDATION = /^_[0-9a-f]{32}\./;

export function resolveDnsRecords(ctx: ResolveContext, owned: { hosts: GroundworkConfig["hosts"]; zone: string; vercelVerification: boolean }): DnsRecordConfig[] {
    const { v } = ctx;
    if (!ctx.ok("dnsRecords", "domain", "cloudflareZone")) return [];
    const out: DnsRecordConfig[] = [];
    // Every host the program points somewhere: a CNAME holds its name alone, so nothing else may sit there,
    // except beside an apex A record (the web app at the domain itself), where TXT and MX are fine.
    const programHosts = [owned.hosts.web, ...owned.hosts.webRedirects, owned.hosts.api].filter((h): h is string => !!h);
    for (const entry of v.dnsRecords) {
        const shown = entry.length > 60 ? `${entry.slice(0, 60)}…` : entry;
        const parsed = parseDnsRecord(entry, v.domain, owned.zone);
        if ("problem" in parsed) {
            ctx.report("dnsRecords", `entry "${shown}": ${parsed.problem}`);
            continue;
        }
        const r = parsed.record;
        const problem = dnsRecordProblem(r, owned.zone);
        const mine = programHosts.find((h) => h === r.name);
        const label = r.name.split(".")[0];
        if (problem) {
            ctx.report("dnsRecords", `entry "${shown}": ${problem}`);
        } else if (mine && (r.type === "CNAME" || mine !== owned.zone)) {
            ctx.report("dnsRecords", `entry "${shown}": ${r.name} is a record the program owns (the web app's or the API's host); ` +
                "a CNAME holds its name alone, so nothing else may sit there. Use another name");
        } else if (ACM_VALIDATION.test(r.name) && programHosts.some((h) => r.name.endsWith(`.${h}`))) {
            ctx.report("dnsRecords", `entry "${shown}": ${r.name} is the API certificate's validation record, which the load balancer owns`);
        } else if (label === "_vercel" && r.type === "TXT" && owned.vercelVerification) {
            ctx.report("dnsRecords", `entry "${shown}": the program creates the _vercel verification records (groundwork:vercelDomainVerification); remove this entry`);
        } else if (r.type === "CNAME" && r.name === v.domain) {
            ctx.report("dnsRecords", `entry "${shown}": a CNAME at the domain itself would exclude every other record there (MX, TXT); give it a name`);
        } else if (out.some((o) => o.name === r.name && (o.type === "CNAME" || r.type === "CNAME"))) {
            ctx.report("dnsRecords", `entry "${shown}": ${r.name} already has a record; a CNAME's name holds nothing else`);
        } else if (out.some((o) => o.name === r.name && o.type === r.type && o.content === r.content)) {
            ctx.report("dnsRecords", `entry "${shown}" is listed twice`);
        } else if (r.type === "TXT" && label === "_dmarc" && out.some((o) => o.name === r.name && o.type === "TXT")) {
            ctx.report("dnsRecords", `entry "${shown}": ${r.name} already has a DMARC record; receivers ignore a domain with two`);
        } else if (isSpf(r.content) && out.some((o) => o.name === r.name && isSpf(o.content))) {
            ctx.report("dnsRecords", `entry "${shown}": ${r.name} already has an SPF record; two make SPF fail (permerror). Merge them into one v=spf1 … ~all`);
        } else {
            out.push({ name: r.name, type: r.type, content: r.content, priority: r.priority });
        }
    }
    return out;
}
