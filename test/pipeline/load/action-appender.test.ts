import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import type { ActionRecord } from "../../../pipeline/decode/action-record.js";
import { encodeActions } from "../../../pipeline/load/action-encoding.js";
import { openDuckDb } from "../../../pipeline/load/duckdb.js";
import { Loader } from "../../../pipeline/load/loader.js";
import { queryParquet } from "../builder/parquet-query.js";

const work = mkdtempSync(path.join(os.tmpdir(), "padlens-appender-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const base: ActionRecord = {
    seq: 0, parentSeq: null, depth: 0, isContainer: false, actionIndex: null, subflow: "main", actionName: null, systemActionName: null, module: null,
    startedOn: null, endedOn: null, durationMs: null, status: null, level: null, insideErrorHandling: null, errorCode: null, errorMessage: null,
    errorCorrelationId: null, inputsJson: null, outputsJson: null, warning: null,
};

/** Values a typed-column transport could get wrong: nulls in every column, extremes, texts that look like separators. */
const odd: Array<Partial<ActionRecord>> = [
    {},
    { parentSeq: 0, depth: 1, isContainer: true, actionIndex: -2147483648, insideErrorHandling: true, status: "Failed", errorCode: "E1", errorMessage: "", errorCorrelationId: "c" },
    { actionIndex: 2147483647, insideErrorHandling: false, startedOn: 0, endedOn: 7_258_118_399_999, durationMs: Number.MAX_SAFE_INTEGER },
    { actionName: "a\u0000b", systemActionName: "3;abc", module: "-;", subflow: "", status: "", level: "Info" },
    { actionName: "a", systemActionName: "\u0000b", module: null, subflow: "Süb 😀", warning: "wrong type for action 4.index", inputsJson: '{"k":"***"}', outputsJson: "{}" },
];

function run(n: number, salt: string): ActionRecord[] {
    return Array.from({ length: n }, (_, i) => ({
        ...base,
        seq: i,
        actionIndex: i % 7,
        actionName: `Action ${i % 5}`,
        systemActionName: `Module.Action${i % 5}`,
        module: "Module",
        subflow: i % 3 === 0 ? "main" : `Sub_${salt}`,
        startedOn: 1_790_000_000_000 + i * 1000,
        endedOn: 1_790_000_000_000 + i * 1000 + 500,
        durationMs: 500,
        status: "Succeeded",
        ...(odd[i] ?? {}),
    }));
}

const COLUMNS = [
    "seq", "parent_seq", "depth", "is_container", "action_index", "subflow", "action_name", "system_action_name", "module", "started_on", "ended_on",
    "duration_ms", "status", "level", "inside_error_handling", "error_code", "error_message", "error_correlation_id", "inputs_json", "outputs_json", "decode_warning",
] as const;

const expected = (runId: string, actions: ActionRecord[]) => actions.map((a) => ({
    run_id: runId, seq: a.seq, parent_seq: a.parentSeq, depth: a.depth, is_container: a.isContainer, action_index: a.actionIndex, subflow: a.subflow,
    action_name: a.actionName, system_action_name: a.systemActionName, module: a.module, started_on: a.startedOn, ended_on: a.endedOn,
    duration_ms: a.durationMs, status: a.status, level: a.level, inside_error_handling: a.insideErrorHandling, error_code: a.errorCode,
    error_message: a.errorMessage, error_correlation_id: a.errorCorrelationId, inputs_json: a.inputsJson, outputs_json: a.outputsJson, decode_warning: a.warning,
}));

async function readBack(files: string[]): Promise<Array<Record<string, unknown>>> {
    const rows = await queryParquet<Record<string, unknown>>(
        `SELECT run_id, ${COLUMNS.map((c) => (c === "started_on" || c === "ended_on" ? `epoch_ms(${c}) AS ${c}` : c)).join(", ")}
         FROM read_parquet([${files.map((f) => `'${f.replaceAll("\\", "/")}'`).join(", ")}]) ORDER BY run_id, seq`,
    );
    return rows.map((r) => ({ ...r, duration_ms: r.duration_ms === null ? null : Number(r.duration_ms), started_on: r.started_on === null ? null : Number(r.started_on), ended_on: r.ended_on === null ? null : Number(r.ended_on) }));
}

it("writes appended actions back exactly: nulls, extremes and odd texts, across data chunks, runs and batches", async () => {
    const db = await openDuckDb(":memory:", path.join(work, "tmp"), { threads: 2 });
    try {
        const loader = new Loader(db.con);
        await loader.createTables();
        // Two batches through one database: the second must not see the first's rows or interned texts.
        for (const [batch, sizes] of [["b1", [2100, 5, 3000]], ["b2", [40]]] as const) {
            const runs = sizes.map((n, i) => ({ id: `${batch}-run-${i}`, actions: run(n, `${batch}${i % 2}`) }));
            for (const r of runs) await loader.appendActions({ unit: "2026-09-22", run_id: r.id, flow_id: "f", machine_id: null, log_source: "V1" }, encodeActions(r.actions));
            const tables = await loader.writeUnitTables(path.join(work, batch), [["actions", runs.reduce((n, r) => n + r.actions.length, 0)]], "UTC", { env: "e", month: "2026-09" });
            const written = tables.get("actions") ?? new Map<string, string[]>();
            expect([...written.keys()]).toEqual(["2026-09-22"]);
            expect(await readBack(written.get("2026-09-22")!)).toEqual(runs.flatMap((r) => expected(r.id, r.actions)));
            await loader.clear();
        }
    } finally {
        await db.close();
    }
});
