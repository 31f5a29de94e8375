import { renameSync as fsRenameSync, rmSync as fsRmSync } from "node:fs";
import { rename as fsRename, rm as fsRm } from "node:fs/promises";

/**
 * Renames and deletes that ride out Windows' transient locks. On Windows a file that antivirus,
 * OneDrive/SharePoint sync, the search indexer or Power BI Desktop has open fails rename/unlink with
 * EPERM, EBUSY or EACCES for a moment; retrying with a short backoff is what Windows tools do (and what
 * graceful-fs does for rename). On other systems these errors are real and come back on every try, so
 * the retries only cost a few seconds before the error surfaces unchanged.
 */
const TRANSIENT = new Set(["EPERM", "EBUSY", "EACCES", "ENOTEMPTY"]);

export interface RetryPolicy {
    /** Attempts in all, the first included. */
    attempts: number;
    /** First wait in ms; doubles each time up to maxDelayMs. */
    delayMs: number;
    maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, delayMs: 50, maxDelayMs: 1000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `op`, retrying transient lock errors; other errors and the last transient one are thrown as they are. */
export async function withFsRetry<T>(op: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
    let delay = policy.delayMs;
    for (let attempt = 1; ; attempt++) {
        try {
            return await op();
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (attempt >= policy.attempts || !code || !TRANSIENT.has(code)) throw error;
            await sleep(delay);
            delay = Math.min(delay * 2, policy.maxDelayMs);
        }
    }
}

/** The fs functions the helpers call; tests swap them to inject errors. */
export const fsOps = { rename: fsRename, renameSync: fsRenameSync, rm: fsRm, rmSync: fsRmSync };

export const renameRetrying = (from: string, to: string): Promise<void> => withFsRetry(() => fsOps.rename(from, to));

/**
 * A retried operation whose first attempt is synchronous. A build's DuckDB tasks publish dozens of files each;
 * an asynchronous step there waits for the event loop, which the decoder holds for a few ms at a time, while
 * DuckDB has nothing to do. Only a transient lock takes the asynchronous, retrying path.
 */
function syncFirstRetrying(now: () => void, later: () => Promise<void>): Promise<void> {
    let first = true;
    return withFsRetry(async () => {
        if (!first) return later();
        first = false;
        now();
    });
}

export const renameSoonRetrying = (from: string, to: string): Promise<void> =>
    syncFirstRetrying(() => fsOps.renameSync(from, to), () => fsOps.rename(from, to));

export const rmSoonRetrying = (target: string, options: { recursive?: boolean; force?: boolean } = { force: true }): Promise<void> =>
    syncFirstRetrying(() => fsOps.rmSync(target, options), () => fsOps.rm(target, options));

export const rmRetrying = (target: string, options: { recursive?: boolean; force?: boolean } = { force: true }): Promise<void> =>
    withFsRetry(() => fsOps.rm(target, options));
