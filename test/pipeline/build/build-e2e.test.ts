import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild, type BuildSummary } from "../../../pipeline/build/run-build.js";
import { recoverBuild } from "../../../pipeline/load/commit.js";
import { TABLES } from "../../../pipeline/load/schema.js";
import type { SampleDataset } from "../../../simulator/sample/model.js";
import { rawStoreFromSample } from "../../support/raw-store-from-sample.js";
import { queryParquet, table } from "./parquet-query.js";
import { syntheticSample } from "./synthetic-sample.js";

const T = (out: string, name: string) => table(out, name, TABLES.find((t) => t.name === name)!.partitionBy.length > 0);

/** Ordered content hash of every table, to compare builds row for row. */
async function tableHashes(out: string): Promise<Record<string, string>> {
    const h: Record<string, string> = {};
    for (const t of TABLES) {
        const cols = t.columns.map((c) => c.name).join(", ");
        const [row] = await queryParquet<{ n: bigint; h: string }>(
            `SELECT count(*) AS n, md5(string_agg(md5(CAST(ROW(${cols}) AS VARCHAR)), ',' ORDER BY ${t.key.join(", ")})) AS h FROM ${T(out, t.name)}`,
        );
        h[t.name] = `${row.n}:${row.h}`;
    }
    return h;
}

describe("build end to end from a sample dataset in a raw store", () => {
    let out: string;
    let dataset: SampleDataset;
    let first: BuildSummary;

    beforeAll(async () => {
        out = mkdtempSync(path.join(os.tmpdir(), "padlens-build-"));
        dataset = syntheticSample();
        await rawStoreFromSample(out, dataset);
        first = await runBuild({ out, duckdb: { memoryLimit: "512MB", threads: 2 } });
    });
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it("has one runs row per generated run, and the manifest's actions and failures per run", async () => {
        const rows = await queryParquet<{ env: string; run_id: string; action_count: number; failed_action_count: number; n: bigint; f: bigint }>(
            `SELECT r.env, r.run_id, r.action_count, r.failed_action_count,
                    (SELECT count(*) FROM ${T(out, "actions")} a WHERE a.env = r.env AND a.run_id = r.run_id) AS n,
                    (SELECT count(*) FROM ${T(out, "actions")} a WHERE a.env = r.env AND a.run_id = r.run_id AND a.status = 'Failed') AS f
             FROM ${T(out, "runs")} r`,
        );
        const expected = Object.entries(dataset.manifest.runs).flatMap(([env, runs]) => Object.values(runs).map((r) => ({ env, ...r })));
        expect(rows).toHaveLength(expected.length);
        const byKey = new Map(rows.map((r) => [`${r.env}/${r.run_id}`, r]));
        for (const e of expected) {
            const r = byKey.get(`${e.env}/${e.runId}`);
            expect(r, e.runId).toBeDefined();
            expect([r!.action_count, Number(r!.n), r!.failed_action_count, Number(r!.f)]).toEqual([e.actions, e.actions, e.failedActions, e.failedActions]);
        }
        expect(first.actions).toBe(dataset.manifest.environments.reduce((n, e) => n + e.actions, 0));
    });

    it("quarantines the malformed log with its reason and raw bytes, keeps the run row, and the build goes on", async () => {
        const malformed = Object.entries(dataset.manifest.runs).flatMap(([env, runs]) => Object.values(runs).filter((r) => r.v1?.malformed).map((r) => ({ env, ...r })));
        expect(malformed.length).toBeGreaterThan(0);
        expect(first.quarantined).toBe(malformed.length);
        const q = await queryParquet<{ env: string; run_id: string; reason: string; raw_path: string; log_state: string }>(
            `SELECT q.env, q.run_id, q.reason, q.raw_path, r.log_state FROM ${T(out, "quarantine")} q JOIN ${T(out, "runs")} r USING (env, run_id)`,
        );
        expect(q.map((x) => x.run_id).sort()).toEqual(malformed.map((m) => m.runId).sort());
        for (const x of q) {
            expect(x.reason).toMatch(/^invalid JSON/);
            expect(x.log_state).toBe("quarantined");
            expect(existsSync(path.join(out, x.raw_path))).toBe(true);
        }
    });

    it("round-trips timestamps in UTC to the millisecond", async () => {
        const runs = await queryParquet<{ run_id: string; env: string; s: bigint; c: bigint | null }>(
            `SELECT env, run_id, epoch_ms(started_on) AS s, epoch_ms(completed_on) AS c FROM ${T(out, "runs")}`,
        );
        const sessions = new Map(dataset.environments.flatMap((e) => e.flowsessions.map((s) => [`${e.name}/${String(s.flowsessionid)}`, s])));
        for (const r of runs) {
            const s = sessions.get(`${r.env}/${r.run_id}`)!;
            expect(Number(r.s)).toBe(Date.parse(String(s.startedon)));
            expect(r.c === null ? null : Number(r.c)).toBe(s.completedon ? Date.parse(String(s.completedon)) : null);
        }
        // V1 writes 7-digit fractions with an offset; the first action starts at the run's start (odd ms).
        const firsts = await queryParquet<{ d: bigint }>(
            `SELECT epoch_ms(a.started_on) - epoch_ms(r.started_on) AS d FROM ${T(out, "actions")} a JOIN ${T(out, "runs")} r USING (env, run_id) WHERE a.seq = 0`,
        );
        expect(firsts.length).toBeGreaterThan(0);
        expect(new Set(firsts.map((f) => Number(f.d)))).toEqual(new Set([0]));
    });

    it("puts the planted bottlenecks on top of a p95-to-median query on action_hourly", async () => {
        const top = await queryParquet<{ env: string; flow_id: string; subflow: string; action_name: string; machine_id: string }>(`
            WITH h AS (SELECT * FROM ${T(out, "action_hourly")}),
                 base AS (SELECT env, flow_id, subflow, action_name, median(p50_ms) AS med FROM h GROUP BY ALL),
                 ranked AS (SELECT h.env, h.flow_id, h.subflow, h.action_name, h.machine_id, max(h.p95_ms / nullif(base.med, 0)) AS ratio
                            FROM h JOIN base USING (env, flow_id, subflow, action_name) GROUP BY ALL)
            SELECT * FROM ranked QUALIFY row_number() OVER (PARTITION BY env ORDER BY ratio DESC) = 1 ORDER BY env`);
        const planted = dataset.manifest.bottlenecks.map((b) => ({ env: b.env, flow_id: b.flowId, subflow: b.subflow, action_name: b.actionName, machine_id: b.machineId }));
        expect(top.map((t) => ({ ...t, ratio: undefined })).map(({ ratio: _r, ...rest }) => rest)).toEqual(planted);
    });

    it("writes the contract's column names and types (schema.ts), Hive-partitioned where it says so", async () => {
        for (const t of TABLES) {
            const cols = await queryParquet<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${T(out, t.name)}`);
            const got = Object.fromEntries(cols.map((c) => [c.column_name, c.column_type.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")]));
            expect(got, t.name).toEqual(Object.fromEntries(t.columns.map((c) => [c.name, c.type])));
        }
        expect(existsSync(path.join(out, "runs", "env=env0", "month=2026-10"))).toBe(true);
    });

    it("a second build gives the same row content, and a commit interrupted between renames is finished by the next build", async () => {
        const before = await tableHashes(out);
        const second = await runBuild({ out, duckdb: { memoryLimit: "512MB", threads: 2 } });
        expect(second.runs).toBe(first.runs);
        expect(await tableHashes(out)).toEqual(before);

        // Simulate a crash mid-commit: journal written, "runs" already moved to the trash, staged "runs" not yet moved in.
        await mkdir(path.join(out, ".staging-dead", "runs"), { recursive: true });
        await rename(path.join(out, "runs"), path.join(out, ".staging-dead", "runs"));
        await mkdir(path.join(out, ".trash-dead"), { recursive: true });
        await writeFile(path.join(out, ".build-journal.json"), JSON.stringify({ staging: ".staging-dead", trash: ".trash-dead", tables: ["environments", "runs"] }));
        expect(existsSync(path.join(out, "runs"))).toBe(false);
        expect(await recoverBuild(out)).toBe(true);
        expect(existsSync(path.join(out, ".build-journal.json"))).toBe(false);
        expect(existsSync(path.join(out, ".staging-dead"))).toBe(false);
        expect(await tableHashes(out)).toEqual(before);
    });
});
