import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the padlens package.json), whether running from demo/*.ts or compiled lib/demo/*.js. */
export function projectRoot(): string {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
        const pkg = path.join(dir, "package.json");
        if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "padlens") return dir;
        const parent = path.dirname(dir);
        if (parent === dir) throw new Error("padlens: cannot find the project root (package.json named padlens)");
        dir = parent;
    }
}
