import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { compactEnvironment } from "../pipeline/store/compact.js";
import { RawStore, type Row, type StoredRun } from "../pipeline/store/raw-store.js";

/**
 * Files the raw store keeps per 1,000 runs, before and after compaction (docs/raw-store.md, "Packs"), and
 * what compaction and reading cost. Synthetic runs written through RawStore.writeRun, spread over 13
 * months of which the last is still open (its runs stay loose), with V1 logs of a few KB to a few tens of
 * KB and V2 rows for some, like a pull stores them. PADLENS_BENCH_RAW_RUNS sets the run count (default 10,000).
 */
export async function benchRawStoreFiles(options: { runs?: number } = {}): Promise<string[]> {
    const n = options.runs ?? Number(process.env.PADLENS_BENCH_RAW_RUNS ?? 10_000);
    const work = await mkdtemp(path.join(os.tmpdir(), "padlens-bench-raw-"));
    const env = "bench";
    try {
        const store = new RawStore(work);
        const months = Array.from({ length: 13 }, (_, i) => `${2025 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}`);
        const now = new Date("2026-01-15T00:00:00Z"); // January 2026 open, 2025 closed
        const writes: Array<Promise<void>> = [];
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
            const id = `${i.toString(16).padStart(8, "0")}-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
            const month = months[i % months.length];
            const created = `${month}-${String(1 + (i % 28)).padStart(2, "0")}T${String(i % 24).padStart(2, "0")}:00:00Z`;
            const actions = Array.from({ length: 10 + ((i * 7919) % 120) }, (_, k) => ({
                index: k, name: `Action ${k % 17}`, functionName: `Sub${k % 5}`, startTime: created, duration: (i * k) % 9000, status: k % 41 === 0 ? "Failed" : "Succeeded",
            }));
            const v1 = i % 4 !== 3 ? Buffer.from(JSON.stringify({ actions })) : undefined;
            const v2 = i % 4 === 3 ? actions.map((a, k) => ({ flowlogid: `${id}-${k}`, type: 100000001, data: JSON.stringify(a) })) as Row[] : undefined;
            const run: StoredRun = {
                row: { flowsessionid: id, statuscode: 4, createdon: created, startedon: created, completedon: created, modifiedon: created, name: `run ${i}` },
                fetch: { fetchedAt: now.toISOString(), v1: v1 ? { state: "fetched", bytes: v1.length } : { state: "not-applicable" }, v2: v2 ? { state: "fetched", rows: v2.length } : { state: "not-applicable" } },
            };
            writes.push(store.writeRun(env, id, run, { v1, v2 }));
            if (writes.length >= 32) await Promise.all(writes.splice(0));
        }
        await Promise.all(writes);
        const writeSeconds = (performance.now() - t0) / 1000;
        const readAll = async (): Promise<number> => {
            const t = performance.now();
            const reader = await store.openRunReader(env);
            for (const id of reader.runIds()) reader.read(id);
            return (performance.now() - t) / 1000;
        };
        const looseRead = await readAll();
        const before = await countFiles(store.envDir(env));
        const summary = await compactEnvironment(store, env, { now: () => now });
        const packedRead = await readAll();
        const after = await countFiles(store.envDir(env));
        const per1000 = (files: number) => ((files * 1000) / n).toFixed(1);
        const loose = (await store.looseRunIds(env)).length;
        return [
            `raw store files: ${n.toLocaleString("en-US")} runs over 13 months (1 still open), written in ${writeSeconds.toFixed(1)} s`,
            `raw store files per 1,000 runs: ${per1000(before)} loose, ${per1000(after)} after compaction (${before.toLocaleString("en-US")} -> ${after.toLocaleString("en-US")} files; ${loose.toLocaleString("en-US")} runs of the open month stay loose)`,
            `raw store files per 1,000 packed runs (closed months alone): ${((after - 2 * loose) * 1000 / Math.max(n - loose, 1)).toFixed(1)}`,
            `raw store compaction: ${summary.seconds.toFixed(2)} s for ${summary.runsPacked.toLocaleString("en-US")} runs (${Math.round(summary.runsPacked / Math.max(summary.seconds, 1e-9)).toLocaleString("en-US")} runs/s), ${summary.packsWritten} packs, ${(summary.bytesWritten / 1024 / 1024).toFixed(1)} MiB`,
            `raw store read of every run (openRunReader): ${looseRead.toFixed(2)} s loose, ${packedRead.toFixed(2)} s after compaction`,
        ];
    } finally {
        await rm(work, { recursive: true, force: true });
    }
}

async function countFiles(dir: string): Promise<number> {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
}
