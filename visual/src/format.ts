/** Locale-aware formatting through Intl, keyed by the report's locale (host.locale). */
export class Formatter {
    private readonly integer: Intl.NumberFormat;
    private readonly decimal: Intl.NumberFormat;
    private readonly percent: Intl.NumberFormat;
    private readonly dateTime: Intl.DateTimeFormat;
    private readonly date: Intl.DateTimeFormat;

    constructor(readonly locale: string) {
        const safe = Formatter.supported(locale);
        this.integer = new Intl.NumberFormat(safe, { maximumFractionDigits: 0 });
        this.decimal = new Intl.NumberFormat(safe, { maximumFractionDigits: 3 });
        this.percent = new Intl.NumberFormat(safe, { style: "percent", maximumFractionDigits: 1 });
        this.dateTime = new Intl.DateTimeFormat(safe, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3 });
        this.date = new Intl.DateTimeFormat(safe, { year: "numeric", month: "2-digit", day: "2-digit" });
    }

    private static supported(locale: string): string {
        try {
            return Intl.NumberFormat.supportedLocalesOf([locale]).length ? locale : "en-US";
        } catch {
            return "en-US";
        }
    }

    count(n: number): string {
        return this.integer.format(n);
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
            return `${ms < 0 ? "-" : ""}${this.integer.format(m)} min ${this.decimal.format(Math.round((abs - m * 60_000) / 100) / 10)} s`;
        }
        const h = Math.floor(abs / 3_600_000);
        return `${ms < 0 ? "-" : ""}${this.integer.format(h)} h ${this.integer.format(Math.floor((abs - h * 3_600_000) / 60_000))} min`;
    }

    timestamp(epochMs: number): string {
        return Number.isFinite(epochMs) ? this.dateTime.format(new Date(epochMs)) : "";
    }

    day(epochMs: number): string {
        return this.date.format(new Date(epochMs));
    }
}
