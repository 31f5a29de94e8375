import powerbi from "powerbi-visuals-api";
import { describe, expect, it, vi } from "vitest";
import { Behavior, BehaviorHost, Scene } from "../../../visual/src/behavior.js";
import { ActionTableBuilder, text } from "../../../visual/src/model/actionTable.js";
import { TimelineGeometry, TimelineLayout, TimelineViewport, failuresOf, layoutTimeline } from "../../../visual/src/model/timeline.js";
import { Strings } from "../../../visual/src/strings.js";
import { ActionRow, runRows, tableDataView } from "./helpers.js";

import ISelectionId = powerbi.visuals.ISelectionId;

/*
 * The behaviour on its own, with a stand-in for the visual: a real table and layout, a recording selection
 * manager, and callbacks that do what the visual's do. Nothing is drawn; `draw` only counts.
 */

const id = (row: number): ISelectionId => ({ getKey: () => `row${row}`, getSelector: () => ({}), key: `row${row}` }) as unknown as ISelectionId;

function fixture(hostSelection: ISelectionId[] = [], rows: ActionRow[] = runRows("r", 4)) {
    // By default lanes are: run, Main, Action 0, Action 1, Export, Action 2, Action 3.
    const table = ActionTableBuilder.from(tableDataView(rows))!.table;
    const collapsed = new Set<number>();
    let layout: TimelineLayout = layoutTimeline(table, 0, false, collapsed);
    let viewport: TimelineViewport = { t0: 0, t1: layout.span * 1.01, scrollY: 0 };
    const geometry: TimelineGeometry = { width: 800, height: 400, labelWidth: 160, axisHeight: 22, laneHeight: 16 };
    const selectionManager = {
        select: vi.fn(), clear: vi.fn(), showContextMenu: vi.fn(), getSelectionIds: vi.fn(() => hostSelection),
    };
    // The visual's draw ends by placing the focus ring: the stand-in does the same.
    const draw = vi.fn(() => behavior.placeFocusRing());
    const relayout = (): void => { layout = layoutTimeline(table, 0, false, collapsed); };
    const host: BehaviorHost = {
        selectionManager: selectionManager as unknown as powerbi.extensibility.ISelectionManager,
        tooltipService: { show: vi.fn(), hide: vi.fn(), move: vi.fn(), enabled: () => true } as unknown as powerbi.extensibility.ITooltipService,
        strings: new Strings(undefined),
        scene: (): Scene => ({ view: "timeline", table, layout, heatmap: null, heatGeometry: null, geometry, viewport, failures: failuresOf(table, layout) }),
        interactive: () => true,
        setViewport: (v) => { viewport = v; },
        scrollTo: (scrollY) => { viewport = { ...viewport, scrollY }; },
        resetViewport: () => { viewport = { t0: 0, t1: layout.span * 1.01, scrollY: 0 }; },
        toggleGroup: (lane) => {
            const first = layout.laneRef[lane];
            if (!collapsed.delete(first)) collapsed.add(first);
            relayout();
        },
        unfold: (lane) => { collapsed.delete(layout.laneRef[lane]); relayout(); },
        idForRow: id,
        tooltipFor: (row) => [{ displayName: "Action", value: text(table.action, row) }],
        focusColor: () => "",
        draw,
    };
    const root = document.createElement("div");
    root.tabIndex = 0;
    const plot = document.createElement("div"), focusRing = document.createElement("div"), status = document.createElement("div");
    root.append(plot, focusRing, status);
    document.body.replaceChildren(root);
    const behavior = new Behavior({ root, plot, focusRing, status }, host);
    const key = (k: string, init: KeyboardEventInit = {}): void => { root.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init })); };
    return { behavior, host, root, focusRing, status, selectionManager, draw, key, table, collapsed, relayout, layout: () => layout };
}

describe("behavior", () => {
    it("moves keyboard focus through lanes, passing over the run header and stopping at both ends", () => {
        const f = fixture();
        f.key("ArrowDown");
        // The run's header lane holds nothing to select: the first stop is the "Main" subflow header.
        expect(f.behavior.focusedItem()).toBe(-1);
        expect(f.status.textContent).toBe("Subflow: Main");
        expect(f.focusRing.style.display).toBe("block");
        f.key("ArrowUp");
        expect(f.status.textContent).toBe("Subflow: Main");
        f.key("ArrowDown");
        expect(f.behavior.focusedItem()).toBe(0);
        expect(f.status.textContent).toBe("Action: Action 0");
        for (let k = 0; k < 10; k++) f.key("ArrowDown");
        expect(f.behavior.focusedItem()).toBe(3);
        f.key("ArrowUp"); f.key("ArrowUp");
        // Up twice from Action 3: Action 2, then the "Export" header (a stop of its own: Enter folds it).
        expect(f.status.textContent).toBe("Subflow: Export");
        f.key("ArrowUp");
        expect(f.behavior.focusedItem()).toBe(1);
        expect(f.draw).toHaveBeenCalled();
    });

    it("selects with Enter, adds with Ctrl+Enter, takes out again with Ctrl+Enter, and clears with Escape", () => {
        const f = fixture();
        f.key("ArrowDown"); f.key("ArrowDown");
        f.key("Enter");
        expect(f.selectionManager.select).toHaveBeenLastCalledWith([expect.objectContaining({ key: "row0" })], false);
        expect([...f.behavior.selected]).toEqual([0]);
        f.key("ArrowDown");
        f.key("Enter", { ctrlKey: true });
        expect(f.selectionManager.select).toHaveBeenLastCalledWith([expect.objectContaining({ key: "row1" })], true);
        expect([...f.behavior.selected].sort()).toEqual([0, 1]);
        f.key("Enter", { ctrlKey: true });
        expect([...f.behavior.selected]).toEqual([0]);
        // Without Ctrl a selection replaces the others.
        f.key("Enter");
        expect([...f.behavior.selected]).toEqual([1]);
        f.key("Escape");
        expect(f.selectionManager.clear).toHaveBeenCalled();
        expect(f.behavior.selected.size).toBe(0);
    });

    it("keeps focus on the same action when lanes are rebuilt above it, drops it when it is gone, and restores the ring on focus", () => {
        // Lanes: run, main, Action 0-2, Login, Action 3-4, Action 5-6 (main again), Export, Action 7-8.
        const rows = runRows("r", 9).map((r, i) => ({ ...r, subflow: i < 3 || (i >= 5 && i < 7) ? "main" : i < 5 ? "Login" : "Export" }));
        const f = fixture([], rows);
        for (let k = 0; k < 11; k++) f.key("ArrowDown");
        expect(f.behavior.focusedItem()).toBe(7);
        const laneBefore = f.layout().laneOfRow[7];
        // Fold "Login" (lane 5) behind the behaviour's back, as a new segment or the format pane would re-lay lanes.
        f.host.toggleGroup(5);
        expect(f.layout().laneOfRow[7]).toBe(laneBefore - 2);
        f.behavior.resolveFocus();
        expect(f.behavior.focusedItem()).toBe(7);
        // Leaving and coming back to the visual shows the ring on the same action again.
        f.root.dispatchEvent(new FocusEvent("blur"));
        expect(f.focusRing.style.display).toBe("none");
        f.root.dispatchEvent(new FocusEvent("focus"));
        expect(f.focusRing.style.display).toBe("block");
        expect(f.status.textContent).toBe("Action: Action 7");
        // Its group folded: the action has no lane, and focus is dropped rather than left on another lane.
        f.host.toggleGroup(f.layout().laneOfRow[7] - 1);
        expect(f.layout().laneKind[f.layout().laneOfRow[7]]).not.toBe(2);
        f.behavior.resolveFocus();
        expect(f.behavior.focusedItem()).toBe(-1);
        f.key("ArrowDown");
        expect(f.behavior.focusedItem()).toBe(-1);
        expect(f.status.textContent).toBe("Subflow: main");
    });

    it("finds the host's selection among new data, and toggles a subflow group with Enter on its header", () => {
        const f = fixture([id(3)]);
        f.behavior.onNewData();
        expect([...f.behavior.selected]).toEqual([3]);
        f.key("ArrowDown");
        f.key("Enter");
        // "Main" is the run's root group: folding it folds the run to its header, and focus stays on the header.
        expect(f.layout().laneCount).toBe(2);
        expect(f.status.textContent).toBe("Subflow: Main");
        expect(f.selectionManager.select).not.toHaveBeenCalled();
    });
});
