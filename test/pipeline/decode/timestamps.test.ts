import { describe, expect, it } from "vitest";
import { parseTimestamp } from "../../../pipeline/decode/values.js";

/** A leading space skips the canonical-shape shortcut, so this is the general (regex) reading of the same text. */
const general = (s: string): number | string => {
    try {
        return parseTimestamp(` ${s}`, "t");
    } catch (e) {
        return (e as Error).message.replace(/" /, '"');
    }
};
const shortcut = (s: string): number | string => {
    try {
        return parseTimestamp(s, "t");
    } catch (e) {
        return (e as Error).message;
    }
};

describe("parseTimestamp", () => {
    it("reads the canonical UTC shape exactly like the general parser, including roll-overs and two-digit years", () => {
        const samples = [
            "2026-11-07T18:12:37.055Z",
            "2026-11-07T18:12:37Z",
            "1970-01-01T00:00:00.000Z",
            "2024-02-29T23:59:59.999Z",
            "2025-02-29T10:00:00Z", // rolls over to 1 March, as Date.UTC does
            "2026-13-40T25:61:61.000Z",
            "0050-06-01T00:00:00Z", // Date.UTC maps years 0-99 to 1900-1999
            "9999-12-31T23:59:59.999Z",
            "2026-11-07T18:12:37.05Z", // not canonical: general path
            "2026-11-07 18:12:37.055Z",
            "2026-11-07T18:12:37.0551234Z",
            "2026-11-07T18:12:37.055z",
            "2026-1a-07T18:12:37.055Z",
        ];
        for (const s of samples) expect(shortcut(s), s).toEqual(general(s));
        expect(parseTimestamp("2026-11-07T18:12:37.055Z", "t")).toBe(Date.UTC(2026, 10, 7, 18, 12, 37, 55));
        expect(parseTimestamp("2025-02-29T10:00:00Z", "t")).toBe(Date.UTC(2025, 2, 1, 10, 0, 0));
        expect(() => parseTimestamp("2026-1a-07T18:12:37.055Z", "t")).toThrow(/unparseable timestamp/);
    });

    it("agrees with the general parser on every millisecond of a random sample of instants", () => {
        let x = 12345;
        for (let i = 0; i < 2000; i++) {
            x = (x * 1103515245 + 12345) % 2147483648;
            const iso = new Date(Date.UTC(2000, 0, 1) + x * 997).toISOString();
            expect(shortcut(iso)).toBe(general(iso));
            expect(shortcut(iso.replace(/\.\d{3}Z$/, "Z"))).toBe(general(iso.replace(/\.\d{3}Z$/, "Z")));
        }
    });
});
