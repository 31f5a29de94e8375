import powerbi from "powerbi-visuals-api";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createVisualHost } from "powerbi-visuals-utils-testutils";
import { convertActions, endOf, missingRoles, roleIndexes, text } from "../../../visual/src/model/actionTable.js";
import { buildHeatmap } from "../../../visual/src/model/heatmap.js";
import { OPEN_END_MIN_PX, hitTestTimeline, layoutTimeline } from "../../../visual/src/model/timeline.js";
import { drawHeatmap, failureCorner, heatmapGeometry } from "../../../visual/src/render/heatmapRenderer.js";
import { barKind } from "../../../visual/src/render/timelineRenderer.js";
import { Visual } from "../../../visual/src/visual.js";
import { ActionRow, Role, contractRoles, hourlyRoles, tableDataView } from "./helpers.js";

import DataView = powerbi.DataView;

// The fields the data contract added (issue 10): Module, Is container, Inside error handling, Handled failures,
// and actions whose start or end is unknown (null).

const T0 = Date.UTC(2026, 0, 5, 9);
const at = (ms: number): Date => new Date(T0 + ms);

describe("Is container", () => {
    // The pipeline says "Loop" is a container although the next action starts after it ends (a loop that ran
    // its children afterwards in the log), and "Wait" is not although "Click" starts before it ends: the
    // timing guess would say the opposite of both.
    const rows: ActionRow[] = [
        { run: "r", action: "Loop", start: at(0), end: at(100), durationMs: 100, isContainer: true },
        { run: "r", action: "Click", start: at(100), end: at(140), durationMs: 40, isContainer: false },
        { run: "r", action: "Wait", start: at(150), end: at(900), durationMs: 750, isContainer: false },
        { run: "r", action: "Type", start: at(160), end: at(200), durationMs: 40, isContainer: false },
    ];
    const roles: Role[] = ["run", "action", "start", "end", "durationMs", "isContainer"];

    it("replaces the timing guess when bound, and the guess stays the fallback when not", () => {
        const t = convertActions(tableDataView(rows, roles))!;
        expect(t.containerSource).toBe("field");
        expect(Array.from(t.container)).toEqual([1, 0, 0, 0]);
        const guessed = convertActions(tableDataView(rows, roles.filter((r) => r !== "isContainer")))!;
        expect(guessed.containerSource).toBe("guess");
        expect(Array.from(guessed.container)).toEqual([0, 0, 1, 0]);
    });

    it("drives the heatmap's container exclusion and the slowest-N outline", () => {
        const t = convertActions(tableDataView(rows, roles))!;
        const h = buildHeatmap(t, { rows: "action", columns: "hour", measure: "p95", maxRows: 10 });
        expect(h.rowLabels).toEqual(["Wait", "Click", "Type"]);
        expect(buildHeatmap(t, { rows: "action", columns: "hour", measure: "p95", maxRows: 10, includeContainers: true }).rowLabels).toContain("Loop");
        // Loop (100 ms) is the second slowest, but a container: Wait and then Click/Type are outlined.
        expect(Array.from(layoutTimeline(t, 2).emphasised)).toEqual([0, 1, 1, 0]);
    });

    it("reads booleans, 0/1 and true/false text; blank is not a container", () => {
        const mixed: ActionRow[] = rows.map((r, i) => ({ ...r, isContainer: [1, "false", "TRUE", null][i] as never }));
        expect(Array.from(convertActions(tableDataView(mixed, roles))!.container)).toEqual([1, 0, 1, 0]);
    });

    it("excludes pre-aggregated container rows (action_hourly.is_container) from the heatmap", () => {
        const h9 = new Date(2026, 0, 5, 9);
        const hourly: ActionRow[] = [
            { action: "Loop", start: h9, executions: 10, failures: 0, isContainer: true },
            { action: "Click", start: h9, executions: 10, failures: 0, isContainer: false },
        ];
        const t = convertActions(tableDataView(hourly, ["action", "start", "executions", "failures", "isContainer"]))!;
        expect(buildHeatmap(t, { rows: "action", columns: "hour", measure: "count", maxRows: 10 }).rowLabels).toEqual(["Click"]);
    });

    it("is optional: the landing page never asks for the new fields", () => {
        const idx = roleIndexes(tableDataView(rows, ["action", "start"]));
        expect(missingRoles(idx)).toEqual([]);
    });
});

describe("Inside error handling: handled failures", () => {
    const rows: ActionRow[] = [
        { run: "r", action: "Open", start: at(0), end: at(10), durationMs: 10, status: "Succeeded", insideErrorHandling: false },
        { run: "r", action: "Click", start: at(10), end: at(20), durationMs: 10, status: "Failed", error: "Element not found", insideErrorHandling: true },
        { run: "r", action: "Retry", start: at(20), end: at(30), durationMs: 10, status: "Succeeded", insideErrorHandling: true },
        { run: "r", action: "Save", start: at(30), end: at(40), durationMs: 10, status: "Failed", error: "Disk full", insideErrorHandling: false },
        { run: "r", action: "Close", start: at(40), end: at(50), durationMs: 10, status: "Failed", insideErrorHandling: null },
    ];
    const roles: Role[] = ["run", "action", "start", "end", "durationMs", "status", "error", "insideErrorHandling"];

    it("marks a failed action inside an error handler as handled; unknown counts as unhandled", () => {
        const t = convertActions(tableDataView(rows, roles))!;
        expect(Array.from(t.failed)).toEqual([0, 1, 0, 1, 1]);
        expect(Array.from(t.handled)).toEqual([0, 1, 0, 0, 0]);
        expect(t.handlingKnown).toBe(true);
        expect([0, 1, 2, 3].map((i) => barKind(t, i))).toEqual(["succeeded", "handled", "succeeded", "failed"]);
        const unbound = convertActions(tableDataView(rows, roles.filter((r) => r !== "insideErrorHandling")))!;
        expect(Array.from(unbound.handled)).toEqual([0, 0, 0, 0, 0]);
        expect(unbound.handlingKnown).toBe(false);
    });

    it("leaves handled failures out of the heatmap's failure rate by default, and counts both", () => {
        const t = convertActions(tableDataView(rows, roles))!;
        const byDefault = buildHeatmap(t, { rows: "flow", columns: "hour", measure: "failureRate", maxRows: 10 });
        expect(byDefault.cells[0]).toMatchObject({ count: 5, failures: 2, handledFailures: 1, value: 2 / 5 });
        const counted = buildHeatmap(t, { rows: "flow", columns: "hour", measure: "failureRate", maxRows: 10, includeHandledFailures: true });
        expect(counted.cells[0]).toMatchObject({ failures: 2, handledFailures: 1, value: 3 / 5 });
    });

    it("splits pre-aggregated failures (action_hourly.failures includes handled_failures)", () => {
        const h9 = new Date(2026, 0, 5, 9);
        const hourly: ActionRow[] = [
            { action: "Click", start: h9, executions: 20, failures: 5, handledFailures: 3 },
            { action: "Click", start: h9, machine: "VM-02", executions: 20, failures: 2, handledFailures: 2 },
        ];
        const t = convertActions(tableDataView(hourly, ["action", "machine", "start", "executions", "failures", "handledFailures"]))!;
        expect(Array.from(t.handled)).toEqual([0, 1]);
        const h = buildHeatmap(t, { rows: "action", columns: "hour", measure: "failureRate", maxRows: 10 });
        expect(h.cells[0]).toMatchObject({ count: 40, failures: 2, handledFailures: 5, value: 2 / 40 });
        expect(buildHeatmap(t, { rows: "action", columns: "hour", measure: "failureRate", maxRows: 10, includeHandledFailures: true }).cells[0].value).toBe(7 / 40);
        // Without the Handled failures field every failure counts, as before.
        const plain = convertActions(tableDataView(hourly, hourlyRoles.filter((r) => r !== "p50Ms")))!;
        expect(buildHeatmap(plain, { rows: "action", columns: "hour", measure: "failureRate", maxRows: 10 }).cells[0].value).toBe(7 / 40);
    });

    it("marks heatmap cells: a solid corner for failures, an outlined one when every failure was handled", () => {
        const onlyHandled = convertActions(tableDataView([rows[0], rows[1]], roles))!;
        const m = buildHeatmap(onlyHandled, { rows: "flow", columns: "hour", measure: "count", maxRows: 10 });
        expect(failureCorner(m, m.cells[0])).toBe("outline");
        const withUnhandled = convertActions(tableDataView(rows, roles))!;
        const m2 = buildHeatmap(withUnhandled, { rows: "flow", columns: "hour", measure: "count", maxRows: 10 });
        expect(failureCorner(m2, m2.cells[0])).toBe("solid");
        const counted = buildHeatmap(onlyHandled, { rows: "flow", columns: "hour", measure: "count", maxRows: 10, includeHandledFailures: true });
        expect(failureCorner(counted, counted.cells[0])).toBe("solid");
        // Drawn: the outlined corner is stroked, never filled, in the failure colour.
        const rec = recorder();
        drawHeatmap(rec.ctx, m, heatmapGeometry(m, 400, 200, 100, 20, 40), palette, null);
        expect(rec.calls.filter((c) => c.op === "strokeRect" && c.stroke === palette.failed)).toHaveLength(1);
        expect(rec.calls.filter((c) => c.op === "fillRect" && c.fill === palette.failed)).toHaveLength(0);
    });
});

describe("Module", () => {
    it("is read as text per row", () => {
        const rows: ActionRow[] = [
            { run: "r", action: "Click", start: at(0), durationMs: 5, module: "UIAutomation" },
            { run: "r", action: "Set", start: at(5), durationMs: 5, module: null },
        ];
        const t = convertActions(tableDataView(rows, ["run", "action", "start", "durationMs", "module"]))!;
        expect([text(t.module, 0), text(t.module, 1)]).toEqual(["UIAutomation", ""]);
    });
});

describe("unknown start and end", () => {
    it("drops rows whose start is unknown (null or before 1970) and counts them, without moving the others", () => {
        const rows: ActionRow[] = [
            { run: "r", action: "a", start: at(0), end: at(10), durationMs: 10 },
            { run: "r", action: "lost", start: null, end: at(20), durationMs: 5 },
            { run: "r", action: "b", start: at(20), end: at(30), durationMs: 10 },
            { run: "r", action: "year one", start: "0001-01-01T00:00:00Z", end: at(40), durationMs: null },
        ];
        const t = convertActions(tableDataView(rows))!;
        expect(t.count).toBe(2);
        expect(t.issues.dropped).toBe(2);
        expect(t.issues.placed).toBe(0);
        expect(t.runStart[t.run.codes[0]]).toBe(T0);
        expect(layoutTimeline(t, 0).span).toBe(30);
    });

    it("still chains duration-only rows when Start is not bound", () => {
        const t = convertActions(tableDataView([{ action: "a", durationMs: 5 }, { action: "b", durationMs: 7 }], ["action", "durationMs"]))!;
        expect(t.issues.placed).toBe(2);
        expect([endOf(t, 0), endOf(t, 1)]).toEqual([5, 12]);
    });

    // A cancelled run: "Type" has no end (and so no duration); "Close" after it has, then "Stop" never ended.
    const open: ActionRow[] = [
        { run: "r", action: "Open", start: at(0), end: at(100), durationMs: 100, status: "Succeeded" },
        { run: "r", action: "Type", start: at(100), end: null, durationMs: null, status: "Running" },
        { run: "r", action: "Close", start: at(300), end: at(400), durationMs: 100, status: "Succeeded" },
        { run: "r", action: "Stop", start: at(400), end: null, durationMs: null, status: "Failed" },
    ];

    it("keeps a row with a start but no end as open-ended: no duration, drawn to its run's end", () => {
        const t = convertActions(tableDataView(open))!;
        expect(t.count).toBe(4);
        expect(Array.from(t.endUnknown)).toEqual([0, 1, 0, 1]);
        expect(t.issues.openEnded).toBe(2);
        expect(Number.isNaN(t.duration[1])).toBe(true);
        // To the latest known time of the run; the run's last action has nothing after it: its own start.
        expect(endOf(t, 1)).toBe(T0 + 400);
        expect(endOf(t, 3)).toBe(T0 + 400);
        // An open end is not taken for a container, and never ranks among the slowest.
        expect(Array.from(t.container)).toEqual([0, 0, 0, 0]);
        expect(Array.from(layoutTimeline(t, 4).emphasised)).toEqual([1, 0, 1, 0]);
        // Counted as actions (and failures), left out of duration statistics.
        const count = buildHeatmap(t, { rows: "flow", columns: "hour", measure: "count", maxRows: 10 });
        expect(count.cells[0]).toMatchObject({ value: 4, failures: 1 });
        expect(buildHeatmap(t, { rows: "flow", columns: "hour", measure: "mean", maxRows: 10 }).cells[0].value).toBe(100);
        // Actions with no known duration sort last with empty cells, like any row without a value.
        const p95 = buildHeatmap(t, { rows: "action", columns: "hour", measure: "p95", maxRows: 10 });
        expect(p95.rowLabels.slice(0, 2)).toEqual(["Close", "Open"]);
        expect(p95.cells.map((c) => p95.rowLabels[c.row])).toEqual(["Close", "Open"]);
    });

    it("keeps the open-ended marker of the run's last action hittable at a minimum width", () => {
        const t = convertActions(tableDataView(open))!;
        const l = layoutTimeline(t, 0);
        const g = { width: 1100, height: 400, labelWidth: 100, axisHeight: 20, laneHeight: 10 };
        const v = { t0: 0, t1: l.span, scrollY: 0 };
        const lane = l.laneOfRow[3];
        const x0 = 100 + (400 / l.span) * 1000;
        expect(hitTestTimeline(t, l, g, v, x0 - OPEN_END_MIN_PX - 1, 20 + lane * 10 + 5)).toBe(-1);
        expect(hitTestTimeline(t, l, g, v, Math.min(1099, x0 + OPEN_END_MIN_PX), 20 + lane * 10 + 5)).toBe(3);
    });

    it("leaves ends alone when neither End nor Duration is bound (zero-length bars, as before)", () => {
        const t = convertActions(tableDataView(open, ["run", "action", "start"]))!;
        expect(Array.from(t.endUnknown)).toEqual([0, 0, 0, 0]);
        expect(Array.from(t.duration)).toEqual([0, 0, 0, 0]);
    });
});

// ---- the visual in the DOM ------------------------------------------------------------------------------------

const palette = {
    background: "#ffffff", foreground: "#252423", grid: "#f6f6f6", selection: "#252423", highContrast: false,
    succeeded: "#3a7dc9", failed: "#d13438", other: "#8a8886", heatLow: "#dceaf7", heatHigh: "#a4262c",
    emphasis: "#252423", span: "#a19f9d", noData: "#d2d0ce", gridline: "#e1dfdd",
};

interface Call { op: string; args: number[]; fill: string; stroke: string; dash: number[]; alpha: number }

/** A 2D context that records every drawing call with the styles in effect. */
function recorder(): { ctx: CanvasRenderingContext2D; calls: Call[] } {
    const calls: Call[] = [];
    const state: Record<string, unknown> = { fillStyle: "", strokeStyle: "", lineWidth: 1, globalAlpha: 1, font: "", textBaseline: "" };
    let dash: number[] = [];
    const ctx = new Proxy(state, {
        get(target, prop: string) {
            if (prop in target) return target[prop];
            if (prop === "measureText") return (s: string) => ({ width: s.length * 6 });
            if (prop === "setLineDash") return (d: number[]) => { dash = d; };
            return (...args: number[]) => {
                calls.push({ op: prop, args, fill: String(state.fillStyle), stroke: String(state.strokeStyle), dash: [...dash], alpha: Number(state.globalAlpha) });
            };
        },
        set(target, prop: string, value) {
            target[prop] = value;
            return true;
        },
    });
    return { ctx: ctx as unknown as CanvasRenderingContext2D, calls };
}

const viewport = { width: 800, height: 400 };

function harness(opts: { highContrast?: boolean } = {}) {
    const host = createVisualHost({ allowInteractions: true });
    Object.defineProperty(host, "locale", { value: "en-US", configurable: true });
    if (opts.highContrast) {
        Object.assign(host.colorPalette, {
            isHighContrast: true, foreground: { value: "#ffff00" }, background: { value: "#000000" },
            foregroundSelected: { value: "#00ffff" }, hyperlink: { value: "#ff00ff" },
        });
    }
    const rec = recorder();
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(rec.ctx as never);
    const element = document.createElement("div");
    document.body.replaceChildren(element);
    const visual = new Visual({ element, host } as never);
    const root = element.querySelector<HTMLElement>(".padlens-root")!;
    return {
        host, visual, root, rec,
        update: (dv: DataView) => { rec.calls.length = 0; visual.update({ dataViews: [dv], viewport, type: 2 } as never); },
        /** Top of the bar of an action row in the single-run timeline (axis 22 px, lanes 16 px, bars 2 px in). */
        barTop: (row: number): number => 22 + (visual as unknown as { layout: { laneOfRow: Int32Array } }).layout.laneOfRow[row] * 16 + 2,
    };
}

/** One run: Open, Click (failed inside an error handler), Retry, Save (failed), with a module each. */
function handledRun(): ActionRow[] {
    const base = { run: "r", flow: "Invoices", subflow: "main", machine: "VM-01" };
    return [
        { ...base, action: "Open", actionIndex: 1, start: at(0), end: at(100), durationMs: 100, status: "Succeeded", module: "WebAutomation", insideErrorHandling: false, isContainer: false },
        { ...base, action: "Click", actionIndex: 2, start: at(100), end: at(300), durationMs: 200, status: "Failed", error: "Element not found", module: "UIAutomation", insideErrorHandling: true, isContainer: false },
        { ...base, action: "Retry", actionIndex: 3, start: at(300), end: at(400), durationMs: 100, status: "Succeeded", module: "UIAutomation", insideErrorHandling: true, isContainer: false },
        { ...base, action: "Save", actionIndex: 4, start: at(400), end: at(600), durationMs: 200, status: "Failed", error: "Disk full", module: "File", insideErrorHandling: false, isContainer: false },
    ];
}

describe("padlens visual with the contract's new fields", () => {
    beforeEach(() => vi.restoreAllMocks());

    it("says Failed (handled) and shows the module in the tooltip", () => {
        const h = harness();
        h.update(tableDataView(handledRun(), contractRoles));
        expect(h.root.dataset.view).toBe("timeline");
        const click = h.visual.behavior.tooltipFor(1);
        expect(click).toContainEqual({ displayName: "Status", value: "Failed (handled)" });
        expect(click).toContainEqual({ displayName: "Module", value: "UIAutomation" });
        expect(click).toContainEqual({ displayName: "Error", value: "Element not found" });
        expect(h.visual.behavior.tooltipFor(3)).toContainEqual({ displayName: "Status", value: "Failed" });
        // Without the Module field, no Module line.
        h.update(tableDataView(handledRun(), contractRoles.filter((r) => r !== "module")));
        expect(h.visual.behavior.tooltipFor(1).map((i) => i.displayName)).not.toContain("Module");
    });

    it("counts only unhandled failures as failed, and names the handled ones", () => {
        const h = harness();
        h.update(tableDataView(handledRun(), contractRoles));
        expect(h.root.dataset.failed).toBe("1");
        expect(h.root.dataset.handled).toBe("1");
        expect(h.root.getAttribute("aria-label")).toBe("Timeline: 4 actions in 1 runs, 1 failed. Handled failures: 1.");
    });

    it("draws a handled failure outlined and hatched, an unhandled one solid", () => {
        const h = harness();
        h.update(tableDataView(handledRun(), contractRoles));
        const at = (row: number) => h.rec.calls.filter((c) => c.args[1] !== undefined && Math.abs(c.args[1] - h.barTop(row)) < 1);
        const failedFill = (row: number) => at(row).filter((c) => c.op === "fillRect" && c.fill === palette.failed);
        expect(failedFill(3)).toHaveLength(1);
        expect(failedFill(1)).toHaveLength(0);
        expect(at(1).filter((c) => c.op === "strokeRect" && c.stroke === palette.failed)).toHaveLength(1);
        // Hatching: diagonal strokes clipped to the bar, in the failure colour.
        expect(at(1).some((c) => c.op === "rect")).toBe(true);
        expect(h.rec.calls.some((c) => c.op === "stroke" && c.stroke === palette.failed)).toBe(true);
        // The solid triangle marker is for the unhandled failure only: one fill() in the failure colour left of
        // its bar, one at the end of its row label (so it is found while scrolling labels).
        const solid = h.rec.calls.filter((c) => c.op === "fill" && c.fill === palette.failed);
        expect(solid).toHaveLength(2);
    });

    it("draws handled failures with the theme's two colours in high contrast", () => {
        const h = harness({ highContrast: true });
        h.update(tableDataView(handledRun(), contractRoles));
        const top = h.barTop(1);
        const bar = h.rec.calls.filter((c) => Math.abs((c.args[1] ?? -1) - top) < 1);
        expect(bar.filter((c) => c.op === "fillRect").map((c) => c.fill)).toEqual(["#000000"]);
        expect(bar.filter((c) => c.op === "strokeRect").map((c) => c.stroke)).toEqual(["#ff00ff"]);
    });

    it("shows failures and handled failures in heatmap tooltips, and follows the format pane option", () => {
        const h = harness();
        const rows = [...handledRun(), ...handledRun().map((r) => ({ ...r, run: "s", start: new Date((r.start as Date).getTime() + 1000), end: new Date((r.end as Date).getTime() + 1000) }))];
        h.update(tableDataView(rows, contractRoles, { heatmap: { rows: "flow", measure: "failureRate" } }));
        expect(h.root.dataset.view).toBe("heatmap");
        const items = h.visual.behavior.tooltipFor(0);
        expect(items).toContainEqual(expect.objectContaining({ displayName: "Failure rate", value: "25%" }));
        expect(items).toContainEqual({ displayName: "Failures", value: "2" });
        expect(items).toContainEqual({ displayName: "Handled failures", value: "2" });
        h.update(tableDataView(rows, contractRoles, { heatmap: { rows: "flow", measure: "failureRate", includeHandledFailures: true } }));
        expect(h.visual.behavior.tooltipFor(0)).toContainEqual(expect.objectContaining({ displayName: "Failure rate", value: "50%" }));
        // Unknown which failures were handled: no Handled failures line.
        h.update(tableDataView(rows, contractRoles.filter((r) => r !== "insideErrorHandling"), { heatmap: { rows: "flow", measure: "failureRate" } }));
        expect(h.visual.behavior.tooltipFor(0).map((i) => i.displayName)).not.toContain("Handled failures");
    });

    it("drops rows with no start without squashing the timeline, and counts them", () => {
        const h = harness();
        const rows = [...handledRun(), { run: "r", action: "Ghost", start: null, end: null, durationMs: 50, status: "Succeeded" }];
        h.update(tableDataView(rows, contractRoles));
        expect(h.root.dataset.dropped).toBe("1");
        expect(h.root.dataset.actions).toBe("4");
        const layout = (h.visual as unknown as { layout: { span: number } }).layout;
        expect(layout.span).toBe(600);
    });

    it("draws an unknown end as a dashed open-ended bar to the run's end, and says End unknown", () => {
        const h = harness();
        const rows = handledRun().map((r, i) => (i === 2 ? { ...r, end: null, durationMs: null } : r));
        h.update(tableDataView(rows, contractRoles));
        expect(h.root.dataset.openEnded).toBe("1");
        expect(h.visual.behavior.tooltipFor(2)).toContainEqual({ displayName: "Duration", value: "End unknown" });
        const top = h.barTop(2);
        const dashed = h.rec.calls.filter((c) => c.op === "moveTo" && c.dash.length > 0 && Math.abs(c.args[1] - (top + 0.75)) < 1);
        expect(dashed).toHaveLength(1);
        // From Retry's start (300 ms) to the run's end (600 ms) on the time axis.
        const g = (h.visual as unknown as { geometry: { labelWidth: number; width: number } }).geometry;
        const v = (h.visual as unknown as { viewport: { t0: number; t1: number } }).viewport;
        const x = (ms: number) => g.labelWidth + ((ms - v.t0) / (v.t1 - v.t0)) * (g.width - g.labelWidth);
        expect(dashed[0].args[0]).toBeCloseTo(x(600), 0);
        const fill = h.rec.calls.find((c) => c.op === "fillRect" && Math.abs(c.args[1] - top) < 1)!;
        expect(fill.args[0]).toBeCloseTo(x(300), 0);
        expect(fill.alpha).toBeLessThan(1);
    });
});
