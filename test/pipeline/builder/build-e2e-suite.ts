import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild, type BuildSummary } from "../../../pipeline/builder/run-build.js";
import { manifestPath } from "../../../pipeline/lake/manifest.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { TABLES } from "../../../pipeline/load/schema.js";
import type { SampleDataset, SampleEnvironment } from "../../../simulator/sample/model.js";
import { rawStoreFromSample } from "../../support/raw-store-from-sample.js";
import { queryParquet, table } from "./parquet-query.js";

/** What the quarantine reason says for each malformed kind the generator plants ("<kind>: <why>"). */
const REASON_BY_KIND: Record<string, RegExp> = {
    "truncated-json": /^invalid JSON: .*position \d+/,
    "bad-base64": /^bad base64/,
    "truncated-gzip": /^truncated or corrupt gzip/,
    "unknown-shape": /^no action list found \(keys seen: /,
    "non-utf8": /^not UTF-8/,
};

const START_KEYS = new Set(["starttime", "startedon", "start", "timestamp"]);

/** Action starts (UTC ms, sorted) of a plain-JSON V1 document or of V2 rows, or null for other encodings. */
function sourceStarts(env: SampleEnvironment, runId: string): number[] | null {
    const found: number[] = [];
    const collect = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(collect);
        else if (v && typeof v === "object") {
            for (const [k, x] of Object.entries(v)) {
                if (START_KEYS.has(k.toLowerCase()) && typeof x === "string") found.push(Date.parse(x));
                else collect(x);
            }
        }
    };
    const v1 = env.additionalContext(runId);
    const first = v1?.[0];
    if (v1 && (first === 0x7b || first === 0xef)) collect(JSON.parse(v1.toString("utf8").replace(/^\uFEFF/, "")));
    else if (!v1) env.flowLogs(runId).filter((r) => r.type === 100000001).forEach((r) => collect(JSON.parse(String(r.data))));
    else return null;
    return found.sort((a, b) => a - b);
}

const T = table;

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

export function describeBuildEndToEnd(name: string, makeDataset: () => SampleDataset): void {
describe(`build end to end: ${name}`, () => {
    let out: string;
    let dataset: SampleDataset;
    let first: BuildSummary;

    beforeAll(async () => {
        out = mkdtempSync(path.join(os.tmpdir(), "padlens-build-"));
        dataset = makeDataset();
        await rawStoreFromSample(out, dataset);
        first = await runBuild({ out, duckdb: { memoryLimit: "512MB", threads: 2 } });
    });
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it("has one runs row per generated run, and the manifest's actions and failures per run", async () => {
        const rows = await queryParquet<{ env: string; run_id: string; action_count: number; failed_action_count: number; n: bigint; f: bigint }>(
            `SELECT r.env, r.run_id, r.action_count, r.failed_action_count,
                    (SELECT count(*) FROM ${T(out, "actions")} a WHERE a.env = r.env AND a.run_id = r.run_id) AS n,
                    (SELECT count(*) FROM ${T(out, "actions")} a WHERE a.env = r.env AND a.run_id = r.run_id AND a.status = 'Failed' AND NOT coalesce(a.inside_error_handling, false)) AS f
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
        const kindOf = new Map(malformed.map((m) => [m.runId, m.v1!.malformed!.split(":")[0]]));
        for (const x of q) {
            expect(x.reason).toMatch(REASON_BY_KIND[kindOf.get(x.run_id)!]);
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
        // Every action start in the source logs, read independently of the decoder, comes back to the ms.
        const actions = await queryParquet<{ env: string; run_id: string; s: bigint[] }>(
            `SELECT env, run_id, list(epoch_ms(started_on) ORDER BY epoch_ms(started_on)) AS s FROM ${T(out, "actions")} GROUP BY ALL`,
        );
        let checked = 0;
        for (const r of actions) {
            const env = dataset.environments.find((e) => e.name === r.env)!;
            const expected = sourceStarts(env, r.run_id);
            if (!expected) continue;
            expect(r.s.map(Number), r.run_id).toEqual(expected);
            checked++;
        }
        expect(checked).toBeGreaterThan(0);
    });

    it("puts the planted bottlenecks on top of a slice-to-median query on action_hourly", async () => {
        // Containers (loops, ifs, subflow calls) last as long as their children: leave them out, then rank
        // each action's machines and hours of day by their typical duration over the action's median.
        const slices = await queryParquet<{ env: string; flow_id: string; subflow: string; action_name: string; dim: string; slice: string; ratio: number; rn: bigint }>(`
            WITH a AS (SELECT * FROM ${T(out, "actions")}),
                 containers AS (SELECT DISTINCT p.env, p.flow_id, p.subflow, p.action_name FROM a c JOIN a p ON c.env = p.env AND c.run_id = p.run_id AND c.parent_seq = p.seq),
                 h AS (SELECT * FROM ${T(out, "action_hourly")} ANTI JOIN containers USING (env, flow_id, subflow, action_name)),
                 base AS (SELECT env, flow_id, subflow, action_name, median(p50_ms) AS med FROM h GROUP BY ALL),
                 s AS (SELECT env, flow_id, subflow, action_name, 'machine' AS dim, machine_id AS slice, sum(p50_ms * executions) / sum(executions) AS typical, sum(executions) AS n FROM h GROUP BY ALL
                       UNION ALL
                       SELECT env, flow_id, subflow, action_name, 'hour', CAST(hour(hour) AS VARCHAR), sum(p50_ms * executions) / sum(executions), sum(executions) FROM h GROUP BY ALL)
            SELECT s.env, s.flow_id, s.subflow, s.action_name, s.dim, s.slice, s.typical / base.med AS ratio,
                   row_number() OVER (PARTITION BY s.env ORDER BY s.typical / base.med DESC, s.slice) AS rn
            FROM s JOIN base USING (env, flow_id, subflow, action_name)
            WHERE s.n >= 5 AND base.med > 0`);
        const planted = dataset.manifest.bottlenecks;
        expect(planted.length).toBeGreaterThan(0);
        for (const b of planted) {
            const inEnv = slices.filter((x) => x.env === b.env).sort((x, y) => Number(x.rn) - Number(y.rn));
            expect({ flow: inEnv[0].flow_id, subflow: inEnv[0].subflow, action: inEnv[0].action_name }, b.env).toEqual({ flow: b.flowId, subflow: b.subflow, action: b.actionName });
            const ofAction = inEnv.filter((x) => x.flow_id === b.flowId && x.subflow === b.subflow && x.action_name === b.actionName);
            const topMachine = ofAction.find((x) => x.dim === "machine");
            const topHour = ofAction.find((x) => x.dim === "hour");
            if (b.kind === "slow-on-machine") expect(topMachine?.slice).toBe(b.machineId);
            if (b.kind === "slow-at-peak") expect(b.peakHoursUtc).toContain(Number(topHour?.slice));
        }
    });

    it("writes the contract's column names and types (schema.ts), Hive-partitioned where it says so", async () => {
        for (const t of TABLES) {
            const cols = await queryParquet<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${T(out, t.name)}`);
            const got = Object.fromEntries(cols.map((c) => [c.column_name, c.column_type.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")]));
            expect(got, t.name).toEqual(Object.fromEntries(t.columns.map((c) => [c.name, c.type])));
        }
        const [env] = dataset.environments;
        const month = String(env.flowsessions[0].createdon).slice(0, 7);
        expect(existsSync(path.join(out, "runs", `env=${env.name}`, `month=${month}`))).toBe(true);
    });

    it("a second build with nothing changed writes nothing; --full gives the same rows; a killed build's leftovers are never read and are cleaned up", async () => {
        const before = await tableHashes(out);
        const env = (await new RawStore(out).listEnvironments())[0];
        const manifest = await readFile(manifestPath(out, env), "utf8");
        const second = await runBuild({ out, duckdb: { memoryLimit: "512MB", threads: 2 } });
        expect(second.runs).toBe(first.runs);
        expect(second.environments.map((e) => e.unitsRewritten)).toEqual(second.environments.map(() => 0));
        expect(await readFile(manifestPath(out, env), "utf8")).toBe(manifest);
        expect(await tableHashes(out)).toEqual(before);

        // A full rebuild, in many small spool files and database batches of a few runs (the paths large inputs
        // and busy months take), gives the same rows.
        const full = await runBuild({ out, full: true, spoolBytes: 16 * 1024, runsPerBatch: 3, duckdb: { memoryLimit: "512MB", threads: 2 } });
        expect(full.environments.every((e) => e.unitsRewritten > 0)).toBe(true);
        expect(await tableHashes(out)).toEqual(before);

        // A build while another machine's pull holds the environment is refused at once with --no-wait, naming
        // that host and pid; a lock left by a dead process on this host is taken over.
        const lock = path.join(out, ".locks", `${env}.lock`);
        await writeFile(lock, JSON.stringify({ host: "rpa-worker-2", pid: 4242, command: "pull", startedAt: "2026-11-05T08:00:00Z" }));
        await expect(runBuild({ out, envs: [env], lock: { wait: false } })).rejects.toThrow(
            new RegExp(`a pull on rpa-worker-2 \\(pid 4242, started 2026-11-05T08:00:00Z\\) is writing environment ${env}`),
        );
        await writeFile(lock, "999999999");
        await runBuild({ out, duckdb: { memoryLimit: "512MB", threads: 2 } });
        expect(existsSync(lock)).toBe(false);

        // What a build killed before its commit leaves: its work folder and files moved into the lake that no
        // manifest lists. Readers never see them; the next build removes them.
        const work = path.join(out, "_lake", `.work-${env}-20260101T000000Z-0000dead`);
        await mkdir(work, { recursive: true });
        const orphan = path.join(out, "runs", `env=${env}`, "month=2026-01", "2026-01-02-20260101T000000Z-dead.parquet");
        await mkdir(path.dirname(orphan), { recursive: true });
        await writeFile(orphan, "not even parquet");
        expect(await tableHashes(out)).toEqual(before);
        await runBuild({ out, duckdb: { memoryLimit: "512MB", threads: 2 } });
        expect(existsSync(work)).toBe(false);
        expect(existsSync(orphan)).toBe(false);
        expect(await tableHashes(out)).toEqual(before);
    });
});
}
