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
