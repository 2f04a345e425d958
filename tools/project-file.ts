/**
 * Pulumi.yaml and the stack files as the engine reads them: the project directory, the project
 * file, and YAML parsed once per distinct text. No Pulumi SDK here, so commands that only read
 * the project (`npm run preview -- stack-file`) load without it.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";

export const PROJECT_DIR = path.resolve(__dirname, "..");

export interface ProjectKey {
    type?: string;
    items?: { type?: string };
    default?: unknown;
    value?: unknown;
    secret?: boolean;
    description?: string;
}

export interface ProjectFile {
    name: string;
    /** The program's entry point relative to the project directory (Pulumi.yaml `main`); index.ts when unset. */
    main?: string;
    config?: Record<string, ProjectKey | string | number | boolean>;
}

export function readProject(projectDir = PROJECT_DIR): ProjectFile {
    return readYaml(path.join(projectDir, "Pulumi.yaml")) as ProjectFile;
}

const parsedYaml = new Map<string, unknown>();
/**
 * A YAML file's value, parsed once per distinct text: in this process (the tests run the program
 * dozens of times) and across processes through `parseYamlCached`. Callers get a copy.
 */
export function readYaml(file: string): unknown {
    const text = fs.readFileSync(file, "utf8");
    if (!parsedYaml.has(text)) parsedYaml.set(text, parseYamlCached(text));
    return structuredClone(parsedYaml.get(text));
}

/** Where parsed YAML is kept; `GROUNDWORK_YAML_CACHE` moves it (the tests use a folder of their own). */
const yamlCacheDir = () => process.env.GROUNDWORK_YAML_CACHE || path.join(PROJECT_DIR, "node_modules", ".cache", "groundwork", "yaml");

/**
 * `YAML.parse(text)`, kept on disk: the yaml package takes ~65 ms of every plan's start to parse
 * Pulumi.yaml (28 KB) in a fresh process, for a value that changes only with the text. The entry is
 * the value as `v8.serialize` writes it (exact, Infinity and NaN too), keyed by a sha256 of the text
 * and the versions of the yaml package and of V8. Only a clean document is kept: one with errors or
 * warnings (or a collection as a key, which warns) goes through `YAML.parse` every time, which throws
 * or warns as before. A missing or unreadable entry is parsed again; a folder that cannot be written
 * is skipped. The yaml package itself is loaded on a miss only.
 */
export function parseYamlCached(text: string): unknown {
    let entry: string | undefined;
    try {
        const yamlVersion = (require("yaml/package.json") as { version: string }).version;
        const key = crypto.createHash("sha256").update(`groundwork-yaml-1\0${yamlVersion}\0${process.versions.v8}\0`).update(text).digest("hex");
        entry = path.join(yamlCacheDir(), `${key}.v8`);
        return v8.deserialize(fs.readFileSync(entry));
    } catch {
        // No entry yet, or one that cannot be read: parse.
    }
    const YAML = require("yaml") as typeof import("yaml");
    const doc = YAML.parseDocument(text);
    // toJS() itself warns of a key that is a collection; such a document is parsed every time too.
    let collectionKey = false;
    YAML.visit(doc, { Pair: (_, pair) => { if (YAML.isCollection(pair.key)) collectionKey = true; } });
    if (doc.errors.length > 0 || doc.warnings.length > 0 || collectionKey || !entry) return YAML.parse(text);
    const value = doc.toJS() as unknown;
    const tmp = `${entry}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
    try {
        fs.mkdirSync(path.dirname(entry), { recursive: true });
        fs.writeFileSync(tmp, v8.serialize(value));
        fs.renameSync(tmp, entry);
    } catch {
        try { fs.unlinkSync(tmp); } catch { /* never written */ }
    }
    return value;
}
