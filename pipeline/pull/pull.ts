import type { PadlensConfig } from "../config/config.js";
import { acquireEnvLocks } from "../builder/build-lock.js";
import { RawStore } from "../store/raw-store.js";
import { pullEnvironment, type EnvProgress, type EnvResult } from "./pull-environment.js";

export interface PullSummary {
    ok: boolean;
    out: string;
    startedAt: string;
    durationMs: number;
    environments: EnvResult[];
}

export interface PullOptions {
    /** Only these environments (names from the config). */
    only?: string[];
    onProgress?: (p: EnvProgress) => void;
    onMessage?: (line: string) => void;
    /** Fail at once when another pull or build holds the output folder, instead of waiting for it. */
    noWait?: boolean;
    /** Fetch again the logs of runs stored as unavailable. */
    retryUnavailable?: boolean;
    /** Attempts per request before giving up (tests lower it). */
    maxAttempts?: number;
}

/** Pulls environments in parallel up to config.envConcurrency; one failing environment does not stop the others. */
export async function pullAll(config: PadlensConfig, options: PullOptions = {}): Promise<PullSummary> {
    // Before anything is fetched: two pulls into one folder would both fetch, then collide at their builds.
    const envs = (options.only?.length ? config.environments.filter((e) => options.only!.includes(e.name)) : config.environments).map((e) => e.name);
    const release = await acquireEnvLocks(config.out, envs, { command: "pull", wait: !options.noWait, onWait: options.onMessage });
    try {
        return await pullLocked(config, options);
    } finally {
        await release();
    }
}

async function pullLocked(config: PadlensConfig, options: PullOptions): Promise<PullSummary> {
    const started = Date.now();
    const store = new RawStore(config.out);
    const targets = options.only?.length ? config.environments.filter((e) => options.only!.includes(e.name)) : config.environments;
    const results: EnvResult[] = new Array(targets.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < targets.length) {
            const i = next++;
            results[i] = await pullEnvironment(config, targets[i], store, { onProgress: options.onProgress, onMessage: options.onMessage, retryUnavailable: options.retryUnavailable, maxAttempts: options.maxAttempts });
        }
    };
    await Promise.all(Array.from({ length: Math.min(config.envConcurrency, targets.length) }, worker));
    return { ok: results.every((r) => r.ok), out: config.out, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, environments: results };
}
