import type { ActionRecord } from "./action-record.js";
import { QuarantineError } from "./action-record.js";
import { mapKeys } from "./aliases.js";
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
    const f = mapKeys(raw as Record<string, unknown>);
    const field = (name: string) => `${where}.${name}`;

    let startedOn = f.start ? parseTimestamp(f.start.value, field(f.start.key)) : null;
    let endedOn = f.end ? parseTimestamp(f.end.value, field(f.end.key)) : null;
    let durationMs = f.duration ? parseDuration(f.duration.value, field(f.duration.key)) : null;
    if (startedOn !== null && endedOn !== null && endedOn < startedOn) {
        throw new QuarantineError(`end before start in ${where}: ${f.end?.key} is ${startedOn - endedOn} ms before ${f.start?.key}`);
    }
    if (startedOn === null && endedOn !== null && durationMs !== null) startedOn = endedOn - durationMs;
    if (startedOn === null) throw new QuarantineError(`${where} has no start time (keys: ${Object.keys(raw).join(", ")})`);
    if (durationMs === null && endedOn !== null) durationMs = endedOn - startedOn;
    if (endedOn === null && durationMs !== null) endedOn = startedOn + durationMs;

    let errorCode = f.errorCode ? parseText(f.errorCode.value, field(f.errorCode.key)) : null;
    let errorMessage: string | null = null;
    if (f.error) {
        const e = f.error.value;
        if (typeof e === "object" && e !== null && !Array.isArray(e)) {
            const eo = e as Record<string, unknown>;
            const code = Object.keys(eo).find((k) => k.toLowerCase() === "code");
            const msg = Object.keys(eo).find((k) => k.toLowerCase() === "message");
            if (code && eo[code] != null) errorCode ??= parseText(eo[code], field(`${f.error.key}.${code}`));
            if (msg && eo[msg] != null) errorMessage = parseText(eo[msg], field(`${f.error.key}.${msg}`));
        } else errorMessage = parseText(e, field(f.error.key));
    }
    let status = f.status ? parseText(f.status.value, field(f.status.key)) : null;
    if (status) status = status.charAt(0).toUpperCase() + status.slice(1);
    if (status === null && (errorMessage !== null || errorCode !== null)) status = "Failed";

    let children: unknown[] | null = null;
    if (f.children) {
        if (!Array.isArray(f.children.value)) {
            throw new QuarantineError(`wrong type for ${field(f.children.key)}: expected an array, got ${typeName(f.children.value)}`);
        }
        children = f.children.value;
    }
    const subflow = f.subflow ? parseText(f.subflow.value, field(f.subflow.key)) : (inheritedSubflow ?? DEFAULT_SUBFLOW);
    return {
        actionIndex: f.actionIndex ? parseInteger(f.actionIndex.value, field(f.actionIndex.key)) : null,
        subflow,
        actionName: f.actionName ? parseText(f.actionName.value, field(f.actionName.key)) : null,
        systemActionName: f.systemActionName ? parseText(f.systemActionName.value, field(f.systemActionName.key)) : null,
        startedOn,
        endedOn,
        durationMs,
        status,
        level: f.level ? parseText(f.level.value, field(f.level.key)) : null,
        errorCode,
        errorMessage,
        children,
        flat: {
            sequence: f.sequence ? parseInteger(f.sequence.value, field(f.sequence.key)) : null,
            parentSequence: f.parentSequence ? parseInteger(f.parentSequence.value, field(f.parentSequence.key)) : null,
            depth: f.depth ? parseInteger(f.depth.value, field(f.depth.key)) : null,
        },
    };
}

/** Flattens an action tree depth-first: a parent gets its seq before its children. */
export function flattenActions(list: unknown[]): ActionRecord[] {
    const out: ActionRecord[] = [];
    const walk = (items: unknown[], depth: number, parentSeq: number | null, subflow: string | null, path: string) => {
        if (depth > 64) throw new QuarantineError(`actions nested deeper than 64 levels at ${path}`);
        items.forEach((raw, i) => {
            const where = `${path}[${i}]`;
            const { children, flat: _flat, ...m } = mapAction(raw, where, subflow);
            const seq = out.length;
            out.push({ seq, parentSeq, depth, ...m });
            if (children && children.length) walk(children, depth + 1, seq, m.subflow, `${where}.children`);
        });
    };
    walk(list, 0, null, null, "actions");
    return out;
}
