import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { RawStore, SNAPSHOT_SETS } from "../../pipeline/store/raw-store.js";

/**
 * A canonical digest of a raw store, through the store's API (a run reads the same loose or packed,
 * docs/raw-store.md): each watermark, every run file without its fetch time, the V1 bytes and V2 rows, and
 * with `snapshots` every snapshot too. Two stores holding the same runs give the same digest, whatever
 * bookkeeping with timestamps sits beside them.
 */
export async function rawStoreDigest(out: string, options: { snapshots: boolean }): Promise<string> {
    const hash = createHash("sha256");
    const store = new RawStore(out);
    for (const env of await store.listEnvironments()) {
        hash.update(`\n${env}\n${String((await store.readState(env)).watermark)}`);
        if (options.snapshots) for (const set of SNAPSHOT_SETS) hash.update(`\n${set}\n${JSON.stringify(await store.readSnapshot(env, set))}`);
        for (const id of await store.listRunIds(env)) {
            const files = store.readRunFiles(env, id);
            const run = files.stored as { fetch: { fetchedAt?: string } };
            delete run.fetch.fetchedAt;
            hash.update(`\n${id}\n${JSON.stringify(run)}`);
            hash.update(files.v1Gz ? gunzipSync(files.v1Gz) : "-");
            hash.update(files.v2Gz ? gunzipSync(files.v2Gz) : "-");
        }
    }
    return hash.digest("hex");
}
