import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import * as YAML from "yaml";
import { PROJECT_DIR, parseYamlCached, readYaml } from "../tools/project-file";
import { setEnv, tempDir, warningsDuring } from "./temp-dir";

describe("parsed YAML kept on disk (tools/project-file.ts parseYamlCached)", () => {
    let dir: string;
    let restore: () => void;
    beforeEach(() => {
        dir = tempDir("gw-yaml-cache-");
        restore = setEnv("GROUNDWORK_YAML_CACHE", dir);
    });
    afterEach(() => restore());
    const entries = () => fs.readdirSync(dir);

    it("gives what YAML.parse gives, cold and warm, for the project's and the stacks' files", () => {
        const files = ["Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.staging.yaml"].map((f) => fs.readFileSync(path.join(PROJECT_DIR, f), "utf8"));
        for (const text of files) assert.deepStrictEqual(parseYamlCached(text), YAML.parse(text));
        assert.equal(entries().length, 3, "one entry per text");
        for (const text of files) assert.deepStrictEqual(parseYamlCached(text), YAML.parse(text));
        assert.equal(entries().length, 3);
    });

    it("serves the entry it finds (a planted value), and parses a damaged one again", () => {
        const text = "name: groundwork\n";
        parseYamlCached(text);
        const [entry] = entries();
        fs.writeFileSync(path.join(dir, entry), v8.serialize({ planted: true }));
        assert.deepEqual(parseYamlCached(text), { planted: true });
        fs.writeFileSync(path.join(dir, entry), "not a v8 value");
        assert.deepEqual(parseYamlCached(text), { name: "groundwork" });
    });

    it("is what readYaml reads through", () => {
        const file = path.join(dir, "stack.yaml");
        const text = `config:\n  groundwork:unique: "${process.pid}-${Date.now()}"\n`;
        fs.writeFileSync(file, text);
        parseYamlCached(text);
        const entry = entries().find((e) => e.endsWith(".v8"))!;
        fs.writeFileSync(path.join(dir, entry), v8.serialize({ planted: true }));
        assert.deepEqual(readYaml(file), { planted: true });
    });

    it("keeps values JSON cannot: infinities and NaN", () => {
        const text = "up: .inf\ndown: -.inf\nnone: .nan\n";
        parseYamlCached(text);
        const warm = parseYamlCached(text) as Record<string, number>;
        assert.deepEqual([warm.up, warm.down, Number.isNaN(warm.none)], [Infinity, -Infinity, true]);
        assert.equal(entries().length, 1);
    });

    it("keeps nothing for a document with an error or a warning: they throw and warn every time, as YAML.parse does", async () => {
        assert.throws(() => parseYamlCached("a: 1\na: 2\n"), /Map keys must be unique/);
        const tag = await warningsDuring(() => parseYamlCached("a: !!nosuchtag b\n"));
        assert.deepEqual(tag.value, { a: "b" });
        assert.ok(tag.warnings.some((w) => /nosuchtag/.test(w)), tag.warnings.join("\n"));
        const { warnings } = await warningsDuring(() => parseYamlCached("? [a, b]\n: 1\n"));
        assert.ok(warnings.some((w) => /Keys with collection values/.test(w)), warnings.join("\n"));
        assert.deepEqual(entries(), []);
    });

    it("parses when the folder cannot be written", () => {
        setEnv("GROUNDWORK_YAML_CACHE", path.join("/dev/null", "not-a-folder")); // afterEach restores it
        assert.deepEqual(parseYamlCached("a: [1, 2]\n"), { a: [1, 2] });
    });
});
