import powerbi from "powerbi-visuals-api";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createVisualHost } from "powerbi-visuals-utils-testutils";
import { Visual } from "../../../visual/src/visual.js";
import { hourlyRoles, runRows, tableDataView } from "./helpers.js";

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

/** A point on the bar of the k-th action of a single run laid out with default settings. */
function pointOnAction(h: Harness, row: number): { x: number; y: number } {
    for (let y = 23; y < 400; y += 4) {
        for (let x = 200; x < 800; x += 2) if (h.visual.hitTest(x, y) === row) return { x, y };
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
        // Bands are labelled with the run and its start, in the report's locale.
        const layout = (h.visual as unknown as { layout: { laneLabel: (l: number) => string } }).layout;
        expect(layout.laneLabel(1)).toMatch(/^b · 01\/06\/2026, \d\d:00:00\.000/);
    });

    it("selects an action on click, adds with Ctrl-click, and clears on empty space", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 4)));
        const sm = (h.visual as unknown as { selectionManager: powerbi.extensibility.ISelectionManager }).selectionManager;
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
        const sm = (h.visual as unknown as { selectionManager: powerbi.extensibility.ISelectionManager }).selectionManager;
        const select = vi.spyOn(sm, "select");
        const p = pointOnAction(h, 1);
        h.root.dispatchEvent(mouse("click", p.x, p.y));
        expect(select).not.toHaveBeenCalled();
    });

    it("selects every row behind a heatmap cell", () => {
        const h = harness();
        const rows = [...runRows("a", 2), ...runRows("b", 2)];
        h.update(tableDataView(rows));
        const sm = (h.visual as unknown as { selectionManager: powerbi.extensibility.ISelectionManager }).selectionManager;
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
        const sm = (h.visual as unknown as { selectionManager: powerbi.extensibility.ISelectionManager }).selectionManager;
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
        expect(h.visual.tooltipFor(0)).toContainEqual({ displayName: "Action p95 (ms)", value: "50 ms" });
        expect(h.visual.tooltipFor(0).map((i) => i.displayName)).not.toContain("Above p95");
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
        const items = h.visual.tooltipFor(0);
        expect(items).toContainEqual(expect.objectContaining({ displayName: "Value", value: "≈ 1.25 s" }));
        expect(items).toContainEqual({ displayName: "Executions", value: "40" });
        expect(items).toContainEqual({ displayName: "Failures", value: "1" });
        expect(items).toContainEqual({ displayName: "≈", value: "Approximate: executions-weighted mean of 2 pre-aggregated percentiles" });
        h.update(tableDataView(hourly, hourlyRoles, { heatmap: { measure: "count" } }));
        expect(h.visual.tooltipFor(0)[0].value).toBe("40");
        expect(h.visual.tooltipFor(0).map((i) => i.displayName)).not.toContain("≈");
    });

    it("adds the fields of the Tooltips well to an action's tooltip", () => {
        const h = harness();
        const dv = tableDataView(runRows("r", 2));
        const col = { displayName: "Robot cost", queryName: "m.cost", index: 11, roles: { tooltips: true }, type: { numeric: true } };
        dv.table!.columns.push(col as never);
        dv.table!.rows!.forEach((r, i) => r.push(i === 0 ? 1234.5 : (null as unknown as number)));
        h.update(dv);
        expect(h.visual.tooltipFor(0)).toContainEqual({ displayName: "Robot cost", value: "1,234.5" });
        expect(h.visual.tooltipFor(1).map((i) => i.displayName)).not.toContain("Robot cost");
    });

    it("formats numbers and dates by the report locale", () => {
        const h = harness({ locale: "de-DE" });
        h.update(tableDataView(runRows("r", 2, undefined, -1, [1234.5, 20])));
        const items = h.visual.tooltipFor(0);
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
        expect(h.visual.focusedItem()).toBe(0);
        // Lanes: run, Main, a0, a1, Export, a2, a3.
        key("ArrowDown"); key("ArrowDown"); key("ArrowDown");
        expect(h.visual.focusedItem()).toBe(2);
        expect(h.root.querySelector(".padlens-status")!.textContent).toContain("Action 2");
        const ticksBefore = Array.from(h.root.querySelectorAll(".padlens-tick")).map((e) => e.textContent);
        h.root.dispatchEvent(new KeyboardEvent("keydown", { key: "+", bubbles: true }));
        const ticksAfter = Array.from(h.root.querySelectorAll(".padlens-tick")).map((e) => e.textContent);
        expect(ticksAfter).not.toEqual(ticksBefore);
        const sm = (h.visual as unknown as { selectionManager: powerbi.extensibility.ISelectionManager }).selectionManager;
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
        key("Enter");
        expect(h.root.dataset.lanes).toBe("3");
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

        const sm = (h.visual as unknown as { selectionManager: powerbi.extensibility.ISelectionManager }).selectionManager;
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

    it("dims actions that another visual does not highlight", () => {
        const h = harness();
        const dv = tableDataView(runRows("r", 3));
        dv.categorical = { values: Object.assign([{ source: { displayName: "d", roles: { durationMs: true } }, values: [1, 2, 3], highlights: [null, 2, null] }], { grouped: () => [] }) } as never;
        h.update(dv);
        const table = (h.visual as unknown as { table: { highlighted: Uint8Array | null; sourceRow: Int32Array } }).table;
        expect(Array.from(table.highlighted!)).toEqual([0, 1, 0]);
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

    it("builds the formatting model with the five cards", () => {
        const h = harness();
        h.update(tableDataView(runRows("r", 3), undefined, { heatmap: { measure: "failureRate" } }));
        const model = h.visual.getFormattingModel();
        expect(model.cards.map((c) => ("uid" in c ? c.uid : "").replace(/-card$/, ""))).toEqual(["view", "timeline", "heatmap", "colors", "dataLimits"]);
        const settings = (h.visual as unknown as { settings: { heatmap: { measure: { value: { value: string } } } } }).settings;
        expect(settings.heatmap.measure.value.value).toBe("failureRate");
    });
});
