import { QuarantineError } from "./action-record.js";

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * ISO-8601 timestamp (any fraction length, any offset) to UTC epoch ms. Fractions beyond ms are
 * truncated, like DuckDB does with .NET's 7 digits. No offset means UTC: Dataverse writes UTC.
 */
export function parseTimestamp(value: unknown, what: string): number {
    if (typeof value !== "string") throw new QuarantineError(`wrong type for ${what}: expected a timestamp string, got ${typeName(value)}`);
    const m = ISO.exec(value.trim());
    if (!m) throw new QuarantineError(`unparseable timestamp for ${what}: ${JSON.stringify(value.slice(0, 40))}`);
    const [, y, mo, d, h, mi, s, frac, off] = m;
    const ms = frac ? Number((frac + "00").slice(0, 3)) : 0;
    let t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
    if (off && off.toUpperCase() !== "Z") {
        const sign = off.startsWith("-") ? -1 : 1;
        const digits = off.slice(1).replace(":", "");
        t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
    if (!Number.isFinite(t)) throw new QuarantineError(`invalid timestamp for ${what}: ${JSON.stringify(value)}`);
    return t;
}

const TIMESPAN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/** Duration as ms: a number of ms, a numeric string, or a .NET TimeSpan `[d.]hh:mm:ss[.fffffff]`. */
export function parseDuration(value: unknown, what: string): number {
    let ms: number;
    if (typeof value === "number") ms = value;
    else if (typeof value === "string") {
        const t = value.trim();
        const m = TIMESPAN.exec(t);
        if (m) {
            const [, neg, days, h, mi, s, frac] = m;
            ms = ((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(mi)) * 60_000 + Number(s) * 1000 + (frac ? Number((frac + "00").slice(0, 3)) : 0);
            if (neg) ms = -ms;
        } else if (t !== "" && Number.isFinite(Number(t))) ms = Number(t);
        else throw new QuarantineError(`unparseable duration for ${what}: ${JSON.stringify(t.slice(0, 40))}`);
    } else throw new QuarantineError(`wrong type for ${what}: expected a number or a duration string, got ${typeName(value)}`);
    if (!Number.isFinite(ms)) throw new QuarantineError(`invalid duration for ${what}`);
    if (ms < 0) throw new QuarantineError(`negative duration for ${what}: ${String(value)}`);
    return Math.trunc(ms);
}

export const MAX_STRING = 1024 * 1024;

/** A text field: strings as-is, numbers stringified; anything else is a wrong type. Over 1 MB is refused. */
export function parseText(value: unknown, what: string): string {
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (typeof value !== "string") throw new QuarantineError(`wrong type for ${what}: expected a string, got ${typeName(value)}`);
    if (value.length > MAX_STRING) throw new QuarantineError(`string longer than 1 MB in ${what} (${value.length} chars)`);
    return value;
}

export function parseInteger(value: unknown, what: string): number {
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n)) throw new QuarantineError(`wrong type for ${what}: expected an integer, got ${typeName(value)}`);
    return n;
}

export function typeName(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    return typeof v;
}
