import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { rmRetrying } from "../util/fs-retry.js";

/**
 * The bytes of quarantined logs, kept beside the quarantine table so nothing is lost:
 * `<out>/quarantine/<env>/<runId>.<ext>` (quarantine.raw_path). Named by run, so a rebuild rewrites the
 * same file with the same bytes rather than adding one.
 */
export async function quarantineCopy(out: string, env: string, runId: string, ext: string, raw: Uint8Array): Promise<string> {
    const rel = path.posix.join("quarantine", env, `${runId}.${ext}`);
    await mkdir(path.join(out, "quarantine", env), { recursive: true, mode: 0o700 });
    // Owner-only: a log can hold action inputs (customer data) even when inputs are not stored.
    await writeFile(path.join(out, ...rel.split("/")), raw, { mode: 0o600 });
    return rel;
}

/** Removes the copies of runs this build decoded and did not quarantine (fixed by a re-pull or a newer decoder). */
export async function removeFixedQuarantineCopies(out: string, env: string, decoded: readonly string[], quarantined: ReadonlySet<string>): Promise<void> {
    const dir = path.join(out, "quarantine", env);
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.length === 0) return;
    const rebuilt = new Set(decoded);
    for (const name of names) {
        const runId = name.split(".")[0];
        if (rebuilt.has(runId) && !quarantined.has(runId)) await rmRetrying(path.join(dir, name), { force: true });
    }
}
