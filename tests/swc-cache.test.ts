/**
 * tools/swc-cached.js, the project's ts-node transpiler: ts-node's swc transpiler with a disk cache.
 * Its output is ts-node's own swc output, byte for byte, from the cache or not; a changed file is a
 * new entry; a damaged entry is transpiled again.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { create } from "ts-node";

const ROOT = path.resolve(__dirname, "..");
const TSCONFIG = path.join(ROOT, "tsconfig.json");
const FILES = ["components/edge/stripe-provider.ts", "components/data/rds-ca.ts", "tools/engine.ts"].map((f) => path.join(ROOT, f));

describe("the cached swc transpiler (tools/swc-cached.js)", () => {
    let dir: string;
    let saved: string | undefined;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "swc-cache-"));
        saved = process.env.GROUNDWORK_SWC_CACHE;
        process.env.GROUNDWORK_SWC_CACHE = dir;
    });
    after(() => {
        if (saved === undefined) delete process.env.GROUNDWORK_SWC_CACHE;
        else process.env.GROUNDWORK_SWC_CACHE = saved;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const entries = () => fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".json")).map((f) => path.join(dir, String(f)));
    // The committed tsconfig's ts-node section selects the cached transpiler; the reference is ts-node's own swc.
    const cached = () => create({ project: TSCONFIG, transpileOnly: true });
    const reference = create({ project: TSCONFIG, transpileOnly: true, transpiler: "ts-node/transpilers/swc" });

    it("is what the committed tsconfig selects", () => {
        assert.equal(cached().options.transpiler, "./tools/swc-cached.js");
    });

    it("gives ts-node's own swc output, first transpiling and writing one entry per file, then from the entries", () => {
        const want = FILES.map((f) => reference.compile(fs.readFileSync(f, "utf8"), f));
        assert.deepEqual(FILES.map((f) => cached().compile(fs.readFileSync(f, "utf8"), f)), want, "cold");
        assert.equal(entries().length, FILES.length);
        const mtimes = entries().map((e) => fs.statSync(e).mtimeMs);
        assert.deepEqual(FILES.map((f) => cached().compile(fs.readFileSync(f, "utf8"), f)), want, "from the cache, in a new service");
        assert.deepEqual(entries().map((e) => fs.statSync(e).mtimeMs), mtimes, "the entries were read, not written again");
    });

    it("keeps a changed file apart: a new entry, and the new output", () => {
        const before = entries().length;
        const text = fs.readFileSync(FILES[1], "utf8") + "\nexport const addedForTheTest = 1;\n";
        const out = cached().compile(text, FILES[1]);
        assert.equal(entries().length, before + 1);
        assert.match(out, /addedForTheTest = 1/);
        assert.equal(out, reference.compile(text, FILES[1]));
    });

    it("transpiles again over a damaged entry, and mends it", () => {
        for (const e of entries()) fs.writeFileSync(e, "{ damaged");
        const want = reference.compile(fs.readFileSync(FILES[0], "utf8"), FILES[0]);
        assert.equal(cached().compile(fs.readFileSync(FILES[0], "utf8"), FILES[0]), want);
        assert.ok(entries().some((e) => fs.readFileSync(e, "utf8").startsWith("{\"outputText\"")), "the entry was written again");
    });
});
