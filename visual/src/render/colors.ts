/** Colours the renderers use, resolved from the format pane or the high-contrast palette. */
export interface Palette {
    background: string;
    foreground: string;
    grid: string;
    succeeded: string;
    failed: string;
    other: string;
    heatLow: string;
    heatHigh: string;
    selection: string;
    /** The outline of emphasised (slowest, above p95) bars. */
    emphasis: string;
    /** The line under a subflow header spanning its actions. */
    span: string;
    /** Hatching of heatmap cells without data. */
    noData: string;
    /** Vertical gridlines at the axis ticks. */
    gridline: string;
    highContrast: boolean;
}

function parseHex(c: string): [number, number, number] {
    const m = /^#?([0-9a-f]{6})$/i.exec(c.trim());
    if (!m) return [128, 128, 128];
    const v = parseInt(m[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** Linear interpolation between two hex colours, t in [0, 1]. */
export function mix(a: string, b: string, t: number): string {
    const x = parseHex(a), y = parseHex(b);
    const k = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0));
    const c = x.map((v, i) => Math.round(v + (y[i] - v) * k));
    return `#${c.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}
