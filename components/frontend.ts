// SKELETON: interface fixed by index.ts; the edge work (issue 6) fills in the resources.
import * as pulumi from "@pulumi/pulumi";

export interface FrontendArgs {
    projectName: string;
    regions: string[];
    rootDirectory?: string;
    gitRepository?: string;
    /** The custom domain, app.<domain>. */
    domain: string;
    /** Plain public variables (NEXT_PUBLIC_API_URL and extras from config). */
    environment: Record<string, pulumi.Input<string>>;
}

export class Frontend extends pulumi.ComponentResource {
    public readonly projectId: pulumi.Output<string>;
    /** `<project>.vercel.app`. */
    public readonly vercelDomain: pulumi.Output<string>;
    constructor(name: string, args: FrontendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:Frontend", name, {}, opts);
        this.projectId = pulumi.output("prj");
        this.vercelDomain = pulumi.output(`${args.projectName}.vercel.app`);
        this.registerOutputs({});
    }
}
