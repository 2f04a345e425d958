// Compiles the pack to policies/bin/ (CommonJS) with swc: no type-check (npm test does that), about
// 50 ms. Pulumi's policy host loads a TypeScript pack through ts-node with type-checking forced on
// (run-policy-pack/run.js), which takes 15 s and more before every `pulumi preview --policy-pack`;
// the compiled pack starts in about a second. Runs as the root package's `prepare` script (npm ci,
// npm install) and before the pack's tests, so bin/ is never older than the sources.
"use strict";
const fs = require("fs");
const path = require("path");
const { transformFileSync } = require("@swc/core");

const SRC = __dirname;
const OUT = path.join(SRC, "bin");

function build() {
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.mkdirSync(OUT, { recursive: true });
    const files = fs.readdirSync(SRC).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    for (const file of files) {
        const { code } = transformFileSync(path.join(SRC, file), {
            jsc: { parser: { syntax: "typescript" }, target: "es2022" },
            module: { type: "commonjs" },
            sourceMaps: false,
        });
        fs.writeFileSync(path.join(OUT, file.replace(/\.ts$/, ".js")), code);
    }
    return files.length;
}

module.exports = { build, OUT };
if (require.main === module) {
    const n = build();
    console.log(`policies: compiled ${n} files to ${path.relative(process.cwd(), OUT) || OUT}`);
}
