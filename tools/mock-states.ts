/**
 * Plausible provider states for the offline engine: what AWS, Cloudflare and Vercel would return
 * after a create, derived only from the resource's type, name and inputs, so that two runs with
 * the same config produce identical records (no clock, no randomness).
 */
import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { AWS_REGION_AZS } from "../components/config/defaults";

export const MOCK_ACCOUNT = "123456789012";

/** A stable short hash of a string: stands in for the suffixes providers generate. */
export function shortHash(s: string, len = 7): string {
    return createHash("sha256").update(s).digest("hex").slice(0, len);
}

/** `aws:rds/instance:Instance` → `rds`; `aws:ec2/vpc:Vpc` → `ec2`. */
function awsService(type: string): string {
    return type.split(":")[1]?.split("/")[0] ?? "aws";
}

const AZ_SUFFIXES = ["a", "b", "c", "d", "e", "f"];

export function mockState(args: pulumi.runtime.MockResourceArgs, region: string, world: MockWorld = {}): { id: string; state: Record<string, unknown> } {
    const { type, name, inputs } = args;
    const h = shortHash(`${type}::${name}`);
    const id = `${name}-${h}`;
    const state: Record<string, unknown> = { ...inputs };
    const physical = (inputs.name as string | undefined) ?? `${name}-${h}`;
    if (type.startsWith("aws:") && !type.startsWith("aws:index/provider")) {
        const svc = awsService(type);
        state.arn ??= svc === "s3"
            ? `arn:aws:s3:::${(inputs.bucket as string | undefined) ?? physical}`
            : `arn:aws:${svc}:${region}:${MOCK_ACCOUNT}:${type.split(":")[2]?.toLowerCase() ?? "resource"}/${physical}`;
        if (!("name" in inputs) && !type.startsWith("aws:s3/")) state.name = physical;
    }
    switch (type) {
        case "aws:s3/bucket:Bucket": {
            const bucket = (inputs.bucket as string | undefined) ?? `${(inputs.bucketPrefix as string | undefined) ?? name + "-"}${h}`;
            Object.assign(state, { bucket, arn: `arn:aws:s3:::${bucket}`, bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`, region });
            break;
        }
        case "aws:lb/loadBalancer:LoadBalancer":
            Object.assign(state, {
                dnsName: `${physical}-${parseInt(h, 16)}.${region}.elb.amazonaws.com`, zoneId: "Z35SXDOTRQ7X7K",
                arnSuffix: `app/${physical}/${h}0000000000`,
            });
            break;
        case "aws:lb/targetGroup:TargetGroup":
            Object.assign(state, { arnSuffix: `targetgroup/${physical}/${h}000000000` });
            break;
        case "aws:rds/instance:Instance": {
            const address = `${physical}.c${h}.${region}.rds.amazonaws.com`;
            Object.assign(state, { address, endpoint: `${address}:5432`, port: 5432, resourceId: `db-${h.toUpperCase()}` });
            state.identifier ??= physical;
            break;
        }
        case "aws:elasticache/replicationGroup:ReplicationGroup":
            Object.assign(state, {
                primaryEndpointAddress: `master.${physical}.${h}.${regionCode(region)}.cache.amazonaws.com`,
                readerEndpointAddress: `replica.${physical}.${h}.${regionCode(region)}.cache.amazonaws.com`,
                port: 6379,
            });
            // One member cluster per node, named as ElastiCache names them: <group id>-00N.
            state.memberClusters = Array.from({ length: (inputs.numCacheClusters as number | undefined) ?? 1 },
                (_, i) => `${(inputs.replicationGroupId as string | undefined) ?? physical}-${String(i + 1).padStart(3, "0")}`);
            break;
        case "aws:ecr/repository:Repository":
            Object.assign(state, { repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${physical}`, registryId: MOCK_ACCOUNT });
            break;
        case "aws:acm/certificate:Certificate": {
            const domains = [inputs.domainName as string, ...((inputs.subjectAlternativeNames as string[] | undefined) ?? [])];
            // As ACM: the record depends on the domain alone, and a wildcard shares its base
            // domain's (*.api.example.com is validated by api.example.com's record).
            state.domainValidationOptions = domains.map((d) => {
                const named = d.replace(/^\*\./, "");
                return {
                    domainName: d, resourceRecordName: `_${shortHash(named, 32)}.${named}.`, resourceRecordType: "CNAME",
                    resourceRecordValue: `_${shortHash(`v${named}`, 32)}.jkddzztszm.acm-validations.aws.`,
                };
            });
            break;
        }
        case "aws:secretsmanager/secret:Secret":
            state.arn = `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT}:secret:${physical}-${h.slice(0, 6)}`;
            break;
        case "aws:secretsmanager/secretVersion:SecretVersion":
            // Secrets Manager's version ids are UUIDs; a new value is a new version.
            state.versionId ??= `${h}-0000-4000-8000-${h}0000v`;
            break;
        case "aws:kms/key:Key":
            Object.assign(state, { keyId: `${h}-0000-4000-8000-${h}00000`, arn: `arn:aws:kms:${region}:${MOCK_ACCOUNT}:key/${h}-0000-4000-8000-${h}00000` });
            break;
        case "aws:cloudwatch/logGroup:LogGroup":
            state.arn = `arn:aws:logs:${region}:${MOCK_ACCOUNT}:log-group:${physical}`;
            break;
        case "aws:sns/topic:Topic":
            state.arn = `arn:aws:sns:${region}:${MOCK_ACCOUNT}:${physical}`;
            break;
        // IAM is global: no region in its ARNs, and a role's or policy's path is part of the ARN.
        case "aws:iam/role:Role":
            state.arn = `arn:aws:iam::${MOCK_ACCOUNT}:role${(inputs.path as string | undefined) ?? "/"}${physical}`;
            break;
        case "aws:iam/policy:Policy":
            state.arn = `arn:aws:iam::${MOCK_ACCOUNT}:policy${(inputs.path as string | undefined) ?? "/"}${physical}`;
            break;
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            state.arn = `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}`;
            break;
        case "aws:kms/alias:Alias":
            state.arn = `arn:aws:kms:${region}:${MOCK_ACCOUNT}:${physical}`;
            break;
        case "aws:ecs/service:Service":
            state.name = inputs.name ?? physical;
            break;
        case "aws:ec2/subnet:Subnet":
            // EC2's id shapes (the task tool checks them): subnet-/sg- and 17 hex digits.
            state.id = `subnet-${shortHash(`${type}::${name}`, 17)}`;
            break;
        case "aws:ec2/securityGroup:SecurityGroup":
            state.id = `sg-${shortHash(`${type}::${name}`, 17)}`;
            break;
        case "aws:ec2/vpc:Vpc":
            Object.assign(state, { defaultSecurityGroupId: `sg-${h}default`, mainRouteTableId: `rtb-${h}` });
            break;
        case "aws:ec2/launchTemplate:LaunchTemplate":
            Object.assign(state, { latestVersion: 1, defaultVersion: 1 });
            break;
        case "aws:ec2/eip:Eip":
            // A documentation address (RFC 5737), derived from the name.
            Object.assign(state, { allocationId: `eipalloc-${h}`, publicIp: `203.0.113.${parseInt(h.slice(0, 2), 16)}` });
            break;
        case "aws:route53/healthCheck:HealthCheck":
            state.id = `hc-${h}`;
            break;
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString": {
            const length = (inputs.length as number | undefined) ?? 32;
            let s = "";
            for (let i = 0; s.length < length; i++) s += shortHash(`${name}:${i}`, 64);
            state.result = s.slice(0, length);
            break;
        }
        case "random:index/randomId:RandomId": {
            // As the provider: new random bytes whenever a keeper changes (the resource is replaced), so
            // the stand-in hashes the keepers with the name.
            const hex = shortHash(`${name}:${JSON.stringify(inputs.keepers ?? {})}`, 2 * ((inputs.byteLength as number | undefined) ?? 8));
            const bytes = Buffer.from(hex, "hex");
            Object.assign(state, {
                hex: `${(inputs.prefix as string | undefined) ?? ""}${hex}`,
                b64Std: bytes.toString("base64"), b64Url: bytes.toString("base64url"), dec: BigInt(`0x${hex}`).toString(),
            });
            state.id = state.b64Url;
            break;
        }
        case "cloudflare:index/dnsRecord:DnsRecord":
            state.id = shortHash(name, 32);
            break;
        case "vercel:index/project:Project":
            state.id = `prj_${shortHash(name, 28)}`;
            break;
        case "vercel:index/projectDomain:ProjectDomain": {
            // Verified unless the world says another Vercel account holds the domain: then the TXT challenge Vercel issues.
            const domain = String(inputs.domain);
            const held = world.vercelDomainsHeldElsewhere ?? false;
            Object.assign(state, {
                verified: !held,
                verifications: held ? [{ type: "TXT", domain: `_vercel.${domain}`, value: `vc-domain-verify=${domain},${shortHash(`v${domain}`, 20)}`, reason: "pending_domain_verification" }] : [],
            });
            break;
        }
        case "vercel:index/deployment:Deployment":
            Object.assign(state, { id: `dpl_${shortHash(name, 24)}`, url: `${name}-${shortHash(`u${name}`, 9)}.vercel.app`, domains: [] });
            break;
        case "pulumi-nodejs:dynamic:Resource":
            if ("url" in inputs) {
                // The Stripe webhook endpoint (created disabled): the ids Stripe returns look like this.
                Object.assign(state, { endpointId: `we_${shortHash(name, 24)}`, secret: `whsec_offline${shortHash(`s${name}`, 24)}`, status: "disabled" });
            } else if ("endpointId" in inputs) {
                // Its activation.
                Object.assign(state, { enabled: true });
                return { id: String(inputs.endpointId), state };
            }
            break;
    }
    return { id: (state.id as string | undefined) ?? id, state };
}

function regionCode(region: string): string {
    const [geo, dir, n] = region.split("-");
    return `${geo}${dir[0]}${n}`;
}

/** What the mocked providers answer that a test may vary: the Cloudflare zone's current SSL mode. */
export interface MockWorld {
    /** The zone's SSL/TLS mode, as `getZoneSetting({ settingId: "ssl" })` returns it. @default "strict" */
    zoneSsl?: string;
    /** Another Vercel account holds the web domains: Vercel leaves them unverified and issues a TXT challenge. @default false */
    vercelDomainsHeldElsewhere?: boolean;
}

export function mockCall(args: pulumi.runtime.MockCallArgs, region: string, world: MockWorld = {}): Record<string, unknown> {
    const azs = AZ_SUFFIXES.map((s) => `${region}${s}`);
    switch (args.token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones": {
            // As many zones as the region offers an account, minus any the program excludes.
            const count = AWS_REGION_AZS[region as keyof typeof AWS_REGION_AZS] ?? 3;
            const excluded = (args.inputs.excludeZoneIds as string[] | undefined) ?? [];
            const zones = azs.slice(0, count).map((name, i) => ({ name, zoneId: `${regionCode(region)}-az${i + 1}` }))
                .filter((z) => !excluded.includes(z.zoneId));
            return { names: zones.map((z) => z.name), zoneIds: zones.map((z) => z.zoneId), id: region, state: "available" };
        }
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/offline`, userId: "AIDAOFFLINE", id: MOCK_ACCOUNT };
        case "aws:iam/getSessionContext:getSessionContext":
            // As if Pulumi ran in a session of a deployer role (CI's OIDC role): the session's source role.
            return { arn: args.inputs.arn, issuerArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/deployer`, issuerName: "deployer", id: MOCK_ACCOUNT };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com` };
        case "aws:elb/getServiceAccount:getServiceAccount":
            return { arn: "arn:aws:iam::127311923021:root", id: "127311923021" };
        case "cloudflare:index/getZone:getZone": {
            const filter = args.inputs.filter as { name?: string } | undefined;
            const zoneName = filter?.name ?? "example.com";
            return { id: shortHash(zoneName, 32), zoneId: shortHash(zoneName, 32), name: zoneName, status: "active" };
        }
        case "cloudflare:index/getZoneSetting:getZoneSetting":
            return {
                id: String(args.inputs.settingId), settingId: args.inputs.settingId, zoneId: args.inputs.zoneId, editable: true, enabled: true,
                modifiedOn: "2026-01-01T00:00:00Z", timeRemaining: 0, value: args.inputs.settingId === "ssl" ? world.zoneSsl ?? "strict" : "on",
            };
        case "cloudflare:index/getIpRanges:getIpRanges":
            return {
                ipv4Cidrs: ["173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "104.16.0.0/13", "172.64.0.0/13", "131.0.72.0/22"],
                ipv6Cidrs: ["2400:cb00::/32", "2606:4700::/32"], id: "cloudflare",
            };
        default:
            return { ...args.inputs, id: shortHash(args.token) };
    }
}
