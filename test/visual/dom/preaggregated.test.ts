import { describe, expect, it } from "vitest";
import { convertActions, isPreAggregated, text } from "../../../visual/src/model/actionTable.js";
import { buildHeatmap, HeatmapModel } from "../../../visual/src/model/heatmap.js";
import { layoutTimeline } from "../../../visual/src/model/timeline.js";
import { ActionRow, hourlyRoles, runRows, tableDataView } from "./helpers.js";

// Rows of the action_hourly table: hour starts in the local zone so hour-of-day columns are 9 and 10 anywhere.
const h9 = new Date(2026, 0, 5, 9), h10 = new Date(2026, 0, 5, 10);
const hourly: ActionRow[] = [
    { flow: "Invoices", subflow: "Main", action: "Export", machine: "VM-01", start: h9, executions: 10, failures: 1, totalMs: 10_000, p50Ms: 800, p95Ms: 2000 },
    { flow: "Invoices", subflow: "Main", action: "Export", machine: "VM-02", start: h9, executions: 30, failures: 0, totalMs: 24_000, p50Ms: 700, p95Ms: 1000 },
    { flow: "Invoices", subflow: "Main", action: "Export", machine: "VM-01", start: h10, executions: 5, failures: 5, totalMs: 2500, p50Ms: 400, p95Ms: 600 },
    { flow: "Invoices", subflow: "Main", action: "Login", machine: "VM-01", start: h9, executions: 40, failures: 0, totalMs: 4000, p50Ms: 90, p95Ms: 150 },
];

function cell(m: HeatmapModel, row: string, colKey: number): HeatmapModel["cells"][number] | undefined {
    const r = m.rowLabels.indexOf(row), c = m.columnKeys.indexOf(colKey);
    const i = m.grid[r * m.columnKeys.length + c];
    return i >= 0 ? m.cells[i] : undefined;
}

describe("pre-aggregated input (action_hourly)", () => {
    const t = convertActions(tableDataView(hourly, hourlyRoles))!;

    it("keeps rows that differ only by machine or measures, and drops rows standing for no execution", () => {
        expect(isPreAggregated(t)).toBe(true);
        expect(t.count).toBe(4);
        expect(t.issues.duplicates).toBe(0);
        const withEmpty = [...hourly, { ...hourly[0], machine: "VM-03", executions: 0 }, { ...hourly[1], executions: null }, hourly[3]];
        const t2 = convertActions(tableDataView(withEmpty, hourlyRoles))!;
        expect(t2.count).toBe(4);
        expect(t2.issues.dropped).toBe(2);
        expect(t2.issues.duplicates).toBe(1);
    });

    it("counts executions and failures as given, not rows", () => {
        const count = buildHeatmap(t, { rows: "action", columns: "hour", measure: "count", maxRows: 10 });
        expect(count.preAggregated).toBe(true);
        expect(cell(count, "Export", 9)?.value).toBe(40);
        expect(cell(count, "Export", 10)?.value).toBe(5);
        expect(cell(count, "Login", 9)?.value).toBe(40);
        const rate = buildHeatmap(t, { rows: "action", columns: "hour", measure: "failureRate", maxRows: 10 });
        expect(rate.rowLabels[0]).toBe("Export");
        expect(cell(rate, "Export", 9)?.value).toBeCloseTo(1 / 40);
        expect(cell(rate, "Export", 9)?.failures).toBe(1);
        expect(cell(rate, "Export", 10)?.value).toBe(1);
        expect(cell(rate, "Login", 9)?.value).toBe(0);
    });

    it("computes the mean as total over executions, and leaves cells empty without Total (ms)", () => {
        const mean = buildHeatmap(t, { rows: "action", columns: "hour", measure: "mean", maxRows: 10 });
        expect(cell(mean, "Export", 9)?.value).toBe(34_000 / 40);
        expect(cell(mean, "Login", 9)?.value).toBe(100);
        const noTotal = convertActions(tableDataView(hourly, hourlyRoles.filter((r) => r !== "totalMs")))!;
        expect(buildHeatmap(noTotal, { rows: "action", columns: "hour", measure: "mean", maxRows: 10 }).cells).toHaveLength(0);
    });

    it("takes one row's percentile as given and flags an executions-weighted mean of several as approximate", () => {
        const p95 = buildHeatmap(t, { rows: "action", columns: "hour", measure: "p95", maxRows: 10 });
        expect(p95.rowLabels).toEqual(["Export", "Login"]);
        const combined = cell(p95, "Export", 9)!;
        expect(combined.value).toBe((2000 * 10 + 1000 * 30) / 40);
        expect(combined.approximate).toBe(true);
        expect(combined.sourceRows).toBe(2);
        expect(combined.count).toBe(40);
        expect(cell(p95, "Export", 10)).toMatchObject({ value: 600, approximate: false, sourceRows: 1 });
        const byMachine = buildHeatmap(t, { rows: "action", columns: "machine", measure: "p50", maxRows: 10 });
        const vm2 = t.machine.values.indexOf("VM-02");
        expect(cell(byMachine, "Export", vm2)).toMatchObject({ value: 700, approximate: false });
        // The cell selects the hourly rows behind it.
        expect(Array.from(combined.members, (i) => text(t.machine, i)).sort()).toEqual(["VM-01", "VM-02"]);
    });

    it("does not emphasise timeline bars from a pre-aggregated p95", () => {
        expect(layoutTimeline(t, 0).aboveP95).toBeNull();
    });
});

describe("Action p95 (ms) on raw action rows", () => {
    const durations = [10, 500, 20, 30];
    const p95 = [5, 400, 25, null];
    const rows = runRows("r", 4, undefined, -1, durations).map((r, i) => ({ ...r, p95Ms: p95[i] }));
    const roles = ["run", "subflow", "action", "actionIndex", "start", "end", "durationMs", "status", "p95Ms"] as const;

    it("emphasises actions slower than their p95, alongside the slowest N", () => {
        const t = convertActions(tableDataView(rows, [...roles]))!;
        expect(isPreAggregated(t)).toBe(false);
        const l = layoutTimeline(t, 0);
        expect(Array.from(l.aboveP95!)).toEqual([1, 1, 0, 0]);
        expect(Array.from(l.emphasised)).toEqual([1, 1, 0, 0]);
        const withSlowest = layoutTimeline(t, 1, true);
        expect(Array.from(withSlowest.emphasised)).toEqual([1, 1, 0, 0]);
        expect(Array.from(layoutTimeline(t, 2).emphasised)).toEqual([1, 1, 0, 1]);
    });

    it("emphasises nothing extra when the field is not supplied", () => {
        const t = convertActions(tableDataView(rows, roles.filter((r) => r !== "p95Ms")))!;
        const l = layoutTimeline(t, 0);
        expect(l.aboveP95).toBeNull();
        expect(Array.from(l.emphasised)).toEqual([0, 0, 0, 0]);
    });
});
