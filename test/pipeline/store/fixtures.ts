import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { RawStore, type Row, type StoredRun } from "../../../pipeline/store/raw-store.js";

/** A GUID made from a number (deterministic, sorts like the number). */
export function guid(i: number): string {
    const h = i.toString(16).padStart(12, "0");
    return `${h.slice(0, 8)}-0000-4000-8000-${h}`;
}

export async function freshStore(): Promise<RawStore> {
    return new RawStore(await mkdtemp(path.join(tmpdir(), "padlens-packs-")));
}

/**
 * Writes `count` runs through RawStore.writeRun, spread over `months` (yyyy-mm, UTC) round-robin: some with a
 * V1 log, some with V2 rows, some with neither (logs absent or not applicable), like a real pull.
 */
export async function writeRuns(store: RawStore, env: string, count: number, months: string[], from = 0, variant = ""): Promise<string[]> {
    const ids: string[] = [];
    const writes: Array<Promise<void>> = [];
    for (let k = 0; k < count; k++) {
        const i = from + k;
        const id = guid(i);
        const month = months[k % months.length];
        const day = String(1 + (i % 27)).padStart(2, "0");
        const created = `${month}-${day}T${String(i % 24).padStart(2, "0")}:00:00Z`;
        const row: Row = { flowsessionid: id, statuscode: 4, createdon: created, modifiedon: created, name: `run ${i}${variant}` };
        const v1 = i % 3 !== 2 ? Buffer.from(JSON.stringify({ actions: [{ name: `a${i}${variant}`, index: i }] })) : undefined;
        const v2 = i % 3 === 1 ? [{ flowlogid: `l${i}`, data: `{"n":${i}}` }] as Row[] : undefined;
        const run: StoredRun = {
            row,
            fetch: {
                fetchedAt: "2026-03-01T00:00:00.000Z",
                v1: v1 ? { state: "fetched", bytes: v1.length } : { state: "absent" },
                v2: v2 ? { state: "fetched", rows: v2.length } : { state: "not-applicable" },
            },
        };
        // Several at a time (each write is flushed to disk): different runs never share a file.
        writes.push(store.writeRun(env, id, run, { v1, v2 }));
        if (writes.length >= 32) await Promise.all(writes.splice(0));
        ids.push(id);
    }
    await Promise.all(writes);
    return ids;
}
