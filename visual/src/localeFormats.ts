/**
 * The report locale's digits-only formats, written without Intl for common locales: on a fresh page the first
 * Intl.NumberFormat or Intl.DateTimeFormat costs Chromium 15-35 ms whatever its options (ICU's locale data is
 * set up once per process), and a first paint shows counts, durations, dates and clock times. For the locales
 * below these functions print exactly what Intl prints with the same options (the visual's tests compare them,
 * in Node and in Chromium, over many values and time zones); any other locale, and any value outside what they
 * handle (see `decimal` and `date`), goes to Intl.
 *
 * Only locales with Latin digits and the Gregorian calendar are here: one whose digits or calendar differ
 * (Arabic, Thai) is left to Intl, as are those whose Intl output differed between Node's ICU and Chromium's
 * when the table was made (bg, zh-TW, zh-HK) or that Chromium's ICU lacks (eu, gl, kk).
 */

/** A locale's separators and date order (see SPECS). */
export interface LocaleSpec {
    /** Day pattern ({y} numeric year, {M} and {d} two digits), as Intl's year numeric, month and day 2-digit. */
    date: string;
    /** Between the date and the time in a date with hour and minute. */
    glue: string;
    /** Between hours, minutes and seconds (two digits each, 24-hour clock). */
    time: string;
    decimal: string;
    group: string;
    /** Before a negative number (with a left-to-right mark in Hebrew). */
    minus: string;
    /** Group size after the first (thousands) group: 2 in Indian English and Hindi (12,34,567). */
    secondary?: number;
    /** Digits the integer part must have beyond the first group before it is grouped: 2 prints 1234 ungrouped. */
    minGrouping?: number;
    /** The time before the date (Vietnamese). */
    timeFirst?: boolean;
}

/** Locale tags (canonical, as Intl.getCanonicalLocales gives them) sharing a spec. */
const SPECS: ReadonlyArray<[string, LocaleSpec]> = [
    ["en-US en", { date: "{M}/{d}/{y}", glue: ", ", time: ":", decimal: ".", group: ",", minus: "-" }],
    ["en-GB en-AU en-IE en-NZ es-MX es-US ms-MY", { date: "{d}/{M}/{y}", glue: ", ", time: ":", decimal: ".", group: ",", minus: "-" }],
    ["en-CA", { date: "{y}-{M}-{d}", glue: ", ", time: ":", decimal: ".", group: ",", minus: "-" }],
    ["en-IN hi-IN", { date: "{d}/{M}/{y}", glue: ", ", time: ":", decimal: ".", group: ",", minus: "-", secondary: 2 }],
    ["en-ZA", { date: "{y}/{M}/{d}", glue: ", ", time: ":", decimal: ",", group: "\u00a0", minus: "-" }],
    ["de-DE de ro-RO", { date: "{d}.{M}.{y}", glue: ", ", time: ":", decimal: ",", group: ".", minus: "-" }],
    ["de-AT ru-RU uk-UA", { date: "{d}.{M}.{y}", glue: ", ", time: ":", decimal: ",", group: "\u00a0", minus: "-" }],
    ["de-CH", { date: "{d}.{M}.{y}", glue: ", ", time: ":", decimal: ".", group: "'", minus: "-" }],
    ["fr-FR fr-BE fr", { date: "{d}/{M}/{y}", glue: " ", time: ":", decimal: ",", group: "\u202f", minus: "-" }],
    ["fr-CH", { date: "{d}.{M}.{y}", glue: " ", time: ":", decimal: ",", group: "\u202f", minus: "-" }],
    ["es-ES es it-IT it", { date: "{d}/{M}/{y}", glue: ", ", time: ":", decimal: ",", group: ".", minus: "-", minGrouping: 2 }],
    ["pt-BR pt nl-BE el-GR", { date: "{d}/{M}/{y}", glue: ", ", time: ":", decimal: ",", group: ".", minus: "-" }],
    ["pt-PT", { date: "{d}/{M}/{y}", glue: ", ", time: ":", decimal: ",", group: "\u00a0", minus: "-", minGrouping: 2 }],
    ["nl-NL nl", { date: "{d}-{M}-{y}", glue: ", ", time: ":", decimal: ",", group: ".", minus: "-" }],
    ["sv-SE lt-LT", { date: "{y}-{M}-{d}", glue: " ", time: ":", decimal: ",", group: "\u00a0", minus: "\u2212" }],
    ["da-DK", { date: "{d}.{M}.{y}", glue: ", ", time: ".", decimal: ",", group: ".", minus: "-" }],
    ["nb-NO", { date: "{d}.{M}.{y}", glue: ", ", time: ":", decimal: ",", group: "\u00a0", minus: "\u2212" }],
    ["fi-FI", { date: "{d}.{M}.{y}", glue: " klo ", time: ".", decimal: ",", group: "\u00a0", minus: "\u2212" }],
    ["pl-PL", { date: "{d}.{M}.{y}", glue: ", ", time: ":", decimal: ",", group: "\u00a0", minus: "-", minGrouping: 2 }],
    ["cs-CZ sk-SK", { date: "{d}. {M}. {y}", glue: " ", time: ":", decimal: ",", group: "\u00a0", minus: "-" }],
    ["hu-HU", { date: "{y}. {M}. {d}.", glue: " ", time: ":", decimal: ",", group: "\u00a0", minus: "-", minGrouping: 2 }],
    ["tr-TR", { date: "{d}.{M}.{y}", glue: " ", time: ":", decimal: ",", group: ".", minus: "-" }],
    ["hr-HR", { date: "{d}. {M}. {y}.", glue: " ", time: ":", decimal: ",", group: ".", minus: "\u2212" }],
    ["sl-SI", { date: "{d}. {M}. {y}", glue: ", ", time: ":", decimal: ",", group: ".", minus: "\u2212", minGrouping: 2 }],
    ["sr-Latn-RS sr-Cyrl-RS", { date: "{d}.{M}.{y}.", glue: " ", time: ":", decimal: ",", group: ".", minus: "-" }],
    ["et-EE", { date: "{d}.{M}.{y}", glue: ", ", time: ":", decimal: ",", group: "\u00a0", minus: "\u2212", minGrouping: 2 }],
    ["lv-LV", { date: "{d}.{M}.{y}", glue: " ", time: ":", decimal: ",", group: "\u00a0", minus: "-", minGrouping: 2 }],
    ["ca-ES", { date: "{d}/{M}/{y}", glue: " ", time: ":", decimal: ",", group: ".", minus: "-" }],
    ["id-ID", { date: "{d}/{M}/{y}", glue: ", ", time: ".", decimal: ",", group: ".", minus: "-" }],
    ["vi-VN", { date: "{d}/{M}/{y}", glue: " ", time: ":", decimal: ",", group: ".", minus: "-", timeFirst: true }],
    ["ja-JP zh-CN ja zh", { date: "{y}/{M}/{d}", glue: " ", time: ":", decimal: ".", group: ",", minus: "-" }],
    ["ko-KR ko", { date: "{y}. {M}. {d}.", glue: " ", time: ":", decimal: ".", group: ",", minus: "-" }],
    ["he-IL", { date: "{d}.{M}.{y}", glue: ", ", time: ":", decimal: ".", group: ",", minus: "\u200e-" }],
];

/** The spec of a canonical locale tag, or null when Intl must format for it. */
export function localeSpec(locale: string): LocaleSpec | null {
    for (const [tags, spec] of SPECS) if (tags.split(" ").includes(locale)) return spec;
    return null;
}

/** Every locale with a spec (for tests). */
export function plainLocales(): string[] {
    return SPECS.flatMap(([tags]) => tags.split(" "));
}

/** The visual's date and time formats, by name, and their Intl.DateTimeFormat options. */
export type DateKind = "day" | "minute" | "hm" | "hms" | "hmsf";

export const DATE_OPTIONS: Readonly<Record<DateKind, Intl.DateTimeFormatOptions>> = {
    day: { year: "numeric", month: "2-digit", day: "2-digit" },
    minute: { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
    hm: { hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
    hms: { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" },
    hmsf: { hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, hourCycle: "h23" },
};

/** A pattern as literal text and fields: 0 year, 1 month, 2 day, 3 hour, 4 minute, 5 second, 6 milliseconds. */
type Pattern = Array<string | number>;

const FIELDS = "yMdHmsf";

function compile(pattern: string): Pattern {
    const out: Pattern = [];
    for (const piece of pattern.split(/(\{[yMdHmsf]\})/)) {
        if (piece.length === 3 && piece[0] === "{") out.push(FIELDS.indexOf(piece[1]));
        else if (piece) out.push(piece);
    }
    return out;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * Earliest and latest local years printed here; other dates go to Intl, which prints years before 1000
 * unpadded and dates before October 1582 in the Julian calendar (the patterns do neither), and whose time
 * zones' older offsets are not worth checking against.
 */
const FIRST_YEAR = 1900;
const LAST_YEAR = 9999;

/** Formats for one locale spec; each returns null for a value it leaves to Intl. */
export class PlainFormats {
    private readonly patterns: Record<DateKind, Pattern>;
    private readonly grouping: number;

    constructor(private readonly spec: LocaleSpec) {
        const t = spec.time;
        const hm = `{H}${t}{m}`;
        const hms = `${hm}${t}{s}`;
        this.patterns = {
            day: compile(spec.date),
            minute: compile(spec.timeFirst ? `${hm}${spec.glue}${spec.date}` : `${spec.date}${spec.glue}${hm}`),
            hm: compile(hm),
            hms: compile(hms),
            hmsf: compile(`${hms}${spec.decimal}{f}`),
        };
        this.grouping = 3 + (spec.minGrouping ?? 1);
    }

    /**
     * As Intl.NumberFormat with maximumFractionDigits `maxFraction` (0-3) and the locale's grouping: rounded
     * half away from zero on the shortest decimal form of the number (as ICU does: 1.0005 gives 1.001, where
     * toFixed gives 1.000), trailing zeros dropped, the sign kept on a negative number that rounds to 0.
     * Null for NaN, infinities and magnitudes of 1e21 and more.
     */
    decimal(x: number, maxFraction: number): string | null {
        if (!Number.isFinite(x)) return null;
        const negative = x < 0 || Object.is(x, -0);
        const abs = Math.abs(x);
        if (abs >= 1e21) return null;
        const s = String(abs);
        let int: string, frac: string;
        // Below 1e-6 the shortest form has an exponent; such a number rounds to 0 at 3 digits or fewer.
        if (s.includes("e")) { int = "0"; frac = ""; } else {
            const dot = s.indexOf(".");
            int = dot < 0 ? s : s.slice(0, dot);
            frac = dot < 0 ? "" : s.slice(dot + 1);
        }
        if (frac.length > maxFraction) {
            const up = frac.charCodeAt(maxFraction) >= 53; // "5" or more: away from zero
            frac = frac.slice(0, maxFraction);
            if (up) {
                const digits = increment(int + frac);
                int = digits.slice(0, digits.length - frac.length);
                frac = digits.slice(digits.length - frac.length);
            }
        }
        let end = frac.length;
        while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
        frac = frac.slice(0, end);
        const sp = this.spec;
        return `${negative ? sp.minus : ""}${this.group(int)}${frac ? sp.decimal + frac : ""}`;
    }

    /** As the Intl.DateTimeFormat named by `kind` in the viewer's time zone; null outside FIRST_YEAR-LAST_YEAR. */
    date(kind: DateKind, epochMs: number): string | null {
        const d = new Date(epochMs);
        const year = d.getFullYear();
        if (!(year >= FIRST_YEAR && year <= LAST_YEAR)) return null;
        let out = "";
        for (const p of this.patterns[kind]) {
            if (typeof p === "string") { out += p; continue; }
            switch (p) {
                case 0: out += year; break;
                case 1: out += pad2(d.getMonth() + 1); break;
                case 2: out += pad2(d.getDate()); break;
                case 3: out += pad2(d.getHours()); break;
                case 4: out += pad2(d.getMinutes()); break;
                case 5: out += pad2(d.getSeconds()); break;
                default: { const ms = d.getMilliseconds(); out += ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : String(ms); }
            }
        }
        return out;
    }

    /** The integer digits with the locale's group separators. */
    private group(int: string): string {
        const n = int.length;
        if (n < this.grouping) return int;
        const sep = this.spec.group, secondary = this.spec.secondary ?? 3;
        let out = int.slice(n - 3);
        let i = n - 3;
        while (i > 0) {
            const from = Math.max(0, i - secondary);
            out = `${int.slice(from, i)}${sep}${out}`;
            i = from;
        }
        return out;
    }
}

/** A string of decimal digits plus one ("0999" gives "1000", "999" gives "1000"). */
function increment(digits: string): string {
    const a = digits.split("");
    let i = a.length - 1;
    while (i >= 0 && a[i] === "9") { a[i] = "0"; i--; }
    if (i < 0) return `1${a.join("")}`;
    a[i] = String.fromCharCode(a[i].charCodeAt(0) + 1);
    return a.join("");
}
