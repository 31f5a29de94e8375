import type { ActionRecord, DecodeResult } from "./action-record.js";
import { QuarantineError } from "./action-record.js";
import { parseJson } from "./encoding.js";
import { mapAction } from "./map-action.js";
import { parseTimestamp, typeName } from "./values.js";

/** flowlog.type of desktop-flow action rows; other types (queue events, custom logs, newer ones) are ignored. */
export const FLOWLOG_ACTION_TYPE = 100000001;

const LEVELS: Record<number, string> = { 100000000: "Verbose", 100000001: "Debug", 100000002: "Info", 100000003: "Warning", 100000004: "Error" };

/**
 * Decodes a run's V2 flowlog rows: each action row's `data` is one action, mapped through the same
 * alias table; ordered by start, then createdon. Returns ok with no actions when no row is an action row.
 */
export function decodeV2(rows: Array<Record<string, unknown>>): DecodeResult {
    try {
        const items: Array<{ m: ReturnType<typeof mapAction>; created: number; i: number }> = [];
        rows.forEach((row, i) => {
            if (Number(row.type) !== FLOWLOG_ACTION_TYPE) return;
            const where = `flowlog row ${i}`;
            if (typeof row.data !== "string") throw new QuarantineError(`wrong type for ${where}.data: expected a JSON string, got ${typeName(row.data)}`);
            const m = mapAction(parseJson(row.data), where, null);
            if (m.level === null && typeof row.level === "number") m.level = LEVELS[row.level] ?? String(row.level);
            const created = typeof row.createdon === "string" ? parseTimestamp(row.createdon, `${where}.createdon`) : 0;
            items.push({ m, created, i });
        });
        // Rows that state their sequence are ordered by it (a container and its first child can share a
        // start, and the child's row is created first); otherwise by start, then creation.
        const sequenced = items.length > 0 && items.every((x) => x.m.flat.sequence !== null);
        items.sort((a, b) =>
            sequenced ? (a.m.flat.sequence as number) - (b.m.flat.sequence as number) : a.m.startedOn - b.m.startedOn || a.created - b.created || a.i - b.i,
        );
        const seqOf = new Map<number, number>();
        if (sequenced) items.forEach((x, seq) => seqOf.set(x.m.flat.sequence as number, seq));
        const actions: ActionRecord[] = items.map(({ m }, seq) => {
            const parentSeq = sequenced && m.flat.parentSequence !== null ? (seqOf.get(m.flat.parentSequence) ?? null) : null;
            return {
                seq, parentSeq, depth: m.flat.depth ?? 0, actionIndex: m.actionIndex, subflow: m.subflow, actionName: m.actionName, systemActionName: m.systemActionName,
                startedOn: m.startedOn, endedOn: m.endedOn, durationMs: m.durationMs, status: m.status, level: m.level, errorCode: m.errorCode, errorMessage: m.errorMessage,
            };
        });
        return { ok: true, encoding: "flowlog", actions };
    } catch (e) {
        if (e instanceof QuarantineError) return { ok: false, encoding: "flowlog", reason: e.message };
        throw e;
    }
}
