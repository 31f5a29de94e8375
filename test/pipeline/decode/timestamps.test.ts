import { describe, expect, it } from "vitest";
import { parseInstant } from "../../../pipeline/decode/values.js";

/** A leading space skips the canonical-shape shortcut, so this is the general (regex) reading of the same text. */
const general = (s: string): unknown => {
    try {
        return parseInstant(` ${s}`, "t");
    } catch (e) {
        return (e as Error).message.replace(/" /, '"');
    }
};
const shortcut = (s: string): unknown => {
    try {
        return parseInstant(s, "t");
    } catch (e) {
        return (e as Error).message;
    }
};

describe("parseInstant", () => {
    it("reads the canonical UTC shapes (3 and 7 fraction digits) exactly like the general parser", () => {
        const samples = [
            "2026-11-07T18:12:37.055Z",
            "2026-11-07T18:12:37Z",
            "1970-01-01T00:00:00.000Z",
            "2024-02-29T23:59:59.999Z",
            "2025-02-29T10:00:00Z",
            "2026-13-40T25:61:61.000Z",
            "0050-06-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
            "2026-11-07T18:12:37.05Z",
            "2026-11-07 18:12:37.055Z",
            "2026-11-07T18:12:37.0551234Z",
            "2026-11-07T18:12:37.055z",
            "2026-1a-07T18:12:37.055Z",
            "2026-04-31T10:00:00.0000000Z",
        ];
        for (const s of samples) expect(shortcut(s), s).toEqual(general(s));
    });

    it("keeps the 100 ns digits beyond the millisecond for ordering", () => {
        expect(parseInstant("2023-02-20T10:44:35.7885613Z", "t")).toEqual({ ms: Date.UTC(2023, 1, 20, 10, 44, 35, 788), sub: 5613 });
        expect(parseInstant("2023-02-20T10:44:35.7885613+01:00", "t")).toEqual({ ms: Date.UTC(2023, 1, 20, 9, 44, 35, 788), sub: 5613 });
        expect(parseInstant("2026-11-07T18:12:37.055Z", "t")).toEqual({ ms: Date.UTC(2026, 10, 7, 18, 12, 37, 55), sub: 0 });
    });

    it("never rolls a bad field over into another date", () => {
        for (const bad of ["2026-02-30T10:00:00Z", "2025-02-29T10:00:00Z", "2026-13-01T00:00:00Z", "2026-11-01T25:99:00Z", "2026-11-01T23:59:60Z", "2026-04-31T10:00:00.0000000Z"]) {
            expect(() => parseInstant(bad, "t"), bad).toThrow(/no such date or time/);
        }
        expect(parseInstant("2024-02-29T10:00:00Z", "t")?.ms).toBe(Date.UTC(2024, 1, 29, 10));
        expect(() => parseInstant("2026-1a-07T18:12:37.055Z", "t")).toThrow(/unparseable timestamp/);
    });

    it("an unknown time is null, never a made-up date: null, DateTime.MinValue, years before 1970", () => {
        expect(parseInstant(null, "t")).toBeNull();
        expect(parseInstant(undefined, "t")).toBeNull();
        expect(parseInstant("", "t")).toBeNull();
        expect(parseInstant("0001-01-01T00:00:00", "t")).toBeNull();
        expect(parseInstant("0001-01-01T00:00:00.0000000Z", "t")).toBeNull();
        expect(parseInstant("0050-01-01T00:00:00Z", "t")).toBeNull();
        expect(parseInstant("1969-12-31T23:59:59Z", "t")).toBeNull();
        expect(() => parseInstant("9999-12-31T23:59:59.999Z", "t")).toThrow(/after 2200/);
    });

    it("agrees with the general parser on every millisecond of a random sample of instants", () => {
        let x = 12345;
        for (let i = 0; i < 2000; i++) {
            x = (x * 1103515245 + 12345) % 2147483648;
            const iso = new Date(Date.UTC(2000, 0, 1) + x * 997).toISOString();
            expect(shortcut(iso)).toEqual(general(iso));
            expect(shortcut(iso.replace(/\.\d{3}Z$/, "Z"))).toEqual(general(iso.replace(/\.\d{3}Z$/, "Z")));
            expect(shortcut(iso.replace(/Z$/, "4321Z"))).toEqual(general(iso.replace(/Z$/, "4321Z")));
        }
    });
});
