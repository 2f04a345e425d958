/**
 * Groundwork bootstrap: makes an AWS account ready for the main program's CI. Run once per
 * account by an administrator (`pulumi up` in this folder); README.md here walks through it.
 *
 *   GitHub OIDC provider ── trusts ──> <app>-gha-<environment> roles (one per GitHub environment)
 *                                        deploy: its stack's resources (tags, names, IAM path)
 *                                        read:   configuration only (pulumi preview)
 *   <app>-break-glass (people, MFA)      administrator, reads the app secrets
 *   <app>-permissions-boundary           on every one of them, and on every role they create
 *   optional: S3 state bucket, KMS secrets-provider key per deploy environment
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BreakGlassRole, breakGlassTrustDocument } from "./components/break-glass";
import { ciReadDocument } from "./components/ci-read";
import { CiRole } from "./components/ci-role";
import { PermissionsBoundary, boundaryArnOf, boundaryName, previewBoundaryName } from "./components/boundary";
import { PREVIEW_UPLOADS_PREFIX } from "../components/config/parts-preview";
import { loadConfig } from "./components/config";
import { deployDocumentsFor } from "./components/preview-permissions";
import { GithubOidc, githubTrustDocument } from "./components/github-oidc";
import { StackScope } from "./components/policy-document";
import { StateBackend } from "./components/state-backend";
import { stateDocument } from "./components/state-access";
import { EnvironmentRole, deployEnvironmentOf, secretReaders, setupCommands, workflowSecretName } from "./components/wiring";

// Every key is validated first: a bad value stops the program before any resource is registered.
const cfg = loadConfig();

// The bootstrap's own tags: app is "<app>-bootstrap", so no deploy role's tag conditions
// (app=<app>) ever cover what the bootstrap made.
const provider = new aws.Provider("aws", {
    region: cfg.region as aws.Region,
    defaultTags: { tags: { app: `${cfg.app}-bootstrap`, stack: cfg.stack, "managed-by": "pulumi" } },
});
const opts: pulumi.ComponentResourceOptions = { providers: [provider] };

const account = aws.getCallerIdentityOutput({}, { provider }).accountId;
const partition = aws.getPartitionOutput({}, { provider }).partition;
const bootstrapPath = `/${cfg.app}-bootstrap/`;
const deployEnvs = cfg.environments.filter((e) => e.access === "deploy");

// ---- optional self-managed backend ---------------------------------------------------------------
const backend = cfg.stateBucket || cfg.secretsKeys
    ? new StateBackend("backend", {
        bucket: cfg.stateBucket,
        keyEnvironments: cfg.secretsKeys ? deployEnvs.map((e) => e.name) : [],
        aliasPrefix: `alias/${cfg.app}-bootstrap/pulumi-secrets-`,
        accountRoot: pulumi.interpolate`arn:${partition}:iam::${account}:root`,
    }, opts)
    : undefined;
const stateBucketArn = backend?.bucket?.arn;
const keyArns: Record<string, pulumi.Output<string>> = Object.fromEntries(Object.entries(backend?.keys ?? {}).map(([env, k]) => [env, k.arn]));

// ---- the boundary every role carries ---------------------------------------------------------------
const boundaryArn = pulumi.all([partition, account]).apply(([p, a]) => boundaryArnOf({ partition: p, account: a, app: cfg.app, bootstrapPath }));
const boundary = new PermissionsBoundary("boundary", {
    policyName: boundaryName(cfg.app),
    path: bootstrapPath,
    scope: pulumi.all([partition, account, boundaryArn, stateBucketArn, pulumi.all(Object.values(keyArns))])
        .apply(([p, a, b, bucket, keys]) => ({
            partition: p, account: a, app: cfg.app, bootstrapPath, boundaryArn: b, stateBucketArn: bucket, secretsKeyArns: keys,
        })),
}, opts);

// ---- GitHub OIDC and one role per environment -------------------------------------------------------
const oidc = new GithubOidc("github", { existingProviderArn: cfg.githubOidcProviderArn }, opts);

const ciRead = new aws.iam.Policy("ci-read", {
    path: bootstrapPath,
    description: "Every CI role: read the configuration of what the main program creates (no data, no secret values)",
    policy: partition.apply((p) => JSON.stringify(ciReadDocument(p))),
}, { provider });

// A family of stacks (pr-*: previews, deployed from any branch) creates its roles under a narrower
// boundary: an allow-list of what a preview's tasks need, so no policy its code writes escalates.
const hasFamily = cfg.environments.some((e) => e.access === "deploy" && e.stack.endsWith("*"));
const previewBoundary = hasFamily ? new PermissionsBoundary("preview-boundary", {
    policyName: previewBoundaryName(cfg.app),
    path: bootstrapPath,
    scope: pulumi.all([partition, account]).apply(([p, a]) => ({ partition: p, account: a, app: cfg.app, bootstrapPath, boundaryArn: "", secretsKeyArns: [] })),
    kind: { kind: "previews", objectsPrefix: PREVIEW_UPLOADS_PREFIX },
}, opts) : undefined;

const roles = cfg.environments.map((env) => {
    // The boundary the roles this environment's stacks create must carry.
    const created = env.stack.endsWith("*") && previewBoundary ? previewBoundary.arn : boundary.arn;
    const scope: pulumi.Output<StackScope> = pulumi.all([partition, account, created]).apply(([p, a, b]) => ({
        partition: p, account: a, app: cfg.app, bootstrapPath, boundaryArn: b, stack: env.stack, regions: cfg.deployRegions,
    }));
    const keyEnv = deployEnvironmentOf(cfg.environments, env.stack)?.name;
    const state = pulumi.all([stateBucketArn, keyEnv ? keyArns[keyEnv] : undefined]).apply(([bucketArn, keyArn]) => ({ bucketArn, keyArn }));
    const own: Record<string, pulumi.Input<string>> = {};
    if (env.access === "deploy") {
        // A family of stacks (pr-*) gets fewer groups: no network, no data stores (deployDocumentsFor).
        const groups = env.stack.endsWith("*") ? (["compute", "data", "ops", "iam"] as const) : (["network", "compute", "data", "ops", "iam"] as const);
        for (const group of groups) {
            own[group] = scope.apply((s) => JSON.stringify(deployDocumentsFor(s)[group]));
        }
    }
    if (backend) {
        own.state = pulumi.all([scope, state]).apply(([s, st]) => JSON.stringify(stateDocument(s, st, env.access)));
    }
    const role = new CiRole(`gha-${env.name}`, {
        roleName: `${cfg.app}-gha-${env.name}`,
        path: bootstrapPath,
        environment: env,
        trustPolicy: oidc.arn.apply((arn) => JSON.stringify(githubTrustDocument(arn, cfg.githubRepository, env.name))),
        permissionsBoundary: boundary.arn,
        sharedPolicyArns: [ciRead.arn],
        ownPolicies: own,
        // Two hours for a deploy: a first `pulumi up` creates the database and the cache.
        maxSessionDuration: env.access === "deploy" ? 7200 : 3600,
    }, opts);
    return { env, role };
});

const breakGlass = new BreakGlassRole("break-glass", {
    roleName: `${cfg.app}-break-glass`,
    path: bootstrapPath,
    trustPolicy: pulumi.all([partition, account]).apply(([p, a]) => JSON.stringify(breakGlassTrustDocument(p, a))),
    permissionsBoundary: boundary.arn,
    partition,
}, opts);

// ---- outputs: what GitHub and the main stacks take (README.md in this folder) -------------------------
const environmentRoles: pulumi.Output<EnvironmentRole[]> = pulumi.all(roles.map((r) => r.role.arn))
    .apply((arns) => roles.map((r, i) => ({ ...r.env, roleArn: arns[i] })));

export const githubOidcProviderArn = oidc.arn;
export const permissionsBoundaryArn = boundary.arn;
/** The boundary of the roles previews create (`groundwork:permissionsBoundaryArn` in preview/Pulumi.preview.yaml); only with a pr-* environment. */
export const previewPermissionsBoundaryArn = previewBoundary?.arn;
export const breakGlassRoleArn = breakGlass.arn;
/** Per GitHub environment: its role, what it may do, to which stack, and the GitHub secret that holds the ARN. */
export const environments = environmentRoles.apply((rs) => Object.fromEntries(rs.map((r) => [r.name, {
    roleArn: r.roleArn, access: r.access, stack: r.stack, githubSecret: workflowSecretName(r),
}])));
/** Per main stack: exactly the ARNs for its `groundwork:secretReaderRoleArns`. */
export const secretReaderRoleArns = pulumi.all([environmentRoles, breakGlass.arn]).apply(([rs, bg]) => secretReaders(rs, bg));
const loginUrl = backend?.bucket ? pulumi.interpolate`s3://${backend.bucket.bucketName}?region=${cfg.region}&awssdk=v2` : undefined;
const secretsProviders = cfg.secretsKeys && backend
    ? pulumi.all(Object.fromEntries(deployEnvs.map((e) => [e.stack, pulumi.interpolate`awskms://${backend.aliases[e.name].name}?region=${cfg.region}`])))
    : undefined;
/**
 * Self-managed backend only (empty on Pulumi Cloud): `loginUrl` for `pulumi login` when there is a
 * state bucket, `secretsProviders` per main stack for `pulumi stack init --secrets-provider`.
 */
export const selfManagedBackend = pulumi.all([loginUrl, secretsProviders]).apply(([url, providers]) => ({
    ...(url ? { loginUrl: url } : {}),
    ...(providers ? { secretsProviders: providers } : {}),
}));
/** Every command that wires the roles into GitHub and the main stacks, in order (run from the repository root). */
export const setup = pulumi.all([environmentRoles, breakGlass.arn, boundary.arn, selfManagedBackend])
    .apply(([rs, bg, b, backendInfo]) => setupCommands({
        repository: cfg.githubRepository, roles: rs, breakGlassArn: bg, boundaryArn: b,
        backendUrl: backendInfo.loginUrl, secretsProviders: backendInfo.secretsProviders,
    }));
