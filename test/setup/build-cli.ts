import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * Vitest global setup: compiles the CLI, simulator and demo into lib/ once, before any worker starts, so
 * tests that spawn the real `padlens` binary run today's sources and never race each other writing lib/.
 */
export default function setup(): void {
    execFileSync(process.execPath, [path.resolve("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.node.json"], { stdio: "inherit" });
}
