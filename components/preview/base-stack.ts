/**
 * A preview's view of its base stack: one `pulumi.StackReference` to `<organization>/<project>/<stack>`
 * and its two outputs made for previews (contract.ts), checked as they arrive so that a base
 * that does not host previews, or lacks a part the preview needs, fails the update with what to
 * do instead of a missing value deep inside a resource.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PreviewBase, PreviewSecrets } from "./contract";

export class BaseStack {
    /** The stack reference (a read: nothing of the base is created, changed or deleted). */
    public readonly reference: pulumi.StackReference;
    /** `previewBase`: the base's shared parts by id. */
    public readonly base: pulumi.Output<PreviewBase>;
    /** `previewSecrets`: what the preview's own secrets are made from. Secret. */
    public readonly secrets: pulumi.Output<PreviewSecrets>;

    /**
     * @param name logical name of the reference
     * @param stackName `<organization>/<project>/<stack>` (groundwork:previewBaseStack)
     * @param check throws when the base cannot host this preview (another region, another port…);
     *   every field the preview reads passes it, so the update fails with its message
     */
    constructor(name: string, private readonly stackName: string, check?: (b: PreviewBase) => void, opts?: pulumi.CustomResourceOptions) {
        if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(stackName)) {
            throw new Error(`BaseStack "${name}": stackName must be <organization>/<project>/<stack>, got "${stackName}". Example: acme/groundwork/staging`);
        }
        this.reference = new pulumi.StackReference(name, { name: stackName }, opts);
        const hint = `set groundwork:previews: true in its stack file and run \`pulumi up\` on it first`;
        this.base = this.reference.getOutput("previewBase").apply((v) => {
            if (!v || typeof v !== "object") throw new Error(`the base stack ${stackName} exports no previewBase output: ${hint}`);
            check?.(v as PreviewBase);
            return v as PreviewBase;
        });
        this.secrets = pulumi.secret(this.reference.getOutput("previewSecrets").apply((v) => {
            if (!v || typeof v !== "object") throw new Error(`the base stack ${stackName} exports no previewSecrets output: ${hint}`);
            return v as PreviewSecrets;
        }));
    }

    /**
     * One field of `previewBase` that the preview needs, or a failed update naming the base's
     * part that is missing (`what`) and the config that adds it.
     */
    public need<T>(what: string, pick: (b: PreviewBase) => T | undefined, fix: string): pulumi.Output<T> {
        return this.base.apply((b) => {
            const v = pick(b);
            if (v === undefined || v === null) throw new Error(`the base stack ${this.stackName} has no ${what}, which this preview uses: ${fix}`);
            return v;
        });
    }

    /** One credential of `previewSecrets` (secret), or a failed update naming it. */
    public needSecret(what: string, pick: (s: PreviewSecrets) => string | undefined, fix: string): pulumi.Output<string> {
        return pulumi.secret(this.secrets.apply((s) => {
            const v = pick(s);
            if (!v) throw new Error(`the base stack ${this.stackName} gives previews no ${what}: ${fix}`);
            return v;
        }));
    }
}
