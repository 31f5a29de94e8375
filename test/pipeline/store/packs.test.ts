import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import JSZip from "jszip";
import { describe, expect, it } from "vitest";
import { compactEnvironment, PackVerificationError, type CompactStep } from "../../../pipeline/store/compact.js";
import { RawStore, type StoredRun } from "../../../pipeline/store/raw-store.js";
import { freshStore, guid, writeRuns } from "./fixtures.js";

const ENV = "prod";
/** A clock in March 2026: January and February are closed (ended more than 7 days ago), March is open. */
const MARCH = () => new Date("2026-03-20T12:00:00Z");

/** Everything a reader can see of an environment: run ids and each run's files as stored. */
async function snapshot(store: RawStore): Promise<string[]> {
    const fresh = new RawStore(store.root); // nothing cached from before
    const ids = await fresh.listRunIds(ENV);
    return ids.map((id) => {
        const f = fresh.readRunFiles(ENV, id);
        return `${id} ${JSON.stringify(f.stored)} ${f.v1Gz?.toString("base64") ?? "-"} ${f.v2Gz?.toString("base64") ?? "-"}`;
    });
}

function files(store: RawStore): string[] {
    const dir = store.envDir(ENV);
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/")).sort();
}

const packFiles = (store: RawStore) => files(store).filter((f) => f.startsWith("packs/") && f.endsWith(".zip"));
const looseRunFiles = (store: RawStore) => files(store).filter((f) => f.startsWith("runs/"));

describe("raw store packs", () => {
    it("packs closed months byte for byte: same run ids and files through every read path, loose files only for the open month", async () => {
        const store = await freshStore();
        const ids = await writeRuns(store, ENV, 90, ["2026-01", "2026-02", "2026-03"]);
        const before = await snapshot(store);
        const sample = ids[4];
        const [run, v1, v2] = [await store.readRun(ENV, sample), await store.readV1(ENV, sample), await store.readV2(ENV, sample)];

        // A small pack size so January and February take more than one pack each.
        const summary = await compactEnvironment(store, ENV, { now: MARCH, maxPackBytes: 4000 });
        expect(summary.months).toEqual(["2026-01", "2026-02"]);
        expect(summary.runsPacked).toBe(60);
        expect(summary.packsWritten).toBeGreaterThan(2);
        expect(await snapshot(store)).toEqual(before);
        expect(await store.readRun(ENV, sample)).toEqual(run);
        expect((await store.readV1(ENV, sample))?.equals(v1!)).toBe(true);
        expect(await store.readV2(ENV, sample)).toEqual(v2);
        const reader = await store.openRunReader(ENV);
        expect(reader.runIds()).toEqual([...ids].sort());
        expect(reader.runIds().map((id) => { const f = reader.read(id); return `${id} ${JSON.stringify(f.stored)} ${f.v1Gz?.toString("base64") ?? "-"} ${f.v2Gz?.toString("base64") ?? "-"}`; })).toEqual(before);
        // Only March's runs are still loose: 30 run files.
        expect(looseRunFiles(store)).toHaveLength(30);
        expect(summary.filesAfter).toBe(files(store).length);

        // Compacting again changes nothing.
        const again = await compactEnvironment(store, ENV, { now: MARCH, maxPackBytes: 4000 });
        expect(again).toMatchObject({ packsWritten: 0, runsPacked: 0, packsRemoved: 0 });
    });

    it("writes packs that ordinary zip tools open, holding each run's stored files", async () => {
        const store = await freshStore();
        const [id] = await writeRuns(store, ENV, 3, ["2026-01"]);
        const loose = store.readRunFiles(ENV, id);
        await compactEnvironment(store, ENV, { now: MARCH });
        const [pack] = packFiles(store);
        const zip = await JSZip.loadAsync(readFileSync(path.join(store.envDir(ENV), pack)));
        expect(Object.keys(zip.files).filter((n) => n.includes(id)).sort()).toEqual([`runs/${id}.json`, `v1/${id}.gz`]);
        expect(JSON.parse(await zip.file(`runs/${id}.json`)!.async("string"))).toEqual(loose.stored);
        expect((await zip.file(`v1/${id}.gz`)!.async("nodebuffer")).equals(loose.v1Gz!)).toBe(true);
        expect(JSON.parse(await zip.file("index.json")!.async("string"))).toMatchObject({ env: ENV, month: "2026-01" });
    });

    it("leaves the loose files in place when a pack does not read back as written", async () => {
        const store = await freshStore();
        await writeRuns(store, ENV, 20, ["2026-01"]);
        const [before, filesBefore] = [await snapshot(store), files(store)];
        const corrupt = async (step: CompactStep, detail: { file?: string }) => {
            if (step !== "pack-written") return;
            const bytes = readFileSync(detail.file!);
            bytes[200] ^= 0xff; // inside the first entries' data
            await writeFile(detail.file!, bytes);
        };
        await expect(compactEnvironment(store, ENV, { now: MARCH, onStep: corrupt })).rejects.toThrow(PackVerificationError);
        expect(files(store)).toEqual(filesBefore);
        expect(await snapshot(store)).toEqual(before);
    });

    const STEPS: CompactStep[] = ["pack-written", "pack-verified", "pack-renamed", "manifest-committed", "loose-deleting", "loose-deleted", "old-packs-deleted"];

    it.each(STEPS)("reads the same runs after a compaction killed at %s, and the next one finishes the job", async (killAt) => {
        const store = await freshStore();
        await writeRuns(store, ENV, 24, ["2026-01", "2026-02"]);
        await compactEnvironment(store, ENV, { now: MARCH });
        // A re-pulled January run and a late one, so the kill interrupts a compaction that replaces a pack.
        await writeRuns(store, ENV, 1, ["2026-01"], 0, " re-pulled");
        await writeRuns(store, ENV, 1, ["2026-01"], 100);
        const before = await snapshot(store);
        const kill = (step: CompactStep, detail: { file?: string }) => {
            if (step !== killAt) return;
            // A real kill also skips the cleanup a thrown error runs: keep what it would leave, the temporary pack.
            if (step === "pack-written" || step === "pack-verified") copyFileSync(detail.file!, path.join(path.dirname(detail.file!), ".left-by-kill.zip.tmp"));
            throw new Error(`killed at ${step}`);
        };
        await expect(compactEnvironment(store, ENV, { now: MARCH, onStep: kill })).rejects.toThrow(`killed at ${killAt}`);
        expect(await snapshot(store)).toEqual(before);

        // An hour later (both months still closed): the killed compaction's temporary file is a leftover now.
        const later = () => new Date(Date.now() + 3_600_000);
        await compactEnvironment(store, ENV, { now: later });
        expect(await snapshot(store)).toEqual(before);
        expect(looseRunFiles(store)).toEqual([]);
        expect(files(store).filter((f) => f.endsWith(".tmp") || f.startsWith("v1/") || f.startsWith("v2/"))).toEqual([]);
        const listed = (JSON.parse(readFileSync(path.join(store.packsDir(ENV), "packs.json"), "utf8")) as { packs: Array<{ file: string }> }).packs.map((p) => `packs/${p.file}`);
        expect(packFiles(store)).toEqual(listed.sort());
    });

    it("removes leftovers of killed atomic writes once they are old, and only then", async () => {
        const store = await freshStore();
        await writeRuns(store, ENV, 2, ["2026-03"]);
        const leftover = path.join(store.envDir(ENV), "runs", "00", `.${guid(7)}.json.abc123.tmp`);
        await mkdir(path.dirname(leftover), { recursive: true });
        await writeFile(leftover, "{\"trunc");
        const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000);
        await utimes(leftover, fiveMinutesAgo, fiveMinutesAgo);
        expect((await compactEnvironment(store, ENV)).leftoversRemoved).toBe(0);
        expect(existsSync(leftover)).toBe(true);
        const halfHourAgo = new Date(Date.now() - 30 * 60_000);
        await utimes(leftover, halfHourAgo, halfHourAgo);
        expect((await compactEnvironment(store, ENV)).leftoversRemoved).toBe(1);
        expect(existsSync(leftover)).toBe(false);
    });

    it("reads a run re-pulled after its month was packed from its loose copy, then packs it in place of the old pack", async () => {
        const store = await freshStore();
        const ids = await writeRuns(store, ENV, 30, ["2026-01"]);
        await compactEnvironment(store, ENV, { now: MARCH });
        const [oldPack] = packFiles(store);
        const first = await store.inventory(ENV);
        expect(first.packs).toHaveLength(1);
        expect(first.packs[0].runs.map((r) => r.runId)).toEqual([...ids].sort());
        // Each packed run's day and signature come from the pack's index, equal to the loose run's.
        expect(first.packs[0].runs.every((r) => /^2026-01-\d\d$/.test(r.day) && /^[0-9a-f]{24}$/.test(r.signature))).toBe(true);
        expect(first.loose).toEqual([]);

        // Re-pulled: failed now, and its log is gone.
        const id = ids[3];
        const run: StoredRun = { row: { flowsessionid: id, statuscode: 8, createdon: "2026-01-04T03:00:00Z", modifiedon: "2026-03-19T00:00:00Z" }, fetch: { fetchedAt: "2026-03-19T00:00:00Z", v1: { state: "absent" }, v2: { state: "not-applicable" } } };
        await store.writeRun(ENV, id, run, {});
        expect(store.readRunFiles(ENV, id)).toEqual({ stored: run, v1Gz: null, v2Gz: null });
        expect(await store.readV1(ENV, id)).toBeNull();
        expect((await store.openRunReader(ENV)).read(id).stored?.row.statuscode).toBe(8);
        expect(await store.listRunIds(ENV)).toEqual([...ids].sort());
        const second = await store.inventory(ENV);
        expect(second.loose.map((l) => l.runId)).toEqual([id]);
        expect(second.loose[0].signature).not.toBe(first.packs[0].runs.find((r) => r.runId === id)!.signature);
        expect(second.packs[0].signature).toBe(first.packs[0].signature);

        const summary = await compactEnvironment(store, ENV, { now: MARCH });
        expect(summary).toMatchObject({ packsWritten: 1, packsRemoved: 1, runsPacked: 1, looseRunsRemoved: 1 });
        expect(packFiles(store)).not.toContain(oldPack);
        expect(packFiles(store)).toHaveLength(1);
        expect(new RawStore(store.root).readRunFiles(ENV, id)).toEqual({ stored: run, v1Gz: null, v2Gz: null });
        const third = await store.inventory(ENV);
        expect(third.loose).toEqual([]);
        expect(third.packs[0].signature).not.toBe(first.packs[0].signature);

        // A loose run's signature changes when it is re-pulled.
        const [march] = await writeRuns(store, ENV, 1, ["2026-03"], 500);
        const sig = (await store.inventory(ENV)).loose[0].signature;
        await new Promise((r) => setTimeout(r, 20));
        await writeRuns(store, ENV, 1, ["2026-03"], 500, " again");
        expect((await store.inventory(ENV)).loose).toEqual([{ runId: march, signature: expect.not.stringMatching(`^${sig}$`) as unknown }]);
    });

    it("keeps a store of a few thousand runs at a few files per 1,000 runs once its months are closed", async () => {
        const store = await freshStore();
        const n = 2000;
        await writeRuns(store, ENV, n, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        const before = files(store).length;
        const summary = await compactEnvironment(store, ENV, { now: MARCH });
        const perThousand = (f: number) => (f * 1000) / n;
        // Today: two files per run here (a run file, and a V1 or V2 log for two in three).
        expect(perThousand(before)).toBeGreaterThanOrEqual(1900);
        // Packed: four months, one pack each, and the manifest.
        expect(perThousand(summary.filesAfter)).toBeLessThan(5);
        expect(summary.filesAfter).toBe(files(store).length);
        expect((await store.listRunIds(ENV)).length).toBe(n);
    });
});
