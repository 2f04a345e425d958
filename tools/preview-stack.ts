/**
 * A pull request's preview stack file (`Pulumi.pr-<number>.yaml`), written from committed files
 * and the workflow's inputs, never edited by hand and never committed:
 *
 *   the base stack's file (Pulumi.staging.yaml: the app's shape, hosts, commands, image tag,
 *   environment), without what sizes the base's shared parts, its secrets and its readers
 *   + preview/Pulumi.preview.yaml (profile, base stack reference, shared secrets, readers)
 *   + the pull request's branch (`groundwork:previewBranch`); its number is the stack's name.
 *
 * The workflow writes it before `pulumi up --stack pr-<number>` (`npm run preview -- stack-file`);
 * the offline engine plans `pr-<number>` from the same function when no such file exists, so the
 * offline plan is what CI deploys.
 */
import * as fs from "fs";
import * as path from "path";
import { KEYS } from "../components/config/config-schema";
import { PREVIEW_STACK } from "../components/config/defaults";
import { BASE_ONLY_KEYS, PREVIEW_ONLY_KEYS, PREVIEW_SIZED_KEYS } from "../components/config/preview-keys";
import { readYaml } from "./project-file";

/** The committed template, relative to the folder of the stack files. */
export const PREVIEW_TEMPLATE = path.join("preview", "Pulumi.preview.yaml");

/** What the workflow knows about the pull request. */
export interface PreviewInputs {
    /** The pull request's number: the stack is `pr-<number>`. */
    number: number;
    /** Its head branch (the web app's Vercel preview). @example "feature/checkout-redesign" */
    branch: string;
}

interface StackFile { config?: Record<string, unknown> }

const readStackFile = (file: string) => (readYaml(file) ?? {}) as StackFile;

/** Base-stack keys a preview does not take: sizes of shared parts, its own settings, credentials. */
function droppedKeys(project: string): Set<string> {
    const credentials = Object.entries(KEYS).filter(([, s]) => "secret" in s && s.secret).map(([k]) => k);
    return new Set([...BASE_ONLY_KEYS, ...PREVIEW_SIZED_KEYS, ...PREVIEW_ONLY_KEYS, "profile", "secretReaderRoleArns", ...credentials]
        .map((k) => `${project}:${k}`));
}

/** Whether a stack is a preview the engine can write from the template (`pr-<n>` and the template exists). */
export function isTemplatedPreview(configDir: string, stack: string): boolean {
    return PREVIEW_STACK.test(stack) && fs.existsSync(path.join(configDir, PREVIEW_TEMPLATE));
}

/**
 * The committed template's config and the base stack it names (`<project>:previewBaseStack`).
 * @throws Error when the template is missing, or names no stack of this project.
 */
export function templateBase(configDir: string, project: string): { template: Record<string, unknown>; base: { org: string; stack: string; name: string } } {
    const templateFile = path.join(configDir, PREVIEW_TEMPLATE);
    if (!fs.existsSync(templateFile)) throw new Error(`preview: no template ${templateFile}; commit one (README, "Preview environments")`);
    const template = readStackFile(templateFile).config ?? {};
    const name = template[`${project}:previewBaseStack`];
    const m = typeof name === "string" ? /^([^/]+)\/([^/]+)\/([^/]+)$/.exec(name) : null;
    if (!m) {
        throw new Error(`preview: ${PREVIEW_TEMPLATE} must set ${project}:previewBaseStack to <organization>/<project>/<stack>, got ${JSON.stringify(name)}. Example: acme/${project}/staging`);
    }
    if (m[2] !== project) throw new Error(`preview: ${project}:previewBaseStack names project "${m[2]}"; a preview's base is a stack of this project (${project})`);
    return { template, base: { org: m[1], stack: m[3], name: m[0] } };
}

/**
 * The preview stack's config: the base's stack file without the dropped keys and without any
 * encrypted value (a `secure:` value is encrypted for the base stack and unreadable by another),
 * then the template's keys, then the inputs.
 * @throws Error naming the file and key when the template or the base's stack file is missing or malformed.
 */
export function previewStackConfig(configDir: string, project: string, inputs: PreviewInputs): Record<string, unknown> {
    if (!Number.isInteger(inputs.number) || inputs.number < 1) {
        throw new Error(`preview: the pull request number must be a whole number of at least 1, got ${inputs.number}. Example: 123`);
    }
    const { template, base } = templateBase(configDir, project);
    const baseFile = path.join(configDir, `Pulumi.${base.stack}.yaml`);
    if (!fs.existsSync(baseFile)) throw new Error(`preview: the base stack's file ${path.basename(baseFile)} is not in ${configDir}`);

    const dropped = droppedKeys(project);
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(readStackFile(baseFile).config ?? {})) {
        const encrypted = !!v && typeof v === "object" && !Array.isArray(v) && "secure" in (v as object);
        if (!dropped.has(k) && !encrypted) config[k] = v;
    }
    Object.assign(config, template);
    config[`${project}:previewBranch`] = inputs.branch;
    return config;
}

/** The stack file's text, as the workflow writes it (`Pulumi.pr-<number>.yaml`). */
export function renderPreviewStackFile(configDir: string, project: string, inputs: PreviewInputs): string {
    const config = previewStackConfig(configDir, project, inputs);
    // Loaded here, not at the top: every plan loads this module, and the yaml package costs ~40 ms to load.
    const YAML = require("yaml") as typeof import("yaml");
    return [
        `# Preview of pull request #${inputs.number} (branch ${inputs.branch}), written by \`npm run preview -- stack-file\``,
        `# from the base stack's file and ${PREVIEW_TEMPLATE.split(path.sep).join("/")}. Generated in CI: never edit or commit it.`,
        YAML.stringify({ config }).trimEnd(),
        "",
    ].join("\n");
}
