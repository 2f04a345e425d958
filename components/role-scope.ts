/**
 * Where the program's IAM roles live: one IAM path per stack and, when the account is
 * bootstrapped (bootstrap/), the permissions boundary every role a deploy role creates must carry.
 * Every component that creates a role takes a `roles` arg of this shape.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface RoleScope {
    /**
     * IAM path of the roles, `/<project>/<stack>/`. The bootstrap's deploy roles may create,
     * change and pass only roles under their stack's path, so one stack cannot touch another's.
     * @example "/groundwork/prod/"
     */
    path: string;
    /**
     * ARN of the managed policy every role gets as its permissions boundary (the bootstrap's);
     * undefined = none (an account that was not bootstrapped).
     * @example "arn:aws:iam::123456789012:policy/groundwork-bootstrap/groundwork-boundary"
     */
    permissionsBoundary?: pulumi.Input<string>;
}

/** The role inputs a scope sets: `{ path, permissionsBoundary }`, the path optionally one level deeper. */
export function roleScope(scope: RoleScope | undefined, sub?: string): { path?: string; permissionsBoundary?: pulumi.Input<string> } {
    if (!scope) return {};
    if (!/^\/([A-Za-z0-9+=,.@_-]+\/)*$/.test(scope.path)) {
        throw new Error(`roles.path must start and end with / and hold only letters, digits and +=,.@_-, got "${scope.path}". Example: /groundwork/prod/`);
    }
    return {
        path: sub ? `${scope.path}${sub}/` : scope.path,
        ...(scope.permissionsBoundary ? { permissionsBoundary: scope.permissionsBoundary } : {}),
    };
}
