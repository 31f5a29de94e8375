import { DEFAULT_MAX_VALUE_CHARS, type ActionRecord, type DecodeOptions } from "./action-record.js";
import { mapKeyNames } from "./aliases.js";
import { FieldProblem, parseBoolean, parseDuration, parseInstant, parseInt32, parseText, typeName, wellFormed, type Instant } from "./values.js";

/** What PAD calls the main subflow; any spelling of it is written this way so one subflow is one group. */
export const MAIN_SUBFLOW = "main";

/**
 * The fields of one action object mapped through the alias table: the contract row's fields except structure
 * (seq, parent, depth, container: the caller's) and times, which stay Instants (100 ns) until ordered.
 */
export type MappedAction = Omit<ActionRecord, "seq" | "parentSeq" | "depth" | "isContainer" | "startedOn" | "endedOn"> & {
    /** At least one key of the object mapped to a field: an object that maps nothing is not an action. */
    mapped: boolean;
    start: Instant | null;
    end: Instant | null;
    children: unknown[] | null;
    /** Tree position as an older flat shape states it; real logs state none (structure comes from spans). */
    flat: { sequence: number | null; parentSequence: number | null; depth: number | null };
};

export function emptyAction(subflow: string, warning: string | null): MappedAction {
    return {
        mapped: false, start: null, end: null, durationMs: null, actionIndex: null, subflow, actionName: null, systemActionName: null, module: null,
        status: null, level: null, insideErrorHandling: null, errorCode: null, errorMessage: null, errorCorrelationId: null,
        inputsJson: null, outputsJson: null, children: null, flat: { sequence: null, parentSequence: null, depth: null }, warning,
    };
}

const normaliseSubflow = (s: string): string => (s.length === 4 && s.toLowerCase() === MAIN_SUBFLOW ? MAIN_SUBFLOW : s);

/**
 * Maps one action object; `where` names it in warnings ("action 12"). Never throws: a field that cannot
 * be read is null and the first such problem is the action's warning (docs/data-contract.md).
 */
export function mapAction(raw: unknown, where: string, inheritedSubflow: string | null, options: DecodeOptions): MappedAction {
    const subflowDefault = inheritedSubflow ?? MAIN_SUBFLOW;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        return emptyAction(subflowDefault, `${where} is not an object (got ${typeName(raw)})`);
    }
    const o = raw as Record<string, unknown>;
    const f = mapKeyNames(o);
    if (Object.keys(f).length === 0) {
        return emptyAction(subflowDefault, `${where} has no known key (keys: ${Object.keys(o).slice(0, 12).join(", ") || "none"})`);
    }
    let warning: string | null = null;
    // One closure per action, not per field: a failed field is null and its reason is kept if it is the first.
    const read = <T>(key: string | undefined, parse: (v: unknown, what: string, key?: string) => T | null): T | null => {
        if (key === undefined) return null;
        try {
            return parse(o[key], where, key);
        } catch (e) {
            if (!(e instanceof FieldProblem)) throw e;
            warning ??= e.message;
            return null;
        }
    };

    const start = read(f.start, parseInstant);
    let end = read(f.end, parseInstant);
    let durationMs = read(f.duration, parseDuration);
    if (start !== null && end !== null && (end.ms < start.ms || (end.ms === start.ms && end.sub < start.sub))) {
        warning ??= `end before start in ${where}: ${f.end} is ${start.ms - end.ms} ms before ${f.start}`;
        end = null;
    }
    if (durationMs === null && start !== null && end !== null) durationMs = end.ms - start.ms;

    let errorCode = read(f.errorCode, parseText);
    let errorMessage: string | null = null;
    let errorCorrelationId = read(f.errorCorrelationId, parseText);
    if (f.error) {
        const e = o[f.error];
        if (typeof e === "object" && e !== null && !Array.isArray(e)) {
            const eo = e as Record<string, unknown>;
            for (const k of Object.keys(eo)) {
                const lk = k.toLowerCase();
                const sub = `${f.error}.${k}`;
                if (lk === "code") errorCode ??= read(sub, () => parseText(eo[k], where, sub));
                else if (lk === "message") errorMessage = read(sub, () => parseText(eo[k], where, sub));
                else if (lk === "correlationid") errorCorrelationId ??= read(sub, () => parseText(eo[k], where, sub));
            }
        } else errorMessage = read(f.error, parseText);
    }
    let status = read(f.status, parseText);
    if (status) status = status.charAt(0).toUpperCase() + status.slice(1);
    if (status === null && (errorMessage !== null || errorCode !== null)) status = "Failed";

    let children: unknown[] | null = null;
    if (f.children) {
        const c = o[f.children];
        if (Array.isArray(c)) children = c;
        else warning ??= `wrong type for ${where}.${f.children}: expected an array, got ${typeName(c)}`;
    }
    const subflowText = read(f.subflow, parseText);
    const module = read(f.module, parseText);
    const action = read(f.systemActionName, parseText);
    return {
        mapped: true,
        start,
        end,
        durationMs,
        actionIndex: read(f.actionIndex, parseInt32),
        subflow: subflowText === null || subflowText === "" ? subflowDefault : normaliseSubflow(subflowText),
        actionName: read(f.actionName, parseText),
        systemActionName: qualify(module, action),
        module,
        status,
        level: read(f.level, parseText),
        insideErrorHandling: read(f.insideErrorHandling, parseBoolean),
        errorCode,
        errorMessage,
        errorCorrelationId,
        inputsJson: options.includeInputsOutputs && f.inputs ? read(f.inputs, (v, w, k) => parameters(v, w, k, options)) : null,
        outputsJson: options.includeInputsOutputs && f.outputs ? read(f.outputs, (v, w, k) => parameters(v, w, k, options)) : null,
        children,
        flat: {
            sequence: read(f.sequence, parseInt32),
            parentSequence: read(f.parentSequence, parseInt32),
            depth: read(f.depth, parseInt32),
        },
        warning,
    };
}

/** PAD's own script naming: `UIAutomation.Click`. An action already qualified with its module is left as it is. */
function qualify(module: string | null, action: string | null): string | null {
    if (action === null || module === null || module === "") return action;
    return action.startsWith(`${module}.`) ? action : `${module}.${action}`;
}

/**
 * `{key: {localizedName, value, variableName}}` (or `{key: value}`) -> `{key: value}` as JSON, with the
 * value of any key, variable or display name containing a redaction fragment replaced by `***`.
 */
function parameters(v: unknown, what: string, key: string | undefined, options: DecodeOptions): string | null {
    const { redact } = options;
    const max = options.maxValueChars ?? DEFAULT_MAX_VALUE_CHARS;
    if (v === null || v === undefined) return null;
    if (typeof v !== "object" || Array.isArray(v)) throw new FieldProblem(`wrong type for ${what}.${key}: expected an object, got ${typeName(v)}`);
    const out: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(v as Record<string, unknown>)) {
        const described = p !== null && typeof p === "object" && !Array.isArray(p);
        const d = described ? (p as Record<string, unknown>) : null;
        const value = d && "value" in d ? d.value : p;
        const secret = isSecret(name, redact) || (d !== null && (isSecret(d.variableName, redact) || isSecret(d.localizedName, redact)));
        out[wellFormed(name)] = secret ? "***" : bounded(value, max);
    }
    return JSON.stringify(out);
}

/**
 * A value as stored: a file's contents or a screenshot passed as an input can be hundreds of KB, which
 * nobody reads in a report and which would cost the build; the first `max` characters are kept and the
 * length is said.
 */
function bounded(value: unknown, max: number): unknown {
    if (typeof value === "string") return wellFormed(value.length > max ? `${value.slice(0, max)}… [${value.length} chars]` : value);
    if (value === null || typeof value !== "object") return value;
    const json = JSON.stringify(value);
    return json.length > max ? `${json.slice(0, max)}… [${json.length} chars of JSON]` : value;
}

function isSecret(name: unknown, redact: readonly string[]): boolean {
    if (typeof name !== "string" || name === "") return false;
    const lower = name.toLowerCase();
    for (const r of redact) if (lower.includes(r)) return true;
    return false;
}
