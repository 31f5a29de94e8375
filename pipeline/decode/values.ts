import { QuarantineError } from "./action-record.js";

/**
 * What a value is called in a quarantine reason: `what`, or `what.key`. The parsers take the two
 * parts and join them only when they fail: joining them for every field of every action beforehand
 * was a noticeable part of the decode time.
 */
const label = (what: string, key: string | undefined): string => (key === undefined ? what : `${what}.${key}`);

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * ISO-8601 timestamp (any fraction length, any offset) to UTC epoch ms. Fractions beyond ms are
 * truncated, like DuckDB does with .NET's 7 digits. No offset means UTC: Dataverse writes UTC.
 */
export function parseTimestamp(value: unknown, what: string, key?: string): number {
    if (typeof value !== "string") throw new QuarantineError(`wrong type for ${label(what, key)}: expected a timestamp string, got ${typeName(value)}`);
    const fast = canonicalUtc(value);
    if (fast !== null) return fast;
    const m = ISO.exec(value.trim());
    if (!m) throw new QuarantineError(`unparseable timestamp for ${label(what, key)}: ${JSON.stringify(value.slice(0, 40))}`);
    const [, y, mo, d, h, mi, s, frac, off] = m;
    const ms = frac ? Number((frac + "00").slice(0, 3)) : 0;
    let t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
    if (off && off.toUpperCase() !== "Z") {
        const sign = off.startsWith("-") ? -1 : 1;
        const digits = off.slice(1).replace(":", "");
        t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
    if (!Number.isFinite(t)) throw new QuarantineError(`invalid timestamp for ${label(what, key)}: ${JSON.stringify(value)}`);
    return t;
}

const digitAt = (s: string, i: number): number => {
    const c = s.charCodeAt(i) - 48;
    return c >= 0 && c <= 9 ? c : -1;
};

/**
 * The shape Dataverse and the logs write almost always, `yyyy-MM-ddTHH:mm:ss[.fff]Z`, read without
 * the regex (a tenth of a build's decode time went there). Same Date.UTC call as the general path,
 * so the same result; anything else returns null and takes the general path.
 */
function canonicalUtc(v: string): number | null {
    const n = v.length;
    if (n !== 20 && n !== 24) return null;
    if (v[4] !== "-" || v[7] !== "-" || v[10] !== "T" || v[13] !== ":" || v[16] !== ":" || v[n - 1] !== "Z") return null;
    if (n === 24 && v[19] !== ".") return null;
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
    const ms = n === 24 ? num(20, 3) : 0;
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || ms < 0) return null;
    const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    return Number.isFinite(t) ? t : null;
}

const TIMESPAN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/** Duration as ms: a number of ms, a numeric string, or a .NET TimeSpan `[d.]hh:mm:ss[.fffffff]`. */
export function parseDuration(value: unknown, what: string, key?: string): number {
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
        else throw new QuarantineError(`unparseable duration for ${label(what, key)}: ${JSON.stringify(t.slice(0, 40))}`);
    } else throw new QuarantineError(`wrong type for ${label(what, key)}: expected a number or a duration string, got ${typeName(value)}`);
    if (!Number.isFinite(ms)) throw new QuarantineError(`invalid duration for ${label(what, key)}`);
    if (ms < 0) throw new QuarantineError(`negative duration for ${label(what, key)}: ${String(value)}`);
    return Math.trunc(ms);
}

export const MAX_STRING = 1024 * 1024;

/** A text field: strings as-is, numbers stringified; anything else is a wrong type. Over 1 MB is refused. */
export function parseText(value: unknown, what: string, key?: string): string {
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (typeof value !== "string") throw new QuarantineError(`wrong type for ${label(what, key)}: expected a string, got ${typeName(value)}`);
    if (value.length > MAX_STRING) throw new QuarantineError(`string longer than 1 MB in ${label(what, key)} (${value.length} chars)`);
    return value;
}

export function parseInteger(value: unknown, what: string, key?: string): number {
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n)) throw new QuarantineError(`wrong type for ${label(what, key)}: expected an integer, got ${typeName(value)}`);
    return n;
}

export function typeName(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    return typeof v;
}
