/**
 * Tables the pack and the program share. This file imports nothing: the program imports it
 * (components/config/defaults.ts), the pack never imports the program, so the pack still stands alone
 * when published with `pulumi policy publish`.
 */

/** AWS regions Groundwork deploys to (commercial US partition). */
export const AWS_US_REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"] as const;

/** Vercel function regions in the US: Washington DC, Cleveland, Portland, San Francisco. */
export const VERCEL_US_REGIONS = ["iad1", "cle1", "pdx1", "sfo1"] as const;

/**
 * Variable names that may hold a credential: never a plain `environment` entry or unencrypted
 * config, always a secret (ECS `secrets`, Vercel `sensitive`). The config module, the services,
 * the frontend and the no-plain-secrets rule all use this one pattern.
 */
export const CREDENTIAL_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|ACCESS_KEY|API_KEY|(^|_)KEY($|_)|_DSN$)/;

// ---- public and secret values ------------------------------------------------------------------------
// One rule decides what may be public (a plain Vercel variable, which the dashboard and API show and
// which a browser-prefixed name ships in the bundle): the config module refuses anything else before
// a resource exists (groundwork:webEnv), and the no-plain-secrets rule refuses it in the graph.

/**
 * Name prefixes that frameworks inline into the browser bundle (Next.js, Vite, Create React App,
 * Nuxt, Expo, Gatsby, SvelteKit/Astro): a variable named so is public, whatever it holds.
 */
export const BROWSER_PREFIXES = ["NEXT_PUBLIC_", "VITE_", "REACT_APP_", "NUXT_PUBLIC_", "EXPO_PUBLIC_", "GATSBY_", "PUBLIC_"] as const;

/**
 * Credential words that are public by design: Stripe's publishable key, Supabase's anon key, a
 * public key, a captcha site key, a Sentry DSN (a browser SDK sends it with every event).
 */
const PUBLIC_BY_DESIGN = /(PUBLISHABLE_KEY|PUBLISHABLE|ANON_KEY|PUBLIC_KEY|SITE_KEY|_DSN$|^DSN$)/g;

/** Whether a name is inlined into browser code by its prefix. */
export function browserName(name: string): boolean {
    return BROWSER_PREFIXES.some((p) => name.toUpperCase().startsWith(p));
}

/**
 * The credential word a name carries once its public-by-design words are set aside, or undefined.
 * A browser prefix sets nothing aside: `NEXT_PUBLIC_SERVICE_TOKEN` still carries TOKEN.
 */
export function credentialWordIn(name: string): string | undefined {
    return CREDENTIAL_NAME.exec(name.toUpperCase().replace(PUBLIC_BY_DESIGN, "_"))?.[0].replace(/^_|_$/g, "");
}

/** The payload of a JSON Web Token, or undefined when the value is not one. */
function jwtPayload(value: string): Record<string, unknown> | undefined {
    const m = /^eyJ[A-Za-z0-9_-]+\.(eyJ[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$/.exec(value.trim());
    if (!m) return undefined;
    try {
        const payload: unknown = JSON.parse(Buffer.from(m[1], "base64url").toString("utf8"));
        return payload && typeof payload === "object" ? payload as Record<string, unknown> : undefined;
    } catch {
        return undefined;
    }
}

/** Values that are credentials whatever their name: what each is, for messages (the value is never shown). */
const SECRET_VALUES: [RegExp, string][] = [
    [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, "a URL with a password in it"],
    [/\b[sr]k_(live|test)_[A-Za-z0-9_]+/, "a Stripe secret key"],
    [/\bwhsec_[A-Za-z0-9_]+/, "a Stripe webhook signing secret"],
    [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
    [/\bsb_secret_[A-Za-z0-9_-]+/, "a Supabase secret key"],
    [/\bsk-(proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/, "an OpenAI API key"],
    [/\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})/, "a GitHub token"],
    [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
    [/\bGOCSPX-[A-Za-z0-9_-]{10,}/, "a Google OAuth client secret"],
];

/** What a value looks like if it is a credential (for the message), else undefined. Never echoes the value. */
export function secretLookingValue(value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    const found = SECRET_VALUES.find(([re]) => re.test(value))?.[1];
    if (found) return found;
    return jwtPayload(value)?.role === "service_role" ? "a Supabase service-role key" : undefined;
}

/**
 * What a value is if it is a key made to be public: a Stripe publishable key, a Supabase
 * publishable or anon key. Undefined otherwise.
 */
export function publishableValue(value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    if (/^pk_(live|test)_[A-Za-z0-9_]+$/.test(value)) return "a Stripe publishable key";
    if (/^sb_publishable_[A-Za-z0-9_-]+$/.test(value)) return "a Supabase publishable key";
    return jwtPayload(value)?.role === "anon" ? "a Supabase anon key" : undefined;
}

/**
 * Why a variable may not be public (plain in Vercel, or inlined in a browser bundle), or
 * undefined when it may. Public: a name without a credential word (`NEXT_PUBLIC_API_URL`,
 * `VITE_SUPABASE_URL`), a public-by-design key (`STRIPE_PUBLISHABLE_KEY`,
 * `VITE_SUPABASE_ANON_KEY`, `SENTRY_DSN`), or any name holding a publishable value (`pk_live_…`).
 * Never public: a value that looks like a secret (`sk_live_…`, `whsec_…`, a URL with a
 * password, a private key, AWS keys), whatever its name; a name with a credential word
 * (`NEXT_PUBLIC_SERVICE_TOKEN`: a browser prefix does not make a token public).
 * The message names neither the value nor more than the variable's name.
 */
export function publicVariableProblem(name: string, value: unknown): string | undefined {
    const looks = secretLookingValue(value);
    if (looks) return `holds ${looks}`;
    if (publishableValue(value)) return undefined;
    const word = credentialWordIn(name);
    return word ? `is named like a credential (${word})` : undefined;
}

/** The value of a Cloudflare zone setting, whether given as a string or as `{ value }`. */
export function settingValue(v: unknown): string {
    if (v && typeof v === "object" && "value" in (v as Record<string, unknown>)) return String((v as Record<string, unknown>).value);
    return String(v ?? "");
}

/** Whether a zone's SSL mode verifies the origin's certificate: "Full (strict)" (or origin pull). */
export function isStrictSsl(v: unknown): boolean {
    const s = settingValue(v).toLowerCase().replace(/[\s_()-]+/g, "");
    return s === "strict" || s === "fullstrict" || s === "originpull";
}

// ---- DNS records that must not be proxied --------------------------------------------------------------

/** Vercel's targets for custom domains: Vercel issues their certificates and must see the client. */
export const VERCEL_DNS_TARGETS = { cname: "cname.vercel-dns.com", apexIp: "76.76.21.21" } as const;

/**
 * CNAME targets that mail services, certificate validation and auth providers resolve themselves:
 * proxied, the name would answer with Cloudflare's addresses and the check would fail.
 */
const DNS_ONLY_TARGETS = /(^|\.)(vercel-dns\.com|acm-validations\.aws|mtasv\.net|amazonses\.com|sendgrid\.net|mailgun\.org|resend\.com|clerk\.services|postmarkapp\.com|mcsv\.net|mandrillapp\.com|sparkpostmail\.com)\.?$/i;

/**
 * Why a DNS record must stay DNS-only (unproxied), or undefined when proxying it is up to the
 * owner: mail (MX, TXT), names with an underscore label (`_dmarc`, `<selector>._domainkey`,
 * `_vercel`, ACM validation), and CNAMEs to Vercel or to a mail, certificate or auth service.
 */
export function dnsOnlyReason(type: unknown, name: unknown, content: unknown): string | undefined {
    const t = String(type ?? "").toUpperCase();
    const n = String(name ?? "").toLowerCase();
    const c = String(content ?? "");
    if (t === "MX" || t === "TXT") return `a ${t} record is read by mail servers and verifiers, never through a proxy`;
    if (n.split(".").some((label) => label.startsWith("_"))) return "a name with an underscore label (DKIM, DMARC, domain verification, certificate validation) is read by its verifier directly";
    if (t === "CNAME" && DNS_ONLY_TARGETS.test(c)) return `its target ${c} must be resolved by the service itself`;
    if (t === "A" && c === VERCEL_DNS_TARGETS.apexIp) return "Vercel issues the certificate of its domains and must see the client";
    return undefined;
}
