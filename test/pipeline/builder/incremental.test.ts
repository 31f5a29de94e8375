import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild, type BuildSummary } from "../../../pipeline/builder/run-build.js";
import { DEFAULT_DECODE_OPTIONS } from "../../../pipeline/decode/action-record.js";
import { manifestPath, readLake, type LakeManifest } from "../../../pipeline/lake/manifest.js";
import { TABLES } from "../../../pipeline/load/schema.js";
import { compactEnvironment } from "../../../pipeline/store/compact.js";
import { readDeletions, writeDeletions } from "../../../pipeline/store/deletions.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { fsOps } from "../../../pipeline/util/fs-retry.js";
import { generateDataset } from "../../../simulator/sample/index.js";
import { rawStoreFromSample } from "../../support/raw-store-from-sample.js";
import { queryParquet, table } from "./parquet-query.js";

const out = mkdtempSync(path.join(os.tmpdir(), "padlens-incremental-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const dataset = generateDataset({ days: 4, scale: 0.15, envs: 2 });
const DB = { memoryLimit: "512MB", threads: 1 };
const rewritten = (s: BuildSummary) => s.environments.reduce((n, e) => n + e.unitsRewritten, 0);
const decoded = (s: BuildSummary) => s.environments.reduce((n, e) => n + e.runsDecoded, 0);

async function tableHashes(): Promise<Record<string, string>> {
    const lake = readLake(out);
    const h: Record<string, string> = {};
    for (const t of TABLES) {
        // pulled_at is when the last pull finished: a re-pull moves it, by design.
        const cols = t.columns.map((c) => c.name).filter((c) => c !== "pulled_at").join(", ");
        const [row] = await queryParquet<{ n: bigint; h: string }>(
            `SELECT count(*) AS n, md5(string_agg(md5(CAST(ROW(${cols}) AS VARCHAR)), ',' ORDER BY ${t.key.join(", ")})) AS h FROM ${table(out, t.name)}`,
        );
        h[t.name] = `${row.n}:${row.h}`;
        expect(lake.files(t.name).length, t.name).toBeGreaterThan(0);
    }
    return h;
}

/** Every data file under the table folders (listed or not), with its mtime: what a build wrote. */
function dataFiles(): Map<string, number> {
    const files = new Map<string, number>();
    for (const t of TABLES) {
        const dir = path.join(out, t.name);
        for (const f of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
            if (f.endsWith(".parquet")) files.set(path.join(t.name, f), statSync(path.join(dir, f)).mtimeMs);
        }
    }
    return files;
}

const readManifestSync = (): LakeManifest => JSON.parse(readFileSync(manifestPath(out, dataset.environments[0].name), "utf8")) as LakeManifest;

describe("incremental build", () => {
    let first: BuildSummary;
    let baseline: Record<string, string>;
    const env = dataset.environments[0].name;
    const runsOf = (day: string) => dataset.environments[0].flowsessions.filter((s) => String(s.createdon).startsWith(day)).map((s) => String(s.flowsessionid));

    beforeAll(async () => {
        await rawStoreFromSample(out, dataset);
        first = await runBuild({ out, duckdb: DB });
        baseline = await tableHashes();
    });

    it("with nothing changed reads no run and writes nothing, not even the manifest", async () => {
        const files = dataFiles();
        const manifest = statSync(manifestPath(out, env)).mtimeMs;
        const again = await runBuild({ out, duckdb: DB });
        expect(rewritten(again)).toBe(0);
        expect(decoded(again)).toBe(0);
        expect(again.runs).toBe(first.runs);
        expect(statSync(manifestPath(out, env)).mtimeMs).toBe(manifest);
        expect(dataFiles()).toEqual(files);
    });

    it("after one run is re-pulled rewrites only that run's day, decodes only that run, and gives the rows a full build gives", async () => {
        const day = String(dataset.environments[0].flowsessions[5].createdon).slice(0, 10);
        const runId = String(dataset.environments[0].flowsessions[5].flowsessionid);
        await rawStoreFromSample(out, dataset, "2026-01-05T00:00:00Z", (e, id) => e === env && id === runId);
        const before = dataFiles();
        const s = await runBuild({ out, duckdb: DB });
        expect(rewritten(s)).toBe(1);
        // The day's other runs are copied from its files, not decoded again.
        expect(runsOf(day).length).toBeGreaterThan(3);
        expect(decoded(s)).toBe(1);
        expect(s.environments.reduce((n, e) => n + e.runsCopied, 0)).toBe(runsOf(day).length - 1);
        // Only that day's run tables are new (the environment tables follow each pull, action_hourly the hours
        // that day's actions fall in); every other file is untouched.
        const added = [...dataFiles().keys()].filter((f) => !before.has(f));
        const runTables = added.filter((f) => /^(runs|actions|quarantine)\//.test(f.split(path.sep).join("/")));
        expect(runTables.length).toBeGreaterThan(0);
        expect(runTables.filter((f) => !f.includes(`env=${env}`) || !path.basename(f).startsWith(`${day}-`))).toEqual([]);
        expect(await tableHashes()).toEqual(baseline);
        await runBuild({ out, full: true, duckdb: DB });
        expect(await tableHashes()).toEqual(baseline);
    });

    it("a run deleted in the source rewrites its day: runs.deleted_in_source_on is set", async () => {
        const runId = String(dataset.environments[0].flowsessions[3].flowsessionid);
        const store = new RawStore(out);
        const file = await readDeletions(store, env);
        await writeDeletions(store, env, { ...file, runs: { ...file.runs, [runId]: { deletedOn: "2026-01-06T00:00:00.000Z", by: "reconciliation" } } });
        const s = await runBuild({ out, duckdb: DB });
        expect(rewritten(s)).toBe(1);
        const rows = await queryParquet<{ d: Date | null }>(`SELECT deleted_in_source_on AS d FROM ${table(out, "runs")} WHERE run_id = '${runId}'`);
        expect(rows[0].d?.toISOString()).toBe("2026-01-06T00:00:00.000Z");
        baseline = await tableHashes();
    });

    it("packing runs into the raw store's zips changes nothing it builds", async () => {
        const store = new RawStore(out);
        for (const e of dataset.environments) {
            const c = await compactEnvironment(store, e.name, { packAfterHours: 0, now: () => new Date("2027-01-01T00:00:00Z") });
            expect(c.runsPacked).toBeGreaterThan(0);
        }
        const s = await runBuild({ out, duckdb: DB });
        expect(rewritten(s)).toBe(0);
        expect(await tableHashes()).toEqual(baseline);
    });

    it("a replaced file a reader holds open (Windows) is kept for a later build, never a failed one; past the grace period it goes", async () => {
        const runId = String(dataset.environments[0].flowsessions[7].flowsessionid);
        await rawStoreFromSample(out, dataset, "2026-01-07T00:00:00Z", (e, id) => e === env && id === runId);
        await runBuild({ out, duckdb: DB });
        const superseded = readManifestSync().superseded.map((x) => x.file);
        expect(superseded.length).toBeGreaterThan(0);
        const held = path.join(out, ...superseded[0].split("/"));
        // Something else (Power BI Desktop reading it) holds the file: every delete fails with EBUSY.
        fsOps.rm = async (target, options) => {
            if (String(target) === held) throw Object.assign(new Error(`EBUSY: resource busy or locked, unlink '${held}'`), { code: "EBUSY" });
            return rm(target, options);
        };
        try {
            const s = await runBuild({ out, duckdb: DB, keepSupersededMinutes: 0 });
            expect(rewritten(s)).toBe(0);
        } finally {
            fsOps.rm = rm;
        }
        expect(existsSync(held)).toBe(true);
        expect(readManifestSync().superseded.map((x) => x.file)).toEqual([superseded[0]]);
        await runBuild({ out, duckdb: DB, keepSupersededMinutes: 0 });
        expect(existsSync(held)).toBe(false);
        expect(readManifestSync().superseded).toEqual([]);
        baseline = await tableHashes();
    });

    it("a build that fails before its commit changes nothing readers see, and the next one removes what it had moved in", async () => {
        const runId = String(dataset.environments[0].flowsessions[9].flowsessionid);
        await rawStoreFromSample(out, dataset, "2026-01-08T00:00:00Z", (e, id) => e === env && id === runId);
        const before = dataFiles();
        // The disk fills up as the environment tables move in: the day's new runs and actions files are already there.
        const full = (to: unknown) => {
            if (String(to).includes(`${path.sep}environments${path.sep}`)) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
        };
        fsOps.rename = async (from, to) => {
            full(to);
            return rename(from, to);
        };
        fsOps.renameSync = (from, to) => {
            full(to);
            renameSync(from, to);
        };
        try {
            await expect(runBuild({ out, envs: [env], duckdb: DB })).rejects.toThrow(/ENOSPC/);
        } finally {
            fsOps.rename = rename;
            fsOps.renameSync = renameSync;
        }
        const orphans = [...dataFiles().keys()].filter((f) => !before.has(f));
        expect(orphans.length).toBeGreaterThan(0);
        expect(readdirSync(path.join(out, "_lake")).some((f) => f.startsWith(`.work-${env}-`))).toBe(true);
        expect((await tableHashes()).runs).toBe(baseline.runs);
        const s = await runBuild({ out, duckdb: DB });
        expect(rewritten(s)).toBe(1);
        expect(orphans.filter((f) => existsSync(path.join(out, f)))).toEqual([]);
        expect(readdirSync(path.join(out, "_lake")).some((f) => f.startsWith(".work-"))).toBe(false);
        baseline = await tableHashes();
    });

    it("copies the unchanged runs of a day, quarantined logs included, only from a day its last committed build wrote", async () => {
        // A day with a quarantined log (the sample plants malformed ones): its quarantine row is copied too.
        const quarantined = first.newQuarantines.find((q) => q.env === env);
        expect(quarantined).toBeDefined();
        const session = dataset.environments[0].flowsessions.find((r) => String(r.flowsessionid) === quarantined!.runId)!;
        const day = String(session.createdon).slice(0, 10);
        const others = runsOf(day).filter((id) => id !== quarantined!.runId);
        expect(others.length).toBeGreaterThan(2);

        // A build that dies at its commit, after it recorded what the day's runs were under its generation.
        await rawStoreFromSample(out, dataset, "2026-01-09T00:00:00Z", (e, id) => e === env && id === others[0]);
        fsOps.rename = async (from, to) => {
            if (String(to).endsWith(`${env}.manifest.json`)) throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
            return rename(from, to);
        };
        try {
            await expect(runBuild({ out, envs: [env], duckdb: DB })).rejects.toThrow(/EIO/);
        } finally {
            fsOps.rename = rename;
        }
        // Its record is not trusted: the committed files are another generation's. The whole day is decoded.
        let s = await runBuild({ out, duckdb: DB });
        expect(rewritten(s)).toBe(1);
        expect(decoded(s)).toBe(runsOf(day).length);
        expect(await tableHashes()).toEqual(baseline);

        // Now the record is the committed generation's: one re-pulled run is decoded, the rest copied.
        await rawStoreFromSample(out, dataset, "2026-01-10T00:00:00Z", (e, id) => e === env && id === others[1]);
        s = await runBuild({ out, duckdb: DB });
        expect(decoded(s)).toBe(1);
        expect(s.quarantined).toBe(first.quarantined);
        expect(await tableHashes()).toEqual(baseline);
        await runBuild({ out, full: true, duckdb: DB });
        expect(await tableHashes()).toEqual(baseline);
    });

    it("a quarter of the runs re-pulled across every day and environment: only they are decoded, the rows are a full build's", async () => {
        const picked = new Set(dataset.environments.flatMap((e) => e.flowsessions.filter((_, i) => i % 4 === 1).map((r) => `${e.name}/${String(r.flowsessionid)}`)));
        await rawStoreFromSample(out, dataset, "2026-01-12T00:00:00Z", (e, id) => picked.has(`${e}/${id}`));
        // One day per batch (runsPerBatch 5): each day's copied and decoded rows are loaded and written together, batch after batch.
        const s = await runBuild({ out, duckdb: DB, runsPerBatch: 5 });
        expect(decoded(s)).toBe(picked.size);
        expect(s.environments.reduce((n, e) => n + e.runsCopied, 0)).toBeGreaterThan(picked.size);
        expect(await tableHashes()).toEqual(baseline);
    });

    it("builds small changes of several environments side by side; one failing fails the build, the others finish and unlock", async () => {
        const [a, b] = dataset.environments;
        const runA = String(a.flowsessions[20].flowsessionid);
        const runB = String(b.flowsessions[20].flowsessionid);
        await rawStoreFromSample(out, dataset, "2026-01-11T00:00:00Z", (e, id) => (e === a.name && id === runA) || (e === b.name && id === runB));
        const generationB = JSON.parse(readFileSync(manifestPath(out, b.name), "utf8")) as LakeManifest;
        // One environment dies at its commit while the other is built beside it.
        fsOps.rename = async (from, to) => {
            if (String(to).endsWith(`${a.name}.manifest.json`)) throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
            return rename(from, to);
        };
        const phases: string[] = [];
        try {
            await expect(runBuild({ out, duckdb: DB, onProgress: (p) => phases.push(`${p.env}/${p.phase}`) })).rejects.toThrow(/EIO/);
        } finally {
            fsOps.rename = rename;
        }
        // Side by side: the second environment planned before the first committed.
        const [first, second] = [a.name, b.name].sort();
        expect(phases.indexOf(`${second}/plan`)).toBeGreaterThan(-1);
        expect(phases.indexOf(`${second}/plan`)).toBeLessThan(phases.indexOf(`${first}/commit`));
        // The other committed its change; no environment is left locked.
        expect((JSON.parse(readFileSync(manifestPath(out, b.name), "utf8")) as LakeManifest).generation).not.toBe(generationB.generation);
        expect(readdirSync(path.join(out, ".locks")).filter((f) => f.endsWith(".lock"))).toEqual([]);
        const s = await runBuild({ out, duckdb: DB, lock: { wait: false } });
        expect(Object.fromEntries(s.environments.map((e) => [e.env, e.unitsRewritten]))).toEqual({ [a.name]: 1, [b.name]: 0 });
        expect(await tableHashes()).toEqual(baseline);
    });

    it("other decode settings rewrite every day", async () => {
        const s = await runBuild({ out, duckdb: DB, decode: { ...DEFAULT_DECODE_OPTIONS, includeInputsOutputs: true } });
        expect(rewritten(s)).toBe(Object.keys(readLake(out).manifests.reduce((all, m) => ({ ...all, ...Object.fromEntries(Object.keys(m.units).map((d) => [`${m.env}/${d}`, 1])) }), {})).length);
        expect(decoded(s)).toBe(first.runs);
    });
});
