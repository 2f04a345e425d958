/**
 * Plan records without the engine: reading an earlier plan written by `npm run plan -- --json
 * FILE` (for `--compare`) and querying one. Imports only Node's fs, so a bad file is refused
 * before the plan loads Pulumi or the providers.
 */
import * as fs from "fs";
import type { PlanRecord, RecordedResource } from "./engine";

/** Reads an earlier `npm run plan -- --json FILE` and checks it is a plan of `stack` that ran. */
export function readPlan(file: string, stack: string): PlanRecord {
    let record: PlanRecord;
    try {
        record = JSON.parse(fs.readFileSync(file, "utf8")) as PlanRecord;
    } catch (err) {
        throw new Error(`--compare ${file}: cannot read it as a plan (${(err as Error).message}). Write one with: npm run plan -- --stack ${stack} --json ${file}`);
    }
    if (!record || !Array.isArray(record.resources) || typeof record.stack !== "string") {
        throw new Error(`--compare ${file}: not a plan file (no stack or resources). Write one with: npm run plan -- --stack ${stack} --json ${file}`);
    }
    if (record.stack !== stack) throw new Error(`--compare ${file}: it is a plan of stack "${record.stack}", not "${stack}". Compare plans of one stack.`);
    if (record.problems?.length || record.error) {
        throw new Error(`--compare ${file}: that plan did not run (${record.problems?.length ? record.problems.map((p) => p.key).join(", ") : "program error"}), so there is nothing to compare against.`);
    }
    return record;
}

/** Resources that are not the root stack. */
export function registered(record: PlanRecord): RecordedResource[] {
    return record.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
}

export function ofType(record: PlanRecord, type: string): RecordedResource[] {
    return record.resources.filter((r) => r.type === type);
}
