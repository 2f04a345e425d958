/**
 * Records a stack file declares in its own domain (`groundwork:dnsRecords`): what a sending
 * domain needs (DKIM, SPF, return path, DMARC: Postmark, Resend, SES...) and what auth and
 * search providers verify a domain with (Google, Clerk). Always DNS-only: mail servers and
 * verifiers resolve these names themselves, so a proxied answer (Cloudflare's addresses) would
 * fail their checks. Cloudflare bills nothing per record.
 *
 * The entries are zone-file lines, `<name> <TYPE> [<priority>] <content>`, because Pulumi
 * config lists hold strings: `send MX 10 feedback-smtp.us-east-1.amazonses.com`,
 * `_dmarc TXT v=DMARC1; p=none`. Names are relative to the stack's domain (`@` is the domain
 * itself), so each stack declares records only inside the domain it owns.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { secretLookingValue } from "../../policies/tables";

/** The record types a stack file may declare: mail and verification records. */
export const DNS_RECORD_TYPES = ["TXT", "CNAME", "MX"] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** One record, resolved: a full name and the content as Cloudflare takes it. */
export interface DnsRecordSpec {
    /** Full hostname. @example "send.example.com" */
    name: string;
    type: DnsRecordType;
    /** TXT: quoted character strings; CNAME/MX: a host name without the trailing dot. */
    content: string;
    /** MX only: lower is preferred. */
    priority?: number;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** A host a CNAME or MX points at: two or more labels ending in a top-level domain. */
const TARGET = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]{0,62}$/;
/** TXT content as Cloudflare wants it: one or more quoted character strings. */
const QUOTED = /^"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*$/;

function hostProblem(host: string): string | undefined {
    if (host.length > 253) return `${host.slice(0, 40)}… is longer than 253 characters`;
    const bad = host.split(".").find((l) => !LABEL.test(l));
    return bad !== undefined ? `"${bad}" is not a DNS label (letters, digits, - and _, 1-63 characters)` : undefined;
}

/** The longest character string a TXT record holds (RFC 1035: one length byte). */
export const TXT_STRING_BYTES = 255;

/**
 * Puts TXT text in Cloudflare's form: quoted, `"` and `\` escaped, and split into strings of at
 * most 255 bytes (`"…" "…"`, a 2048-bit DKIM key). Cloudflare stores a longer single string split
 * that way and reads it back so: written whole, every `pulumi up` would show a diff
 * (cloudflare/terraform-provider-cloudflare#6238). Already quoted text is kept as written.
 */
export function quoteTxt(text: string): string {
    if (QUOTED.test(text)) return text;
    const chunks: string[] = [];
    let chunk = "";
    for (const ch of text) {
        if (Buffer.byteLength(chunk + ch) > TXT_STRING_BYTES) {
            chunks.push(chunk);
            chunk = "";
        }
        chunk += ch;
    }
    chunks.push(chunk);
    return chunks.map((c) => `"${c.replace(/["\\]/g, (x) => `\\${x}`)}"`).join(" ");
}

/** Cloudflare keeps at most 100 characters of a record's comment on the Free plan (more is refused). */
export const COMMENT_CHARACTERS = 100;
/** A record comment Cloudflare accepts on every plan: cut to 100 characters. */
export function recordComment(text: string): string {
    return text.length <= COMMENT_CHARACTERS ? text : `${text.slice(0, COMMENT_CHARACTERS - 1)}…`;
}

/**
 * What is wrong with a resolved record, or undefined: its name is inside `zone`, its content
 * has its type's shape (TXT printable and quoted, DMARC and DKIM records that say what they are;
 * CNAME and MX a host name; MX a priority 0-65535), and no TXT holds a credential.
 */
export function dnsRecordProblem(r: DnsRecordSpec, zone: string): string | undefined {
    if (!(DNS_RECORD_TYPES as readonly string[]).includes(r.type)) return `type ${r.type} is not one of ${DNS_RECORD_TYPES.join(", ")}`;
    if (r.name !== zone && !r.name.endsWith(`.${zone}`)) return `${r.name} is not in the zone ${zone}`;
    const name = hostProblem(r.name);
    if (name) return `name ${name}`;
    const labels = r.name.split(".");
    switch (r.type) {
        case "TXT": {
            if (!QUOTED.test(r.content)) return "TXT content must be quoted character strings";
            if (r.content.length > 2048 + 2) return "TXT content is longer than Cloudflare's 2048 characters";
            if (!/^[\x20-\x7e]*$/.test(r.content)) return "TXT content must be printable ASCII (no tabs, newlines or accents)";
            const text = r.content.replace(/^"|"$/g, "");
            const looks = secretLookingValue(text);
            if (looks) return `TXT content holds ${looks}: a DNS record is public to the whole internet (the value is not shown)`;
            if (labels[0] === "_dmarc" && !/^v=DMARC1\s*;/.test(text)) return "a _dmarc record must start with \"v=DMARC1;\"";
            if (labels[1] === "_domainkey" && !/(^|;)\s*p=/.test(text)) return "a DKIM record (<selector>._domainkey) must hold its public key as p=…";
            return undefined;
        }
        case "CNAME":
        case "MX": {
            if (!TARGET.test(r.content)) return `${r.type} target "${r.content.slice(0, 60)}" must be a host name such as pm.mtasv.net (no scheme, path, port or IP)`;
            if (r.content === r.name) return `${r.type} points at its own name`;
            if (r.type === "MX" && !(Number.isInteger(r.priority) && r.priority! >= 0 && r.priority! <= 65535)) return "MX needs a priority 0-65535, e.g. send MX 10 feedback-smtp.us-east-1.amazonses.com";
            if (r.type === "CNAME" && r.priority !== undefined) return "CNAME takes no priority";
            return undefined;
        }
    }
}

/**
 * Parses one `groundwork:dnsRecords` entry, `<name> <TYPE> [<priority>] <content>`, against the
 * stack's `domain`: `@` is the domain, `send` is `send.<domain>`, and a full name must end in the
 * domain. A name in the zone but outside the domain belongs to the stack whose domain holds it.
 */
export function parseDnsRecord(entry: string, domain: string, zone: string): { record: DnsRecordSpec } | { problem: string } {
    const m = /^\s*(\S+)\s+([A-Za-z]+)\s+(.*?)\s*$/.exec(entry);
    if (!m || !m[3]) return { problem: "must be \"<name> <TYPE> [<priority>] <content>\", e.g. \"_dmarc TXT v=DMARC1; p=none\"" };
    const [, rawName, rawType, rest] = m;
    const type = rawType.toUpperCase();
    if (!(DNS_RECORD_TYPES as readonly string[]).includes(type)) {
        return { problem: `type ${rawType} is not one of ${DNS_RECORD_TYPES.join(", ")} (the web and API records are the program's)` };
    }
    const n = rawName.toLowerCase().replace(/\.$/, "");
    let name: string;
    if (n === "@") name = domain;
    else if (n === domain || n.endsWith(`.${domain}`)) name = n;
    else if (n === zone || n.endsWith(`.${zone}`) || rawName.endsWith(".")) {
        return { problem: `${n} is outside this stack's domain ${domain}; a stack declares records only in its own domain (names relative to it, e.g. _dmarc)` };
    } else name = `${n}.${domain}`;
    if (type === "MX") {
        const mx = /^(\d{1,5})\s+(\S+)$/.exec(rest);
        if (!mx) return { problem: "MX must be \"<name> MX <priority> <host>\", e.g. \"send MX 10 feedback-smtp.us-east-1.amazonses.com\"" };
        return { record: { name, type, priority: Number(mx[1]), content: mx[2].toLowerCase().replace(/\.$/, "") } };
    }
    if (type === "CNAME") {
        if (/\s/.test(rest)) return { problem: "CNAME must be \"<name> CNAME <host>\", e.g. \"pm-bounces CNAME pm.mtasv.net\"" };
        return { record: { name, type, content: rest.toLowerCase().replace(/\.$/, "") } };
    }
    return { record: { name, type: "TXT", content: quoteTxt(rest) } };
}

export interface DnsRecordsArgs {
    /**
     * The Cloudflare zone the records go in.
     * @default none (required)
     * @example "023e105f4ecef8ad9ca31a8372d0c353"
     */
    zoneId: pulumi.Input<string>;
    /**
     * The zone's name: every record's name must be inside it.
     * @default none (required)
     * @example "example.com"
     */
    zoneName: string;
    /**
     * The records, resolved (`parseDnsRecord`). Each (name, type) may repeat only for TXT and MX
     * (several TXT at the apex, several MX hosts); a CNAME name holds nothing else.
     * @default none (required)
     * @example [{ name: "pm-bounces.example.com", type: "CNAME", content: "pm.mtasv.net" }]
     */
    records: DnsRecordSpec[];
    /**
     * Who declared them, for the records' comment in Cloudflare (the stack owns them).
     * @default none (required)
     * @example "groundwork:dnsRecords of stack prod"
     */
    declaredBy: string;
    /**
     * TTL in seconds.
     * @default 300
     * @example 3600
     */
    ttl?: number;
}

/** Mail and verification records of the stack's domain, DNS-only. */
export class DnsRecords extends pulumi.ComponentResource {
    /** The records, in the order declared. */
    public readonly records: cloudflare.DnsRecord[];
    /** Their full names. */
    public readonly names: string[];

    constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:DnsRecords", name, {}, opts);
        const ttl = args.ttl ?? 300;
        if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86400) throw new Error(`DnsRecords "${name}": ttl must be whole seconds 60-86400, got ${ttl}. Example: 300`);
        const seen = new Map<string, number>();
        for (const r of args.records) {
            const problem = dnsRecordProblem(r, args.zoneName);
            if (problem) throw new Error(`DnsRecords "${name}": record ${r.type} ${r.name}: ${problem}. Example: { name: "_dmarc.${args.zoneName}", type: "TXT", content: "\\"v=DMARC1; p=none\\"" }`);
            if (args.records.some((o) => o !== r && o.name === r.name && (o.type === "CNAME" || r.type === "CNAME"))) {
                throw new Error(`DnsRecords "${name}": ${r.name} has a CNAME and another record; a CNAME's name holds nothing else. Example: keep the CNAME alone`);
            }
            if (args.records.some((o) => o !== r && o.name === r.name && o.type === r.type && o.content === r.content)) {
                throw new Error(`DnsRecords "${name}": ${r.type} ${r.name} is listed twice with the same content; list it once`);
            }
        }

        this.records = args.records.map((r) => {
            // The role is the name relative to the zone and the type; repeats of a (name, type) are numbered in order.
            const label = r.name === args.zoneName ? "apex" : r.name.slice(0, -(args.zoneName.length + 1)).replace(/\./g, "-");
            const base = `${label}-${r.type.toLowerCase()}`;
            const n = (seen.get(base) ?? 0) + 1;
            seen.set(base, n);
            return new cloudflare.DnsRecord(`${name}-${base}${n > 1 ? `-${n}` : ""}`, {
                zoneId: args.zoneId,
                name: r.name,
                type: r.type,
                content: r.content,
                ...(r.type === "MX" ? { priority: r.priority } : {}),
                // Mail servers and verifiers resolve these names themselves (the dns-records-unproxied rule).
                proxied: false,
                ttl,
                comment: recordComment(`Declared in ${args.declaredBy} (managed by Pulumi)`),
            }, { parent: this });
        });
        this.names = args.records.map((r) => r.name);
        this.registerOutputs({ names: this.names });
    }
}
