/**
 * Temporary folders for tests: made under the system's temp folder and removed when the process
 * that made them (a mocha worker) exits, so a run leaves nothing behind however its tests end.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const made: string[] = [];
process.on("exit", () => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** `fs.mkdtempSync(<tmp>/<prefix>XXXXXX)`, removed when this process exits. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}
