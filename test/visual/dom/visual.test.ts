import powerbi from "powerbi-visuals-api";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createVisualHost } from "powerbi-visuals-utils-testutils";
import { Visual } from "../../../visual/src/visual.js";
import { ActionRow, Role, contractRoles, hourlyRoles, runRows, tableDataView } from "./helpers.js";
import { ActionTable } from "../../../visual/src/model/actionTable.js";

import IVisualHost = powerbi.extensibility.visual.IVisualHost;
import DataView = powerbi.DataView;

const viewport = { width: 800, height: 400 };

interface Harness {
    host: IVisualHost;
    element: HTMLElement;
    visual: Visual;
    root: HTMLElement;
    withTable: ReturnType<typeof vi.fn>;
    update: (dv: DataView | undefined) => void;
}

function harness(opts: { locale?: string; highContrast?: boolean } = {}): Harness {
    const host = createVisualHost({ allowInteractions: true });
    Object.defineProperty(host, "locale", { value: opts.locale ?? "en-US", configurable: true });
    vi.spyOn(host.eventService, "renderingStarted");
    vi.spyOn(host.eventService, "renderingFinished");
    vi.spyOn(host.eventService, "renderingFailed");
    if (opts.highContrast) {
        Object.assign(host.colorPalette, {
            isHighContrast: true, foreground: { value: "#ffff00" }, background: { value: "#000000" },
            foregroundSelected: { value: "#00ffff" }, hyperlink: { value: "#ff00ff" },
        });
    }
    // Record which table rows selection ids are built for.
    const withTable = vi.fn();
    vi.spyOn(host, "createSelectionIdBuilder").mockImplementation(() => {
        let key = "";
        const builder = {
            withTable: (_table: unknown, row: number) => { withTable(row); key = `row${row}`; return builder; },
            createSelectionId: () => ({ key, equals: (o: { key: string }) => o.key === key, includes: () => false, getKey: () => key, getSelector: () => ({}), getSelectorsByColumn: () => ({}), hasIdentity: () => true }),
        };
        return builder as never;
    });
    const element = document.createElement("div");
    document.body.replaceChildren(element);
    const visual = new Visual({ element, host } as never);
    const root = element.querySelector<HTMLElement>(".padlens-root")!;
    vi.spyOn(root, "getBoundingClientRect").mockReturnValue({ left: 0, top: 0, right: 800, bottom: 400, width: 800, height: 400, x: 0, y: 0, toJSON: () => ({}) });
    return {
        host, element, visual, root, withTable,
        update: (dv) => visual.update({ dataViews: dv ? [dv] : [], viewport, type: 2 } as never),
    };
}

function mouse(type: string, x: number, y: number, extra: MouseEventInit = {}): MouseEvent {
    return new MouseEvent(type, { clientX: x, clientY: y, bubbles: true, cancelable: true, ...extra });
}

/** The action name of a row, as its tooltip shows it. */
function actionOf(visual: Visual, row: number): string {
    return String(visual.behavior.tooltipFor(row).find((i) => i.displayName === "Action")?.value ?? "");
}

/** A point on the bar of the k-th action of a single run laid out with default settings. */
function pointOnAction(h: Harness, row: number): { x: number; y: number } {
    for (let y = 23; y < 400; y += 4) {
        for (let x = 200; x < 800; x += 2) if (h.visual.behavior.hitTest(x, y) === row) return { x, y };
    }
    throw new Error(`action ${row} not on screen`);
}

describe("padlens visual", () => {
    beforeEach(() => vi.restoreAllMocks());

    it("shows a landing page naming the missing fields, and still reports rendering finished", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 3), ["run", "status"]));
        expect(h.root.classList.contains("padlens-landing")).toBe(true);
        expect(h.root.textContent).toContain("Add the Action field.");
        expect(h.root.textContent).toContain("Add Start (and End) or Duration (ms).");
        expect(h.host.eventService.renderingFinished).toHaveBeenCalledTimes(1);
        h.update(undefined);
        expect(h.host.eventService.renderingFinished).toHaveBeenCalledTimes(2);
    });

    it("localises the landing page when the host has German strings", () => {
        const h = harness({ locale: "de-DE" });
        vi.spyOn(h.host, "createLocalizationManager").mockReturnValue({ getDisplayName: (k: string) => (k === "Landing_NeedAction" ? "Fügen Sie das Feld Aktion hinzu." : k) });
        const element = document.createElement("div");
        const v = new Visual({ element, host: h.host } as never);
        v.update({ dataViews: [tableDataView(runRows("r", 3), ["run"])], viewport, type: 2 } as never);
        expect(element.textContent).toContain("Fügen Sie das Feld Aktion hinzu.");
    });

    it("renders an empty filter as a message and a failing conversion as renderingFailed", () => {
        const h = harness();
        h.update(tableDataView([]));
        expect(h.root.textContent).toContain("No actions");
        expect(h.host.eventService.renderingFinished).toHaveBeenCalled();
        const broken = tableDataView(runRows("r", 2));
        Object.defineProperty(broken.table!, "rows", { get: () => { throw new Error("bad segment"); } });
        h.update(broken);
        expect(h.host.eventService.renderingFailed).toHaveBeenCalledWith("bad segment");
    });

    it("picks the timeline for one run and the heatmap for several, unless pinned", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 4)));
        expect(h.root.dataset.view).toBe("timeline");
        expect(h.root.dataset.lanes).toBe("7");
        expect(h.root.getAttribute("aria-label")).toBe("Timeline: 4 actions in 1 runs, 0 failed.");
        const several = [...runRows("a", 4), ...runRows("b", 4, Date.UTC(2026, 0, 6, 13))];
        h.update(tableDataView(several));
        expect(h.root.dataset.view).toBe("heatmap");
        expect(h.root.dataset.rows).toBe("4");
        expect(h.root.dataset.cells).toBe("8");
        h.update(tableDataView(several, undefined, { view: { mode: "timeline" } }));
        expect(h.root.dataset.view).toBe("timeline");
        expect(h.root.dataset.lanes).toBe("2");
        // Bands are labelled by flow and start first (in the report's locale), then the run; ordered by start.
        const layout = (h.visual as unknown as { layout: { laneLabel: (l: number) => string } }).layout;
        expect(layout.laneLabel(0)).toMatch(/^Invoices · 01\/05\/2026, \d\d:00 · a$/);
        expect(layout.laneLabel(1)).toMatch(/^Invoices · 01\/06\/2026, \d\d:00 · b$/);
    });

    it("selects an action on click, adds with Ctrl-click, and clears on empty space", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 4)));
        const sm = h.host.createSelectionManager();
        const select = vi.spyOn(sm, "select");
        const clear = vi.spyOn(sm, "clear");
        const p1 = pointOnAction(h, 1);
        h.root.dispatchEvent(mouse("click", p1.x, p1.y));
        expect(select).toHaveBeenLastCalledWith([expect.objectContaining({ key: "row1" })], false);
        const p2 = pointOnAction(h, 2);
        h.root.dispatchEvent(mouse("click", p2.x, p2.y, { ctrlKey: true }));
        expect(select).toHaveBeenLastCalledWith([expect.objectContaining({ key: "row2" })], true);
        h.root.dispatchEvent(mouse("click", 790, 395));
        expect(clear).toHaveBeenCalled();
    });

    it("does not select when the host disallows interactions", () => {
        const h = harness();
        Object.defineProperty(h.host, "hostCapabilities", { value: { allowInteractions: false }, configurable: true });
        h.update(tableDataView(runRows("r", 4)));
        const sm = h.host.createSelectionManager();
        const select = vi.spyOn(sm, "select");
        const p = pointOnAction(h, 1);
        h.root.dispatchEvent(mouse("click", p.x, p.y));
        expect(select).not.toHaveBeenCalled();
    });

    it("selects every row behind a heatmap cell", () => {
        const h = harness();
        const rows = [...runRows("a", 2), ...runRows("b", 2)];
        h.update(tableDataView(rows));
        const sm = h.host.createSelectionManager();
        const select = vi.spyOn(sm, "select");
        h.root.focus();
        h.root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
        h.root.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
        const ids = select.mock.calls[0][0] as { key: string }[];
        // "Action 1" is the slowest row, run by both a (rows 0-1) and b (rows 2-3) in the same hour.
        expect(ids.map((i) => i.key).sort()).toEqual(["row1", "row3"]);
    });

    it("opens the context menu on a data point and on empty space", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 3)));
        const sm = h.host.createSelectionManager();
        const menu = vi.spyOn(sm, "showContextMenu");
        const p = pointOnAction(h, 0);
        h.root.dispatchEvent(mouse("contextmenu", p.x, p.y));
        expect(menu).toHaveBeenLastCalledWith(expect.objectContaining({ key: "row0" }), { x: p.x, y: p.y });
        h.root.dispatchEvent(mouse("contextmenu", 790, 395));
        expect(menu).toHaveBeenLastCalledWith({}, { x: 790, y: 395 });
    });

    it("shows tooltips with the action, duration in ms precision and error, and hides them off the bars", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 3, undefined, 1)));
        const show = vi.spyOn(h.host.tooltipService, "show");
        const hide = vi.spyOn(h.host.tooltipService, "hide");
        const p = pointOnAction(h, 1);
        h.root.dispatchEvent(new PointerEvent("pointermove", { clientX: p.x, clientY: p.y, bubbles: true }));
        const items = show.mock.calls[0][0].dataItems!;
        expect(items).toContainEqual({ displayName: "Action", value: "Action 1" });
        expect(items).toContainEqual({ displayName: "Duration", value: "60 ms" });
        expect(items).toContainEqual({ displayName: "Error", value: "Element not found" });
        h.root.dispatchEvent(new PointerEvent("pointermove", { clientX: 790, clientY: 395, bubbles: true }));
        expect(hide).toHaveBeenCalled();
    });

    it("outlines actions above their Action p95 and says so in the tooltip", () => {
        const h = harness();
        const rows = runRows("r", 3, undefined, -1, [10, 500, 20]).map((r, i) => ({ ...r, p95Ms: [50, 400, 50][i] }));
        h.update(tableDataView(rows, ["run", "subflow", "action", "start", "end", "durationMs", "status", "p95Ms"], { timeline: { slowestN: 0 } }));
        expect(h.root.dataset.view).toBe("timeline");
        const layout = (h.visual as unknown as { layout: { emphasised: Uint8Array } }).layout;
        expect(Array.from(layout.emphasised)).toEqual([0, 1, 0]);
        const show = vi.spyOn(h.host.tooltipService, "show");
        const p = pointOnAction(h, 1);
        h.root.dispatchEvent(new PointerEvent("pointermove", { clientX: p.x, clientY: p.y, bubbles: true }));
        expect(show.mock.calls[0][0].dataItems).toContainEqual({ displayName: "Above p95", value: "400 ms" });
        expect(h.visual.behavior.tooltipFor(0)).toContainEqual({ displayName: "Action p95 (ms)", value: "50 ms" });
        expect(h.visual.behavior.tooltipFor(0).map((i) => i.displayName)).not.toContain("Above p95");
    });

    it("shows pre-aggregated hourly rows as a heatmap of executions, flagging combined percentiles as approximate", () => {
        const h = harness();
        const h9 = new Date(2026, 0, 5, 9);
        const hourly = [
            { flow: "Invoices", action: "Export", machine: "VM-01", start: h9, executions: 10, failures: 1, totalMs: 10_000, p50Ms: 800, p95Ms: 2000 },
            { flow: "Invoices", action: "Export", machine: "VM-02", start: h9, executions: 30, failures: 0, totalMs: 24_000, p50Ms: 700, p95Ms: 1000 },
        ];
        // No Run field: one pseudo-run, yet hourly aggregates belong in the heatmap.
        h.update(tableDataView(hourly, hourlyRoles));
        expect(h.root.dataset.view).toBe("heatmap");
        expect(h.root.dataset.cells).toBe("1");
        const items = h.visual.behavior.tooltipFor(0);
        // The tooltip names the measure, and gives the failure rate too.
        expect(items[0]).toMatchObject({ displayName: "p95 duration", value: "≈ 1.25 s", header: "Export · 09" });
        expect(items).toContainEqual({ displayName: "Executions", value: "40" });
        expect(items).toContainEqual({ displayName: "Failures", value: "1" });
        expect(items).toContainEqual({ displayName: "Failure rate", value: "2.5%" });
        expect(items).toContainEqual({ displayName: "≈", value: "Approximate: executions-weighted mean of 2 pre-aggregated percentiles" });
        h.update(tableDataView(hourly, hourlyRoles, { heatmap: { measure: "count" } }));
        expect(h.visual.behavior.tooltipFor(0)[0].value).toBe("40");
        expect(h.visual.behavior.tooltipFor(0).map((i) => i.displayName)).not.toContain("≈");
    });

    it("adds the fields of the Tooltips well to an action's tooltip", () => {
        const h = harness();
        const dv = tableDataView(runRows("r", 2));
        const col = { displayName: "Robot cost", queryName: "m.cost", index: 11, roles: { tooltips: true }, type: { numeric: true } };
        dv.table!.columns.push(col as never);
        dv.table!.rows!.forEach((r, i) => r.push(i === 0 ? 1234.5 : (null as unknown as number)));
        h.update(dv);
        expect(h.visual.behavior.tooltipFor(0)).toContainEqual({ displayName: "Robot cost", value: "1,234.5" });
        expect(h.visual.behavior.tooltipFor(1).map((i) => i.displayName)).not.toContain("Robot cost");
    });

    it("formats numbers and dates by the report locale", () => {
        const h = harness({ locale: "de-DE" });
        h.update(tableDataView(runRows("r", 2, undefined, -1, [1234.5, 20])));
        const items = h.visual.behavior.tooltipFor(0);
        expect(items).toContainEqual({ displayName: "Duration", value: "1,235 s" });
        expect(items.find((i) => i.displayName === "Start")!.value).toMatch(/05\.01\.2026/);
    });

    it("moves a visible keyboard focus through the actions and zooms with +/-", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 4)));
        const ring = h.root.querySelector<HTMLElement>(".padlens-focus")!;
        const key = (k: string): void => { h.root.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true })); };
        h.root.focus();
        key("ArrowDown");
        expect(ring.style.display).toBe("block");
        expect(h.root.querySelector(".padlens-status")!.textContent).toBe("Subflow: Main");
        key("ArrowDown");
        expect(h.visual.behavior.focusedItem()).toBe(0);
        // Lanes: run, Main, a0, a1, Export, a2, a3.
        key("ArrowDown"); key("ArrowDown"); key("ArrowDown");
        expect(h.visual.behavior.focusedItem()).toBe(2);
        expect(h.root.querySelector(".padlens-status")!.textContent).toContain("Action 2");
        const ticksBefore = Array.from(h.root.querySelectorAll(".padlens-tick")).map((e) => e.textContent);
        h.root.dispatchEvent(new KeyboardEvent("keydown", { key: "+", bubbles: true }));
        const ticksAfter = Array.from(h.root.querySelectorAll(".padlens-tick")).map((e) => e.textContent);
        expect(ticksAfter).not.toEqual(ticksBefore);
        const sm = h.host.createSelectionManager();
        const select = vi.spyOn(sm, "select");
        h.root.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
        expect(select).toHaveBeenCalledWith([expect.objectContaining({ key: "row2" })], false);
    });

    it("collapses and expands a subflow group from its header, by click and by keyboard", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 4)));
        expect(h.root.dataset.lanes).toBe("7");
        // The "Export" header is lane 4: axis 22 px + 4 lanes of 16 px.
        h.root.dispatchEvent(mouse("click", 40, 22 + 4 * 16 + 8));
        expect(h.root.dataset.lanes).toBe("5");
        h.root.focus();
        const key = (k: string): void => { h.root.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true })); };
        key("ArrowDown");
        // "Main" is the run's root group: folding it folds the whole run to its header.
        key("Enter");
        expect(h.root.dataset.lanes).toBe("2");
        key("Enter");
        expect(h.root.dataset.lanes).toBe("5");
    });

    it("zooms with a two-finger pinch and does not select after a drag", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 4)));
        const ticks = (): (string | null)[] => Array.from(h.root.querySelectorAll(".padlens-tick")).map((e) => e.textContent);
        const before = ticks();
        const pe = (type: string, id: number, x: number): PointerEvent => new PointerEvent(type, { pointerId: id, pointerType: "touch", clientX: x, clientY: 100, buttons: 1, bubbles: true });
        h.root.dispatchEvent(pe("pointerdown", 1, 400));
        h.root.dispatchEvent(pe("pointerdown", 2, 500));
        h.root.dispatchEvent(pe("pointermove", 2, 700));
        h.root.dispatchEvent(pe("pointerup", 2, 700));
        h.root.dispatchEvent(pe("pointerup", 1, 400));
        expect(ticks()).not.toEqual(before);

        const sm = h.host.createSelectionManager();
        const select = vi.spyOn(sm, "select");
        const clear = vi.spyOn(sm, "clear");
        const p = pointOnAction(h, 1);
        h.root.dispatchEvent(new PointerEvent("pointerdown", { pointerId: 3, clientX: p.x - 60, clientY: p.y, button: 0, buttons: 1, bubbles: true }));
        h.root.dispatchEvent(new PointerEvent("pointermove", { pointerId: 3, clientX: p.x, clientY: p.y, buttons: 1, bubbles: true }));
        h.root.dispatchEvent(new PointerEvent("pointerup", { pointerId: 3, clientX: p.x, clientY: p.y, bubbles: true }));
        h.root.dispatchEvent(mouse("click", p.x, p.y));
        // The click that ends a drag neither selects nor clears.
        expect(select).not.toHaveBeenCalled();
        expect(clear).not.toHaveBeenCalled();
        h.root.dispatchEvent(mouse("click", p.x, p.y));
        expect(select.mock.calls.length + clear.mock.calls.length).toBe(1);
    });

    it("uses the high-contrast palette colours", () => {
        const h = harness({ highContrast: true });
        h.update(tableDataView(runRows("r", 3)));
        const palette = (h.visual as unknown as { palette: { failed: string; succeeded: string; background: string } }).palette;
        expect(palette).toMatchObject({ succeeded: "#ffff00", background: "#000000", failed: "#ff00ff" });
        // DOM labels (axis ticks) follow the theme too.
        expect(h.root.style.color).toMatch(/#ffff00|rgb\(255, 255, 0\)/);
    });

    describe("segments (fetchMoreData)", () => {
        const loadMore = { dataLimits: { loadMore: true, maxRows: 1_000_000 } };
        /** Power BI's aggregation mode: every update holds all rows so far; `segment` while more are coming. */
        function segments(all: ActionRow[], sizes: number[], roles?: Role[], objects: powerbi.DataViewObjects = loadMore): { dv: DataView; operationKind: number }[] {
            const out: { dv: DataView; operationKind: number }[] = [];
            let n = 0;
            sizes.forEach((size, k) => {
                n += size;
                out.push({ dv: tableDataView(all.slice(0, n), roles, objects, k < sizes.length - 1), operationKind: k === 0 ? 0 : 1 });
            });
            return out;
        }
        const send = (h: Harness, s: { dv: DataView; operationKind: number }, type = 2): void =>
            h.visual.update({ dataViews: [s.dv], viewport, type, operationKind: s.operationKind } as never);
        const selectedActions = (h: Harness): string[] => Array.from(h.visual.behavior.selected, (row) => actionOf(h.visual, row)).sort();
        // One run whose DataView rows arrive out of time order: the second segment holds its earlier actions.
        const run = runRows("r", 12);
        const shuffled = [...run.slice(6), ...run.slice(0, 6)];

        it("keeps the clicked action selected when a segment with earlier actions arrives", () => {
            const h = harness();
            vi.spyOn(h.host, "fetchMoreData").mockReturnValue(true);
            const [first, second] = segments(shuffled, [6, 6]);
            send(h, first);
            const p = pointOnAction(h, 2); // row 2 of the first segment is "Action 8"
            h.root.dispatchEvent(mouse("click", p.x, p.y));
            expect(selectedActions(h)).toEqual(["Action 8"]);
            send(h, second);
            expect(h.root.dataset.actions).toBe("12");
            // Sorted by time, "Action 8" is now the ninth action: still the selected one, and the host's id is still row 2.
            expect(selectedActions(h)).toEqual(["Action 8"]);
            expect(h.host.createSelectionManager().getSelectionIds().map((id) => (id as unknown as { key: string }).key)).toEqual(["row2"]);
        });

        it("keeps zoom, selection and focus after the last segment, and a resize asks for nothing", () => {
            const h = harness();
            const fetch = vi.spyOn(h.host, "fetchMoreData").mockReturnValue(true);
            const [first, second, last] = segments(shuffled, [4, 4, 4]);
            send(h, first);
            expect(fetch).toHaveBeenCalledTimes(1);
            const loading = h.root.querySelector<HTMLElement>(".padlens-loading")!;
            expect(loading.hidden).toBe(false);
            expect(loading.textContent).toBe("Loading more rows: 4");
            h.root.focus();
            const key = (k: string): void => { h.root.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true })); };
            key("ArrowDown"); key("ArrowDown");
            expect(h.visual.behavior.focusedItem()).toBe(0);
            key("Enter");
            key("+");
            // The zoomed window in clock time (the axis is relative to the run's start, which later segments move).
            const windowOf = (): number[] => {
                const v = h.visual as unknown as { viewport: { t0: number; t1: number }; layout: { originOfRow: (r: number) => number } };
                return [v.viewport.t0 + v.layout.originOfRow(0), v.viewport.t1 + v.layout.originOfRow(0)];
            };
            const zoomed = windowOf();
            // A resize while loading carries the same DataView: no second request for the same rows.
            send(h, first, 4);
            send(h, { dv: { ...first.dv }, operationKind: 0 }, 2);
            expect(fetch).toHaveBeenCalledTimes(1);
            send(h, second);
            expect(fetch).toHaveBeenCalledTimes(2);
            expect(loading.textContent).toBe("Loading more rows: 8");
            send(h, last);
            expect(fetch).toHaveBeenCalledTimes(2);
            expect(loading.hidden).toBe(true);
            expect(h.root.dataset.actions).toBe("12");
            expect(selectedActions(h)).toEqual(["Action 6"]);
            expect(windowOf()).toEqual(zoomed);
            // Focus stayed on the same action although a "Main" group of six lanes now comes before it.
            expect(actionOf(h.visual, h.visual.behavior.focusedItem())).toBe("Action 6");
            send(h, last, 4);
            expect(fetch).toHaveBeenCalledTimes(2);
        });

        it("does not convert the rows again on a resize or a format change", () => {
            const h = harness();
            vi.spyOn(h.host, "fetchMoreData").mockReturnValue(true);
            const [first, last] = segments(runRows("r", 8), [4, 4]);
            send(h, first);
            send(h, last);
            const table = (h.visual as unknown as { table: ActionTable }).table;
            send(h, last, 4);
            // A format change: a new DataView object with the same rows and other objects.
            send(h, { dv: tableDataView(runRows("r", 8), undefined, { ...loadMore, timeline: { laneHeight: 20 } }), operationKind: 0 });
            expect((h.visual as unknown as { table: ActionTable }).table).toBe(table);
            expect(h.root.dataset.lanes).toBe("11");
            // Other data (a filter changed one value) is converted again.
            const changed = runRows("r", 8);
            changed[5] = { ...changed[5], status: "Failed" };
            send(h, { dv: tableDataView(changed, undefined, loadMore), operationKind: 0 });
            expect((h.visual as unknown as { table: ActionTable }).table).not.toBe(table);
            expect(h.root.dataset.failed).toBe("1");
        });

        it("adds each segment to the heatmap without aggregating earlier rows again, with the same cells as one update", () => {
            const all: ActionRow[] = [];
            for (let r = 0; r < 9; r++) all.push(...runRows(`run-${r}`, 10, Date.UTC(2026, 0, 5, 6 + r), r % 3 === 0 ? 4 : -1));
            const h = harness();
            vi.spyOn(h.host, "fetchMoreData").mockReturnValue(true);
            const parts = segments(all, [30, 30, 30], undefined, { ...loadMore, heatmap: { measure: "p95" } });
            send(h, parts[0]);
            const aggregator = (h.visual as unknown as { heatAggregator: unknown }).heatAggregator;
            send(h, parts[1]);
            send(h, parts[2]);
            expect((h.visual as unknown as { heatAggregator: unknown }).heatAggregator).toBe(aggregator);
            const once = harness();
            once.update(tableDataView(all, undefined, { heatmap: { measure: "p95" } }));
            const cells = (v: Visual): unknown => (v as unknown as { heatmap: { cells: { value: number; count: number; failures: number }[] } }).heatmap.cells.map((c) => [c.value, c.count, c.failures]);
            expect(cells(h.visual)).toEqual(cells(once.visual));
            expect(h.root.dataset.cells).toBe(once.root.dataset.cells);
        });

        it("keeps the selection through segments of duration-only rows too (converted whole, same row ids)", () => {
            const h = harness();
            vi.spyOn(h.host, "fetchMoreData").mockReturnValue(true);
            const roles: Role[] = ["run", "action", "actionIndex", "durationMs"];
            const [first, last] = segments(runRows("r", 8), [4, 4], roles);
            send(h, first);
            const p = pointOnAction(h, 2);
            h.root.dispatchEvent(mouse("click", p.x, p.y));
            send(h, last);
            expect(h.root.dataset.actions).toBe("8");
            expect(selectedActions(h)).toEqual(["Action 2"]);
        });

        it("restores a selection the host holds after a reload, also when its row arrives in a later segment", () => {
            const h = harness();
            vi.spyOn(h.host, "fetchMoreData").mockReturnValue(true);
            const [first, last] = segments(shuffled, [6, 6]);
            send(h, first);
            send(h, last);
            const p = pointOnAction(h, 9); // DataView row 9 is "Action 3", in the second segment
            h.root.dispatchEvent(mouse("click", p.x, p.y));
            expect(selectedActions(h)).toEqual(["Action 3"]);
            // The report is reopened: a new visual, the host still holds the id; the rows come in again.
            const element = document.createElement("div");
            const reopened = new Visual({ element, host: h.host } as never);
            reopened.update({ dataViews: [first.dv], viewport, type: 2, operationKind: 0 } as never);
            expect(reopened.behavior.selected.size).toBe(0);
            reopened.update({ dataViews: [last.dv], viewport, type: 2, operationKind: 1 } as never);
            expect(Array.from(reopened.behavior.selected)).toEqual([9]);
            expect(element.querySelector<HTMLElement>(".padlens-root")!.dataset.selected).toBe("1");
        });

        it("keeps a selected heatmap cell selected as more rows arrive in it", () => {
            const all: ActionRow[] = [];
            for (let r = 0; r < 6; r++) all.push(...runRows(`run-${r}`, 4, Date.UTC(2026, 0, 5, 9, r)));
            const h = harness();
            vi.spyOn(h.host, "fetchMoreData").mockReturnValue(true);
            const [first, last] = segments(all, [12, 12]);
            send(h, first);
            h.root.focus();
            h.root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
            h.root.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
            // A cell's row label heads its tooltip ("row · column"); its count says how many actions are behind it.
            const rowLabel = (cell: number): string => (h.visual.behavior.tooltipFor(cell)[0].header ?? "").split(" · ")[0];
            const label = rowLabel(h.visual.behavior.focusedItem());
            send(h, last);
            const cellsSelected = h.visual.behavior.selectedCells();
            expect(cellsSelected.size).toBe(1);
            const cell = [...cellsSelected][0];
            expect(rowLabel(cell)).toBe(label);
            expect(h.visual.behavior.tooltipFor(cell)).toContainEqual({ displayName: "Actions", value: "6" });
            // Focus is still on that cell.
            expect(h.visual.behavior.focusedItem()).toBe([...cellsSelected][0]);
        });
    });

    describe("big runs, legend and axis", () => {
        const key = (h: Harness, k: string, init: KeyboardEventInit = {}): void => { h.root.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init })); };
        /** 120 actions, failures at 10, 70 and 110 (110 inside the "Export" half); main, then Export. */
        const bigRun = (): ActionRow[] => runRows("r", 120).map((r, i) => ([10, 70, 110].includes(i) ? { ...r, status: "Failed", error: "boom" } : r));

        it("jumps from failure to failure with F8 / Shift+F8 and the buttons, scrolling each into view", () => {
            const h = harness();
            h.update(tableDataView(bigRun()));
            const nav = h.root.querySelector<HTMLElement>(".padlens-nav")!;
            expect(nav.hidden).toBe(false);
            expect(nav.textContent).toContain("3 failures");
            // The arrows are drawn (no glyph: no fallback font to look up); the buttons are named for assistive technology.
            const buttons = [...nav.querySelectorAll("button")];
            expect(buttons.map((b) => [b.textContent, b.querySelectorAll("svg path").length, b.getAttribute("aria-label")]))
                .toEqual([["", 1, "Previous failure (Shift+F8)"], ["", 1, "Next failure (F8)"]]);
            h.root.focus();
            key(h, "F8");
            expect(actionOf(h.visual, h.visual.behavior.focusedItem())).toBe("Action 10");
            expect(nav.textContent).toContain("Failure 1 of 3");
            key(h, "F8");
            expect(h.visual.behavior.focusedItem()).toBe(70);
            // Lane 73 (run, Main, 60 actions, Export, ...) is far below the first screen: it was scrolled to.
            const v = h.visual as unknown as { viewport: { scrollY: number }; layout: { laneOfRow: Int32Array } };
            const laneTop = v.layout.laneOfRow[70] * 16 - v.viewport.scrollY;
            expect(laneTop).toBeGreaterThanOrEqual(0);
            expect(laneTop).toBeLessThan(400 - 22 - 16);
            key(h, "F8", { shiftKey: true });
            expect(h.visual.behavior.focusedItem()).toBe(10);
            key(h, "F8", { shiftKey: true });
            expect(h.visual.behavior.focusedItem()).toBe(110);
            // The ▶ button does the same; a folded group opens to show its failure.
            const exportHeader = (h.visual as unknown as { layout: { laneOfRow: Int32Array } }).layout.laneOfRow[60] - 1;
            h.visual.behavior.toggleGroup(exportHeader);
            expect(h.root.dataset.lanes).toBe(String(2 + 60 + 1));
            nav.querySelectorAll("button")[1].dispatchEvent(new MouseEvent("click", { bubbles: true }));
            expect(h.visual.behavior.focusedItem()).toBe(10);
            nav.querySelectorAll("button")[1].dispatchEvent(new MouseEvent("click", { bubbles: true }));
            nav.querySelectorAll("button")[1].dispatchEvent(new MouseEvent("click", { bubbles: true }));
            expect(h.visual.behavior.focusedItem()).toBe(110);
            expect(h.root.dataset.lanes).toBe(String(2 + 120 + 1));
        });

        it("goes through several runs' failures band by band in the bands' order, counting only unhandled ones", () => {
            const h = harness();
            const t0 = Date.UTC(2026, 0, 5, 9);
            const fail = (rows: ActionRow[], at: number[], handledAt = -1): ActionRow[] =>
                rows.map((r, i) => (at.includes(i) ? { ...r, status: "Failed", error: "boom", insideErrorHandling: i === handledAt } : r));
            // Longest first: c (one failure), a (one, and one handled), b (two, its first and last action).
            const rows = [...fail(runRows("a", 4, t0), [0, 2], 2), ...fail(runRows("b", 3, t0 + 3_600_000), [0, 2]), ...fail(runRows("c", 8, t0 + 1_800_000), [5])];
            h.update(tableDataView(rows, [...contractRoles], { view: { mode: "timeline" }, timeline: { bandOrder: "duration" } }));
            expect(h.root.dataset.failed).toBe("4");
            expect(h.root.dataset.handled).toBe("1");
            const nav = h.root.querySelector<HTMLElement>(".padlens-nav")!;
            expect(nav.textContent).toContain("4 failures");
            h.root.focus();
            // The focused band's run, and what the strip says.
            const steps: string[] = [];
            for (let k = 0; k < 4; k++) {
                key(h, "F8");
                steps.push(`${rows[h.visual.behavior.focusedItem()]?.run} ${/Failure \d+ of \d+/.exec(nav.textContent ?? "")?.[0]}`);
            }
            // b's two failures are one stop (its band), then back to c.
            expect(steps).toEqual(["c Failure 1 of 4", "a Failure 2 of 4", "b Failure 3 of 4", "c Failure 1 of 4"]);
        });

        it("heads main once and each subflow call once, with a fold count on folded headers", () => {
            const h = harness();
            const rows = runRows("r", 9).map((r, i) => ({ ...r, subflow: i < 3 || (i >= 5 && i < 7) ? "main" : i < 5 ? "Login" : "Export" }));
            h.update(tableDataView(rows));
            const layout = (): { laneCount: number; laneLabel: (l: number) => string; laneKind: Uint8Array; laneCollapsed: Uint8Array; groupRows: (l: number) => [number, number] } => (h.visual as unknown as { layout: never }).layout;
            const headers = (): string[] => Array.from({ length: layout().laneCount }, (_, l) => l).filter((l) => layout().laneKind[l] === 1).map((l) => layout().laneLabel(l));
            // main → Login → main → Export: "main" is not headed again when execution returns to it.
            expect(headers()).toEqual(["main", "Login", "Export"]);
            expect(h.root.dataset.lanes).toBe(String(1 + 3 + 9));
            const login = Array.from({ length: layout().laneCount }, (_, l) => l).find((l) => layout().laneLabel(l) === "Login")!;
            h.visual.behavior.toggleGroup(login);
            expect(layout().laneCollapsed[login]).toBe(1);
            expect(layout().groupRows(login)).toEqual([3, 5]);
            expect(h.root.dataset.lanes).toBe(String(1 + 3 + 7));
        });

        it("shows the legend for what is on screen, and hides or moves it from the format pane", () => {
            const h = harness();
            const rows = bigRun().slice(0, 20);
            h.update(tableDataView(rows));
            const items = (): string[] => Array.from(h.root.querySelectorAll(".padlens-legend-item")).map((e) => e.textContent ?? "");
            expect(items()).toEqual(["Succeeded", "Failed", "Slowest 5 per run", "Subflow span", "Subflow with a failure"]);
            const strip = h.root.querySelector<HTMLElement>(".padlens-strip")!;
            const plot = h.root.querySelector<HTMLElement>(".padlens-plot")!;
            expect(strip.style.top).toBe("0px");
            expect(plot.style.top).toBe("20px");
            h.update(tableDataView(rows, undefined, { legend: { position: "bottom" } }));
            expect(strip.style.bottom).toBe("0px");
            expect(plot.style.top).toBe("0px");
            h.update(tableDataView(runRows("r", 5), undefined, { legend: { show: false } }));
            // No legend and no failure to navigate to: no strip at all, the plot takes the whole height.
            expect(strip.hidden).toBe(true);
            expect(plot.style.height).toBe("400px");
        });

        it("reads clock times on one run's axis, and offsets when asked or for several runs", () => {
            const h = harness();
            const ticks = (): string[] => Array.from(h.root.querySelectorAll(".padlens-tick")).map((e) => e.textContent ?? "");
            h.update(tableDataView(runRows("r", 40)));
            expect(h.root.dataset.axis).toBe("clock");
            expect(ticks().length).toBeGreaterThan(2);
            for (const t of ticks()) expect(t).toMatch(/^\d\d:\d\d:\d\d/);
            expect(h.root.querySelector(".padlens-axisdate")!.textContent).toMatch(/^\d\d\/\d\d\/2026$/);
            h.update(tableDataView(runRows("r", 40), undefined, { timeline: { timeAxis: "offset" } }));
            expect(h.root.dataset.axis).toBe("offset");
            for (const t of ticks()) expect(t).toMatch(/ (ms|s)$/);
            const several = [...runRows("a", 4), ...runRows("b", 4, Date.UTC(2026, 0, 6, 13))];
            h.update(tableDataView(several, undefined, { view: { mode: "timeline" } }));
            expect(h.root.dataset.axis).toBe("offset");
        });

        it("orders bands by start, by duration or failed first", () => {
            const h = harness();
            const t0 = Date.UTC(2026, 0, 5, 9);
            const runs = [...runRows("early-short", 2, t0), ...runRows("late-long", 8, t0 + 3_600_000), ...runRows("middle-failed", 3, t0 + 1_800_000, 1)];
            const labels = (): string[] => {
                const l = (h.visual as unknown as { layout: { laneCount: number; laneLabel: (l: number) => string } }).layout;
                return Array.from({ length: l.laneCount }, (_, i) => l.laneLabel(i).split(" · ").pop()!);
            };
            h.update(tableDataView(runs, undefined, { view: { mode: "timeline" } }));
            expect(labels()).toEqual(["early-short", "middle-failed", "late-long"]);
            h.update(tableDataView(runs, undefined, { view: { mode: "timeline" }, timeline: { bandOrder: "duration" } }));
            expect(labels()).toEqual(["late-long", "middle-failed", "early-short"]);
            h.update(tableDataView(runs, undefined, { view: { mode: "timeline" }, timeline: { bandOrder: "status" } }));
            expect(labels()).toEqual(["middle-failed", "early-short", "late-long"]);
        });

        it("keeps short runs readable next to a long one: each band over the full width, its length in the label", () => {
            const h = harness();
            const t0 = Date.UTC(2026, 0, 5, 9);
            // One run of 40 s and three of about a quarter second: on one scale they would be a few pixels wide.
            const long = runRows("long", 40, t0, -1, Array.from({ length: 40 }, () => 1000));
            const short = [1, 2, 3].flatMap((k) => runRows(`short-${k}`, 4, t0 + k * 3_600_000));
            const rows = [...long, ...short];
            const lastShort = rows.length - 1;
            const ticks = (): string[] => Array.from(h.root.querySelectorAll(".padlens-tick")).map((e) => e.textContent ?? "");
            h.update(tableDataView(rows, undefined, { view: { mode: "timeline" } }));
            expect(h.root.dataset.axis).toBe("fit");
            // The last action of a short run reaches into the right part of the plot, as the long run's does.
            expect(pointOnAction(h, lastShort).x).toBeGreaterThan(550);
            expect(pointOnAction(h, long.length - 1).x).toBeGreaterThan(550);
            expect(ticks().length).toBeGreaterThan(2);
            for (const t of ticks()) expect(t).toMatch(/%$/);
            const layout = (h.visual as unknown as { layout: { laneLabel: (l: number) => string } }).layout;
            expect(layout.laneLabel(0)).toMatch(/^Invoices · 01\/05\/2026, \d\d:00 · 40\.\d+ s · long$/);
            // Time since start on one scale, when asked: lengths compare by eye, and the short runs are slivers.
            h.update(tableDataView(rows, undefined, { view: { mode: "timeline" }, timeline: { timeAxis: "offset" } }));
            expect(h.root.dataset.axis).toBe("offset");
            expect(pointOnAction(h, lastShort).x).toBeLessThan(220);
        });
    });

    describe("robustness", () => {
        it("takes implausible times as unknown for their row, never failing the render or stretching the axis", () => {
            const h = harness();
            const rows: ActionRow[] = runRows("r", 5);
            const t0 = (rows[0].start as Date).getTime();
            rows.push(
                // An integer column in ticks read as ms, and Excel's zero date: no place on the axis.
                { run: "r", subflow: "Main", action: "Ticks", start: 1e20 as never, durationMs: 5, status: "Succeeded" },
                { run: "r", subflow: "Main", action: "Excel zero", start: new Date(Date.UTC(1899, 11, 30)), durationMs: 5, status: "Succeeded" },
                // A sentinel end, with and without the huge duration computed from it: the end is unknown.
                { run: "r", subflow: "Export", action: "Sentinel", start: new Date(t0 + 700), end: new Date(Date.UTC(9999, 11, 31)), durationMs: null, status: "Running" },
                { run: "r", subflow: "Export", action: "Sentinel 2", start: new Date(t0 + 710), end: new Date(Date.UTC(9999, 11, 31)), durationMs: Date.UTC(9999, 11, 31) - t0, status: "Running" },
            );
            h.update(tableDataView(rows));
            expect(h.host.eventService.renderingFailed).not.toHaveBeenCalled();
            expect(h.root.dataset).toMatchObject({ view: "timeline", actions: "7", dropped: "2", openEnded: "2", ignored: "2" });
            const layout = (h.visual as unknown as { layout: { span: number } }).layout;
            expect(layout.span).toBeLessThan(2000);
            const note = h.root.querySelector<HTMLElement>(".padlens-note")!;
            expect(note.hidden).toBe(false);
            expect(note.textContent).toBe("2 rows ignored");
            expect(note.title.split("\n")).toEqual([
                "2 without a start time to place them at",
                "4 with a time before 1970, after 2200 or a duration over a year, taken as unknown",
                "2 without an end, drawn open to the end of their run",
            ]);
            // Clean data: no note.
            h.update(tableDataView(runRows("r", 5)));
            expect(note.hidden).toBe(true);
        });

        it("says how many rows it repaired and why", () => {
            const h = harness();
            const rows = runRows("r", 3);
            rows[1] = { ...rows[1], end: new Date((rows[1].start as Date).getTime() - 10), durationMs: null };
            rows.push({ ...rows[2] }, { ...rows[0], action: null });
            h.update(tableDataView(rows));
            const note = h.root.querySelector<HTMLElement>(".padlens-note")!;
            expect(note.textContent).toBe("2 rows ignored, 1 repaired");
            expect(note.title).toContain("1 without an action name");
            expect(note.title).toContain("1 duplicates of another row");
            expect(note.title).toContain("1 ending before they start or with a negative duration, drawn with zero length");
        });

        it("lets no error escape an event handler: stale heatmap focus, a 0x0 viewport, a failing host call", () => {
            const errors: unknown[] = [];
            const onError = (e: ErrorEvent): void => { errors.push(e.error ?? e.message); };
            window.addEventListener("error", onError);
            try {
                const h = harness();
                const several = [...runRows("a", 4), ...runRows("b", 4, Date.UTC(2026, 0, 6, 13))];
                const key = (k: string, init: KeyboardEventInit = {}): boolean => h.root.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init }));
                h.update(tableDataView(several));
                h.root.focus();
                key("ArrowRight"); key("ArrowRight"); key("ArrowDown");
                expect(h.visual.behavior.focusedItem()).toBeGreaterThanOrEqual(0);
                // Columns change under the focused cell: the focus goes, keys keep working.
                h.update(tableDataView(several, undefined, { heatmap: { columns: "machine" } }));
                expect(h.visual.behavior.focusedItem()).toBe(-1);
                key("Enter"); key("ArrowDown"); key("Enter");
                expect(h.visual.behavior.focusedItem()).toBeGreaterThanOrEqual(0);
                h.visual.update({ dataViews: [tableDataView(runRows("r", 4))], viewport: { width: 0, height: 0 }, type: 2 } as never);
                key("ArrowDown"); key("ArrowDown"); key("Enter"); key("+"); key("Home");
                h.root.dispatchEvent(mouse("click", 0, 0));
                h.root.dispatchEvent(new WheelEvent("wheel", { deltaY: 100, ctrlKey: true, bubbles: true, cancelable: true }));
                vi.spyOn(h.host.tooltipService, "show").mockImplementation(() => { throw new Error("host gone"); });
                h.update(tableDataView(runRows("r", 4)));
                const p = pointOnAction(h, 1);
                h.root.dispatchEvent(new PointerEvent("pointermove", { clientX: p.x, clientY: p.y, bubbles: true }));
                expect(h.root.dataset.lastError).toBe("host gone");
                expect(h.host.eventService.renderingFailed).not.toHaveBeenCalled();
            } finally {
                window.removeEventListener("error", onError);
            }
            expect(errors).toEqual([]);
        });
    });

    it("asks for more segments only when the Data limits card allows it", () => {
        const h = harness();
        const fetch = vi.spyOn(h.host, "fetchMoreData").mockReturnValue(true);
        h.update(tableDataView(runRows("r", 3), undefined, undefined, true));
        expect(fetch).not.toHaveBeenCalled();
        h.update(tableDataView(runRows("r", 3), undefined, { dataLimits: { loadMore: true, maxRows: 30000 } }, true));
        expect(fetch).toHaveBeenCalledWith(true);
        expect(h.root.textContent).toContain("Loading more rows: 3");
    });

    it("builds the formatting model with the six cards", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 3), undefined, { heatmap: { measure: "failureRate" } }));
        const model = h.visual.getFormattingModel();
        expect(model.cards.map((c) => ("uid" in c ? c.uid : "").replace(/-card$/, ""))).toEqual(["view", "timeline", "heatmap", "legend", "colors", "dataLimits"]);
        const settings = (h.visual as unknown as { settings: { heatmap: { measure: { value: { value: string } } } } }).settings;
        expect(settings.heatmap.measure.value.value).toBe("failureRate");
    });
});
