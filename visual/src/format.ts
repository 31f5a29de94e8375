import { DATE_OPTIONS, DateKind, PlainFormats, localeSpec } from "./localeFormats";

/**
 * Locale-aware formatting keyed by the report's locale (host.locale): through Intl, except numbers, dates
 * and clock times in the locales localeFormats.ts knows, which it prints as Intl would without the first
 * Intl format's cost to a first paint.
 */
export class Formatter {
    private readonly safe: string;
    private cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
    private readonly plain: PlainFormats | null;

    constructor(readonly locale: string) {
        this.safe = Formatter.supported(locale);
        const spec = localeSpec(this.safe);
        this.plain = spec ? new PlainFormats(spec) : null;
    }

    /**
     * Intl falls back to the default locale by itself for locales it lacks; only a malformed tag throws.
     * (supportedLocalesOf would load locale data up front: tens of ms before the first paint.)
     */
    private static supported(locale: string): string {
        try {
            return Intl.getCanonicalLocales(locale)[0] ?? "en-US";
        } catch {
            return "en-US";
        }
    }

    /** Intl formats are made on first use: making all of them up front costs a first paint tens of ms. */
    private num(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
        let f = this.cache.get(key) as Intl.NumberFormat | undefined;
        if (!f) { f = new Intl.NumberFormat(this.safe, options); this.cache.set(key, f); }
        return f;
    }

    private dt(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
        let f = this.cache.get(key) as Intl.DateTimeFormat | undefined;
        if (!f) { f = new Intl.DateTimeFormat(this.safe, options); this.cache.set(key, f); }
        return f;
    }

    private get integer(): Intl.NumberFormat { return this.num("integer", { maximumFractionDigits: 0 }); }
    private get decimal(): Intl.NumberFormat { return this.num("decimal", { maximumFractionDigits: 3 }); }
    private get percent(): Intl.NumberFormat { return this.num("percent", { style: "percent", maximumFractionDigits: 1 }); }
    private get dateTime(): Intl.DateTimeFormat {
        return this.dt("dateTime", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3 });
    }

    /** Up to three decimals (durations, tooltip numbers). */
    private dec(n: number): string {
        return this.plain?.decimal(n, 3) ?? this.decimal.format(n);
    }

    /**
     * Whole numbers go through the decimal format, which prints them exactly as the integer one does: one Intl
     * format less to build on a first paint (durations and counts are both on it).
     */
    count(n: number): string {
        return Number.isInteger(n) ? this.dec(n) : this.plain?.decimal(n, 0) ?? this.integer.format(n);
    }

    number(n: number): string {
        return this.dec(n);
    }

    rate(r: number): string {
        return this.percent.format(r);
    }

    /** Durations keep millisecond precision: 845 ms, 12.345 s, 3 min 4.5 s, 2 h 3 min. */
    duration(ms: number): string {
        if (!Number.isFinite(ms)) return "";
        const abs = Math.abs(ms);
        if (abs < 1000) return `${this.dec(ms)} ms`;
        if (abs < 60_000) return `${this.dec(ms / 1000)} s`;
        if (abs < 3_600_000) {
            const m = Math.floor(abs / 60_000);
            return `${ms < 0 ? "-" : ""}${this.count(m)} min ${this.dec(Math.round((abs - m * 60_000) / 100) / 10)} s`;
        }
        const h = Math.floor(abs / 3_600_000);
        return `${ms < 0 ? "-" : ""}${this.count(h)} h ${this.count(Math.floor((abs - h * 3_600_000) / 60_000))} min`;
    }

    timestamp(epochMs: number): string {
        return Number.isFinite(epochMs) ? this.dateTime.format(new Date(epochMs)) : "";
    }

    /** A date format of the visual (see DATE_OPTIONS), written without Intl where the locale allows it. */
    private formatDate(kind: DateKind, epochMs: number): string {
        if (!Number.isFinite(epochMs)) return "";
        return this.plain?.date(kind, epochMs) ?? this.dt(kind, DATE_OPTIONS[kind]).format(new Date(epochMs));
    }

    /**
     * Clock time in the viewer's time zone, as precise as the axis step needs: 14:05, 14:05:30,
     * 14:05:30.250; a step of a day or more gives the date.
     */
    clock(epochMs: number, stepMs: number): string {
        return this.formatDate(stepMs >= 86_400_000 ? "day" : stepMs >= 60_000 ? "hm" : stepMs >= 1000 ? "hms" : "hmsf", epochMs);
    }

    /** Date and time to the minute, for run labels: 05/01/2026, 14:05. */
    minute(epochMs: number): string {
        return this.formatDate("minute", epochMs);
    }

    day(epochMs: number): string {
        return this.formatDate("day", epochMs);
    }
}
