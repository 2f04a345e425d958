// ESLint flat config: typescript-eslint's recommended rules over the whole program, pack, tools and tests.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", "policies/node_modules/**", "bin/**", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        // CommonJS JavaScript that ts-node loads before TypeScript (tools/swc-cached.cjs).
        files: ["**/*.cjs"],
        languageOptions: {
            sourceType: "commonjs",
            globals: { require: "readonly", module: "writable", exports: "writable", process: "readonly", __dirname: "readonly", __filename: "readonly" },
        },
    },
    {
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            "@typescript-eslint/no-require-imports": "off",
            "no-new": "off",
        },
    },
);
