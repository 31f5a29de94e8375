import { QuarantineError } from "./action-record.js";

/**
 * Value parsers for log fields. Each either returns a value in range for its Parquet column, returns
 * null for a value the log itself marks as unknown, or throws FieldProblem: the caller turns that into a
 * per-action warning and a null field (docs/data-contract.md, "Decode warnings"). Nothing here rolls a
 * bad value over into a plausible-looking one.
 */
export class FieldProblem extends Error {}

/**
 * What a value is called in a reason: `what`, or `what.key`. Joined only on failure: joining them for
 * every field of every action beforehand was a noticeable part of the decode time.
 */
const label = (what: string, key: string | undefined): string => (key === undefined ? what : `${what}.${key}`);

/** A timestamp as UTC epoch ms plus the 100 ns ticks within that ms (.NET's 7 digits), for ordering. */
export interface Instant {
    ms: number;
    /** 0..9999: the fraction digits beyond ms, so sub-millisecond order survives ms storage. */
    sub: number;
}

/** Years outside this range are not real action times (DateTime.MinValue, epoch zero, overflowed ticks). */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2200;
const MIN_MS = Date.UTC(MIN_YEAR, 0, 1);
const MAX_MS = Date.UTC(MAX_YEAR + 1, 0, 1) - 1;

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * ISO-8601 timestamp (any fraction length, any offset; no offset means UTC, which is what Dataverse and
 * PAD write) to an Instant. Null for "unknown": null, an empty string, or a year before 1970 (.NET's
 * `0001-01-01T00:00:00` marks an action that never ended). Every field is range-checked: 2026-02-30,
 * month 13 or 25:99 are problems, never rolled over into another date.
 */
export function parseInstant(value: unknown, what: string, key?: string): Instant | null {
    if (value === null || value === undefined || value === "") return null;
    if (typeof value !== "string") throw new FieldProblem(`wrong type for ${label(what, key)}: expected a timestamp string, got ${typeName(value)}`);
    const fast = canonicalUtc(value);
    if (fast !== null) return fast;
    const m = ISO.exec(value.trim());
    if (!m) throw new FieldProblem(`unparseable timestamp for ${label(what, key)}: ${JSON.stringify(value.slice(0, 40))}`);
    const [, ys, mos, ds, hs, mis, ss, frac, off] = m;
    const y = +ys, mo = +mos, d = +ds, h = +hs, mi = +mis, s = +ss;
    if (y < MIN_YEAR) return null;
    if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && leap(y) ? 29 : DAYS[mo - 1]) || h > 23 || mi > 59 || s > 59) {
        throw new FieldProblem(`invalid timestamp for ${label(what, key)}: ${JSON.stringify(value.slice(0, 40))} (no such date or time)`);
    }
    const digits = ((frac ?? "") + "0000000").slice(0, 7);
    let ms = Date.UTC(y, mo - 1, d, h, mi, s, Number(digits.slice(0, 3)));
    if (off && off.toUpperCase() !== "Z") {
        const sign = off.startsWith("-") ? -1 : 1;
        const od = off.slice(1).replace(":", "");
        const oh = Number(od.slice(0, 2)), om = Number(od.slice(2));
        if (oh > 14 || om > 59) throw new FieldProblem(`invalid offset for ${label(what, key)}: ${JSON.stringify(off)}`);
        ms -= sign * (oh * 60 + om) * 60_000;
    }
    if (ms < MIN_MS) return null;
    if (ms > MAX_MS) throw new FieldProblem(`timestamp out of range for ${label(what, key)}: ${JSON.stringify(value.slice(0, 40))} (after ${MAX_YEAR})`);
    return { ms, sub: Number(digits.slice(3)) };
}

/** parseInstant's ms, for callers that do not order (run rows): null when unknown or unreadable. */
export function parseTimestampOrNull(value: unknown): number | null {
    try {
        return parseInstant(value, "timestamp")?.ms ?? null;
    } catch {
        return null;
    }
}

const digitAt = (s: string, i: number): number => {
    const c = s.charCodeAt(i) - 48;
    return c >= 0 && c <= 9 ? c : -1;
};

/**
 * The shapes Dataverse and PAD write almost always, `yyyy-MM-ddTHH:mm:ss[.fff|.fffffff]Z`, read without
 * the regex (a tenth of a build's decode time went there). Returns null (take the general path) for
 * anything else, including out-of-range fields, so both paths apply the same checks.
 */
function canonicalUtc(v: string): Instant | null {
    const n = v.length;
    if (n !== 20 && n !== 24 && n !== 28) return null;
    if (v[4] !== "-" || v[7] !== "-" || v[10] !== "T" || v[13] !== ":" || v[16] !== ":" || v[n - 1] !== "Z") return null;
    if (n > 20 && v[19] !== ".") return null;
    const num = (from: number, len: number): number => {
        let x = 0;
        for (let i = from; i < from + len; i++) {
            const d = digitAt(v, i);
            if (d < 0) return -1;
            x = x * 10 + d;
        }
        return x;
    };
    const y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), s = num(17, 2);
    const ms = n > 20 ? num(20, 3) : 0;
    const sub = n === 28 ? num(23, 4) : 0;
    if (y < MIN_YEAR || y > MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > 28 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || ms < 0 || sub < 0) {
        return null; // rare or invalid: the general path decides (days 29-31 need the month's length)
    }
    return { ms: Date.UTC(y, mo - 1, d, h, mi, s, ms), sub };
}

/** Longest duration a BIGINT ms column takes from a JS number without losing precision. */
export const MAX_DURATION_MS = Number.MAX_SAFE_INTEGER;

const TIMESPAN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/** Duration as ms: a number of ms, a numeric string, or a .NET TimeSpan `[d.]hh:mm:ss[.fffffff]`. Null when absent. */
export function parseDuration(value: unknown, what: string, key?: string): number | null {
    if (value === null || value === undefined || value === "") return null;
    let ms: number;
    if (typeof value === "number") ms = value;
    else if (typeof value === "string") {
        const t = value.trim();
        const m = TIMESPAN.exec(t);
        if (m) {
            const [, neg, days, h, mi, s, frac] = m;
            if (Number(mi) > 59 || Number(s) > 59) throw new FieldProblem(`invalid duration for ${label(what, key)}: ${JSON.stringify(t.slice(0, 40))}`);
            ms = ((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(mi)) * 60_000 + Number(s) * 1000 + (frac ? Number((frac + "00").slice(0, 3)) : 0);
            if (neg) ms = -ms;
        } else if (t !== "" && Number.isFinite(Number(t))) ms = Number(t);
        else throw new FieldProblem(`unparseable duration for ${label(what, key)}: ${JSON.stringify(t.slice(0, 40))}`);
    } else throw new FieldProblem(`wrong type for ${label(what, key)}: expected a number or a duration string, got ${typeName(value)}`);
    if (!Number.isFinite(ms)) throw new FieldProblem(`invalid duration for ${label(what, key)}`);
    if (ms < 0) throw new FieldProblem(`negative duration for ${label(what, key)}: ${String(value).slice(0, 40)}`);
    if (ms > MAX_DURATION_MS) throw new FieldProblem(`duration out of range for ${label(what, key)}: ${String(value).slice(0, 40)}`);
    return Math.trunc(ms);
}

export const MAX_STRING = 1024 * 1024;

/**
 * A text field: strings (made well-formed: a lone surrogate, which DuckDB's JSON reader rejects, becomes
 * U+FFFD), numbers and booleans stringified; null when absent. Over 1 MB is a problem.
 */
export function parseText(value: unknown, what: string, key?: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (typeof value !== "string") throw new FieldProblem(`wrong type for ${label(what, key)}: expected a string, got ${typeName(value)}`);
    if (value.length > MAX_STRING) throw new FieldProblem(`string longer than 1 MB in ${label(what, key)} (${value.length} chars)`);
    return wellFormed(value);
}

/** Lone surrogates replaced by U+FFFD; the common case (already well-formed) costs one scan and no copy. */
export function wellFormed(s: string): string {
    return s.isWellFormed() ? s : s.toWellFormed();
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** An INTEGER column value: an integer (or integer string) within 32 bits, or null when absent. */
export function parseInt32(value: unknown, what: string, key?: string, min = INT32_MIN): number | null {
    if (value === null || value === undefined || value === "") return null;
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n)) throw new FieldProblem(`wrong type for ${label(what, key)}: expected an integer, got ${typeName(value)}`);
    if (n < min || n > INT32_MAX) throw new FieldProblem(`integer out of range for ${label(what, key)}: ${String(value).slice(0, 40)}`);
    return n;
}

/** A BOOLEAN column value: true/false or their strings; null when absent. */
export function parseBoolean(value: unknown, what: string, key?: string): boolean | null {
    if (value === null || value === undefined) return null;
    if (typeof value === "boolean") return value;
    if (typeof value === "string") {
        const t = value.trim().toLowerCase();
        if (t === "true") return true;
        if (t === "false") return false;
    }
    throw new FieldProblem(`wrong type for ${label(what, key)}: expected true or false, got ${typeName(value)}`);
}

export function typeName(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    return typeof v;
}

/** Kept for the document-level checks that still quarantine (nothing readable at all). */
export { QuarantineError };
