/** Shared bits of the command-line tools: argument parsing (from args.ts) and the sections `plan` appends. */
import { costSection } from "./cost";
import { criticalPathSection } from "./critical-path";
import type { PlanRecord, PlanSection } from "./engine";

export type { PlanSection } from "./engine";
import { policySection } from "./policy-runner";

// Argument parsing lives in args.ts (no Pulumi imports), so that `npm run env` does not load the plan's sections.
export { parseArgs, projectDirOf, runWhere } from "./args";
export type { CliArgs } from "./args";

/** Sections appended to the plan, in order (policy verdict, cost estimate, first deploy's critical path). */
export const hooks: ((record: PlanRecord) => Promise<PlanSection>)[] = [
    policySection,
    costSection,
    criticalPathSection,
];
