/**
 * IAM policy documents as plain data: the statement shape, the scopes the bootstrap's policies
 * are written for, and the ARNs and conditions they share. Pure functions of resolved strings, so
 * the tests read exactly what `pulumi up` would send.
 */

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface Statement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal?: Record<string, string | string[]>;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    Condition?: ConditionBlock;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

export function policyDocument(statements: Statement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/** Merges condition blocks; keys under the same operator are combined. */
export function conditions(...blocks: (ConditionBlock | undefined)[]): ConditionBlock {
    const out: ConditionBlock = {};
    for (const b of blocks) {
        for (const [op, keys] of Object.entries(b ?? {})) out[op] = { ...(out[op] ?? {}), ...keys };
    }
    return out;
}

/** What every bootstrap policy is written against. */
export interface AccountScope {
    partition: string;
    account: string;
    /** The main program's project name (its `app` tag, IAM path and secret prefix). */
    app: string;
    /** IAM path of everything the bootstrap creates, e.g. `/groundwork-bootstrap/`. */
    bootstrapPath: string;
    /** ARN of the permissions boundary. */
    boundaryArn: string;
}

/** One GitHub environment's view: the stack (or family of stacks) it may touch, and where. */
export interface StackScope extends AccountScope {
    /** Stack name or pattern ending in `*`. */
    stack: string;
    /** Regions the role may act in. */
    regions: string[];
}

/** The optional state backend: the bucket and the stack's secrets-provider key. */
export interface StateScope {
    bucketArn?: string;
    /** KMS key of the stack's secrets provider. */
    keyArn?: string;
}

/** `arn:<partition>:<service>:*:<account>:<resource>` (the region is left to aws:RequestedRegion). */
export function arn(s: AccountScope, service: string, resource: string, region = "*"): string {
    return `arn:${s.partition}:${service}:${region}:${s.account}:${resource}`;
}

/** IAM is global: `arn:<partition>:iam::<account>:<resource>`. */
export function iamArn(s: AccountScope, resource: string): string {
    return `arn:${s.partition}:iam::${s.account}:${resource}`;
}

/** Path under which the main program creates the stack's IAM roles: `/<app>/<stack>/`. */
export function stackRolePath(app: string, stack: string): string {
    return `/${app}/${stack}/`;
}

/** Only in the given regions (every regional statement carries this). */
export function inRegions(regions: string[]): ConditionBlock {
    return { StringEquals: { "aws:RequestedRegion": regions } };
}

/** The resource carries the main program's tags for this stack (provider defaultTags set them). */
export function ownResource(s: StackScope): ConditionBlock {
    return { StringEquals: { "aws:ResourceTag/app": s.app }, StringLike: { "aws:ResourceTag/stack": s.stack } };
}

/** The request sets this stack's tags. */
export function ownRequestTags(s: StackScope): ConditionBlock {
    return { StringEquals: { "aws:RequestTag/app": s.app }, StringLike: { "aws:RequestTag/stack": s.stack } };
}
