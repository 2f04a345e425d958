/**
 * Fargate Spot (issue 15): staging's tasks on Spot, prod's worker taking a Spot share above an
 * on-demand base, every service through a capacity provider strategy on a cluster that has both
 * Fargate providers, and the worker's two minutes to stop.
 */
import { strict as assert } from "assert";
import { capacityProviderStrategy, checkCapacity, splitTasks } from "../components/compute/capacity";
import { INDEPENDENT_SETTINGS, STAGING_ON_DEMAND, byType, goodPlan, one } from "./harness";

const SERVICE = "aws:ecs/service:Service";
type Strategy = { capacityProvider: string; base: number; weight: number }[];
const strategyOf = (s: { inputs: Record<string, unknown> }) => s.inputs.capacityProviderStrategies as Strategy;

describe("Fargate Spot", () => {
    describe("capacity provider strategies", () => {
        it("puts every task on one provider at 0% and 100%, and splits by reduced weights above an on-demand base", () => {
            assert.deepEqual(capacityProviderStrategy({ onDemandBase: 0, spotPercent: 0 }), [{ capacityProvider: "FARGATE", base: 0, weight: 1 }]);
            assert.deepEqual(capacityProviderStrategy({ onDemandBase: 2, spotPercent: 0 }), [{ capacityProvider: "FARGATE", base: 2, weight: 1 }]);
            assert.deepEqual(capacityProviderStrategy({ onDemandBase: 0, spotPercent: 100 }), [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }]);
            assert.deepEqual(capacityProviderStrategy({ onDemandBase: 1, spotPercent: 50 }), [
                { capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }]);
            assert.deepEqual(capacityProviderStrategy({ onDemandBase: 1, spotPercent: 75 }), [
                { capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", base: 0, weight: 3 }]);
            assert.deepEqual(capacityProviderStrategy({ onDemandBase: 0, spotPercent: 33 }).map((i) => i.weight), [67, 33]);
        });

        it("places tasks as ECS does: the base on-demand first, the rest by weight", () => {
            const s = capacityProviderStrategy({ onDemandBase: 1, spotPercent: 75 });
            assert.deepEqual(splitTasks(s, 1), { onDemand: 1, spot: 0 });
            assert.deepEqual(splitTasks(s, 5), { onDemand: 2, spot: 3 });
            assert.deepEqual(splitTasks(capacityProviderStrategy({ onDemandBase: 0, spotPercent: 100 }), 3), { onDemand: 0, spot: 3 });
            assert.deepEqual(splitTasks(capacityProviderStrategy({ onDemandBase: 4, spotPercent: 50 }), 2), { onDemand: 2, spot: 0 });
        });

        it("refuses a split ECS cannot place, naming the arg", () => {
            assert.throws(() => checkCapacity("WorkerService \"w\"", { onDemandBase: 1, spotPercent: 100 }), /capacity\.spotPercent 100 with an on-demand base of 1.*Example/);
            assert.throws(() => checkCapacity("WorkerService \"w\"", { onDemandBase: 0, spotPercent: 101 }), /capacity\.spotPercent must be a whole number of 0-100, got 101/);
            assert.throws(() => checkCapacity("WorkerService \"w\"", { onDemandBase: -1, spotPercent: 50 }), /capacity\.onDemandBase must be a whole number/);
        });
    });

    describe("on the recorded graph", () => {
        it("runs staging's api and worker tasks all on Fargate Spot", async () => {
            const r = await goodPlan("staging");
            for (const name of ["api-service", "worker-service"]) {
                assert.deepEqual(strategyOf(one(r, SERVICE, name)), [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }], name);
            }
        });

        it("keeps prod's api on-demand and gives the worker an on-demand base of workerMinTasks, then half its tasks on Spot", async () => {
            const r = await goodPlan("prod");
            assert.deepEqual(strategyOf(one(r, SERVICE, "api-service")), [{ capacityProvider: "FARGATE", base: 0, weight: 1 }]);
            assert.deepEqual(strategyOf(one(r, SERVICE, "worker-service")), [
                { capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }]);
            const more = await goodPlan("prod", INDEPENDENT_SETTINGS); // workerMinTasks 2, workerSpotPercent 80
            assert.deepEqual(strategyOf(one(more, SERVICE, "worker-service")), [
                { capacityProvider: "FARGATE", base: 2, weight: 1 }, { capacityProvider: "FARGATE_SPOT", base: 0, weight: 4 }]);
        });

        it("runs everything on-demand with fargateSpot off, still through a strategy (no service replacement to switch back)", async () => {
            const r = await goodPlan("staging", STAGING_ON_DEMAND);
            assert.deepEqual(byType(r, SERVICE).map((s) => s.name).sort(), ["api-service", "worker-service"]);
            for (const s of byType(r, SERVICE)) {
                assert.deepEqual(strategyOf(s), [{ capacityProvider: "FARGATE", base: 0, weight: 1 }], s.name);
                assert.equal(s.inputs.launchType, undefined);
            }
        });

        it("redeploys on a changed strategy instead of replacing the service, on a cluster that has both providers", async () => {
            for (const stack of ["staging", "prod"]) {
                const r = await goodPlan(stack);
                const providers = one(r, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders");
                assert.deepEqual(providers.inputs.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
                assert.equal(providers.inputs.clusterName, one(r, "aws:ecs/cluster:Cluster").state.name);
                for (const s of byType(r, SERVICE)) {
                    assert.equal(s.inputs.forceNewDeployment, true, s.name);
                    assert.equal(s.inputs.platformVersion, "LATEST", `${s.name}: Spot takes ARM64 tasks on platform 1.4.0`);
                    // Created only once the cluster has FARGATE_SPOT: the cluster input comes through the association.
                    assert.ok((s.propertyDependencies.cluster ?? []).includes(providers.urn), `${s.name} waits for the capacity providers`);
                }
            }
        });

        it("gives the worker 120 seconds between SIGTERM and SIGKILL (a Spot notice is two minutes)", async () => {
            for (const stack of ["staging", "prod"]) {
                const r = await goodPlan(stack);
                const app = (name: string) => (JSON.parse(one(r, "aws:ecs/taskDefinition:TaskDefinition", name).inputs.containerDefinitions as string) as
                    { name: string; stopTimeout?: number }[]).find((c) => c.name === "app");
                assert.equal(app("worker-task")?.stopTimeout, 120, stack);
                assert.equal(app("api-task")?.stopTimeout, 30, stack);
            }
        });
    });
});
