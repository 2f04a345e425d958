/**
 * Pulumi.yaml and the stack files as the engine reads them: the project directory, the project
 * file, and YAML parsed once per distinct text. No Pulumi SDK here, so commands that only read
 * the project (`npm run preview -- stack-file`) load without it.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

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
 * A YAML file's value, parsed once per distinct text in this process: the yaml package takes
 * about 40 ms for Pulumi.yaml, and the tests run the program dozens of times. Callers get a copy.
 */
export function readYaml(file: string): unknown {
    const text = fs.readFileSync(file, "utf8");
    if (!parsedYaml.has(text)) parsedYaml.set(text, YAML.parse(text));
    return structuredClone(parsedYaml.get(text));
}
