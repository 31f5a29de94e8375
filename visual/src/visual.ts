"use strict";

import powerbi from "powerbi-visuals-api";
import { FormattingSettingsService } from "powerbi-visuals-utils-formattingmodel";
import "./../style/visual.less";

import { ActionTable, convertActions, isPreAggregated, missingRoles, roleIndexes, runsInTable, text } from "./model/actionTable";
import { HeatColumns, HeatMeasure, HeatRows, HeatmapModel, buildHeatmap } from "./model/heatmap";
import { Roles } from "./model/roles";
import {
    LaneKind, TimelineGeometry, TimelineLayout, TimelineViewport, hitTestTimeline, laneTop, layoutTimeline, panViewport, timeToX, zoomViewport,
} from "./model/timeline";
import { Formatter } from "./format";
import { Strings, StringKey } from "./strings";
import { VisualSettings, enumValue } from "./settings";
import { Palette } from "./render/colors";
import { drawOverview, drawTimeline } from "./render/timelineRenderer";
import { HeatmapGeometry, dimmedCells, drawHeatmap, heatmapGeometry, hitTestHeatmap } from "./render/heatmapRenderer";
import { drawHeatmapAxes, drawTimelineAxis } from "./render/axes";

import IVisual = powerbi.extensibility.visual.IVisual;
import VisualConstructorOptions = powerbi.extensibility.visual.VisualConstructorOptions;
import VisualUpdateOptions = powerbi.extensibility.visual.VisualUpdateOptions;
import IVisualHost = powerbi.extensibility.visual.IVisualHost;
import ISelectionManager = powerbi.extensibility.ISelectionManager;
import ISelectionId = powerbi.visuals.ISelectionId;
import DataView = powerbi.DataView;
import VisualTooltipDataItem = powerbi.extensibility.VisualTooltipDataItem;

type ViewKind = "timeline" | "heatmap";

/** Identities behind one selection; large heatmap cells are capped to keep the host responsive. */
const MAX_IDS_PER_SELECTION = 20_000;

export class Visual implements IVisual {
    private readonly host: IVisualHost;
    private readonly selectionManager: ISelectionManager;
    private readonly formatting: FormattingSettingsService;
    private readonly strings: Strings;
    private readonly root: HTMLElement;
    private readonly canvas: HTMLCanvasElement;
    private readonly labels: HTMLElement;
    private readonly focusRing: HTMLElement;
    private readonly message: HTMLElement;
    private readonly status: HTMLElement;
    private settings = new VisualSettings();
    private formatter: Formatter;
    private palette!: Palette;
    private dataView: DataView | undefined;
    private table: ActionTable | null = null;
    private view: ViewKind = "timeline";
    private layout: TimelineLayout | null = null;
    private viewport: TimelineViewport = { t0: 0, t1: 1, scrollY: 0 };
    private geometry: TimelineGeometry = { width: 0, height: 0, labelWidth: 160, axisHeight: 22, laneHeight: 16 };
    private heatmap: HeatmapModel | null = null;
    private heatGeometry: HeatmapGeometry | null = null;
    /** Selected rows of the ActionTable (timeline) or selected cells (heatmap). */
    private selectedRows: Uint8Array | null = null;
    private selectedCells = new Set<number>();
    /** Keyboard focus: a lane (timeline) or a cell index (heatmap); -1 for none. */
    private focusIndex = -1;
    private keyboardFocus = false;
    private drag: { x: number; y: number; v: TimelineViewport } | null = null;
    /** Touch points currently down, for pinch zoom. */
    private dragEnded: { x: number; y: number } | null = null;
    private readonly pointers = new Map<number, { x: number; y: number }>();
    private pinch: { distance: number; centre: number; v: TimelineViewport } | null = null;
    private dataKey = "";
    /** Collapsed subflow groups of the single-run timeline, by the group's first action row. */
    private collapsed = new Set<number>();

    constructor(options: VisualConstructorOptions) {
        this.host = options.host;
        this.selectionManager = this.host.createSelectionManager();
        this.strings = new Strings(this.host.createLocalizationManager?.());
        this.formatting = new FormattingSettingsService(this.host.createLocalizationManager?.());
        this.formatter = new Formatter(this.host.locale ?? "en-US");
        this.root = document.createElement("div");
        this.root.className = "padlens-root";
        this.root.tabIndex = 0;
        this.root.setAttribute("role", "application");
        this.canvas = document.createElement("canvas");
        this.canvas.className = "padlens-canvas";
        this.canvas.setAttribute("aria-hidden", "true");
        this.labels = document.createElement("div");
        this.labels.className = "padlens-labels";
        this.focusRing = document.createElement("div");
        this.focusRing.className = "padlens-focus";
        this.message = document.createElement("div");
        this.message.className = "padlens-message";
        this.status = document.createElement("div");
        this.status.className = "padlens-status";
        this.status.setAttribute("aria-live", "polite");
        this.root.append(this.canvas, this.labels, this.focusRing, this.message, this.status);
        options.element.appendChild(this.root);
        this.selectionManager.registerOnSelectCallback((ids) => {
            if (ids.length === 0) this.clearLocalSelection();
        });
        this.bindEvents();
    }

    public update(options: VisualUpdateOptions): void {
        this.host.eventService.renderingStarted(options);
        try {
            this.dataView = options.dataViews?.[0];
            this.settings = this.formatting.populateFormattingSettingsModel(VisualSettings, this.dataView);
            this.palette = this.resolvePalette();
            this.geometry.width = Math.max(0, options.viewport.width);
            this.geometry.height = Math.max(0, options.viewport.height);
            const missing = missingRoles(roleIndexes(this.dataView));
            if (!this.dataView?.table || missing.length > 0) {
                this.showLanding(missing.length ? missing : ["action", "time"]);
                this.host.eventService.renderingFinished(options);
                return;
            }
            this.requestMoreData();
            const highlights = this.highlightsOf(this.dataView);
            this.table = convertActions(this.dataView, highlights);
            const t = this.table;
            if (!t || t.count === 0) {
                this.showMessage(this.strings.get("Empty"));
                this.host.eventService.renderingFinished(options);
                return;
            }
            this.root.classList.remove("padlens-landing");
            this.message.textContent = "";
            // Later segments of the same data (fetchMoreData) keep the zoom, selection and focus.
            const key = `${this.dataView.metadata?.segment ? "" : t.count}|${t.run.values[0] ?? ""}|${enumValue(this.settings.view.mode)}`;
            const dataChanged = key !== this.dataKey;
            this.dataKey = key;
            if (dataChanged) {
                this.selectedRows = null;
                this.selectedCells.clear();
                this.collapsed.clear();
                this.focusIndex = -1;
            }
            const runCount = runsInTable(t).length;
            const mode = enumValue(this.settings.view.mode);
            this.view = mode === "timeline" || mode === "heatmap" ? mode : runCount <= 1 && !isPreAggregated(t) ? "timeline" : "heatmap";
            if (this.view === "timeline") this.prepareTimeline(t, dataChanged);
            else this.prepareHeatmap(t);
            this.draw();
            this.host.eventService.renderingFinished(options);
        } catch (e) {
            this.showMessage(this.strings.get("Error"));
            this.host.eventService.renderingFailed(e instanceof Error ? e.message : String(e));
        }
    }

    public getFormattingModel(): powerbi.visuals.FormattingModel {
        return this.formatting.buildFormattingModel(this.settings);
    }

    /** Loads further segments (fetchMoreData) while the Data limits card allows it. */
    private requestMoreData(): void {
        const dv = this.dataView;
        const rows = dv?.table?.rows?.length ?? 0;
        const limits = this.settings.dataLimits;
        if (!dv?.metadata?.segment || !limits.loadMore.value || rows >= limits.maxRows.value) {
            this.status.textContent = "";
            return;
        }
        if (this.host.fetchMoreData(true)) this.status.textContent = this.strings.get("Loading", this.formatter.count(rows));
    }

    /** Highlights arrive on the measure column when the host provides them (categorical shape). */
    private highlightsOf(dv: DataView): powerbi.PrimitiveValue[] | null {
        const values = dv.categorical?.values;
        if (!values) return null;
        for (const column of values) if (column.highlights && (column.source.roles?.[Roles.durationMs] || column.source.roles?.[Roles.executions])) return column.highlights;
        return null;
    }

    private resolvePalette(): Palette {
        const cp = this.host.colorPalette;
        const c = this.settings.colors;
        if (cp?.isHighContrast) {
            const fg = cp.foreground.value, bg = cp.background.value, sel = cp.foregroundSelected.value;
            // High contrast: two colours plus the selection colour; failures use the hyperlink colour so they still stand out.
            return { background: bg, foreground: fg, grid: bg, succeeded: fg, failed: cp.hyperlink?.value ?? sel, other: fg, heatLow: bg, heatHigh: fg, selection: sel, highContrast: true };
        }
        return {
            background: "#ffffff", foreground: "#252423", grid: "#f6f6f6", selection: "#252423", highContrast: false,
            succeeded: c.succeeded.value.value, failed: c.failed.value.value, other: c.other.value.value,
            heatLow: c.heatLow.value.value, heatHigh: c.heatHigh.value.value,
        };
    }

    private showLanding(missing: ("action" | "time")[]): void {
        this.table = null;
        this.layout = null;
        this.heatmap = null;
        this.root.classList.add("padlens-landing");
        this.root.removeAttribute("data-view");
        this.labels.replaceChildren();
        this.focusRing.style.display = "none";
        const title = document.createElement("h2");
        title.textContent = this.strings.get("Landing_Title");
        const list = document.createElement("ul");
        for (const m of missing) {
            const li = document.createElement("li");
            li.textContent = this.strings.get(m === "action" ? "Landing_NeedAction" : "Landing_NeedTime");
            list.appendChild(li);
        }
        const hint = document.createElement("p");
        hint.textContent = this.strings.get("Landing_Hint");
        this.message.replaceChildren(title, list, hint);
        this.clearCanvas();
    }

    private showMessage(msg: string): void {
        this.table = null;
        this.layout = null;
        this.heatmap = null;
        this.root.classList.remove("padlens-landing");
        this.root.removeAttribute("data-view");
        this.labels.replaceChildren();
        this.message.textContent = msg;
        this.clearCanvas();
    }

    private clearCanvas(): void {
        this.canvas.width = Math.max(1, this.geometry.width);
        this.canvas.height = Math.max(1, this.geometry.height);
        const ctx = this.canvas.getContext?.("2d");
        ctx?.clearRect(0, 0, this.canvas.width, this.canvas.height);
    }

    private prepareTimeline(t: ActionTable, reset: boolean): void {
        this.heatmap = null;
        const forceBands = runsInTable(t).length > 1;
        this.layout = this.makeLayout(t, forceBands);
        this.geometry.laneHeight = this.settings.timeline.laneHeight.value;
        this.geometry.labelWidth = this.settings.timeline.showLabels.value ? Math.min(220, Math.max(80, this.geometry.width * 0.25)) : 0;
        if (reset) this.viewport = { t0: 0, t1: Math.max(1, this.layout.span * 1.01), scrollY: 0 };
    }

    /** Lays out lanes; run lanes are labelled with the run and its start time in the report's locale. */
    private makeLayout(t: ActionTable, forceBands: boolean): TimelineLayout {
        const layout = layoutTimeline(t, this.settings.timeline.slowestN.value, forceBands, this.collapsed);
        const label = layout.laneLabel;
        layout.laneLabel = (lane) => {
            if (layout.laneKind[lane] !== LaneKind.Run) return label(lane);
            const name = label(lane);
            const start = this.formatter.timestamp(t.runStart[layout.laneRef[lane]]);
            return name ? `${name} · ${start}` : start;
        };
        return layout;
    }

    private prepareHeatmap(t: ActionTable): void {
        this.layout = null;
        const h = this.settings.heatmap;
        this.heatmap = buildHeatmap(t, {
            rows: enumValue(h.rows) as HeatRows,
            columns: enumValue(h.columns) as HeatColumns,
            measure: enumValue(h.measure) as HeatMeasure,
            maxRows: h.maxRows.value,
            includeContainers: h.includeContainers.value,
            includeHandledFailures: h.includeHandledFailures.value,
        });
        const left = Math.min(220, Math.max(80, this.geometry.width * 0.25));
        this.heatGeometry = heatmapGeometry(this.heatmap, this.geometry.width, this.geometry.height, left, 24, 40);
    }

    private draw(): void {
        const t = this.table;
        if (!t) return;
        const { width, height } = this.geometry;
        const ratio = window.devicePixelRatio || 1;
        this.canvas.width = Math.max(1, Math.round(width * ratio));
        this.canvas.height = Math.max(1, Math.round(height * ratio));
        this.canvas.style.width = `${width}px`;
        this.canvas.style.height = `${height}px`;
        const ctx = this.canvas.getContext?.("2d") ?? null;
        ctx?.setTransform(ratio, 0, 0, ratio, 0, 0);
        this.root.dataset.view = this.view;
        // Axis and heatmap labels are DOM text: in high contrast they take the theme's foreground.
        this.root.style.color = this.palette.highContrast ? this.palette.foreground : "";
        this.root.style.backgroundColor = this.palette.highContrast ? this.palette.background : "";
        const failed = countFailed(t), handled = countHandled(t);
        this.root.dataset.failed = String(failed);
        this.root.dataset.handled = String(handled);
        // Rows left out (no action, or no start to place them at) and rows drawn open-ended, for tests and support.
        this.root.dataset.dropped = String(t.issues.dropped);
        this.root.dataset.openEnded = String(t.issues.openEnded);
        if (this.view === "timeline" && this.layout) {
            const layout = this.layout;
            if (ctx) {
                drawTimeline(ctx, t, layout, this.geometry, this.viewport, this.palette, { selected: this.selectedRows, showLabels: this.settings.timeline.showLabels.value });
                drawOverview(ctx, layout, this.geometry, this.viewport, this.palette);
            }
            drawTimelineAxis(this.labels, this.geometry, this.viewport, this.formatter);
            this.root.dataset.lanes = String(layout.laneCount);
            this.root.dataset.actions = String(t.count);
            delete this.root.dataset.cells;
            const summary = this.strings.get("Summary_Timeline", this.formatter.count(t.count), this.formatter.count(runsInTable(t).length), this.formatter.count(failed));
            this.root.setAttribute("aria-label", handled > 0 ? `${summary} ${this.strings.get("Summary_Handled", this.formatter.count(handled))}` : summary);
        } else if (this.heatmap && this.heatGeometry) {
            const m = this.heatmap;
            if (ctx) drawHeatmap(ctx, m, this.heatGeometry, this.palette, this.selectedCells, dimmedCells(m, t.highlighted));
            const measureKey = `Enum_${m.measure === "failureRate" ? "FailureRate" : m.measure === "count" ? "Count" : m.measure === "mean" ? "Mean" : m.measure.toUpperCase()}` as StringKey;
            drawHeatmapAxes(this.labels, m, this.heatGeometry, this.formatter, (k) => this.columnLabel(k), this.palette, this.strings.get(measureKey));
            this.root.dataset.cells = String(m.cells.length);
            this.root.dataset.rows = String(m.rowLabels.length);
            this.root.dataset.columns = String(m.columnKeys.length);
            delete this.root.dataset.lanes;
            this.root.setAttribute("aria-label", this.strings.get("Summary_Heatmap", this.formatter.count(m.rowLabels.length), this.formatter.count(m.columnKeys.length)));
        }
        this.placeFocusRing();
    }

    private columnLabel(key: number): string {
        const m = this.heatmap;
        const t = this.table;
        if (!m || !t) return "";
        switch (m.columns) {
            case "hour": return String(key).padStart(2, "0");
            case "weekday": return this.strings.get(`Weekday_${key}` as StringKey);
            case "date": return this.formatter.day(key);
            case "machine": return key < 0 ? "" : t.machine.values[key];
        }
    }

    // ---- interaction -------------------------------------------------------------------------

    private bindEvents(): void {
        const root = this.root;
        root.addEventListener("click", (e) => this.onClick(e));
        root.addEventListener("contextmenu", (e) => {
            e.preventDefault();
            const p = this.point(e);
            this.showContextMenu(this.idsAt(p.x, p.y)[0], e.clientX, e.clientY);
        });
        root.addEventListener("pointermove", (e) => this.onPointerMove(e));
        root.addEventListener("pointerleave", () => this.host.tooltipService.hide({ immediately: false, isTouchEvent: false }));
        root.addEventListener("pointerdown", (e) => {
            this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
            if (this.view === "timeline" && this.pointers.size === 2) {
                this.drag = null;
                this.pinch = { ...this.pinchGeometry(), v: this.viewport };
            } else if (this.view === "timeline" && e.button === 0) this.drag = { x: e.clientX, y: e.clientY, v: this.viewport };
        });
        const release = (e: PointerEvent): void => {
            this.pointers.delete(e.pointerId);
            if (this.pointers.size < 2) this.pinch = null;
            if (e.type !== "pointerup") this.drag = null;
        };
        root.addEventListener("pointerup", (e) => { release(e); this.dragEnded = this.drag; this.drag = null; });
        root.addEventListener("pointercancel", release);
        root.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
        root.addEventListener("keydown", (e) => this.onKey(e));
        root.addEventListener("focus", () => { this.keyboardFocus = true; this.placeFocusRing(); });
        root.addEventListener("blur", () => { this.keyboardFocus = false; this.placeFocusRing(); });
        root.addEventListener("mousedown", () => { this.keyboardFocus = false; });
    }

    private point(e: MouseEvent): { x: number; y: number } {
        const r = this.root.getBoundingClientRect();
        return { x: e.clientX - r.left, y: e.clientY - r.top };
    }

    /** Item under a point: an action row (timeline) or a cell index (heatmap); -1 for empty space. */
    public hitTest(x: number, y: number): number {
        if (!this.table) return -1;
        if (this.view === "timeline" && this.layout) return hitTestTimeline(this.table, this.layout, this.geometry, this.viewport, x, y);
        if (this.heatmap && this.heatGeometry) return hitTestHeatmap(this.heatmap, this.heatGeometry, x, y);
        return -1;
    }

    private idsAt(x: number, y: number): ISelectionId[] {
        const hit = this.hitTest(x, y);
        return hit < 0 ? [] : this.idsFor(hit);
    }

    private idsFor(item: number): ISelectionId[] {
        const t = this.table;
        const table = this.dataView?.table;
        if (!t || !table) return [];
        const rows = this.view === "timeline" ? [item] : Array.from(this.heatmap?.cells[item]?.members.subarray(0, MAX_IDS_PER_SELECTION) ?? []);
        return rows.map((r) => this.host.createSelectionIdBuilder().withTable(table, t.sourceRow[r]).createSelectionId());
    }

    /** False in hosts that show the visual read-only (e.g. some dashboards and exports). */
    private get interactive(): boolean {
        return this.host.hostCapabilities?.allowInteractions !== false;
    }

    private onClick(e: MouseEvent): void {
        const drag = this.dragEnded;
        this.dragEnded = null;
        if (!this.interactive) return;
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
        const l = this.layout;
        if (this.view !== "timeline" || !l || l.mode !== "single" || y < this.geometry.axisHeight) return -1;
        const lane = Math.floor((y - this.geometry.axisHeight + this.viewport.scrollY) / this.geometry.laneHeight);
        return lane >= 0 && lane < l.laneCount && l.laneKind[lane] === LaneKind.Subflow ? lane : -1;
    }

    /** Collapses or expands a subflow group; keyboard focus stays on its header. */
    public toggleGroup(lane: number): void {
        const l = this.layout;
        const t = this.table;
        if (!l || !t) return;
        const first = l.laneRef[lane];
        if (this.collapsed.has(first)) this.collapsed.delete(first);
        else this.collapsed.add(first);
        this.layout = this.makeLayout(t, false);
        if (this.focusIndex >= 0) this.focusIndex = this.layout.laneOfRow[first] - (this.collapsed.has(first) ? 0 : 1);
        this.viewport = { ...this.viewport, scrollY: this.clampScroll(this.viewport.scrollY) };
        this.draw();
    }

    private selectItem(item: number, multi: boolean): void {
        const t = this.table;
        if (!t || !this.interactive) return;
        const ids = this.idsFor(item);
        void this.selectionManager.select(ids, multi);
        if (this.view === "timeline") {
            if (!multi || !this.selectedRows) this.selectedRows = new Uint8Array(t.count);
            this.selectedRows[item] = this.selectedRows[item] && multi ? 0 : 1;
        } else {
            if (!multi) this.selectedCells.clear();
            if (this.selectedCells.has(item) && multi) this.selectedCells.delete(item);
            else this.selectedCells.add(item);
        }
        this.draw();
    }

    private clearSelection(): void {
        void this.selectionManager.clear();
        this.clearLocalSelection();
    }

    private clearLocalSelection(): void {
        this.selectedRows = null;
        this.selectedCells.clear();
        if (this.table) this.draw();
    }

    private showContextMenu(id: ISelectionId | undefined, x: number, y: number): void {
        if (!this.interactive) return;
        void this.selectionManager.showContextMenu(id ?? {}, { x, y });
    }

    /** Distance between two touch points and their centre, as time under the centre. */
    private pinchGeometry(): { distance: number; centre: number } {
        const [a, b] = Array.from(this.pointers.values());
        const left = this.root.getBoundingClientRect().left;
        return { distance: Math.max(1, Math.abs(a.x - b.x)), centre: this.xToTime((a.x + b.x) / 2 - left) };
    }

    private onPointerMove(e: PointerEvent): void {
        if (this.pointers.has(e.pointerId)) this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
        if (this.pinch && this.layout && this.pointers.size === 2) {
            const { distance } = this.pinchGeometry();
            this.viewport = zoomViewport(this.pinch.v, this.pinch.centre, this.pinch.distance / distance, this.layout.span);
            this.draw();
            return;
        }
        if (this.drag && this.layout && (e.buttons & 1)) {
            const msPerPx = (this.drag.v.t1 - this.drag.v.t0) / Math.max(1, this.geometry.width - this.geometry.labelWidth);
            const v = panViewport(this.drag.v, (this.drag.x - e.clientX) * msPerPx, this.layout.span);
            this.viewport = { ...v, scrollY: this.clampScroll(this.drag.v.scrollY + (this.drag.y - e.clientY)) };
            this.draw();
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
            dataItems: this.tooltipFor(hit),
            identities: this.idsFor(hit).slice(0, 1),
        });
    }

    /** Tooltip lines for an action row (timeline) or a cell (heatmap). */
    public tooltipFor(item: number): VisualTooltipDataItem[] {
        const t = this.table;
        if (!t) return [];
        const f = this.formatter;
        const s = this.strings;
        if (this.view === "timeline") {
            const items: VisualTooltipDataItem[] = [
                { displayName: s.get("Role_Action"), value: text(t.action, item) },
                { displayName: s.get("Role_Subflow"), value: text(t.subflow, item) },
                { displayName: s.get("Role_Module"), value: text(t.module, item) },
                { displayName: s.get("Tip_Duration"), value: t.endUnknown[item] ? s.get("Tip_EndUnknown") : f.duration(t.duration[item]) },
                { displayName: s.get("Role_Start"), value: f.timestamp(t.start[item]) },
            ];
            if (!Number.isNaN(t.actionIndex[item])) items.push({ displayName: s.get("Tip_Line"), value: f.count(t.actionIndex[item]) });
            // A failure inside an error handler was handled: say so rather than echo "Failed".
            if (t.handled[item]) items.push({ displayName: s.get("Role_Status"), value: s.get("Tip_FailedHandled") });
            else if (t.status.codes[item] >= 0) items.push({ displayName: s.get("Role_Status"), value: text(t.status, item) });
            if (t.machine.codes[item] >= 0) items.push({ displayName: s.get("Role_Machine"), value: text(t.machine, item) });
            if (t.error.codes[item] >= 0) items.push({ displayName: s.get("Role_Error"), value: text(t.error, item) });
            const p95 = t.p95?.[item] ?? NaN;
            if (!Number.isNaN(p95)) {
                const above = this.layout?.aboveP95?.[item] === 1;
                items.push({ displayName: s.get(above ? "Tip_AboveP95" : "Role_P95"), value: f.duration(p95) });
            }
            items.push(...this.extraTooltips(t.sourceRow[item]));
            return items.filter((i) => i.value !== "");
        }
        const m = this.heatmap;
        const cell = m?.cells[item];
        if (!m || !cell) return [];
        const value = m.measure === "failureRate" ? f.rate(cell.value) : m.measure === "count" ? f.count(cell.value) : f.duration(cell.value);
        const items: VisualTooltipDataItem[] = [
            { displayName: s.get("Tip_Value"), value: cell.approximate ? `≈ ${value}` : value, header: `${m.rowLabels[cell.row]} · ${this.columnLabel(m.columnKeys[cell.col])}` },
            { displayName: s.get(m.preAggregated ? "Tip_Executions" : "Tip_Count"), value: f.count(cell.count) },
            { displayName: s.get("Tip_Failures"), value: f.count(cell.failures) },
        ];
        if (t.handlingKnown) items.push({ displayName: s.get("Role_HandledFailures"), value: f.count(cell.handledFailures) });
        if (cell.approximate) items.push({ displayName: "≈", value: s.get("Tip_Approximate", f.count(cell.sourceRows)) });
        return items;
    }

    /** Values of the fields in the Tooltips well, for one DataView row. */
    private extraTooltips(sourceRow: number): VisualTooltipDataItem[] {
        const table = this.dataView?.table;
        const row = table?.rows?.[sourceRow];
        if (!table || !row) return [];
        const out: VisualTooltipDataItem[] = [];
        table.columns.forEach((c, i) => {
            if (!c.roles?.[Roles.tooltips]) return;
            const v = row[i];
            if (v === null || v === undefined) return;
            out.push({ displayName: c.displayName, value: typeof v === "number" ? this.formatter.number(v) : v instanceof Date ? this.formatter.timestamp(v.getTime()) : String(v) });
        });
        return out;
    }

    private onWheel(e: WheelEvent): void {
        if (this.view !== "timeline" || !this.layout) return;
        e.preventDefault();
        const p = this.point(e);
        if (e.ctrlKey || e.metaKey) {
            const at = this.xToTime(p.x);
            this.viewport = zoomViewport(this.viewport, at, e.deltaY > 0 ? 1.25 : 0.8, this.layout.span);
        } else if (e.shiftKey) {
            const msPerPx = (this.viewport.t1 - this.viewport.t0) / Math.max(1, this.geometry.width - this.geometry.labelWidth);
            this.viewport = panViewport(this.viewport, e.deltaY * msPerPx, this.layout.span);
        } else {
            this.viewport = { ...this.viewport, scrollY: this.clampScroll(this.viewport.scrollY + e.deltaY) };
        }
        this.draw();
    }

    private xToTime(x: number): number {
        const g = this.geometry, v = this.viewport;
        return v.t0 + ((x - g.labelWidth) / Math.max(1, g.width - g.labelWidth)) * (v.t1 - v.t0);
    }

    private clampScroll(y: number): number {
        const total = (this.layout?.laneCount ?? 0) * this.geometry.laneHeight;
        return Math.max(0, Math.min(y, total - (this.geometry.height - this.geometry.axisHeight)));
    }

    private onKey(e: KeyboardEvent): void {
        if (!this.table) return;
        this.keyboardFocus = true;
        const timeline = this.view === "timeline" && this.layout;
        const count = timeline ? this.layout!.laneCount : this.heatmap?.cells.length ?? 0;
        let handled = true;
        switch (e.key) {
            case "+": case "=":
                if (timeline) this.viewport = zoomViewport(this.viewport, (this.viewport.t0 + this.viewport.t1) / 2, 0.5, this.layout!.span);
                break;
            case "-": case "_":
                if (timeline) this.viewport = zoomViewport(this.viewport, (this.viewport.t0 + this.viewport.t1) / 2, 2, this.layout!.span);
                break;
            case "ArrowLeft": case "ArrowRight": {
                const dir = e.key === "ArrowLeft" ? -1 : 1;
                if (timeline) this.viewport = panViewport(this.viewport, dir * (this.viewport.t1 - this.viewport.t0) * 0.1, this.layout!.span);
                else this.moveFocus(dir, count);
                break;
            }
            case "ArrowDown": case "ArrowUp": {
                const dir = e.key === "ArrowUp" ? -1 : 1;
                if (timeline) this.moveFocus(dir, count);
                else this.moveFocus(dir * Math.max(1, this.heatmap?.columnKeys.length ?? 1), count, true);
                break;
            }
            case "Home":
                if (timeline) this.viewport = { t0: 0, t1: Math.max(1, this.layout!.span * 1.01), scrollY: 0 };
                break;
            case "Enter": case " ": {
                if (timeline && this.layout!.mode === "single" && this.focusIndex >= 0 && this.layout!.laneKind[this.focusIndex] === LaneKind.Subflow) {
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
            case "ContextMenu": {
                const item = this.focusedItem();
                const r = this.focusRing.getBoundingClientRect();
                this.showContextMenu(item >= 0 ? this.idsFor(item)[0] : undefined, r.left, r.bottom);
                break;
            }
            default:
                handled = false;
        }
        if (handled) {
            e.preventDefault();
            this.draw();
        }
    }

    /** Moves keyboard focus; in the heatmap, up/down jumps by a row of the grid. */
    private moveFocus(delta: number, count: number, byGridRow = false): void {
        if (count === 0) return;
        if (this.view === "heatmap" && this.heatmap) {
            const m = this.heatmap;
            const cols = m.columnKeys.length;
            const current = this.focusIndex >= 0 ? m.cells[this.focusIndex] : null;
            let pos = current ? current.row * cols + current.col : -1;
            // Walk the grid to the next non-empty cell in that direction.
            for (let k = 0; k < m.grid.length; k++) {
                pos = pos < 0 ? 0 : pos + delta;
                if (pos < 0 || pos >= m.grid.length) return;
                if (m.grid[pos] >= 0) { this.focusIndex = m.grid[pos]; return; }
                if (byGridRow && k > m.rowLabels.length) return;
            }
            return;
        }
        const layout = this.layout!;
        let lane = this.focusIndex < 0 ? (delta > 0 ? -1 : layout.laneCount) : this.focusIndex;
        do lane += delta; while (lane >= 0 && lane < layout.laneCount && layout.mode === "single" && layout.laneKind[lane] === LaneKind.Run);
        if (lane < 0 || lane >= layout.laneCount) return;
        this.focusIndex = lane;
        const top = lane * this.geometry.laneHeight;
        const visible = this.geometry.height - this.geometry.axisHeight;
        if (top < this.viewport.scrollY || top + this.geometry.laneHeight > this.viewport.scrollY + visible) {
            this.viewport = { ...this.viewport, scrollY: this.clampScroll(top - visible / 2) };
        }
    }

    /** The item the keyboard focus is on: an action row (timeline) or a cell (heatmap). */
    public focusedItem(): number {
        if (this.focusIndex < 0) return -1;
        if (this.view === "heatmap") return this.focusIndex;
        const layout = this.layout;
        if (!layout) return -1;
        if (layout.mode === "single") return layout.laneKind[this.focusIndex] === LaneKind.Action ? layout.laneRef[this.focusIndex] : -1;
        const [from, to] = layout.bandRows(this.focusIndex);
        // A band stands for its run: pick the slowest action so Enter selects something meaningful.
        let best = from;
        for (let i = from; i < to; i++) if (this.table!.duration[i] > this.table!.duration[best]) best = i;
        return best;
    }

    private placeFocusRing(): void {
        const ring = this.focusRing;
        const item = this.focusedItem();
        const l = this.layout;
        if (this.keyboardFocus && this.view === "timeline" && l?.mode === "single" && this.focusIndex >= 0 && l.laneKind[this.focusIndex] === LaneKind.Subflow) {
            // A subflow header: the ring spans the lane; Enter collapses or expands it.
            Object.assign(ring.style, { display: "block", left: "0px", width: `${this.geometry.width}px`, top: `${laneTop(this.geometry, this.viewport, this.focusIndex)}px`, height: `${this.geometry.laneHeight}px` });
            this.status.textContent = `${this.strings.get("Role_Subflow")}: ${l.laneLabel(this.focusIndex)}`;
            return;
        }
        if (!this.keyboardFocus || item < 0 || !this.table) {
            ring.style.display = "none";
            this.root.removeAttribute("aria-activedescendant");
            return;
        }
        let x = 0, y = 0, w = 0, h = 0;
        if (this.view === "timeline" && this.layout) {
            const g = this.geometry, v = this.viewport, t = this.table;
            const o = this.layout.originOfRow(item);
            y = laneTop(g, v, this.focusIndex);
            h = g.laneHeight;
            x = this.layout.mode === "single" ? Math.max(g.labelWidth, timeToX(g, v, t.start[item] - o)) - 2 : g.labelWidth;
            w = this.layout.mode === "single" ? Math.max(4, Math.min(g.width, timeToX(g, v, t.end[item] - o)) - x + 2) : g.width - g.labelWidth;
        } else if (this.heatmap && this.heatGeometry) {
            const c = this.heatmap.cells[item], g = this.heatGeometry;
            x = g.left + c.col * g.cellWidth; y = g.top + c.row * g.cellHeight; w = g.cellWidth; h = g.cellHeight;
        }
        ring.style.display = "block";
        ring.style.left = `${x}px`;
        ring.style.top = `${y}px`;
        ring.style.width = `${w}px`;
        ring.style.height = `${h}px`;
        ring.style.outlineColor = this.palette.highContrast ? this.palette.selection : "";
        this.status.textContent = this.tooltipFor(item).map((i) => `${i.displayName}: ${i.value}`).join(", ");
    }
}

/** Unhandled failures: failed actions not inside an error handler. */
function countFailed(t: ActionTable): number {
    let n = 0;
    for (let i = 0; i < t.count; i++) n += t.failed[i] & (t.handled[i] ^ 1);
    return n;
}

function countHandled(t: ActionTable): number {
    let n = 0;
    for (let i = 0; i < t.count; i++) n += t.handled[i];
    return n;
}
