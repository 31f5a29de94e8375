import { readFile } from "node:fs/promises";
import path from "node:path";
import type { PadlensConfig } from "../config/config.js";
import { rmRetrying } from "../util/fs-retry.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { EnvApply } from "./apply.js";
import { parseOlderThan } from "./older-than.js";
import { runApply, type RunOptions } from "./run.js";

/**
 * The safe recurrence (docs/retention.md#every-pull): instead of a recurring Dataverse job, which goes on
 * deleting whether or not padlens is still archiving, `retention apply --yes --every-pull` saves its filters
 * beside the raw store, and every later `padlens pull` ends with an apply bounded by that pull's frontier.
 *
 *   <out>/raw/retention-policy.json
 */
export interface RetentionPolicy {
    schemaVersion: 1;
    olderThan: string;
    statuses: number[];
    flows: string[];
    /** Environments it applies to; empty: all of the config's. */
    envs: string[];
    savedAt: string;
}

const policyFile = (out: string): string => path.join(out, "raw", "retention-policy.json");

export async function readRetentionPolicy(out: string): Promise<RetentionPolicy | null> {
    const text = await readFile(policyFile(out), "utf8").catch(() => null);
    return text ? (JSON.parse(text) as RetentionPolicy) : null;
}

export async function saveRetentionPolicy(out: string, policy: RetentionPolicy): Promise<void> {
    await writeFileAtomic(policyFile(out), JSON.stringify(policy, null, 2));
}

export async function removeRetentionPolicy(out: string): Promise<void> {
    await rmRetrying(policyFile(out), { force: true });
}

/**
 * For `padlens pull`, after its build: applies the saved policy to the environments this pull reached,
 * each bounded by the frontier verified against what the pull just archived. Null when no policy is saved.
 */
export async function retentionAfterPull(config: PadlensConfig, options: RunOptions & { pulled: string[]; now?: Date }): Promise<EnvApply[] | null> {
    const policy = await readRetentionPolicy(config.out);
    if (!policy) return null;
    const envs = options.pulled.filter((e) => policy.envs.length === 0 || policy.envs.includes(e));
    if (envs.length === 0) return [];
    const { cutoff } = parseOlderThan(policy.olderThan, options.now);
    return runApply(config, { olderThan: policy.olderThan, cutoff, statuses: policy.statuses, flows: policy.flows }, { ...options, only: envs, yes: true });
}
