import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { mkdir, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { isAtomicWriteLeftover, writeFileAtomic } from "../util/atomic-write.js";
import { renameRetrying, rmRetrying } from "../util/fs-retry.js";
import { parseGuid } from "../util/ids.js";
import { readZipDirectory, sha256, sha256File, writeZip, zipLayout, type ZipInput } from "./pack-zip.js";
import { emptyManifest, entryNames, isPackFileName, MANIFEST, PACK_INDEX_ENTRY, readManifestSync, type PackIndex, type PackManifest, type PackRecord } from "./packs.js";
import { runDay, runMonth, runSignature, type RawStore, type StoredRun } from "./raw-store.js";

/**
 * Compaction (docs/raw-store.md, "Packs"): the loose runs of closed months go into a few zip packs per
 * env-month, so a year of runs is a few hundred files instead of millions. Per month:
 *
 *   1. classify its loose runs: already in a pack with identical bytes (a compaction killed after its
 *      commit) or new/changed;
 *   2. write the new/changed runs, with the runs of the month's packs they replace (or of its smallest pack,
 *      so late runs do not make a pack each), into packs of at most maxPackBytes: each to a temporary file,
 *      flushed, read back through its zip directory and checked entry by entry (count, names, offsets,
 *      SHA-256 of every entry's bytes), then renamed to `<month>-<sha256[0:16]>.zip`;
 *   3. commit: write the manifest (packs.json) listing the new packs instead of the replaced ones;
 *   4. delete the loose files now packed (each run file first, and only if it still has the bytes packed),
 *      then the replaced packs.
 *
 * Killed anywhere, the store reads the same runs: before 3 the new packs are unlisted (ignored, deleted by
 * the next compaction) and the loose files untouched; after 3 a loose run still there is identical to its
 * packed copy (the loose copy wins, same bytes) and the next compaction only deletes it. A verification
 * failure deletes the new packs and leaves everything else as it was.
 */

/** Finished runs of the open month are packed once their run file is this many hours old. */
export const DEFAULT_PACK_AFTER_HOURS = 6;
export const DEFAULT_CLOSED_AFTER_DAYS = 7;
export const DEFAULT_MAX_PACK_BYTES = 256 * 1024 * 1024;
/** Three entries per run: stays under the 65,535 entries of a plain (non-ZIP64) zip directory. */
export const DEFAULT_MAX_RUNS_PER_PACK = 20_000;
/** Temporary files (`.name.xxxx.tmp`) and uncommitted loose logs older than this are leftovers of killed writes. */
export const DEFAULT_LEFTOVER_MINUTES = 10;

/** Points between compaction steps, for tests to simulate a kill (the hook throws). */
export type CompactStep = "pack-written" | "pack-verified" | "pack-renamed" | "manifest-committed" | "loose-deleting" | "loose-deleted" | "old-packs-deleted";

export interface CompactProgress {
    env: string;
    phase: "scan" | "pack" | "done";
    month?: string;
    runsDone: number;
    runsTotal: number;
}

export interface CompactOptions {
    /** A month is closed once it ended this many days ago. Default 7. */
    closedAfterDays?: number;
    /**
     * Runs of the open month are packed too once they finished and their run file is this many hours old
     * (not re-pulled since), so the loose window is hours of runs, not a month (a tenant with 1M runs a
     * year keeps ~80,000 in a month). Default 6; null packs closed months only.
     */
    packAfterHours?: number | null;
    now?: () => Date;
    maxPackBytes?: number;
    maxRunsPerPack?: number;
    leftoverMinutes?: number;
    onProgress?: (p: CompactProgress) => void;
    /** Called after each step; tests throw from it to simulate a kill at that point. */
    onStep?: (step: CompactStep, detail: { month: string; file?: string }) => void | Promise<void>;
}

export interface CompactSummary {
    env: string;
    /** Months whose packs were (re)written. */
    months: string[];
    packsWritten: number;
    packsRemoved: number;
    runsPacked: number;
    /** Loose runs whose files were deleted because a verified pack holds them. */
    looseRunsRemoved: number;
    /** Temporary files of killed writes, unlisted packs and uncommitted loose logs removed. */
    leftoversRemoved: number;
    /** Loose run files left unpacked because they could not be read (damaged JSON). */
    unreadable: string[];
    filesBefore: number;
    filesAfter: number;
    bytesWritten: number;
    seconds: number;
}

/** A pack that did not read back as written: nothing it would have replaced was touched. */
export class PackVerificationError extends Error {}

/** Whether a month (`yyyy-mm`, UTC) ended at least `days` days before `now`. */
export function isMonthClosed(month: string, now: Date, days: number): boolean {
    const [y, m] = month.split("-").map(Number);
    // Date.UTC months are 0-based, so the 1-based month number is the next month: its first instant is this month's end.
    return Date.UTC(y, m, 1) + days * 86_400_000 <= now.getTime();
}

/** Compacts one environment's closed months. Must run under the environment's lock (pull, compact). */
export async function compactEnvironment(store: RawStore, env: string, options: CompactOptions = {}): Promise<CompactSummary> {
    const started = Date.now();
    const now = (options.now ?? (() => new Date()))();
    const days = options.closedAfterDays ?? DEFAULT_CLOSED_AFTER_DAYS;
    const leftoverMs = (options.leftoverMinutes ?? DEFAULT_LEFTOVER_MINUTES) * 60_000;
    const envDir = store.envDir(env);
    const packsDir = store.packsDir(env);
    const summary: CompactSummary = {
        env, months: [], packsWritten: 0, packsRemoved: 0, runsPacked: 0, looseRunsRemoved: 0, leftoversRemoved: 0, unreadable: [],
        filesBefore: 0, filesAfter: 0, bytesWritten: 0, seconds: 0,
    };
    const files = await listFiles(envDir);
    summary.filesBefore = files.length;
    options.onProgress?.({ env, phase: "scan", runsDone: 0, runsTotal: 0 });

    const old = async (file: string): Promise<boolean> => {
        const s = await stat(file).catch(() => null);
        return s !== null && now.getTime() - s.mtimeMs > leftoverMs;
    };
    const manifest = readManifestSync(packsDir);
    const listed = new Set(manifest.packs.map((p) => p.file));
    const looseIds = new Set(await store.looseRunIds(env));
    for (const rel of files) {
        const parts = rel.split(path.sep);
        const name = parts[parts.length - 1];
        const abs = path.join(envDir, rel);
        // A killed atomic write (any file of the store) or a killed compaction's temporary pack.
        if (isAtomicWriteLeftover(name) && (await old(abs))) {
            await rmRetrying(abs, { force: true });
            summary.leftoversRemoved++;
        } else if (parts.length === 2 && parts[0] === "packs" && isPackFileName(name) && !listed.has(name)) {
            // Written (maybe verified) by a compaction killed before its commit: never read, so never needed.
            await rmRetrying(abs, { force: true });
            summary.leftoversRemoved++;
        } else if (parts.length === 3 && (parts[0] === "v1" || parts[0] === "v2")) {
            // A log whose run file is gone (a compaction killed between the two deletes) or never came (a pull
            // killed between them): uncommitted, so no reader uses it.
            const id = name.replace(parts[0] === "v1" ? /\.gz$/ : /\.jsonl\.gz$/, "");
            if (parseGuid(id) === id && !looseIds.has(id) && (await old(abs))) {
                await rmRetrying(abs, { force: true });
                summary.leftoversRemoved++;
            }
        }
    }

    // Loose runs by month: a closed month's, and the open month's finished runs not re-pulled for a while.
    const packAfterMs = options.packAfterHours === null ? null : (options.packAfterHours ?? DEFAULT_PACK_AFTER_HOURS) * 3_600_000;
    const byMonth = new Map<string, string[]>();
    for (const id of looseIds) {
        let month: string;
        let settled = false;
        try {
            // The run file alone says the month; its logs are read once, when packed.
            const runFile = store.looseFiles(env, id).run;
            const row = (JSON.parse(readFileSync(runFile, "utf8")) as StoredRun).row;
            month = runMonth(row);
            settled = packAfterMs !== null && typeof row.completedon === "string" && row.completedon !== ""
                && now.getTime() - statSync(runFile).mtimeMs >= packAfterMs;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
            summary.unreadable.push(id);
            continue;
        }
        if (!isMonthClosed(month, now, days) && !settled) continue;
        const list = byMonth.get(month);
        if (list) list.push(id);
        else byMonth.set(month, [id]);
    }
    for (const month of [...byMonth.keys()].sort()) await compactMonth(store, env, month, byMonth.get(month)!.sort(), options, summary);

    summary.filesAfter = (await listFiles(envDir)).length;
    summary.seconds = (Date.now() - started) / 1000;
    options.onProgress?.({ env, phase: "done", runsDone: summary.runsPacked, runsTotal: summary.runsPacked });
    return summary;
}

interface RunBytes {
    run: Buffer;
    v1Gz: Buffer | null;
    v2Gz: Buffer | null;
}

const sameBytes = (a: Buffer | null, b: Buffer | null): boolean => (a === null || b === null ? a === b : a.equals(b));

async function compactMonth(store: RawStore, env: string, month: string, ids: string[], options: CompactOptions, summary: CompactSummary): Promise<void> {
    const packsDir = store.packsDir(env);
    const step = async (s: CompactStep, file?: string) => options.onStep?.(s, { month, file });
    const maxBytes = options.maxPackBytes ?? DEFAULT_MAX_PACK_BYTES;
    const maxRuns = options.maxRunsPerPack ?? DEFAULT_MAX_RUNS_PER_PACK;
    store.forgetPacks(env);
    const packs = store.packSet(env);

    // 1. Which loose runs are new or changed; the others are packed already, byte for byte.
    const fresh: string[] = [];
    /** SHA-256 of the run file bytes that are (or will be) packed, per loose run to delete. */
    const packedRunHash = new Map<string, string>();
    for (const id of ids) {
        const packed = packs.read(id);
        const loose = packed ? store.readLooseRun(env, id) : null;
        if (packed && loose && packed.run.equals(loose.runBytes) && sameBytes(packed.v1Gz, loose.v1Gz) && sameBytes(packed.v2Gz, loose.v2Gz)) {
            packedRunHash.set(id, sha256(loose.runBytes));
        } else fresh.push(id);
    }

    // 2. New packs: the fresh runs with the runs of the month's packs they override (or its smallest pack).
    const monthPacks = packs.packs.filter((p) => p.month === month);
    const runsOf = (p: PackRecord): string[] => packs.indexes[packs.packs.indexOf(p)].runs.map((r) => r[0]);
    const freshSet = new Set(fresh);
    let replaced = monthPacks.filter((p) => runsOf(p).some((id) => freshSet.has(id)));
    if (fresh.length && !replaced.length) {
        const smallest = [...monthPacks].sort((a, b) => a.bytes - b.bytes)[0];
        if (smallest && smallest.bytes < maxBytes / 2) replaced = [smallest];
    }
    const written: PackRecord[] = [];
    if (fresh.length) {
        const keep = replaced.flatMap(runsOf).filter((id) => !freshSet.has(id));
        const all = [...new Set([...keep, ...fresh])].sort();
        const source = (id: string): RunBytes => {
            if (freshSet.has(id)) {
                const loose = store.readLooseRun(env, id);
                if (!loose) throw new Error(`${env}: loose run ${id} vanished during compaction`);
                packedRunHash.set(id, sha256(loose.runBytes));
                return { run: loose.runBytes, v1Gz: loose.v1Gz, v2Gz: loose.v2Gz };
            }
            return packs.read(id)!;
        };
        try {
            let chunk: Array<[string, RunBytes]> = [];
            let chunkBytes = 0;
            let done = 0;
            const flush = async () => {
                if (!chunk.length) return;
                written.push(await writePack(packsDir, env, month, chunk, step));
                done += chunk.length;
                options.onProgress?.({ env, phase: "pack", month, runsDone: done, runsTotal: all.length });
                chunk = [];
                chunkBytes = 0;
            };
            for (const id of all) {
                const bytes = source(id);
                const size = bytes.run.length + (bytes.v1Gz?.length ?? 0) + (bytes.v2Gz?.length ?? 0);
                if (chunk.length && (chunkBytes + size > maxBytes || chunk.length >= maxRuns)) await flush();
                chunk.push([id, bytes]);
                chunkBytes += size;
            }
            await flush();
        } catch (e) {
            // Unlisted, so never read; removed now rather than by the next compaction.
            for (const p of written) if (!monthPacks.some((m) => m.file === p.file)) await rmRetrying(path.join(packsDir, p.file), { force: true });
            throw e;
        }

        // 3. Commit.
        const kept = packs.packs.filter((p) => !replaced.includes(p));
        const manifest: PackManifest = { ...emptyManifest(), packs: [...kept, ...written] };
        await writeFileAtomic(path.join(packsDir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
        store.forgetPacks(env);
        summary.months.push(month);
        summary.packsWritten += written.length;
        summary.runsPacked += fresh.length;
        summary.bytesWritten += written.reduce((n, p) => n + p.bytes, 0);
        await step("manifest-committed");
    }

    // 4. The loose copies, each only if its run file still holds the bytes that were packed (run file first:
    // without it the run is read from its pack), a few at a time; then the replaced packs.
    let first = true;
    const removeLoose = async (id: string, hash: string): Promise<void> => {
        const files = store.looseFiles(env, id);
        let current: Buffer | null = null;
        try {
            current = readFileSync(files.run);
        } catch {
            // already gone
        }
        if (!current || sha256(current) !== hash) return;
        await rmRetrying(files.run, { force: true });
        await Promise.all([rmRetrying(files.v1, { force: true }), rmRetrying(files.v2, { force: true })]);
        summary.looseRunsRemoved++;
        if (first) {
            first = false;
            await step("loose-deleting");
        }
    };
    const pending = [...packedRunHash];
    while (pending.length) await Promise.all(pending.splice(0, 16).map(([id, hash]) => removeLoose(id, hash)));
    await step("loose-deleted");
    const nowListed = new Set(written.map((p) => p.file));
    for (const p of replaced) {
        if (!fresh.length || nowListed.has(p.file)) continue;
        await rmRetrying(path.join(packsDir, p.file), { force: true });
        summary.packsRemoved++;
    }
    await step("old-packs-deleted");
}

/** Writes one pack (temporary file, verified, renamed into place) and returns its manifest record. */
async function writePack(packsDir: string, env: string, month: string, runs: Array<[string, RunBytes]>, step: (s: CompactStep, file?: string) => Promise<void>): Promise<PackRecord> {
    const inputs: ZipInput[] = [];
    const slots: Array<[string, number, number, number]> = [];
    const days: string[] = [];
    const sigs: string[] = [];
    for (const [id, b] of runs) {
        const names = entryNames(id);
        const at = inputs.length;
        inputs.push({ name: names.run, data: b.run });
        const v1 = b.v1Gz ? inputs.push({ name: names.v1, data: b.v1Gz }) - 1 : -1;
        const v2 = b.v2Gz ? inputs.push({ name: names.v2, data: b.v2Gz }) - 1 : -1;
        slots.push([id, at, v1, v2]);
        days.push(runDay((JSON.parse(b.run.toString("utf8")) as StoredRun).row));
        sigs.push(runSignature(b.run));
    }
    const spans = zipLayout(inputs.map((e) => ({ name: e.name, length: e.data.length })));
    const span = (i: number): [number, number] => (i < 0 ? [-1, -1] : [spans[i].offset, spans[i].length]);
    const index: PackIndex = {
        format: "padlens-raw-pack", version: 1, env, month,
        runs: slots.map(([id, r, v1, v2], k) => [id, ...span(r), ...span(v1), ...span(v2), days[k], sigs[k]]),
    };
    inputs.push({ name: PACK_INDEX_ENTRY, data: Buffer.from(JSON.stringify(index)) });
    const expected = inputs.map((e, i) => ({ name: e.name, length: e.data.length, sha256: sha256(e.data), offset: i < spans.length ? spans[i].offset : -1 }));
    const indexSpan = zipLayout(inputs.map((e) => ({ name: e.name, length: e.data.length })))[inputs.length - 1];
    expected[expected.length - 1].offset = indexSpan.offset;

    const tmp = path.join(packsDir, `.${month}.${randomBytes(6).toString("hex")}.zip.tmp`);
    const [y, m] = month.split("-").map(Number);
    await mkdir(packsDir, { recursive: true, mode: 0o700 });
    try {
        await writeZip(tmp, inputs, new Date(Date.UTC(y, m - 1, 1)));
        inputs.length = 0; // the bytes are on disk; let them go before reading back
        await step("pack-written", tmp);
        const { sha, bytes } = await verifyPack(tmp, expected);
        await step("pack-verified", tmp);
        const file = `${month}-${sha.slice(0, 16)}.zip`;
        await renameRetrying(tmp, path.join(packsDir, file));
        await step("pack-renamed", file);
        return { month, file, bytes, sha256: sha, runs: runs.length, index: [indexSpan.offset, indexSpan.length] };
    } finally {
        await rmRetrying(tmp, { force: true });
    }
}

/** Reads a written pack back as a zip: every entry there, in order, STORED, at its offset, with the expected bytes. */
async function verifyPack(file: string, expected: Array<{ name: string; length: number; sha256: string; offset: number }>): Promise<{ sha: string; bytes: number }> {
    const fail = (why: string): never => {
        throw new PackVerificationError(`pack ${path.basename(file)} failed verification (${why}); nothing was replaced`);
    };
    const entries = await readZipDirectory(file).catch((e: unknown) => fail((e as Error).message));
    if (entries.length !== expected.length) fail(`${entries.length} entries, expected ${expected.length}`);
    const fd = openSync(file, "r");
    try {
        entries.forEach((e, i) => {
            const x = expected[i];
            if (e.name !== x.name || e.method !== 0 || e.size !== x.length || e.compressedSize !== x.length || e.dataOffset !== x.offset) fail(`entry ${i} is ${e.name} at ${e.dataOffset}, expected ${x.name} at ${x.offset}`);
            const data = Buffer.allocUnsafe(x.length);
            let done = 0;
            while (done < x.length) {
                const n = readSync(fd, data, done, x.length - done, x.offset + done);
                if (n === 0) fail(`${x.name} is cut short`);
                done += n;
            }
            if (sha256(data) !== x.sha256) fail(`${x.name} does not hold the bytes written`);
        });
    } finally {
        closeSync(fd);
    }
    const sha = await sha256File(file);
    return { sha, bytes: (await stat(file)).size };
}

/** Every file under a folder, as paths relative to it (none when it does not exist). */
async function listFiles(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}
