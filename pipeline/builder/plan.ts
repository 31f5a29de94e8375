import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LAKE_DIR, type LakeManifest } from "../lake/manifest.js";
import { runDay } from "../load/rows.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { requireEnvName } from "../util/ids.js";
import type { RawStore } from "../store/raw-store.js";

/**
 * Which units of one environment a build must rewrite. A unit is one UTC day of runs (by created_on);
 * its inputs hash covers everything its rows depend on: the runs as stored (their signatures from the raw
 * store), deletions recorded for them, and the build-wide inputs (decoder version, contract, decode
 * settings, time zone, flow and machine names). A month the raw store keeps packed is rewritten whole when
 * anything in it changed: its runs are not indexed by day without reading them.
 */

export interface MonthWork {
    month: string;
    /** Rewrite every day of the month (a packed month, or build-wide inputs changed). */
    whole: boolean;
    /** Otherwise, these days. */
    days: Set<string>;
    /** Runs to read: every run of the month when whole, else the runs of `days`. */
    runIds: string[];
}

export interface BuildPlan {
    work: MonthWork[];
    /** Inputs hash of a day, for the days the plan knows before reading (loose runs). */
    unitInputs(day: string): string;
    /** Days of the previous manifest that are rewritten (their old files are superseded). */
    replacedDays: Set<string>;
    /** Saved after the commit: lets the next build skip reading unchanged loose runs. */
    cache: InputsCache;
}

export interface InputsCache {
    schemaVersion: 1;
    /** Loose runs: signature and day, from the run file when the signature was new. */
    loose: Record<string, [string, string]>;
    /** Packed months: hash of their packs and their runs' deletions. */
    packed: Record<string, string>;
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

async function readCache(out: string, env: string): Promise<InputsCache> {
    const text = await readFile(cacheFile(out, env), "utf8").catch(() => null);
    try {
        const c = text ? (JSON.parse(text) as InputsCache) : null;
        if (c?.schemaVersion === 1) return c;
    } catch {
        // a damaged cache costs a re-read of the loose runs, nothing else
    }
    return { schemaVersion: 1, loose: {}, packed: {} };
}

export async function saveCache(out: string, env: string, cache: InputsCache): Promise<void> {
    await writeFileAtomic(cacheFile(out, env), JSON.stringify(cache));
}

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
}): Promise<BuildPlan> {
    const { out, env, store, previous, global, deleted } = opts;
    const inventory = await store.inventory(env);
    const cache = await readCache(out, env);
    const nextCache: InputsCache = { schemaVersion: 1, loose: {}, packed: {} };
    const del = (runId: string) => (deleted.has(runId) ? JSON.stringify(deleted.get(runId)) : "");

    // Loose runs by day (a loose run overrides its packed copy).
    const looseIds = new Set(inventory.loose.map((r) => r.runId));
    const looseByDay = new Map<string, string[]>();
    for (const r of inventory.loose) {
        const known = cache.loose[r.runId];
        let day = known && known[0] === r.signature ? known[1] : null;
        if (day === null) {
            const stored = await store.readRun(env, r.runId);
            if (!stored) continue; // removed since the listing
            day = runDay(stored.row);
        }
        nextCache.loose[r.runId] = [r.signature, day];
        const list = looseByDay.get(day) ?? [];
        list.push(r.runId);
        looseByDay.set(day, list);
    }
    const loosePart = (day: string): string => sha(...(looseByDay.get(day) ?? []).sort().map((id) => `${id}:${nextCache.loose[id][0]}:${del(id)}`));

    // Packed runs by month, minus the ones a loose file overrides.
    const packedByMonth = new Map<string, { sigs: string[]; runIds: string[] }>();
    for (const p of inventory.packs) {
        const m = packedByMonth.get(p.month) ?? { sigs: [], runIds: [] };
        m.sigs.push(p.signature);
        for (const id of p.runIds) if (!looseIds.has(id)) m.runIds.push(id);
        packedByMonth.set(p.month, m);
    }
    for (const [month, m] of packedByMonth) {
        m.runIds.sort();
        nextCache.packed[month] = sha(...m.sigs.sort(), ...m.runIds.map((id) => `${id}:${del(id)}`));
    }
    const unitInputs = (day: string): string => sha(global, nextCache.packed[day.slice(0, 7)] ?? "", loosePart(day));

    const prevDays = new Set(Object.keys(previous?.units ?? {}));
    const months = new Set<string>([...packedByMonth.keys(), ...[...looseByDay.keys()].map((d) => d.slice(0, 7)), ...[...prevDays].map((d) => d.slice(0, 7))]);
    const work: MonthWork[] = [];
    const replacedDays = new Set<string>();
    for (const month of [...months].sort()) {
        const daysOfMonth = new Set([...looseByDay.keys(), ...prevDays].filter((d) => d.startsWith(month)));
        const packed = packedByMonth.get(month);
        const changedDays = [...daysOfMonth].filter((d) => opts.full || previous?.units[d]?.inputs !== unitInputs(d));
        const packChanged = packed !== undefined && (opts.full || cache.packed[month] !== nextCache.packed[month] || previous === null);
        if (changedDays.length === 0 && !packChanged) continue;
        const whole = packed !== undefined;
        const days = new Set(whole ? daysOfMonth : changedDays);
        for (const d of prevDays) if (d.startsWith(month) && (whole || days.has(d))) replacedDays.add(d);
        const runIds = whole
            ? [...packed.runIds, ...[...daysOfMonth].flatMap((d) => looseByDay.get(d) ?? [])]
            : [...days].flatMap((d) => looseByDay.get(d) ?? []);
        work.push({ month, whole, days, runIds: runIds.sort() });
    }
    return { work, unitInputs, replacedDays, cache: nextCache };
}
