// The ts-node transpiler of this project (tsconfig.json, "ts-node" section): ts-node's own swc
// transpiler (the one `"swc": true` selects), less the source maps' copy of each file's source
// (see withoutSourcesContent), with each file's output kept on disk under
// node_modules/.cache/groundwork/swc and used again while nothing it depends on has changed. The
// program, the tools, the tests and a real `pulumi preview`/`up` (Pulumi's runtime registers ts-node
// with this tsconfig) all load through it.
//
// Why: swc takes ~0.1 s to transpile the ~90 files a plan loads, in every run, for output that
// changes only when a file does; on a full cache @swc/core is not even loaded. The key is a sha256
// of the file's text and name, the compiler options ts-node hands over, the module kind, the
// versions of @swc/core and ts-node, the bytes of this file and of ts-node's swc transpiler,
// SWC_BINARY_PATH and GROUNDWORK_SWC_SOURCES_CONTENT: any change to one of them is a new entry. A
// missing, unreadable or malformed entry is transpiled again; a cache that cannot be written (a read-only node_modules) is skipped;
// when a version cannot be read nothing is cached. Code that is not a file on disk (`ts-node -e`,
// the REPL) is never written. `.cjs` and plain JavaScript: ts-node requires it before it can load
// TypeScript, and in a package of "type": "module" a `.js` file would not load as CommonJS.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { threadId } = require("worker_threads");

/** Where the entries live; `GROUNDWORK_SWC_CACHE` moves it (the tests use a folder of their own). */
function cacheDir() {
    return process.env.GROUNDWORK_SWC_CACHE || path.resolve(__dirname, "..", "node_modules", ".cache", "groundwork", "swc");
}

const sha256 = (...parts) => {
    const h = crypto.createHash("sha256");
    for (const p of parts) h.update(p).update("\0");
    return h.digest("hex");
};

const swcTranspiler = require.resolve("ts-node/transpilers/swc", { paths: [__dirname] });
let codeHash;
/** This file's and ts-node's swc transpiler's bytes, hashed once per process (ts-node calls `create` once per module kind). */
const transpilerCodeHash = () => (codeHash ??= sha256(fs.readFileSync(__filename), fs.readFileSync(swcTranspiler)));

/** Set to "1" to keep `sourcesContent` in the source maps (see withoutSourcesContent). */
const KEEP_SOURCES_ENV = "GROUNDWORK_SWC_SOURCES_CONTENT";

/**
 * The output without its source map's `sourcesContent` (for a source that is a file on disk). That field
 * is a second copy of the whole .ts file: ts-node parses, rewrites and base64-encodes each map into
 * its module's text, where V8 then scans it (0.8 MB of the 1.3 MB of maps a prod plan loads; 20-40 ms
 * of the plan). Stack positions come from `mappings`; whoever wants the original text (an uncaught
 * error's source line, VS Code's debugger) reads it from the file `sources` names. Two readers lose
 * by it: a debugger that cannot read this disk (Chrome DevTools through `--inspect`, a remote attach)
 * shows no TypeScript, and an error's source line comes from the file as it is now, edited or not.
 * `GROUNDWORK_SWC_SOURCES_CONTENT=1` keeps the field (a cache entry of its own). Code that is no
 * file on disk (`ts-node -e`, the REPL) always keeps it: the map is its only copy.
 */
function withoutSourcesContent(out) {
    if (typeof out.sourceMapText !== "string") return out;
    const map = JSON.parse(out.sourceMapText);
    if (!("sourcesContent" in map)) return out;
    delete map.sourcesContent;
    return { ...out, sourceMapText: JSON.stringify(map) };
}

function create(createOptions) {
    let inner;
    const keepSources = process.env[KEEP_SOURCES_ENV] === "1";
    // Made on the first miss only: on a full cache, @swc/core is never loaded.
    const transpileWithSwc = (input, options, onDisk = fs.existsSync(options.fileName)) => {
        const out = (inner ??= require(swcTranspiler).create(createOptions)).transpile(input, options);
        return keepSources || !onDisk ? out : withoutSourcesContent(out);
    };
    let salt;
    try {
        const version = (pkg) => JSON.parse(fs.readFileSync(createOptions.transpilerConfigLocalResolveHelper(`${pkg}/package.json`, true), "utf8")).version;
        salt = JSON.stringify([
            version("@swc/core"),
            version("ts-node"),
            transpilerCodeHash(),
            process.env.SWC_BINARY_PATH ?? null,
            keepSources,
            createOptions.nodeModuleEmitKind ?? null,
            createOptions.service.config.options,
        ]);
    } catch {
        return { transpile: transpileWithSwc };
    }
    const dir = cacheDir();
    return {
        transpile(input, options) {
            const key = sha256(salt, options.fileName, input);
            const file = path.join(dir, key.slice(0, 2), `${key}.json`);
            try {
                const hit = JSON.parse(fs.readFileSync(file, "utf8"));
                if (typeof hit.outputText === "string" && (hit.sourceMapText === undefined || typeof hit.sourceMapText === "string")) return hit;
            } catch {
                // not cached yet, or unreadable: transpile below
            }
            const onDisk = fs.existsSync(options.fileName);
            const out = transpileWithSwc(input, options, onDisk);
            if (!onDisk) return out;
            // Written whole under a name of this writer's own, then renamed: a reader sees the entry or none.
            const tmp = `${file}.${process.pid}.${threadId}.${crypto.randomBytes(4).toString("hex")}.tmp`;
            try {
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(tmp, JSON.stringify({ outputText: out.outputText, sourceMapText: out.sourceMapText }));
                fs.renameSync(tmp, file);
            } catch {
                // a cache that cannot be written is no cache
                try { fs.unlinkSync(tmp); } catch { /* never written */ }
            }
            return out;
        },
    };
}

module.exports = { create };
