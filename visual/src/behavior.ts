"use strict";

import powerbi from "powerbi-visuals-api";

import { ActionTable, endOf } from "./model/actionTable";
import { HeatmapModel } from "./model/heatmap";
import {
    Failures, LaneKind, TimelineGeometry, TimelineLayout, TimelineViewport, clampScroll, findLane, hitTestTimeline, laneTop, panViewport, timeToX,
    xToTime, zoomViewport,
} from "./model/timeline";
import { HeatmapGeometry, hitTestHeatmap } from "./render/heatmapRenderer";
import { Strings } from "./strings";

import ISelectionManager = powerbi.extensibility.ISelectionManager;
import ISelectionId = powerbi.visuals.ISelectionId;
import ITooltipService = powerbi.extensibility.ITooltipService;
import VisualTooltipDataItem = powerbi.extensibility.VisualTooltipDataItem;

/*
 * Pointer, wheel, touch, keyboard, selection and focus handling of the visual, kept apart from its lifecycle
 * and drawing as Microsoft's own visuals (Gantt, Sankey) keep their behaviour apart. The visual owns the data,
 * the layouts and the time window; the behaviour reads them through `BehaviorHost.scene()` and changes them
 * only through the host's callbacks, so either side can change without reaching into the other's fields.
 */

export type ViewKind = "timeline" | "heatmap";

/** Identities behind one selection; large heatmap cells are capped to keep the host responsive. */
export const MAX_IDS_PER_SELECTION = 20_000;

/** What is on screen, as the behaviour needs it to hit-test, move focus and pan. Read afresh after every callback. */
export interface Scene {
    readonly view: ViewKind;
    readonly table: ActionTable | null;
    /** The timeline's lanes (may be stale while the heatmap is shown: check `view`). */
    readonly layout: TimelineLayout | null;
    readonly heatmap: HeatmapModel | null;
    readonly heatGeometry: HeatmapGeometry | null;
    readonly geometry: TimelineGeometry;
    readonly viewport: TimelineViewport;
    readonly failures: Failures;
}

/** What the behaviour may ask of the visual. */
export interface BehaviorHost {
    readonly selectionManager: ISelectionManager;
    readonly tooltipService: ITooltipService;
    readonly strings: Strings;
    scene(): Scene;
    /** False in hosts that show the visual read-only (e.g. some dashboards and exports). */
    interactive(): boolean;
    /** A time window the user chose (zoom, pan): later segments no longer widen it. */
    setViewport(v: TimelineViewport): void;
    /** Scrolls the lanes only: a view showing the whole run keeps widening with later segments. */
    scrollTo(scrollY: number): void;
    /** Back to the whole extent (Home). */
    resetViewport(): void;
    /** Folds or unfolds the subflow group headed by a lane and lays the lanes out again (focus is the behaviour's). */
    toggleGroup(lane: number): void;
    /** Unfolds the group that hides a folded lane's rows and lays the lanes out again. */
    unfold(lane: number): void;
    /** The selection id of a DataView row; null when there is no table to identify rows in. */
    idForRow(row: number): ISelectionId | null;
    /** Tooltip lines for an action row (timeline) or a cell (heatmap); also what a screen reader hears on focus. */
    tooltipFor(item: number): VisualTooltipDataItem[];
    /** The focus ring's colour: the theme's selection colour in high contrast, otherwise the stylesheet's. */
    focusColor(): string;
    draw(): void;
}

/** The visual's elements the behaviour listens on or writes focus to. */
export interface BehaviorElements {
    /** Takes keyboard focus and every pointer event; `data-last-error` is kept on it. */
    readonly root: HTMLElement;
    /** The plot, whose top-left corner is (0, 0) of the scene's geometry. */
    readonly plot: HTMLElement;
    readonly focusRing: HTMLElement;
    /** Live region: what the focused item is. */
    readonly status: HTMLElement;
}

/** What keyboard focus is on, by identity, so it survives new segments, collapsing and re-sorting. */
type FocusKey =
    | { kind: "lane"; laneKind: LaneKind; ref: number }
    | { kind: "cell"; rowKey: number; colKey: number };

/** A stable text key of a selection id, to find it again among the rows of a later update. */
export function selectionKey(id: ISelectionId): string {
    const withKey = id as ISelectionId & { getKey?: () => string };
    return withKey.getKey ? withKey.getKey() : JSON.stringify(id.getSelector());
}

export class Behavior {
    /** Selected rows by row id (the DataView row index), in both views: a cell is selected when a row behind it is. */
    private readonly selectedRows = new Set<number>();
    /** Keys of host selection ids not yet found among the converted rows (restored as segments arrive). */
    private pendingSelection: Set<string> | null = null;
    /** Keyboard focus: a lane (timeline) or a cell index (heatmap); -1 for none. `focusKey` is its identity. */
    private focusIndex = -1;
    private focusKey: FocusKey | null = null;
    private keyboardFocus = false;
    private drag: { x: number; y: number; v: TimelineViewport } | null = null;
    private dragEnded: { x: number; y: number } | null = null;
    /** Touch points currently down, for pinch zoom. */
    private readonly pointers = new Map<number, { x: number; y: number }>();
    private pinch: { distance: number; centre: number; v: TimelineViewport } | null = null;

    constructor(private readonly el: BehaviorElements, private readonly host: BehaviorHost) {
        this.bindEvents();
    }

    /** Selected row ids, for drawing and for the `data-selected` count. */
    public get selected(): ReadonlySet<number> {
        return this.selectedRows;
    }

    /**
     * Runs an event handler so that nothing escapes into the report: a failed click or key press leaves the
     * visual as it was. The last message is kept on the root element for support (there is no rendering
     * cycle to report it to).
     */
    public guard(fn: () => void): void {
        try {
            fn();
        } catch (e) {
            this.el.root.dataset.lastError = e instanceof Error ? e.message : String(e);
        }
    }

    /** Wires a previous (-1) or next (1) failure button: it moves the keyboard focus, as F8 does. */
    public bindNavButton(button: HTMLElement, dir: number): void {
        button.addEventListener("click", (e) => this.guard(() => {
            // The root would take the click as one on the plot (clearing the selection).
            e.stopPropagation();
            this.keyboardFocus = true;
            this.jumpToFailure(dir);
            this.host.draw();
        }));
    }

    // ---- selection -------------------------------------------------------------------------------

    /** Another data set arrived: selection and focus start over, then the host's selection is looked for in it. */
    public onNewData(): void {
        this.selectedRows.clear();
        this.focusIndex = -1;
        this.focusKey = null;
        // The host may still hold a selection (a filter changed, the report was reopened).
        const ids = (this.host.selectionManager.getSelectionIds?.() ?? []) as ISelectionId[];
        this.pendingSelection = ids.length ? new Set(ids.map(selectionKey)) : null;
        this.restoreSelection(0);
    }

    /**
     * Finds the rows behind the host's selection among the rows from `from` on, so a selection made before a
     * reload or before the segment holding its row arrived is shown again. Costs one selection id per new
     * row, and only while some selected id has not been found.
     */
    public restoreSelection(from: number): void {
        const pending = this.pendingSelection;
        const t = this.host.scene().table;
        if (!pending || pending.size === 0 || !t) return;
        for (let i = from; i < t.size && pending.size > 0; i++) {
            if (!t.inOrder[i]) continue;
            const id = this.host.idForRow(i);
            if (!id) return;
            if (pending.delete(selectionKey(id))) this.selectedRows.add(i);
        }
        if (pending.size === 0) this.pendingSelection = null;
    }

    /** The host changed the selection (a bookmark, another visual, Esc in the report). */
    public onHostSelection(ids: ISelectionId[]): void {
        this.selectedRows.clear();
        this.pendingSelection = ids.length ? new Set(ids.map(selectionKey)) : null;
        this.restoreSelection(0);
        if (this.host.scene().table) this.host.draw();
    }

    /** Cells with a selected row behind them. */
    public selectedCells(): Set<number> {
        const out = new Set<number>();
        const m = this.host.scene().heatmap;
        if (!m || this.selectedRows.size === 0) return out;
        m.cells.forEach((c, i) => {
            for (let k = 0; k < c.members.length; k++) if (this.selectedRows.has(c.members[k])) { out.add(i); return; }
        });
        return out;
    }

    /** Selects an item (Ctrl: adds it, or takes it out when already selected), as a click or Enter does. */
    public selectItem(item: number, multi: boolean): void {
        if (!this.host.scene().table || !this.host.interactive()) return;
        const rows = this.rowsFor(item);
        void this.host.selectionManager.select(this.idsFor(item), multi);
        this.pendingSelection = null;
        // Ctrl on something already selected takes it out, as the host does with its ids.
        const already = multi && rows.some((r) => this.selectedRows.has(r));
        if (!multi) this.selectedRows.clear();
        for (const r of rows) {
            if (already) this.selectedRows.delete(r);
            else this.selectedRows.add(r);
        }
        this.host.draw();
    }

    public clearSelection(): void {
        void this.host.selectionManager.clear();
        this.pendingSelection = null;
        this.selectedRows.clear();
        if (this.host.scene().table) this.host.draw();
    }

    /** Rows behind an item: the action itself (timeline) or the rows of a cell (heatmap, capped). */
    private rowsFor(item: number): number[] {
        const s = this.host.scene();
        if (s.view === "timeline") return [item];
        return Array.from(s.heatmap?.cells[item]?.members.subarray(0, MAX_IDS_PER_SELECTION) ?? []);
    }

    private idsFor(item: number): ISelectionId[] {
        if (!this.host.scene().table) return [];
        const out: ISelectionId[] = [];
        for (const r of this.rowsFor(item)) {
            const id = this.host.idForRow(r);
            if (!id) return [];
            out.push(id);
        }
        return out;
    }

    private showContextMenu(id: ISelectionId | undefined, x: number, y: number): void {
        if (!this.host.interactive()) return;
        void this.host.selectionManager.showContextMenu(id ?? {}, { x, y });
    }

    // ---- hit testing and tooltips -----------------------------------------------------------------

    /** Item under a point of the plot: an action row id (timeline) or a cell index (heatmap); -1 for empty space. */
    public hitTest(x: number, y: number): number {
        const s = this.host.scene();
        if (!s.table) return -1;
        if (s.view === "timeline" && s.layout) return hitTestTimeline(s.table, s.layout, s.geometry, s.viewport, x, y);
        if (s.heatmap && s.heatGeometry) return hitTestHeatmap(s.heatmap, s.heatGeometry, x, y);
        return -1;
    }

    /** The tooltip lines shown for an item (and read out when it has keyboard focus). */
    public tooltipFor(item: number): VisualTooltipDataItem[] {
        return this.host.tooltipFor(item);
    }

    /** A pointer position in the plot's coordinates (the legend strip may sit above it). */
    private point(e: MouseEvent): { x: number; y: number } {
        const r = this.el.plot.getBoundingClientRect();
        return { x: e.clientX - r.left, y: e.clientY - r.top };
    }

    // ---- events ---------------------------------------------------------------------------------

    private bindEvents(): void {
        const root = this.el.root;
        const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions): void =>
            root.addEventListener(type, (e) => this.guard(() => fn(e)), opts);
        on("click", (e) => this.onClick(e));
        on("contextmenu", (e) => {
            e.preventDefault();
            const p = this.point(e);
            const hit = this.hitTest(p.x, p.y);
            this.showContextMenu(hit < 0 ? undefined : this.idsFor(hit)[0], e.clientX, e.clientY);
        });
        on("pointermove", (e) => this.onPointerMove(e));
        on("pointerleave", () => this.host.tooltipService.hide({ immediately: false, isTouchEvent: false }));
        on("pointerdown", (e) => {
            this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
            const s = this.host.scene();
            if (s.view === "timeline" && this.pointers.size === 2) {
                this.drag = null;
                this.pinch = { ...this.pinchGeometry(), v: s.viewport };
            } else if (s.view === "timeline" && e.button === 0) this.drag = { x: e.clientX, y: e.clientY, v: s.viewport };
        });
        const release = (e: PointerEvent): void => {
            this.pointers.delete(e.pointerId);
            if (this.pointers.size < 2) this.pinch = null;
            if (e.type !== "pointerup") this.drag = null;
        };
        on("pointerup", (e) => { release(e); this.dragEnded = this.drag; this.drag = null; });
        on("pointercancel", release);
        on("wheel", (e) => this.onWheel(e), { passive: false });
        on("keydown", (e) => this.onKey(e));
        on("focus", () => { this.keyboardFocus = true; this.placeFocusRing(); });
        on("blur", () => { this.keyboardFocus = false; this.placeFocusRing(); });
        on("mousedown", () => { this.keyboardFocus = false; });
    }

    private onClick(e: MouseEvent): void {
        const drag = this.dragEnded;
        this.dragEnded = null;
        if (!this.host.interactive()) return;
        if (drag && (Math.abs(e.clientX - drag.x) > 3 || Math.abs(e.clientY - drag.y) > 3)) return;
        const p = this.point(e);
        const header = this.subflowHeaderAt(p.y);
        if (header >= 0) {
            this.toggleGroup(header);
            return;
        }
        const hit = this.hitTest(p.x, p.y);
        this.keyboardFocus = false;
        if (hit < 0) {
            this.clearSelection();
            return;
        }
        this.selectItem(hit, e.ctrlKey || e.metaKey);
    }

    /** The subflow header lane at a height of the single-run timeline, or -1. */
    private subflowHeaderAt(y: number): number {
        const { view, layout: l, geometry: g, viewport: v } = this.host.scene();
        if (view !== "timeline" || !l || l.mode !== "single" || y < g.axisHeight) return -1;
        const lane = Math.floor((y - g.axisHeight + v.scrollY) / g.laneHeight);
        return lane >= 0 && lane < l.laneCount && l.laneKind[lane] === LaneKind.Subflow ? lane : -1;
    }

    /** Collapses or expands a subflow group; keyboard focus stays on its header. */
    public toggleGroup(lane: number): void {
        const { table: t, layout: l } = this.host.scene();
        if (!l || !t || lane < 0 || lane >= l.laneCount) return;
        this.host.toggleGroup(lane);
        this.resolveFocus();
        this.host.draw();
    }

    /** Distance between two touch points and their centre, as time under the centre. */
    private pinchGeometry(): { distance: number; centre: number } {
        const [a, b] = Array.from(this.pointers.values());
        const left = this.el.plot.getBoundingClientRect().left;
        const s = this.host.scene();
        return { distance: Math.max(1, Math.abs(a.x - b.x)), centre: xToTime(s.geometry, s.viewport, (a.x + b.x) / 2 - left) };
    }

    private onPointerMove(e: PointerEvent): void {
        if (this.pointers.has(e.pointerId)) this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
        const s = this.host.scene();
        if (this.pinch && s.layout && this.pointers.size === 2) {
            const { distance } = this.pinchGeometry();
            this.host.setViewport(zoomViewport(this.pinch.v, this.pinch.centre, this.pinch.distance / distance, s.layout.span));
            this.host.draw();
            return;
        }
        if (this.drag && s.layout && (e.buttons & 1)) {
            const g = s.geometry;
            const msPerPx = (this.drag.v.t1 - this.drag.v.t0) / Math.max(1, g.width - g.labelWidth);
            const v = panViewport(this.drag.v, (this.drag.x - e.clientX) * msPerPx, s.layout.span);
            this.host.setViewport({ ...v, scrollY: clampScroll(s.layout, g, this.drag.v.scrollY + (this.drag.y - e.clientY)) });
            this.host.draw();
            return;
        }
        const p = this.point(e);
        const hit = this.hitTest(p.x, p.y);
        if (hit < 0) {
            this.host.tooltipService.hide({ immediately: false, isTouchEvent: false });
            return;
        }
        this.host.tooltipService.show({
            coordinates: [e.clientX, e.clientY],
            isTouchEvent: e.pointerType === "touch",
            dataItems: this.host.tooltipFor(hit),
            identities: this.idsFor(hit).slice(0, 1),
        });
    }

    private onWheel(e: WheelEvent): void {
        const s = this.host.scene();
        if (s.view !== "timeline" || !s.layout) return;
        e.preventDefault();
        const p = this.point(e);
        const g = s.geometry, v = s.viewport;
        if (e.ctrlKey || e.metaKey) {
            this.host.setViewport(zoomViewport(v, xToTime(g, v, p.x), e.deltaY > 0 ? 1.25 : 0.8, s.layout.span));
        } else if (e.shiftKey) {
            const msPerPx = (v.t1 - v.t0) / Math.max(1, g.width - g.labelWidth);
            this.host.setViewport(panViewport(v, e.deltaY * msPerPx, s.layout.span));
        } else {
            this.host.scrollTo(clampScroll(s.layout, g, v.scrollY + e.deltaY));
        }
        this.host.draw();
    }

    private onKey(e: KeyboardEvent): void {
        const s = this.host.scene();
        if (!s.table) return;
        this.keyboardFocus = true;
        const layout = s.view === "timeline" ? s.layout : null;
        const count = layout ? layout.laneCount : s.heatmap?.cells.length ?? 0;
        const v = s.viewport;
        let handled = true;
        switch (e.key) {
            case "+": case "=":
                if (layout) this.host.setViewport(zoomViewport(v, (v.t0 + v.t1) / 2, 0.5, layout.span));
                break;
            case "-": case "_":
                if (layout) this.host.setViewport(zoomViewport(v, (v.t0 + v.t1) / 2, 2, layout.span));
                break;
            case "ArrowLeft": case "ArrowRight": {
                const dir = e.key === "ArrowLeft" ? -1 : 1;
                if (layout) this.host.setViewport(panViewport(v, dir * (v.t1 - v.t0) * 0.1, layout.span));
                else this.moveFocus(dir, count);
                break;
            }
            case "ArrowDown": case "ArrowUp": {
                const dir = e.key === "ArrowUp" ? -1 : 1;
                if (layout) this.moveFocus(dir, count);
                else this.moveFocus(dir * Math.max(1, s.heatmap?.columnKeys.length ?? 1), count, true);
                break;
            }
            case "Home":
                if (layout) this.host.resetViewport();
                break;
            case "Enter": case " ": {
                if (layout && layout.mode === "single" && this.focusIndex >= 0 && layout.laneKind[this.focusIndex] === LaneKind.Subflow) {
                    this.toggleGroup(this.focusIndex);
                    break;
                }
                const item = this.focusedItem();
                if (item >= 0) this.selectItem(item, e.ctrlKey || e.metaKey);
                break;
            }
            case "Escape":
                this.clearSelection();
                break;
            case "F8": case "n": case "N":
                if (layout) this.jumpToFailure(e.shiftKey || e.key === "N" ? -1 : 1);
                break;
            case "ContextMenu": {
                const item = this.focusedItem();
                const r = this.el.focusRing.getBoundingClientRect();
                this.showContextMenu(item >= 0 ? this.idsFor(item)[0] : undefined, r.left, r.bottom);
                break;
            }
            default:
                handled = false;
        }
        if (handled) {
            e.preventDefault();
            this.host.draw();
        }
    }

    // ---- keyboard focus ---------------------------------------------------------------------------

    /** Moves keyboard focus; in the heatmap, up/down jumps by a row of the grid. */
    private moveFocus(delta: number, count: number, byGridRow = false): void {
        if (count === 0) return;
        const s = this.host.scene();
        if (s.view === "heatmap" && s.heatmap) {
            const m = s.heatmap;
            const cols = m.columnKeys.length;
            const current = this.focusIndex >= 0 ? m.cells[this.focusIndex] : undefined;
            let pos = current ? current.row * cols + current.col : -1;
            // Walk the grid to the next non-empty cell in that direction.
            for (let k = 0; k < m.grid.length; k++) {
                pos = pos < 0 ? 0 : pos + delta;
                if (pos < 0 || pos >= m.grid.length) return;
                if (m.grid[pos] >= 0) { this.setFocus(m.grid[pos]); return; }
                if (byGridRow && k > m.rowLabels.length) return;
            }
            return;
        }
        const layout = s.layout;
        if (!layout) return;
        let lane = this.focusIndex < 0 ? (delta > 0 ? -1 : layout.laneCount) : this.focusIndex;
        // Run header lanes of a single run hold nothing to select or fold: focus passes over them.
        do lane += delta; while (lane >= 0 && lane < layout.laneCount && layout.mode === "single" && layout.laneKind[lane] === LaneKind.Run);
        if (lane < 0 || lane >= layout.laneCount) return;
        this.setFocus(lane);
        this.scrollIntoView(lane);
    }

    /** The item the keyboard focus is on: an action row (timeline) or a cell (heatmap); -1 for none. */
    public focusedItem(): number {
        if (this.focusIndex < 0) return -1;
        const s = this.host.scene();
        if (s.view === "heatmap") return s.heatmap && this.focusIndex < s.heatmap.cells.length ? this.focusIndex : -1;
        const layout = s.layout, t = s.table;
        if (!layout || !t || this.focusIndex >= layout.laneCount) return -1;
        if (layout.mode === "single") return layout.laneKind[this.focusIndex] === LaneKind.Action ? layout.laneRef[this.focusIndex] : -1;
        const [from, to] = layout.bandRows(this.focusIndex);
        if (to <= from) return -1;
        // A band stands for its run: pick the slowest action so Enter selects something meaningful.
        let best = t.order[from];
        for (let k = from; k < to; k++) if (t.duration[t.order[k]] > t.duration[best]) best = t.order[k];
        return best;
    }

    /** The identity of what the focus index points at. */
    private keyOfFocus(): FocusKey | null {
        if (this.focusIndex < 0) return null;
        const s = this.host.scene();
        if (s.view === "heatmap") {
            const m = s.heatmap, c = m?.cells[this.focusIndex];
            return m && c ? { kind: "cell", rowKey: m.rowKeys[c.row], colKey: m.columnKeys[c.col] } : null;
        }
        const l = s.layout;
        if (!l || this.focusIndex >= l.laneCount) return null;
        return { kind: "lane", laneKind: l.laneKind[this.focusIndex] as LaneKind, ref: l.laneRef[this.focusIndex] };
    }

    /** Finds the focused item again after the layout or the heatmap was rebuilt; drops it when it is gone. */
    public resolveFocus(): void {
        const key = this.focusKey;
        this.focusIndex = -1;
        if (!key) return;
        const s = this.host.scene();
        if (key.kind === "cell" && s.view === "heatmap" && s.heatmap) {
            const m = s.heatmap;
            const r = m.rowKeys.indexOf(key.rowKey), c = m.columnKeys.indexOf(key.colKey);
            if (r >= 0 && c >= 0) this.focusIndex = m.grid[r * m.columnKeys.length + c];
        } else if (key.kind === "lane" && s.view === "timeline" && s.layout) {
            this.focusIndex = findLane(s.layout, key.laneKind, key.ref);
        }
        if (this.focusIndex < 0) this.focusKey = null;
    }

    private setFocus(index: number): void {
        this.focusIndex = index;
        this.focusKey = this.keyOfFocus();
    }

    private scrollIntoView(lane: number): void {
        const { layout, geometry: g, viewport: v } = this.host.scene();
        const top = lane * g.laneHeight;
        const visible = g.height - g.axisHeight;
        if (top < v.scrollY || top + g.laneHeight > v.scrollY + visible) this.host.scrollTo(clampScroll(layout, g, top - visible / 2));
    }

    /** Places the focus ring on the focused item and says what it is in the live region; hides it without focus. */
    public placeFocusRing(): void {
        const ring = this.el.focusRing;
        const item = this.focusedItem();
        const s = this.host.scene();
        const l = s.layout, g = s.geometry;
        if (this.keyboardFocus && s.view === "timeline" && l?.mode === "single" && this.focusIndex >= 0 && this.focusIndex < l.laneCount && l.laneKind[this.focusIndex] === LaneKind.Subflow) {
            // A subflow header: the ring spans the lane; Enter collapses or expands it.
            Object.assign(ring.style, { display: "block", left: "0px", width: `${g.width}px`, top: `${laneTop(g, s.viewport, this.focusIndex)}px`, height: `${g.laneHeight}px` });
            this.el.status.textContent = `${this.host.strings.get("Role_Subflow")}: ${l.laneLabel(this.focusIndex)}`;
            return;
        }
        if (!this.keyboardFocus || item < 0 || !s.table) {
            ring.style.display = "none";
            this.el.root.removeAttribute("aria-activedescendant");
            return;
        }
        let x = 0, y = 0, w = 0, h = 0;
        if (s.view === "timeline" && l) {
            const v = s.viewport, t = s.table;
            y = laneTop(g, v, this.focusIndex);
            h = g.laneHeight;
            x = l.mode === "single" ? Math.max(g.labelWidth, timeToX(g, v, l.axisTime(item, t.start[item]))) - 2 : g.labelWidth;
            w = l.mode === "single" ? Math.max(4, Math.min(g.width, timeToX(g, v, l.axisTime(item, endOf(t, item)))) - x + 2) : g.width - g.labelWidth;
        } else if (s.heatmap && s.heatGeometry) {
            const c = s.heatmap.cells[item], hg = s.heatGeometry;
            x = hg.left + c.col * hg.cellWidth; y = hg.top + c.row * hg.cellHeight; w = hg.cellWidth; h = hg.cellHeight;
        }
        ring.style.display = "block";
        ring.style.left = `${x}px`;
        ring.style.top = `${y}px`;
        ring.style.width = `${w}px`;
        ring.style.height = `${h}px`;
        ring.style.outlineColor = this.host.focusColor();
        this.el.status.textContent = this.host.tooltipFor(item).map((i) => `${i.displayName}: ${i.value}`).join(", ");
    }

    // ---- failure navigation -----------------------------------------------------------------------

    /** Index in the scene's failures of the failure the keyboard focus is on, or -1. */
    public currentFailure(): number {
        const item = this.focusedItem();
        if (item < 0) return -1;
        const s = this.host.scene();
        if (s.layout?.mode === "single") return s.failures.rows.indexOf(item);
        // Bands: the first failure of the focused run.
        return s.failures.lanesOfRows.indexOf(this.focusIndex);
    }

    /**
     * Moves keyboard focus to the next (dir 1) or previous (-1) unhandled failure, scrolls its lane into view,
     * opens its group when folded, and pans the time window to it when it is outside.
     */
    private jumpToFailure(dir: number): void {
        const s = this.host.scene();
        const layout = s.layout, t = s.table;
        const rows = s.failures.rows;
        if (s.view !== "timeline" || !layout || !t || rows.length === 0) return;
        const n = rows.length;
        let k = this.currentFailure();
        if (layout.mode === "bands" && k >= 0 && dir > 0) {
            // Past the other failures of the same run.
            while (k + 1 < n && s.failures.lanesOfRows[k + 1] === this.focusIndex) k++;
        }
        k = k < 0 ? (dir > 0 ? 0 : n - 1) : (k + dir + n) % n;
        const row = rows[k];
        let lane = layout.laneOfRow[row];
        if (layout.mode === "single" && layout.laneKind[lane] !== LaneKind.Action) {
            // Inside a folded group: unfold it so the failure gets a lane of its own.
            this.host.unfold(lane);
            lane = this.host.scene().layout?.laneOfRow[row] ?? -1;
        }
        this.setFocus(lane);
        this.scrollIntoView(lane);
        const after = this.host.scene();
        const l = after.layout!, v = after.viewport;
        const s0 = l.axisTime(row, t.start[row]), s1 = l.axisTime(row, endOf(t, row));
        if (s0 < v.t0 || s1 > v.t1) {
            const w = v.t1 - v.t0;
            const t0 = Math.max(-l.span * 0.01, Math.min(s0 - w * 0.2, l.span * 1.01 - w));
            this.host.setViewport({ ...v, t0, t1: t0 + w });
        }
    }
}
