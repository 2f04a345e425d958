/**
 * The second US region a stack copies its data to (database backups, uploads), so that the data
 * survives the loss of the stack's own region. Shared by the Database and PrivateBucket args.
 */
import type * as aws from "@pulumi/aws";
import { AWS_US_REGIONS } from "../config/defaults";

export interface SecondRegion {
    /**
     * A US region other than the stack's (AWS copies automated backups between every pair of US
     * regions; `aws rds describe-source-regions --region <it>` confirms it for yours).
     * @example "us-west-2"
     */
    region: string;
    /**
     * An explicit provider for that region (default providers are disabled), carrying the stack
     * provider's `defaultTags`.
     * @example providers.awsBackup
     */
    provider: aws.Provider;
}

/**
 * Throws, naming the component and arg, unless `second` is a US region. (That it differs from the
 * stack's region is checked where the stack's region is known: the config module.)
 */
export function checkSecondRegion(component: string, arg: string, second: SecondRegion): void {
    if (!(AWS_US_REGIONS as readonly string[]).includes(second.region)) {
        throw new Error(`${component}: ${arg}.region must be a US region (${AWS_US_REGIONS.join(", ")}), got "${second.region}". Example: us-west-2`);
    }
}
