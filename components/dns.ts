// SKELETON: interface fixed by index.ts; the edge work (issue 6) fills in the resources.
import * as pulumi from "@pulumi/pulumi";

export interface DnsArgs {
    zoneId: pulumi.Input<string>;
    appHost: string;
    apiHost: string;
    albDnsName: pulumi.Input<string>;
    apiProxied: boolean;
    /** Whether this stack owns the zone-wide TLS settings. */
    manageZoneSettings: boolean;
}

export class Dns extends pulumi.ComponentResource {
    constructor(name: string, args: DnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:edge:Dns", name, {}, opts);
        void args;
        this.registerOutputs({});
    }
}
