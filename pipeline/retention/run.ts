import { acquireEnvLocks } from "../builder/build-lock.js";
import { decodeOptionsOf, type EnvironmentConfig, type PadlensConfig } from "../config/config.js";
import type { TokenSource } from "../extract/auth.js";
import { RawStore } from "../store/raw-store.js";
import { applyEnvironment, type EnvApply } from "./apply.js";
import { planEnvironment, type EnvPlan, type RetentionRequest } from "./plan.js";
import { planSummary } from "./format.js";
import { parseOlderThan } from "./older-than.js";
import { openSession } from "./session.js";
import { statusEnvironment, type EnvStatus } from "./status.js";

export interface RunOptions {
    /** Only these environments (config names). */
    only?: string[];
    /** Sign-in messages (device code). */
    log?: (line: string) => void;
    /** Per environment name: a token source to use instead of a new one (tests, a pull that already signed in). */
    tokens?: Record<string, TokenSource>;
    maxAttempts?: number;
}

function targets(config: PadlensConfig, only: string[] | undefined): EnvironmentConfig[] {
    return only?.length ? config.environments.filter((e) => only.includes(e.name)) : config.environments;
}

/** Runs `work` for each environment, config.envConcurrency at a time, results in config order. */
async function perEnvironment<T>(config: PadlensConfig, envs: EnvironmentConfig[], work: (env: EnvironmentConfig) => Promise<T>): Promise<T[]> {
    const results: T[] = new Array(envs.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < envs.length) {
            const i = next++;
            results[i] = await work(envs[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(config.envConcurrency, envs.length)) }, worker));
    return results;
}

const session = (config: PadlensConfig, env: EnvironmentConfig, options: RunOptions) =>
    openSession(config, env, { tokens: options.tokens?.[env.name], log: options.log, maxAttempts: options.maxAttempts });

/** `padlens retention plan`: reads Dataverse, the raw store and the published tables; writes nothing anywhere. */
export async function runPlan(config: PadlensConfig, request: RetentionRequest, options: RunOptions = {}): Promise<EnvPlan[]> {
    const store = new RawStore(config.out);
    const decode = decodeOptionsOf(config.logs);
    return perEnvironment(config, targets(config, options.only), async (env) => {
        try {
            return (await planEnvironment(config, env, store, session(config, env, options), request, decode)).plan;
        } catch (error) {
            return failedPlan(env.name, request, error);
        }
    });
}

/**
 * `padlens retention apply`. With `yes`, holds the output folder's lock throughout (no pull or build
 * changes the archive between verification and submission, and two applies cannot race to submit);
 * without it, takes no lock and writes nothing.
 */
export async function runApply(config: PadlensConfig, request: RetentionRequest, options: RunOptions & { yes: boolean; onWait?: (line: string) => void }): Promise<EnvApply[]> {
    const release = options.yes ? await acquireEnvLocks(config.out, targets(config, options.only).map((e) => e.name), { command: "retention apply", wait: true, onWait: options.onWait }) : async () => {};
    try {
        const store = new RawStore(config.out);
        const decode = decodeOptionsOf(config.logs);
        return await perEnvironment(config, targets(config, options.only), async (env) => {
            try {
                return await applyEnvironment(config, env, store, session(config, env, options), request, decode, { yes: options.yes });
            } catch (error) {
                const message = (error as Error).message;
                return { env: env.name, outcome: "plan-failed", plan: failedPlan(env.name, request, error), message: message.startsWith(`${env.name}:`) ? message : `${env.name}: ${message}`, earlier: [] } satisfies EnvApply;
            }
        });
    } finally {
        await release();
    }
}

/** `padlens retention status`: follows recorded jobs; updates their records and the deleted-run marks. */
export async function runStatus(config: PadlensConfig, options: RunOptions = {}): Promise<EnvStatus[]> {
    const store = new RawStore(config.out);
    return perEnvironment(config, targets(config, options.only), (env) => statusEnvironment(env, store, session(config, env, options)));
}

/**
 * One line for the demo (and scripts): what a purge of the runs older than `olderThan`, measured from `now`
 * (the demo passes the end of its sample data), would free, and that it would be safe. Reads only.
 */
export async function retentionPlanSummary(config: PadlensConfig, olderThan: string, options: RunOptions & { now?: Date } = {}): Promise<{ line: string; plans: EnvPlan[] }> {
    const { cutoff } = parseOlderThan(olderThan, options.now);
    const plans = await runPlan(config, { olderThan, cutoff, statuses: [], flows: [] }, options);
    return { line: planSummary(plans), plans };
}

function failedPlan(env: string, request: RetentionRequest, error: unknown): EnvPlan {
    const message = (error as Error).message;
    return {
        env, ok: false, error: message.startsWith(`${env}:`) ? message : `${env}: ${message}`, scope: { cutoff: request.cutoff, statuses: request.statuses, flowIds: [] },
        unknownFlows: [], matching: 0, verified: 0, verifiedQuarantined: 0, blocked: 0, blockers: [], frontier: null, deletable: 0, bounds: null, byFlow: [],
        capacity: null, flowlog: { logVersion: 0, ttlMinutes: 0, note: "" }, jobs: [], warnings: [], notes: [],
    };
}
