/**
 * Where a service's Fargate tasks run: on-demand (`FARGATE`) or Spot (`FARGATE_SPOT`, up to 70%
 * cheaper, interrupted with a two-minute notice when AWS needs the capacity back), as an ECS
 * capacity provider strategy. Every service uses a strategy, even an all on-demand one, rather
 * than `launchType: "FARGATE"`: the AWS provider replaces a service that moves between a launch
 * type and a strategy, while a strategy changes in place (with a new deployment).
 */

/** How a service's tasks split between on-demand and Spot. */
export interface FargateCapacity {
    /**
     * Tasks that always run on-demand, before any split (the floor a Spot interruption cannot
     * take away). Only with `spotPercent` below 100.
     */
    onDemandBase: number;
    /** Share of the tasks above the base that run on Spot, 0-100. 0: all on-demand; 100: all Spot. */
    spotPercent: number;
}

/** Every task on-demand. */
export const ON_DEMAND: Readonly<FargateCapacity> = Object.freeze({ onDemandBase: 0, spotPercent: 0 });

/** One item of an ECS capacity provider strategy. */
export interface StrategyItem {
    capacityProvider: "FARGATE" | "FARGATE_SPOT";
    base: number;
    weight: number;
}

/** Throws, naming the arg, on a split ECS would refuse or that cannot be expressed. */
export function checkCapacity(component: string, c: FargateCapacity): void {
    if (!Number.isInteger(c.spotPercent) || c.spotPercent < 0 || c.spotPercent > 100) {
        throw new Error(`${component}: capacity.spotPercent must be a whole number of 0-100, got ${c.spotPercent}. Example: 50`);
    }
    if (!Number.isInteger(c.onDemandBase) || c.onDemandBase < 0 || c.onDemandBase > 100000) {
        throw new Error(`${component}: capacity.onDemandBase must be a whole number of 0 or more, got ${c.onDemandBase}. Example: 1`);
    }
    if (c.spotPercent === 100 && c.onDemandBase > 0) {
        // The on-demand provider would need weight 0, and ECS places no task on a weight-0 provider.
        throw new Error(`${component}: capacity.spotPercent 100 with an on-demand base of ${c.onDemandBase} is not a valid strategy; ` +
            "use a spotPercent of 1-99 above the base, or onDemandBase 0 for all Spot. Example: { onDemandBase: 1, spotPercent: 50 }");
    }
}

function gcd(a: number, b: number): number {
    return b === 0 ? a : gcd(b, a % b);
}

/** The capacity provider strategy for a split, weights reduced (50/50 is 1:1). */
export function capacityProviderStrategy(c: FargateCapacity): StrategyItem[] {
    checkCapacity("capacityProviderStrategy", c);
    if (c.spotPercent === 0) return [{ capacityProvider: "FARGATE", base: c.onDemandBase, weight: 1 }];
    if (c.spotPercent === 100) return [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }];
    const g = gcd(100 - c.spotPercent, c.spotPercent);
    return [
        { capacityProvider: "FARGATE", base: c.onDemandBase, weight: (100 - c.spotPercent) / g },
        { capacityProvider: "FARGATE_SPOT", base: 0, weight: c.spotPercent / g },
    ];
}

/** How `tasks` running tasks split under a strategy, as ECS places them: the base first, the rest by weight. */
export function splitTasks(strategy: readonly { capacityProvider: string; base?: number; weight?: number }[], tasks: number):
    { onDemand: number; spot: number } {
    let onDemand = 0;
    let spot = 0;
    let left = tasks;
    for (const item of strategy) {
        const base = Math.min(item.base ?? 0, left);
        if (item.capacityProvider === "FARGATE_SPOT") spot += base;
        else onDemand += base;
        left -= base;
    }
    const total = strategy.reduce((s, i) => s + (i.weight ?? 0), 0);
    for (const item of strategy) {
        const share = total > 0 ? left * (item.weight ?? 0) / total : 0;
        if (item.capacityProvider === "FARGATE_SPOT") spot += share;
        else onDemand += share;
    }
    return { onDemand, spot };
}
