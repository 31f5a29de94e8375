import { wellFormed } from "./values.js";
import { DEFAULT_DECODE_OPTIONS, QuarantineError, type DecodeOptions, type DecodeResult } from "./action-record.js";
import { emptyAction, MAIN_SUBFLOW, mapAction, type MappedAction } from "./map-action.js";
import { before, parentsFromSpans, parentsFromStated } from "./structure.js";
import { FieldProblem, parseDuration, parseInt32, parseTimestampOrNull, typeName } from "./values.js";
import { finish } from "./warnings.js";

/** flowlog.type of desktop-flow action rows; other types (queue events, custom logs, newer ones) are ignored. */
export const FLOWLOG_ACTION_TYPE = 100000001;

const LEVELS: Record<number, string> = { 100000000: "Verbose", 100000001: "Debug", 100000002: "Info", 100000003: "Warning", 100000004: "Error" };

interface Item {
    m: MappedAction;
    logIndex: number | null;
    rowDuration: number | null;
    created: number;
    id: string;
}

/** What a V2 decode saw, for `padlens inspect` (same pass as the build's). */
export interface V2Trace {
    objects: Record<string, unknown>[];
    types: Map<string, number>;
}

/**
 * Decodes a run's flowlog rows: each action row's `data` is one action, with the same keys as a V1
 * action. Order (docs/data-contract.md, "Order"): the row's `logindex`, then a stated sequence (older
 * shapes), then the start to 100 ns, then the row's `createdon`, then `flowlogid`; never the order the server listed them in, which
 * means nothing. Never throws.
 */
export function decodeV2(rows: readonly unknown[], options: DecodeOptions = DEFAULT_DECODE_OPTIONS, trace?: V2Trace): DecodeResult {
    try {
        const items: Item[] = [];
        for (let r = 0; r < rows.length; r++) {
            const row = rows[r];
            if (row === null || typeof row !== "object" || Array.isArray(row)) {
                trace?.types.set("not a row", (trace.types.get("not a row") ?? 0) + 1);
                continue;
            }
            const o = row as Record<string, unknown>;
            if (trace) trace.types.set(String(o.type), (trace.types.get(String(o.type)) ?? 0) + 1);
            if (Number(o.type) !== FLOWLOG_ACTION_TYPE) continue;
            const id = typeof o.flowlogid === "string" ? o.flowlogid : "";
            const where = `flowlog row ${id || r}`;
            let rowWarning: string | null = null;
            const rowField = <T>(parse: () => T | null): T | null => {
                try {
                    return parse();
                } catch (e) {
                    if (!(e instanceof FieldProblem)) throw e;
                    rowWarning ??= e.message;
                    return null;
                }
            };
            const logIndex = rowField(() => parseInt32(o.logindex, where, "logindex", 0));
            const rowDuration = rowField(() => parseDuration(o.duration, where, "duration"));
            const m = mapRowData(o.data, where, options, trace);
            if (m.level === null && typeof o.level === "number") m.level = LEVELS[o.level] ?? String(o.level);
            // A row that says nothing readable about its action is still an action: it keeps its place and time.
            if (!m.mapped && (logIndex !== null || rowDuration !== null)) m.mapped = true;
            if (rowWarning !== null) m.warning ??= rowWarning;
            items.push({ m, logIndex, rowDuration, created: parseTimestampOrNull(o.createdon) ?? Number.MAX_SAFE_INTEGER, id });
        }
        const stated = items.length > 0 && items.every((x) => x.m.flat.sequence !== null);
        items.sort((a, b) => compare(a, b, stated));
        const mapped = items.map((x) => x.m);
        const parents = stated
            ? parentsFromStated(mapped, (i, message) => {
                mapped[i].warning ??= message;
            })
            : parentsFromSpans(mapped);
        return finish("flowlog", mapped, parents, items.map((x) => x.rowDuration));
    } catch (e) {
        if (e instanceof QuarantineError) return { ok: false, encoding: "flowlog", reason: wellFormed(e.message) };
        if (e instanceof RangeError) return { ok: false, encoding: "flowlog", reason: `log too large to decode (${e.message})` };
        throw e;
    }
}

function mapRowData(data: unknown, where: string, options: DecodeOptions, trace?: V2Trace): MappedAction {
    if (typeof data !== "string") return emptyAction(MAIN_SUBFLOW, `wrong type for ${where}.data: expected a JSON string, got ${typeName(data)}`);
    let parsed: unknown;
    try {
        parsed = JSON.parse(data);
    } catch (e) {
        return emptyAction(MAIN_SUBFLOW, `${where}.data is not JSON (${(e as Error).message.slice(0, 80)})`);
    }
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) trace?.objects.push(parsed as Record<string, unknown>);
    return mapAction(parsed, where, null, options);
}

function compare(a: Item, b: Item, stated: boolean): number {
    if (a.logIndex !== b.logIndex) {
        if (a.logIndex === null) return 1;
        if (b.logIndex === null) return -1;
        return a.logIndex - b.logIndex;
    }
    if (stated && a.m.flat.sequence !== b.m.flat.sequence) return (a.m.flat.sequence as number) - (b.m.flat.sequence as number);
    const as = a.m.start, bs = b.m.start;
    if (as !== null && bs !== null) {
        if (before(as, bs)) return -1;
        if (before(bs, as)) return 1;
    } else if (as !== bs) return as === null ? 1 : -1;
    if (a.created !== b.created) return a.created - b.created;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
