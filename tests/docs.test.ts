import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { estimateCost } from "../tools/cost";
import { PROJECT_DIR, readProject } from "../tools/engine";
import { ELSEWHERE, EVERY_OPT_IN, goodPlan } from "./harness";

const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");

describe("README", () => {
    it("gives the two newcomer commands, and CI runs the test one", () => {
        assert.ok(readme.includes("npm ci && npm run plan -- --stack prod"));
        assert.ok(readme.includes("npm ci && npm test"));
        assert.match(fs.readFileSync(path.join(PROJECT_DIR, ".ci/run"), "utf8"), /^npm test/m);
    });

    it("states each committed stack's monthly total in the cost table as the plan computes it", async () => {
        for (const stack of ["staging", "prod"]) {
            const row = readme.split("\n").find((l) => l.startsWith(`| ${stack} |`));
            assert.ok(row, `README's cost table has a ${stack} row`);
            const total = /\*\*\$([0-9.]+)\*\*/.exec(row)?.[1];
            assert.equal(total, estimateCost(await goodPlan(stack)).total.toFixed(2), `${stack}'s total in README`);
        }
    });

    it("starts \"Deploying for real\" with the bootstrap, so a new team starts from an empty account", () => {
        const section = readme.split("\n## Deploying for real\n")[1].split("\n## ")[0];
        // Its first paragraph: the bootstrap's two commands and the link to its walkthrough.
        const first = section.trim().split(/\n\s*\n/)[0];
        assert.match(first, /bootstrap/i, first);
        assert.match(first, /cd bootstrap && pulumi up/, first);
        assert.match(first, /gh secret set/, first);
        assert.match(first, /\(bootstrap\/README\.md#from-an-empty-aws-account-to-a-green-staging-deploy-in-ci\)/, first);
        assert.ok(fs.readFileSync(path.join(PROJECT_DIR, "bootstrap/README.md"), "utf8").includes("\n## From an empty AWS account to a green staging deploy in CI\n"));
        // And its commands: the first numbered step is the bootstrap.
        const firstStep = /^# (\d+)\. (.*)$/m.exec(section.split("```bash")[1] ?? "");
        assert.ok(firstStep, "the section's commands are numbered steps");
        assert.match(firstStep[2], /bootstrap/, firstStep[0]);
    });

    it("documents every config key in the table", () => {
        for (const key of Object.keys(readProject().config ?? {})) {
            assert.ok(readme.includes(`| \`${key}\` |`), `README lacks config key ${key}`);
        }
    });

    it("documents every stack output the program exports, and only those", async () => {
        // prod's outputs, plus those only other shapes have (a worker built from its own image, the
        // opt-in parts, a staging that hosts previews, a pull request's preview).
        const exported = [...new Set([...Object.keys((await goodPlan("prod")).outputs),
            ...Object.keys((await goodPlan("prod", ELSEWHERE)).outputs),
            ...Object.keys((await goodPlan("prod", EVERY_OPT_IN)).outputs),
            ...Object.keys((await goodPlan("staging")).outputs),
            ...Object.keys((await goodPlan("pr-123", undefined, { previewBranch: "feature/x" })).outputs)])].sort();
        const documented = [...readme.split("## Stack outputs")[1].split("\n## ")[0].matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).sort();
        assert.deepEqual(documented, exported);
    });
});
