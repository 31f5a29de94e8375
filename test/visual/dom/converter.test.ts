import { afterEach, describe, expect, it } from "vitest";
import { ActionTable, ActionTableBuilder, convertActions, endOf, grow, missingRoles, roleIndexes, runsInTable, text } from "../../../visual/src/model/actionTable.js";
import { HeatmapAggregator, buildHeatmap, quantile } from "../../../visual/src/model/heatmap.js";
import { hitTestHeatmap, heatmapGeometry } from "../../../visual/src/render/heatmapRenderer.js";
import { layoutTimeline, hitTestTimeline, LaneKind } from "../../../visual/src/model/timeline.js";
import { Formatter } from "../../../visual/src/format.js";
import { ActionRow, contractRoles, runRows, tableDataView } from "./helpers.js";

describe("convertActions", () => {
    it("reports the roles still missing and converts nothing without them", () => {
        const dv = tableDataView(runRows("r1", 3), ["run", "status"]);
        expect(missingRoles(roleIndexes(dv))).toEqual(["action", "time"]);
        expect(convertActions(dv)).toBeNull();
        const onlyDuration = tableDataView(runRows("r1", 3), ["action", "durationMs"]);
        expect(missingRoles(roleIndexes(onlyDuration))).toEqual([]);
    });

    it("chains actions that only have durations one after another", () => {
        const t = convertActions(tableDataView(runRows("r1", 3), ["action", "actionIndex", "durationMs"]))!;
        expect(t.count).toBe(3);
        expect(Array.from(t.start)).toEqual([0, 50, 110]);
        expect(t.issues.placed).toBe(3);
    });

    it("widens a dictionary's codes past 32,767 values, eager (subflow) and lazy (action) columns alike", () => {
        // Every row its own subflow and action: both dictionaries outgrow 16-bit codes part way through.
        const n = 40_000;
        const rows = runRows("r", n).map((r, i) => ({ ...r, subflow: `s${i}`, action: `a${i}` }));
        const t = convertActions(tableDataView(rows))!;
        expect(t.count).toBe(n);
        expect(t.subflow.codes).toBeInstanceOf(Int32Array);
        expect(t.subflow.values).toHaveLength(n);
        // Read before the lazy action column is encoded (one row from the DataView), then through its codes.
        expect(text(t.action, n - 1)).toBe(`a${n - 1}`);
        expect(t.action.codes).toBeInstanceOf(Int32Array);
        for (const i of [0, 32_766, 32_767, 32_768, n - 1]) {
            expect(t.subflow.values[t.subflow.codes[i]]).toBe(`s${i}`);
            expect(t.action.values[t.action.codes[i]]).toBe(`a${i}`);
            expect(text(t.action, i)).toBe(`a${i}`);
        }
        // The few values of the other columns keep 16-bit codes.
        expect(t.run.codes).toBeInstanceOf(Int16Array);
        expect(t.status.codes).toBeInstanceOf(Int16Array);
    });

    it("drops rows without an action or any time, and keeps nulls elsewhere", () => {
        const rows: ActionRow[] = [
            { run: "r", action: null, start: new Date(0), durationMs: 5 },
            { run: "r", action: "a", start: null, durationMs: null },
            { run: null, action: "b", start: new Date(10), end: new Date(20), durationMs: null, status: null },
        ];
        const t = convertActions(tableDataView(rows))!;
        expect(t.count).toBe(1);
        expect(t.issues.dropped).toBe(2);
        // Row ids are DataView rows: the kept one is the third.
        expect(Array.from(t.order)).toEqual([2]);
        expect(t.duration[2]).toBe(10);
        expect(text(t.status, 2)).toBe("");
        expect(runsInTable(t)).toHaveLength(1);
    });

    it("clamps negative durations and ends before starts to zero-length bars", () => {
        const rows: ActionRow[] = [
            { run: "r", action: "neg", start: new Date(1000), durationMs: -40 },
            { run: "r", action: "backwards", start: new Date(2000), end: new Date(1500), durationMs: null },
            { run: "r", action: "zero", start: new Date(3000), end: new Date(3000), durationMs: 0 },
        ];
        const t = convertActions(tableDataView(rows))!;
        expect(Array.from(t.duration)).toEqual([0, 0, 0]);
        expect([0, 1, 2].map((i) => endOf(t, i))).toEqual(Array.from(t.start));
        expect(t.issues.repaired).toBe(2);
    });

    it("removes duplicated rows and sorts unsorted input by run and start", () => {
        const base = runRows("r1", 4);
        const shuffled = [base[3], base[1], base[0], base[2], base[1], base[3]];
        const t = convertActions(tableDataView(shuffled))!;
        expect(t.count).toBe(4);
        expect(t.issues.duplicates).toBe(2);
        expect(Array.from(t.order, (i) => text(t.action, i))).toEqual(["Action 0", "Action 1", "Action 2", "Action 3"]);
        // Row ids are the DataView rows the actions came from (selection ids are built from them); the first copy is kept.
        expect(Array.from(t.order)).toEqual([2, 1, 3, 0]);
    });

    it("keeps several runs apart with their own extents", () => {
        const t0 = Date.UTC(2026, 0, 5, 9);
        const rows = [...runRows("b", 3, t0 + 3_600_000), ...runRows("a", 2, t0, 1)];
        const t = convertActions(tableDataView(rows))!;
        const runs = runsInTable(t);
        expect(runs.map((r) => t.run.values[r])).toEqual(["b", "a"]);
        const a = t.run.values.indexOf("a");
        expect(t.runEnd[a] - t.runFirst[a]).toBe(2);
        expect(t.runStart[a]).toBe(t0);
        expect(t.failed[t.order[t.runFirst[a] + 1]]).toBe(1);
    });

    it("marks failures from the status, or from an error when there is no status", () => {
        const rows: ActionRow[] = [
            { run: "r", action: "a", start: new Date(0), durationMs: 1, status: "Failed" },
            { run: "r", action: "b", start: new Date(1), durationMs: 1, status: null, error: "boom" },
            { run: "r", action: "c", start: new Date(2), durationMs: 1, status: "Succeeded" },
        ];
        const t = convertActions(tableDataView(rows))!;
        expect(Array.from(t.failed)).toEqual([1, 1, 0]);
    });

    it("accepts ISO strings and epoch numbers as times, keeping milliseconds", () => {
        const rows: ActionRow[] = [{ run: "r", action: "a", start: "2026-01-05T09:00:00.123Z", end: "2026-01-05T09:00:00.456Z", durationMs: null }];
        const t = convertActions(tableDataView(rows))!;
        expect(t.duration[0]).toBe(333);
    });

    it("converts 1,000,000 rows of 1,000 runs", () => {
        const n = 1_000_000;
        const t0 = Date.UTC(2026, 0, 1);
        const columns = ["run", "action", "subflow", "start", "durationMs", "status"].map((r, index) => ({ displayName: r, index, roles: { [r]: true } }));
        const actions = Array.from({ length: 50 }, (_, i) => `Action ${i}`);
        const runs = Array.from({ length: 1000 }, (_, i) => `run-${i}`);
        const rows = new Array(n);
        // Reverse order so the converter has to sort.
        for (let i = 0; i < n; i++) {
            const k = n - 1 - i;
            rows[i] = [runs[k % 1000], actions[k % 50], k % 7 ? "Main" : "Sub", new Date(t0 + k * 10), (k % 97) + 1, k % 1000 === 3 ? "Failed" : "Succeeded"];
        }
        const t = convertActions({ metadata: { columns }, table: { columns, rows } } as never)!;
        expect(t.count).toBe(n);
        expect(runsInTable(t)).toHaveLength(1000);
        let failed = 0;
        for (let i = 0; i < n; i++) failed += t.failed[i];
        expect(failed).toBe(1000);
        for (let k = 1; k < n; k++) {
            const i = t.order[k], p = t.order[k - 1];
            if (t.run.codes[i] === t.run.codes[p] && t.start[i] < t.start[p]) throw new Error(`unsorted at ${k}`);
        }
        const h = buildHeatmap(t, { rows: "action", columns: "hour", measure: "p95", maxRows: 10 });
        expect(h.rowLabels).toHaveLength(10);
    });
});

describe("appending segments", () => {
    // Three runs whose rows arrive out of order across segments, with a loop split from its children by a
    // segment boundary, and a row repeated in a later segment.
    const rows: ActionRow[] = [];
    for (const run of ["a", "b", "c"]) rows.push(...runRows(run, 12, Date.UTC(2026, 0, 5, 9 + rows.length / 12), run === "b" ? 7 : -1));
    rows.push({ run: "b", subflow: "Main", action: "Loop", actionIndex: 0, start: new Date(Date.UTC(2026, 0, 5, 10) - 1), end: new Date(Date.UTC(2026, 0, 5, 10) + 500), durationMs: 501, status: "Succeeded" });
    const shuffled = [...rows.slice(20), ...rows.slice(0, 20)];
    shuffled.push({ ...shuffled[3] });
    const cut = [11, 23, 31];

    it("gives the same table as converting all rows at once, converting only the new rows", () => {
        const all = convertActions(tableDataView(shuffled))!;
        const b = ActionTableBuilder.from(tableDataView(shuffled.slice(0, cut[0])))!;
        const added: number[] = [];
        for (const [k, n] of [...cut.slice(1), shuffled.length].entries()) {
            const before = b.table.size;
            const r = b.append(tableDataView(shuffled.slice(0, n)));
            expect(b.table.size).toBe(n);
            added.push(...r.added);
            // Only this segment's rows are new.
            for (const row of r.added) expect(row).toBeGreaterThanOrEqual(before);
            void k;
        }
        const t = b.table;
        expect(Array.from(t.order)).toEqual(Array.from(all.order));
        expect(Array.from(t.container)).toEqual(Array.from(all.container));
        expect(Array.from(t.failed)).toEqual(Array.from(all.failed));
        expect(t.issues).toEqual(all.issues);
        expect(t.issues.duplicates).toBe(1);
        expect(Array.from(t.runStart)).toEqual(Array.from(all.runStart));
        // The loop arrived after its children: it became a container then, and was reported as such.
        expect(t.container[shuffled.findIndex((r) => r.action === "Loop")]).toBe(1);
    });

    it("keeps heatmap aggregates equal to aggregating everything, as rows and container flips arrive", () => {
        const options = { rows: "action" as const, columns: "hour" as const, measure: "p95" as const, maxRows: 50 };
        const b = ActionTableBuilder.from(tableDataView(shuffled.slice(0, cut[0])))!;
        const agg = new HeatmapAggregator(options, false);
        agg.add(b.table, b.table.order);
        for (const n of [...cut.slice(1), shuffled.length]) {
            const r = b.append(tableDataView(shuffled.slice(0, n)));
            agg.add(b.table, r.added);
            agg.containersChanged(b.table, r.containerChanged);
        }
        const once = buildHeatmap(convertActions(tableDataView(shuffled))!, options);
        const model = agg.model(b.table);
        expect(model.rowLabels).toEqual(once.rowLabels);
        expect(model.cells.map((c) => [c.row, c.col, c.value, c.count, c.failures])).toEqual(once.cells.map((c) => [c.row, c.col, c.value, c.count, c.failures]));
        expect(model.rowLabels).not.toContain("Loop");
    });
});

describe("growing columns", () => {
    type WithTransfer = { transfer?: (n: number) => ArrayBuffer };
    const proto = ArrayBuffer.prototype as ArrayBuffer & WithTransfer;
    const native = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "transfer");
    /** ArrayBuffer.prototype.transfer as browsers have it (Node 20 does not): copies, then detaches the source. */
    const stubTransfer = (): number[] => {
        const calls: number[] = [];
        Object.defineProperty(ArrayBuffer.prototype, "transfer", {
            configurable: true, writable: true,
            value(this: ArrayBuffer, n: number): ArrayBuffer {
                calls.push(n);
                const out = new ArrayBuffer(n);
                new Uint8Array(out).set(new Uint8Array(this, 0, Math.min(n, this.byteLength)));
                structuredClone(this, { transfer: [this] });
                return out;
            },
        });
        return calls;
    };
    afterEach(() => {
        if (native) Object.defineProperty(ArrayBuffer.prototype, "transfer", native);
        else delete proto.transfer;
    });

    it("keeps the used entries and fills the rest, with or without ArrayBuffer.transfer", () => {
        for (const transfer of [false, true]) {
            const calls = transfer ? stubTransfer() : null;
            const a = Int16Array.from([1, 2, 3, 4]);
            const b = grow(a, 10, 3, -1);
            expect(Array.from(b)).toEqual([1, 2, 3, -1, -1, -1, -1, -1, -1, -1]);
            if (calls) {
                expect(calls).toEqual([20]);
                // The old column was handed over: its memory is released at once.
                expect(a.length).toBe(0);
            }
            const f = grow(Float64Array.from([0.5, 1.5]), 4, 2);
            expect(Array.from(f)).toEqual([0.5, 1.5, 0, 0]);
            // A view into a larger buffer is copied, never detached.
            const view = new Int32Array(8).subarray(2, 4);
            expect(Array.from(grow(view, 3, 2))).toEqual([0, 0, 0]);
            expect(view.length).toBe(2);
        }
    });

    it("appends segments to the same table when growing hands buffers over", () => {
        const calls = stubTransfer();
        const rows: ActionRow[] = [];
        for (let r = 0; r < 12; r++) rows.push(...runRows(`run${r}`, 9, Date.UTC(2026, 0, 5, r), r === 4 ? 3 : -1));
        const all = convertActions(tableDataView(rows))!;
        const b = ActionTableBuilder.from(tableDataView(rows.slice(0, 5)))!;
        for (let n = 13; n < rows.length; n += 8) b.append(tableDataView(rows.slice(0, n)));
        b.append(tableDataView(rows));
        expect(calls.length).toBeGreaterThan(0);
        const t = b.table;
        expect(Array.from(t.order)).toEqual(Array.from(all.order));
        expect(Array.from(t.start)).toEqual(Array.from(all.start));
        expect(Array.from(t.duration)).toEqual(Array.from(all.duration));
        expect(Array.from(t.failed)).toEqual(Array.from(all.failed));
        expect(Array.from(t.action.codes)).toEqual(Array.from(all.action.codes));
        expect(t.issues).toEqual(all.issues);
    });
});

describe("containers", () => {
    // A loop (0-100 ms) holding two actions, then a plain action; PAD runs actions one at a time.
    const rows: ActionRow[] = [
        { run: "r", action: "Loop", start: new Date(0), end: new Date(100), durationMs: 100 },
        { run: "r", action: "Click", start: new Date(2), end: new Date(40), durationMs: 38 },
        { run: "r", action: "Type", start: new Date(45), end: new Date(99), durationMs: 54 },
        { run: "r", action: "Close", start: new Date(101), end: new Date(111), durationMs: 10 },
    ];
    const t = convertActions(tableDataView(rows))!;

    it("recognises actions still running when the next one starts", () => {
        expect(Array.from(t.container)).toEqual([1, 0, 0, 0]);
    });

    it("leaves containers out of heatmaps and slowest-N unless asked", () => {
        expect(buildHeatmap(t, { rows: "action", columns: "hour", measure: "p95", maxRows: 10 }).rowLabels).toEqual(["Type", "Click", "Close"]);
        expect(buildHeatmap(t, { rows: "action", columns: "hour", measure: "p95", maxRows: 10, includeContainers: true }).rowLabels[0]).toBe("Loop");
        expect(Array.from(layoutTimeline(t, 1).emphasised)).toEqual([0, 0, 1, 0]);
    });
});

describe("buildHeatmap", () => {
    const t0 = new Date(2026, 0, 5, 9).getTime(); // local 09:00, a Monday
    const rows: ActionRow[] = [
        ...[100, 200, 300, 400].map((d, i) => ({ run: `r${i}`, action: "Slow", start: new Date(t0 + i * 1000), durationMs: d, status: i === 0 ? "Failed" : "Succeeded" })),
        ...[10, 20].map((d, i) => ({ run: `q${i}`, action: "Fast", start: new Date(t0 + 3_600_000 + i), durationMs: d, status: "Succeeded" })),
    ];
    const t = convertActions(tableDataView(rows))!;

    it("puts the worst rows first and computes percentiles per cell", () => {
        const h = buildHeatmap(t, { rows: "action", columns: "hour", measure: "p50", maxRows: 10 });
        expect(h.rowLabels).toEqual(["Slow", "Fast"]);
        // Every hour of the day is a column, so 09:00 and 10:00 sit where they belong and empty hours show as gaps.
        expect(h.columnKeys).toEqual(Array.from({ length: 24 }, (_, i) => i));
        const slow = h.cells.find((c) => c.row === 0)!;
        expect(slow.col).toBe(9);
        expect(slow.value).toBe(250);
        expect(slow.count).toBe(4);
        expect(slow.failures).toBe(1);
        expect(slow.failureRate).toBe(0.25);
        expect(h.grid[0 * 24 + 10]).toBe(-1);
        expect(h.grid[1 * 24 + 10]).toBeGreaterThanOrEqual(0);
    });

    it("hit-tests cells", () => {
        const h = buildHeatmap(t, { rows: "action", columns: "hour", measure: "p50", maxRows: 10 });
        const g = heatmapGeometry(h, 1000, 300, 100, 20, 40);
        expect(hitTestHeatmap(h, g, 100 + g.cellWidth * 9.5, 20 + g.cellHeight * 0.5)).toBe(h.grid[9]);
        expect(h.grid[9]).toBeGreaterThanOrEqual(0);
        expect(hitTestHeatmap(h, g, 100 + g.cellWidth * 10.5, 20 + g.cellHeight * 0.5)).toBe(-1);
        expect(hitTestHeatmap(h, g, 50, 30)).toBe(-1);
    });

    it("supports failure rate, count, mean, p95 and weekday/date/machine columns", () => {
        expect(buildHeatmap(t, { rows: "action", columns: "weekday", measure: "failureRate", maxRows: 10 }).cells[0].value).toBe(0.25);
        expect(buildHeatmap(t, { rows: "action", columns: "weekday", measure: "failureRate", maxRows: 10 }).columnKeys).toEqual([0, 1, 2, 3, 4, 5, 6]);
        expect(buildHeatmap(t, { rows: "action", columns: "date", measure: "count", maxRows: 10 }).cells.map((c) => c.value)).toEqual([4, 2]);
        expect(buildHeatmap(t, { rows: "flow", columns: "machine", measure: "mean", maxRows: 10 }).cells[0].value).toBeCloseTo(1030 / 6);
        expect(buildHeatmap(t, { rows: "action", columns: "hour", measure: "p95", maxRows: 1 }).hiddenRows).toBe(1);
        expect(quantile(Float64Array.from([100, 200, 300, 400]), 0.95)).toBeCloseTo(385);
    });
});

describe("lazily encoded text columns", () => {
    // Action, flow, machine, error and module are encoded on first read of their codes or values; `text`
    // reads a single row from the DataView until then, and must give what the dictionary will.
    const lazyRoles = ["action", "flow", "machine", "error", "module"] as const;
    const rows: ActionRow[] = [
        { run: "r", flow: "F", subflow: "main", action: "a", machine: "VM-01", start: new Date(0), durationMs: 5, status: "Succeeded", error: null, module: "Excel" },
        { run: "r", flow: "F", subflow: "main", action: "b", machine: null, start: new Date(10), durationMs: 5, status: null, error: "boom", module: "" },
        { run: "r", flow: "", subflow: "main", action: "a", machine: "VM-02", start: new Date(20), durationMs: 5, status: "Failed", error: "", module: "Excel" },
        { run: "r", flow: "F", subflow: "main", action: "c", machine: "VM-01", start: new Date(30), durationMs: 5, status: "Succeeded", error: null, module: null },
    ];
    const roles = [...contractRoles];
    // Values other than text in a text column (a number, a date) read as the dictionary writes them.
    const dataView = (n: number) => {
        const dv = tableDataView(rows.slice(0, n), roles);
        const table = dv.table?.rows ?? [];
        if (n > 3) table[3][roles.indexOf("machine")] = 42;
        if (n > 3) table[3][roles.indexOf("flow")] = new Date(Date.UTC(2026, 0, 5));
        return dv;
    };
    const texts = (t: ActionTable): string[][] => [0, 1, 2, 3].slice(0, t.size).map((i) => lazyRoles.map((c) => text(t[c], i)));
    const expected = [
        ["a", "F", "VM-01", "", "Excel"],
        ["b", "F", "", "boom", ""],
        ["a", "", "VM-02", "", "Excel"],
        ["c", "2026-01-05T00:00:00.000Z", "42", "", ""],
    ];

    it("reads single rows as the encoded column does, before and after it is encoded", () => {
        const t = convertActions(dataView(4))!;
        expect(texts(t)).toEqual(expected);
        // Reading the codes encodes the column.
        expect(Array.from(t.machine.codes)).toEqual([0, -1, 1, 2]);
        expect(t.machine.values).toEqual(["VM-01", "VM-02", "42"]);
        expect(Array.from(t.flow.codes)).toEqual([0, 0, -1, 1]);
        expect(Array.from(t.error.codes)).toEqual([-1, 0, -1, -1]);
        for (const c of lazyRoles) void t[c].values;
        expect(texts(t)).toEqual(expected);
        // An error without a status is a failure; a missing machine or error is no tooltip line.
        expect(Array.from(t.failed)).toEqual([0, 1, 1, 0]);
    });

    it("encodes the rows of later segments when first read", () => {
        const b = ActionTableBuilder.from(dataView(2))!;
        expect(texts(b.table)).toEqual(expected.slice(0, 2));
        expect(Array.from(b.table.action.codes)).toEqual([0, 1]);
        b.append(dataView(4));
        // Rows read before the append stay as they were; the new ones are read from the new rows.
        expect(texts(b.table)).toEqual(expected);
        expect(Array.from(b.table.action.codes)).toEqual([0, 1, 0, 2]);
        expect(b.table.action.values).toEqual(["a", "b", "c"]);
        expect(Array.from(b.table.module.codes)).toEqual([0, -1, 0, -1]);
    });

    it("drops rows without an action name as the encoded column would", () => {
        const dv = tableDataView([...rows, { run: "r", action: "", start: new Date(40), durationMs: 1 }, { run: "r", action: null, start: new Date(50), durationMs: 1 }], roles);
        const t = convertActions(dv)!;
        expect(t.count).toBe(4);
        expect(t.issues.droppedNoAction).toBe(2);
        expect(Array.from(t.action.codes).slice(4)).toEqual([-1, -1]);
    });
});

describe("layoutTimeline", () => {
    it("lays out subflow calls, returns to main and folded groups", () => {
        const subflows = ["main", "A", "A", "main", "B", "B", "B", "A", "main"];
        const rows: ActionRow[] = subflows.map((subflow, i) => ({ run: "r", subflow, action: `x${i}`, start: new Date(i * 10), durationMs: 5 }));
        const t = convertActions(tableDataView(rows))!;
        const open = layoutTimeline(t, 0);
        const A = LaneKind.Action, S = LaneKind.Subflow;
        expect(Array.from(open.laneKind)).toEqual([LaneKind.Run, S, A, S, A, A, A, S, A, A, A, S, A, A]);
        expect(Array.from(open.laneDepth)).toEqual([0, 1, 2, 2, 3, 3, 2, 2, 3, 3, 3, 2, 3, 2]);
        expect(Array.from(open.laneRef)).toEqual([0, 0, 0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8]);
        expect(Array.from(open.laneOfRow)).toEqual([2, 4, 5, 6, 8, 9, 10, 12, 13]);
        expect([1, 3, 7, 11].map((lane) => open.groupRows(lane))).toEqual([[0, 9], [1, 3], [4, 7], [7, 8]]);
        // Folding the B call keeps its header lane only; its rows are on it.
        const folded = layoutTimeline(t, 0, false, new Set([4]));
        expect(Array.from(folded.laneKind)).toEqual([LaneKind.Run, S, A, S, A, A, A, S, S, A, A]);
        expect(Array.from(folded.laneCollapsed)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
        expect(Array.from(folded.laneOfRow)).toEqual([2, 4, 5, 6, 7, 7, 7, 9, 10]);
        expect([3, 7, 8].map((lane) => folded.groupRows(lane))).toEqual([[1, 3], [4, 7], [7, 8]]);
    });

    it("gives one run a header, subflow groups and a lane per action, with the slowest emphasised", () => {
        const t = convertActions(tableDataView(runRows("r1", 4, undefined, -1, [10, 500, 20, 30])))!;
        const l = layoutTimeline(t, 1);
        expect(l.mode).toBe("single");
        expect(Array.from(l.laneKind)).toEqual([LaneKind.Run, LaneKind.Subflow, LaneKind.Action, LaneKind.Action, LaneKind.Subflow, LaneKind.Action, LaneKind.Action]);
        expect(l.laneDepth[5]).toBeGreaterThan(l.laneDepth[2]);
        expect(Array.from(l.emphasised)).toEqual([0, 1, 0, 0]);
        const g = { width: 1100, height: 400, labelWidth: 100, axisHeight: 20, laneHeight: 10 };
        const v = { t0: 0, t1: l.span, scrollY: 0 };
        // Second action starts at 15 ms and lasts 500 ms: its lane is lane 3.
        const x = 100 + ((15 + 250) / l.span) * 1000;
        expect(hitTestTimeline(t, l, g, v, x, 20 + 3 * 10 + 5)).toBe(1);
        expect(hitTestTimeline(t, l, g, v, x, 20 + 1 * 10 + 5)).toBe(-1);
    });

    it("draws several runs as bands on a relative axis", () => {
        const t0 = Date.UTC(2026, 0, 5, 9);
        const t = convertActions(tableDataView([...runRows("a", 3, t0), ...runRows("b", 5, t0 + 86_400_000)]))!;
        const l = layoutTimeline(t, 0, true);
        expect(l.mode).toBe("bands");
        expect(l.laneCount).toBe(2);
        expect(l.span).toBe(t.runFinish[1] - t.runStart[1]);
        const g = { width: 1100, height: 400, labelWidth: 100, axisHeight: 20, laneHeight: 10 };
        expect(hitTestTimeline(t, l, g, { t0: 0, t1: l.span, scrollY: 0 }, 101, 35)).toBe(t.order[t.runFirst[1]]);
    });
});

describe("Formatter", () => {
    it("prints counts and durations the same through the one number format it builds first", () => {
        for (const locale of ["en-US", "de-DE", "fr-FR", "hi-IN"]) {
            const f = new Formatter(locale);
            const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
            for (const n of [0, 7, 1234, 1_234_567, -98_765]) expect(f.count(n)).toBe(integer.format(n));
            // Fractions (an action index of 12.5) are still rounded as counts.
            expect(f.count(1234.6)).toBe(integer.format(1234.6));
        }
        const en = new Formatter("en-US");
        expect(en.duration(3_725_000)).toBe("1 h 2 min");
        expect(en.duration(125_400)).toBe("2 min 5.4 s");
        expect(en.duration(845.5)).toBe("845.5 ms");
    });
});
