/**
 * alb-listener-requires-tls: load balancer listeners serve HTTPS with a TLS 1.2+ security policy
 * and a certificate; plain HTTP listeners only redirect to HTTPS.
 */
import * as aws from "@pulumi/aws";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { asArray } from "./helpers";

/** ELB security policies whose minimum protocol is TLS 1.2 or later. */
export const TLS12_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

interface ListenerProps {
    port?: number;
    protocol?: string;
    sslPolicy?: string;
    certificateArn?: string;
    defaultActions?: { type?: string; redirect?: { protocol?: string; port?: string } }[];
}

function check(l: ListenerProps, args: ResourceValidationArgs, report: ReportViolation) {
    const where = `Listener "${args.name}" on port ${l.port ?? "?"}`;
    const protocol = (l.protocol ?? "HTTP").toUpperCase();
    if (protocol === "HTTPS" || protocol === "TLS") {
        if (!l.sslPolicy || !TLS12_POLICIES.includes(l.sslPolicy)) {
            report(`${where} uses ssl policy ${l.sslPolicy ? `"${l.sslPolicy}"` : "(unset: the provider's old default)"}, which allows TLS below 1.2. `
                + `Set sslPolicy to "ELBSecurityPolicy-TLS13-1-2-2021-06" (or its -Res- variant).`);
        }
        if (!l.certificateArn) report(`${where} is ${protocol} without certificateArn. Attach the ACM certificate's ARN.`);
        return;
    }
    if (protocol === "HTTP") {
        const actions = asArray(l.defaultActions);
        const redirects = actions.length > 0 && actions.every((a) => a.type === "redirect" && a.redirect?.protocol?.toUpperCase() === "HTTPS");
        if (!redirects) {
            report(`${where} serves plain HTTP. Use protocol "HTTPS" with certificateArn, or make its only default action `
                + `a redirect { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" }.`);
        }
        return;
    }
    report(`${where} uses ${protocol}, which carries traffic without TLS. Use "HTTPS" (ALB) or "TLS" (NLB) with a TLS 1.2+ sslPolicy.`);
}

export const albListenerRequiresTls: ResourceValidationPolicy = {
    name: "alb-listener-requires-tls",
    description: "Load balancer listeners use HTTPS with a TLS 1.2+ policy, or only redirect HTTP to HTTPS.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Serve port 443 with protocol HTTPS, certificateArn and sslPolicy ELBSecurityPolicy-TLS13-1-2-2021-06; "
        + "give the port 80 listener one default action: redirect to HTTPS with HTTP_301.",
    validateResource: [
        validateResourceOfType(aws.lb.Listener, (l, args, report) => check(l as ListenerProps, args, report)),
        validateResourceOfType(aws.alb.Listener, (l, args, report) => check(l as ListenerProps, args, report)),
    ],
};
