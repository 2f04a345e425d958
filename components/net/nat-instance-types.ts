/**
 * The sizes a NAT instance (nat-instance.ts) may use: a table of its own, with no SDK import, so
 * that the config modules that check `groundwork:natInstanceType` load without the AWS provider.
 */

/** Graviton sizes a NAT instance may use, with their sustained (baseline) bandwidth. All burst up to 5 Gbps. */
export const NAT_INSTANCE_TYPES = {
    "t4g.nano": { baselineMbps: 32 },
    "t4g.micro": { baselineMbps: 64 },
    "t4g.small": { baselineMbps: 128 },
    "t4g.medium": { baselineMbps: 256 },
} as const;
export type NatInstanceType = keyof typeof NAT_INSTANCE_TYPES;
