// The ts-node transpiler of this project (tsconfig.json, "ts-node" section): ts-node's own swc
// transpiler (the one `"swc": true` selects), with each file's output kept on disk under
// node_modules/.cache/groundwork/swc and used again while nothing it depends on has changed. The
// program, the tools, the tests and a real `pulumi preview`/`up` (Pulumi's runtime registers ts-node
// with this tsconfig) all load through it.
//
// Why: swc takes ~0.1 s to transpile the ~90 files a plan loads, in every run, for output that
// changes only when a file does. The key is a sha256 of the file's text and name, the compiler
// options ts-node hands over, the module kind, and the versions of @swc/core and ts-node: any change
// to one of them is a new entry. A missing, unreadable or malformed entry is transpiled again; a
// cache that cannot be written (a read-only node_modules) is skipped. Plain JavaScript: ts-node
// loads it before it can load TypeScript.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** Where the entries live; `GROUNDWORK_SWC_CACHE` moves it (the tests use a folder of their own). */
function cacheDir() {
    return process.env.GROUNDWORK_SWC_CACHE || path.resolve(__dirname, "..", "node_modules", ".cache", "groundwork", "swc");
}

function versionOf(resolve, pkg) {
    try {
        return JSON.parse(fs.readFileSync(resolve(`${pkg}/package.json`), "utf8")).version;
    } catch {
        return "unknown";
    }
}

exports.create = function create(createOptions) {
    const swc = require(require.resolve("ts-node/transpilers/swc", { paths: [__dirname] }));
    const inner = swc.create(createOptions);
    const resolve = (id) => createOptions.transpilerConfigLocalResolveHelper(id, true);
    const salt = JSON.stringify([
        "groundwork-swc-cache-1",
        versionOf(resolve, "@swc/core"),
        versionOf(resolve, "ts-node"),
        createOptions.nodeModuleEmitKind ?? null,
        createOptions.service.config.options,
    ]);
    const dir = cacheDir();
    return {
        transpile(input, options) {
            const key = crypto.createHash("sha256").update(salt).update("\0").update(options.fileName).update("\0").update(input).digest("hex");
            const file = path.join(dir, key.slice(0, 2), `${key}.json`);
            try {
                const hit = JSON.parse(fs.readFileSync(file, "utf8"));
                if (typeof hit.outputText === "string" && (hit.sourceMapText === undefined || typeof hit.sourceMapText === "string")) return hit;
            } catch {
                // not cached yet, or unreadable: transpile below
            }
            const out = inner.transpile(input, options);
            try {
                fs.mkdirSync(path.dirname(file), { recursive: true });
                // Written whole, then renamed: a process reading at the same time sees the entry or none.
                const tmp = `${file}.${process.pid}.tmp`;
                fs.writeFileSync(tmp, JSON.stringify({ outputText: out.outputText, sourceMapText: out.sourceMapText }));
                fs.renameSync(tmp, file);
            } catch {
                // a cache that cannot be written is no cache
            }
            return out;
        },
    };
};
