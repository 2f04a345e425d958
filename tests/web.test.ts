/**
 * The web app as a full app: its secrets as sensitive Vercel variables, values the program routes
 * to it (and the ones Vercel cannot reach), one public/secret rule shared by the config module and
 * the policy pack, framework and build settings, prod's release gate, domain verification, and
 * the mail and verification records a stack file declares.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type * as cloudflare from "@pulumi/cloudflare";
import * as YAML from "yaml";
import { ConfigError, ConfigProblem, ConfigSource, loadConfig } from "../components/config/config";
import { DnsRecords, parseDnsRecord } from "../components/edge/dns-records";
import { PreviewHosting } from "../components/edge/preview-hosting";
import { SECRET_LOOKING_ENV_NAME } from "../components/edge/frontend";
import { WebRelease } from "../components/edge/web-release";
import { noPlainSecrets } from "../policies/no-plain-secrets";
import { publicVariableProblem } from "../policies/tables";
import { PROJECT_DIR, PlanRecord, RecordedResource, RunOptions, registered, resolveConfig } from "../tools/engine";
import { mockCall, mockState } from "../tools/mock-states";
import { evaluatePolicies, renderVerdict } from "../tools/policy-runner";
import { PROD_APEX_UNRELEASED, PROD_API_HOST_AND_RECORDS, STAGING_WEB_KEYS, byType, goodPlan, one, plan, problemKeys } from "./harness";

const PROJECT = "vercel:index/project:Project";
const ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable";
const DEPLOYMENT = "vercel:index/deployment:Deployment";
const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const WEBHOOK = "pulumi-nodejs:dynamic:Resource";

type Overrides = RunOptions["config"];

/** The problems the config module reports for a stack with overrides (no program run: fast). */
function problemsFor(stack: string, overrides: Overrides): ConfigProblem[] {
    const { config, problems } = resolveConfig({ stack, config: overrides });
    assert.deepEqual(problems, []);
    const source: ConfigSource = {
        project: "groundwork", stack, get: (k) => config[k]?.value, isSecret: (k) => !!config[k]?.secret, keys: () => Object.keys(config),
    };
    try {
        loadConfig(source);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems;
    }
    return [];
}

function refused(stack: string, overrides: Overrides, key: string, text: RegExp) {
    const problems = problemsFor(stack, overrides);
    const hit = problems.find((p) => p.key === `groundwork:${key}` && text.test(p.message));
    assert.ok(hit, `expected groundwork:${key} to be refused with ${text}, got ${JSON.stringify(problems)}`);
    return hit;
}

/** Mocks for constructing a component directly (its argument checks), as the other component tests do. */
const unitMocks = () => pulumi.runtime.setMocks({ newResource: (a) => mockState(a, "us-east-1"), call: (a) => mockCall(a, "us-east-1") }, "groundwork", "unit", false);

const variables = (r: PlanRecord) => Object.fromEntries(byType(r, ENV_VAR).map((v) => [String(v.inputs.key), v]));
const jwt = (payload: object) => `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.c2lnbmF0dXJlLW5vdC1yZWFs`;
const ANON = jwt({ iss: "supabase", ref: "epmopmfwauwcctnlrrbo", role: "anon" });
const SERVICE_ROLE = jwt({ iss: "supabase", ref: "epmopmfwauwcctnlrrbo", role: "service_role" });

// ---- one rule for what may be public -----------------------------------------------------------------

/** Names and values, and whether they may be a public (plain) variable of the web app. Staging's Stripe mode: test. */
const PUBLIC_TABLE: [string, string, boolean][] = [
    ["NEXT_PUBLIC_SITE_URL", "https://app.example.com", true],
    ["VITE_SUPABASE_URL", "https://epmopmfwauwcctnlrrbo.supabase.co", true],
    ["VITE_SUPABASE_ANON_KEY", ANON, true],
    ["STRIPE_PUBLISHABLE_KEY", "pk_test_51Hx0aBcDeFgHiJk", true],
    ["NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY", "pk_test_51Hx0aBcDeFgHiJk", true],
    ["NEXT_PUBLIC_STRIPE_KEY", "pk_test_51Hx0aBcDeFgHiJk", true],
    ["VITE_SUPABASE_KEY", "sb_publishable_a1b2c3d4e5", true],
    ["SENTRY_DSN", "https://0123abcd@o123.ingest.us.sentry.io/456", true],
    ["VITE_SENTRY_DSN", "https://0123abcd@o123.ingest.us.sentry.io/456", true],
    ["RECAPTCHA_SITE_KEY", "6LcA1b2c3d4e5f6g7h8i9j0kLmNoPqRsTuVwXyZ", true],
    ["EMAIL_FROM", "STS Strategies <noreply@example.com>", true],
    ["NEXT_PUBLIC_SERVICE_TOKEN", "abc", false],
    ["STRIPE_SECRET_KEY", "sk_test_abc123", false],
    ["NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY", "sk_test_abc123", false],
    ["VITE_SUPABASE_ANON_KEY", SERVICE_ROLE, false],
    ["SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE, false],
    ["VITE_API_URL", "postgresql://app:hunter2@db.example.com/app", false],
    ["VITE_OPENAI_API_KEY", "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx", false],
    ["NEXT_PUBLIC_ANALYTICS", "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx", false],
    ["SENTRY_DSN", "https://public:secret123@sentry.example.com/1", false],
    ["NEXT_PUBLIC_HOOK", "whsec_abc123", false],
    // AWS's documented example key id, built at run time so no key-shaped literal sits in the source.
    ["NEXT_PUBLIC_UPLOAD_ID", ["AKIA", "IOSFODNN7EXAMPLE"].join(""), false],
    ["SIGNING_CERT", "-----BEGIN PRIVATE KEY-----\nMIIE", false],
    ["GOOGLE_CLIENT_SECRET", "GOCSPX-abcdefghijklmnop", false],
];

/** Resend's and two verification records, as a staging stack file declares them. */
const RESEND = [
    "send MX 10 feedback-smtp.us-east-1.amazonses.com",
    "send TXT v=spf1 include:amazonses.com ~all",
    "resend._domainkey TXT p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQD2",
    "@ TXT google-site-verification=AbCdEf0123456789",
    "clerk CNAME frontend-api.clerk.services",
];
/** Staging (this file only): a web secret for production only, and Resend's records. */
const STAGING_SECRET_FOR_PRODUCTION: Overrides = {
    "groundwork:webSecrets": JSON.stringify({ REVALIDATE_TOKEN: "t0k3n" }), "groundwork:webSecretTargets": ["production"], "groundwork:dnsRecords": RESEND,
};
/** Prod (this file only): no repository (the Vercel CLI ships it), and domain verification with nothing pending. */
const PROD_CLI_VERIFIED: Overrides = { "groundwork:vercelGitRepository": undefined, "groundwork:webRef": undefined, "groundwork:vercelDomainVerification": true };
/**
 * Prod as committed (repository and webRef) in a world where Vercel asks verification (this file only): the apex with www,
 * verification, a mail record (so a DnsRecords component), and a web secret.
 */
const PROD_APEX_VERIFIED: Overrides = {
    "groundwork:vercelDomainVerification": true, "groundwork:webHost": "@", "groundwork:webRedirectHosts": ["www"], "groundwork:dnsRecords": ["pm-bounces CNAME pm.mtasv.net"],
    "groundwork:webSecrets": JSON.stringify({ REVALIDATE_TOKEN: "t0k3n" }),
};

/** A world where the web app's domains are held by another Vercel account, so Vercel asks for verification. */
const HELD = { world: { vercelDomainsHeldElsewhere: true } };

/** A Vite app (Asonti) in a folder with a space, on staging, shipping its own web app. */
const ASONTI: Overrides = {
    "groundwork:vercelFramework": "vite",
    "groundwork:vercelRootDirectory": undefined,
    "groundwork:vercelBuildCommand": "cd \"Asonti app\" && npm run build",
    "groundwork:vercelOutputDirectory": "Asonti app/dist",
    "groundwork:vercelNodeVersion": "22.x",
    "groundwork:webApiUrlVariable": "VITE_API_URL",
    "groundwork:webEnv": ["VITE_SUPABASE_URL=https://epmopmfwauwcctnlrrbo.supabase.co", `VITE_SUPABASE_ANON_KEY=${ANON}`],
    // Independent keys, asserted by the release gate's "a stack may ship its own web app too": one plan for both tests.
    "groundwork:webRelease": "stack", "groundwork:webRef": "0123456789abcdef0123456789abcdef01234567", "groundwork:previews": false,
};

/** A plan of one Vercel variable that is not sensitive, as the engine records it. */
function plainVercelVariable(key: string, value: string): PlanRecord {
    const type = ENV_VAR;
    const urn = `urn:pulumi:staging::groundwork::${type}::web-env`;
    const inputs = { key, value, sensitive: false, projectId: "prj_1", targets: ["production"] };
    const resource: RecordedResource = {
        type, name: "web-env", urn, id: "web-env-id", parent: "", custom: true, inputs, secretInputs: [], state: inputs, propertyDependencies: {},
        options: {
            provider: "", protect: false, retainOnDelete: false, deleteBeforeReplace: false, deletedWith: "", dependsOn: [], ignoreChanges: [],
            replaceOnChanges: [], additionalSecretOutputs: [], aliases: 0,
        },
    };
    return { project: "groundwork", stack: "staging", config: {}, resources: [resource], outputs: {}, problems: [], warnings: [], elapsedMs: 0 };
}

describe("the web app", () => {
    describe("public is public: one rule for groundwork:webEnv and the no-plain-secrets policy", () => {
        assert.ok(PUBLIC_TABLE.some(([, , ok]) => ok) && PUBLIC_TABLE.some(([, , ok]) => !ok));
        for (const [name, value, ok] of PUBLIC_TABLE) {
            it(`${ok ? "accepts" : "refuses"} ${name}=${value.slice(0, 14)}… as a public variable, in config and in the policy`, async () => {
                assert.equal(publicVariableProblem(name, value) === undefined, ok, "the shared rule");
                const problems = problemsFor("staging", { "groundwork:webEnv": [`${name}=${value}`] });
                assert.deepEqual(problems.map((p) => p.key), ok ? [] : ["groundwork:webEnv"], JSON.stringify(problems));
                if (!ok) {
                    assert.match(problems[0].message, /groundwork:webSecrets/, "says where a secret goes");
                    // Only the variable's name is shown, never the value.
                    if (value.length > 8) assert.ok(!problems[0].message.includes(value.slice(4)), problems[0].message);
                }
                const verdict = await evaluatePolicies(plainVercelVariable(name, value), { rules: [noPlainSecrets] });
                assert.equal(verdict.mandatory.length, ok ? 0 : 1, verdict.mandatory.map((v) => v.message).join("\n"));
            });
        }

        it("refuses a publishable key of the other Stripe mode (staging takes no live payments, prod none on test keys)", () => {
            refused("staging", { "groundwork:webEnv": ["STRIPE_PUBLISHABLE_KEY=pk_live_51Hx0aBc"] }, "webEnv", /live-mode Stripe key but the staging stack uses test mode/);
            refused("prod", { "groundwork:webEnv": ["STRIPE_PUBLISHABLE_KEY=pk_test_51Hx0aBc"] }, "webEnv", /test-mode Stripe key but the prod stack uses live mode/);
            assert.deepEqual(problemsFor("prod", { "groundwork:webEnv": ["STRIPE_PUBLISHABLE_KEY=pk_live_51Hx0aBc"] }), []);
        });

        it("refuses names Vercel's runtime reserves", () => {
            refused("staging", { "groundwork:webEnv": ["AWS_REGION=us-east-1"] }, "webEnv", /reserved by Vercel's runtime/);
            refused("staging", { "groundwork:webEnvAliases": ["VERCEL_URL=WEB_URL"] }, "webEnvAliases", /reserved by Vercel's runtime/);
        });

        it("tells a credential in webEnv to go to webSecrets, not appSecrets (which reach only ECS)", () => {
            const p = refused("staging", { "groundwork:webEnv": ["NEXTAUTH_SECRET=abc"] }, "webEnv", /named like a credential \(SECRET\)/);
            assert.match(p.message, /pulumi config set --secret webSecrets/);
            assert.doesNotMatch(p.message, /appSecrets/);
        });
    });

    describe("a Next.js app that is its own backend (004: Neon, Upstash, NextAuth, Resend, Stripe webhook on the web host)", () => {
        const STS: Overrides = {
            // No api: nothing routes previews (Pulumi.staging.yaml hosts them).
            "groundwork:previews": false,
            "groundwork:api": false,
            "groundwork:worker": true,
            "groundwork:workerImage": "own",
            "groundwork:uploads": false,
            "groundwork:database": "external",
            "groundwork:databaseUrl": "postgresql://app:neon-pass@ep-cool-name-123456.us-east-2.aws.neon.tech/app?sslmode=require",
            "groundwork:databaseUrlUnpooled": "postgresql://app:neon-pass@ep-cool-name-123456.us-east-2.aws.neon.tech/app?sslmode=require&direct=1",
            "groundwork:cache": "external",
            "groundwork:redisUrl": "rediss://default:upstash-pass@us1-cool-name-12345.upstash.io:6379",
            "groundwork:webHost": "@",
            "groundwork:webRedirectHosts": ["www"],
            "groundwork:stripeWebhookHost": "web",
            "groundwork:stripeWebhookPath": "/api/webhooks/stripe",
            "groundwork:stripeWebhookEvents": ["checkout.session.completed", "payment_intent.payment_failed"],
            "groundwork:migrateCommands": ["npx prisma migrate deploy"],
            "groundwork:migrateWorkingDirectory": "packages/database",
            "groundwork:generatedSecrets": ["NEXTAUTH_SECRET=alnum:44"],
            "groundwork:appSecrets": JSON.stringify({ RESEND_API_KEY: "re_worker_and_web", TV_SESSION_ID: "tv-session" }),
            "groundwork:webSecrets": JSON.stringify({ GOOGLE_CLIENT_SECRET: "GOCSPX-offline-not-a-secret", UPSTASH_REDIS_REST_TOKEN: "upstash-rest-token" }),
            "groundwork:webEnv": [
                "GOOGLE_CLIENT_ID=1234-abc.apps.googleusercontent.com", "STRIPE_PUBLISHABLE_KEY=pk_test_51Hx0aBcDeF", "STRIPE_PRICE_ID=price_1Abc",
                "UPSTASH_REDIS_REST_URL=https://us1-cool-name-12345.upstash.io", "EMAIL_FROM=STS Strategies <noreply@staging.example.com>",
                "NEXT_PUBLIC_APP_NAME=STS Strategies", "ADMIN_EMAIL=admin@example.com",
            ],
            "groundwork:webEnvAliases": [
                "DATABASE_URL", "DATABASE_URL_UNPOOLED", "REDIS_URL", "STRIPE_SECRET_KEY", "NEXTAUTH_SECRET", "RESEND_API_KEY",
                "NEXTAUTH_URL=WEB_URL", "NEXT_PUBLIC_APP_URL=WEB_URL",
            ],
            "groundwork:vercelRootDirectory": "apps/web",
            "groundwork:vercelInstallCommand": "cd ../.. && pnpm install",
            "groundwork:vercelBuildCommand": "cd ../.. && pnpm build --filter=@sts/web",
            "groundwork:vercelOutputDirectory": ".next",
        };
        /** The guide's web app variables, exactly. */
        const GUIDE = ["ADMIN_EMAIL", "DATABASE_URL", "DATABASE_URL_UNPOOLED", "EMAIL_FROM", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "NEXTAUTH_SECRET",
            "NEXTAUTH_URL", "NEXT_PUBLIC_APP_NAME", "NEXT_PUBLIC_APP_URL", "REDIS_URL", "RESEND_API_KEY", "STRIPE_PRICE_ID", "STRIPE_PUBLISHABLE_KEY",
            "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "UPSTASH_REDIS_REST_TOKEN", "UPSTASH_REDIS_REST_URL"];
        const SENSITIVE = ["DATABASE_URL", "DATABASE_URL_UNPOOLED", "GOOGLE_CLIENT_SECRET", "NEXTAUTH_SECRET", "REDIS_URL", "RESEND_API_KEY",
            "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "UPSTASH_REDIS_REST_TOKEN"];

        it("gives the web app exactly the guide's variables, the secret ones sensitive with secret values", async () => {
            const r = await goodPlan("staging", STS);
            const vars = variables(r);
            assert.deepEqual(Object.keys(vars).sort(), GUIDE);
            for (const [key, v] of Object.entries(vars)) {
                // Public-by-design keys named like credentials are stored write-only too (Frontend is stricter than the public rule).
                const secret = SENSITIVE.includes(key) || SECRET_LOOKING_ENV_NAME.test(key);
                assert.equal(v.inputs.sensitive, secret, `${key} sensitive`);
                if (secret) assert.ok(v.secretInputs.includes("value"), `${key}'s value is a Pulumi secret`);
                assert.equal(v.inputs.projectId, one(r, PROJECT).state.id);
            }
            assert.deepEqual(Object.keys(vars).filter((k) => vars[k].inputs.sensitive && !SENSITIVE.includes(k)), ["STRIPE_PUBLISHABLE_KEY"]);
            assert.equal(vars.STRIPE_PUBLISHABLE_KEY.inputs.value, "pk_test_51Hx0aBcDeF", "accepted as public");
            for (const k of ["GOOGLE_CLIENT_ID", "UPSTASH_REDIS_REST_URL", "NEXTAUTH_URL", "NEXT_PUBLIC_APP_URL"]) assert.equal(vars[k].inputs.sensitive, false, k);
            assert.equal(vars.NEXTAUTH_URL.inputs.value, "https://staging.example.com");
            assert.equal(vars.NEXT_PUBLIC_APP_URL.inputs.value, "https://staging.example.com");
            assert.equal(vars.DATABASE_URL.inputs.value, STS["groundwork:databaseUrl"]);
            assert.equal(vars.REDIS_URL.inputs.value, STS["groundwork:redisUrl"]);
            assert.equal(vars.RESEND_API_KEY.inputs.value, "re_worker_and_web", "an app secret routed by name");
            assert.equal(vars.GOOGLE_CLIENT_SECRET.inputs.value, "GOCSPX-offline-not-a-secret");
        });

        it("routes the generated NEXTAUTH_SECRET and the webhook's signing secret (web host) to the web app", async () => {
            const r = await goodPlan("staging", STS);
            const vars = variables(r);
            const whsec = String(one(r, WEBHOOK, "stripe-webhook").state.secret);
            assert.match(whsec, /^whsec_/);
            assert.equal(vars.STRIPE_WEBHOOK_SECRET.inputs.value, whsec);
            assert.equal(one(r, WEBHOOK, "stripe-webhook").inputs.url, "https://staging.example.com/api/webhooks/stripe");
            const generated = one(r, "random:index/randomPassword:RandomPassword", /nextauth-secret/);
            assert.equal(generated.inputs.length, 44);
            assert.equal(vars.NEXTAUTH_SECRET.inputs.value, generated.state.result, "the one generated value, shared with the app secret");
        });

        it("exports the whole web environment as a secret webEnv output", async () => {
            const r = await goodPlan("staging", STS);
            assert.equal(r.outputs.webEnv.secret, true);
            const env = r.outputs.webEnv.value as Record<string, string>;
            assert.deepEqual(Object.keys(env).sort(), GUIDE);
            assert.equal(env.UPSTASH_REDIS_REST_TOKEN, "upstash-rest-token");
        });

        it("takes the monorepo's build settings from the stack file", async () => {
            const p = one(await goodPlan("staging", STS), PROJECT);
            assert.equal(p.inputs.framework, "nextjs");
            assert.equal(p.inputs.rootDirectory, "apps/web");
            assert.equal(p.inputs.installCommand, "cd ../.. && pnpm install");
            assert.equal(p.inputs.buildCommand, "cd ../.. && pnpm build --filter=@sts/web");
            assert.equal(p.inputs.outputDirectory, ".next");
        });

        /** The same app's prod stack: live keys, and a role that may read the app secret. */
        const PROD_STS: Overrides = {
            ...STS, "groundwork:webEnv": ["STRIPE_PUBLISHABLE_KEY=pk_live_51Hx0aBcDeF"], "groundwork:secretReaderRoleArns": ["arn:aws:iam::123456789012:role/deploy"],
        };

        it("enables prod's web-hosted Stripe endpoint only once the stack's release exists, after its deployment", async () => {
            const r = await goodPlan("prod", PROD_STS);
            const activation = one(r, WEBHOOK, "stripe-webhook-enabled");
            assert.ok(activation.options.dependsOn.includes(one(r, DEPLOYMENT).urn), "Stripe delivers only to a deployed app");
            const unreleased = await goodPlan("prod", { ...PROD_STS, "groundwork:webRef": undefined });
            assert.deepEqual(byType(unreleased, WEBHOOK).map((x) => x.name), ["stripe-webhook"], "created disabled, not enabled");
        });

        it("passes the policy pack with secrets on Vercel (sensitive) and the webhook on the web host", async () => {
            for (const stack of ["staging", "prod"]) {
                const overrides = stack === "prod" ? PROD_STS : STS;
                const r = await goodPlan(stack, overrides);
                const verdict = await evaluatePolicies(r);
                assert.deepEqual(verdict.mandatory, [], renderVerdict(verdict, r).join("\n"));
                assert.ok(byType(r, ENV_VAR).some((v) => v.inputs.sensitive === true), "there are sensitive variables to check");
            }
        });
    });

    describe("routing values to the web app (groundwork:webEnvAliases)", () => {
        it("refuses the private RDS database and ElastiCache: Vercel cannot reach the stack's VPC", async () => {
            const db = refused("staging", { "groundwork:webEnvAliases": ["DATABASE_URL"] }, "webEnvAliases", /DATABASE_URL=DATABASE_URL: The RDS database .* private VPC subnets, which Vercel's functions cannot reach/);
            assert.match(db.message, /database: external/);
            refused("staging", { "groundwork:webEnvAliases": ["CACHE=REDIS_URL"] }, "webEnvAliases", /CACHE=REDIS_URL: The ElastiCache cache .*cannot reach.*cache: external/);
            // Refused before any resource exists.
            const r = await plan("staging", { "groundwork:webEnvAliases": ["DATABASE_URL"] });
            assert.deepEqual(problemKeys(r), ["groundwork:webEnvAliases"]);
            assert.equal(registered(r).length, 0);
        });

        it("refuses what exists only inside the ECS tasks, and the API's webhook secret", () => {
            refused("staging", { "groundwork:webEnvAliases": ["S3_BUCKET"] }, "webEnvAliases", /IAM role; Vercel has no AWS credentials/);
            refused("staging", { "groundwork:webEnvAliases": ["PGSSLROOTCERT"] }, "webEnvAliases", /file inside the ECS tasks/);
            refused("staging", { "groundwork:webEnvAliases": ["PORT"] }, "webEnvAliases", /port the api container listens on/);
            refused("staging", { "groundwork:webEnvAliases": ["STRIPE_WEBHOOK_SECRET"] }, "webEnvAliases", /signs the events Stripe sends to the API/);
        });

        it("refuses an unknown source, listing what this stack has", () => {
            const p = refused("staging", { "groundwork:webEnvAliases": ["X=NOPE"] }, "webEnvAliases", /no value named NOPE; known here: /);
            for (const name of ["API_URL", "JWT_SECRET", "STRIPE_SECRET_KEY", "WEB_URL"]) assert.match(p.message, new RegExp(name));
            assert.doesNotMatch(p.message, /DATABASE_URL/, "a refused source is not offered");
        });

        it("refuses a secret under a browser prefix, which would ship it to every visitor", () => {
            refused("staging", { "groundwork:webEnvAliases": ["NEXT_PUBLIC_JWT=JWT_SECRET"] }, "webEnvAliases", /secret and NEXT_PUBLIC_JWT has a browser prefix/);
        });

        it("refuses a name that is already a web variable, and bad entries", () => {
            refused("staging", { "groundwork:webEnvAliases": ["NEXT_PUBLIC_API_URL=WEB_URL"] }, "webEnvAliases", /already a variable of the web app/);
            refused("staging", { "groundwork:webEnvAliases": ["a=b"] }, "webEnvAliases", /must be NAME=SOURCE/);
            refused("staging", { "groundwork:frontend": false, "groundwork:webEnvAliases": ["X=API_URL"], "groundwork:stripe": "key" }, "webEnvAliases", /frontend is false/);
        });

        it("says where a generated secret lives when the stack runs no service", () => {
            refused("staging", {
                "groundwork:api": false, "groundwork:worker": false, "groundwork:database": "none", "groundwork:cache": "none", "groundwork:uploads": false,
                "groundwork:stripe": "none", "groundwork:generatedSecrets": ["NEXTAUTH_SECRET"], "groundwork:webEnvAliases": ["NEXTAUTH_SECRET"],
            }, "webEnvAliases", /generatedSecrets live in the app secret, which exists only with an api or worker: put NEXTAUTH_SECRET in webSecrets/);
        });

        it("routes a plain value as a plain variable", async () => {
            const vars = variables(await goodPlan("staging", STAGING_WEB_KEYS));
            assert.equal(vars.NEXTAUTH_URL.inputs.value, "https://app.staging.example.com");
            assert.equal(vars.BACKEND.inputs.value, "https://api.staging.example.com/api/v1");
            assert.equal(vars.BACKEND.inputs.sensitive, false);
        });
    });

    describe("the web app's secrets (groundwork:webSecrets)", () => {
        it("become sensitive variables for the targets the stack chooses", async () => {
            const r = await goodPlan("staging", STAGING_SECRET_FOR_PRODUCTION);
            const v = variables(r).REVALIDATE_TOKEN;
            assert.equal(v.inputs.sensitive, true);
            assert.ok(v.secretInputs.includes("value"));
            assert.deepEqual(v.inputs.targets, ["production"], "previews do not get it");
            assert.deepEqual(variables(r).NEXT_PUBLIC_API_URL.inputs.targets, ["production", "preview"], "public variables still reach previews");
            assert.ok(!("groundwork:webSecretTargets" in STAGING_WEB_KEYS), "the default targets");
            const both = variables(await goodPlan("staging", STAGING_WEB_KEYS)).REVALIDATE_TOKEN;
            assert.deepEqual(both.inputs.targets, ["production", "preview"]);
            const prod = variables(await goodPlan("prod", PROD_APEX_VERIFIED, HELD)).REVALIDATE_TOKEN;
            assert.deepEqual(prod.inputs.targets, ["production"], "prod builds no previews");
        });

        it("refuses a plain-text value, a non-object, bad and public names, clashes and the other Stripe mode", () => {
            refused("staging", { "groundwork:webSecrets": { plainText: JSON.stringify({ A_TOKEN: "x" }) } }, "webSecrets", /stored in plain text/);
            refused("staging", { "groundwork:webSecrets": "[1,2]" }, "webSecrets", /JSON object of NAME to string value/);
            refused("staging", { "groundwork:webSecrets": JSON.stringify({ "bad-name": "x" }) }, "webSecrets", /UPPER_SNAKE_CASE/);
            refused("staging", { "groundwork:webSecrets": JSON.stringify({ VITE_SECRET: "x" }) }, "webSecrets", /browser prefix/);
            refused("staging", { "groundwork:webSecrets": JSON.stringify({ API_BASE: "x" }), "groundwork:webApiUrlVariable": "API_BASE" }, "webSecrets", /groundwork:webEnv \(the API URL variable\) also sets/);
            refused("staging", { "groundwork:webSecrets": JSON.stringify({ SHARED: "x" }), "groundwork:webEnv": ["SHARED=y"] }, "webSecrets", /SHARED, which groundwork:webEnv also sets/);
            refused("staging", { "groundwork:webSecrets": JSON.stringify({ STRIPE_SECRET_KEY: "sk_live_abc" }) }, "webSecrets", /live-mode Stripe key but the staging stack uses test mode/);
            refused("staging", { "groundwork:frontend": false, "groundwork:stripe": "key", "groundwork:webSecrets": JSON.stringify({ A: "x" }) }, "webSecrets", /frontend is false/);
        });

        it("refuses targets other than production and preview", () => {
            refused("staging", { "groundwork:webSecretTargets": ["development"] }, "webSecretTargets", /"production" and\/or "preview"/);
            refused("staging", { "groundwork:webSecretTargets": [] }, "webSecretTargets", /at least one target/);
            refused("prod", { "groundwork:webSecretTargets": ["preview"] }, "webSecretTargets", /builds no previews \(prod never does\); use \["production"\]/);
        });
    });

    describe("framework and build settings", () => {
        it("plans a Vite app as a Vite project with its build command, output directory and Node version", async () => {
            const r = await goodPlan("staging", ASONTI);
            const p = one(r, PROJECT);
            assert.equal(p.inputs.framework, "vite");
            assert.equal(p.inputs.buildCommand, "cd \"Asonti app\" && npm run build");
            assert.equal(p.inputs.outputDirectory, "Asonti app/dist");
            assert.equal(p.inputs.nodeVersion, "22.x");
            assert.equal(p.inputs.rootDirectory, undefined);
            assert.equal(p.inputs.installCommand, undefined, "left to Vercel's detection");
            const vars = variables(r);
            assert.deepEqual(Object.keys(vars).sort(), ["VITE_API_URL", "VITE_SUPABASE_ANON_KEY", "VITE_SUPABASE_URL"]);
            assert.equal(vars.VITE_API_URL.inputs.value, "https://api.staging.example.com/api/v1");
            assert.equal(vars.VITE_SUPABASE_ANON_KEY.inputs.value, ANON, "the anon key is accepted");
            assert.deepEqual((await evaluatePolicies(r)).mandatory, []);
        });

        it("defaults to Next.js with Vercel's own detection of the rest", async () => {
            const p = one(await goodPlan("staging"), PROJECT);
            assert.equal(p.inputs.framework, "nextjs");
            for (const k of ["installCommand", "buildCommand", "outputDirectory", "nodeVersion"]) assert.equal(p.inputs[k], undefined, k);
        });

        it("refuses a framework Vercel does not list, a retired or unknown Node version, and bad commands or paths", () => {
            refused("staging", { "groundwork:vercelFramework": "next" }, "vercelFramework", /Vercel's framework presets: nextjs, vite/);
            refused("staging", { "groundwork:vercelNodeVersion": "18.x" }, "vercelNodeVersion", /stopped building with Node.js 18.x on 2025-09-01; use 22.x or 24.x/);
            refused("staging", { "groundwork:vercelNodeVersion": "20.x" }, "vercelNodeVersion", /stopped building with Node.js 20.x/);
            refused("staging", { "groundwork:vercelNodeVersion": "26.x" }, "vercelNodeVersion", /not a Node.js version Vercel builds with/);
            refused("staging", { "groundwork:vercelNodeVersion": "22" }, "vercelNodeVersion", /Node.js major as Vercel names it/);
            refused("staging", { "groundwork:vercelBuildCommand": "STRIPE=sk_live_abc123 npm run build" }, "vercelBuildCommand", /holds a Stripe secret key.*webSecrets/);
            refused("staging", { "groundwork:vercelInstallCommand": "npm ci\nnpm run x" }, "vercelInstallCommand", /one line/);
            refused("staging", { "groundwork:vercelOutputDirectory": "../dist" }, "vercelOutputDirectory", /without \.\./);
        });
    });

    describe("the release gate", () => {
        it("prod: pushes deploy nothing, no previews; the prod deploy ships the committed commit, after the API", async () => {
            const r = await goodPlan("prod");
            const p = one(r, PROJECT);
            assert.deepEqual(p.inputs.gitProviderOptions, { createDeployments: false });
            assert.equal(p.inputs.previewDeploymentsDisabled, true);
            assert.deepEqual(p.inputs.gitRepository, { type: "github", repo: "acme/acme-app", productionBranch: "main" }, "still linked: the deployment builds from it");
            const d = one(r, DEPLOYMENT);
            const ref = String(r.config["groundwork:webRef"].value);
            assert.match(ref, /^[0-9a-f]{40}$/);
            assert.deepEqual([d.inputs.ref, d.inputs.production, d.inputs.projectId], [ref, true, p.state.id]);
            assert.notEqual(d.inputs.deleteOnDestroy, true, "earlier deployments stay for Vercel's instant rollback");
            const api = one(r, "groundwork:compute:WebService", "api");
            const apiService = r.resources.find((x) => x.type === "aws:ecs/service:Service" && x.urn.includes(api.type));
            assert.ok(apiService && d.options.dependsOn.includes(apiService.urn), "the deployment waits for the API's rollout");
            for (const v of byType(r, ENV_VAR)) assert.ok(d.options.dependsOn.includes(v.urn), `the build waits for ${v.inputs.key}`);
            for (const v of byType(r, ENV_VAR)) assert.deepEqual(v.inputs.targets, ["production"], `${v.inputs.key}: no preview target in prod`);
        });

        it("shows in the plan which commit and workflow ship prod's web app, and that staging ships from main", async () => {
            const prod = (await goodPlan("prod")).outputs.webRelease;
            assert.equal(prod.secret, false, "visible in the plan");
            const p = prod.value as Record<string, unknown>;
            assert.equal(p.mode, "stack");
            assert.match(String(p.ref), /^[0-9a-f]{40}$/);
            assert.match(String(p.shippedBy), /pulumi up --stack prod \(\.github\/workflows\/deploy-prod\.yml\), after the API; pushes deploy nothing/);
            assert.equal(p.previews, false);
            const s = (await goodPlan("staging")).outputs.webRelease.value as Record<string, unknown>;
            assert.deepEqual([s.mode, s.branch, s.previews, s.shippedBy], ["git", "main", true, "Vercel, on each push to main of acme/acme-app"]);
        });

        it("staging keeps deploying from main, with previews, and no deployment of its own", async () => {
            const r = await goodPlan("staging");
            const p = one(r, PROJECT);
            assert.deepEqual(p.inputs.gitProviderOptions, { createDeployments: true });
            assert.equal(p.inputs.previewDeploymentsDisabled, false);
            assert.deepEqual(byType(r, DEPLOYMENT), []);
        });

        it("prod without a committed webRef: nothing ships yet, and the plan says so", async () => {
            const r = await goodPlan("prod", PROD_APEX_UNRELEASED);
            assert.deepEqual(byType(r, DEPLOYMENT), []);
            assert.deepEqual(one(r, PROJECT).inputs.gitProviderOptions, { createDeployments: false });
            assert.match(String((r.outputs.webRelease.value as Record<string, unknown>).shippedBy), /^nothing yet: set groundwork:webRef/);
        });

        it("prod without a repository: the Vercel CLI ships it, and still no previews", async () => {
            const r = await goodPlan("prod", PROD_CLI_VERIFIED);
            const p = one(r, PROJECT);
            assert.equal(p.inputs.gitRepository, undefined);
            assert.equal(p.inputs.gitProviderOptions, undefined);
            assert.equal(p.inputs.previewDeploymentsDisabled, true);
            assert.equal((r.outputs.webRelease.value as Record<string, unknown>).mode, "cli");
        });

        it("a stack may ship its own web app too (staging with webRelease stack)", async () => {
            // (A stack that ships its own web app builds no branch previews, so it hosts no pull-request previews.)
            const r = await goodPlan("staging", ASONTI);
            assert.deepEqual([ASONTI["groundwork:webRelease"], ASONTI["groundwork:previews"]], ["stack", false]);
            assert.equal(one(r, DEPLOYMENT).inputs.ref, "0123456789abcdef0123456789abcdef01234567");
            assert.equal(one(r, PROJECT).inputs.previewDeploymentsDisabled, true);
        });

        it("refuses a webRef that would not ship or not pin, and stack releases without a repository", () => {
            refused("staging", { "groundwork:webRef": "0123456789abcdef0123456789abcdef01234567" }, "webRef", /webRelease is "git": Vercel deploys the production branch itself/);
            refused("prod", { "groundwork:webRef": "main" }, "webRef", /full 40-character commit SHA/);
            refused("prod", { "groundwork:webRef": "3f9c2ab" }, "webRef", /full 40-character commit SHA/);
            refused("prod", { "groundwork:vercelGitRepository": undefined }, "webRef", /no repository is linked/);
            refused("staging", { "groundwork:webRelease": "stack", "groundwork:vercelGitRepository": undefined }, "webRelease", /no repository is linked/);
            refused("staging", { "groundwork:webRelease": "release" }, "webRelease", /"git" .* or "stack"/);
        });

        it("WebRelease refuses a ref that is not a full commit SHA", async () => {
            await unitMocks();
            assert.throws(() => new WebRelease("unit-release", { projectId: "prj_1", ref: "main" }), /ref must be a full 40-character commit SHA.*Example: 3f9c2ab8/);
        });
    });

    describe("what a later up or a destroy does to the project", () => {
        it("puts prod's project in a Vercel team of its own: the staging and pull-request tokens (team-wide) cannot reach it", async () => {
            const team = async (stack: string) => one(await goodPlan(stack), "pulumi:providers:vercel").inputs.team;
            assert.ok(await team("prod"));
            assert.notEqual(await team("prod"), await team("staging"));
        });

        it("protects prod's project (its deployments and rollback), not staging's", async () => {
            assert.equal(one(await goodPlan("prod"), PROJECT).options.protect, true);
            assert.equal(one(await goodPlan("staging"), PROJECT).options.protect, false);
        });

        it("replaces a variable by deleting it first (Vercel refuses a second of the same key and target)", async () => {
            for (const r of [await goodPlan("prod"), await goodPlan("pr-123", undefined, { previewBranch: "feature/x" })]) {
                const vars = byType(r, ENV_VAR);
                assert.ok(vars.length > 0, r.stack);
                for (const v of vars) assert.equal(v.options.deleteBeforeReplace, true, `${r.stack} ${v.name}`);
            }
        });
    });

    describe("domain verification", () => {

        it("creates the _vercel TXT record Vercel asks for, from its challenge, unproxied", async () => {
            const r = await goodPlan("prod", PROD_APEX_VERIFIED, HELD);
            const txt = byType(r, RECORD).filter((x) => x.inputs.type === "TXT");
            assert.deepEqual(txt.map((x) => x.inputs.name).sort(), ["_vercel.example.com", "_vercel.www.example.com"]);
            for (const x of txt) {
                assert.match(String(x.inputs.content), /^"vc-domain-verify=(www\.)?example\.com,[0-9a-f]{20}"$/);
                assert.equal(x.inputs.proxied, false);
                assert.deepEqual(x.options.ignoreChanges.sort(), ["content", "name"], "kept once Vercel stops issuing the challenge");
            }
            assert.deepEqual(r.outputs.webDomainsVerified.value, { "example.com": false, "www.example.com": false });
        });

        it("refuses a vercelDomainVerification that is not a boolean", async () => {
            const r = await plan("prod", { "groundwork:vercelDomainVerification": "yes" });
            assert.deepEqual(problemKeys(r), ["groundwork:vercelDomainVerification"]);
            assert.equal(registered(r).length, 0);
        });

        it("creates none unless asked, and warns when asked with nothing pending", async () => {
            const off = await goodPlan("prod", {}, HELD);
            assert.deepEqual(byType(off, RECORD).filter((x) => x.inputs.type === "TXT"), []);
            assert.deepEqual(off.outputs.webDomainsVerified.value, { "app.example.com": false });
            const idle = await goodPlan("prod", PROD_CLI_VERIFIED);
            assert.ok(idle.warnings.some((w) => /Vercel asks no verification for app\.example\.com/.test(w)), idle.warnings.join("\n"));
            assert.deepEqual(idle.outputs.webDomainsVerified.value, { "app.example.com": true });
        });
    });

    describe("mail and verification records (groundwork:dnsRecords)", () => {
        it("creates Postmark's records in prod's domain, DNS-only, named after their role, owned by the stack", async () => {
            const r = await goodPlan("prod", PROD_API_HOST_AND_RECORDS);
            const mine = byType(r, RECORD).filter((x) => x.name.startsWith("dns-records-"));
            assert.deepEqual(mine.map((x) => [x.name, x.inputs.type, x.inputs.name, x.inputs.content]), [
                ["dns-records-20240115pm-_domainkey-txt", "TXT", "20240115pm._domainkey.example.com", "\"k=rsa;p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1\""],
                ["dns-records-pm-bounces-cname", "CNAME", "pm-bounces.example.com", "pm.mtasv.net"],
                ["dns-records-_dmarc-txt", "TXT", "_dmarc.example.com", "\"v=DMARC1; p=none; rua=mailto:dmarc@example.com\""],
            ]);
            for (const x of mine) {
                assert.equal(x.inputs.proxied, false);
                assert.equal(x.inputs.ttl, 300);
                assert.match(String(x.inputs.comment), /groundwork:dnsRecords of stack prod/);
                assert.equal(x.inputs.zoneId, record(r, "app.example.com")?.inputs.zoneId);
            }
        });

        const record = (r: PlanRecord, host: string) => byType(r, RECORD).find((x) => x.inputs.name === host);

        it("creates Resend's records in staging's own domain, MX with its priority", async () => {
            const r = await goodPlan("staging", STAGING_SECRET_FOR_PRODUCTION);
            const mx = byType(r, RECORD).find((x) => x.inputs.type === "MX");
            assert.deepEqual([mx?.inputs.name, mx?.inputs.content, mx?.inputs.priority], ["send.staging.example.com", "feedback-smtp.us-east-1.amazonses.com", 10]);
            assert.equal(record(r, "staging.example.com")?.inputs.content, "\"google-site-verification=AbCdEf0123456789\"");
            assert.equal(record(r, "resend._domainkey.staging.example.com")?.inputs.type, "TXT");
            assert.equal(byType(r, RECORD).filter((x) => x.name.startsWith("dns-records-")).length, RESEND.length);
            const verdict = await evaluatePolicies(r);
            assert.deepEqual(verdict.mandatory, [], renderVerdict(verdict, r).join("\n"));
        });

        it("README's Postmark and Resend examples are valid records", () => {
            const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
            const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => YAML.parse(m[1]) as Record<string, unknown> | null)
                .filter((b): b is Record<string, string[]> => !!b && Array.isArray(b["groundwork:dnsRecords"]));
            assert.equal(blocks.length, 2, "a Postmark and a Resend example");
            const all = blocks.flatMap((b) => b["groundwork:dnsRecords"]);
            for (const want of ["pm-bounces CNAME pm.mtasv.net", "send MX 10 feedback-smtp.us-east-1.amazonses.com"]) assert.ok(all.includes(want), want);
            for (const b of blocks) assert.deepEqual(problemsFor("prod", { "groundwork:dnsRecords": b["groundwork:dnsRecords"] }), []);
        });

        it("parses names relative to the domain, full names inside it, and quotes TXT content", () => {
            assert.deepEqual(parseDnsRecord("_dmarc.example.com TXT v=DMARC1; p=none", "example.com", "example.com"),
                { record: { name: "_dmarc.example.com", type: "TXT", content: "\"v=DMARC1; p=none\"" } });
            assert.deepEqual(parseDnsRecord("@ txt say \"hi\"", "staging.example.com", "example.com"),
                { record: { name: "staging.example.com", type: "TXT", content: "\"say \\\"hi\\\"\"" } });
            assert.deepEqual(parseDnsRecord("bounce CNAME pm.mtasv.net.", "example.com", "example.com"),
                { record: { name: "bounce.example.com", type: "CNAME", content: "pm.mtasv.net" } });
        });

        it("splits a TXT value longer than 255 bytes (a 2048-bit DKIM key) into strings as Cloudflare stores it, so it reads back unchanged", () => {
            const key = `v=DKIM1; k=rsa; p=${"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA".repeat(9)}`;
            const parsed = parseDnsRecord(`google._domainkey TXT ${key}`, "example.com", "example.com");
            assert.ok("record" in parsed, JSON.stringify(parsed));
            const content = parsed.record.content;
            const strings = [...content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
            assert.ok(key.length > 255 && strings.length === 2, content.slice(0, 80));
            assert.ok(strings.every((x) => Buffer.byteLength(x) <= 255));
            assert.equal(strings.join(""), key);
            assert.equal(content, `"${strings[0]}" "${strings[1]}"`);
        });

        it("keeps every record's comment within the 100 characters Cloudflare's Free plan allows", async () => {
            // The API certificate's validation record names its host: 63 characters of label push it past 100.
            assert.equal(String(PROD_API_HOST_AND_RECORDS["groundwork:apiHost"]).length, 63);
            const r = await goodPlan("prod", PROD_API_HOST_AND_RECORDS);
            const comments = byType(r, "cloudflare:index/dnsRecord:DnsRecord").map((x) => String(x.inputs.comment ?? ""));
            assert.ok(comments.length >= 4 && comments.some((c) => c.includes("Vercel")), comments.join("\n"));
            for (const c of comments) assert.ok(c.length <= 100, `${c.length}: ${c}`);
            assert.ok(comments.some((c) => c.endsWith("…")), "a comment naming the long host is cut");
        });

        const BAD: [string, string, RegExp][] = [
            ["staging", "@ A 1.2.3.4", /type A is not one of TXT, CNAME, MX/],
            ["staging", "_dmarc.example.com TXT v=DMARC1; p=none", /outside this stack's domain staging\.example\.com/],
            ["staging", "app CNAME elsewhere.example.net", /a record the program owns/],
            ["prod", "api TXT hello", /a record the program owns/],
            ["prod", "@ CNAME elsewhere.example.net", /a CNAME at the domain itself/],
            ["prod", "send MX feedback-smtp.us-east-1.amazonses.com", /MX must be "<name> MX <priority> <host>"/],
            ["prod", "send MX 70000 feedback-smtp.us-east-1.amazonses.com", /priority 0-65535/],
            ["prod", "bounce CNAME https://pm.mtasv.net/x", /must be a host name/],
            ["prod", "_dmarc TXT p=none", /must start with "v=DMARC1;"/],
            ["prod", "s1._domainkey TXT k=rsa", /public key as p=/],
            ["prod", "key TXT -----BEGIN PRIVATE KEY-----MIIE", /holds a private key/],
            ["prod", "x TXT café", /printable ASCII/],
            ["prod", "bad_label! TXT x", /is not a DNS label/],
            ["prod", "just-a-name", /must be "<name> <TYPE> \[<priority>\] <content>"/],
        ];
        for (const [stack, entry, text] of BAD) {
            it(`refuses "${entry}" (${stack}) naming the key`, () => refused(stack, { "groundwork:dnsRecords": [entry] }, "dnsRecords", text));
        }

        it("refuses records that would clash with each other or with the program's", () => {
            refused("prod", { "groundwork:dnsRecords": ["x CNAME a.example.net", "x TXT hello"] }, "dnsRecords", /a CNAME's name holds nothing else/);
            refused("prod", { "groundwork:dnsRecords": ["@ TXT v=spf1 include:amazonses.com ~all", "@ TXT v=spf1 include:mtasv.net ~all"] }, "dnsRecords", /already has an SPF record/);
            refused("prod", { "groundwork:dnsRecords": ["_dmarc TXT v=DMARC1; p=none", "_dmarc TXT v=DMARC1; p=reject"] }, "dnsRecords", /already has a DMARC record/);
            refused("prod", { "groundwork:dnsRecords": ["a TXT x", "a TXT x"] }, "dnsRecords", /listed twice/);
            refused("prod", { "groundwork:dnsRecords": [`_${"a".repeat(32)}.api CNAME _x.acm-validations.aws`] }, "dnsRecords", /validation record, which the load balancer owns/);
            refused("prod", { "groundwork:vercelDomainVerification": true, "groundwork:dnsRecords": ["_vercel TXT vc-domain-verify=app.example.com,abc"] }, "dnsRecords", /program creates the _vercel/);
            // At the apex beside the web app's A record, mail and verification records are fine.
            assert.deepEqual(problemsFor("prod", { "groundwork:webHost": "@", "groundwork:dnsRecords": ["@ MX 10 mx.example.net", "@ TXT google-site-verification=x"] }), []);
        });

        it("the component itself refuses a record outside its zone and a CNAME beside another record", async () => {
            await unitMocks();
            const base = { zoneId: "z", zoneName: "example.com", declaredBy: "test" };
            assert.throws(() => new DnsRecords("unit-d1", { ...base, records: [{ name: "x.example.org", type: "TXT", content: "\"a\"" }] }), /x\.example\.org is not in the zone example\.com/);
            assert.throws(() => new DnsRecords("unit-d2", { ...base, records: [{ name: "x.example.com", type: "CNAME", content: "a.example.net" }, { name: "x.example.com", type: "TXT", content: "\"a\"" }] }),
                /a CNAME's name holds nothing else/);
            assert.throws(() => new DnsRecords("unit-d3", { ...base, records: [], ttl: 5 }), /ttl must be whole seconds 60-86400/);
            // The previews' wildcard records keep to the same Cloudflare minimum.
            const hosting = { apiWildcard: "*.api.staging.example.com", listenerArn: "l", albDnsName: "a", validationRecordName: "v", zoneId: "z",
                cloudflareProvider: undefined as unknown as cloudflare.Provider };
            assert.throws(() => new PreviewHosting("unit-h1", { ...hosting, ttl: 30 }), /ttl must be whole seconds between 60 and 86400, got 30/);
        });
    });

    describe("component conventions", () => {
        it("documents every Args field of the web and DNS components with @default and @example", () => {
            let fields = 0;
            for (const file of ["frontend.ts", "web-release.ts", "web-env.ts", "dns-records.ts", "dns.ts"]) {
                const source = fs.readFileSync(path.join(PROJECT_DIR, "components", "edge", file), "utf8");
                for (const [, iface, body] of source.matchAll(/export interface (\w+Args)\b[^{]*\{([\s\S]*?)\n\}/g)) {
                    for (const [, tsdoc, field] of body.matchAll(/(\/\*\*[\s\S]*?\*\/)?\s*\n {4}(\w+)\??:/g)) {
                        fields++;
                        assert.ok(tsdoc, `${file} ${iface}.${field} has TSDoc`);
                        assert.match(tsdoc, /@default /, `${file} ${iface}.${field} has @default`);
                        assert.match(tsdoc, /@example /, `${file} ${iface}.${field} has @example`);
                    }
                }
            }
            assert.ok(fields > 25, `found ${fields} Args fields`);
        });

        it("names every child of the new components `${component}-<role>` under its component", async () => {
            const r = await goodPlan("prod", PROD_APEX_VERIFIED, HELD);
            const comps = r.resources.filter((x) => ["groundwork:edge:WebRelease", "groundwork:edge:DnsRecords", "groundwork:edge:Dns"].includes(x.type));
            assert.equal(comps.length, 3);
            for (const c of comps) {
                const children = r.resources.filter((x) => x.parent === c.urn);
                assert.ok(children.length > 0, c.name);
                for (const child of children) assert.ok(child.name.startsWith(`${c.name}-`), `${child.name} under ${c.name}`);
            }
        });
    });
});
