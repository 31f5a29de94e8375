import { readFileSync } from "node:fs";
import type { RawStore, StoredRun } from "../store/raw-store.js";

/** One run's raw-store files as stored (logs still gzip-compressed); null where a file is absent. */
export interface RunFiles {
    stored: StoredRun | null;
    v1Gz: Buffer | null;
    v2Gz: Buffer | null;
}

function readOrNull(file: string): Buffer | null {
    try {
        return readFileSync(file);
    } catch {
        return null;
    }
}

/**
 * Reads a run's files synchronously. Measured on the default sample (4,700 small files): fs/promises
 * took 0.8-1.1 s of a 6 s build, readFileSync 0.06 s, and the build has nothing else to do on the main
 * thread meanwhile (DuckDB loads run on their own threads). Same bytes and the same nulls as
 * RawStore.readRun/readV1/readV2, through the store's own paths.
 */
export function readRunFiles(store: RawStore, env: string, runId: string): RunFiles {
    const text = readOrNull(store.runFilePath(env, runId))?.toString("utf8");
    const stored = text ? (JSON.parse(text) as StoredRun) : null;
    return {
        stored,
        v1Gz: stored?.fetch.v1.state === "fetched" ? readOrNull(store.v1Path(env, runId)) : null,
        v2Gz: stored?.fetch.v2.state === "fetched" ? readOrNull(store.v2Path(env, runId)) : null,
    };
}
