/**
 * Seeded sample environments for the simulator and the tests (issue 2, item 5): same options give
 * byte-identical rows, logs and manifest. Action logs are regenerated on demand from the seed and
 * the run id, so only run plans (a few hundred bytes each) stay in memory.
 */
import { ENV_VARIANTS } from "./catalog.js";
import { layoutEnvironment, type EnvLayout } from "./environment-rows.js";
import type { DataverseRow, ExpectedRun, SampleDataset, SampleEnvironment, SampleManifest, SampleOptions, V1Encoding } from "./model.js";
import { rngFor, type Rng } from "./prng.js";
import { ensureRunning, expectedRun, hasV1, hasV2, runActions, scheduleRuns, sessionRow, settleRun, type RunPlan } from "./runs.js";
import { buildV1Document, encodeV1, malformedV1, MALFORMED_ENCODING, MALFORMED_KINDS, type MalformedKind } from "./v1-document.js";
import { flowLogRows } from "./v2-logs.js";

export type { SampleDataset, SampleEnvironment, SampleManifest, SampleOptions } from "./model.js";

export const DEFAULT_OPTIONS: SampleOptions = {
    seed: 42,
    envs: 3,
    days: 30,
    endDate: "2026-11-13T14:30:00Z",
    scale: 1,
    largeRuns: 3,
};

const DAY = 86_400_000;
const ENCODING_WEIGHTS: Array<readonly [V1Encoding, number]> = [["json", 0.3], ["json-bom", 0.15], ["base64", 0.2], ["gzip", 0.2], ["gzip-base64", 0.15]];
const MALFORMED_RATE = 0.015;

/** Internal state behind a dataset: the plans that let logs be regenerated and runs be extended. */
interface EnvState {
    layout: EnvLayout;
    plans: Map<string, RunPlan>;
    rows: Map<string, DataverseRow>;
    environment: SampleEnvironment;
}

interface DatasetState {
    endMs: number;
    envs: EnvState[];
}

const states = new WeakMap<SampleDataset, DatasetState>();

export function generateDataset(options: Partial<SampleOptions> = {}): SampleDataset {
    const opts: SampleOptions = { ...DEFAULT_OPTIONS, ...options };
    const endMs = Date.parse(opts.endDate);
    if (Number.isNaN(endMs)) throw new Error(`endDate is not an ISO date: ${opts.endDate}`);
    const startMs = endMs - opts.days * DAY;
    const state: DatasetState = { endMs, envs: [] };
    const plansByEnv: RunPlan[][] = [];
    for (let i = 0; i < opts.envs; i++) {
        const layout = layoutEnvironment(opts.seed, i, ENV_VARIANTS, startMs);
        plansByEnv.push(scheduleRuns(opts.seed, layout, startMs, endMs, opts.scale, "base"));
        state.envs.push({ layout, plans: new Map(), rows: new Map(), environment: undefined as unknown as SampleEnvironment });
    }
    plantLargeRuns(opts, state, plansByEnv, endMs);
    const rng = rngFor(opts.seed, "settle");
    state.envs.forEach((env, i) => {
        for (const plan of plansByEnv[i]) {
            settleRun(opts.seed, plan, endMs, rng);
            env.plans.set(plan.runId, plan);
        }
        ensureRunning(plansByEnv[i], endMs, rng);
    });
    assignEncodings(opts.seed, state, plansByEnv, endMs, true);
    const manifest: SampleManifest = { seed: opts.seed, options: opts, environments: [], bottlenecks: [], runs: {} };
    state.envs.forEach((env, i) => {
        const flowsessions = plansByEnv[i].map((plan) => {
            const row = sessionRow(env.layout, plan, endMs);
            env.rows.set(plan.runId, row);
            return row;
        });
        env.environment = makeEnvironment(opts.seed, env, flowsessions, () => state.endMs);
    });
    const dataset: SampleDataset = { options: opts, environments: state.envs.map((e) => e.environment), manifest };
    states.set(dataset, state);
    refreshManifest(dataset, state);
    return dataset;
}

/** Turns `largeRuns` succeeded runs of bulk flows (with a readable log) into 20,000+ action runs, spread over environments. */
function plantLargeRuns(opts: SampleOptions, state: DatasetState, plansByEnv: RunPlan[][], endMs: number): void {
    const rng = rngFor(opts.seed, "large");
    const candidates = state.envs.map((env, i) =>
        plansByEnv[i].filter((p) =>
            p.flow.bulk === true && p.outcome === "succeeded" && p.createdMs < endMs - DAY && env.layout.variant.logStatus === 0 &&
            (env.layout.variant.logVersion !== 1 || p.triggertype === 0)));
    let planted = 0;
    for (let round = 0; planted < opts.largeRuns && round < opts.largeRuns * Math.max(1, state.envs.length); round++) {
        const pool = candidates[round % candidates.length]?.filter((p) => !p.large) ?? [];
        if (pool.length === 0) continue;
        rng.pick(pool).large = true;
        planted++;
    }
}

function pickEncoding(rng: Rng): { encoding: V1Encoding; malformed: MalformedKind | null } {
    if (rng.chance(MALFORMED_RATE)) {
        const kind = rng.pick(MALFORMED_KINDS);
        return { encoding: MALFORMED_ENCODING[kind], malformed: kind };
    }
    return { encoding: rng.weighted(ENCODING_WEIGHTS), malformed: null };
}

/** Random encodings; for the initial dataset every encoding and every malformed kind appears at least once. */
function assignEncodings(seed: number, state: DatasetState, plansByEnv: RunPlan[][], endMs: number, guarantee: boolean): void {
    const rng = rngFor(seed, "encodings", endMs);
    const v1Runs: RunPlan[] = [];
    state.envs.forEach((env, i) => {
        for (const plan of plansByEnv[i]) {
            if (plan.v1Encoding !== null || !hasV1(env.layout, plan, endMs)) continue;
            const pick = pickEncoding(rng);
            plan.v1Encoding = pick.encoding;
            plan.v1Malformed = plan.large ? null : pick.malformed;
            v1Runs.push(plan);
        }
    });
    if (!guarantee) return;
    const free = (): RunPlan[] => v1Runs.filter((p) => !p.large && p.v1Malformed === null && !forced.has(p));
    const forced = new Set<RunPlan>();
    for (const kind of MALFORMED_KINDS) {
        if (v1Runs.some((p) => p.v1Malformed === kind)) continue;
        const pool = free();
        if (pool.length < 2) break;
        const plan = rng.pick(pool);
        plan.v1Malformed = kind;
        plan.v1Encoding = MALFORMED_ENCODING[kind];
        forced.add(plan);
    }
    for (const [encoding] of ENCODING_WEIGHTS) {
        if (v1Runs.some((p) => p.v1Encoding === encoding && p.v1Malformed === null)) continue;
        const pool = free();
        if (pool.length < 2) break;
        const plan = rng.pick(pool);
        plan.v1Encoding = encoding;
        forced.add(plan);
    }
}

function makeEnvironment(seed: number, env: EnvState, flowsessions: DataverseRow[], currentEnd: () => number): SampleEnvironment {
    const layout = env.layout;
    // Range requests fetch one document in several chunks: keep the last few encoded ones.
    const cache = new Map<string, Buffer>();
    return {
        name: layout.name,
        displayName: layout.displayName,
        tenantId: layout.tenantId,
        clientId: layout.clientId,
        clientSecret: layout.clientSecret,
        organization: layout.organization,
        workflows: layout.workflows,
        flowmachinegroups: layout.groups.map((g) => g.row),
        flowmachines: layout.machines.map((m) => m.row),
        flowsessions,
        additionalContext(runId: string): Buffer | undefined {
            const plan = env.plans.get(runId.toLowerCase());
            if (!plan || !plan.v1Encoding || !hasV1(layout, plan, currentEnd())) return undefined;
            const key = `${runId}:${plan.v1Encoding}:${plan.v1Malformed ?? ""}`;
            const hit = cache.get(key);
            if (hit) return hit;
            const doc = buildV1Document(plan.flow.style, plan.runId, runActions(seed, plan));
            const bytes = plan.v1Malformed ? malformedV1(doc, plan.v1Malformed) : encodeV1(doc, plan.v1Encoding);
            cache.set(key, bytes);
            if (cache.size > 4) cache.delete(cache.keys().next().value as string);
            return bytes;
        },
        flowLogs(runId: string): DataverseRow[] {
            const plan = env.plans.get(runId.toLowerCase());
            if (!plan || !hasV2(layout, plan, currentEnd())) return [];
            return flowLogRows(plan.runId, runActions(seed, plan), plan.createdMs, layout.variant.ttlMinutes, rngFor(seed, "flowlog", plan.runId));
        },
    };
}

function refreshManifest(dataset: SampleDataset, state: DatasetState): void {
    const manifest = dataset.manifest;
    manifest.environments = [];
    manifest.bottlenecks = [];
    manifest.runs = {};
    for (const env of state.envs) {
        const runs: Record<string, ExpectedRun> = {};
        let actions = 0;
        let failedActions = 0;
        for (const row of env.environment.flowsessions) {
            const plan = env.plans.get(row.flowsessionid as string) as RunPlan;
            const expected = expectedRun(env.layout, plan, state.endMs);
            runs[plan.runId] = expected;
            actions += expected.actions;
            failedActions += expected.failedActions;
        }
        manifest.runs[env.layout.name] = runs;
        manifest.environments.push({
            name: env.layout.name, logVersion: env.layout.variant.logVersion, logStatus: env.layout.variant.logStatus,
            runs: env.environment.flowsessions.length, actions, failedActions,
        });
        manifest.bottlenecks.push(...env.layout.bottlenecks);
    }
}

export interface ExtendResult extends SampleDataset {
    added: number;
    modified: number;
}

/**
 * Moves the dataset's end to `untilIso`: appends the runs created since the previous end, finishes
 * runs that were still running, and bumps `modifiedon` of a few finished runs (a re-uploaded log, a
 * status correction), mutating the rows in place. Returns the same dataset's parts plus the counts,
 * so a caller may use the result as the dataset.
 */
export function extendDataset(dataset: SampleDataset, untilIso: string): ExtendResult {
    const state = states.get(dataset);
    if (!state) throw new Error("extendDataset needs a dataset made by generateDataset");
    const untilMs = Date.parse(untilIso);
    if (Number.isNaN(untilMs)) throw new Error(`not an ISO date: ${untilIso}`);
    const fromMs = state.endMs;
    if (untilMs <= fromMs) return register({ ...dataset, added: 0, modified: 0 }, state);
    const seed = dataset.options.seed;
    const salt = `extend:${fromMs}`;
    const rng = rngFor(seed, "extend", fromMs, untilMs);
    let added = 0;
    let modified = 0;
    const newPlans: RunPlan[][] = [];
    for (const env of state.envs) {
        // Runs still busy at the old end.
        for (const plan of env.plans.values()) {
            if (plan.pending && plan.modifiedMs <= untilMs) plan.pending = false;
        }
        const plans = scheduleRuns(seed, env.layout, fromMs, untilMs, dataset.options.scale, salt).filter((p) => !env.plans.has(p.runId));
        for (const plan of plans) {
            settleRun(seed, plan, untilMs, rng);
            env.plans.set(plan.runId, plan);
        }
        newPlans.push(plans);
        added += plans.length;
    }
    // New runs, and runs whose log became readable only now (they were running), get an encoding.
    assignEncodings(seed, { endMs: untilMs, envs: state.envs }, state.envs.map((e) => [...e.plans.values()]), untilMs, false);
    state.endMs = untilMs;
    state.envs.forEach((env, i) => {
        for (const plan of newPlans[i]) {
            const row = sessionRow(env.layout, plan, untilMs);
            env.rows.set(plan.runId, row);
            env.environment.flowsessions.push(row);
        }
        // A few finished runs change after the fact: their log is re-uploaded or their status corrected.
        const finished = [...env.plans.values()].filter((p) => !p.pending && p.modifiedMs < fromMs);
        for (let k = 0; k < Math.min(3, finished.length); k++) {
            const plan = rng.pick(finished);
            if (plan.modifiedMs >= fromMs) continue;
            plan.modifiedMs = fromMs + rng.int(1, Math.max(1, untilMs - fromMs - 1));
        }
        // Modified = existing rows whose modifiedon moved (finished, started, re-uploaded, corrected).
        const fresh = new Set(newPlans[i]);
        for (const plan of env.plans.values()) {
            const row = env.rows.get(plan.runId);
            if (!row || fresh.has(plan)) continue;
            const before = row.modifiedon;
            Object.assign(row, sessionRow(env.layout, plan, untilMs));
            if (row.modifiedon !== before) modified++;
        }
    });
    dataset.options.endDate = new Date(untilMs).toISOString();
    refreshManifest(dataset, state);
    return register({ ...dataset, added, modified }, state);
}

/** The result may replace the dataset (the server does so): it must extend again just the same. */
function register(result: ExtendResult, state: DatasetState): ExtendResult {
    states.set(result, state);
    return result;
}
