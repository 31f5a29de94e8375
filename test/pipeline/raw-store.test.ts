import { mkdtemp, readdir, rename, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RawStore } from "../../pipeline/store/raw-store.js";
import { fsOps } from "../../pipeline/util/fs-retry.js";

const runId = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

async function freshStore(): Promise<RawStore> {
    return new RawStore(await mkdtemp(path.join(tmpdir(), "padlens-raw-")));
}

describe("raw store", () => {
    it("applies state writes in the order they were made, however long each takes to land", async () => {
        const store = await freshStore();
        // The first write's rename is slow (a busy disk): the later snapshot must still be what stays.
        let first = true;
        fsOps.rename = async (from, to) => {
            if (first && String(to).endsWith("state.json")) {
                first = false;
                await new Promise((r) => setTimeout(r, 100));
            }
            return rename(from, to);
        };
        try {
            const older = store.writeState("prod", { schemaVersion: 1, watermark: "2026-11-01T00:00:00Z" });
            const newer = store.writeState("prod", { schemaVersion: 1, watermark: "2026-11-01T00:00:00Z", logFailures: { [runId]: { count: 1, reason: "500", at: "2026-11-01T00:00:01Z" } } });
            await Promise.all([older, newer]);
        } finally {
            fsOps.rename = rename;
        }
        expect((await store.readState("prod")).logFailures?.[runId]?.count).toBe(1);
    });

    it("keeps a run's row and logs together and returns the exact bytes", async () => {
        const store = await freshStore();
        const v1 = Buffer.from("\uFEFF{\"actions\":[]}", "utf8");
        await store.writeRun("prod", runId, { row: { flowsessionid: runId, statuscode: 4 }, fetch: { fetchedAt: "2026-11-01T00:00:00.000Z", v1: { state: "fetched", bytes: v1.length }, v2: { state: "fetched", rows: 1 } } }, { v1, v2: [{ flowlogid: "a", data: "{}" }] });
        expect(await store.listRunIds("prod")).toEqual([runId]);
        expect((await store.readV1("prod", runId))?.equals(v1)).toBe(true);
        expect(await store.readV2("prod", runId)).toEqual([{ flowlogid: "a", data: "{}" }]);
        expect((await store.readRun("prod", runId))?.row.statuscode).toBe(4);
    });

    it("replaces a re-pulled run instead of duplicating it, dropping a log that disappeared", async () => {
        const store = await freshStore();
        const info = { fetchedAt: "2026-11-01T00:00:00.000Z", v1: { state: "fetched" as const }, v2: { state: "not-applicable" as const } };
        await store.writeRun("prod", runId, { row: { statuscode: 2 }, fetch: info }, { v1: Buffer.from("{}") });
        await store.writeRun("prod", runId, { row: { statuscode: 8 }, fetch: { ...info, v1: { state: "absent" } } }, {});
        expect(await store.listRunIds("prod")).toEqual([runId]);
        expect((await store.readRun("prod", runId))?.row.statuscode).toBe(8);
        expect(await store.readV1("prod", runId)).toBeNull();
    });

    it("ignores the temporary file of a write that was killed before its rename", async () => {
        const store = await freshStore();
        const dir = path.join(store.envDir("prod"), "runs", "3f");
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, `.${runId}.json.abc123.tmp`), "{\"trunc");
        expect(await store.listRunIds("prod")).toEqual([]);
        expect(await readdir(dir)).toHaveLength(1);
    });

    it("starts an environment with no watermark and persists the one it is given", async () => {
        const store = await freshStore();
        expect((await store.readState("prod")).watermark).toBeNull();
        await store.writeState("prod", { schemaVersion: 1, watermark: "2026-11-01T10:00:00.000Z" });
        expect((await store.readState("prod")).watermark).toBe("2026-11-01T10:00:00.000Z");
    });
});
