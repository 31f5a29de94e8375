import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { LAKE_DIR, type LakeManifest } from "../lake/manifest.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { requireEnvName } from "../util/ids.js";
import { runDay, type RawStore, type RunInventory } from "../store/raw-store.js";

/**
 * Which units of one environment a build must rewrite. A unit is one UTC day of runs (by created_on);
 * its inputs hash covers everything its rows depend on: its runs' signatures (a hash of each run file, the
 * same whether the raw store keeps it loose or packed), deletions recorded for them, and the build-wide
 * inputs (decoder version, contract, decode settings, time zone, flow and machine names).
 */

/**
 * Runs per batch (a batch closes at the first day boundary past this, and at every month's end): what the
 * build's database holds at a time, so memory does not grow with a busy month (a tenant with 1M runs a year
 * has ~80,000 a month). Measured on 4x the demo's history (980k actions, 2-core machine, full builds
 * alternated, one DuckDB instance per environment then): 300-run batches 21-29 s and 560-580 MB peak RSS,
 * 2,000-run batches 19-22 s and 770-790 MB. Since instances are replaced as they load (batch-database.ts): 474-519 MB.
 * Memory is what a scheduled task beside Power BI Desktop runs out of first.
 */
const BATCH_RUNS = 300;

export interface DayBatch {
    month: string;
    /** The days of the month to rewrite. */
    days: Set<string>;
    /** Their runs to decode. */
    runIds: string[];
    /**
     * By day, runs unchanged since the day was last written: their rows are copied from its current files
     * instead of decoded again (an hourly pull changes a few runs of a day that holds thousands by evening).
     */
    kept: Map<string, string[]>;
}

export interface BuildPlan {
    work: DayBatch[];
    /** Inputs hash of a day, for the days the plan knows before reading (loose runs). */
    unitInputs(day: string): string;
    /** Days of the previous manifest that are rewritten (their old files are superseded). */
    replacedDays: Set<string>;
    /** Saved after the commit: lets the next build skip reading unchanged loose runs. */
    cache: InputsCache;
    /** What the plan saw in the raw store: the build reads the planned runs from there. */
    inventory: RunInventory;
    /** Saved before the commit, for the rewritten days: what each of their runs was (daySignatures). */
    saveDaySignatures(generation: string): Promise<void>;
}

/**
 * Per month of days, what each day's runs were (signature and deletion) when the day was last written, under
 * which generation and build-wide inputs: a later build trusts an entry only when the manifest still lists that
 * generation for the day (a build that died after writing this never committed it) and its build-wide inputs
 * are the same (otherwise every run must be decoded again). Build-private, beside the manifests.
 */
interface DaySignatures {
    schemaVersion: 1;
    days: Record<string, { generation: string; global: string; runs: Record<string, string> }>;
}

export interface InputsCache {
    schemaVersion: 2;
    /** Loose runs: signature and day, from the run file when the signature was new. */
    loose: Record<string, [string, string]>;
}

const sha = (...parts: string[]): string => {
    const h = createHash("sha256");
    for (const p of parts) h.update(p).update("\u0000");
    return h.digest("hex").slice(0, 32);
};

export function hashOf(value: unknown): string {
    return sha(JSON.stringify(value));
}

function cacheFile(out: string, env: string): string {
    return path.join(out, LAKE_DIR, `${requireEnvName(env)}.inputs.json`);
}

/**
 * A build-private record (the inputs cache, a month's day signatures), or `empty` when it is missing, damaged
 * or of another version: either only costs reading or decoding those runs again.
 */
async function readRecord<T>(file: string, valid: (r: T) => boolean, empty: T): Promise<T> {
    const text = await readFile(file, "utf8").catch(() => null);
    try {
        const r = text ? (JSON.parse(text) as T | null) : null;
        if (r && valid(r)) return r;
    } catch {
        // damaged: as if missing
    }
    return empty;
}

const readCache = (out: string, env: string): Promise<InputsCache> =>
    readRecord<InputsCache>(cacheFile(out, env), (c) => c.schemaVersion === 2, { schemaVersion: 2, loose: {} });

export async function saveCache(out: string, env: string, cache: InputsCache): Promise<void> {
    await writeFileAtomic(cacheFile(out, env), JSON.stringify(cache));
}

function signaturesFile(out: string, env: string, month: string): string {
    return path.join(out, LAKE_DIR, `${requireEnvName(env)}.signatures`, `${month}.json`);
}

const readSignatures = (out: string, env: string, month: string): Promise<DaySignatures> =>
    readRecord<DaySignatures>(signaturesFile(out, env, month), (s) => s.schemaVersion === 1 && typeof s.days === "object" && s.days !== null, { schemaVersion: 1, days: {} });

export async function planBuild(opts: {
    out: string;
    env: string;
    store: RawStore;
    previous: LakeManifest | null;
    /** Hash of the build-wide inputs. */
    global: string;
    /** Deletion records by run id (deleted_in_source_on). */
    deleted: Map<string, unknown>;
    full: boolean;
    /** Runs per batch (default BATCH_RUNS). */
    runsPerBatch?: number;
}): Promise<BuildPlan> {
    const { out, env, store, previous, global, deleted } = opts;
    const inventory = await store.inventory(env);
    const cache = await readCache(out, env);
    const nextCache: InputsCache = { schemaVersion: 2, loose: {} };
    const del = (runId: string) => (deleted.has(runId) ? JSON.stringify(deleted.get(runId)) : "");

    // Every run's day and signature; a loose run overrides its packed copy.
    const runs = new Map<string, { day: string; signature: string }>();
    for (const p of inventory.packs) for (const r of p.runs) runs.set(r.runId, { day: r.day, signature: r.signature });
    for (const r of inventory.loose) {
        const known = cache.loose[r.runId];
        let day = known && known[0] === r.signature ? known[1] : null;
        if (day === null) {
            const stored = await store.readRun(env, r.runId);
            if (!stored) continue; // removed since the listing
            day = runDay(stored.row);
        }
        nextCache.loose[r.runId] = [r.signature, day];
        runs.set(r.runId, { day, signature: r.signature });
    }
    const byDay = new Map<string, string[]>();
    for (const [id, r] of runs) {
        const list = byDay.get(r.day);
        if (list) list.push(id);
        else byDay.set(r.day, [id]);
    }
    for (const list of byDay.values()) list.sort();
    const runKey = (id: string): string => `${runs.get(id)!.signature}:${del(id)}`;
    const unitInputs = (day: string): string => sha(global, ...(byDay.get(day) ?? []).map((id) => `${id}:${runKey(id)}`));

    // Days that have runs now or had rows before (a day whose runs are all gone is rewritten to nothing).
    const days = new Set<string>([...byDay.keys(), ...Object.keys(previous?.units ?? {})]);
    const changed = [...days].filter((d) => opts.full || previous?.units[d]?.inputs !== unitInputs(d)).sort();
    // Runs of a rewritten day that are as they were when the day was last written (not with --full).
    const signatures = new Map<string, DaySignatures>();
    const monthSignatures = async (month: string): Promise<DaySignatures> => {
        let m = signatures.get(month);
        if (!m) signatures.set(month, (m = await readSignatures(out, env, month)));
        return m;
    };
    const keptOf = async (day: string): Promise<string[]> => {
        const unit = previous?.units[day];
        if (opts.full || !unit) return [];
        const entry = (await monthSignatures(day.slice(0, 7))).days[day];
        if (!entry || entry.generation !== unit.generation || entry.global !== global) return [];
        return (byDay.get(day) ?? []).filter((id) => entry.runs[id] === runKey(id));
    };

    // Batches of whole days of one month, closed once they hold BATCH_RUNS runs (decoded or copied).
    const work: DayBatch[] = [];
    let held = 0;
    for (const day of changed) {
        const month = day.slice(0, 7);
        let w = work[work.length - 1];
        if (!w || w.month !== month || held >= (opts.runsPerBatch ?? BATCH_RUNS)) {
            work.push((w = { month, days: new Set(), runIds: [], kept: new Map() }));
            held = 0;
        }
        w.days.add(day);
        const kept = await keptOf(day);
        const keep = new Set(kept);
        if (kept.length) w.kept.set(day, kept);
        for (const id of byDay.get(day) ?? []) if (!keep.has(id)) w.runIds.push(id);
        held += byDay.get(day)?.length ?? 0;
    }
    const replacedDays = new Set(changed.filter((d) => previous?.units[d] !== undefined));

    const saveDaySignatures = async (generation: string): Promise<void> => {
        const months = new Set(changed.map((d) => d.slice(0, 7)));
        for (const month of months) {
            const m = await monthSignatures(month);
            for (const day of changed.filter((d) => d.startsWith(month))) {
                const ids = byDay.get(day);
                if (!ids) delete m.days[day]; // no runs left: the day is gone
                else m.days[day] = { generation, global, runs: Object.fromEntries(ids.map((id) => [id, runKey(id)])) };
            }
            const file = signaturesFile(out, env, month);
            if (Object.keys(m.days).length === 0) await rm(file, { force: true });
            else await writeFileAtomic(file, JSON.stringify(m));
        }
    };
    return { work, unitInputs, replacedDays, cache: nextCache, inventory, saveDaySignatures };
}
