import type { ActionRecord } from "./action-record.js";
import { QuarantineError } from "./action-record.js";
import { mapKeyNames } from "./aliases.js";
import { parseDuration, parseInteger, parseText, parseTimestamp, typeName } from "./values.js";

/** The fields of one action object mapped through the alias table; structure (seq, depth) is the caller's. */
export type MappedAction = Omit<ActionRecord, "seq" | "parentSeq" | "depth"> & {
    children: unknown[] | null;
    /** Tree position as a flat log states it (V2); nested logs (V1) use `children` instead. */
    flat: { sequence: number | null; parentSequence: number | null; depth: number | null };
};

const DEFAULT_SUBFLOW = "Main";

/** Maps one action object; `where` names it in reasons ("action 12"). Throws QuarantineError. */
export function mapAction(raw: unknown, where: string, inheritedSubflow: string | null): MappedAction {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        throw new QuarantineError(`wrong type for ${where}: expected an object, got ${typeName(raw)}`);
    }
    const o = raw as Record<string, unknown>;
    const f = mapKeyNames(o);

    let startedOn = f.start ? parseTimestamp(o[f.start], where, f.start) : null;
    let endedOn = f.end ? parseTimestamp(o[f.end], where, f.end) : null;
    let durationMs = f.duration ? parseDuration(o[f.duration], where, f.duration) : null;
    if (startedOn !== null && endedOn !== null && endedOn < startedOn) {
        throw new QuarantineError(`end before start in ${where}: ${f.end} is ${startedOn - endedOn} ms before ${f.start}`);
    }
    if (startedOn === null && endedOn !== null && durationMs !== null) startedOn = endedOn - durationMs;
    if (startedOn === null) throw new QuarantineError(`${where} has no start time (keys: ${Object.keys(raw).join(", ")})`);
    if (durationMs === null && endedOn !== null) durationMs = endedOn - startedOn;
    if (endedOn === null && durationMs !== null) endedOn = startedOn + durationMs;

    let errorCode = f.errorCode ? parseText(o[f.errorCode], where, f.errorCode) : null;
    let errorMessage: string | null = null;
    if (f.error) {
        const e = o[f.error];
        if (typeof e === "object" && e !== null && !Array.isArray(e)) {
            const eo = e as Record<string, unknown>;
            const code = Object.keys(eo).find((k) => k.toLowerCase() === "code");
            const msg = Object.keys(eo).find((k) => k.toLowerCase() === "message");
            if (code && eo[code] != null) errorCode ??= parseText(eo[code], where, `${f.error}.${code}`);
            if (msg && eo[msg] != null) errorMessage = parseText(eo[msg], where, `${f.error}.${msg}`);
        } else errorMessage = parseText(e, where, f.error);
    }
    let status = f.status ? parseText(o[f.status], where, f.status) : null;
    if (status) status = status.charAt(0).toUpperCase() + status.slice(1);
    if (status === null && (errorMessage !== null || errorCode !== null)) status = "Failed";

    let children: unknown[] | null = null;
    if (f.children) {
        const c = o[f.children];
        if (!Array.isArray(c)) throw new QuarantineError(`wrong type for ${where}.${f.children}: expected an array, got ${typeName(c)}`);
        children = c;
    }
    const subflow = f.subflow ? parseText(o[f.subflow], where, f.subflow) : (inheritedSubflow ?? DEFAULT_SUBFLOW);
    return {
        actionIndex: f.actionIndex ? parseInteger(o[f.actionIndex], where, f.actionIndex) : null,
        subflow,
        actionName: f.actionName ? parseText(o[f.actionName], where, f.actionName) : null,
        systemActionName: f.systemActionName ? parseText(o[f.systemActionName], where, f.systemActionName) : null,
        startedOn,
        endedOn,
        durationMs,
        status,
        level: f.level ? parseText(o[f.level], where, f.level) : null,
        errorCode,
        errorMessage,
        children,
        flat: {
            sequence: f.sequence ? parseInteger(o[f.sequence], where, f.sequence) : null,
            parentSequence: f.parentSequence ? parseInteger(o[f.parentSequence], where, f.parentSequence) : null,
            depth: f.depth ? parseInteger(o[f.depth], where, f.depth) : null,
        },
    };
}

/** Flattens an action tree depth-first: a parent gets its seq before its children. */
export function flattenActions(list: unknown[]): ActionRecord[] {
    const out: ActionRecord[] = [];
    const walk = (items: unknown[], depth: number, parentSeq: number | null, subflow: string | null, path: string) => {
        if (depth > 64) throw new QuarantineError(`actions nested deeper than 64 levels at ${path}`);
        for (let i = 0; i < items.length; i++) {
            const where = `${path}[${i}]`;
            const m = mapAction(items[i], where, subflow);
            const seq = out.length;
            // Fields listed rather than spread: object rest/spread per action was a measurable share of decoding.
            out.push({
                seq, parentSeq, depth, actionIndex: m.actionIndex, subflow: m.subflow, actionName: m.actionName, systemActionName: m.systemActionName,
                startedOn: m.startedOn, endedOn: m.endedOn, durationMs: m.durationMs, status: m.status, level: m.level, errorCode: m.errorCode, errorMessage: m.errorMessage,
            });
            if (m.children && m.children.length) walk(m.children, depth + 1, seq, m.subflow, `${where}.children`);
        }
    };
    walk(list, 0, null, null, "actions");
    return out;
}
