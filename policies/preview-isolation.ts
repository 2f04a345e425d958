/**
 * preview-isolation: a pull request's preview stack (`pr-<n>`) runs the pull request's code on
 * its base stack's shared parts, so it must stay in its lane:
 * - it reads no production stack (no prod data, no prod secrets) and uses Stripe in test mode only;
 * - its tasks' secrets are its own (every `valueFrom` is a secret of this stack);
 * - its task roles reach only its own prefix of the base's bucket;
 * - its host rule routes only its own host, its Vercel variables only its own branch's previews;
 * - it creates none of the base's shared parts (database server, cache, VPC, NAT, load balancer,
 *   bucket, registry, keys, DNS): each would bill per pull request or touch what others use;
 * - nothing in it is `protect`ed, so its removal is never blocked.
 * Other stacks: not applicable. Which stacks are previews, and which are prod, is policy config.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_PROD_STACKS, PolicyStatement, StackAwareConfig, asArray, isProdName, label, parseJson, stackConfigSchema, stackOf, statements } from "./helpers";

export const DEFAULT_PREVIEW_STACKS = ["pr-*"];
export const DEFAULT_PREVIEW_UPLOADS_PREFIX = "previews/";

export interface PreviewIsolationConfig extends StackAwareConfig {
    /** Stack names (a trailing * is a prefix) that are pull-request previews. */
    previewStacks?: string[];
    /** The prefix of the base's uploads bucket under which each preview keeps `<stack>/`. */
    previewUploadsPrefix?: string;
}

/** Shared parts a preview must take from its base, never create. */
const SHARED_TYPES: Record<string, string> = {
    "aws:rds/instance:Instance": "database server",
    "aws:rds/cluster:Cluster": "database cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup": "cache",
    "aws:elasticache/cluster:Cluster": "cache",
    "aws:ec2/vpc:Vpc": "VPC",
    "aws:ec2/natGateway:NatGateway": "NAT gateway",
    "aws:autoscaling/group:Group": "NAT instances",
    "aws:lb/loadBalancer:LoadBalancer": "load balancer",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:ecr/repository:Repository": "image repository",
    "aws:kms/key:Key": "KMS key",
};
const OBJECT_ACTIONS = /^s3:(Get|Put|Delete|Abort|ListMultipart|Restore|Replicate)/i;

export function matchesStack(patterns: string[], stack: string): boolean {
    return patterns.some((p) => (p.endsWith("*") ? stack.startsWith(p.slice(0, -1)) : stack === p));
}

/** The ECS `secrets` of a task definition's containers: `[container, variable, valueFrom]`. */
function taskSecrets(td: PolicyResource): [string, string, string][] {
    const defs = parseJson(td.props.containerDefinitions);
    return asArray(defs as { name?: string; secrets?: { name?: string; valueFrom?: string }[] }[])
        .flatMap((c) => asArray(c.secrets).map((s): [string, string, string] => [c.name ?? "?", s.name ?? "?", String(s.valueFrom ?? "")]));
}

export const previewIsolation: StackValidationPolicy = {
    name: "preview-isolation",
    description: "A pull-request preview reads no prod stack, uses test-mode Stripe, its own secrets, its own bucket prefix, host and branch, creates none of its base's shared parts and protects nothing.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "Point groundwork:previewBaseStack at a staging stack, use a sk_test_ key there, and let preview.ts compose the preview: "
        + "it reads the shared parts through the stack reference, keeps objects under previews/<stack>/, routes only pr-<n>.<api host>, "
        + "sets Vercel variables for its branch only and registers nothing with protect.",
    configSchema: {
        properties: {
            ...stackConfigSchema,
            previewStacks: {
                type: "array", items: { type: "string" }, default: DEFAULT_PREVIEW_STACKS,
                description: "Stack names (a trailing * is a prefix) that are pull-request previews.",
            },
            previewUploadsPrefix: {
                type: "string", default: DEFAULT_PREVIEW_UPLOADS_PREFIX,
                description: "Prefix of the base's uploads bucket under which each preview keeps <stack>/.",
            },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<PreviewIsolationConfig>();
        const stack = stackOf(args);
        if (!matchesStack(cfg.previewStacks ?? DEFAULT_PREVIEW_STACKS, stack)) args.notApplicable(`Stack "${stack}" is not a pull-request preview.`);
        const prod = cfg.prodStacks ?? DEFAULT_PROD_STACKS;
        const prefix = `${cfg.previewUploadsPrefix ?? DEFAULT_PREVIEW_UPLOADS_PREFIX}${stack}/`;
        const ofType = (type: string) => args.resources.filter((r) => r.type === type);

        for (const r of args.resources) {
            if (r.opts.protect) report(`${label(r)} is protected in a preview, so \`pulumi destroy\` of the preview would fail and leave it behind. Register it without protect.`, r.urn);
            const shared = SHARED_TYPES[r.type] ?? (r.type.startsWith("cloudflare:") && r.type !== "pulumi:providers:cloudflare" ? "DNS" : undefined);
            if (shared) {
                report(`${label(r)}: a preview creates its own ${shared}; previews share their base stack's (read through the stack reference), ` +
                    "so each pull request does not bill or change one.", r.urn);
            }
        }

        for (const ref of ofType("pulumi:pulumi:StackReference")) {
            const name = String(ref.props.name ?? "");
            const refStack = name.split("/").pop() ?? "";
            if (isProdName(refStack, prod)) {
                report(`${label(ref)} reads the production stack "${name}": a preview runs a pull request's code and must never see prod's data or secrets. ` +
                    "Set groundwork:previewBaseStack to a staging stack.", ref.urn);
            }
        }

        // Stripe endpoints (the dynamic provider's resources): test mode only.
        for (const r of ofType("pulumi-nodejs:dynamic:Resource")) {
            if (!("url" in r.props) && !("endpointId" in r.props)) continue;
            if (r.props.expectedMode !== "test") {
                report(`${label(r)} is a Stripe resource without test mode (expectedMode ${JSON.stringify(r.props.expectedMode)}): previews use test-mode keys only. ` +
                    "Give it mode: \"test\".", r.urn);
            }
        }

        // Every secret a task reads is one of this stack's.
        const own = ofType("aws:secretsmanager/secret:Secret").map((s) => String(s.props.arn ?? "")).filter(Boolean);
        for (const td of ofType("aws:ecs/taskDefinition:TaskDefinition")) {
            for (const [container, variable, valueFrom] of taskSecrets(td)) {
                if (!own.some((arn) => valueFrom === arn || valueFrom.startsWith(`${arn}:`))) {
                    report(`${label(td)}, container ${container}: ${variable} is read from a secret that is not this preview's own. ` +
                        "A preview's secrets are its own: copy the value into one of its secrets.", td.urn);
                }
            }
        }

        // Task roles: only the preview's prefix of the base's bucket.
        for (const rp of ofType("aws:iam/rolePolicy:RolePolicy")) {
            for (const s of statements(rp.props.policy) as PolicyStatement[]) {
                const actions = asArray(s.Action);
                const resources = asArray(s.Resource);
                if (actions.some((a) => OBJECT_ACTIONS.test(a)) && resources.some((res) => !String(res).includes(`/${prefix}`))) {
                    report(`${label(rp)} lets the preview reach objects outside its prefix ${prefix} (${s.Sid ?? "a statement"}): ` +
                        "it would read or overwrite the base's (or another preview's) uploads. Limit Resource to <bucket ARN>/" + prefix + "*.", rp.urn);
                }
                const prefixes = asArray((s.Condition?.StringLike ?? {})["s3:prefix"] as string[] | string | undefined);
                if (actions.some((a) => /^s3:ListBucket$/i.test(a)) && (prefixes.length === 0 || prefixes.some((x) => !String(x).startsWith(prefix)))) {
                    report(`${label(rp)} lets the preview list the bucket outside its prefix ${prefix}: add Condition StringLike s3:prefix ["${prefix}*"].`, rp.urn);
                }
            }
        }

        // Its host rule routes its own host only.
        for (const rule of ofType("aws:lb/listenerRule:ListenerRule")) {
            const hosts = asArray(rule.props.conditions as { hostHeader?: { values?: string[] } }[]).flatMap((c) => asArray(c.hostHeader?.values));
            if (hosts.length === 0 || hosts.some((h) => !String(h).startsWith(`${stack}.`))) {
                report(`${label(rule)} routes ${hosts.length ? hosts.join(", ") : "every host"}: a preview's rule may route only its own host ${stack}.<api host>, ` +
                    "never the base's or another preview's.", rule.urn);
            }
        }

        // Its Vercel variables: the preview target of its branch only.
        for (const v of ofType("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")) {
            const targets = asArray(v.props.targets as string[]);
            if (!v.props.gitBranch || targets.length !== 1 || targets[0] !== "preview") {
                report(`${label(v)} sets ${String(v.props.key)} for ${targets.join(", ") || "no target"}${v.props.gitBranch ? "" : " on every branch"}: ` +
                    "a preview may set variables for its own branch's preview deployments only (targets [\"preview\"] and gitBranch).", v.urn);
            }
        }
    },
};
