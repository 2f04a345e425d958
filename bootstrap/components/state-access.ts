/**
 * A CI role's access to its stack's Pulumi state in the self-managed S3 backend and to its
 * stack's secrets-provider key. Object paths are the backend's project layout:
 * `.pulumi/stacks/<project>/<stack>.json`, `.pulumi/{history,backups,journal}/<project>/<stack>/`,
 * `.pulumi/locks/organization/<project>/<stack>/`, plus `.pulumi/meta.yaml`.
 */
import type { Access } from "./config";
import { PolicyDocument, StackScope, StateScope, Statement, policyDocument } from "./policy-document";

export function stateDocument(s: StackScope, state: StateScope, access: Access): PolicyDocument | undefined {
    const statements: Statement[] = [];
    if (state.bucketArn) {
        const b = state.bucketArn;
        statements.push(
            // Listing shows stack names only; the backend lists to find stacks, locks and history.
            { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"], Resource: b },
            { Sid: "ReadBackendMetadata", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${b}/.pulumi/meta.yaml` },
            {
                // A preview only reads; an update also writes the checkpoint, history, backup and lock.
                Sid: access === "deploy" ? "ReadWriteStackState" : "ReadStackState",
                Effect: "Allow",
                Action: access === "deploy" ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"],
                Resource: [`${b}/.pulumi/*/${s.app}/${s.stack}.*`, `${b}/.pulumi/*/${s.app}/${s.stack}/*`],
            },
        );
    }
    if (state.keyArn) {
        // Pulumi decrypts the stack's data key once per run; config and state secrets use that key.
        statements.push({ Sid: "DecryptStackSecrets", Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: state.keyArn });
    }
    return statements.length > 0 ? policyDocument(statements) : undefined;
}
