import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { readdirSync, readFileSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseTimestampOrNull } from "../decode/values.js";
import { isAtomicWriteLeftover, writeFileAtomic } from "../util/atomic-write.js";
import { isEnvName, parseGuid, requireEnvName, requireGuid } from "../util/ids.js";
import { rmRetrying } from "../util/fs-retry.js";
import { manifestStamp, PACKS_DIR, PackSet } from "./packs.js";

/**
 * The raw store: what `padlens pull` fetched, exactly as Dataverse returned it, on local disk. The
 * decode/load stage reads only this, so a build can be re-run without the network. Layout (docs/raw-store.md):
 *
 *   <out>/raw/<env>/state.json                 watermark and pull bookkeeping
 *   <out>/raw/<env>/snapshot/<entitySet>.json  organizations, workflows, flowmachines, flowmachinegroups
 *   <out>/raw/<env>/runs/<xx>/<runId>.json     the flowsession row + what was fetched for it
 *   <out>/raw/<env>/v1/<xx>/<runId>.gz         gzip of the additionalcontext bytes as served
 *   <out>/raw/<env>/v2/<xx>/<runId>.jsonl.gz   gzip of the run's flowlog rows, one JSON object per line
 *   <out>/raw/<env>/packs/packs.json           the packs of closed months (packs.ts, written by compact.ts)
 *   <out>/raw/<env>/packs/<yyyy-mm>-<hash>.zip those three files of many runs, STORED in one zip
 *
 * Everything is keyed by run id and written atomically, and a run's log files are written before its
 * run file: the run file is the commit point, so a pull killed at any moment leaves either the whole
 * run or the previous version of it, and re-pulling a run replaces it instead of duplicating it.
 * A run is "loose" (its own files) or "packed"; a loose run file overrides a packed copy of the same
 * run, logs included, so a re-pull after its month was packed simply writes it loose again. Readers
 * never see the difference: this module (and packs.ts, compact.ts beside it) alone knows the format.
 *
 * Run ids come from the server. The pull only passes GUIDs, but every path built here checks again
 * (env a slug, run id a GUID, the result inside the env folder) and throws rather than touch a file
 * outside the store: writeRun writes and deletes, so a bad id must never reach path.join.
 */

export type Row = Record<string, unknown>;

export const SNAPSHOT_SETS = ["organizations", "workflows", "flowmachines", "flowmachinegroups"] as const;
export type SnapshotSet = (typeof SNAPSHOT_SETS)[number];

export interface PullState {
    schemaVersion: 1;
    /** Highest `modifiedon` of flowsessions whose data is committed; the next pull starts here minus an overlap. */
    watermark: string | null;
    lastPullStartedAt?: string;
    lastPullCompletedAt?: string;
    /** The environment's IANA time zone from the config at the last pull, so a build without the config uses it too. */
    timeZone?: string;
    /** Runs whose log the server failed to serve, by run id: failed pulls so far and the last reason. */
    logFailures?: Record<string, { count: number; reason: string; at: string }>;
    /** Runs stored with their log `unavailable` (given up after repeated server failures). */
    unavailable?: string[];
    /** The environment's URL from the config at the last pull, so a build without the config knows it. */
    url?: string;
}

export type LogFetchState =
    /** The log was fetched and stored. */
    | "fetched"
    /** The server had no log for the run (404/204 for V1, no rows for V2). */
    | "absent"
    /** Not fetched: the environment's settings or the run (not finished, not cloud-started) say there is none. */
    | "not-applicable"
    /** The server failed to serve it on several pulls in a row; `reason` says how. */
    | "unavailable";

export interface RunFetchInfo {
    fetchedAt: string;
    v1: { state: LogFetchState; bytes?: number; reason?: string };
    v2: { state: LogFetchState; rows?: number; reason?: string };
}

export interface StoredRun {
    /** The flowsession row as returned by the Web API. */
    row: Row;
    fetch: RunFetchInfo;
}

/** One run's raw-store files as stored (logs still gzip-compressed); null where a file is absent. */
export interface RunFiles {
    stored: StoredRun | null;
    v1Gz: Buffer | null;
    v2Gz: Buffer | null;
}

/**
 * What an environment's raw store holds, without reading a run: for an incremental build to tell what
 * changed since it last looked. A run id may be both loose and packed: the loose copy wins.
 */
export interface RunInventory {
    /** Every pack with its runs, each with its day and signature (runSignature), from the pack's index. */
    packs: Array<{ month: string; signature: string; runs: Array<{ runId: string; day: string; signature: string }> }>;
    /** Loose runs with their signature (runSignature of the run file); a loose run overrides its packed copy. */
    loose: Array<{ runId: string; signature: string }>;
}

/** Reads runs of one environment synchronously (the build's hot loop), pack indexes loaded once. */
export interface RunReader {
    readonly env: string;
    /** Run ids committed when the reader was opened, sorted (as listRunIds). */
    runIds(): string[];
    /** A run's files as stored, loose or packed; `stored` null when the run is not there. */
    read(runId: string): RunFiles;
}

/** A loose run as compaction packs it: the run file's exact bytes and what readRunFiles would return. */
export interface LooseRun extends RunFiles {
    runBytes: Buffer;
}

function readOrNull(file: string): Buffer | null {
    try {
        return readFileSync(file);
    } catch {
        return null;
    }
}

/** A stored V2 log (unpacked): one flowlog row per line, as the Web API returned it. Throws on a damaged line. */
export function storedV2Rows(bytes: Buffer): unknown[] {
    const text = bytes.toString("utf8");
    return text.length === 0 ? [] : text.split("\n").map((line) => JSON.parse(line) as unknown);
}

/**
 * The UTC month (`yyyy-mm`) a run belongs to: of its createdon, else startedon, else modifiedon. The lake's
 * `month` partition and the raw store's packs use this one rule, so a pack maps to exactly one partition.
 */
export function runMonth(row: Row): string {
    return runDay(row).slice(0, 7);
}

/** The UTC day (`yyyy-mm-dd`) of a run by the same rule: the unit an incremental build rewrites. */
export function runDay(row: Row): string {
    for (const k of ["createdon", "startedon", "modifiedon"]) {
        const ms = parseTimestampOrNull(row[k]);
        if (ms !== null) return new Date(ms).toISOString().slice(0, 10);
    }
    return "1970-01-01";
}

/**
 * What identifies a run's stored content: a hash of its run file's bytes, the same loose or packed (the
 * run file is rewritten, with its fetch time, whenever the run or its logs are re-pulled).
 */
export function runSignature(runFileBytes: Uint8Array): string {
    return createHash("sha256").update(runFileBytes).digest("hex").slice(0, 24);
}

export class RawStore {
    constructor(readonly root: string) {}

    envDir(env: string): string {
        return path.join(this.root, "raw", requireEnvName(env));
    }

    /** Environment folders; anything not named like a configured environment is not ours and is ignored. */
    async listEnvironments(): Promise<string[]> {
        const entries = await readdir(path.join(this.root, "raw"), { withFileTypes: true }).catch(() => []);
        return entries.filter((e) => e.isDirectory() && isEnvName(e.name)).map((e) => e.name).sort();
    }

    async readState(env: string): Promise<PullState> {
        const text = await readFile(path.join(this.envDir(env), "state.json"), "utf8").catch(() => null);
        return text ? (JSON.parse(text) as PullState) : { schemaVersion: 1, watermark: null };
    }

    private stateWrites = new Map<string, Promise<void>>();

    /**
     * Writes are applied in the order they were called: a pull writes the state from several places at once
     * (the watermark as pages commit, a log's failure count before the pull fails on it), and an earlier
     * snapshot landing after a later one lost the failure count under load.
     */
    async writeState(env: string, state: PullState): Promise<void> {
        const text = JSON.stringify(state, null, 2);
        const write = (this.stateWrites.get(env) ?? Promise.resolve())
            .catch(() => undefined) // an earlier write's failure is its caller's
            .then(() => writeFileAtomic(path.join(this.envDir(env), "state.json"), text));
        this.stateWrites.set(env, write);
        try {
            await write;
        } finally {
            if (this.stateWrites.get(env) === write) this.stateWrites.delete(env);
        }
    }

    async writeSnapshot(env: string, set: SnapshotSet, rows: Row[]): Promise<void> {
        await writeFileAtomic(this.snapshotFile(env, set), JSON.stringify(rows));
    }

    async readSnapshot(env: string, set: SnapshotSet): Promise<Row[]> {
        const text = await readFile(this.snapshotFile(env, set), "utf8").catch(() => null);
        return text ? (JSON.parse(text) as Row[]) : [];
    }

    private snapshotFile(env: string, set: SnapshotSet): string {
        if (!SNAPSHOT_SETS.includes(set)) throw new Error(`refusing snapshot '${String(set)}': not one of ${SNAPSHOT_SETS.join(", ")}`);
        return path.join(this.envDir(env), "snapshot", `${set}.json`);
    }

    /** `<env>/<kind>/<xx>/<runId><ext>`: the only way a run id becomes a path. */
    private runPath(env: string, kind: "runs" | "v1" | "v2", runId: string, ext: string): string {
        const id = requireGuid(runId, "run id");
        const dir = this.envDir(env);
        const file = path.join(dir, kind, id.slice(0, 2), `${id}${ext}`);
        // Redundant after the GUID check, and meant to be: the last word before a write or an rm.
        const rel = path.relative(dir, file);
        if (rel.startsWith("..") || path.isAbsolute(rel)) throw new Error(`refusing run path ${file}: outside ${dir}`);
        return file;
    }
    /**
     * Reads a run's files synchronously, logs still gzip-compressed, a log only when its state is fetched
     * (so null means the file is gone). Measured on the default sample (4,700 small files): fs/promises took
     * 0.8-1.1 s of a 6 s build, readFileSync 0.06 s, and the build has nothing else to do on the main thread
     * meanwhile (DuckDB loads run on their own threads). A loop over many runs is cheaper through
     * openRunReader (this checks the loose file, then the packs, each time).
     */
    readRunFiles(env: string, runId: string): RunFiles {
        const loose = this.readLooseRun(env, runId);
        if (loose) return { stored: loose.stored, v1Gz: loose.v1Gz, v2Gz: loose.v2Gz };
        return this.readPackedRun(this.packSet(env), runId);
    }

    /**
     * A loose run (run file, then its fetched logs), or null when it has no run file. Internal to
     * pipeline/store (compaction packs exactly these bytes).
     */
    readLooseRun(env: string, runId: string): LooseRun | null {
        const runBytes = readOrNull(this.runFile(env, runId));
        if (!runBytes) return null;
        const stored = JSON.parse(runBytes.toString("utf8")) as StoredRun;
        return {
            runBytes,
            stored,
            v1Gz: stored.fetch.v1.state === "fetched" ? readOrNull(this.v1File(env, runId)) : null,
            v2Gz: stored.fetch.v2.state === "fetched" ? readOrNull(this.v2File(env, runId)) : null,
        };
    }

    private readPackedRun(packs: PackSet, runId: string): RunFiles {
        const bytes = packs.read(requireGuid(runId, "run id"));
        if (!bytes) return { stored: null, v1Gz: null, v2Gz: null };
        return { stored: JSON.parse(bytes.run.toString("utf8")) as StoredRun, v1Gz: bytes.v1Gz, v2Gz: bytes.v2Gz };
    }

    /** `<env>/packs`: internal to pipeline/store. */
    packsDir(env: string): string {
        return path.join(this.envDir(env), PACKS_DIR);
    }

    private packSets = new Map<string, { stamp: string; set: PackSet }>();

    /**
     * The environment's packs, indexes loaded, cached until the manifest changes (one stat per call).
     * Compaction calls forgetPacks after each commit, so a store object never serves a stale index.
     */
    packSet(env: string): PackSet {
        const dir = this.packsDir(env);
        const stamp = manifestStamp(dir);
        const cached = this.packSets.get(env);
        if (cached && cached.stamp === stamp) return cached.set;
        const set = PackSet.load(dir);
        this.packSets.set(env, { stamp, set });
        return set;
    }

    forgetPacks(env: string): void {
        this.packSets.delete(env);
    }

    /**
     * A reader for a loop over many runs: lists loose runs and loads pack indexes once; `read` is then
     * synchronous (one read per loose file, or one positional read per packed run).
     */
    async openRunReader(env: string, inventory?: RunInventory): Promise<RunReader> {
        // The plan's inventory, when given: the runs it planned are read from where it saw them, and the folders are not listed twice.
        const loose = new Set(inventory ? inventory.loose.map((r) => r.runId) : await this.looseRunIds(env));
        let packs = this.packSet(env);
        const ids = [...new Set([...loose, ...packs.runIds()])].sort();
        const read = (anyCaseId: string): RunFiles => {
            const runId = requireGuid(anyCaseId, "run id");
            if (loose.has(runId)) {
                const l = this.readLooseRun(env, runId);
                if (l) return { stored: l.stored, v1Gz: l.v1Gz, v2Gz: l.v2Gz };
            }
            try {
                return this.readPackedRun(packs, runId);
            } catch (e) {
                // A pack replaced since the reader opened (a compaction in between): take the packs as they are now.
                if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
                packs = this.packSet(env);
                return this.readPackedRun(packs, runId);
            }
        };
        return { env, runIds: () => ids, read };
    }

    /** What the environment holds, cheaply: pack indexes (no run read) and a stat per loose run file. */
    async inventory(env: string): Promise<RunInventory> {
        const packs = this.packSet(env);
        const loose: RunInventory["loose"] = [];
        // Synchronous reads of small files: a build with nothing changed is mostly this loop, and thread-pool
        // round trips cost more than the reads themselves (the same finding as readRunFiles).
        for (const runId of await this.looseRunIds(env)) {
            const bytes = readOrNull(this.runFile(env, runId));
            if (bytes) loose.push({ runId, signature: runSignature(bytes) });
        }
        return {
            packs: packs.packs.map((p, i) => ({
                month: p.month,
                signature: p.sha256,
                runs: packs.indexes[i].runs.map(([runId, , , , , , , day, signature]) => ({ runId, day, signature })),
            })),
            loose,
        };
    }

    private runFile(env: string, runId: string): string {
        return this.runPath(env, "runs", runId, ".json");
    }
    private v1File(env: string, runId: string): string {
        return this.runPath(env, "v1", runId, ".gz");
    }
    private v2File(env: string, runId: string): string {
        return this.runPath(env, "v2", runId, ".jsonl.gz");
    }

    /**
     * Stores one run. Logs first, the run file last (the commit point). A log that is no longer
     * there (the run was re-fetched and now has none) is removed after the commit.
     */
    async writeRun(env: string, runId: string, run: StoredRun, logs: { v1?: Uint8Array; v2?: Row[] }): Promise<void> {
        if (logs.v1) await writeFileAtomic(this.v1File(env, runId), gzipSync(logs.v1));
        if (logs.v2) await writeFileAtomic(this.v2File(env, runId), gzipSync(logs.v2.map((r) => JSON.stringify(r)).join("\n")));
        await writeFileAtomic(this.runFile(env, runId), JSON.stringify(run));
        if (!logs.v1) await rmRetrying(this.v1File(env, runId), { force: true });
        if (!logs.v2) await rmRetrying(this.v2File(env, runId), { force: true });
    }

    async readRun(env: string, runId: string): Promise<StoredRun | null> {
        const text = await readFile(this.runFile(env, runId), "utf8").catch(() => null);
        if (text) return JSON.parse(text) as StoredRun;
        const bytes = this.packSet(env).read(requireGuid(runId, "run id"));
        return bytes ? (JSON.parse(bytes.run.toString("utf8")) as StoredRun) : null;
    }

    /**
     * A run's logs exactly as stored (gzip), wherever the run is: the loose files when it has a loose run
     * file, else its pack. For tools that need the stored bytes (inspect, quarantine).
     */
    async readLogsGz(env: string, runId: string): Promise<{ v1Gz: Buffer | null; v2Gz: Buffer | null }> {
        if (await stat(this.runFile(env, runId)).catch(() => null)) {
            const [v1Gz, v2Gz] = await Promise.all([readFile(this.v1File(env, runId)).catch(() => null), readFile(this.v2File(env, runId)).catch(() => null)]);
            return { v1Gz, v2Gz };
        }
        const bytes = this.packSet(env).read(requireGuid(runId, "run id"));
        return { v1Gz: bytes?.v1Gz ?? null, v2Gz: bytes?.v2Gz ?? null };
    }

    /** The V1 document's bytes exactly as Dataverse served them, or null when none was stored. */
    async readV1(env: string, runId: string): Promise<Buffer | null> {
        const { v1Gz } = await this.readLogsGz(env, runId);
        return v1Gz ? gunzipSync(v1Gz) : null;
    }

    /** Path of a loose run's stored (gzip) V1 file; a packed run has none (readLogsGz reads either). */
    v1Path(env: string, runId: string): string {
        return this.v1File(env, runId);
    }

    /** Path of a loose run's stored (gzip) V2 file; a packed run has none (readLogsGz reads either). */
    v2Path(env: string, runId: string): string {
        return this.v2File(env, runId);
    }

    async readV2(env: string, runId: string): Promise<Row[] | null> {
        const { v2Gz } = await this.readLogsGz(env, runId);
        if (!v2Gz) return null;
        return storedV2Rows(gunzipSync(v2Gz)) as Row[];
    }

    /** The loose files of a run (run file first: deleting it first un-commits the run). Internal to pipeline/store. */
    looseFiles(env: string, runId: string): { run: string; v1: string; v2: string } {
        return { run: this.runFile(env, runId), v1: this.v1File(env, runId), v2: this.v2File(env, runId) };
    }

    /**
     * Run ids committed for an environment, loose or packed, sorted. Leftovers of killed writes, and any
     * file that is not `<xx>/<guid>.json` as writeRun names it, are ignored: readers (build, inspect) only see GUIDs.
     */
    async listRunIds(env: string): Promise<string[]> {
        const ids = new Set(await this.looseRunIds(env));
        for (const id of this.packSet(env).runIds()) ids.add(id);
        return [...ids].sort();
    }

    /**
     * Run ids with a loose run file, sorted. Listed synchronously: up to 256 shard folders of a few files each,
     * where thread-pool round trips cost ten times the listing (95-180 ms against 8-12 ms for three environments
     * of a compacted store), and a build with little to do is mostly this.
     */
    async looseRunIds(env: string): Promise<string[]> {
        const runsDir = path.join(this.envDir(env), "runs");
        const list = (dir: string) => {
            try {
                return readdirSync(dir, { withFileTypes: true });
            } catch {
                return [];
            }
        };
        const ids: string[] = [];
        for (const s of list(runsDir).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
            for (const f of list(path.join(runsDir, s)).map((e) => e.name)) {
                if (isAtomicWriteLeftover(f) || !f.endsWith(".json")) continue;
                const name = f.slice(0, -".json".length);
                if (parseGuid(name) === name && name.startsWith(s)) ids.push(name);
            }
        }
        return ids.sort();
    }
}
