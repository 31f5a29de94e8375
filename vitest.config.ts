import { defineConfig } from "vitest/config";

// Two kinds of tests: Node (pipeline, simulator, CLI, browser-driven rendering tests) and DOM
// (the visual's converter and DOM behaviour under happy-dom with powerbi-visuals-utils-testutils).
export default defineConfig({
    test: {
        // 2-core machines: a few forks keep the suite fast without starving the simulator servers tests start.
        maxWorkers: 2,
        testTimeout: 60_000,
        hookTimeout: 120_000,
        // Creates the test CA and sets NODE_EXTRA_CA_CERTS before workers start (docs/simulator.md).
        globalSetup: ["test/setup/test-ca.ts", "test/setup/build-cli.ts", "test/setup/packaged-visual.ts"],
        projects: [
            {
                extends: true,
                test: {
                    name: "node",
                    environment: "node",
                    include: ["test/**/*.test.ts"],
                    exclude: ["test/visual/dom/**"],
                },
            },
            {
                extends: true,
                test: {
                    name: "visual-dom",
                    environment: "happy-dom",
                    globals: true,
                    include: ["test/visual/dom/**/*.test.ts"],
                    server: { deps: { inline: [/powerbi-visuals-utils-/] } },
                },
            },
        ],
    },
});
