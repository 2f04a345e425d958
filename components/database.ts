// SKELETON: interface fixed by index.ts; the data-tier work (issue 5) fills in the resources.
import * as pulumi from "@pulumi/pulumi";

export interface DatabaseArgs {
    subnetIds: pulumi.Input<string>[];
    securityGroupId: pulumi.Input<string>;
    engineVersion: "16" | "17";
    instanceClass: string;
    allocatedStorage: number;
    maxAllocatedStorage: number;
    backupRetentionDays: number;
    multiAz: boolean;
    deletionProtection: boolean;
    dbName: string;
    username: string;
    /** prod: `protect` + `retainOnDelete` on the instance and its parameter group. */
    protect: boolean;
}

export class Database extends pulumi.ComponentResource {
    /** Host name of the instance. */
    public readonly endpoint: pulumi.Output<string>;
    /** RDS identifier (for alarms). */
    public readonly instanceId: pulumi.Output<string>;
    /** `postgresql://user:pass@host:5432/db?sslmode=require`, secret. */
    public readonly databaseUrl: pulumi.Output<string>;
    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:data:Database", name, {}, opts);
        void args;
        this.endpoint = pulumi.output("db.example");
        this.instanceId = pulumi.output("db");
        this.databaseUrl = pulumi.secret("postgresql://skeleton");
        this.registerOutputs({});
    }
}
