// Mocha reporter: the usual spec output, plus the run's stats written as JSON to
// $GROUNDWORK_MOCHA_JSON (when set) so that .ci/run can print "N passed, N failed".
"use strict";
const fs = require("fs");
const Spec = require("mocha").reporters.Spec;

class SpecWithSummary extends Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once("end", () => {
            const file = process.env.GROUNDWORK_MOCHA_JSON;
            if (file) fs.writeFileSync(file, JSON.stringify({ stats: this.stats }));
        });
    }
}
module.exports = SpecWithSummary;
