import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEFAULT_DECODE_OPTIONS, type DecodeOptions, type LogSource } from "../decode/action-record.js";
import { DECODER_VERSION } from "../decode/version.js";
import { collectEnvironment, collectLegacy, workDirName } from "../lake/collect.js";
import { LAKE_DIR, newGeneration, readManifest, writeManifest, type LakeManifest, type LakeUnit } from "../lake/manifest.js";
import { buildThreads, openDuckDb, type DuckDbLimits } from "../load/duckdb.js";
import type { Loader, ParquetCompression } from "../load/loader.js";
import { environmentRow, flowRow, id, int, machineRows, str } from "../load/rows.js";
import { TABLES, type TableName } from "../load/schema.js";
import { deletedRuns } from "../store/deletions.js";
import { RawStore } from "../store/raw-store.js";
import { rmRetrying } from "../util/fs-retry.js";
import { padlensVersion } from "../cli/version.js";
import { acquireEnvLock, type LockOptions } from "./build-lock.js";
import { hashOf, planBuild, saveCache } from "./plan.js";
import { buildBatch, type BatchResult } from "./build-batch.js";
import { BatchDatabase } from "./batch-database.js";
import { DuckQueue } from "./duck-queue.js";
import { DuckThreads } from "./duck-threads.js";
import { publishFile, publishedPath } from "./publish.js";

export interface BuildOptions {
    /** Output folder: the raw store is read from <out>/raw, tables are written to <out>/<table>. */
    out: string;
    /** Environments to build (default: every environment in the raw store). */
    envs?: string[];
    /** Rewrite every unit, not only those whose inputs changed (gives the same rows). */
    full?: boolean;
    /** Environment URLs by name (from config); else what the last pull recorded. */
    environmentUrls?: Record<string, string>;
    /** IANA time zone per environment (config timeZone); else what the last pull recorded, else UTC. */
    timeZones?: Record<string, string>;
    duckdb?: DuckDbLimits;
    /** How logs are decoded (inputs/outputs, redaction, size ceiling): the config's `logs`. */
    decode?: DecodeOptions;
    /** Size bound in bytes of the runs and quarantine spool files (default 64 MB); tests lower it to load in several files. */
    spoolBytes?: number;
    onProgress?: (p: BuildProgress) => void;
    /** Parquet compression of every table (default zstd; snappy for readers that reject ZSTD). */
    compression?: ParquetCompression;
    /** The environment locks: by default a build waits for a pull or build that holds one. */
    lock?: LockOptions;
    /** How long a replaced file stays for readers of the previous manifest (default 60 minutes). */
    keepSupersededMinutes?: number;
    /** Runs the database holds at a time (whole days; default 300): lower means less memory, more statements. */
    runsPerBatch?: number;
    /** Clock for generations, first_seen and the grace period (tests pin it). */
    now?: () => Date;
}

export interface BuildProgress {
    phase: "plan" | "decode" | "load" | "write" | "commit";
    env?: string;
    runsDone: number;
    runsTotal: number;
}

export interface NewQuarantine {
    env: string;
    runId: string;
    source: LogSource;
    reason: string;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface EnvSummary {
    env: string;
    runs: number;
    actions: number;
    quarantined: number;
    /** Runs decoded with at least one unreadable field (kept, with that field null). */
    runsWithWarnings: number;
    /** Days of runs in the tables. */
    units: number;
    /** Days of runs rewritten by this build (0: nothing changed, nothing written). */
    unitsRewritten: number;
    /** Runs decoded by this build. */
    runsDecoded: number;
    /** Runs of the rewritten days whose rows were copied from the days' files: unchanged, not decoded again. */
    runsCopied: number;
}

export interface BuildSummary {
    out: string;
    environments: EnvSummary[];
    runs: number;
    actions: number;
    quarantined: number;
    /** Logs this build quarantined for the first time (not in the previous quarantine table), by env, run, source. */
    newQuarantines: NewQuarantine[];
    runsWithWarnings: number;
    /** Always false since the lake layout (kept for --json readers): an interrupted build leaves nothing to finish. */
    recoveredInterruptedCommit: boolean;
    seconds: number;
    actionsPerSecond: number;
}

const CONTRACT = hashOf(TABLES);
/**
 * Runs to decode up to which the next environment starts as soon as this one is planned (one batch: its
 * database stays small); a larger one lets it start once its runs are decoded. Measured on the 1% rebuild at
 * 4x history (three environments): the fixed part per environment (plan, action_hourly, environment tables,
 * commit) is what overlapping hides.
 */
const OVERLAP_UP_TO_RUNS = 300;
const DEFAULT_KEEP_MINUTES = 60;
/**
 * Decoded actions that may wait for DuckDB (encoded, ~100 bytes each) while it writes a batch: the decoder
 * goes on instead of waiting for the write.
 */
const DECODE_AHEAD_ACTIONS = 100_000;

/**
 * Brings the lake up to date with the raw store, environment by environment, each under its own lock:
 * plan which days of runs changed since the last build (plan.ts), decode and load those a batch of days at a time
 * (build-batch.ts), write their files under new names, aggregate action_hourly for the hours they touch,
 * and commit by replacing the environment's manifest (docs/data-contract.md, "Reading"). Nothing changed:
 * nothing is read or written. Undecodable logs are quarantined, never thrown.
 */
export async function runBuild(options: BuildOptions): Promise<BuildSummary> {
    const started = Date.now();
    const out = path.resolve(options.out);
    await mkdir(out, { recursive: true });
    await collectLegacy(out);
    const store = new RawStore(out);
    const inStore = await store.listEnvironments();
    const envs = options.envs?.length ? options.envs : inStore;
    for (const env of envs) {
        if (!inStore.includes(env)) throw new Error(`build: environment '${env}' has nothing in ${path.join(out, "raw")}; pull it first (padlens pull --env ${env})`);
    }
    const results: Array<{ summary: EnvSummary; newQuarantines: NewQuarantine[] }> = [];
    const running: Array<Promise<void>> = [];
    let failed = false;
    // Environments with more than one batch to decode, not yet finished: each holds a database and a backlog of
    // decoded actions (DECODE_AHEAD_ACTIONS), so at most two run at a time, one decoding and one finishing its writes.
    const large: Array<Promise<void>> = [];
    const limit = options.duckdb?.threads;
    const cores = buildThreads();
    const threads = new DuckThreads(limit ?? cores.decoding, limit ?? cores.after);
    // Once every started environment's runs are decoded, DuckDB gets every thread for the writes that remain.
    const decoded: Array<Promise<void>> = [];
    for (const i of await largestFirst(out, envs)) {
        const env = envs[i];
        if (large.length >= 2) await large.shift()!.catch(() => undefined);
        if (failed) break;
        let startNext: () => void = () => undefined;
        const nextMayStart = new Promise<void>((resolve) => (startNext = resolve));
        let finish: () => void = () => undefined;
        const finished = new Promise<void>((resolve) => (finish = resolve));
        let onDecoded: () => void = () => undefined;
        decoded.push(new Promise<void>((resolve) => (onDecoded = resolve)));
        const task = (async () => {
            try {
                const release = await acquireEnvLock(out, env, { command: "build", wait: true, ...options.lock });
                try {
                    results[i] = await buildEnvironment(out, env, store, options, threads, {
                        onPlanned: (runs) => {
                            if (runs <= OVERLAP_UP_TO_RUNS) startNext();
                            else large.push(finished);
                        },
                        onDecoded: () => {
                            onDecoded();
                            startNext();
                        },
                    });
                } finally {
                    await release();
                }
            } finally {
                onDecoded(); // finished, or failed before it got that far
                startNext();
                finish();
            }
        })();
        task.catch(() => {
            failed = true;
        });
        running.push(task);
        // The next environment plans and decodes while DuckDB finishes this one: at once when this one has little
        // to decode (an hourly pull's few runs), else once its last run is decoded, so only one decodes at a time.
        await nextMayStart;
    }
    void Promise.all(decoded).then(() => threads.decodingDone());
    // Every started environment finishes (or fails) and releases its lock before the first failure is thrown.
    for (const r of await Promise.allSettled(running)) if (r.status === "rejected") throw r.reason;
    const summaries = results.map((r) => r.summary);
    const newQuarantines = results.flatMap((r) => r.newQuarantines);
    const actionsTotal = summaries.reduce((n, s) => n + s.actions, 0);
    const seconds = (Date.now() - started) / 1000;
    return {
        out,
        environments: summaries,
        runs: summaries.reduce((n, s) => n + s.runs, 0),
        actions: actionsTotal,
        quarantined: summaries.reduce((n, s) => n + s.quarantined, 0),
        newQuarantines: newQuarantines.sort((a, b) => cmp(a.env, b.env) || cmp(a.runId, b.runId) || cmp(a.source, b.source)),
        runsWithWarnings: summaries.reduce((n, s) => n + s.runsWithWarnings, 0),
        recoveredInterruptedCommit: false,
        seconds,
        actionsPerSecond: seconds > 0 ? Math.round(actionsTotal / seconds) : 0,
    };
}

/**
 * Positions of `envs` in the order to build them: most actions first (by the last commit; none yet: by name).
 * What an environment's DuckDB still has to write after its last run is decoded (its last batch,
 * action_hourly) overlaps the next one's decoding; ending with the smallest leaves the least of it alone at
 * the end of the build. Only the order of work changes: the summary lists environments as given.
 */
async function largestFirst(out: string, envs: readonly string[]): Promise<number[]> {
    // A hint only: each environment reads its manifest again under its lock. A bad one fails its own build, in its turn.
    const actions = await Promise.all(envs.map(async (env) => {
        const m = await readManifest(out, env).catch(() => null);
        return Object.values(m?.units ?? {}).reduce((n, u) => n + u.actions, 0);
    }));
    return envs.map((_, i) => i).sort((a, b) => actions[b] - actions[a] || a - b);
}

function totals(env: string, units: Record<string, LakeUnit>, rewritten: number, decoded: number, copied: number): EnvSummary {
    const s: EnvSummary = { env, runs: 0, actions: 0, quarantined: 0, runsWithWarnings: 0, units: Object.keys(units).length, unitsRewritten: rewritten, runsDecoded: decoded, runsCopied: copied };
    for (const u of Object.values(units)) {
        s.runs += u.runs;
        s.actions += u.actions;
        s.quarantined += u.quarantined;
        s.runsWithWarnings += u.runsWithWarnings;
    }
    return s;
}

async function buildEnvironment(
    out: string,
    env: string,
    store: RawStore,
    options: BuildOptions,
    threads: DuckThreads,
    progress: {
        /** Called once the plan is made, with the number of runs to decode. */
        onPlanned: (runs: number) => void;
        /** Called once every run to decode is decoded (DuckDB may still be writing them). */
        onDecoded: () => void;
    },
): Promise<{ summary: EnvSummary; newQuarantines: NewQuarantine[] }> {
    const now = (options.now ?? (() => new Date()))();
    const graceMs = (options.keepSupersededMinutes ?? DEFAULT_KEEP_MINUTES) * 60_000;
    const previous = await readManifest(out, env);
    const superseded = await collectEnvironment(out, env, previous, now, graceMs);
    options.onProgress?.({ phase: "plan", env, runsDone: 0, runsTotal: 0 });

    const [orgs, workflows, machines, groups, state] = await Promise.all([
        store.readSnapshot(env, "organizations"),
        store.readSnapshot(env, "workflows"),
        store.readSnapshot(env, "flowmachines"),
        store.readSnapshot(env, "flowmachinegroups"),
        store.readState(env),
    ]);
    const org = orgs[0];
    const timeZone = options.timeZones?.[env] ?? state.timeZone ?? "UTC";
    const url = options.environmentUrls?.[env] ?? state.url ?? null;
    const decode = options.decode ?? DEFAULT_DECODE_OPTIONS;
    const flowName = new Map(workflows.map((w) => [id(w.workflowid), str(w.name)]));
    const machineName = new Map(machines.map((m) => [id(m.flowmachineid), str(m.name)]));
    const logStatus = int(org?.desktopflowrunactionlogsstatus);
    const deleted = await deletedRuns(store, env);
    const sortedEntries = (m: Map<string | null, string | null>) => [...m].sort((a, b) => cmp(String(a[0]), String(b[0])));
    // Everything a run's rows depend on besides the run itself: a change here rewrites every unit.
    const compression = options.compression ?? "zstd";
    const global = hashOf({ decoder: DECODER_VERSION, contract: CONTRACT, compression, decode, timeZone, logStatus, flows: sortedEntries(flowName), machines: sortedEntries(machineName) });
    const envInputs = hashOf({ contract: CONTRACT, compression, orgs, workflows, machines, groups, url, timeZone, pulledAt: state.lastPullCompletedAt ?? null });

    const plan = await planBuild({ out, env, store, previous, global, deleted, full: options.full ?? false, runsPerBatch: options.runsPerBatch });
    const runsTotal = plan.work.reduce((n, w) => n + w.runIds.length, 0);
    progress.onPlanned(runsTotal);
    if (previous && plan.work.length === 0 && previous.envInputs === envInputs) {
        if (superseded.length !== previous.superseded.length) await writeManifest(out, { ...previous, superseded });
        return { summary: totals(env, previous.units, 0, 0, 0), newQuarantines: [] };
    }

    const generation = newGeneration(now);
    // Owner-only like everything the build writes (the work folder holds decoded logs while it runs).
    await mkdir(path.join(out, LAKE_DIR), { recursive: true, mode: 0o700 });
    const work = path.join(out, LAKE_DIR, workDirName(env, generation));
    const duck = new BatchDatabase((n) => openDuckDb(":memory:", path.join(work, "duckdb-tmp"), { ...options.duckdb, threads: n }), compression, 1);
    void threads.add(duck);
    let result: { summary: EnvSummary; newQuarantines: NewQuarantine[] };
    try {
        const units: Record<string, LakeUnit> = { ...(previous?.units ?? {}) };
        const retired: string[] = [];
        const retire = (files: readonly string[] | undefined) => retired.push(...(files ?? []));
        const oldQuarantineFiles: string[] = [];
        // Hours whose aggregate changes: those of the replaced actions and of the new ones.
        const hourDays = new Set<string>();
        for (const day of plan.replacedDays) {
            const u = units[day];
            for (const f of Object.values(u.files)) retire(f);
            for (const d of u.hourDays) hourDays.add(d);
            oldQuarantineFiles.push(...(u.files.quarantine ?? []).map((f) => publishedPath(out, f)));
            delete units[day];
        }
        // Without earlier quarantine files, the database opens later, on its queue, while the first runs decode.
        const firstSeen = oldQuarantineFiles.length ? await (await duck.loader()).quarantineFirstSeen(oldQuarantineFiles) : new Map<string, number>();

        let runsDone = 0;
        const reader = await store.openRunReader(env, plan.inventory);
        const fresh: NewQuarantine[] = [];
        const queue = new DuckQueue(DECODE_AHEAD_ACTIONS);
        // The environment-level tables, from this pull's snapshots: first, so they are not part of the wait
        // after the last batch (they are published with the rest at the commit).
        const envTables = queue.run(async () => writeEnvironmentTables(await duck.loader(), work, { env, url, org, state, timeZone, workflows, machines, groups }));
        envTables.catch(() => undefined); // awaited before the commit
        const batches: Array<Promise<BatchResult>> = [];
        for (const [b, batch] of plan.work.entries()) {
            const { written } = await buildBatch({
                out, env, reader, duck, work, generation, batch, decode, timeZone, logStatus, flowName, machineName, deleted,
                last: b === plan.work.length - 1,
                spoolBytes: options.spoolBytes,
                firstSeenNow: now.getTime(),
                firstSeen,
                onRuns: (n) => {
                    runsDone += n;
                    options.onProgress?.({ phase: "decode", env, runsDone, runsTotal });
                },
                queue,
                previousUnits: previous?.units ?? {},
            });
            written.catch(() => undefined); // awaited below
            batches.push(written);
        }
        progress.onDecoded();
        for (const r of await Promise.all(batches)) {
            for (const [day, unit] of r.units) units[day] = { ...unit, inputs: plan.unitInputs(day) };
            for (const unit of r.units.values()) for (const d of unit.hourDays) hourDays.add(d);
            fresh.push(...r.newQuarantines);
        }

        options.onProgress?.({ phase: "write", env, runsDone, runsTotal });
        const hourly: Record<string, string> = { ...(previous?.hourly ?? {}) };
        // Only the units whose actions fall in those days.
        const actionFiles = Object.values(units)
            .filter((u) => u.hourDays.some((d) => hourDays.has(d)))
            .flatMap((u) => u.files.actions ?? [])
            .map((f) => publishedPath(out, f));
        const written = await (await duck.loader()).writeHourly(work, actionFiles, [...hourDays], timeZone);
        for (const day of hourDays) {
            if (hourly[day]) retire([hourly[day]]);
            delete hourly[day];
        }
        for (const [day, files] of written) {
            if (files.length !== 1) throw new Error(`action_hourly ${env} ${day}: expected one file, DuckDB wrote ${files.length}`);
            hourly[day] = await publishFile(out, files[0], "action_hourly", env, day, generation);
        }

        const envFiles = await envTables;
        retire(previous?.files.environments);
        retire(previous?.files.flows);
        retire(previous?.files.machines);
        const envPublished = new Map<TableName, string>();
        for (const [t, file] of envFiles) envPublished.set(t, await publishFile(out, file, t, env, null, generation));

        options.onProgress?.({ phase: "commit", env, runsDone, runsTotal });
        const files = Object.fromEntries(TABLES.map((t) => [t.name, [] as string[]])) as Record<TableName, string[]>;
        for (const [t, f] of envPublished) files[t].push(f);
        for (const day of Object.keys(units).sort()) for (const [t, fs] of Object.entries(units[day].files)) files[t as TableName].push(...fs);
        for (const day of Object.keys(hourly).sort()) files.action_hourly.push(hourly[day]);
        const since = now.toISOString();
        const manifest: LakeManifest = {
            schemaVersion: 1,
            env,
            generation,
            committedAt: new Date().toISOString(),
            committedBy: { host: os.hostname(), pid: process.pid, padlens: padlensVersion() },
            decoder: DECODER_VERSION,
            files,
            envInputs,
            units: Object.fromEntries(Object.keys(units).sort().map((d) => [d, units[d]])),
            hourly: Object.fromEntries(Object.keys(hourly).sort().map((d) => [d, hourly[d]])),
            superseded: [...superseded, ...retired.map((file) => ({ file, since }))],
        };
        await plan.saveDaySignatures(generation);
        await writeManifest(out, manifest); // the commit
        await saveCache(out, env, plan.cache);
        const copied = plan.work.reduce((n, w) => n + [...w.kept.values()].reduce((m, ids) => m + ids.length, 0), 0);
        result = { summary: totals(env, manifest.units, plan.work.reduce((n, w) => n + w.days.size, 0), runsTotal, copied), newQuarantines: fresh };
    } finally {
        void threads.delete(duck);
        await duck.close();
    }
    // Only after a commit: a failed build's work folder stays, and tells the next build of this environment to
    // sweep the files it moved into the lake but never committed (collect.ts).
    await rmRetrying(work, { recursive: true, force: true });
    return result;
}

async function writeEnvironmentTables(loader: Loader, work: string, e: {
    env: string;
    url: string | null;
    org: Record<string, unknown> | undefined;
    state: { lastPullCompletedAt?: string };
    timeZone: string;
    workflows: Array<Record<string, unknown>>;
    machines: Array<Record<string, unknown>>;
    groups: Array<Record<string, unknown>>;
}): Promise<Map<TableName, string>> {
    const rows: Array<[TableName, Record<string, unknown>]> = [["environments", { ...environmentRow(e.env, e.url, e.org, e.state.lastPullCompletedAt), time_zone: e.timeZone }]];
    const seenFlows = new Set<unknown>();
    for (const w of e.workflows) {
        const r = flowRow(e.env, w);
        if (seenFlows.has(r.flow_id)) continue; // drafts and published rows share a workflowid
        seenFlows.add(r.flow_id);
        rows.push(["flows", r]);
    }
    for (const m of machineRows(e.env, e.machines, e.groups)) rows.push(["machines", m]);
    await loader.insertRows(path.join(work, "env-spool"), rows);
    return loader.writeEnvironmentTables(path.join(work, "env"));
}
