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
export const fsOps = { rename: fsRename, rm: fsRm };

export const renameRetrying = (from: string, to: string): Promise<void> => withFsRetry(() => fsOps.rename(from, to));

export const rmRetrying = (target: string, options: { recursive?: boolean; force?: boolean } = { force: true }): Promise<void> =>
    withFsRetry(() => fsOps.rm(target, options));
