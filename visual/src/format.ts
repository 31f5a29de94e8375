/** Locale-aware formatting through Intl, keyed by the report's locale (host.locale). */
export class Formatter {
    private readonly safe: string;
    private cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

    constructor(readonly locale: string) {
        this.safe = Formatter.supported(locale);
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
    private get date(): Intl.DateTimeFormat { return this.dt("date", { year: "numeric", month: "2-digit", day: "2-digit" }); }

    /**
     * Whole numbers go through the decimal format, which prints them exactly as the integer one does: one Intl
     * format less to build on a first paint (durations and counts are both on it).
     */
    count(n: number): string {
        return Number.isInteger(n) ? this.decimal.format(n) : this.integer.format(n);
    }

    number(n: number): string {
        return this.decimal.format(n);
    }

    rate(r: number): string {
        return this.percent.format(r);
    }

    /** Durations keep millisecond precision: 845 ms, 12.345 s, 3 min 4.5 s, 2 h 3 min. */
    duration(ms: number): string {
        if (!Number.isFinite(ms)) return "";
        const abs = Math.abs(ms);
        if (abs < 1000) return `${this.decimal.format(ms)} ms`;
        if (abs < 60_000) return `${this.decimal.format(ms / 1000)} s`;
        if (abs < 3_600_000) {
            const m = Math.floor(abs / 60_000);
            return `${ms < 0 ? "-" : ""}${this.count(m)} min ${this.decimal.format(Math.round((abs - m * 60_000) / 100) / 10)} s`;
        }
        const h = Math.floor(abs / 3_600_000);
        return `${ms < 0 ? "-" : ""}${this.count(h)} h ${this.count(Math.floor((abs - h * 3_600_000) / 60_000))} min`;
    }

    timestamp(epochMs: number): string {
        return Number.isFinite(epochMs) ? this.dateTime.format(new Date(epochMs)) : "";
    }

    /**
     * Clock time in the viewer's time zone, as precise as the axis step needs: 14:05, 14:05:30,
     * 14:05:30.250; a step of a day or more gives the date.
     */
    clock(epochMs: number, stepMs: number): string {
        if (!Number.isFinite(epochMs)) return "";
        if (stepMs >= 86_400_000) return this.day(epochMs);
        const f = stepMs >= 60_000 ? this.dt("hm", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
            : stepMs >= 1000 ? this.dt("hms", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
                : this.dt("hmsf", { hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, hourCycle: "h23" });
        return f.format(new Date(epochMs));
    }

    /** Date and time to the minute, for run labels: 05/01/2026, 14:05. */
    minute(epochMs: number): string {
        return Number.isFinite(epochMs) ? this.dt("minute", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(epochMs)) : "";
    }

    day(epochMs: number): string {
        return Number.isFinite(epochMs) ? this.date.format(new Date(epochMs)) : "";
    }
}
