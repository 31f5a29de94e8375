import type { ActionRecord } from "./action-record.js";
import type { MappedAction } from "./map-action.js";
import { MAX_YEAR, wellFormed, type Instant } from "./values.js";

const MAX_MS = Date.UTC(MAX_YEAR + 1, 0, 1) - 1;

/** a before b, to 100 ns. */
export const before = (a: Instant, b: Instant): boolean => a.ms < b.ms || (a.ms === b.ms && a.sub < b.sub);

/** Where each action sits in the tree: parent index (in execution order) or null. */
export type Parents = Array<number | null>;

/**
 * Structure of a flat log, from what its spans show (docs/data-contract.md, "Structure"): an action whose
 * span strictly encloses the start of the action after it is open, and every following action that starts
 * before it ends is inside it (a `Run subflow` encloses the subflow it called, a loop its iterations). A
 * short entry such as PAD's `If` ends before its body starts and so contains nothing: no structure is
 * invented where the data shows none. An action with no known start stays where the list puts it.
 */
export function parentsFromSpans(items: readonly MappedAction[]): Parents {
    const parents: Parents = new Array<number | null>(items.length);
    const open: number[] = [];
    for (let i = 0; i < items.length; i++) {
        const a = items[i];
        if (a.start !== null) {
            while (open.length > 0) {
                const end = items[open[open.length - 1]].end;
                if (end !== null && before(a.start, end)) break;
                open.pop();
            }
        }
        parents[i] = open.length > 0 ? open[open.length - 1] : null;
        const next = items[i + 1];
        if (a.start !== null && a.end !== null && next?.start && before(next.start, a.end) && !before(next.start, a.start)) open.push(i);
    }
    return parents;
}

/**
 * Structure an older flat shape states (sequence / parentSequence): trusted only where consistent. A
 * parent must be an earlier action; a self-parent, a forward or unknown reference is dropped with a warning.
 */
export function parentsFromStated(items: readonly MappedAction[], warn: (i: number, message: string) => void): Parents {
    const indexOfSeq = new Map<number, number>();
    items.forEach((a, i) => {
        if (a.flat.sequence !== null && !indexOfSeq.has(a.flat.sequence)) indexOfSeq.set(a.flat.sequence, i);
    });
    return items.map((a, i) => {
        const p = a.flat.parentSequence;
        if (p === null) return null;
        const at = indexOfSeq.get(p);
        if (at === undefined || at >= i) {
            warn(i, `parentSequence ${p} of action ${a.flat.sequence ?? i} ${at === i ? "is the action itself" : at === undefined ? "names no action" : "names a later action"}`);
            return null;
        }
        return at;
    });
}

/**
 * Mapped actions in execution order + their parents -> contract rows. Depth follows the parents (a stated
 * depth is not trusted); times are completed from each other (end = start + duration, the flowlog row's
 * duration when the log gives nothing else) and range-checked.
 */
export function toRecords(items: readonly MappedAction[], parents: Parents, rowDurations?: ReadonlyArray<number | null>): ActionRecord[] {
    const out: ActionRecord[] = new Array<ActionRecord>(items.length);
    for (let i = 0; i < items.length; i++) {
        const m = items[i];
        const parentSeq = parents[i];
        let warning = m.warning;
        let startedOn = m.start?.ms ?? null;
        let endedOn = m.end?.ms ?? null;
        let durationMs = m.durationMs ?? rowDurations?.[i] ?? null;
        if (startedOn === null && endedOn !== null && durationMs !== null) startedOn = endedOn - durationMs;
        if (endedOn === null && startedOn !== null && durationMs !== null) {
            endedOn = startedOn + durationMs;
            if (endedOn > MAX_MS) {
                warning ??= `duration ${durationMs} ms of action ${i} ends after ${MAX_YEAR}`;
                endedOn = null;
                durationMs = null;
            }
        }
        if (startedOn !== null && startedOn < 0) startedOn = null;
        out[i] = {
            seq: i,
            parentSeq,
            depth: parentSeq === null ? 0 : out[parentSeq].depth + 1,
            isContainer: false,
            actionIndex: m.actionIndex,
            subflow: m.subflow,
            actionName: m.actionName,
            systemActionName: m.systemActionName,
            module: m.module,
            startedOn,
            endedOn,
            durationMs,
            status: m.status,
            level: m.level,
            insideErrorHandling: m.insideErrorHandling,
            errorCode: m.errorCode,
            errorMessage: m.errorMessage,
            errorCorrelationId: m.errorCorrelationId,
            inputsJson: m.inputsJson,
            outputsJson: m.outputsJson,
            // Reasons quote the log: a lone surrogate in a quote must not reach DuckDB's JSON reader.
            warning: warning === null ? null : wellFormed(warning),
        };
        if (parentSeq !== null) out[parentSeq].isContainer = true;
    }
    return out;
}
