import js from "@eslint/js";
import tseslint from "typescript-eslint";
import powerbiVisuals from "eslint-plugin-powerbi-visuals";
import globals from "globals";

export default tseslint.config(
    { ignores: ["node_modules/**", "dist/**", "lib/**", ".tmp/**", "demo-output/**", "test-output/**", "coverage/**", "webpack.statistics.*"] },
    {
        files: ["**/*.ts", "**/*.mjs"],
        extends: [js.configs.recommended, ...tseslint.configs.recommended],
        languageOptions: { globals: { ...globals.node } },
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        // The visual runs inside Power BI's sandbox: Microsoft's own rule set applies on top.
        ...powerbiVisuals.configs.recommended,
        files: ["visual/**/*.ts"],
        languageOptions: {
            ...powerbiVisuals.configs.recommended.languageOptions,
            globals: { ...globals.browser },
            parserOptions: { project: "./tsconfig.visual.json", tsconfigRootDir: import.meta.dirname },
        },
    },
);
