import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Packs of the raw store (docs/raw-store.md, "Packs"): the runs of one closed month in a few zip files
 * under `<env>/packs/`, listed by `<env>/packs/packs.json` (the manifest). The manifest is the commit point:
 * a pack it does not list is ignored (a compaction killed before its commit) and deleted by the next
 * compaction. This module reads packs; pipeline/store/compact.ts writes them.
 */

export const PACKS_DIR = "packs";
export const MANIFEST = "packs.json";
export const PACK_INDEX_ENTRY = "index.json";

/** One pack as the manifest lists it. */
export interface PackRecord {
    /** The runs' month (runMonth), `yyyy-mm`. */
    month: string;
    /** File name inside `<env>/packs/`: `<month>-<first 16 hex of sha256>.zip`. */
    file: string;
    bytes: number;
    /** SHA-256 of the whole file: a pack's content, hence its signature. */
    sha256: string;
    runs: number;
    /** Offset and length of the `index.json` entry's bytes in the file. */
    index: [number, number];
}

export interface PackManifest {
    format: "padlens-raw-packs";
    version: 1;
    packs: PackRecord[];
}

/**
 * A pack's `index.json` (its last entry): per run, where its entries' bytes are. Log spans are -1, -1 when
 * the run has no stored log of that kind. Entry names are `runs/<id>.json`, `v1/<id>.gz`, `v2/<id>.jsonl.gz`.
 */
export interface PackIndex {
    format: "padlens-raw-pack";
    version: 1;
    env: string;
    month: string;
    /** [runId, runOffset, runLength, v1Offset, v1Length, v2Offset, v2Length], sorted by run id. */
    /**
     * [runId, runOffset, runLength, v1Offset, v1Length, v2Offset, v2Length, day, signature]: the run's UTC day
     * (runDay) and runSignature, so an incremental build knows what a pack holds without reading its runs.
     */
    runs: Array<[string, number, number, number, number, number, number, string, string]>;
}

export const entryNames = (runId: string) => ({ run: `runs/${runId}.json`, v1: `v1/${runId}.gz`, v2: `v2/${runId}.jsonl.gz` });

export function emptyManifest(): PackManifest {
    return { format: "padlens-raw-packs", version: 1, packs: [] };
}

/** A pack file name as compaction writes it; anything else under packs/ is not a pack. */
export function isPackFileName(name: string): boolean {
    return /^\d{4}-\d{2}-[0-9a-f]{16}\.zip$/.test(name);
}

/** The manifest, or an empty one when there is none. Throws when it exists but is not a manifest. */
export function readManifestSync(packsDir: string): PackManifest {
    let text: string;
    try {
        text = readFileSync(path.join(packsDir, MANIFEST), "utf8");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return emptyManifest();
        throw e;
    }
    const m = JSON.parse(text) as PackManifest;
    if (m.format !== "padlens-raw-packs" || m.version !== 1 || !Array.isArray(m.packs)) throw new Error(`${path.join(packsDir, MANIFEST)}: not a padlens pack manifest (version 1)`);
    for (const p of m.packs) if (!isPackFileName(p.file)) throw new Error(`${path.join(packsDir, MANIFEST)}: refusing pack file name ${JSON.stringify(p.file)}`);
    return m;
}

/** What identifies the manifest's current version without reading it (mtime and size), "" when absent. */
export function manifestStamp(packsDir: string): string {
    try {
        const s = statSync(path.join(packsDir, MANIFEST));
        return `${s.mtimeMs}:${s.size}`;
    } catch {
        return "";
    }
}

export function readRange(file: string, offset: number, length: number): Buffer {
    const fd = openSync(file, "r");
    try {
        return readRangeFd(fd, offset, length, file);
    } finally {
        closeSync(fd);
    }
}

function readRangeFd(fd: number, offset: number, length: number, file: string): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
        const n = readSync(fd, buf, done, length - done, offset + done);
        if (n === 0) throw new Error(`${file}: unexpected end of file at ${offset + done}`);
        done += n;
    }
    return buf;
}

export function readPackIndexSync(packsDir: string, record: PackRecord): PackIndex {
    const index = JSON.parse(readRange(path.join(packsDir, record.file), record.index[0], record.index[1]).toString("utf8")) as PackIndex;
    if (index.format !== "padlens-raw-pack" || index.version !== 1 || !Array.isArray(index.runs)) throw new Error(`${record.file}: not a padlens pack index (version 1)`);
    return index;
}

/** A run's stored bytes as read from a pack: the run file's bytes and the gzip logs (null when absent). */
export interface PackedRunBytes {
    run: Buffer;
    v1Gz: Buffer | null;
    v2Gz: Buffer | null;
}

/**
 * Every pack of an environment, indexes loaded: where each run is. A run id in two packs (possible only
 * when a run's month changed, which Dataverse does not do) resolves to the pack committed last.
 */
export class PackSet {
    readonly packs: PackRecord[];
    readonly indexes: PackIndex[];
    private readonly where = new Map<string, number>();
    /** Per slot: pack, runOffset, runLength, v1Offset, v1Length, v2Offset, v2Length. */
    private readonly spans: number[] = [];

    private constructor(readonly dir: string, manifest: PackManifest) {
        this.packs = manifest.packs;
        this.indexes = manifest.packs.map((p) => readPackIndexSync(dir, p));
        this.indexes.forEach((index, pack) => {
            for (const [id, ro, rl, v1o, v1l, v2o, v2l] of index.runs) {
                this.where.set(id, this.spans.length);
                this.spans.push(pack, ro, rl, v1o, v1l, v2o, v2l);
            }
        });
    }

    /** Loads the manifest and every pack's index (one small read per pack). */
    static load(dir: string): PackSet {
        return new PackSet(dir, readManifestSync(dir));
    }

    has(runId: string): boolean {
        return this.where.has(runId);
    }

    runIds(): string[] {
        return [...this.where.keys()];
    }

    /** The pack (its manifest record) holding a run, if any. */
    packOf(runId: string): PackRecord | undefined {
        const slot = this.where.get(runId);
        return slot === undefined ? undefined : this.packs[this.spans[slot]];
    }

    /** Reads a run's bytes with one positional read (its entries are contiguous), or null when not packed. */
    read(runId: string): PackedRunBytes | null {
        const slot = this.where.get(runId);
        if (slot === undefined) return null;
        const s = this.spans;
        const [pack, ro, rl, v1o, v1l, v2o, v2l] = [s[slot], s[slot + 1], s[slot + 2], s[slot + 3], s[slot + 4], s[slot + 5], s[slot + 6]];
        const end = Math.max(ro + rl, v1l >= 0 ? v1o + v1l : 0, v2l >= 0 ? v2o + v2l : 0);
        const start = Math.min(ro, v1l >= 0 ? v1o : ro, v2l >= 0 ? v2o : ro);
        const bytes = readRange(path.join(this.dir, this.packs[pack].file), start, end - start);
        const part = (o: number, l: number): Buffer | null => (l < 0 ? null : bytes.subarray(o - start, o - start + l));
        return { run: part(ro, rl)!, v1Gz: part(v1o, v1l), v2Gz: part(v2o, v2l) };
    }
}
