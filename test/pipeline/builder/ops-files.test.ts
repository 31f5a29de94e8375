import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild } from "../../../pipeline/builder/run-build.js";
import { RawStore, type Row } from "../../../pipeline/store/raw-store.js";
import { queryParquet, table } from "./parquet-query.js";

/** The output folder as an unattended job on Windows or a shared Linux box leaves it. */
const base = path.join(os.tmpdir(), "padlens-ops-");
// A 60-character output folder, as a user's OneDrive or a share path easily is.
const out = (base + "x".repeat(60)).slice(0, 60);
const env = "contoso-production-emea-unattended-bots"; // 39 characters: near the config's 40-character limit
const RUNNING = "1f1f1f1f-0000-4000-8000-000000000001";
const DONE = "2e2e2e2e-0000-4000-8000-000000000002";

function walk(dir: string, acc: string[] = []): string[] {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        acc.push(p);
        if (e.isDirectory()) walk(p, acc);
    }
    return acc;
}

beforeAll(async () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const store = new RawStore(out);
    const session = (id: string, extra: Row): Row => ({ flowsessionid: id, createdon: "2026-11-05T07:59:58Z", startedon: "2026-11-05T08:00:00Z", modifiedon: "2026-11-05T08:00:01Z", ...extra });
    const none = { fetchedAt: "2026-11-05T09:00:00Z", v1: { state: "not-applicable" as const }, v2: { state: "not-applicable" as const } };
    await store.writeRun(env, RUNNING, { row: session(RUNNING, { statuscode: 2 }), fetch: none }, {});
    const doc = JSON.stringify({ actions: [{ name: "Wait", systemModuleName: "System", systemActionName: "Wait", startTime: "2026-11-05T08:00:00.0000000Z", endTime: "2026-11-05T08:00:01.0000000Z", functionName: "main" }] });
    await store.writeRun(env, DONE, { row: session(DONE, { statuscode: 4, completedon: "2026-11-05T08:00:02Z" }), fetch: { ...none, v1: { state: "fetched" } } }, { v1: Buffer.from(doc) });
    await runBuild({ out, duckdb: { memoryLimit: "256MB", threads: 1 } });
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("output folder for unattended runs", () => {
    it("a run still going has log_state pending, not missing", async () => {
        const rows = await queryParquet<Record<string, unknown>>(`SELECT run_id, log_state FROM ${table(out, "runs")} ORDER BY run_id`);
        expect(rows).toEqual([{ run_id: RUNNING, log_state: "pending" }, { run_id: DONE, log_state: "parsed" }]);
    });

    it("no path, including the staging and temporary names a build and a pull use, reaches Windows' 260 characters", () => {
        const files = walk(out);
        expect(files.some((f) => f.includes(`${path.sep}raw${path.sep}`))).toBe(true);
        // While a build runs, its new files sit under <out>/_lake/.work-<env>-<generation>/ (DuckDB writes
        // units/<month>/<table>/unit=<day>/data_0.parquet there, beside its temp and spool files); an atomic
        // write adds `.<name>.<12 hex>.tmp` beside its file; a pack is written as `.<month>.<12 hex>.zip.tmp`.
        const generation = "20261105T080000Z-0123abcd";
        const work = path.join(out, "_lake", `.work-${env}-${generation}`);
        const during = [
            path.join(work, "units", "2026-11", "action_hourly", "unit=2026-11-05", "data_0.parquet"),
            path.join(work, "spool", "2026-11", "quarantine-00000.jsonl"),
            path.join(work, "duckdb-tmp", "duckdb_temp_storage_DEFAULT-0.tmp"),
            path.join(out, "raw", env, "packs", ".2026-11.0123456789ab.zip.tmp"),
        ].map((p) => p.length);
        const longest = Math.max(...during, ...files.map((f) => path.join(path.dirname(f), `.${path.basename(f)}.0123456789ab.tmp`).length));
        // And the lake's own names for a day's file of the longest table.
        expect(files.some((f) => f.includes(`${path.sep}action_hourly${path.sep}env=${env}${path.sep}month=2026-11${path.sep}2026-11-05-`))).toBe(true);
        expect(out.length).toBe(60);
        expect(longest).toBeLessThan(260);
    });

    it.skipIf(process.platform === "win32")("raw logs and published tables are readable by their owner only", () => {
        const modes = walk(out).filter((f) => !path.basename(f).startsWith(".")).map((f) => [path.relative(out, f), statSync(f).mode & 0o777, statSync(f).isDirectory()] as const);
        const loose = modes.filter(([, mode, dir]) => mode !== (dir ? 0o700 : 0o600));
        expect(loose).toEqual([]);
        expect(modes.some(([rel]) => rel.endsWith(".parquet"))).toBe(true);
        expect(modes.some(([rel]) => rel.endsWith(".gz"))).toBe(true);
    });
});
