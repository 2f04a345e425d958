/** no-public-task-ip: ECS services run tasks without public IPs (private subnets, egress through NAT). */
import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { isTrue } from "./helpers";

export const noPublicTaskIp: ResourceValidationPolicy = {
    name: "no-public-task-ip",
    description: "ECS services do not give tasks public IP addresses.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set networkConfiguration.assignPublicIp: false and place the service in private subnets with a NAT gateway or VPC endpoints for egress.",
    validateResource: validateResourceOfType(aws.ecs.Service, (svc, args, report) => {
        if (isTrue(svc.networkConfiguration?.assignPublicIp)) {
            report(`ECS service "${args.name}" assigns public IPs to its tasks, exposing them to the internet. `
                + `Set networkConfiguration.assignPublicIp: false and use private subnets.`);
        }
    }),
};
