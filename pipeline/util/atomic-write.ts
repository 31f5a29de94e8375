import { randomBytes } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import { renameRetrying, rmRetrying } from "./fs-retry.js";

/**
 * Writes a file so that readers see either the old content or the new, never a torn file: the bytes go
 * to a temporary sibling (same folder, so the same filesystem), are flushed, then renamed over the
 * target. rename replaces atomically on POSIX and, through MoveFileEx, on Windows.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
    // Owner-only on POSIX (Windows ignores the mode; the folder's ACL applies): the raw store holds logs.
    const handle = await open(tmp, "w", 0o600);
    try {
        await handle.writeFile(data);
        await handle.sync();
    } finally {
        await handle.close();
    }
    try {
        await renameRetrying(tmp, file);
    } catch (error) {
        await rmRetrying(tmp, { force: true });
        throw error;
    }
}

/** True for the leftovers of a write that was killed before its rename (safe to delete). */
export function isAtomicWriteLeftover(fileName: string): boolean {
    return fileName.startsWith(".") && fileName.endsWith(".tmp");
}
