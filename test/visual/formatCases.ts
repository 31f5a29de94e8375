/**
 * Values for comparing the visual's formats without Intl (visual/src/localeFormats.ts) with Intl's, shared by
 * the DOM tests (Node's ICU) and the browser tests (Chromium's).
 */

/** A small deterministic generator, so a failure names values that can be replayed. */
function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}

/** Numbers where a formatter can go wrong: rounding ties, carries, grouping thresholds, signs, tiny and huge magnitudes. */
export function numberCases(): number[] {
    const out = [0, -0, 1, -1, 7, 12, 999, 1000, 1234, 9999, 10_000, 12_345, 99_999, 100_000, 123_456, 1_234_567, 12_345_678, 123_456_789, 1e15, 123_456_789_012_345_680,
        0.5, 1.5, 2.5, -2.5, 0.4, -0.4, 0.0005, 0.0004, -0.0001, 1.0005, 2.0005, 1.2345, 1234.5675, 0.1 + 0.2, 9.9995, 99.9995, 999.9995, 9999.9995, 0.9996, -999.9996,
        123_456_789.0125, 1e-7, -1e-7, 5e-4, 1e20, 9.999e20, 1e21, NaN, Infinity, -Infinity, 3.14159, 845.5, 125.4, 12.345, 1234.5, 1_000_000.0005];
    const r = rng(13);
    for (let i = 0; i < 400; i++) {
        const magnitude = 10 ** Math.floor(r() * 12 - 4);
        const x = r() * magnitude * (r() < 0.2 ? -1 : 1);
        out.push(x, Math.round(x * 1000) / 1000, Math.round(x * 10_000 + 0.5) / 10_000, Math.round(x));
    }
    return out;
}

/** Timestamps from 1970 to 2200, plus DST changes, midnights and the hour before them, and whole seconds. */
export function timeCases(): number[] {
    const out = [0, 1, 999, 1_000, 59_999, 86_399_999, Date.UTC(2026, 0, 5, 14, 5, 30, 250), Date.UTC(2026, 2, 29, 0, 59, 59, 999), Date.UTC(2026, 2, 29, 1, 0, 0, 0),
        Date.UTC(2026, 2, 8, 6, 59, 59), Date.UTC(2026, 2, 8, 7, 0, 0), Date.UTC(2026, 9, 25, 0, 30), Date.UTC(2026, 9, 25, 1, 30), Date.UTC(2026, 10, 1, 5, 30), Date.UTC(2026, 10, 1, 6, 30),
        Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2199, 11, 31, 23, 59, 59, 999), Date.UTC(9999, 11, 31), Date.UTC(1899, 11, 31), -1e12, 8.64e15, NaN];
    const r = rng(29);
    const end = Date.UTC(2200, 0, 1);
    for (let i = 0; i < 120; i++) out.push(Math.floor(r() * end), Math.floor(r() * end / 1000) * 1000);
    return out;
}

