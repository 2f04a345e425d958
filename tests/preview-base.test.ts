/**
 * The base side of previews (groundwork:previews on staging): the wildcard certificate validated
 * by the load balancer's existing ACM record, the wildcard DNS records, the 404 for unknown
 * previews, the bucket's CORS and expiry for previews' objects, the outputs previews read; and
 * the config rules of both sides, each refusal naming its key.
 */
import { strict as assert } from "assert";
import { ConfigError, ConfigSource, loadConfig } from "../components/config/config";
import { checkPrivateBucketArgs } from "../components/data/storage";
import { estimateCost } from "../tools/cost";
import { PROJECT_DIR, registered, resolveConfig } from "../tools/engine";
import { byType, goodPlan, one, plan, problemKeys } from "./harness";

const T = {
    cert: "aws:acm/certificate:Certificate",
    validation: "aws:acm/certificateValidation:CertificateValidation",
    listenerCert: "aws:lb/listenerCertificate:ListenerCertificate",
    rule: "aws:lb/listenerRule:ListenerRule",
    listener: "aws:lb/listener:Listener",
    record: "cloudflare:index/dnsRecord:DnsRecord",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    cors: "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
};

/** The problems loadConfig reports for a stack (as the engine resolves its config, with overrides). */
function problemsFor(stack: string, overrides: Record<string, string | number | boolean | string[] | undefined>, previewBranch?: string) {
    const { config, problems } = resolveConfig({ stack, config: overrides, previewBranch });
    assert.deepEqual(problems, []);
    const source: ConfigSource = { project: "groundwork", stack, get: (k) => config[k]?.value, isSecret: (k) => !!config[k]?.secret, keys: () => Object.keys(config) };
    try {
        return { cfg: loadConfig(source), problems: [] };
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return { cfg: undefined, problems: err.problems };
    }
}
function refuses(stack: string, overrides: Record<string, string | number | boolean | string[] | undefined>, key: string, text: RegExp) {
    const { problems } = problemsFor(stack, overrides, "feature/x");
    const hit = problems.find((p) => p.key === `groundwork:${key}`);
    assert.ok(hit, `expected a problem with ${key}, got ${JSON.stringify(problems)}`);
    assert.match(hit.message, text);
}

describe("staging hosts pull-request previews (groundwork:previews)", () => {
    it("adds a wildcard certificate validated by the load balancer's own ACM record, and serves it on the HTTPS listener", async () => {
        const r = await goodPlan("staging");
        const cert = one(r, T.cert, "previews-cert");
        assert.equal(cert.inputs.domainName, "*.api.staging.example.com");
        assert.equal(cert.inputs.validationMethod, "DNS");
        // ACM names the wildcard's record after its base domain: the ALB's record, no second one.
        const albRecord = one(r, T.record, "alb-cert-validation");
        const validation = one(r, T.validation, "previews-cert-validation");
        assert.deepEqual((validation.inputs.validationRecordFqdns as string[]).map((n) => n.replace(/\.$/, "")), [albRecord.inputs.name]);
        assert.equal(byType(r, T.record).filter((x) => /validation/.test(x.name)).length, 1, "one validation record in the zone");
        const lc = one(r, T.listenerCert);
        const https = byType(r, T.listener).find((l) => l.inputs.port === 443)!;
        assert.equal(lc.inputs.listenerArn, https.state.arn);
        assert.equal(lc.inputs.certificateArn, cert.state.arn);
        // The ALB's own certificate is unchanged (no replacement of staging's listener certificate).
        assert.equal(one(r, T.cert, "alb-cert").inputs.domainName, "api.staging.example.com");
    });

    it("answers hosts of previews that do not exist with a 404 at the last priority, never with staging's API", async () => {
        const r = await goodPlan("staging");
        const rule = one(r, T.rule, "previews-unknown");
        assert.equal(rule.inputs.priority, 50000);
        assert.deepEqual(rule.inputs.conditions, [{ hostHeader: { values: ["*.api.staging.example.com"] } }]);
        const [action] = rule.inputs.actions as { type: string; fixedResponse: { statusCode: string } }[];
        assert.equal(action.type, "fixed-response");
        assert.equal(action.fixedResponse.statusCode, "404");
    });

    it("points wildcard DNS records, unproxied, at the load balancer and at Vercel: previews need no Cloudflare token", async () => {
        const r = await goodPlan("staging");
        const api = one(r, T.record, "previews-api-dns");
        assert.deepEqual([api.inputs.name, api.inputs.type, api.inputs.proxied], ["*.api.staging.example.com", "CNAME", false]);
        assert.equal(api.inputs.content, byType(r, "aws:lb/loadBalancer:LoadBalancer")[0].state.dnsName);
        const web = one(r, T.record, "previews-web-dns");
        assert.deepEqual([web.inputs.name, web.inputs.content, web.inputs.proxied], ["*.app.staging.example.com", "cname.vercel-dns.com", false]);
    });

    it("lets previews' web hosts upload to the bucket, and expires previews' objects after 30 days", async () => {
        const r = await goodPlan("staging");
        const uploads = byType(r, T.lifecycle).find((l) => l.parent.endsWith("::uploads"))!;
        const rules = uploads.inputs.rules as { id: string; filter?: { prefix?: string }; expiration?: { days: number } }[];
        assert.deepEqual(rules.filter((x) => x.filter?.prefix).map((x) => [x.id, x.filter?.prefix, x.expiration?.days]), [["expire-previews", "previews/", 30]]);
        const cors = byType(r, T.cors).find((c) => c.parent.endsWith("::uploads"))!;
        assert.ok((cors.inputs.corsRules as { allowedOrigins: string[] }[])[0].allowedOrigins.includes("https://*.app.staging.example.com"));
        assert.doesNotThrow(() => checkPrivateBucketArgs("b", { protect: false, corsOrigins: ["https://*.app.example.com"], expirePrefixes: [{ prefix: "previews/", days: 30 }] }));
        assert.throws(() => checkPrivateBucketArgs("b", { protect: false, corsOrigins: ["*"] }), /corsOrigins entries must be exact origins/);
        assert.throws(() => checkPrivateBucketArgs("b", { protect: false, expirePrefixes: [{ prefix: "/previews", days: 0 }] }), /expirePrefixes entries must be a key prefix ending in \/.*Example/);
    });

    it("exports previewBase (ids) and previewSecrets (secret): the contract previews read", async () => {
        const r = await goodPlan("staging");
        const base = r.outputs.previewBase;
        assert.equal(base.secret, false);
        const v = base.value as Record<string, unknown>;
        // (An absent part's key holds undefined, which an output does not keep: the worker has the api's image.)
        assert.deepEqual(Object.keys(v).filter((k) => v[k] !== undefined).sort(), ["albArnSuffix", "apiHost", "awsRegion", "containerPort", "database", "imageRepository", "listenerArn",
            "privateSubnetIds", "stack", "taskSecurityGroupIds", "uploads", "vercelProjectId", "vpcId", "webHost"]);
        assert.equal(v.apiHost, "api.staging.example.com");
        assert.deepEqual(v.database, { host: r.outputs.databaseEndpoint.value, port: 5432, name: "app" });
        assert.equal(r.outputs.previewSecrets.secret, true);
        const secrets = r.outputs.previewSecrets.value as { databaseAdminUrl: string; redisUrl: string; stripeSecretKey: string; appSecrets: Record<string, string> };
        assert.match(secrets.databaseAdminUrl, /^postgresql:\/\/app_owner:/);
        assert.match(secrets.stripeSecretKey, /^sk_test_/);
        assert.deepEqual(Object.keys(secrets.appSecrets), ["SENTRY_DSN"]);
    });

    it("adds nothing for previews when groundwork:previews is false (and prod has none)", async () => {
        for (const r of [await goodPlan("staging", { "groundwork:previews": false }), await goodPlan("prod")]) {
            assert.equal(byType(r, "groundwork:edge:PreviewHosting").length, 0, r.stack);
            assert.equal(r.outputs.previewBase, undefined);
            assert.equal(r.outputs.previewSecrets, undefined);
            assert.equal(byType(r, T.rule).length, 0);
        }
    });

    it("costs staging nothing more: certificates, rules and records are free", async () => {
        const [on, off] = [estimateCost(await goodPlan("staging")), estimateCost(await goodPlan("staging", { "groundwork:previews": false }))];
        assert.ok(Math.abs(on.total - off.total) < 1e-9, `${on.total} vs ${off.total}`);
    });
});

describe("config of previews refuses, naming the key", () => {
    it("previews in prod, with a proxied API, without an API, with the web app on the zone's apex, or without Vercel's branch builds", () => {
        refuses("prod", { "groundwork:previews": true }, "previews", /in prod.*only a staging stack hosts them/);
        refuses("staging", { "groundwork:apiProxied": true }, "previews", /cannot be combined with groundwork:apiProxied/);
        refuses("staging", { "groundwork:api": false, "groundwork:worker": false, "groundwork:database": "none", "groundwork:cache": "none",
            "groundwork:uploads": false, "groundwork:stripe": "none", "groundwork:stripeSecretKey": undefined }, "previews", /no API/);
        refuses("staging", { "groundwork:domain": "example.com", "groundwork:webHost": "@", "groundwork:webRedirectHosts": ["www"] }, "previews", /zone's apex/);
        refuses("staging", { "groundwork:webRelease": "stack", "groundwork:webRef": "0123456789abcdef0123456789abcdef01234567" }, "previews", /no previews of branches \(webRelease "stack"\)/);
        refuses("staging", { "groundwork:vercelGitRepository": "" }, "previews", /no previews of branches \(webRelease "cli"\)/);
    });

    it("preview-only keys on a stack that is not a preview", () => {
        refuses("staging", { "groundwork:previewBaseStack": "acme/groundwork/staging" }, "previewBaseStack", /not a preview stack/);
        refuses("prod", { "groundwork:previewSharedSecrets": ["SENTRY_DSN"] }, "previewSharedSecrets", /not a preview stack/);
    });

    it("a preview profile on a stack not named pr-<n>, a prod or preview base, or no base at all", () => {
        refuses("staging", { "groundwork:profile": "preview", "groundwork:previewBaseStack": "acme/groundwork/staging", "groundwork:previews": false,
            "groundwork:vpcCidr": undefined, "groundwork:dbInstanceClass": undefined, "groundwork:cacheNodeType": undefined,
            "groundwork:stripeSecretKey": undefined, "groundwork:appSecrets": undefined }, "profile", /stack is named "staging".*pr-<pull request number>/);
        refuses("pr-5", { "groundwork:previewBaseStack": "acme/groundwork/prod" }, "previewBaseStack", /production stack.*never reaches prod's data/);
        refuses("pr-5", { "groundwork:previewBaseStack": "acme/groundwork/pr-4" }, "previewBaseStack", /a preview/);
        refuses("pr-5", { "groundwork:previewBaseStack": undefined }, "previewBaseStack", /is not set.*base stack/);
        refuses("pr-5", { "groundwork:previewBaseStack": "staging" }, "previewBaseStack", /<organization>\/<project>\/<stack>/);
    });

    it("the base's own settings and credentials in a preview's config", () => {
        refuses("pr-5", { "groundwork:vpcCidr": "10.9.0.0/16" }, "vpcCidr", /base stack's setting.*network.*preview\/Pulumi\.preview\.yaml/);
        refuses("pr-5", { "groundwork:dbInstanceClass": "db.t4g.small" }, "dbInstanceClass", /database server/);
        refuses("pr-5", { "groundwork:stripeSecretKey": "sk_test_abc" }, "stripeSecretKey", /credentials are its own.*or the base stack's/);
        refuses("pr-5", { "groundwork:appSecrets": "{\"X\":\"y\"}" }, "appSecrets", /remove it/);
    });

    it("an external database (it would be shared with staging), a worker without a cache, a web app without a branch", () => {
        refuses("pr-5", { "groundwork:database": "external" }, "database", /would share that database with its base/);
        refuses("pr-5", { "groundwork:cache": "none" }, "cache", /BullMQ worker needs Redis/);
        const { problems } = problemsFor("pr-5", {}, undefined);
        assert.deepEqual(problems, [], "the engine's default branch is the stack's name");
        const noBranch = problemsFor("pr-5", { "groundwork:previewBranch": undefined });
        assert.ok(noBranch.problems.some((p) => p.key === "groundwork:previewBranch" && /Vercel's build of a git branch/.test(p.message)));
        refuses("pr-5", { "groundwork:previewBranch": "-bad..name" }, "previewBranch", /git branch name/);
        refuses("pr-5", { "groundwork:previewSharedSecrets": ["DATABASE_URL"] }, "previewSharedSecrets", /Groundwork sets itself/);
        // Vercel's deployment protection keeps Stripe from a preview deployment's route.
        refuses("pr-5", { "groundwork:stripeWebhookHost": "web", "groundwork:stripeWebhookPath": "/api/webhooks/stripe" }, "stripeWebhookHost", /deployment protection/);
    });

    it("gives a preview staging's safety rules, the preview profile's sizes, and nothing protected", () => {
        const { cfg } = problemsFor("pr-5", {}, "feature/x");
        assert.ok(cfg?.preview);
        assert.equal(cfg.profile, "staging");
        assert.equal(cfg.protectData, false);
        assert.deepEqual([cfg.api?.cpu, cfg.api?.memory, cfg.api?.minTasks, cfg.api?.maxTasks, cfg.worker?.minTasks, cfg.worker?.maxTasks], [256, 512, 1, 1, 1, 1]);
        assert.equal(cfg.spot.mode, "all");
        assert.equal(cfg.logRetentionDays, 3);
        assert.deepEqual([cfg.network, cfg.database, cfg.cache, cfg.uploads, cfg.stripe, cfg.frontend], [undefined, undefined, undefined, undefined, undefined, undefined],
            "the base's parts are not the preview's");
        assert.deepEqual(cfg.preview.database, { name: "pr_5", role: "pr_5_app" });
        assert.equal(cfg.preview.stripe?.mode, "test");
    });

    it("stops the whole plan before anything is registered", async () => {
        const r = await plan("pr-6", { "groundwork:vpcCidr": "10.9.0.0/16" }, { previewBranch: "x" });
        assert.deepEqual(problemKeys(r), ["groundwork:vpcCidr"]);
        assert.equal(registered(r).filter((x) => !x.read).length, 0);
        assert.ok(PROJECT_DIR);
    });
});
