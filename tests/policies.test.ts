/**
 * The policy pack's rules: each catches a bad stub resource with its expected message and lets
 * a good one pass, and both stacks' real graphs pass every mandatory rule.
 *
 * The harness plays the analyzer host (like pulumi-policy's sdk/nodejs/policy/tests/util.ts): it
 * builds a small recorded plan from stubs and runs the rule through tools/policy-runner, which
 * calls validateResource / validateStack with the args @pulumi/policy passes.
 */
import { strict as assert } from "assert";
import { PolicyPackConfig } from "@pulumi/policy";
import { Rule } from "../policies/helpers";
import { rules } from "../policies/rules";
import { albListenerRequiresTls } from "../policies/alb-listener-requires-tls";
import { cloudflareStrictTls } from "../policies/cloudflare-strict-tls";
import { dnsRecordsUnproxied } from "../policies/dns-records-unproxied";
import { elasticacheTransitEncryption } from "../policies/elasticache-transit-encryption";
import { encryptionAtRest } from "../policies/encryption-at-rest";
import { noOpenIngress } from "../policies/no-open-ingress";
import { noPlainSecrets } from "../policies/no-plain-secrets";
import { noPublicDatabase } from "../policies/no-public-database";
import { noPublicTaskIp } from "../policies/no-public-task-ip";
import { privateBuckets } from "../policies/private-buckets";
import { prodDataProtection } from "../policies/prod-data-protection";
import { rdsForceSsl } from "../policies/rds-force-ssl";
import { requiredTags } from "../policies/required-tags";
import { s3DenyInsecureTransport } from "../policies/s3-deny-insecure-transport";
import { stagingSingleNat } from "../policies/staging-single-nat";
import { usRegions } from "../policies/us-regions";
import { PlanRecord, RecordedResource } from "../tools/engine";
import { Violation, defaultPolicyConfig, evaluatePolicies, renderVerdict } from "../tools/policy-runner";
import { goodPlan } from "./harness";

// ---- harness ---------------------------------------------------------------------------------------

interface StubOptions {
    protect?: boolean;
    /** Names of stubs this one depends on (its inputs reference them). */
    dependsOn?: string[];
    /** Extra outputs the provider would compute. */
    state?: Record<string, unknown>;
    provider?: string;
}

interface Stub { type: string; name: string; inputs: Record<string, unknown>; opts: StubOptions }

const stub = (type: string, name: string, inputs: Record<string, unknown>, opts: StubOptions = {}): Stub => ({ type, name, inputs, opts });
const urnOf = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::groundwork::${type}::${name}`;

/** A recorded plan holding just these resources, as the offline engine records them. */
function record(stack: string, stubs: Stub[]): PlanRecord {
    const byName = new Map(stubs.map((s) => [s.name, s]));
    const strings = (v: unknown): string[] => typeof v === "string" ? [v] : Array.isArray(v) ? v.flatMap(strings)
        : v && typeof v === "object" ? Object.values(v).flatMap(strings) : [];
    // Property dependencies as the engine would record them: an input depends on the stubs it names.
    const propertyDependencies = (s: Stub) => Object.fromEntries(Object.entries(s.inputs)
        .map(([k, v]) => [k, (s.opts.dependsOn ?? []).filter((d) => byName.has(d) && strings(v).some((x) => x.includes(d)))
            .map((d) => urnOf(stack, byName.get(d)!.type, d))])
        .filter(([, deps]) => deps.length > 0));
    const resources: RecordedResource[] = stubs.map((s) => ({
        type: s.type, name: s.name, urn: urnOf(stack, s.type, s.name), id: `${s.name}-id`, parent: "", custom: true,
        inputs: s.inputs, secretInputs: [], state: { ...s.inputs, ...(s.opts.state ?? {}) },
        propertyDependencies: propertyDependencies(s),
        options: {
            provider: s.opts.provider ? `${urnOf(stack, byName.get(s.opts.provider)!.type, s.opts.provider)}::id` : "",
            protect: !!s.opts.protect, retainOnDelete: false, deleteBeforeReplace: false, deletedWith: "",
            dependsOn: (s.opts.dependsOn ?? []).filter((d) => byName.has(d)).map((d) => urnOf(stack, byName.get(d)!.type, d)),
            ignoreChanges: [], replaceOnChanges: [], additionalSecretOutputs: [], aliases: 0,
        },
    }));
    return { project: "groundwork", stack, config: {}, resources, outputs: {}, problems: [], elapsedMs: 0, warnings: [] };
}

/** Runs one rule over the stubs and returns its violations. */
async function check(rule: Rule, stubs: Stub[], opts: { stack?: string; config?: PolicyPackConfig } = {}): Promise<Violation[]> {
    const stack = opts.stack ?? "staging";
    const config = { ...defaultPolicyConfig(stack, [rule]), ...(opts.config ?? {}) };
    const verdict = await evaluatePolicies(record(stack, stubs), { rules: [rule], config });
    return verdict.violations;
}

async function passes(rule: Rule, stubs: Stub[], opts?: { stack?: string; config?: PolicyPackConfig }) {
    const v = await check(rule, stubs, opts);
    assert.deepEqual(v.map((x) => x.message), [], `expected ${rule.name} to pass`);
}

async function catches(rule: Rule, stubs: Stub[], message: RegExp, opts?: { stack?: string; config?: PolicyPackConfig }): Promise<Violation[]> {
    const v = await check(rule, stubs, opts);
    assert.ok(v.some((x) => message.test(x.message)), `expected ${rule.name} to report ${message}; got:\n${v.map((x) => x.message).join("\n") || "(nothing)"}`);
    assert.ok(v.every((x) => x.policy === rule.name && x.enforcementLevel === rule.enforcementLevel));
    return v;
}

// ---- common stubs ----------------------------------------------------------------------------------

const T = {
    provider: "pulumi:providers:aws",
    bucket: "aws:s3/bucket:Bucket",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    listener: "aws:lb/listener:Listener",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    pg: "aws:rds/parameterGroup:ParameterGroup",
    db: "aws:rds/instance:Instance",
    rg: "aws:elasticache/replicationGroup:ReplicationGroup",
    zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
    vercelProject: "vercel:index/project:Project",
    vercelEnv: "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
    vercelDeployment: "vercel:index/deployment:Deployment",
    dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
    task: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    nat: "aws:ec2/natGateway:NatGateway",
    eni: "aws:ec2/networkInterface:NetworkInterface",
    volume: "aws:ebs/volume:Volume",
};

const TLS_ONLY = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{
        Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
        Resource: ["arn:aws:s3:::uploads-bucket-1234567", "arn:aws:s3:::uploads-bucket-1234567/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    }],
});

/** A bucket with every configuration resource a private, encrypted, versioned bucket needs. */
function goodBucket(prefix = "uploads"): Stub[] {
    const name = `${prefix}-bucket`;
    const bucket = `${prefix}-bucket-1234567`;
    const deps = { dependsOn: [name], protect: true };
    return [
        stub(T.bucket, name, { forceDestroy: false }, { protect: true, state: { bucket, arn: `arn:aws:s3:::${bucket}` } }),
        stub(T.pab, `${prefix}-pab`, { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, deps),
        stub(T.ownership, `${prefix}-ownership`, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, deps),
        stub(T.sse, `${prefix}-sse`, { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] }, deps),
        stub(T.versioning, `${prefix}-versioning`, { bucket, versioningConfiguration: { status: "Enabled" } }, deps),
        stub(T.bucketPolicy, `${prefix}-policy`, { bucket, policy: TLS_ONLY.replace(/uploads-bucket-1234567/g, bucket) }, deps),
    ];
}
const without = (stubs: Stub[], type: string) => stubs.filter((s) => s.type !== type);

const goodDb = (extra: Record<string, unknown> = {}) => stub(T.db, "db-instance", {
    engine: "postgres", engineVersion: "17", storageEncrypted: true, publiclyAccessible: false, parameterGroupName: "db-params-1234567",
    deletionProtection: true, backupRetentionPeriod: 14, skipFinalSnapshot: false, finalSnapshotIdentifier: "groundwork-prod-db-final", ...extra,
}, { protect: true, dependsOn: ["db-params"] });
const goodParams = (parameters = [{ name: "rds.force_ssl", value: "1" }]) =>
    stub(T.pg, "db-params", { family: "postgres17", parameters }, { state: { name: "db-params-1234567" } });

// ---- the pack --------------------------------------------------------------------------------------

describe("policy pack rules", () => {
    it("name every rule in stable kebab-case, once, with a description and remediation steps", () => {
        const names = rules.map((r) => r.name);
        assert.equal(new Set(names).size, names.length);
        for (const r of rules) {
            assert.match(r.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(r.description.length > 10, r.name);
            assert.ok((r.remediationSteps ?? "").length > 10, `${r.name} has remediationSteps`);
            assert.ok(["mandatory", "advisory"].includes(r.enforcementLevel ?? ""), r.name);
        }
        const advisory = rules.filter((r) => r.enforcementLevel === "advisory").map((r) => r.name).sort();
        assert.deepEqual(advisory, ["required-tags", "staging-single-nat"]);
        assert.ok(names.length >= 15);
    });

    describe("us-regions", () => {
        it("passes a provider and resources in us-east-1 and Vercel functions in iad1", () => passes(usRegions, [
            stub(T.provider, "aws", { region: "us-east-1" }),
            stub(T.bucket, "b", {}),
            stub(T.vercelProject, "web", { resourceConfig: { functionDefaultRegions: ["iad1", "pdx1"] } }),
        ]));
        it("catches an AWS provider outside the US", () =>
            catches(usRegions, [stub(T.provider, "aws", { region: "eu-west-1" })], /deploys to eu-west-1, outside the allowed US regions\. Set region to one of us-east-1/));
        it("catches an AWS provider with no region", () =>
            catches(usRegions, [stub(T.provider, "aws", {})], /has no region.*Set region explicitly/));
        it("catches a resource's own region outside the US", () =>
            catches(usRegions, [stub(T.bucket, "b", { region: "eu-central-1" })], /Bucket "b" sets region eu-central-1.*Remove the per-resource region/));
        it("catches Vercel functions outside the US, and unpinned ones", async () => {
            await catches(usRegions, [stub(T.vercelProject, "web", { resourceConfig: { functionDefaultRegions: ["fra1"] } })], /runs functions in fra1, outside the US/);
            await catches(usRegions, [stub(T.vercelProject, "web", {})], /does not pin its function regions/);
        });
        it("takes the allowed list from policy config", () =>
            catches(usRegions, [stub(T.provider, "aws", { region: "us-east-1" })], /us-east-1, outside the allowed US regions\. Set region to one of us-west-2\./,
                { config: { "us-regions": { enforcementLevel: "mandatory", allowedRegions: ["us-west-2"] } } }));
    });

    describe("alb-listener-requires-tls", () => {
        const https = { port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificateArn: "arn:aws:acm:us-east-1:1:certificate/x", defaultActions: [{ type: "forward", targetGroupArn: "tg" }] };
        const redirect = { port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] };
        it("passes HTTPS with a TLS 1.2+ policy and HTTP that only redirects", () => passes(albListenerRequiresTls, [
            stub(T.listener, "https", https), stub(T.listener, "http", redirect),
            stub("aws:alb/listener:Listener", "legacy", { ...https, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06" }),
        ]));
        it("catches HTTP that forwards", () =>
            catches(albListenerRequiresTls, [stub(T.listener, "http", { port: 80, protocol: "HTTP", defaultActions: [{ type: "forward" }] })], /port 80 serves plain HTTP\. Use protocol "HTTPS".*or make its only default action a redirect/));
        it("catches HTTPS with an old or missing TLS policy", async () => {
            await catches(albListenerRequiresTls, [stub(T.listener, "https", { ...https, sslPolicy: "ELBSecurityPolicy-2016-08" })], /"ELBSecurityPolicy-2016-08", which allows TLS below 1\.2/);
            await catches(albListenerRequiresTls, [stub("aws:alb/listener:Listener", "https", { ...https, sslPolicy: undefined })], /unset: the provider's old default/);
        });
    });

    describe("rds-force-ssl", () => {
        it("passes a Postgres group with rds.force_ssl = 1 used by the instance", () =>
            passes(rdsForceSsl, [goodParams(), goodDb()]));
        it("catches a Postgres parameter group that does not force SSL", () =>
            catches(rdsForceSsl, [goodParams([{ name: "log_connections", value: "1" }])], /"db-params" \(postgres17\) does not set rds\.force_ssl = 1.*Add \{ name: "rds\.force_ssl", value: "1" \}/));
        it("catches an instance whose group does not force SSL, or that uses the default group", async () => {
            const v = await catches(rdsForceSsl, [goodParams([{ name: "rds.force_ssl", value: "0" }]), goodDb()], /Instance "db-instance" uses parameter group "db-params", which does not set rds\.force_ssl = 1/);
            assert.ok(v.some((x) => x.urn.endsWith("::db-instance")));
            await catches(rdsForceSsl, [goodDb({ parameterGroupName: undefined })], /uses the engine's default parameter group/);
            await catches(rdsForceSsl, [goodDb({ parameterGroupName: "someone-elses" })], /not managed by this stack/);
        });
    });

    describe("elasticache-transit-encryption", () => {
        it("passes transit encryption required", () =>
            passes(elasticacheTransitEncryption, [stub(T.rg, "cache", { transitEncryptionEnabled: true, transitEncryptionMode: "required" })]));
        it("catches no transit encryption and the 'preferred' mode", async () => {
            await catches(elasticacheTransitEncryption, [stub(T.rg, "cache", {})], /"cache" does not enable transit encryption.*transitEncryptionEnabled: true/);
            await catches(elasticacheTransitEncryption, [stub(T.rg, "cache", { transitEncryptionEnabled: true, transitEncryptionMode: "preferred" })], /"preferred", which still accepts plain-text clients/);
        });
    });

    describe("s3-deny-insecure-transport", () => {
        it("passes a bucket whose policy denies aws:SecureTransport=false", () => passes(s3DenyInsecureTransport, goodBucket()));
        it("catches a bucket without that policy", async () => {
            const v = await catches(s3DenyInsecureTransport, without(goodBucket(), T.bucketPolicy), /Bucket "uploads-bucket" has no bucket policy denying requests without TLS/);
            assert.ok(v[0].urn.endsWith("::uploads-bucket"));
        });
        it("links a policy to its own bucket only", () => catches(s3DenyInsecureTransport,
            [...goodBucket("a"), ...without(goodBucket("b"), T.bucketPolicy)], /Bucket "b-bucket" has no bucket policy/));
    });

    describe("cloudflare-strict-tls", () => {
        const zone = { zoneId: "z1" };
        it("passes ssl strict, TLS 1.2 and always HTTPS", () => passes(cloudflareStrictTls, [
            stub(T.zoneSetting, "ssl", { ...zone, settingId: "ssl", value: "strict" }),
            stub(T.zoneSetting, "tls", { ...zone, settingId: "min_tls_version", value: "1.2" }),
            stub(T.zoneSetting, "https", { ...zone, settingId: "always_use_https", value: "on" }),
        ]));
        it("catches flexible SSL and TLS 1.0", async () => {
            await catches(cloudflareStrictTls, [stub(T.zoneSetting, "ssl", { ...zone, settingId: "ssl", value: "flexible" }), stub(T.zoneSetting, "tls", { ...zone, settingId: "min_tls_version", value: "1.2" })],
                /sets SSL to "flexible".*Set value "strict"/);
            await catches(cloudflareStrictTls, [stub(T.zoneSetting, "ssl", { ...zone, settingId: "ssl", value: "strict" }), stub(T.zoneSetting, "tls", { ...zone, settingId: "min_tls_version", value: "1.0" })],
                /allows TLS 1\.0\. Set min_tls_version to "1\.2"/);
        });
        it("catches a managed zone without an ssl setting", () =>
            catches(cloudflareStrictTls, [stub(T.zoneSetting, "https", { ...zone, settingId: "always_use_https", value: "on" })], /manages settings of Cloudflare zone z1 but not "ssl"/));
        it("does not apply to a stack that manages no zone settings", () => passes(cloudflareStrictTls, [stub(T.bucket, "b", {})]));
    });

    describe("private-buckets", () => {
        it("passes a bucket with all four blocks and owner-enforced ownership", () => passes(privateBuckets, goodBucket()));
        it("catches a bucket without a public access block, or with one block off", async () => {
            await catches(privateBuckets, without(goodBucket(), T.pab), /"uploads-bucket" has no BucketPublicAccessBlock with all four blocks on/);
            const partial = goodBucket().map((s) => (s.type === T.pab ? { ...s, inputs: { ...s.inputs, restrictPublicBuckets: false } } : s));
            await catches(privateBuckets, partial, /leaves restrictPublicBuckets off\. Set all four to true/);
        });
        it("catches ownership that is not BucketOwnerEnforced", () => catches(privateBuckets,
            goodBucket().map((s) => (s.type === T.ownership ? { ...s, inputs: { ...s.inputs, rule: { objectOwnership: "ObjectWriter" } } } : s)),
            /does not enforce bucket-owner ownership/));
        it("catches a public ACL, an Allow-to-anyone policy and website hosting", async () => {
            await catches(privateBuckets, [stub("aws:s3/bucketAcl:BucketAcl", "acl", { bucket: "x", acl: "public-read" })], /canned ACL "public-read"/);
            const open = JSON.stringify({ Statement: [{ Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::x/*" }] });
            await catches(privateBuckets, [stub(T.bucketPolicy, "p", { bucket: "x", policy: open })], /Allow statement "Public" for Principal "\*" with no Condition/);
            await catches(privateBuckets, [stub("aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration", "site", { bucket: "x", indexDocument: { suffix: "index.html" } })], /static website hosting/);
        });
        it("lets a named principal or a conditioned Allow through", () => passes(privateBuckets, [stub(T.bucketPolicy, "p", {
            bucket: "x", policy: JSON.stringify({ Statement: [
                { Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: "arn:aws:s3:::x/*" },
                { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::x/*", Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } } },
            ] }),
        })]));
    });

    describe("encryption-at-rest", () => {
        it("passes encrypted databases, caches, volumes and buckets", () => passes(encryptionAtRest, [
            goodDb(), stub(T.rg, "cache", { atRestEncryptionEnabled: true }), stub(T.volume, "vol", { availabilityZone: "us-east-1a", encrypted: true }), ...goodBucket(),
        ]));
        it("catches an unencrypted database, cache and volume", async () => {
            await catches(encryptionAtRest, [goodDb({ storageEncrypted: false })], /RDS instance "db-instance" stores data unencrypted.*storageEncrypted: true/);
            await catches(encryptionAtRest, [stub(T.rg, "cache", {})], /does not encrypt data at rest\. Set atRestEncryptionEnabled: true/);
            await catches(encryptionAtRest, [stub(T.volume, "vol", { availabilityZone: "us-east-1a" })], /EBS volume "vol" is not encrypted/);
            await catches(encryptionAtRest, [stub("aws:ec2/launchTemplate:LaunchTemplate", "lt", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }] })], /unencrypted EBS volumes \(\/dev\/xvda\)/);
        });
        it("catches a bucket without default encryption", () =>
            catches(encryptionAtRest, without(goodBucket(), T.sse), /"uploads-bucket" has no default encryption configuration/));
    });

    describe("no-open-ingress", () => {
        const lbWith = (sgs: string[]) => stub(T.lb, "alb", { securityGroups: sgs, loadBalancerType: "application" }, { dependsOn: ["sg-alb"] });
        const sgs = [stub(T.sg, "sg-alb", { description: "alb" }, { state: { id: "sg-alb-1234567" } }), stub(T.sg, "sg-api", { description: "api" }, { state: { id: "sg-api-1234567" } })];
        const open443 = (sg: string) => stub(T.ingress, `${sg}-in-443`, { cidrIpv4: "0.0.0.0/0", fromPort: 443, toPort: 443, ipProtocol: "tcp", securityGroupId: `${sg}-1234567` }, { dependsOn: [sg] });
        it("passes 443 from anywhere on the load balancer's group, and group-to-group rules", () => passes(noOpenIngress, [
            ...sgs, lbWith(["sg-alb-1234567"]), open443("sg-alb"),
            stub(T.ingress, "api-from-alb", { referencedSecurityGroupId: "sg-alb-1234567", fromPort: 3000, toPort: 3000, ipProtocol: "tcp", securityGroupId: "sg-api-1234567" }),
        ]));
        it("catches other ports open to the internet, inline or as rules", async () => {
            await catches(noOpenIngress, [stub(T.ingress, "ssh", { cidrIpv4: "0.0.0.0/0", fromPort: 22, toPort: 22, ipProtocol: "tcp", securityGroupId: "sg-1" })], /admits tcp 22 from 0\.0\.0\.0\/0\. Only TCP 80 and 443/);
            await catches(noOpenIngress, [stub(T.sg, "wide", { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }] })], /admits all ports from ::\/0/);
            await catches(noOpenIngress, [stub(T.sgRule, "pg", { type: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-1" })], /admits tcp 5432/);
        });
        it("catches 443 open on a group that is not the load balancer's", () =>
            catches(noOpenIngress, [...sgs, lbWith(["sg-alb-1234567"]), open443("sg-api")], /opens tcp 443 to 0\.0\.0\.0\/0, but its security group is not attached to a load balancer/));
    });

    describe("no-public-task-ip", () => {
        it("passes a service without public IPs", () => passes(noPublicTaskIp, [stub(T.service, "api", { networkConfiguration: { assignPublicIp: false, subnets: ["s"] } })]));
        it("catches assignPublicIp: true", () =>
            catches(noPublicTaskIp, [stub(T.service, "api", { networkConfiguration: { assignPublicIp: true, subnets: ["s"] } })], /"api" assigns public IPs to its tasks.*assignPublicIp: false/));
    });

    describe("no-public-database", () => {
        it("passes a private instance", () => passes(noPublicDatabase, [goodDb()]));
        it("catches publiclyAccessible: true", () =>
            catches(noPublicDatabase, [goodDb({ publiclyAccessible: true })], /Database "db-instance" is publicly accessible\. Set publiclyAccessible: false/));
    });

    describe("no-plain-secrets", () => {
        const task = (environment: { name: string; value: string }[]) => stub(T.task, "api-task", {
            family: "api", containerDefinitions: JSON.stringify([{ name: "app", environment, secrets: [{ name: "JWT_SECRET", valueFrom: "arn:aws:secretsmanager:us-east-1:1:secret:x:JWT_SECRET::" }] }]),
        });
        it("passes plain settings in environment and secrets from Secrets Manager", () =>
            passes(noPlainSecrets, [task([{ name: "NODE_ENV", value: "production" }, { name: "S3_BUCKET", value: "b" }, { name: "DATABASE_URL_OPTIONS", value: "sslmode=require" }])]));
        it("catches a secret-looking name and a credential-looking value, without echoing it", async () => {
            await catches(noPlainSecrets, [task([{ name: "JWT_SECRET", value: "x".repeat(64) }])], /container app: environment JWT_SECRET looks like a credential but is plain\. Move it to the container's secrets/);
            const v = await catches(noPlainSecrets, [task([{ name: "DATABASE_URL", value: "postgresql://app:hunter2pass@db:5432/app" }])], /environment DATABASE_URL holds a URL with a password in it/);
            assert.ok(v.every((x) => !x.message.includes("hunter2pass")));
            await catches(noPlainSecrets, [task([{ name: "STRIPE", value: "sk_live_abc123" }])], /holds a Stripe secret key/);
        });
        it("catches a Vercel secret that is not sensitive, and passes public ones", async () => {
            await catches(noPlainSecrets, [stub(T.vercelEnv, "web-env-stripe", { key: "STRIPE_SECRET_KEY", value: "sk_test_x", sensitive: false, projectId: "p" })], /variable STRIPE_SECRET_KEY holds a Stripe secret key but is not sensitive.*Set sensitive: true/);
            await passes(noPlainSecrets, [
                stub(T.vercelEnv, "web-env-api", { key: "NEXT_PUBLIC_API_URL", value: "https://api.example.com/api/v1", sensitive: false, projectId: "p" }),
                stub(T.vercelEnv, "web-env-token", { key: "API_TOKEN", value: "t", sensitive: true, projectId: "p" }),
            ]);
        });
    });

    describe("no-plain-secrets: public Vercel variables", () => {
        it("passes public-by-design keys as plain variables", () => passes(noPlainSecrets, [
            stub(T.vercelEnv, "web-env-pk", { key: "STRIPE_PUBLISHABLE_KEY", value: "pk_live_51Hx0aBc", sensitive: false, projectId: "p" }),
            stub(T.vercelEnv, "web-env-dsn", { key: "SENTRY_DSN", value: "https://abc@o1.ingest.us.sentry.io/2", sensitive: false, projectId: "p" }),
        ]));
        it("catches a credential-named public variable even under a browser prefix", () =>
            catches(noPlainSecrets, [stub(T.vercelEnv, "web-env-token", { key: "NEXT_PUBLIC_SERVICE_TOKEN", value: "abc", sensitive: false, projectId: "p" })],
                /variable NEXT_PUBLIC_SERVICE_TOKEN is named like a credential \(TOKEN\) but is not sensitive/));
        it("catches a secret in a deployment's own environment, which has no sensitive flag", async () => {
            await passes(noPlainSecrets, [stub(T.vercelDeployment, "web-release-deployment", { projectId: "p", ref: "a".repeat(40), environment: { NEXT_PUBLIC_SITE: "https://x.example.com" } })]);
            await catches(noPlainSecrets, [stub(T.vercelDeployment, "web-release-deployment", { projectId: "p", ref: "a".repeat(40), environment: { DB: "postgresql://u:pw@h/db" } })],
                /Vercel Deployment "web-release-deployment": variable DB holds a URL with a password in it/);
        });
    });

    describe("dns-records-unproxied", () => {
        const rec = (name: string, type: string, content: string, proxied: boolean) =>
            stub(T.dnsRecord, `r-${name}-${type}`.replace(/[^a-z0-9-]/gi, "-"), { zoneId: "z", name, type, content, proxied, ttl: proxied ? 1 : 300 });
        it("passes DNS-only mail and verification records, and a proxied API host", () => passes(dnsRecordsUnproxied, [
            rec("send.example.com", "MX", "feedback-smtp.us-east-1.amazonses.com", false),
            rec("pm-bounces.example.com", "CNAME", "pm.mtasv.net", false),
            rec("_dmarc.example.com", "TXT", "\"v=DMARC1; p=none\"", false),
            rec("api.example.com", "CNAME", "alb-123.us-east-1.elb.amazonaws.com", true),
        ]));
        it("catches proxied mail, verification, certificate-validation and Vercel records", async () => {
            await catches(dnsRecordsUnproxied, [rec("pm-bounces.example.com", "CNAME", "pm.mtasv.net", true)], /\(CNAME pm-bounces\.example\.com\) is proxied, but its target pm\.mtasv\.net must be resolved by the service itself/);
            await catches(dnsRecordsUnproxied, [rec("s1._domainkey.example.com", "CNAME", "s1.domainkey.u1.wl.sendgrid.net", true)], /underscore label/);
            await catches(dnsRecordsUnproxied, [rec("_abc.api.example.com", "CNAME", "_x.acm-validations.aws", true)], /is proxied/);
            await catches(dnsRecordsUnproxied, [rec("app.example.com", "CNAME", "cname.vercel-dns.com", true)], /vercel-dns\.com must be resolved by the service itself/);
            await catches(dnsRecordsUnproxied, [rec("example.com", "A", "76.76.21.21", true)], /Vercel issues the certificate/);
            await catches(dnsRecordsUnproxied, [rec("send.example.com", "TXT", "\"v=spf1 ~all\"", true)], /a TXT record is read by mail servers/);
        });
    });

    describe("prod-data-protection", () => {
        const prodData = () => [goodParams(), goodDb(), stub(T.rg, "cache", { atRestEncryptionEnabled: true }, { protect: true }), ...goodBucket()];
        it("passes protected, backed-up, versioned data in prod", () => passes(prodDataProtection, prodData(), { stack: "prod" }));
        it("catches a prod database without deletion protection, backups or a final snapshot", async () => {
            const v = await catches(prodDataProtection, [goodDb({ deletionProtection: false, backupRetentionPeriod: 1, skipFinalSnapshot: true })],
                /"db-instance" has no deletion protection in prod\. Set deletionProtection: true/, { stack: "prod" });
            assert.ok(v.some((x) => /keeps 1 days of backups; prod needs at least 7/.test(x.message)));
            assert.ok(v.some((x) => /without a final snapshot/.test(x.message)));
        });
        it("catches an unversioned bucket and unprotected data in prod", async () => {
            await catches(prodDataProtection, without(goodBucket(), T.versioning), /"uploads-bucket" is not versioned/, { stack: "prod" });
            await catches(prodDataProtection, [stub(T.rg, "cache", {})], /ReplicationGroup "cache" holds prod data but is not protected.*protect: true/, { stack: "prod" });
        });
        it("does not apply to staging", () => passes(prodDataProtection, [goodDb({ deletionProtection: false }), stub(T.rg, "cache", {})], { stack: "staging" }));
    });

    describe("required-tags (advisory)", () => {
        const tags = JSON.stringify({ tags: { app: "groundwork", stack: "staging", "managed-by": "pulumi" } });
        it("passes a provider with the default tags and resources under it", () => passes(requiredTags, [
            stub(T.provider, "aws", { region: "us-east-1", defaultTags: tags }), stub(T.volume, "vol", { tags: { Name: "v" } }, { provider: "aws" }),
        ]));
        it("catches a provider without them", () =>
            catches(requiredTags, [stub(T.provider, "aws", { region: "us-east-1" })], /does not tag resources with app, stack, managed-by/));
    });

    describe("staging-single-nat (advisory)", () => {
        const nats = (n: number) => Array.from({ length: n }, (_, i) => stub(T.nat, `nat-${i}`, {}));
        it("passes one NAT in staging and one per AZ in prod", async () => {
            await passes(stagingSingleNat, nats(1), { stack: "staging" });
            await passes(stagingSingleNat, nats(3), { stack: "prod" });
        });
        it("catches a staging stack paying for three gateways, and names both ways out", () =>
            catches(stagingSingleNat, nats(3), /Stack "staging" runs 3 NAT gateways \(about \$98\.55\/month.*"single" to save \$65\.70\/month.*"natInstance" to keep one per AZ for about \$22\.08\/month/, { stack: "staging" }));
        const natInstances = (n: number) => Array.from({ length: n }, (_, i) => stub(T.eni, `nat-${i}-eni`, { sourceDestCheck: false, subnetId: "subnet-1" }));
        it("lets staging keep one NAT instance per AZ (egress that survives an AZ), and still counts only gateways", async () => {
            await passes(stagingSingleNat, [...natInstances(2), stub(T.eni, "plain", { subnetId: "subnet-1" })], { stack: "staging" });
            await passes(stagingSingleNat, natInstances(3), { stack: "staging" });
            await catches(stagingSingleNat, [...nats(2), ...natInstances(1)], /runs 2 NAT gateways/, { stack: "staging" });
        });
    });
});

describe("the real graphs", () => {
    for (const stack of ["staging", "prod"]) {
        it(`${stack} passes every mandatory rule`, async () => {
            const r = await goodPlan(stack);
            const verdict = await evaluatePolicies(r);
            assert.equal(verdict.rules.length, rules.length);
            assert.deepEqual(verdict.mandatory.map((v) => `${v.policy}: ${v.message}`), [], renderVerdict(verdict, r).join("\n"));
        });
    }

    it("checks the resources the rules are about (they are in the graph, not vacuous passes)", async () => {
        // Zone settings are opt-in: the stack that owns them has them.
        const r = await goodPlan("prod", { "groundwork:zoneSettingsStack": "prod" });
        assert.deepEqual((await evaluatePolicies(r)).mandatory, []);
        const types = new Set(r.resources.map((x) => x.type));
        for (const t of [T.provider, T.bucket, T.bucketPolicy, T.pab, T.listener, T.lb, T.ingress, T.pg, T.db, T.rg, T.task, T.service, T.vercelProject, T.zoneSetting]) {
            assert.ok(types.has(t), `prod registers ${t}`);
        }
    });

    it("fails a real graph that breaks a rule", async () => {
        const r = await goodPlan("prod");
        const broken: PlanRecord = {
            ...r,
            resources: r.resources.map((x) => (x.type === T.db ? { ...x, inputs: { ...x.inputs, publiclyAccessible: true }, state: { ...x.state, publiclyAccessible: true } } : x)),
        };
        const verdict = await evaluatePolicies(broken);
        assert.deepEqual([...new Set(verdict.mandatory.map((v) => v.policy))], ["no-public-database"]);
    });
});
