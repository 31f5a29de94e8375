import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The kit's source folder, <repository>/report, whether this runs from report/scripts/*.ts (tests) or compiled
 * under lib/ (the demo): the files it reads (Power Query, DAX, schemas) are never copied to lib/.
 */
export function reportSourceDir(): string {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
        const pkg = path.join(dir, "package.json");
        if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "padlens") return path.join(dir, "report");
        const parent = path.dirname(dir);
        if (parent === dir) throw new Error("padlens: cannot find the project root (package.json named padlens)");
        dir = parent;
    }
}
