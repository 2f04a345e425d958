/**
 * Each key issue 12 added (hosts, API base, migrations, the worker's image and health check, the
 * web app's root, Stripe's events and Connect, the unpooled database URL, uploads), given a bad
 * value: refused before any resource is registered, with one problem that names the key, says what
 * is wrong and gives an example of a good value.
 */
import { strict as assert } from "assert";
import { registered } from "../tools/engine";
import { WEB_ONLY, plan, problemKeys } from "./harness";

type Overrides = Record<string, string | number | boolean | string[] | undefined>;

const NEON = "postgresql://app:neon-pw@ep-cool-name-123456.us-east-2.aws.neon.tech:5432/app?sslmode=require";
const NEON_DIRECT = "postgresql://app:neon-pw@ep-cool-name-123456-direct.us-east-2.aws.neon.tech/app?sslmode=require";

interface Refusal {
    what: string;
    stack?: string;
    config: Overrides;
    /** The one key refused. */
    key: string;
    /** What is wrong. */
    wrong: RegExp;
    /** The good value the message shows. */
    example: RegExp;
    /** A string the message must not hold (a secret value). */
    hidden?: string;
}

const REFUSALS: Refusal[] = [
    { what: "a web host that is not one DNS label", config: { "groundwork:webHost": "app.web" }, key: "groundwork:webHost",
        wrong: /must be one DNS label \(app, www\) or "@".*got "app\.web"/, example: /Example: app$/ },
    { what: "an upper-case web host", config: { "groundwork:webHost": "App" }, key: "groundwork:webHost",
        wrong: /must be one DNS label.*got "App"/, example: /Example: app$/ },
    { what: "an API base path with a trailing slash", config: { "groundwork:apiBasePath": "/api/v1/" }, key: "groundwork:apiBasePath",
        wrong: /must be empty or a path like \/api\/v1 \(no trailing slash\), got "\/api\/v1\/"/, example: /Example: \/api\/v1$/ },
    { what: "an API base path without its leading slash", config: { "groundwork:apiBasePath": "api/v1" }, key: "groundwork:apiBasePath",
        wrong: /must be empty or a path like \/api\/v1.*got "api\/v1"/, example: /Example: \/api\/v1$/ },
    { what: "a migration working directory that climbs out of the image", config: { "groundwork:migrateWorkingDirectory": "../database" },
        key: "groundwork:migrateWorkingDirectory", wrong: /must be a path relative to the repository or image root, without \.\..*got "\.\.\/database"/,
        example: /Example: packages\/database$/ },
    { what: "an absolute migration working directory", config: { "groundwork:migrateWorkingDirectory": "/app/packages/database" },
        key: "groundwork:migrateWorkingDirectory", wrong: /must be a path relative.*got "\/app\/packages\/database"/, example: /Example: packages\/database$/ },
    { what: "a migration working directory with shell syntax", config: { "groundwork:migrateWorkingDirectory": "packages/database && rm -rf ." },
        key: "groundwork:migrateWorkingDirectory", wrong: /must be a path relative/, example: /Example: packages\/database$/ },
    { what: "an absolute Vercel root directory", config: { "groundwork:vercelRootDirectory": "/apps/web" }, key: "groundwork:vercelRootDirectory",
        wrong: /must be a path relative to the repository or image root, without \.\..*got "\/apps\/web"/, example: /Example: apps\/web$/ },
    { what: "a Vercel root directory outside the repository", config: { "groundwork:vercelRootDirectory": "apps/../../web" }, key: "groundwork:vercelRootDirectory",
        wrong: /must be a path relative.*without \.\./, example: /Example: apps\/web$/ },
    { what: "an unknown worker image", config: { "groundwork:workerImage": "ghcr.io/acme/worker" }, key: "groundwork:workerImage",
        wrong: /must be "app" \(the api's image\) or "own" \(its own ECR repository\), got "ghcr\.io\/acme\/worker"/, example: /Example: own$/ },
    { what: "the worker's own image with no worker", config: { "groundwork:worker": false, "groundwork:workerImage": "own" }, key: "groundwork:workerImage",
        wrong: /is "own" but groundwork:worker is false; remove it or set worker: true/, example: /Example: own$/ },
    { what: "a worker health check with shell syntax", config: { "groundwork:workerHealthCheckCommand": "curl -f http://localhost:3000/health || exit 1" },
        key: "groundwork:workerHealthCheckCommand", wrong: /uses shell syntax.*commands run without a shell/, example: /Example: node dist\/healthcheck\.js$/ },
    { what: "a blank worker health check", config: { "groundwork:workerHealthCheckCommand": "   " }, key: "groundwork:workerHealthCheckCommand",
        wrong: /must not be empty/, example: /Example: node dist\/healthcheck\.js$/ },
    { what: "a Stripe event type that is not one", config: { "groundwork:stripeWebhookEvents": ["invoice paid"] }, key: "groundwork:stripeWebhookEvents",
        wrong: /must be Stripe event types.*got \["invoice paid"\]/, example: /Example: \["checkout\.session\.completed","invoice\.paid"\]$/ },
    { what: "no Stripe events", config: { "groundwork:stripeWebhookEvents": [] }, key: "groundwork:stripeWebhookEvents",
        wrong: /must name at least one event, got \[\]/, example: /Example: \["checkout\.session\.completed","invoice\.paid"\]$/ },
    { what: "a Connect endpoint with Stripe as a key only (no endpoint to make one of)", config: { "groundwork:stripe": "key", "groundwork:stripeConnect": true },
        key: "groundwork:stripeConnect", wrong: /is true but groundwork:stripe is "key": the stack manages no webhook endpoint.*Set stripe: webhook/, example: /Example: false$/ },
    { what: "a Connect endpoint with no Stripe", config: { "groundwork:stripe": "none", "groundwork:stripeSecretKey": undefined, "groundwork:stripeConnect": true },
        key: "groundwork:stripeConnect", wrong: /is true but groundwork:stripe is "none": the stack manages no webhook endpoint/, example: /Example: false$/ },
    { what: "an unpooled database URL with RDS", config: { "groundwork:databaseUrlUnpooled": NEON_DIRECT }, key: "groundwork:databaseUrlUnpooled",
        wrong: /is set but groundwork:database is "rds"; set database: external/, example: /Example: postgresql:\/\/app:…@ep-cool-name/, hidden: "neon-pw" },
    { what: "an unpooled database URL with no database", config: { "groundwork:database": "none", "groundwork:databaseUrlUnpooled": NEON_DIRECT },
        key: "groundwork:databaseUrlUnpooled", wrong: /is set but groundwork:database is "none"/, example: /Example: postgresql:\/\//, hidden: "neon-pw" },
    { what: "an unpooled database URL that is not a postgres URL",
        config: { "groundwork:database": "external", "groundwork:databaseUrl": NEON, "groundwork:databaseUrlUnpooled": "mysql://app:neon-pw@db.example.com/app" },
        key: "groundwork:databaseUrlUnpooled", wrong: /is not a postgres:\/\/ or postgresql:\/\/ URL with a host \(the value is not shown\)/,
        example: /Example: postgresql:\/\//, hidden: "neon-pw" },
    { what: "an unpooled database URL without a host",
        config: { "groundwork:database": "external", "groundwork:databaseUrl": NEON, "groundwork:databaseUrlUnpooled": "ep-cool-name-123456.neon.tech/app" },
        key: "groundwork:databaseUrlUnpooled", wrong: /is not a postgres:\/\/ or postgresql:\/\/ URL with a host/, example: /Example: postgresql:\/\//, hidden: "ep-cool-name-123456.neon.tech/app" },
    { what: "an uploads bucket with neither api nor worker", config: { ...WEB_ONLY, "groundwork:uploads": true }, key: "groundwork:uploads",
        wrong: /is true but no service uses the bucket \(groundwork:api and groundwork:worker are both false\); set uploads: false/, example: /Example: false$/ },
];

describe("issue 12's keys, given a bad value, are refused by name before anything is registered", () => {
    it("has refusals to check, for every key the audit named", () => {
        assert.ok(REFUSALS.length > 0);
        const keys = new Set(REFUSALS.map((r) => r.key.replace(/^groundwork:/, "")));
        for (const k of ["webHost", "apiBasePath", "migrateWorkingDirectory", "vercelRootDirectory", "workerImage", "workerHealthCheckCommand",
            "stripeWebhookEvents", "stripeConnect", "databaseUrlUnpooled", "uploads"]) assert.ok(keys.has(k), k);
    });

    it("plans clean without the bad values (the refusals are the values', not the stacks')", async () => {
        for (const config of [{}, WEB_ONLY]) {
            const r = await plan("staging", config);
            assert.deepEqual(r.problems, []);
            assert.ok(registered(r).length > 0);
        }
    });

    for (const c of REFUSALS) {
        it(`${c.what} (${c.key})`, async () => {
            const r = await plan(c.stack ?? "staging", c.config);
            assert.deepEqual(problemKeys(r), [c.key], JSON.stringify(r.problems));
            const { message } = r.problems[0];
            assert.match(message, c.wrong);
            assert.match(message, /\. Example: /, "an example of a good value");
            assert.match(message, c.example);
            if (c.hidden) assert.ok(!message.includes(c.hidden), "the value is never echoed");
            assert.equal(registered(r).length, 0, "nothing registered");
            assert.equal(r.error, undefined);
        });
    }
});
