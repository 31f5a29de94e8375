import type { ActionRecord } from "../decode/action-record.js";

/**
 * A run's actions as typed columns, the form the build hands DuckDB (through its appender) instead of JSON
 * lines: serialising every decoded action to JSON only for DuckDB to parse it again cost as much as decoding
 * it. The columns are typed arrays, copied into DuckDB's vectors whole.
 *
 * No column has a NULL marker of DuckDB's own (its validity masks are slow to fill from JS), so:
 * numbers are float64 with NaN for null (every INTEGER and every ms value up to 2^53 is exact); booleans are
 * 0 / 1 / 2 for false / true / null. Text is not sent per action: a run repeats a few dozen combinations of
 * subflow, name, module and status, so each action names its combination (`kind`, an index into `kinds`),
 * and the rare error and warning texts likewise (`detail` into `details`, -1 when it has none). DuckDB
 * joins them back: one join instead of a lookup per text column, which cost more than the rest of the write.
 */
export interface EncodedActions {
    count: number;
    numbers: Record<NumberColumn, Float64Array>;
    flags: Record<FlagColumn, Int8Array>;
    kind: Int32Array;
    detail: Int32Array;
    kinds: Array<Array<string | null>>;
    details: Array<Array<string | null>>;
}

export const NUMBER_COLUMNS = ["seq", "parent_seq", "depth", "action_index", "started_on", "ended_on", "duration_ms"] as const;
export const FLAG_COLUMNS = ["is_container", "inside_error_handling"] as const;
/** The text columns every action has, nearly always, in few combinations per run. */
export const KIND_COLUMNS = ["subflow", "action_name", "system_action_name", "module", "status"] as const;
/** The text columns most actions leave null. */
export const DETAIL_COLUMNS = ["level", "error_code", "error_message", "error_correlation_id", "inputs_json", "outputs_json", "decode_warning"] as const;
export type NumberColumn = (typeof NUMBER_COLUMNS)[number];
export type FlagColumn = (typeof FLAG_COLUMNS)[number];

const NUMBER_OF: Record<NumberColumn, (a: ActionRecord) => number | null> = {
    seq: (a) => a.seq,
    parent_seq: (a) => a.parentSeq,
    depth: (a) => a.depth,
    action_index: (a) => a.actionIndex,
    started_on: (a) => a.startedOn,
    ended_on: (a) => a.endedOn,
    duration_ms: (a) => a.durationMs,
};
const FLAG_OF: Record<FlagColumn, (a: ActionRecord) => boolean | null> = {
    is_container: (a) => a.isContainer,
    inside_error_handling: (a) => a.insideErrorHandling,
};
const kindOf = (a: ActionRecord): Array<string | null> => [a.subflow, a.actionName, a.systemActionName, a.module, a.status];
const detailOf = (a: ActionRecord): Array<string | null> | null =>
    a.level === null && a.errorCode === null && a.errorMessage === null && a.errorCorrelationId === null && a.inputsJson === null && a.outputsJson === null && a.warning === null
        ? null
        : [a.level, a.errorCode, a.errorMessage, a.errorCorrelationId, a.inputsJson, a.outputsJson, a.warning];

export const NULL_FLAG = 2;
export const NO_DETAIL = -1;

/**
 * Interns tuples of texts: the index of each distinct one, in first-seen order. A trie of Maps, one level per
 * position, so a lookup hashes the texts themselves (V8 caches a string's hash) and builds no key string.
 */
export class Tuples {
    readonly list: Array<Array<string | null>> = [];
    private readonly root = new Map<string | null, unknown>();

    id(t: Array<string | null>): number {
        let level = this.root;
        const last = t.length - 1;
        for (let i = 0; i < last; i++) {
            let next = level.get(t[i]) as Map<string | null, unknown> | undefined;
            if (next === undefined) level.set(t[i], (next = new Map()));
            level = next;
        }
        let id = level.get(t[last]) as number | undefined;
        if (id === undefined) {
            id = this.list.length;
            level.set(t[last], id);
            this.list.push(t);
        }
        return id;
    }
}

export function encodeActions(actions: readonly ActionRecord[]): EncodedActions {
    const n = actions.length;
    const numbers = {} as Record<NumberColumn, Float64Array>;
    const flags = {} as Record<FlagColumn, Int8Array>;
    for (const c of NUMBER_COLUMNS) {
        const get = NUMBER_OF[c];
        const col = new Float64Array(n);
        for (let i = 0; i < n; i++) col[i] = get(actions[i]) ?? NaN;
        numbers[c] = col;
    }
    for (const c of FLAG_COLUMNS) {
        const get = FLAG_OF[c];
        const col = new Int8Array(n);
        for (let i = 0; i < n; i++) {
            const v = get(actions[i]);
            col[i] = v === null ? NULL_FLAG : v ? 1 : 0;
        }
        flags[c] = col;
    }
    const kinds = new Tuples();
    const details = new Tuples();
    const kind = new Int32Array(n);
    const detail = new Int32Array(n);
    for (let i = 0; i < n; i++) {
        kind[i] = kinds.id(kindOf(actions[i]));
        const d = detailOf(actions[i]);
        detail[i] = d === null ? NO_DETAIL : details.id(d);
    }
    return { count: n, numbers, flags, kind, detail, kinds: kinds.list, details: details.list };
}
