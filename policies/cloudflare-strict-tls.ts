/**
 * cloudflare-strict-tls: where the stack manages a zone's settings, SSL is "Full (strict)",
 * the minimum TLS version is 1.2 or later and HTTP is always upgraded to HTTPS.
 */
import * as cloudflare from "@pulumi/cloudflare";
import { PolicyResource, validateResourceOfType } from "@pulumi/policy";
import { ResourceAndStackPolicy } from "./helpers";
import { isStrictSsl, settingValue } from "./tables";

export { isStrictSsl } from "./tables";

const ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting";

export const cloudflareStrictTls: ResourceAndStackPolicy = {
    name: "cloudflare-strict-tls",
    description: "Cloudflare zones managed by the stack use SSL Full (strict), TLS 1.2 or later and always HTTPS.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Manage the zone's cloudflare.ZoneSetting resources with settingId \"ssl\" = \"strict\", "
        + "\"min_tls_version\" = \"1.2\" (or \"1.3\") and \"always_use_https\" = \"on\".",
    validateResource: validateResourceOfType(cloudflare.ZoneSetting, (s, args, report) => {
        switch (s.settingId) {
            case "ssl":
                if (!isStrictSsl(s.value)) {
                    report(`Zone setting "${args.name}" sets SSL to "${settingValue(s.value)}", which does not verify the origin's certificate. `
                        + `Set value "strict" (Full (strict)).`);
                }
                break;
            case "min_tls_version": {
                const v = parseFloat(settingValue(s.value));
                if (!(v >= 1.2)) {
                    report(`Zone setting "${args.name}" allows TLS ${settingValue(s.value)}. Set min_tls_version to "1.2" or "1.3".`);
                }
                break;
            }
            case "always_use_https":
                if (settingValue(s.value) !== "on") {
                    report(`Zone setting "${args.name}" turns always_use_https off, so visitors may stay on HTTP. Set value "on".`);
                }
                break;
        }
    }),
    validateStack: (args, report) => {
        const settings = args.resources.filter((r: PolicyResource) => r.type === ZONE_SETTING);
        if (settings.length === 0) args.notApplicable("The stack manages no Cloudflare zone settings.");
        const zones = new Map<string, PolicyResource[]>();
        for (const s of settings) {
            const zone = String(s.props.zoneId);
            zones.set(zone, [...(zones.get(zone) ?? []), s]);
        }
        for (const [zone, list] of zones) {
            for (const required of ["ssl", "min_tls_version"]) {
                if (!list.some((s) => s.props.settingId === required)) {
                    report(`The stack manages settings of Cloudflare zone ${zone} but not "${required}", so the zone's current value stays unchecked. `
                        + `Add a cloudflare.ZoneSetting with settingId "${required}" (${required === "ssl" ? "\"strict\"" : "\"1.2\""}).`, list[0].urn);
                }
            }
        }
    },
};
