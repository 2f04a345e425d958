/**
 * no-open-ingress: security-group ingress from anywhere (0.0.0.0/0, ::/0) is allowed only on TCP
 * 80 and 443, and only into a load balancer's security group. Ports are checked per resource;
 * "is this the load balancer's group" needs the whole stack.
 */
import { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { OPEN_IPV4, OPEN_IPV6, ResourceAndStackPolicy, asArray, label, linkedAll, linkedTo, ofTypes } from "./helpers";

export const SECURITY_GROUP_TYPES = ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"];
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LOAD_BALANCER_TYPES = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
const WEB_PORTS = [80, 443];

/** One rule that admits traffic from anywhere. */
export interface OpenIngress {
    protocol: string;
    fromPort: number;
    toPort: number;
    source: string;
}

/** The open-to-the-world ingress rules a resource declares (inline SG rules or a standalone rule). */
export function openIngress(type: string, props: Record<string, unknown>): OpenIngress[] {
    const out: OpenIngress[] = [];
    const add = (protocol: unknown, from: unknown, to: unknown, sources: unknown[]) => {
        for (const s of sources) {
            if (s === OPEN_IPV4 || s === OPEN_IPV6) out.push({ protocol: String(protocol ?? "-1"), fromPort: Number(from ?? 0), toPort: Number(to ?? 65535), source: String(s) });
        }
    };
    if (SECURITY_GROUP_TYPES.includes(type)) {
        for (const r of asArray(props.ingress as Record<string, unknown>[])) {
            add(r.protocol, r.fromPort, r.toPort, [...asArray(r.cidrBlocks as unknown[]), ...asArray(r.ipv6CidrBlocks as unknown[])]);
        }
    } else if (type === SG_RULE && props.type === "ingress") {
        add(props.protocol, props.fromPort, props.toPort, [...asArray(props.cidrBlocks as unknown[]), ...asArray(props.ipv6CidrBlocks as unknown[])]);
    } else if (type === SG_INGRESS_RULE) {
        add(props.ipProtocol, props.fromPort, props.toPort, [props.cidrIpv4, props.cidrIpv6]);
    }
    return out;
}

function isWebPort(r: OpenIngress): boolean {
    const tcp = ["tcp", "6"].includes(r.protocol.toLowerCase());
    return tcp && r.fromPort === r.toPort && WEB_PORTS.includes(r.fromPort);
}

function ports(r: OpenIngress): string {
    if (["-1", "all"].includes(r.protocol.toLowerCase())) return "all ports";
    return r.fromPort === r.toPort ? `${r.protocol} ${r.fromPort}` : `${r.protocol} ${r.fromPort}-${r.toPort}`;
}

export const noOpenIngress: ResourceAndStackPolicy = {
    name: "no-open-ingress",
    description: "Ingress from 0.0.0.0/0 or ::/0 only on TCP 80/443 of the load balancer's security group.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "Let only the load balancer's security group take 80/443 from the internet; every other group admits "
        + "traffic from referenced security groups (referencedSecurityGroupId / sourceSecurityGroupId) only.",
    validateResource: (args: ResourceValidationArgs, report) => {
        if (![...SECURITY_GROUP_TYPES, SG_RULE, SG_INGRESS_RULE].includes(args.type)) args.notApplicable("Not a security group or ingress rule.");
        for (const r of openIngress(args.type, args.props)) {
            if (!isWebPort(r)) {
                report(`${label(args)} admits ${ports(r)} from ${r.source}. Only TCP 80 and 443 may be open to the internet, `
                    + `and only on the load balancer; reference a security group as the source instead.`);
            }
        }
    },
    validateStack: (args, report) => {
        const groups = ofTypes(args.resources, SECURITY_GROUP_TYPES);
        const lbGroups = new Set<string>();
        const lbGroupValues = new Set<unknown>();
        for (const lb of ofTypes(args.resources, LOAD_BALANCER_TYPES)) {
            const { found, raw } = linkedAll(lb, "securityGroups", groups, ["id", "arn"]);
            found.forEach((g) => lbGroups.add(g.urn));
            raw.forEach((v) => lbGroupValues.add(v));
        }
        for (const r of args.resources as PolicyResource[]) {
            const open = openIngress(r.type, r.props).filter(isWebPort);
            if (open.length === 0) continue;
            let onLb: boolean;
            if (SECURITY_GROUP_TYPES.includes(r.type)) {
                onLb = lbGroups.has(r.urn);
            } else {
                const target = linkedTo(r, "securityGroupId", groups, ["id", "arn"]);
                onLb = target ? lbGroups.has(target.urn) : lbGroupValues.has(r.props.securityGroupId);
            }
            if (!onLb) {
                report(`${label(r)} opens ${open.map(ports).join(", ")} to ${open[0].source}, but its security group is not attached to a load balancer. `
                    + `Admit the internet only on the ALB's group; let this group accept traffic from the ALB's security group.`, r.urn);
            }
        }
    },
};
