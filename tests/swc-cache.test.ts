/**
 * tools/swc-cached.cjs, the project's ts-node transpiler: ts-node's swc transpiler with a disk cache.
 * Its output is ts-node's own swc output, byte for byte, from the cache or not, except that the
 * inline source map of a file on disk carries no `sourcesContent` (its copy of the source) unless
 * GROUNDWORK_SWC_SOURCES_CONTENT=1; entries are served;
 * a changed file, file name or compiler option is a new entry; a damaged entry is transpiled again;
 * code that is no file on disk is not written.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CreateOptions, create } from "ts-node";
import { setEnv, tempDir } from "./temp-dir";

const ROOT = path.resolve(__dirname, "..");
const TSCONFIG = path.join(ROOT, "tsconfig.json");
const FILES = ["components/edge/stripe-provider.ts", "components/data/rds-ca.ts", "tools/engine.ts"].map((f) => path.join(ROOT, f));
const read = (f: string) => fs.readFileSync(f, "utf8");

const INLINE_MAP = /(\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,)([A-Za-z0-9+/=]+)/;
/** The inline source map ts-node appends to compiled code. */
function inlineMap(code: string): Record<string, unknown> {
    const m = INLINE_MAP.exec(code);
    assert.ok(m, "compiled code carries an inline source map");
    return JSON.parse(Buffer.from(m[2], "base64").toString("utf8")) as Record<string, unknown>;
}
/** `code` with its inline map's `sourcesContent` removed, the rest of the map as it was. */
function withoutSourcesContent(code: string): string {
    const map = inlineMap(code);
    assert.ok("sourcesContent" in map, "control: ts-node's own swc output carries the source in its map");
    delete map.sourcesContent;
    return code.replace(INLINE_MAP, (_, head: string) => head + Buffer.from(JSON.stringify(map), "utf8").toString("base64"));
}

describe("the cached swc transpiler (tools/swc-cached.cjs)", () => {
    let dir: string;
    let restore: () => void;
    before(() => {
        dir = tempDir("swc-cache-");
        restore = setEnv("GROUNDWORK_SWC_CACHE", path.join(dir, "cache"));
    });
    after(() => restore());

    const cacheRoot = () => path.join(dir, "cache");
    const entries = () => (fs.existsSync(cacheRoot()) ? fs.readdirSync(cacheRoot(), { recursive: true }).map(String) : []).map((f) => path.join(cacheRoot(), f)).filter((f) => f.endsWith(".json"));
    const others = () => (fs.existsSync(cacheRoot()) ? fs.readdirSync(cacheRoot(), { recursive: true }).map(String) : []).filter((f) => f.endsWith(".tmp"));
    // The committed tsconfig's ts-node section selects the cached transpiler; the reference is ts-node's own swc.
    const cached = (o: CreateOptions = {}) => create({ project: TSCONFIG, transpileOnly: true, ...o });
    const reference = (o: CreateOptions = {}) => create({ project: TSCONFIG, transpileOnly: true, transpiler: "ts-node/transpilers/swc", ...o });

    it("is what the committed tsconfig selects, and emits swc's CommonJS (not TypeScript's)", () => {
        assert.equal(cached().options.transpiler, "./tools/swc-cached.cjs");
        const out = cached().compile("export const x = 1;\n", FILES[0]);
        assert.match(out, /Object\.defineProperty\(exports, "x", \{\s*enumerable: true,\s*get: function\(\)/, "swc's export form");
        assert.doesNotMatch(out, /exports\.x = void 0/, "TypeScript's export form");
    });

    it("gives ts-node's own swc output less the map's copy of the source, first transpiling and writing one entry per file, then from the entries", () => {
        fs.rmSync(cacheRoot(), { recursive: true, force: true });
        const want = FILES.map((f) => withoutSourcesContent(reference().compile(read(f), f)));
        assert.deepEqual(FILES.map((f) => cached().compile(read(f), f)), want, "cold");
        assert.equal(entries().length, FILES.length);
        assert.deepEqual(FILES.map((f) => cached().compile(read(f), f)), want, "from the cache, in a new service");
        assert.equal(entries().length, FILES.length);
        assert.deepEqual(others(), [], "no temporary file left");
    });

    it("serves an entry without transpiling: a planted entry comes back", () => {
        fs.rmSync(cacheRoot(), { recursive: true, force: true });
        cached().compile(read(FILES[1]), FILES[1]);
        const [entry] = entries();
        assert.ok(entry, "one entry written");
        fs.writeFileSync(entry, JSON.stringify({ outputText: "exports.planted = 42;\n", sourceMapText: JSON.stringify({ version: 3, sources: [], names: [], mappings: "" }) }));
        assert.match(cached().compile(read(FILES[1]), FILES[1]), /^exports\.planted = 42;/);
    });

    it("keeps apart what changes the output: the text, the file name, the compiler options", () => {
        fs.rmSync(cacheRoot(), { recursive: true, force: true });
        const text = "export class A { x = 1; static y?: number }\nexport const z = { ...{ a: 1 } };\n";
        const a = path.join(dir, "a.ts");
        const b = path.join(dir, "b.ts");
        for (const f of [a, b]) fs.writeFileSync(f, text);
        const cases: [string, string, CreateOptions][] = [
            [text, a, {}],
            [text + "export const w = 2;\n", a, {}],
            [text, b, {}],
            [text, a, { compilerOptions: { target: "ES2017" } }],
            [text, a, { compilerOptions: { useDefineForClassFields: false } }],
        ];
        cases.forEach(([t, f, o], i) => {
            assert.equal(cached(o).compile(t, f), withoutSourcesContent(reference(o).compile(t, f)), `case ${i}`);
            assert.equal(entries().length, i + 1, `case ${i} is an entry of its own`);
        });
        assert.notEqual(reference(cases[3][2]).compile(text, a), reference().compile(text, a), "control: the target changes the output");
    });

    it("keeps the map's copy of the source with GROUNDWORK_SWC_SOURCES_CONTENT=1, in an entry of its own", () => {
        fs.rmSync(cacheRoot(), { recursive: true, force: true });
        const slim = cached().compile(read(FILES[1]), FILES[1]);
        assert.equal(entries().length, 1);
        const restoreKeep = setEnv("GROUNDWORK_SWC_SOURCES_CONTENT", "1");
        try {
            const full = reference().compile(read(FILES[1]), FILES[1]);
            assert.equal(cached().compile(read(FILES[1]), FILES[1]), full, "ts-node's own swc output, byte for byte");
            assert.equal(entries().length, 2, "a second entry: the slim one is not served");
            assert.equal(cached().compile(read(FILES[1]), FILES[1]), full, "from its entry");
        } finally {
            restoreKeep();
        }
        assert.equal(cached().compile(read(FILES[1]), FILES[1]), slim, "without the variable, the slim entry again");
    });

    it("transpiles again over a damaged entry, and mends it", () => {
        for (const e of entries()) fs.writeFileSync(e, "{ damaged");
        const want = withoutSourcesContent(reference().compile(read(FILES[0]), FILES[0]));
        assert.equal(cached().compile(read(FILES[0]), FILES[0]), want);
        assert.ok(entries().some((e) => read(e).startsWith("{\"outputText\"")), "the entry was written again");
    });

    it("writes nothing for code that is no file on disk (ts-node -e, the REPL)", () => {
        fs.rmSync(cacheRoot(), { recursive: true, force: true });
        const evalFile = path.join(ROOT, "[eval].ts");
        assert.ok(!fs.existsSync(evalFile));
        const out = cached().compile("export const secretFromTheCommandLine = 1;\n", evalFile);
        assert.match(out, /secretFromTheCommandLine/);
        assert.deepEqual(entries(), []);
        // The map is the only copy of such code: it keeps the source.
        assert.deepEqual(inlineMap(out).sourcesContent, ["export const secretFromTheCommandLine = 1;\n"]);
    });
});
