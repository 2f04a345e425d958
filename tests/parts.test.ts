/**
 * Parts a stack file chooses: each absent part leaves nothing behind, external services are wired
 * in under the apps' names, impossible combinations are refused before anything is registered.
 */
import { strict as assert } from "assert";
import { PlanRecord, registered } from "../tools/engine";
import { evaluatePolicies } from "../tools/policy-runner";
import { NO_IMAGE, PROXIED_WITH_ENDPOINTS, TEAM_OPTIONS, WEB_ONLY, byType, goodPlan, one, plan, problemKeys } from "./harness";

const T = {
    service: "aws:ecs/service:Service",
    task: "aws:ecs/taskDefinition:TaskDefinition",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    cert: "aws:acm/certificate:Certificate",
    rds: "aws:rds/instance:Instance",
    cache: "aws:elasticache/replicationGroup:ReplicationGroup",
    bucket: "aws:s3/bucket:Bucket",
    record: "cloudflare:index/dnsRecord:DnsRecord",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    vpc: "aws:ec2/vpc:Vpc",
    repo: "aws:ecr/repository:Repository",
    lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    vercel: "vercel:index/project:Project",
    webhook: "pulumi-nodejs:dynamic:Resource",
    secret: "aws:secretsmanager/secret:Secret",
    healthCheck: "aws:route53/healthCheck:HealthCheck",
    scaling: "aws:appautoscaling/target:Target",
};

interface Container { name: string; image: string; command?: string[]; environment?: { name: string; value: string }[]; secrets?: { name: string; valueFrom: string }[]; healthCheck?: { command: string[] } }
const containers = (r: PlanRecord, service: string): Container[] => JSON.parse(one(r, T.task, `${service}-task`).inputs.containerDefinitions as string) as Container[];
const appContainer = (r: PlanRecord, service: string) => containers(r, service).find((c) => c.name === "app")!;
const dashboardText = (r: PlanRecord) => String(one(r, T.dashboard).inputs.dashboardBody);
const alarmNames = (r: PlanRecord) => byType(r, T.alarm).map((a) => a.name).sort();
const NEON = "postgresql://app:neon-pw@ep-cool-name-123456.us-east-2.aws.neon.tech:5432/app?sslmode=require";
const NEON_DIRECT = "postgresql://app:neon-pw@ep-cool-name-123456-direct.us-east-2.aws.neon.tech/app?sslmode=require";
const UPSTASH = "rediss://default:upstash-pw@us1-cool-name-12345.upstash.io:6380";


describe("parts a stack file chooses", () => {
    it("keeps today's full shape by default: every part present in both stacks", async () => {
        for (const stack of ["staging", "prod"]) {
            const r = await goodPlan(stack);
            assert.deepEqual(r.outputs.parts.value, {
                api: true, worker: true, database: "rds", cache: "elasticache", uploads: true, stripe: "webhook", frontend: true,
            });
            for (const t of [T.lb, T.rds, T.cache, T.vercel]) assert.equal(byType(r, t).length, 1, `${stack} ${t}`);
            assert.equal(byType(r, T.service).length, 2);
        }
    });

    describe("an absent part leaves nothing behind", () => {
        it("no API: no load balancer, certificate, api record, api service, security groups, alarms, widgets or outputs", async () => {
            const r = await goodPlan("prod", { "groundwork:api": false, "groundwork:stripeWebhookHost": "web", "groundwork:stripeWebhookPath": "/api/webhooks/stripe" });
            for (const t of [T.lb, T.cert, T.healthCheck]) assert.deepEqual(byType(r, t), [], t);
            assert.deepEqual(byType(r, T.service).map((s) => s.name), ["worker-service"]);
            assert.deepEqual(byType(r, T.record).map((x) => x.inputs.name), ["app.example.com"]);
            assert.deepEqual(byType(r, T.sg).map((s) => s.name).filter((n) => n.startsWith("sg-")).sort(), ["sg-cache", "sg-db", "sg-worker"]);
            assert.ok(alarmNames(r).every((n) => !/^ops-(alb|api)-/.test(n)), alarmNames(r).join(", "));
            assert.doesNotMatch(dashboardText(r), /ApplicationELB|api running/);
            for (const o of ["apiUrl", "healthUrl", "apiServiceName", "apiEnv"]) assert.equal(r.outputs[o], undefined, o);
            assert.equal(r.outputs.stripeWebhookUrl.value, "https://app.example.com/api/webhooks/stripe");
            assert.equal(byType(r, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable").some((v) => v.inputs.key === "NEXT_PUBLIC_API_URL"), false,
                "no API URL for the web app when there is no API");
        });

        it("no worker: no worker service, group, rules, alarms, widgets, outputs or WORKER_CONCURRENCY", async () => {
            const r = await goodPlan("staging", { "groundwork:worker": false });
            assert.deepEqual(byType(r, T.service).map((s) => s.name), ["api-service"]);
            assert.ok(!byType(r, T.sg).some((s) => s.name === "sg-worker"));
            assert.ok(![...byType(r, T.egress), ...byType(r, T.ingress)].some((x) => x.name.includes("worker")));
            assert.ok(alarmNames(r).every((n) => !n.includes("worker")));
            assert.doesNotMatch(dashboardText(r), /worker/);
            for (const o of ["workerServiceName", "workerEnv"]) assert.equal(r.outputs[o], undefined, o);
            assert.equal((r.outputs.apiEnv.value as Record<string, string>).WORKER_CONCURRENCY, undefined);
            assert.deepEqual(Object.keys(r.outputs.taskLaunch.value as object), ["api"]);
        });

        it("no database, cache, uploads, Stripe or web app: none of their resources, rules, alarms, variables or outputs", async () => {
            const r = await goodPlan("staging", {
                "groundwork:worker": false, "groundwork:database": "none", "groundwork:cache": "none", "groundwork:uploads": false,
                "groundwork:stripe": "none", "groundwork:stripeSecretKey": undefined, "groundwork:frontend": false,
            });
            for (const t of [T.rds, T.cache, T.vercel, T.webhook]) assert.deepEqual(byType(r, t), [], t);
            // Only the log bucket (the ALB's access logs) stays.
            assert.deepEqual(byType(r, T.bucket).map((b) => b.name), ["logs-bucket"]);
            assert.deepEqual(byType(r, T.sg).map((s) => s.name).filter((n) => n.startsWith("sg-")).sort(), ["sg-alb", "sg-api"]);
            assert.ok(alarmNames(r).every((n) => !/db-|cache-/.test(n)), alarmNames(r).join(", "));
            assert.doesNotMatch(dashboardText(r), /AWS\/RDS|ElastiCache/);
            const api = r.outputs.apiEnv.value as Record<string, string>;
            assert.deepEqual(Object.keys(api).sort(), ["JSON_BODY_LIMIT", "JWT_SECRET", "NODE_ENV", "PORT", "SENTRY_DSN"]);
            for (const o of ["databaseEndpoint", "redisEndpoint", "stripeWebhookUrl", "appUrl", "vercelProjectId", "webEnv"]) assert.equal(r.outputs[o], undefined, o);
            assert.equal(byType(r, "pulumi:providers:vercel").length, 0, "no Vercel provider (and no VERCEL_API_TOKEN needed)");
            assert.deepEqual(r.outputs.parts.value, { api: true, worker: false, database: "none", cache: "none", uploads: false, stripe: "none", frontend: false });
        });

        it("no compute and no VPC parts at all: no VPC, NAT, cluster or app secret", async () => {
            const r = await goodPlan("staging", WEB_ONLY);
            for (const t of [T.vpc, "aws:ecs/cluster:Cluster", T.secret, T.repo]) assert.deepEqual(byType(r, t), [], t);
            assert.equal(byType(r, T.vercel).length, 1);
            assert.deepEqual((await evaluatePolicies(r)).mandatory, []);
        });
    });

    describe("services the team keeps", () => {
        const external = {
            "groundwork:database": "external", "groundwork:databaseUrl": NEON, "groundwork:databaseUrlUnpooled": NEON_DIRECT,
            "groundwork:cache": "external", "groundwork:redisUrl": UPSTASH,
        };

        it("hands the team's URLs to the apps under the names they read, as ECS secrets, and builds no RDS or ElastiCache", async () => {
            const r = await goodPlan("staging", external);
            assert.deepEqual(byType(r, T.rds), []);
            assert.deepEqual(byType(r, T.cache), []);
            const api = r.outputs.apiEnv.value as Record<string, string>;
            assert.equal(api.DATABASE_URL, NEON);
            assert.equal(api.DATABASE_URL_UNPOOLED, NEON_DIRECT);
            assert.equal(api.REDIS_URL, UPSTASH);
            assert.equal(api.NODE_EXTRA_CA_CERTS, undefined, "no RDS CA for a database outside AWS");
            for (const svc of ["api", "worker"]) {
                const app = appContainer(r, svc);
                assert.deepEqual(app.secrets?.map((s) => s.name).filter((n) => /URL/.test(n)).sort(), ["DATABASE_URL", "DATABASE_URL_UNPOOLED", "REDIS_URL"]);
                assert.ok(!(app.environment ?? []).some((e) => e.value.includes("neon-pw") || e.value.includes("upstash-pw")), `${svc}: no URL in plain environment`);
            }
        });

        it("lets the tasks leave on those services' ports, and on nothing else new", async () => {
            const r = await goodPlan("staging", external);
            const rules = byType(r, T.egress).filter((x) => x.name.startsWith("sg-api-out"));
            assert.deepEqual(rules.map((x) => [x.inputs.fromPort, x.inputs.cidrIpv4 ?? "sg"]).sort(), [[443, "0.0.0.0/0"], [5432, "0.0.0.0/0"], [6380, "0.0.0.0/0"]]);
            assert.ok(byType(r, T.sg).every((s) => !["sg-db", "sg-cache"].includes(s.name)));
        });

        it("keeps the URLs secret everywhere: no plain input or output holds them", async () => {
            const r = await goodPlan("staging", external);
            for (const res of r.resources) {
                const text = JSON.stringify(res.inputs);
                if (text.includes("neon-pw") || text.includes("upstash-pw")) assert.ok(res.secretInputs.length > 0, `${res.type} ${res.name}`);
            }
            for (const [name, o] of Object.entries(r.outputs)) {
                if (!o.secret) assert.ok(!JSON.stringify(o.value).includes("-pw@"), name);
            }
        });

        it("refuses a missing, plain-text or malformed URL, and a URL for a part that is not external", async () => {
            const missing = await plan("staging", { "groundwork:database": "external" });
            assert.deepEqual(problemKeys(missing), ["groundwork:databaseUrl"]);
            assert.match(missing.problems[0].message, /pulumi config set --secret databaseUrl/);
            assert.equal(registered(missing).length, 0);
            const plainText = await plan("staging", { "groundwork:database": "external", "groundwork:databaseUrl": { plainText: NEON } });
            assert.deepEqual(problemKeys(plainText), ["groundwork:databaseUrl"]);
            assert.match(plainText.problems[0].message, /plain text.*--secret/);
            assert.ok(!JSON.stringify(plainText.problems).includes("neon-pw"), "the value is never echoed");
            const bad = await plan("staging", { "groundwork:cache": "external", "groundwork:redisUrl": "http://x:y@host" });
            assert.deepEqual(problemKeys(bad), ["groundwork:redisUrl"]);
            assert.ok(!bad.problems[0].message.includes("x:y"), "the value is never echoed");
            const stray = await plan("staging", { "groundwork:databaseUrl": NEON });
            assert.deepEqual(problemKeys(stray), ["groundwork:databaseUrl"]);
        });
    });

    describe("combinations that cannot work are refused before anything is registered", () => {
        const cases: [string, Record<string, string | boolean | string[] | undefined>, string, RegExp][] = [
            ["a worker with no queue", { "groundwork:cache": "none" }, "groundwork:cache", /worker needs Redis/],
            ["a private RDS nothing in the VPC can reach", { "groundwork:api": false, "groundwork:worker": false, "groundwork:stripe": "key" }, "groundwork:database", /private.*Vercel/],
            ["a webhook on an API that is not there", { "groundwork:api": false }, "groundwork:stripeWebhookHost", /no API/],
            ["a webhook on the web app without its path", { "groundwork:stripeWebhookHost": "web" }, "groundwork:stripeWebhookPath", /must be set/],
            ["Stripe without a key", { "groundwork:stripeSecretKey": undefined }, "groundwork:stripeSecretKey", /not set.*stripe: none/],
            ["a Stripe key with Stripe off", { "groundwork:stripe": "none" }, "groundwork:stripeSecretKey", /stripe is "none"/],
            ["a worker image tag for a worker on the api's image", { "groundwork:workerImageTag": "w1" }, "groundwork:workerImageTag", /workerImage is "app"/],
            ["a misspelt key", { "groundwork:workerConcurency": "3" }, "groundwork:workerConcurency", /not a Groundwork key/],
        ];
        for (const [what, config, key, message] of cases) {
            it(what, async () => {
                const r = await plan("staging", config);
                assert.ok(problemKeys(r).includes(key), `${key} in ${JSON.stringify(r.problems)}`);
                assert.match(r.problems.find((p) => p.key === key)!.message, message);
                assert.equal(registered(r).length, 0);
            });
        }
    });

    describe("the apps' own variable names", () => {
        it("gives a value under further names, secret ones as ECS secrets and plain ones as environment", async () => {
            const r = await goodPlan("staging", {
                "groundwork:containerPort": 3001, "groundwork:worker": false,
                "groundwork:envAliases": ["API_PORT=PORT", "CORS_ORIGIN=WEB_URL", "FRONTEND_URL=WEB_URL", "DATABASE_URL_UNPOOLED=DATABASE_URL"],
            });
            const app = appContainer(r, "api");
            const env = Object.fromEntries((app.environment ?? []).map((e) => [e.name, e.value]));
            assert.equal(env.API_PORT, "3001");
            assert.equal(env.PORT, "3001");
            assert.equal(env.CORS_ORIGIN, "https://app.staging.example.com");
            assert.equal(env.FRONTEND_URL, "https://app.staging.example.com");
            const secrets = Object.fromEntries((app.secrets ?? []).map((s) => [s.name, s.valueFrom]));
            assert.match(secrets.DATABASE_URL_UNPOOLED, /:DATABASE_URL::[0-9a-z-]+$/, "the alias reads the same key of the app secret");
            assert.equal(env.DATABASE_URL_UNPOOLED, undefined);
        });

        it("refuses an alias of a value the stack does not have, or one that shadows a variable", async () => {
            const r = await plan("staging", { "groundwork:envAliases": ["X_URL=NOPE"], "groundwork:uploads": false });
            assert.deepEqual(problemKeys(r), ["groundwork:envAliases"]);
            assert.match(r.problems[0].message, /no value named NOPE/);
            assert.deepEqual(problemKeys(await plan("staging", { "groundwork:envAliases": ["PORT=WEB_URL"] })), ["groundwork:envAliases"]);
        });

        it("generates the secrets the apps ask for, hex keys at their byte size", async () => {
            const r = await goodPlan("staging", TEAM_OPTIONS);
            const api = r.outputs.apiEnv.value as Record<string, string>;
            assert.match(api.JWT_SECRET, /^[A-Za-z0-9]{64}$/);
            assert.match(api.BOOKING_TOKEN_SECRET, /^[A-Za-z0-9]{64}$/);
            assert.equal(one(r, "random:index/randomId:RandomId", "app-secrets-tenant-secrets-encryption-key").inputs.byteLength, 32);
            assert.ok(appContainer(r, "api").secrets?.some((s) => s.name === "TENANT_SECRETS_ENCRYPTION_KEY"));
            assert.deepEqual(problemKeys(await plan("staging", { "groundwork:generatedSecrets": ["KEY=hex:4"] })), ["groundwork:generatedSecrets"]);
        });
    });

    describe("Stripe where the app serves it", () => {
        it("registers the endpoint at the app's own path on the API host, and a Connect endpoint when asked", async () => {
            const r = await goodPlan("staging", TEAM_OPTIONS);
            const w = one(r, T.webhook, "stripe-webhook");
            assert.equal(w.inputs.url, "https://api.staging.example.com/webhooks/stripe");
            assert.equal(w.inputs.connect, true);
        });

        it("creates the endpoint disabled and enables it only after the api's rollout, never before an image exists", async () => {
            const r = await goodPlan("prod");
            const w = one(r, T.webhook, "stripe-webhook");
            assert.equal(w.inputs.createDisabled, true);
            const enable = one(r, T.webhook, "stripe-webhook-enabled");
            const api = one(r, T.service, "api-service");
            // A component in dependsOn stands for its children: the ECS service (waitForSteadyState) among them.
            assert.ok(enable.options.dependsOn.includes(api.urn), "after the api service (its rollout)");
            assert.deepEqual(enable.propertyDependencies.endpointId, [w.urn]);
            const noImage = await goodPlan("prod", NO_IMAGE);
            assert.deepEqual(byType(noImage, T.webhook).map((x) => x.name), ["stripe-webhook"], "stays disabled until an image runs");
        });

        it("with stripe: key, gives the apps the key but manages no endpoint, and lets the team pass its own signing secret", async () => {
            const r = await goodPlan("staging", { "groundwork:stripe": "key", "groundwork:appSecrets": JSON.stringify({ STRIPE_WEBHOOK_SECRET: "whsec_team" }) });
            assert.deepEqual(byType(r, T.webhook), []);
            const api = r.outputs.apiEnv.value as Record<string, string>;
            assert.match(api.STRIPE_SECRET_KEY, /^sk_test_/);
            assert.equal(api.STRIPE_WEBHOOK_SECRET, "whsec_team");
            assert.equal(r.outputs.stripeWebhookUrl, undefined);
        });
    });

    describe("images", () => {
        it("builds the worker from its own repository and tag when asked, and keeps each running tag from expiring", async () => {
            const r = await goodPlan("staging", TEAM_OPTIONS);
            assert.deepEqual(byType(r, T.repo).map((x) => x.name).sort(), ["app-repo", "app-worker-repo"]);
            assert.match(appContainer(r, "worker").image, /app-worker-repo-[0-9a-f]+:w-42$/);
            assert.match(appContainer(r, "api").image, /app-repo-[0-9a-f]+:v1\.0\.0$/);
            for (const [repo, tag] of [["app-repo-lifecycle", "v1.0.0"], ["app-worker-repo-lifecycle", "w-42"]]) {
                const rules = (JSON.parse(one(r, T.lifecycle, repo).inputs.policy as string) as { rules: { rulePriority: number; selection: { tagStatus: string; tagPatternList?: string[]; countNumber: number } }[] }).rules;
                const pin = rules.find((x) => x.rulePriority === 1);
                assert.deepEqual(pin?.selection.tagPatternList, [tag], `${repo} holds the running tag`);
                assert.ok(rules.every((x) => x.rulePriority <= 1 || x.rulePriority > pin!.rulePriority), "the pin outranks the expiring rules");
                assert.equal(rules[rules.length - 1].selection.tagStatus, "any", "the catch-all rule comes last, as ECR requires");
            }
            assert.equal(r.outputs.workerImageRepositoryUrl.value, one(r, T.repo, "app-worker-repo").state.repositoryUrl);
        });

        it("adds the worker's container health check as an exec-form command", async () => {
            const r = await goodPlan("staging", TEAM_OPTIONS);
            assert.deepEqual(appContainer(r, "worker").healthCheck?.command, ["CMD", "node", "dist/healthcheck.js"]);
        });

        it("creates a new stack in one up before any image exists: services at zero tasks, no health check, no pinned tag", async () => {
            const r = await goodPlan("prod", NO_IMAGE);
            assert.deepEqual(byType(r, T.service).map((s) => s.name).sort(), ["api-service-idle", "worker-service-idle"]);
            assert.ok(byType(r, T.scaling).length > 0);
            for (const svc of byType(r, T.service)) assert.equal(svc.inputs.desiredCount, 0, svc.name);
            for (const t of byType(r, T.scaling)) assert.equal(t.inputs.minCapacity, 0, t.name);
            assert.deepEqual(byType(r, T.healthCheck), []);
            assert.ok(!alarmNames(r).some((n) => n.endsWith("-running")), "no running-task alarm while nothing should run");
            const rules = (JSON.parse(one(r, T.lifecycle, "app-repo-lifecycle").inputs.policy as string) as { rules: { rulePriority: number }[] }).rules;
            assert.ok(!rules.some((x) => x.rulePriority === 1));
            const withTag = await goodPlan("prod");
            assert.equal(one(withTag, T.scaling, "api-scaling").inputs.minCapacity, 2, "the tag raises the floor");
        });

        it("verifies the up that sets the first tag: it creates the services anew (a create honours desiredCount and waits), the idle ones go after", async () => {
            const idle = byType(await goodPlan("prod", NO_IMAGE), T.service);
            const real = byType(await goodPlan("prod"), T.service);
            assert.deepEqual(idle.map((x) => x.name).sort(), ["api-service-idle", "worker-service-idle"]);
            assert.deepEqual(real.map((x) => x.name).sort(), ["api-service", "worker-service"]);
            const urns = new Set(idle.map((x) => x.urn));
            assert.ok(real.every((x) => !urns.has(x.urn)), "other URNs: Pulumi creates the real services, then deletes the idle ones");
            for (const x of idle) assert.equal(x.inputs.loadBalancers, undefined, `${x.name}: attached to no target group, so it never shares one`);
            const idlePlan = await goodPlan("prod", NO_IMAGE);
            assert.ok(!byType(idlePlan, "aws:appautoscaling/policy:Policy").some((p) => p.name === "api-scale-requests"),
                "no request-count scaling without a target group (AWS refuses its resource label)");
            assert.ok(byType(idlePlan, "aws:appautoscaling/policy:Policy").some((p) => p.name === "api-scale-cpu"));
            assert.ok(one(await goodPlan("prod"), "aws:appautoscaling/policy:Policy", "api-scale-requests"));
            for (const x of real) {
                assert.ok((x.inputs.desiredCount as number) >= 1, `${x.name} is created with its floor of tasks`);
                assert.equal(x.inputs.waitForSteadyState, true, `${x.name}: up waits for the first tasks (migrations, health, circuit breaker)`);
                assert.deepEqual(x.options.ignoreChanges, ["desiredCount"], "ignoreChanges leaves a create's desiredCount alone");
            }
            assert.ok(one(await goodPlan("prod"), T.service, "api-service").inputs.loadBalancers, "the real api is behind the load balancer");
        });
    });
});

describe("safe on a real account (what EC2, ECS and the ALB accept and read back)", () => {
    it("uses only the characters EC2 accepts in every security group and rule description, Cloudflare ingress included", async () => {
        const EC2 = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
        const r = await goodPlan("prod", PROXIED_WITH_ENDPOINTS);
        const described = [...byType(r, T.sg), ...byType(r, T.ingress), ...byType(r, T.egress)];
        assert.ok(described.length > 15 && described.some((x) => x.name.includes("cloudflare")));
        for (const x of described) assert.match(String(x.inputs.description), EC2, `${x.name}: ${x.inputs.description}`);
    });

    it("starts each service only after its execution role's policy and the security-group rules its tasks use", async () => {
        const r = await goodPlan("prod");
        for (const svc of ["api", "worker"]) {
            const service = one(r, T.service, `${svc}-service`);
            const policy = one(r, "aws:iam/rolePolicy:RolePolicy", `${svc}-execution`);
            assert.ok(service.options.dependsOn.includes(policy.urn), `${svc}: waits for ${policy.name}`);
            for (const rule of [`sg-${svc}-out-https`, `sg-${svc}-out-db`, `sg-${svc}-out-cache`, `sg-db-in-${svc}`]) {
                const x = [...byType(r, T.egress), ...byType(r, T.ingress)].find((y) => y.name === rule);
                assert.ok(x && service.options.dependsOn.includes(x.urn), `${svc}: waits for ${rule}`);
            }
        }
    });

    it("spells out what ECS would fill in, so a later up reads back the same task definition (no permanent diff)", async () => {
        const r = await goodPlan("prod");
        for (const svc of ["api", "worker"]) {
            const td = one(r, T.task, `${svc}-task`);
            assert.deepEqual(td.inputs.volumes, [{ name: "tmp", configureAtLaunch: false }]);
            for (const c of JSON.parse(td.inputs.containerDefinitions as string) as { name: string; essential?: boolean; portMappings?: { containerPort: number; hostPort: number }[]; logConfiguration: { options: Record<string, string> } }[]) {
                assert.equal(typeof c.essential, "boolean", `${svc}/${c.name} essential`);
                assert.equal(c.logConfiguration.options.mode, "non-blocking", `${svc}/${c.name} awslogs mode`);
                for (const p of c.portMappings ?? []) assert.equal(p.hostPort, p.containerPort);
            }
        }
    });

    it("sends HSTS for the API host from the load balancer, one year, without includeSubDomains", async () => {
        const r = await goodPlan("prod");
        const https = byType(r, "aws:lb/listener:Listener").find((l) => l.inputs.port === 443);
        assert.equal(https?.inputs.routingHttpResponseStrictTransportSecurityHeaderValue, "max-age=31536000");
    });
});
