import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/** The newest .pbiviz in <root>/dist, if any. */
export function builtPackage(root: string): string | undefined {
    const dist = path.join(root, "dist");
    if (!existsSync(dist)) return undefined;
    return readdirSync(dist).filter((f) => f.endsWith(".pbiviz")).map((f) => path.join(dist, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** When the visual's inputs last changed: its sources and the files pbiviz builds from. */
function newestVisualSource(root: string): number {
    let newest = 0;
    for (const e of readdirSync(path.join(root, "visual"), { recursive: true, withFileTypes: true })) {
        if (e.isFile()) newest = Math.max(newest, statSync(path.join(e.parentPath, e.name)).mtimeMs);
    }
    for (const f of ["capabilities.json", "pbiviz.json", "tsconfig.json", "package-lock.json"]) newest = Math.max(newest, statSync(path.join(root, f)).mtimeMs);
    return newest;
}

/** The built .pbiviz when it is newer than everything it is built from; undefined when it must be rebuilt. */
export function freshPackage(root: string): string | undefined {
    const built = builtPackage(root);
    return built && statSync(built).mtimeMs > newestVisualSource(root) ? built : undefined;
}
