/**
 * `--older-than`: an age (`180d`, `26w`, `36h`) or an instant (`2026-06-01`, `2026-06-01T00:00:00Z`), turned
 * into the createdon cutoff: runs created before it are candidates. Months and years are not accepted as
 * units: "6 months" is not one length, and a cutoff must be exact to the millisecond.
 */
export interface Cutoff {
    /** As the user wrote it. */
    olderThan: string;
    /** ISO UTC at millisecond precision: runs with createdon strictly before it. */
    cutoff: string;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Returns the cutoff, or throws an Error whose message says what is accepted. */
export function parseOlderThan(text: string, now: Date = new Date()): Cutoff {
    const value = text.trim();
    const age = /^(\d{1,6})([hdw])$/i.exec(value);
    if (age) {
        const ms = Number(age[1]) * UNIT_MS[age[2].toLowerCase()];
        return { olderThan: value, cutoff: new Date(now.getTime() - ms).toISOString() };
    }
    if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
        // A bare date means midnight UTC, not local midnight: the cutoff must not depend on the machine.
        const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
        if (Number.isFinite(ms)) {
            if (ms > now.getTime()) throw new Error(`--older-than ${value} is in the future`);
            return { olderThan: value, cutoff: new Date(ms).toISOString() };
        }
    }
    throw new Error(`--older-than '${text}': give an age such as 180d, 26w or 48h, or a UTC date such as 2026-06-01`);
}
