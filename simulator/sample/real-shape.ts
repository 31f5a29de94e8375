/**
 * The per-action object Microsoft writes, in both log versions: an item of the V1 document's flat
 * `actions` list, and the `data` of a V2 `flowlog` row. Built from a run's action records with the
 * details that only the real shape carries (7-digit fractions, module names, inputs/outputs, error
 * correlation ids, the unknown end of a cancelled run's last action), drawn from one per-run stream
 * so that a run's V1 and V2 logs agree. docs/sample-data.md shows the shape.
 */
import { ACTION_IO, MODULE_NAMES, type IoField } from "./catalog.js";
import type { ActionRecord } from "./actions.js";
import type { Rng } from "./prng.js";

type Json = Record<string, unknown>;

/** .NET DateTime.MinValue as PAD serialises an end it never recorded (no offset, no `Z`). */
export const DOTNET_MIN_VALUE = "0001-01-01T00:00:00";

export interface RealLog {
    /** One object per action, in execution order (the V1 list; each a V2 row's `data`). */
    items: Json[];
    /** The V2 `duration` column per action: whole ms, or null (a cancelled run's unterminated last action, sometimes). */
    durations: Array<number | null>;
}

const splitCache = new Map<string, readonly [string, string]>();

/** `UIAutomation.Windows.Close` -> [`UIAutomation`, `Windows.Close`]: module, then the action within it. */
export function splitSystemName(systemName: string): readonly [string, string] {
    let hit = splitCache.get(systemName);
    if (!hit) {
        const dot = systemName.indexOf(".");
        hit = dot < 0 ? [systemName, systemName] : [systemName.slice(0, dot), systemName.slice(dot + 1)];
        splitCache.set(systemName, hit);
    }
    return hit;
}

/** ISO-8601 UTC with 7 fraction digits (.NET round-trip format): the ms, then 4 sub-ms digits. */
function iso7(ms: number, subMs: number): string {
    return `${new Date(ms).toISOString().slice(0, 23)}${String(subMs).padStart(4, "0")}Z`;
}

const SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

function randomText(rng: Rng, n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += SECRET_ALPHABET[rng.int(0, SECRET_ALPHABET.length - 1)];
    return s;
}

function fill(template: string, rng: Rng, detail: string): string {
    if (!template.includes("$")) return template;
    return template.replace(/\$(amount|secret|token|detail|n)/g, (_, name: string) => {
        switch (name) {
            case "n": return String(rng.int(1, 480));
            case "amount": return `${rng.int(12, 98_000)}.${String(rng.int(0, 99)).padStart(2, "0")}`;
            case "secret": return `${randomText(rng, 10)}!${rng.int(10, 99)}`;
            case "token": return `eyJ0eXAiOiJKV1QifQ.${randomText(rng, 24)}`;
            default: return detail;
        }
    });
}

function ioObject(fields: readonly IoField[], rng: Rng, detail: string): Json {
    const out: Json = {};
    for (const [key, localizedName, variableName, values] of fields) {
        const value = values.length === 1 ? values[0] : values[rng.int(0, values.length - 1)];
        out[key] = { localizedName, value: fill(value, rng, detail), variableName };
    }
    return out;
}

/** How a cancelled run's interrupted last action is logged: its `endTime`, and whether V2 keeps its `duration`. */
export interface Unterminated {
    endTime: null | typeof DOTNET_MIN_VALUE;
    keepDuration: boolean;
}

/** The forms, in the order runs get them (so that a few cancelled runs show them all). */
export const UNTERMINATED_FORMS: readonly Unterminated[] = [
    { endTime: null, keepDuration: true },
    { endTime: DOTNET_MIN_VALUE, keepDuration: false },
    { endTime: DOTNET_MIN_VALUE, keepDuration: true },
    { endTime: null, keepDuration: false },
];

/**
 * The real-shape objects of a run's actions. In a cancelled run (`unterminated` given) the last
 * action was interrupted: its `endTime` is null or .NET's MinValue, and its V2 `duration` is kept
 * (a reader can then compute the end) or null.
 */
export function realLog(actions: ActionRecord[], unterminated: Unterminated | null, rng: Rng): RealLog {
    const items: Json[] = new Array<Json>(actions.length);
    const durations: Array<number | null> = new Array<number | null>(actions.length);
    for (let i = 0; i < actions.length; i++) {
        const a = actions[i];
        const [module, action] = splitSystemName(a.systemName);
        const startSub = rng.int(0, 9999);
        const endSub = rng.int(0, 9999);
        const last = unterminated !== null && i === actions.length - 1;
        const detail = a.detail ?? "";
        const io = ACTION_IO[a.kind];
        const item: Json = {
            name: a.name,
            systemActionName: action,
            systemModuleName: module,
            localizedModuleName: MODULE_NAMES[module] ?? module,
            startTime: iso7(a.start, startSub),
            endTime: last ? unterminated.endTime : iso7(a.end, endSub),
            index: a.index,
            functionName: a.subflow === "Main" ? "main" : a.subflow,
            insideErrorHandling: a.insideErrorHandling,
            status: a.status,
        };
        if (a.status === "Failed") item.error = { code: a.errorCode ?? "ActionFailed", correlationId: rng.guid(), message: a.errorMessage ?? "" };
        item.inputs = ioObject(io.inputs, rng, detail);
        // A failed action produced nothing.
        item.outputs = a.status === "Failed" ? {} : ioObject(io.outputs, rng, detail);
        items[i] = item;
        // Whole ms from the 100-ns times (the end is at least 1 ms after the start).
        const duration = Math.round(((a.end - a.start) * 10_000 + endSub - startSub) / 10_000);
        durations[i] = last && !unterminated.keepDuration ? null : duration;
    }
    return { items, durations };
}

/** The V1 `additionalcontext` document in the real shape. */
export function realV1Document(log: RealLog): Json {
    return { actions: log.items, childFlowsLogStatus: "Default" };
}
