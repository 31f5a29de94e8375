import { afterAll, describe, expect, it } from "vitest";
import { Formatter } from "../../../visual/src/format.js";
import { DATE_OPTIONS, DateKind, PlainFormats, localeSpec, plainLocales } from "../../../visual/src/localeFormats.js";
import { numberCases, timeCases } from "../formatCases.js";

/** Zones with summer time, half-hour and 45-minute offsets, and each one's offset on 1 July 2026 (as getTimezoneOffset gives it). */
const ZONES: Array<[string, number]> = [["UTC", 0], ["America/New_York", 240], ["Europe/Berlin", -120], ["Asia/Kolkata", -330], ["Australia/Lord_Howe", -630], ["America/St_Johns", 150], ["Pacific/Chatham", -765]];

describe("formats without Intl (localeFormats)", () => {
    const zone = process.env.TZ;
    afterAll(() => {
        if (zone === undefined) delete process.env.TZ;
        else process.env.TZ = zone;
    });

    it("covers the report locales it claims, and leaves the others to Intl", () => {
        const locales = plainLocales();
        expect(locales).toEqual(expect.arrayContaining(["en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "ja-JP", "zh-CN", "pt-BR", "nl-NL", "pl-PL", "sv-SE", "hi-IN"]));
        expect(new Set(locales).size).toBe(locales.length);
        for (const l of ["ar-SA", "th-TH", "fa-IR", "zh-TW", "bg-BG", "en-US-u-nu-arab", "de-DE-u-hc-h12", "xx-YY", "en-us"]) expect(localeSpec(l), l).toBeNull();
    });

    it("prints every number as Intl.NumberFormat does, for every locale it knows", () => {
        const cases = numberCases();
        for (const locale of plainLocales()) {
            const plain = new PlainFormats(localeSpec(locale)!);
            for (const digits of [0, 3]) {
                const intl = new Intl.NumberFormat(locale, { maximumFractionDigits: digits });
                for (const x of cases) {
                    const got = plain.decimal(x, digits);
                    if (!Number.isFinite(x) || Math.abs(x) >= 1e21) expect(got, `${locale} ${x}`).toBeNull();
                    else expect(got, `${locale} ${digits} ${x}`).toBe(intl.format(x));
                }
            }
        }
    });

    it("prints every date and clock time as Intl.DateTimeFormat does, in several time zones", () => {
        const cases = timeCases();
        const kinds = Object.keys(DATE_OPTIONS) as DateKind[];
        let compared = 0;
        for (const [tz, julyOffset] of ZONES) {
            // Node resets its time zone when TZ is assigned: Date's local time and Intl's default zone both follow.
            process.env.TZ = tz;
            expect(new Date(Date.UTC(2026, 6, 1)).getTimezoneOffset()).toBe(julyOffset);
            for (const locale of plainLocales()) {
                const plain = new PlainFormats(localeSpec(locale)!);
                for (const kind of kinds) {
                    const intl = new Intl.DateTimeFormat(locale, DATE_OPTIONS[kind]);
                    for (const ms of cases) {
                        const got = plain.date(kind, ms);
                        const year = new Date(ms).getFullYear();
                        if (!(year >= 1900 && year <= 9999)) { expect(got, `${locale} ${kind} ${ms}`).toBeNull(); continue; }
                        expect(got, `${tz} ${locale} ${kind} ${ms}`).toBe(intl.format(ms));
                        compared++;
                    }
                }
            }
        }
        expect(compared).toBeGreaterThan(100_000);
    });

    it("gives the Formatter the same text with and without a spec", () => {
        process.env.TZ = "Europe/Berlin";
        for (const locale of ["en-US", "de-DE", "fr-FR", "hi-IN", "fi-FI", "he-IL", "vi-VN"]) {
            const f = new Formatter(locale);
            const intl = (o: Intl.DateTimeFormatOptions, ms: number): string => new Intl.DateTimeFormat(locale, o).format(ms);
            const num = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
            for (const ms of [Date.UTC(2026, 0, 5, 14, 5, 30, 250), Date.UTC(2026, 6, 1, 23, 59, 59, 999)]) {
                expect(f.day(ms)).toBe(intl(DATE_OPTIONS.day, ms));
                expect(f.minute(ms)).toBe(intl(DATE_OPTIONS.minute, ms));
                expect(f.clock(ms, 300_000)).toBe(intl(DATE_OPTIONS.hm, ms));
                expect(f.clock(ms, 5_000)).toBe(intl(DATE_OPTIONS.hms, ms));
                expect(f.clock(ms, 200)).toBe(intl(DATE_OPTIONS.hmsf, ms));
                expect(f.clock(ms, 86_400_000)).toBe(intl(DATE_OPTIONS.day, ms));
            }
            expect(f.duration(1234.5)).toBe(`${num.format(1.2345)} s`);
            expect(f.duration(845.5)).toBe(`${num.format(845.5)} ms`);
            expect(f.count(1_234_567)).toBe(num.format(1_234_567));
            expect(f.number(-0.0004)).toBe(num.format(-0.0004));
        }
        // A year outside what the patterns print, and NaN, still format (through Intl).
        const en = new Formatter("en-US");
        expect(en.day(Date.UTC(1500, 5, 1))).toBe(new Intl.DateTimeFormat("en-US", DATE_OPTIONS.day).format(Date.UTC(1500, 5, 1)));
        expect(en.number(NaN)).toBe("NaN");
        expect(en.day(NaN)).toBe("");
        // Locales without a spec go through Intl, digits and calendar included.
        const ar = new Formatter("ar-EG");
        expect(ar.count(1234)).toBe(new Intl.NumberFormat("ar-EG", { maximumFractionDigits: 3 }).format(1234));
        const th = new Formatter("th-TH");
        expect(th.day(Date.UTC(2026, 0, 5, 12))).toBe(new Intl.DateTimeFormat("th-TH", DATE_OPTIONS.day).format(Date.UTC(2026, 0, 5, 12)));
    });
});
