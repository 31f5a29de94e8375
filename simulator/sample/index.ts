/**
 * Seeded sample environments for the simulator and the tests (issue 2, item 5): same options give
 * byte-identical rows, logs and manifest. Action logs are regenerated on demand from the seed and
 * the run id, so only run plans (a few hundred bytes each) stay in memory.
 */
import { ALIAS_STYLES, ENV_VARIANTS, type AliasStyle, type DocStyle } from "./catalog.js";
import { layoutEnvironment, type EnvLayout } from "./environment-rows.js";
import type { DataverseRow, ExpectedRun, SampleDataset, SampleEnvironment, SampleManifest, SampleOptions, V1Encoding } from "./model.js";
import { rngFor, type Rng } from "./prng.js";
import { ensureRunning, expectedRun, hasLog, hasV1, hasV2, runActions, scheduleRuns, sessionRow, settleRun, type RunPlan } from "./runs.js";
import { realLog, realV1Document, UNTERMINATED_FORMS, type RealLog } from "./real-shape.js";
import type { ActionRecord } from "./actions.js";
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
/** Encodings of alias-style V1 documents; real-shape documents are always plain UTF-8 JSON. */
const ENCODING_WEIGHTS: Array<readonly [V1Encoding, number]> = [["json", 0.3], ["json-bom", 0.15], ["base64", 0.2], ["gzip", 0.2], ["gzip-base64", 0.15]];
const MALFORMED_RATE = 0.015;
/** Malformed kinds that travel as plain JSON: the only ones a real-shape document gets. */
const JSON_MALFORMED_KINDS = MALFORMED_KINDS.filter((k) => MALFORMED_ENCODING[k] === "json");

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
    assignUnterminated(state, endMs);
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

function pickEncoding(rng: Rng, style: DocStyle): { encoding: V1Encoding; malformed: MalformedKind | null } {
    const real = style === "real";
    if (rng.chance(MALFORMED_RATE)) {
        const kind = rng.pick(real ? JSON_MALFORMED_KINDS : MALFORMED_KINDS);
        return { encoding: MALFORMED_ENCODING[kind], malformed: kind };
    }
    return { encoding: real ? "json" : rng.weighted(ENCODING_WEIGHTS), malformed: null };
}

/**
 * Random encodings; for the initial dataset every alias style, every encoding of alias-style
 * documents and every malformed kind appear at least once among the V1 logs (in every dataset tried
 * with 15 or more). Encodings other than plain JSON (and the malformed kinds that travel in them)
 * go to alias-style runs only: alias styles are swapped among alias-style runs (they generate the
 * same actions), and when there are too few, real-shape runs whose actions are the same in an alias
 * style become alias-style runs.
 */
function assignEncodings(seed: number, state: DatasetState, plansByEnv: RunPlan[][], endMs: number, guarantee: boolean): void {
    const rng = rngFor(seed, "encodings", endMs);
    const v1Runs: RunPlan[] = [];
    state.envs.forEach((env, i) => {
        for (const plan of plansByEnv[i]) {
            if (plan.v1Encoding !== null || !hasV1(env.layout, plan, endMs)) continue;
            const pick = pickEncoding(rng, plan.style);
            plan.v1Encoding = pick.encoding;
            plan.v1Malformed = plan.large ? null : pick.malformed;
            v1Runs.push(plan);
        }
    });
    if (!guarantee) return;
    const forced = new Set<RunPlan>();
    const readable = (p: RunPlan): boolean => !p.large && p.v1Malformed === null && !forced.has(p);
    const aliasRuns = (): RunPlan[] => v1Runs.filter((p) => readable(p) && p.style !== "real");
    // A real-shape run without a handled failure has the same actions in an alias style (but for
    // the ends of its Ifs), so it can change style after the fact: small datasets borrow a few.
    const convert = (style: AliasStyle): RunPlan | undefined => {
        const pool = v1Runs.filter((p) => readable(p) && p.style === "real" && p.handledFailures === 0);
        for (let tries = 0; tries < 40 && pool.length > 0; tries++) {
            const plan = pool.splice(rng.int(0, pool.length - 1), 1)[0];
            if (!sameInStyle(seed, plan, style)) continue;
            plan.style = style;
            plan.v1Encoding = "json";
            return plan;
        }
        return undefined;
    };
    /** An alias-style run to force something on: one whose style and encoding others still show, else a converted one. */
    const aliasRun = (): RunPlan | undefined => {
        const shown = v1Runs.filter((q) => q.v1Malformed === null && q.style !== "real");
        const expendable = (p: RunPlan): boolean =>
            shown.some((q) => q !== p && q.style === p.style) && shown.some((q) => q !== p && q.v1Encoding === p.v1Encoding);
        const pool = aliasRuns().filter(expendable);
        return pool.length > 0 ? rng.pick(pool) : convert(rng.pick(ALIAS_STYLES));
    };
    for (const style of ALIAS_STYLES) {
        if (aliasRuns().some((p) => p.style === style)) continue;
        const donors = ALIAS_STYLES.map((s) => aliasRuns().filter((p) => p.style === s)).filter((runs) => runs.length >= 2).sort((a, b) => b.length - a.length)[0];
        if (donors) rng.pick(donors).style = style;
        else convert(style);
    }
    for (const kind of MALFORMED_KINDS) {
        if (v1Runs.some((p) => p.v1Malformed === kind)) continue;
        let plan: RunPlan | undefined;
        if (MALFORMED_ENCODING[kind] === "json") {
            const pool = v1Runs.filter((p) => readable(p) && p.style === "real");
            if (pool.length >= 2) plan = rng.pick(pool);
        } else {
            plan = aliasRun();
        }
        if (!plan) continue;
        plan.v1Malformed = kind;
        plan.v1Encoding = MALFORMED_ENCODING[kind];
        forced.add(plan);
    }
    for (const [encoding] of ENCODING_WEIGHTS) {
        if (v1Runs.some((p) => p.v1Encoding === encoding && p.v1Malformed === null && p.style !== "real")) continue;
        const plan = aliasRun();
        if (!plan) continue;
        plan.v1Encoding = encoding;
        forced.add(plan);
    }
}

/** Whether the run's actions are the same in another style: count, starts, statuses, and ends but those of Ifs. */
function sameInStyle(seed: number, plan: RunPlan, style: DocStyle): boolean {
    const a = runActions(seed, plan);
    const b = runActions(seed, { ...plan, style });
    return a.length === b.length && a.every((x, i) => x.start === b[i].start && (x.end === b[i].end || x.kind === "if") && x.status === b[i].status && x.kind === b[i].kind);
}

/**
 * Cancelled real-shape runs with a log get the forms of their interrupted last action in turn
 * (UNTERMINATED_FORMS), so that a few such runs show every form; runs added later continue the turn.
 */
function assignUnterminated(state: DatasetState, endMs: number): void {
    const runs = state.envs.flatMap((env) => [...env.plans.values()].filter((p) => p.outcome === "cancelled" && p.style === "real" && hasLog(env.layout, p, endMs)));
    let turn = runs.filter((p) => p.unterminated !== null).length;
    for (const plan of runs) if (plan.unterminated === null) plan.unterminated = UNTERMINATED_FORMS[turn++ % UNTERMINATED_FORMS.length];
}

/** A run's real-shape log (V1 items, V2 data and durations), from its own stream so both versions agree. */
function realLogOf(seed: number, plan: RunPlan, actions: ActionRecord[]): RealLog {
    return realLog(actions, plan.outcome === "cancelled" && actions.length > 0 ? (plan.unterminated ?? UNTERMINATED_FORMS[0]) : null, rngFor(seed, "real", plan.runId));
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
            const actions = runActions(seed, plan);
            const doc = plan.style === "real" ? realV1Document(realLogOf(seed, plan, actions)) : buildV1Document(plan.style, plan.runId, actions);
            const bytes = plan.v1Malformed ? malformedV1(doc, plan.v1Malformed) : encodeV1(doc, plan.v1Encoding);
            cache.set(key, bytes);
            if (cache.size > 4) cache.delete(cache.keys().next().value as string);
            return bytes;
        },
        flowLogs(runId: string): DataverseRow[] {
            const plan = env.plans.get(runId.toLowerCase());
            if (!plan || !hasV2(layout, plan, currentEnd())) return [];
            const actions = runActions(seed, plan);
            const run = { runId: plan.runId, queuedMs: plan.createdMs, completedMs: plan.completedMs, ttlMinutes: layout.variant.ttlMinutes };
            return flowLogRows(run, actions, rngFor(seed, "flowlog", plan.runId), plan.style === "real" ? realLogOf(seed, plan, actions) : undefined);
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
        let handledFailures = 0;
        for (const row of env.environment.flowsessions) {
            const plan = env.plans.get(row.flowsessionid as string) as RunPlan;
            const expected = expectedRun(env.layout, plan, state.endMs);
            runs[plan.runId] = expected;
            actions += expected.actions;
            failedActions += expected.failedActions;
            handledFailures += expected.handledFailures ?? 0;
        }
        manifest.runs[env.layout.name] = runs;
        manifest.environments.push({
            name: env.layout.name, logVersion: env.layout.variant.logVersion, logStatus: env.layout.variant.logStatus,
            runs: env.environment.flowsessions.length, actions, failedActions, handledFailures,
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
    assignUnterminated(state, untilMs);
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
