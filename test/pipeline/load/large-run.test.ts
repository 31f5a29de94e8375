import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, expect, it } from "vitest";
import { runBuild } from "../../../pipeline/builder/run-build.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { queryParquet, table } from "../builder/parquet-query.js";

const out = mkdtempSync(path.join(os.tmpdir(), "padlens-large-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// One 80,000-action run: 40 of DuckDB's data chunks from one run, and its texts interned once (docs/data-contract.md).
it("loads an 80,000-action run whole", async () => {
    const store = new RawStore(out);
    const runId = "0f000000-0000-4000-8000-000000000001";
    const t0 = Date.parse("2026-11-01T00:00:00Z");
    const actions = Array.from({ length: 80_000 }, (_, k) => ({
        index: k % 40,
        name: `A long enough action name number ${k % 300} to make the line long`,
        systemActionName: "Variables.SetVariable",
        functionName: `Subflow_${k % 7}`,
        startTime: new Date(t0 + k * 20).toISOString(),
        duration: 10 + (k % 9),
        status: k % 1000 === 0 ? "Failed" : "Succeeded",
        error: k % 1000 === 0 ? { code: "E", message: "x".repeat(40) } : undefined,
    }));
    const completed = new Date(t0 + 80_000 * 20).toISOString();
    await store.writeRun(
        "big",
        runId,
        { row: { flowsessionid: runId, statuscode: 4, createdon: new Date(t0).toISOString(), startedon: new Date(t0).toISOString(), completedon: completed }, fetch: { fetchedAt: completed, v1: { state: "fetched" }, v2: { state: "not-applicable" } } },
        { v1: gzipSync(JSON.stringify({ actions })) },
    );
    const summary = await runBuild({ out, duckdb: { memoryLimit: "1GB", threads: 2 } });
    expect(summary).toMatchObject({ runs: 1, actions: 80_000, quarantined: 0 });
    const [r] = await queryParquet<{ n: bigint; failed: bigint; last: bigint; rc: number }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE status = 'Failed') AS failed, max(epoch_ms(started_on)) AS last,
                (SELECT failed_action_count FROM ${table(out, "runs")}) AS rc
         FROM ${table(out, "actions")}`,
    );
    expect([Number(r.n), Number(r.failed), r.rc, Number(r.last)]).toEqual([80_000, 80, 80, t0 + 79_999 * 20]);
});
