import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild, type BuildSummary } from "../../../pipeline/builder/run-build.js";
import { DEFAULT_DECODE_OPTIONS } from "../../../pipeline/decode/action-record.js";
import { RawStore, type Row } from "../../../pipeline/store/raw-store.js";
import { queryParquet, table } from "./parquet-query.js";

/** The real-shape fixtures (test/fixtures/real) through the whole build, read back as Power BI would. */
const dir = path.join(import.meta.dirname, "../../fixtures/real");
const V1_RUN = "a1a1a1a1-0000-4000-8000-000000000001";
const V2_RUN = "b2b2b2b2-0000-4000-8000-000000000002";
const BROKEN_RUN = "c3c3c3c3-0000-4000-8000-000000000003";
const session = (id: string): Row => ({
    flowsessionid: id, createdon: "2026-11-05T07:59:58Z", startedon: "2026-11-05T08:00:00Z", completedon: "2026-11-05T08:00:10Z",
    modifiedon: "2026-11-05T08:00:11Z", statuscode: 7, _machineid_value: "d4d4d4d4-0000-4000-8000-000000000004",
});
const fetch = (v1: boolean) => ({
    fetchedAt: "2026-11-05T09:00:00Z",
    v1: v1 ? { state: "fetched" as const } : { state: "not-applicable" as const },
    v2: v1 ? { state: "not-applicable" as const } : { state: "fetched" as const },
});

describe("build: real log shapes into the Parquet contract", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "padlens-real-"));
    let summary: BuildSummary;
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    beforeAll(async () => {
        const store = new RawStore(out);
        await store.writeRun("prod", V1_RUN, { row: session(V1_RUN), fetch: fetch(true) }, { v1: readFileSync(path.join(dir, "v1-cancelled-run.json")) });
        const rows = readFileSync(path.join(dir, "v2-cancelled-run.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Row);
        await store.writeRun("prod", V2_RUN, { row: session(V2_RUN), fetch: fetch(false) }, { v2: rows });
        // One unreadable field and one hostile string: the run is kept, the field is null, the run says why.
        const broken = JSON.stringify({
            actions: [
                { name: "Bad end", systemModuleName: "System", systemActionName: "Wait", startTime: "2026-11-05T08:00:00.0000000Z", endTime: "2026-02-30T08:00:01Z", functionName: "main" },
                { name: "Lone \ud800 surrogate", systemModuleName: "System", systemActionName: "Wait", startTime: "2026-11-05T08:00:01.0000000Z", endTime: "2026-11-05T08:00:02.0000000Z", index: 3e9 },
            ],
        });
        await store.writeRun("prod", BROKEN_RUN, { row: session(BROKEN_RUN), fetch: fetch(true) }, { v1: Buffer.from(broken) });
        summary = await runBuild({ out, timeZones: { prod: "Europe/Berlin" }, decode: { ...DEFAULT_DECODE_OPTIONS, includeInputsOutputs: true }, duckdb: { memoryLimit: "512MB", threads: 1 } });
    });

    it("keeps every action of every run; nothing is quarantined", () => {
        expect(summary).toMatchObject({ runs: 3, actions: 24, quarantined: 0, runsWithWarnings: 1 });
    });

    it("runs count handled failures apart from run failures, and say how many actions had problems", async () => {
        const runs = await queryParquet<Record<string, unknown>>(`SELECT run_id, action_count, failed_action_count, handled_failure_count, decode_warnings, decode_warning FROM ${table(out, "runs")} ORDER BY run_id`);
        expect(runs).toEqual([
            { run_id: V1_RUN, action_count: 11, failed_action_count: 0, handled_failure_count: 1, decode_warnings: 0, decode_warning: null },
            { run_id: V2_RUN, action_count: 11, failed_action_count: 0, handled_failure_count: 1, decode_warnings: 0, decode_warning: null },
            { run_id: BROKEN_RUN, action_count: 2, failed_action_count: 0, handled_failure_count: 0, decode_warnings: 2, decode_warning: 'invalid timestamp for actions[0].endTime: "2026-02-30T08:00:01Z" (no such date or time)' },
        ]);
    });

    it("actions carry module, Module.Action, error handling, containers, correlation ids, redacted inputs and unknown ends", async () => {
        const rows = await queryParquet<Record<string, unknown>>(`
            SELECT seq, system_action_name, module, is_container, parent_seq, depth, inside_error_handling, error_correlation_id, inputs_json, ended_on IS NULL AS open_end
            FROM ${table(out, "actions")} WHERE run_id = '${V1_RUN}' ORDER BY seq`);
        expect(rows.map((r) => [r.seq, r.system_action_name, r.module, r.is_container, r.parent_seq, r.depth])).toEqual([
            [0, "Subflows.RunSubflow", "Subflows", true, null, 0],
            [1, "WebAutomation.LaunchEdge.LaunchEdge", "WebAutomation", false, 0, 1],
            [2, "WebAutomation.Click", "WebAutomation", false, 0, 1],
            [3, "Loops.LoopWithIndex", "Loops", true, null, 0],
            [4, "UIAutomation.Click", "UIAutomation", false, 3, 1],
            [5, "UIAutomation.Click", "UIAutomation", false, 3, 1],
            [6, "Conditionals.If", "Conditionals", false, null, 0],
            [7, "Variables.SetVariable", "Variables", false, null, 0],
            [8, "Variables.SetVariable", "Variables", false, null, 0],
            [9, "System.Wait", "System", false, null, 0],
            [10, "UIAutomation.Windows.Close", "UIAutomation", false, null, 0],
        ]);
        expect(rows[5]).toMatchObject({ inside_error_handling: true, error_correlation_id: "5b0d7c2e-3f41-4f7a-9a55-0c1d2e3f4a5b" });
        expect(JSON.parse(rows[2].inputs_json as string)).toEqual({ textToFill: "***", uiElement: "Button 'Sign in'" });
        expect(rows.map((r) => r.open_end)).toEqual([false, false, false, false, false, false, false, false, false, true, true]);
    });

    it("a hostile string is stored well-formed and an out-of-range index is null with the action kept", async () => {
        const rows = await queryParquet<Record<string, unknown>>(`SELECT action_name, action_index, ended_on IS NULL AS open_end, decode_warning FROM ${table(out, "actions")} WHERE run_id = '${BROKEN_RUN}' ORDER BY seq`);
        expect(rows).toEqual([
            { action_name: "Bad end", action_index: null, open_end: true, decode_warning: 'invalid timestamp for actions[0].endTime: "2026-02-30T08:00:01Z" (no such date or time)' },
            { action_name: "Lone \ufffd surrogate", action_index: null, open_end: false, decode_warning: "integer out of range for actions[1].index: 3000000000" },
        ]);
    });

    it("local time columns follow the environment's time zone (DST-correct) beside UTC, and runs get a readable label", async () => {
        const [env] = await queryParquet<Record<string, unknown>>(`SELECT time_zone FROM ${table(out, "environments")}`);
        expect(env.time_zone).toBe("Europe/Berlin");
        const [run] = await queryParquet<Record<string, unknown>>(`
            SELECT strftime(started_on_local, '%Y-%m-%d %H:%M:%S') AS local, CAST(local_date AS VARCHAR) AS d, local_hour, run_label
            FROM ${table(out, "runs")} WHERE run_id = '${V1_RUN}'`);
        // 08:00 UTC on 5 November is 09:00 in Berlin (CET, UTC+1)
        expect(run).toEqual({ local: "2026-11-05 09:00:00", d: "2026-11-05", local_hour: 9, run_label: "unknown flow · 2026-11-05 09:00:00 · Cancelled" });
        const acts = await queryParquet<Record<string, unknown>>(`
            SELECT seq, local_hour, local_weekday, run_label FROM ${table(out, "actions")} WHERE run_id = '${V1_RUN}' AND seq IN (0, 10) ORDER BY seq`);
        expect(acts).toEqual([
            { seq: 0, local_hour: 9, local_weekday: 4, run_label: "unknown flow · 2026-11-05 09:00:00 · Cancelled" },
            { seq: 10, local_hour: 9, local_weekday: 4, run_label: "unknown flow · 2026-11-05 09:00:00 · Cancelled" },
        ]);
        const hours = await queryParquet<Record<string, unknown>>(`
            SELECT DISTINCT strftime(hour, '%H') AS utc, local_hour, CAST(local_date AS VARCHAR) AS d, local_weekday FROM ${table(out, "action_hourly")}`);
        expect(hours).toEqual([{ utc: "08", local_hour: 9, d: "2026-11-05", local_weekday: 4 }]);
    });

    it("action_hourly keys on Module.Action and leaves containers recognisable", async () => {
        const rows = await queryParquet<Record<string, unknown>>(`
            SELECT system_action_name, is_container, sum(executions)::INTEGER AS n, sum(failures)::INTEGER AS failures, sum(handled_failures)::INTEGER AS handled
            FROM ${table(out, "action_hourly")} WHERE action_name LIKE 'Click%' OR is_container GROUP BY ALL ORDER BY system_action_name`);
        expect(rows).toEqual([
            { system_action_name: "Loops.LoopWithIndex", is_container: true, n: 2, failures: 0, handled: 0 },
            { system_action_name: "Subflows.RunSubflow", is_container: true, n: 2, failures: 0, handled: 0 },
            { system_action_name: "UIAutomation.Click", is_container: false, n: 4, failures: 2, handled: 2 },
            { system_action_name: "WebAutomation.Click", is_container: false, n: 2, failures: 0, handled: 0 },
        ]);
    });
});
