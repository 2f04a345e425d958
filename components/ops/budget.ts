/**
 * A monthly AWS Budgets cost budget for the stack: the stack's alert topic hears when actual
 * spend passes 80% and 100% of it, and when the month's forecast passes 100%, so a cost that
 * drifts (a scaled-out service, NAT traffic, a forgotten resource) is noticed in days, not on the
 * invoice. The amount sits a margin above `npm run plan`'s fixed-cost estimate, which leaves out
 * usage charges (data transfer, requests, logs).
 *
 * Budgets cover a whole account: with one account per stack (as CI's per-stack roles assume) that
 * is the stack; stacks sharing an account filter by a cost allocation tag (`costFilterTag`).
 * Budgets publish to the topic through its access policy and KMS key (ops/monitoring.ts lets
 * budgets.amazonaws.com in). AWS updates budget figures about three times a day.
 *
 * Cost: free (a budget without actions costs nothing).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface BudgetArgs {
    /**
     * The budget, USD per month: about 20% above the plan's fixed-cost estimate.
     * @default none (config: 95 in staging, 320 in prod)
     * @example 320
     */
    monthlyUsd: number;
    /**
     * The stack's alert topic (its policy and key must let budgets.amazonaws.com publish).
     * @default none (required)
     * @example monitoring.alertTopicArn
     */
    alertTopicArn: pulumi.Input<string>;
    /**
     * The budget's name in the Billing console, unique in the account.
     * @default "<project>-<stack>"
     * @example "groundwork-prod"
     */
    budgetName?: string;
    /**
     * Percentages of the budget at which actual spend alerts.
     * @default [80, 100]
     * @example [50, 80, 100]
     */
    actualThresholdsPercent?: number[];
    /**
     * Percentage of the budget at which the month's forecast alerts.
     * @default 100
     * @example 110
     */
    forecastThresholdPercent?: number;
    /**
     * Count only costs carrying this cost allocation tag, for stacks sharing an account. The tag
     * (the provider's `stack` default tag) must be activated as a cost allocation tag in the
     * Billing console first, or the budget sees nothing.
     * @default undefined (the whole account)
     * @example { key: "stack", value: "prod" }
     */
    costFilterTag?: { key: string; value: string };
}

export class Budget extends pulumi.ComponentResource {
    /** The budget (escape hatch). */
    public readonly budget: aws.budgets.Budget;
    public readonly budgetName: pulumi.Output<string>;

    constructor(name: string, args: BudgetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:ops:Budget", name, {}, opts);
        if (!Number.isInteger(args.monthlyUsd) || args.monthlyUsd < 1) {
            throw new Error(`Budget "${name}": monthlyUsd must be a whole number of dollars, at least 1, got ${args.monthlyUsd}. Example: 320`);
        }
        const actual = args.actualThresholdsPercent ?? [80, 100];
        const forecast = args.forecastThresholdPercent ?? 100;
        for (const [arg, values] of [["actualThresholdsPercent", actual], ["forecastThresholdPercent", [forecast]]] as const) {
            if (values.length === 0 || values.some((p) => !(p > 0 && p <= 1000))) {
                throw new Error(`Budget "${name}": ${arg} must hold percentages above 0 (up to 1000), got ${JSON.stringify(values)}. Example: ${arg === "actualThresholdsPercent" ? "[80, 100]" : "100"}`);
            }
        }
        if (new Set(actual).size !== actual.length) throw new Error(`Budget "${name}": actualThresholdsPercent has duplicates: ${JSON.stringify(actual)}. Example: [80, 100]`);
        const tag = args.costFilterTag;
        if (tag && (!/^[\w.:/=+\-@ ]{1,128}$/.test(tag.key) || tag.value.length === 0 || tag.value.length > 256)) {
            throw new Error(`Budget "${name}": costFilterTag must be a tag key and a non-empty value, got ${JSON.stringify(tag)}. Example: { key: "stack", value: "prod" }`);
        }

        const notify = (notificationType: "ACTUAL" | "FORECASTED", threshold: number) => ({
            notificationType, comparisonOperator: "GREATER_THAN", threshold, thresholdType: "PERCENTAGE",
            subscriberSnsTopicArns: [args.alertTopicArn],
        });
        this.budget = new aws.budgets.Budget(`${name}-monthly`, {
            name: args.budgetName ?? `${pulumi.getProject()}-${pulumi.getStack()}`,
            budgetType: "COST",
            timeUnit: "MONTHLY",
            limitAmount: String(args.monthlyUsd),
            limitUnit: "USD",
            costFilters: tag ? [{ name: "TagKeyValue", values: [`user:${tag.key}$${tag.value}`] }] : undefined,
            notifications: [...actual.map((p) => notify("ACTUAL", p)), notify("FORECASTED", forecast)],
        }, { parent: this });
        this.budgetName = this.budget.name;
        this.registerOutputs({ budgetName: this.budgetName });
    }
}
