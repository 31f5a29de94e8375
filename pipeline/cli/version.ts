import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let cached: { version: string; root: string } | undefined;

/**
 * padlens's own package.json, found by walking up from this module: compiled it sits at
 * <root>/lib/pipeline/cli/, run from source (tests) at <root>/pipeline/cli/, and an npm install puts
 * <root> anywhere (a global prefix, %APPDATA%\npm\node_modules\padlens). Walking up works for all three.
 */
function packageInfo(): { version: string; root: string } {
    if (cached) return cached;
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
        try {
            const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
            if (pkg.name === "padlens" && pkg.version) return (cached = { version: pkg.version, root: dir });
        } catch {
            // no package.json here, or not ours: keep walking
        }
        const parent = path.dirname(dir);
        if (parent === dir) return (cached = { version: "0.0.0-unknown", root: process.cwd() });
        dir = parent;
    }
}

/** The version `padlens --version` prints and every --json object carries. */
export function padlensVersion(): string {
    return packageInfo().version;
}

/** The installed package's root folder (where docs/ and the shipped schemas are). */
export function packageRoot(): string {
    return packageInfo().root;
}
