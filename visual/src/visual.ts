"use strict";

import powerbi from "powerbi-visuals-api";
import { FormattingSettingsService } from "powerbi-visuals-utils-formattingmodel";
import "./../style/visual.less";

import { ActionTable, ActionTableBuilder, AppendResult, isPreAggregated, missingRoles, roleIndexes, runsInTable, tableSignature, text } from "./model/actionTable";
import { HeatColumns, HeatMeasure, HeatRows, HeatmapAggregator, HeatmapModel, HeatmapOptions } from "./model/heatmap";
import { Roles } from "./model/roles";
import {
    FIT_SPAN, Failures, LaneKind, TimelineGeometry, TimelineLayout, TimelineViewport, clampScroll, failuresOf, findLane, layoutTimeline,
} from "./model/timeline";
import { Formatter } from "./format";
import { Strings, StringKey } from "./strings";
import { VisualSettings, enumValue } from "./settings";
import { Palette } from "./render/colors";
import { Behavior, Scene, ViewKind } from "./behavior";
import { drawOverview, drawScrollbar, drawTimeline, isSuccessStatus } from "./render/timelineRenderer";
import { ColorScale, HeatmapGeometry, drawHeatmap, heatmapGeometry } from "./render/heatmapRenderer";
import { AxisMode, drawHeatmapAxes, drawTimelineAxis, timeTicks } from "./render/axes";
import { LegendEntry, drawHeatmapLegend, drawTimelineLegend, navArrow } from "./render/legend";

import IVisual = powerbi.extensibility.visual.IVisual;
import VisualConstructorOptions = powerbi.extensibility.visual.VisualConstructorOptions;
import VisualUpdateOptions = powerbi.extensibility.visual.VisualUpdateOptions;
import IVisualHost = powerbi.extensibility.visual.IVisualHost;
import ISelectionManager = powerbi.extensibility.ISelectionManager;
import ISelectionId = powerbi.visuals.ISelectionId;
import DataView = powerbi.DataView;
import VisualTooltipDataItem = powerbi.extensibility.VisualTooltipDataItem;

/** Height kept free below the timeline's lanes for the "rows ignored" note. */
const NOTE_HEIGHT = 16;
/** Height of the legend strip: one line of swatches; the heatmap's ramp has its tick labels below it. */
const STRIP_HEIGHT = 20;
const HEAT_STRIP_HEIGHT = 32;

/** Counts over all rows of a table, for the legend, the summary and the data attributes. */
interface TableSummary {
    failed: number;
    handled: number;
    succeeded: number;
    other: number;
}

/** As `barKind` for every kept row, from the table's counts by status (see ActionTable.counts). */
function summarize(t: ActionTable): TableSummary {
    const c = t.counts, values = t.status.values;
    // Index 0: rows without a status, drawn as succeeded.
    const out: TableSummary = { failed: c.failed, handled: c.handled, succeeded: c.byStatus[0], other: 0 };
    for (let code = 0; code < values.length; code++) out[isSuccessStatus(values[code]) ? "succeeded" : "other"] += c.byStatus[code + 1];
    return out;
}

/** VisualUpdateType.Data and VisualDataChangeOperationKind values (const enums of the API, inlined by value). */
const UPDATE_DATA = 2;
const OPERATION_CREATE = 0;

/**
 * How an update's rows relate to the rows already converted: the same rows (resize, format pane, selection),
 * the same rows and a new segment after them (fetchMoreData), or another data set.
 */
type DataChange = "same" | "append" | "new";

export class Visual implements IVisual {
    private readonly host: IVisualHost;
    private readonly selectionManager: ISelectionManager;
    private readonly formatting: FormattingSettingsService;
    private readonly strings: Strings;
    private readonly root: HTMLElement;
    /** Canvas, DOM labels and focus ring, below or above the legend strip. */
    private readonly plot: HTMLElement;
    /** Legend and failure navigation. */
    private readonly strip: HTMLElement;
    private readonly legend: HTMLElement;
    private readonly nav: HTMLElement;
    private readonly navLabel: HTMLElement;
    private readonly canvas: HTMLCanvasElement;
    private readonly labels: HTMLElement;
    private readonly focusRing: HTMLElement;
    private readonly message: HTMLElement;
    private readonly status: HTMLElement;
    private readonly loading: HTMLElement;
    private readonly note: HTMLElement;
    private settings = new VisualSettings();
    private formatter: Formatter;
    private palette!: Palette;
    private dataView: DataView | undefined;
    /** Rows of the DataView last converted, to tell a new segment or a format change from new data. */
    private convertedRows: powerbi.DataViewTableRow[] | null = null;
    private builder: ActionTableBuilder | null = null;
    private table: ActionTable | null = null;
    /** Bumped whenever the table's rows change: layouts and heatmaps built for an older version are rebuilt. */
    private tableVersion = 0;
    /** Whether the last data update said more segments were coming. */
    private segmented = false;
    /** Row count at which fetchMoreData was last called: never twice for the same rows (resizes, format changes). */
    private requestedAt = -1;
    private view: ViewKind = "timeline";
    private layout: TimelineLayout | null = null;
    private layoutKey = "";
    private viewport: TimelineViewport = { t0: 0, t1: 1, scrollY: 0 };
    /** The viewport shows the whole span: later segments that lengthen the run widen it too. */
    private fullView = true;
    private geometry: TimelineGeometry = { width: 0, height: 0, labelWidth: 160, axisHeight: 22, laneHeight: 16 };
    /** The visual's height; the timeline leaves a footer below its lanes for the ignored-rows note. */
    private viewportHeight = 0;
    private heatAggregator: HeatmapAggregator | null = null;
    private heatKey = "";
    private heatmap: HeatmapModel | null = null;
    private heatModelKey = "";
    private heatGeometry: HeatmapGeometry | null = null;
    /**
     * Pointer, wheel, touch, keyboard, selection and focus handling: selection and focus live there; the
     * visual tells it about new data and layouts, and draws what it selected. Public as the visual's
     * interaction API (tests drive and query it as a user's input would).
     */
    public readonly behavior: Behavior;
    /** Collapsed subflow groups of the single-run timeline, by the group's first action row. */
    private readonly collapsed = new Set<number>();
    private failures: Failures = { rows: new Int32Array(0), lanesOfRows: new Int32Array(0), lanes: new Int32Array(0) };
    private summaryCache: (TableSummary & { version: number }) | null = null;

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
        // Visible while segments arrive: the report author sees that more rows are coming and how many are in.
        this.loading = document.createElement("div");
        this.loading.className = "padlens-loading";
        this.loading.setAttribute("role", "status");
        this.loading.hidden = true;
        // Rows the visual left out or changed: said on the visual, the reasons in its tooltip.
        this.note = document.createElement("div");
        this.note.className = "padlens-note";
        this.note.setAttribute("role", "note");
        this.note.hidden = true;
        this.plot = document.createElement("div");
        this.plot.className = "padlens-plot";
        this.plot.append(this.canvas, this.labels, this.focusRing);
        this.strip = document.createElement("div");
        this.strip.className = "padlens-strip";
        this.legend = document.createElement("div");
        this.legend.className = "padlens-legend-items";
        // Previous / next failure: buttons for the mouse, F8 / Shift+F8 (and n / N) for the keyboard.
        this.nav = document.createElement("div");
        this.nav.className = "padlens-nav";
        // Wired to the behaviour once it exists (below): a button press is input like a key.
        const buttons: [HTMLButtonElement, number][] = [];
        const button = (dir: -1 | 1, key: StringKey): HTMLButtonElement => {
            const b = document.createElement("button");
            b.type = "button";
            b.append(navArrow(dir));
            b.title = this.strings.get(key);
            b.setAttribute("aria-label", this.strings.get(key));
            buttons.push([b, dir]);
            return b;
        };
        this.navLabel = document.createElement("span");
        this.nav.append(button(-1, "Nav_Previous"), this.navLabel, button(1, "Nav_Next"));
        this.strip.append(this.legend, this.nav);
        this.root.append(this.plot, this.strip, this.message, this.loading, this.note, this.status);
        options.element.appendChild(this.root);
        // The behaviour sees the visual only through these callbacks, never its fields.
        this.behavior = new Behavior({ root: this.root, plot: this.plot, focusRing: this.focusRing, status: this.status }, {
            selectionManager: this.selectionManager,
            tooltipService: this.host.tooltipService,
            strings: this.strings,
            scene: () => this.scene(),
            interactive: () => this.host.hostCapabilities?.allowInteractions !== false,
            setViewport: (v) => this.setViewport(v),
            scrollTo: (scrollY) => { this.viewport = { ...this.viewport, scrollY }; },
            resetViewport: () => this.resetViewport(),
            toggleGroup: (lane) => this.toggleGroup(lane),
            unfold: (lane) => this.unfold(lane),
            idForRow: (row) => this.idForRow(row),
            tooltipFor: (item) => this.tooltipFor(item),
            focusColor: () => (this.palette.highContrast ? this.palette.selection : ""),
            draw: () => this.draw(),
        });
        for (const [b, dir] of buttons) this.behavior.bindNavButton(b, dir);
        this.selectionManager.registerOnSelectCallback((ids) => this.behavior.guard(() => this.behavior.onHostSelection(ids as ISelectionId[])));
    }

    public update(options: VisualUpdateOptions): void {
        this.host.eventService.renderingStarted(options);
        try {
            const dv = options.dataViews?.[0];
            this.settings = this.formatting.populateFormattingSettingsModel(VisualSettings, dv);
            this.palette = this.resolvePalette();
            this.geometry.width = Math.max(0, options.viewport.width);
            this.viewportHeight = this.geometry.height = Math.max(0, options.viewport.height);
            const missing = missingRoles(roleIndexes(dv));
            if (!dv?.table || missing.length > 0) {
                this.reset();
                this.showLanding(missing.length ? missing : ["action", "time"]);
                this.host.eventService.renderingFinished(options);
                return;
            }
            const change = this.ingest(dv, options);
            this.requestMoreData(dv);
            const t = this.table;
            if (!t || t.count === 0) {
                this.showMessage(this.strings.get("Empty"));
                this.host.eventService.renderingFinished(options);
                return;
            }
            this.root.classList.remove("padlens-landing");
            this.message.textContent = "";
            const runCount = runsInTable(t).length;
            const mode = enumValue(this.settings.view.mode);
            const view: ViewKind = mode === "timeline" || mode === "heatmap" ? mode : runCount <= 1 && !isPreAggregated(t) ? "timeline" : "heatmap";
            // Another data set or another view starts from the whole extent; a new segment or a resize keeps the zoom.
            const reset = change === "new" || view !== this.view;
            this.view = view;
            if (view === "timeline") this.prepareTimeline(t, reset);
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

    /** Forgets the converted data (landing page, another data set). */
    private reset(): void {
        this.builder = null;
        this.table = null;
        this.convertedRows = null;
        this.heatAggregator = null;
        this.heatmap = null;
        this.layout = null;
        this.requestedAt = -1;
        this.loading.hidden = true;
    }

    /**
     * Converts what is new in the DataView: nothing when the rows are the ones already converted (a resize, a
     * format change, a selection), only the rows after them when the host appended a segment, everything when
     * it is another data set. Returns which of the three it was.
     */
    private ingest(dv: DataView, options: VisualUpdateOptions): DataChange {
        const rows = dv.table?.rows ?? [];
        const prev = this.convertedRows;
        const b = this.builder;
        const segmentedBefore = this.segmented;
        this.dataView = dv;
        const isData = options.type === undefined || (options.type & UPDATE_DATA) !== 0;
        if (isData) this.segmented = !!dv.metadata?.segment;
        if (b && prev && b.signature === tableSignature(dv) && rows.length >= b.table.size) {
            const size = b.table.size;
            if (rows === prev && rows.length === size) return "same";
            // A resize or view-mode change carries the DataView it had: the rows cannot have changed.
            if (!isData && rows.length === size) { this.convertedRows = rows; return "same"; }
            const op = options.operationKind;
            const appended = rows.length > size && (op === undefined ? segmentedBefore : op !== OPERATION_CREATE) && samePrefix(prev, rows, size, true);
            if (appended) {
                this.convertedRows = rows;
                if (b.canAppend(dv)) {
                    const result = b.append(dv);
                    this.tableVersion++;
                    this.onAppend(result, size);
                } else {
                    // Durations only (no Start): rows are chained in their run's order, so the table is converted
                    // whole; row ids are the same, so selection, focus and zoom stay.
                    this.builder = ActionTableBuilder.from(dv);
                    this.table = this.builder?.table ?? null;
                    this.tableVersion++;
                    this.heatAggregator = null;
                    this.behavior.restoreSelection(size);
                }
                return "append";
            }
            // Same length and the same values in every row: a format-pane change, nothing to convert.
            if (rows.length === size && samePrefix(prev, rows, size, false)) { this.convertedRows = rows; return "same"; }
        }
        this.builder = ActionTableBuilder.from(dv);
        this.table = this.builder?.table ?? null;
        this.convertedRows = rows;
        this.tableVersion++;
        this.heatAggregator = null;
        this.requestedAt = -1;
        this.collapsed.clear();
        // Another data set: selection and focus start over from what the host holds.
        this.behavior.onNewData();
        return "new";
    }

    /** Keeps the heatmap's aggregates and the restored selection up to date with the rows just appended. */
    private onAppend(result: AppendResult, from: number): void {
        const t = this.table;
        if (!t) return;
        if (this.heatAggregator) {
            this.heatAggregator.add(t, result.added);
            this.heatAggregator.containersChanged(t, result.containerChanged);
        }
        this.behavior.restoreSelection(from);
    }

    /** Loads further segments (fetchMoreData) while the Data limits card allows it, once per row count. */
    private requestMoreData(dv: DataView): void {
        const rows = dv.table?.rows?.length ?? 0;
        const limits = this.settings.dataLimits;
        if (!dv.metadata?.segment || !limits.loadMore.value || rows >= limits.maxRows.value) {
            this.loading.hidden = true;
            this.status.textContent = "";
            return;
        }
        if (rows === this.requestedAt) return;
        this.requestedAt = rows;
        const asked = this.host.fetchMoreData(true);
        const msg = this.strings.get("Loading", this.formatter.count(rows));
        this.loading.hidden = !asked;
        this.loading.textContent = asked ? msg : "";
        this.status.textContent = asked ? msg : "";
    }

    private resolvePalette(): Palette {
        const cp = this.host.colorPalette;
        const c = this.settings.colors;
        if (cp?.isHighContrast) {
            const fg = cp.foreground.value, bg = cp.background.value, sel = cp.foregroundSelected.value;
            // High contrast: two colours plus the selection colour; failures use the hyperlink colour so they still stand out.
            return {
                background: bg, foreground: fg, grid: bg, succeeded: fg, failed: cp.hyperlink?.value ?? sel, other: fg, heatLow: bg, heatHigh: fg, selection: sel,
                emphasis: fg, span: fg, noData: bg, gridline: fg, highContrast: true,
            };
        }
        return {
            background: "#ffffff", foreground: "#252423", grid: "#f6f6f6", selection: "#252423", highContrast: false,
            emphasis: "#252423", span: "#a19f9d", noData: "#d2d0ce", gridline: "#e1dfdd",
            succeeded: c.succeeded.value.value, failed: c.failed.value.value, other: c.other.value.value,
            heatLow: c.heatLow.value.value, heatHigh: c.heatHigh.value.value,
        };
    }

    private showLanding(missing: ("action" | "time")[]): void {
        this.note.hidden = true;
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
        this.layout = null;
        this.note.hidden = true;
        this.heatmap = null;
        this.root.classList.remove("padlens-landing");
        this.root.removeAttribute("data-view");
        this.labels.replaceChildren();
        this.focusRing.style.display = "none";
        this.message.textContent = msg;
        this.clearCanvas();
    }

    private clearCanvas(): void {
        this.canvas.width = Math.max(1, this.geometry.width);
        this.canvas.height = Math.max(1, this.viewportHeight);
        const ctx = this.canvas.getContext?.("2d");
        ctx?.clearRect(0, 0, this.canvas.width, this.canvas.height);
    }

    /** Height of the legend strip, and whether it sits above or below the plot (0 when there is nothing to show). */
    private stripLayout(t: ActionTable): { height: number; top: boolean } {
        const legend = this.settings.legend.show.value;
        const nav = this.view === "timeline" && this.summary(t).failed > 0;
        if (!legend && !nav) return { height: 0, top: true };
        return { height: this.view === "heatmap" && legend ? HEAT_STRIP_HEIGHT : STRIP_HEIGHT, top: enumValue(this.settings.legend.position) !== "bottom" };
    }

    /** Places the plot between the strip and the note, and returns its height. */
    private placePlot(t: ActionTable, footer: number): number {
        const strip = this.stripLayout(t);
        const height = Math.max(0, this.viewportHeight - strip.height - footer);
        const plotTop = strip.top ? strip.height : 0;
        Object.assign(this.plot.style, { top: `${plotTop}px`, height: `${height}px` });
        // The loading badge sits on the plot's top edge, clear of the strip's failure buttons.
        this.loading.style.top = `${plotTop + 2}px`;
        this.strip.hidden = strip.height === 0;
        Object.assign(this.strip.style, { top: strip.top ? "0px" : "", bottom: strip.top ? "" : `${footer}px`, height: `${strip.height}px` });
        return height;
    }

    private axisMode(t: ActionTable, layout: TimelineLayout): AxisMode {
        const option = enumValue(this.settings.timeline.timeAxis);
        const clock = option === "clock" || (option === "auto" && layout.mode === "single");
        return {
            clock: clock && (layout.mode === "single" || this.absoluteBands()), origin: t.count ? layout.originOfRow(t.order[0]) : 0,
            fraction: layout.fit ? FIT_SPAN : undefined,
        };
    }

    /** Several runs on one clock axis (Time axis: Clock time), rather than each from zero. */
    private absoluteBands(): boolean {
        return enumValue(this.settings.timeline.timeAxis) === "clock";
    }

    /** Several runs each over the full width: asked for, or by Auto when one scale would squeeze them. */
    private fitBands(): boolean | "auto" {
        const option = enumValue(this.settings.timeline.timeAxis);
        return option === "fit" ? true : option === "auto" ? "auto" : false;
    }

    private prepareTimeline(t: ActionTable, reset: boolean): void {
        const forceBands = runsInTable(t).length > 1;
        const tl = this.settings.timeline;
        const key = `${this.tableVersion}|${tl.slowestN.value}|${forceBands}|${enumValue(tl.bandOrder)}|${this.absoluteBands()}|${this.fitBands()}`;
        if (!this.layout || key !== this.layoutKey) {
            const before = this.layout;
            const origin = before && before.mode === "single" && t.count ? before.originOfRow(t.order[0]) : NaN;
            // The lane at the top of the view, by identity: lanes inserted above it must not scroll it away.
            const topLane = before ? Math.floor(this.viewport.scrollY / this.geometry.laneHeight) : -1;
            const anchor = before && topLane >= 0 && topLane < before.laneCount ? { kind: before.laneKind[topLane], ref: before.laneRef[topLane], offset: this.viewport.scrollY - topLane * this.geometry.laneHeight } : null;
            this.layout = this.makeLayout(t, forceBands);
            this.layoutKey = key;
            // Auto may switch several runs between one ms scale and one scale per run as runs arrive: a time
            // window chosen on the one means nothing on the other.
            if (before && before.fit !== this.layout.fit) reset = true;
            if (!reset && anchor && anchor.kind !== LaneKind.Run) {
                const lane = findLane(this.layout, anchor.kind, anchor.ref);
                if (lane >= 0) this.viewport = { ...this.viewport, scrollY: lane * this.geometry.laneHeight + anchor.offset };
            }
            if (!reset && this.fullView && this.layout.span !== before?.span) {
                // A later segment that lengthens the run widens a view that showed all of it.
                this.viewport = { ...this.viewport, t0: 0, t1: Math.max(1, this.layout.span * 1.01) };
            } else if (!reset && this.layout.mode === "single" && before?.mode === "single" && t.count) {
                // Earlier actions arrived: the axis starts earlier, and the zoomed window stays on the same clock times.
                const shift = origin - this.layout.originOfRow(t.order[0]);
                if (Number.isFinite(shift) && shift !== 0) this.viewport = { ...this.viewport, t0: this.viewport.t0 + shift, t1: this.viewport.t1 + shift };
            }
        }
        this.geometry.laneHeight = tl.laneHeight.value;
        this.geometry.labelWidth = tl.showLabels.value ? Math.min(220, Math.max(80, this.geometry.width * 0.25)) : 0;
        const i = t.issues;
        this.geometry.height = this.placePlot(t, i.dropped + i.duplicates + i.repaired > 0 ? NOTE_HEIGHT : 0);
        if (reset) this.resetViewport();
        this.viewport = { ...this.viewport, scrollY: clampScroll(this.layout, this.geometry, this.viewport.scrollY) };
        this.behavior.resolveFocus();
    }

    private resetViewport(): void {
        this.viewport = { t0: 0, t1: Math.max(1, (this.layout?.span ?? 0) * 1.01), scrollY: 0 };
        this.fullView = true;
    }

    /**
     * Lays out lanes. Bands are labelled by flow and start first (a run id is a GUID nobody reads), the run's
     * own label last, so a narrow label column still says which flow ran when.
     */
    private makeLayout(t: ActionTable, forceBands: boolean): TimelineLayout {
        const tl = this.settings.timeline;
        const layout = layoutTimeline(t, tl.slowestN.value, forceBands, this.collapsed, {
            order: enumValue(tl.bandOrder) as "start" | "duration" | "status",
            absolute: this.absoluteBands(),
            fit: this.fitBands(),
        });
        const label = layout.laneLabel;
        layout.laneLabel = (lane) => {
            if (layout.laneKind[lane] !== LaneKind.Run) return label(lane);
            const run = layout.laneRef[lane];
            const first = t.runFirst[run] >= 0 ? t.order[t.runFirst[run]] : -1;
            const flow = first >= 0 ? text(t.flow, first) : "";
            // Bands scaled to their own run no longer compare lengths by eye: the label says how long it took.
            const length = layout.fit ? this.formatter.duration(t.runFinish[run] - t.runStart[run]) : "";
            return [flow, this.formatter.minute(t.runStart[run]), length, label(lane)].filter((x) => x !== "").join(" · ");
        };
        this.failures = failuresOf(t, layout);
        return layout;
    }

    private heatmapOptions(): HeatmapOptions {
        const h = this.settings.heatmap;
        return {
            rows: enumValue(h.rows) as HeatRows,
            columns: enumValue(h.columns) as HeatColumns,
            measure: enumValue(h.measure) as HeatMeasure,
            maxRows: h.maxRows.value,
            includeContainers: h.includeContainers.value,
            includeHandledFailures: h.includeHandledFailures.value,
        };
    }

    /**
     * The heatmap's aggregates are kept per table and options: a new segment adds to them (see onAppend), a
     * resize or a colour change reuses them, and only a change of rows, columns or measure aggregates again.
     */
    private prepareHeatmap(t: ActionTable): void {
        const o = this.heatmapOptions();
        const key = `${o.rows}|${o.columns}|${o.measure}|${o.includeContainers}|${o.includeHandledFailures}`;
        if (!this.heatAggregator || key !== this.heatKey) {
            this.heatAggregator = new HeatmapAggregator(o, isPreAggregated(t));
            this.heatAggregator.add(t, t.order);
            this.heatKey = key;
        }
        const modelKey = `${key}|${o.maxRows}|${this.tableVersion}`;
        if (!this.heatmap || modelKey !== this.heatModelKey) {
            this.heatmap = this.heatAggregator.model(t);
            this.heatModelKey = modelKey;
        }
        const left = Math.min(220, Math.max(80, this.geometry.width * 0.25));
        this.geometry.height = this.placePlot(t, 0);
        this.heatGeometry = heatmapGeometry(this.heatmap, this.geometry.width, this.geometry.height, left, 24, 8);
        this.behavior.resolveFocus();
    }

    /** Counts over the table's rows, computed once per table version (a million rows are not counted per frame). */
    private summary(t: ActionTable): TableSummary {
        if (this.summaryCache?.version !== this.tableVersion) this.summaryCache = { version: this.tableVersion, ...summarize(t) };
        return this.summaryCache;
    }

    private measureName(m: HeatmapModel): string {
        const key = `Enum_${m.measure === "failureRate" ? "FailureRate" : m.measure === "count" ? "Count" : m.measure === "mean" ? "Mean" : m.measure.toUpperCase()}` as StringKey;
        return this.strings.get(key);
    }

    private formatMeasure(m: HeatmapModel, x: number): string {
        const f = this.formatter;
        return m.measure === "failureRate" ? f.rate(x) : m.measure === "count" ? f.count(x) : f.duration(x);
    }

    private draw(): void {
        const t = this.table;
        if (!t) return;
        const width = this.geometry.width, height = this.geometry.height;
        const ratio = window.devicePixelRatio || 1;
        this.canvas.width = Math.max(1, Math.round(width * ratio));
        this.canvas.height = Math.max(1, Math.round(height * ratio));
        this.canvas.style.width = `${width}px`;
        this.canvas.style.height = `${height}px`;
        const ctx = this.canvas.getContext?.("2d") ?? null;
        ctx?.setTransform(ratio, 0, 0, ratio, 0, 0);
        this.root.dataset.view = this.view;
        const p = this.palette;
        // Axis and heatmap labels are DOM text: in high contrast they take the theme's foreground.
        this.root.style.color = p.highContrast ? p.foreground : "";
        this.root.style.backgroundColor = p.highContrast ? p.background : "";
        // The DOM badges (loading, ignored rows, legend) take the same colours.
        this.root.style.setProperty("--padlens-bg", p.background);
        this.root.style.setProperty("--padlens-muted", p.highContrast ? p.foreground : "#605e5c");
        const sum = this.summary(t);
        this.root.dataset.failed = String(sum.failed);
        this.root.dataset.handled = String(sum.handled);
        // Rows left out (no action, or no start to place them at) and rows drawn open-ended, for tests and support.
        this.root.dataset.dropped = String(t.issues.dropped);
        this.root.dataset.openEnded = String(t.issues.openEnded);
        this.root.dataset.rowsLoaded = String(t.size);
        const showLegend = this.settings.legend.show.value;
        if (this.view === "timeline" && this.layout) {
            const layout = this.layout;
            const mode = this.axisMode(t, layout);
            const ticks = timeTicks(this.viewport, width - this.geometry.labelWidth, mode);
            if (ctx) {
                drawTimeline(ctx, t, layout, this.geometry, this.viewport, p, {
                    selected: this.behavior.selected,
                    showLabels: this.settings.timeline.showLabels.value,
                    gridlines: this.settings.timeline.gridlines.value ? ticks : null,
                    durationLabel: (row) => this.formatter.duration(t.duration[row]),
                });
                const overview = drawOverview(ctx, t, layout, this.geometry, this.viewport, p, this.failures.rows);
                drawScrollbar(ctx, layout, this.geometry, this.viewport, p, this.failures.lanes, overview);
            }
            drawTimelineAxis(this.labels, this.geometry, this.viewport, this.formatter, mode);
            this.legend.hidden = !showLegend;
            if (showLegend) drawTimelineLegend(this.legend, this.timelineLegend(t, layout, sum), p);
            this.updateNav();
            this.root.dataset.lanes = String(layout.laneCount);
            this.root.dataset.actions = String(t.count);
            this.root.dataset.axis = mode.clock ? "clock" : layout.fit ? "fit" : "offset";
            delete this.root.dataset.cells;
            const summary = this.strings.get("Summary_Timeline", this.formatter.count(t.count), this.formatter.count(runsInTable(t).length), this.formatter.count(sum.failed));
            this.root.setAttribute("aria-label", sum.handled > 0 ? `${summary} ${this.strings.get("Summary_Handled", this.formatter.count(sum.handled))}` : summary);
        } else if (this.heatmap && this.heatGeometry) {
            const m = this.heatmap;
            const scale = enumValue(this.settings.heatmap.colorScale) as ColorScale;
            if (ctx) drawHeatmap(ctx, m, this.heatGeometry, p, this.behavior.selectedCells(), scale);
            drawHeatmapAxes(this.labels, m, this.heatGeometry, (k) => this.columnLabel(k));
            this.legend.hidden = !showLegend;
            if (showLegend) {
                drawHeatmapLegend(this.legend, m, scale, p, {
                    measure: this.measureName(m), noData: this.strings.get("Legend_NoData"),
                    failed: this.strings.get("Legend_CellFailed"), handled: this.strings.get("Legend_CellHandled"),
                    format: (x) => this.formatMeasure(m, x),
                });
            }
            this.nav.hidden = true;
            this.root.dataset.cells = String(m.cells.length);
            this.root.dataset.rows = String(m.rowLabels.length);
            this.root.dataset.columns = String(m.columnKeys.length);
            this.root.dataset.scale = scale;
            delete this.root.dataset.lanes;
            this.root.setAttribute("aria-label", this.strings.get("Summary_Heatmap", this.formatter.count(m.rowLabels.length), this.formatter.count(m.columnKeys.length)));
        }
        this.root.dataset.selected = String(this.behavior.selected.size);
        this.showIssues(t);
        this.behavior.placeFocusRing();
    }

    /** "n rows ignored, m repaired", with one line per reason in its tooltip; hidden when nothing was. */
    private showIssues(t: ActionTable): void {
        const i = t.issues, f = this.formatter, s = this.strings;
        const ignored = i.dropped + i.duplicates, repaired = i.repaired;
        const parts: string[] = [];
        if (ignored > 0) parts.push(ignored === 1 ? s.get("Note_IgnoredOne") : s.get("Note_Ignored", f.count(ignored)));
        if (repaired > 0) parts.push(s.get("Note_Repaired", f.count(repaired)));
        const reasons: [number, StringKey][] = [
            [i.droppedNoAction, "Reason_NoAction"], [i.droppedNoStart, "Reason_NoStart"], [i.droppedNoExecutions, "Reason_NoExecutions"],
            [i.duplicates, "Reason_Duplicates"], [i.badTime, "Reason_BadTime"], [i.repaired, "Reason_Repaired"], [i.openEnded, "Reason_OpenEnded"],
        ];
        this.note.hidden = parts.length === 0;
        this.note.textContent = parts.join(", ");
        this.note.title = reasons.filter(([n]) => n > 0).map(([n, key]) => s.get(key, f.count(n))).join("\n");
        this.root.dataset.ignored = String(ignored);
        this.root.dataset.repaired = String(repaired);
    }

    /** The kinds of bar and mark this data puts on screen, in the order a reader meets them. */
    private timelineLegend(t: ActionTable, layout: TimelineLayout, sum: TableSummary): LegendEntry[] {
        const s = this.strings;
        const out: LegendEntry[] = [];
        if (sum.succeeded > 0) out.push({ kind: "succeeded", label: s.get("Legend_Succeeded") });
        if (sum.failed > 0) out.push({ kind: "failed", label: s.get("Legend_Failed") });
        if (sum.handled > 0) out.push({ kind: "handled", label: s.get("Legend_Handled") });
        if (sum.other > 0) out.push({ kind: "other", label: s.get("Legend_Other") });
        if (t.issues.openEnded > 0) out.push({ kind: "openEnded", label: s.get("Legend_OpenEnded") });
        const n = this.settings.timeline.slowestN.value;
        if (n > 0) out.push({ kind: "emphasis", label: layout.aboveP95 ? `${s.get("Legend_Slowest", n)} / ${s.get("Legend_AboveP95")}` : s.get("Legend_Slowest", n) });
        else if (layout.aboveP95) out.push({ kind: "emphasis", label: s.get("Legend_AboveP95") });
        if (layout.mode === "single") {
            out.push({ kind: "span", label: s.get("Legend_Subflow") });
            if (sum.failed > 0) out.push({ kind: "spanFailed", label: s.get("Legend_SubflowFailed") });
        }
        return out;
    }

    /** "3 / 251 failures" between the buttons; hidden without failures. */
    private updateNav(): void {
        const n = this.failures.rows.length;
        this.nav.hidden = n === 0;
        if (n === 0) return;
        const current = this.behavior.currentFailure();
        this.navLabel.textContent = current >= 0
            ? this.strings.get("Nav_Position", this.formatter.count(current + 1), this.formatter.count(n))
            : n === 1 ? this.strings.get("Nav_CountOne") : this.strings.get("Nav_Count", this.formatter.count(n));
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

    // ---- what the behaviour may ask of the visual (see BehaviorHost) -------------------------------

    /** What the behaviour reads of the current view. */
    private scene(): Scene {
        return {
            view: this.view, table: this.table, layout: this.layout, heatmap: this.heatmap, heatGeometry: this.heatGeometry,
            geometry: this.geometry, viewport: this.viewport, failures: this.failures,
        };
    }

    private idForRow(row: number): ISelectionId | null {
        const table = this.dataView?.table;
        return table ? this.host.createSelectionIdBuilder().withTable(table, row).createSelectionId() : null;
    }

    /** Folds or unfolds a subflow group and lays the lanes out again, keeping the scroll within them. */
    private toggleGroup(lane: number): void {
        const l = this.layout, t = this.table;
        if (!l || !t) return;
        const first = l.laneRef[lane];
        if (this.collapsed.has(first)) this.collapsed.delete(first);
        else this.collapsed.add(first);
        this.layout = this.makeLayout(t, false);
        this.viewport = { ...this.viewport, scrollY: clampScroll(this.layout, this.geometry, this.viewport.scrollY) };
    }

    /** Unfolds the group a folded lane stands for (folding main folds the run: lane 1 unfolds that too). */
    private unfold(lane: number): void {
        const l = this.layout, t = this.table;
        if (!l || !t) return;
        this.collapsed.delete(l.laneRef[lane]);
        if (lane === 1) this.collapsed.delete(t.order[0]);
        this.layout = this.makeLayout(t, false);
    }

    private setViewport(v: TimelineViewport): void {
        this.viewport = v;
        this.fullView = false;
    }

    /** Tooltip lines for an action row (timeline) or a cell (heatmap); the behaviour shows them. */
    private tooltipFor(item: number): VisualTooltipDataItem[] {
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
            // Empty when the row has none (filtered below): `text` reads one row without encoding the column.
            items.push({ displayName: s.get("Role_Machine"), value: text(t.machine, item) });
            items.push({ displayName: s.get("Role_Error"), value: text(t.error, item) });
            const p95 = t.p95?.[item] ?? NaN;
            if (!Number.isNaN(p95)) {
                const above = this.layout?.aboveP95?.[item] === 1;
                items.push({ displayName: s.get(above ? "Tip_AboveP95" : "Role_P95"), value: f.duration(p95) });
            }
            items.push(...this.extraTooltips(item));
            return items.filter((i) => i.value !== "");
        }
        const m = this.heatmap;
        const cell = m?.cells[item];
        if (!m || !cell) return [];
        const value = this.formatMeasure(m, cell.value);
        // The measure by name (not "Value"), then what it was computed from, and the failure rate whatever the colour shows.
        const items: VisualTooltipDataItem[] = [
            { displayName: this.measureName(m), value: cell.approximate ? `≈ ${value}` : value, header: `${m.rowLabels[cell.row]} · ${this.columnLabel(m.columnKeys[cell.col])}` },
            { displayName: s.get(m.preAggregated ? "Tip_Executions" : "Tip_Count"), value: f.count(cell.count) },
            { displayName: s.get("Tip_Failures"), value: f.count(cell.failures) },
        ];
        if (t.handlingKnown) items.push({ displayName: s.get("Role_HandledFailures"), value: f.count(cell.handledFailures) });
        if (m.measure !== "failureRate") items.push({ displayName: s.get("Tip_FailureRate"), value: f.rate(cell.failureRate) });
        if (cell.approximate) items.push({ displayName: "≈", value: s.get("Tip_Approximate", f.count(cell.sourceRows)) });
        return items;
    }

    /** Values of the fields in the Tooltips well, for one DataView row. */
    private extraTooltips(row: number): VisualTooltipDataItem[] {
        const table = this.dataView?.table;
        const values = table?.rows?.[row];
        if (!table || !values) return [];
        const out: VisualTooltipDataItem[] = [];
        table.columns.forEach((c, i) => {
            if (!c.roles?.[Roles.tooltips]) return;
            const v = values[i];
            if (v === null || v === undefined) return;
            out.push({ displayName: c.displayName, value: typeof v === "number" ? this.formatter.number(v) : v instanceof Date ? this.formatter.timestamp(v.getTime()) : String(v) });
        });
        return out;
    }
}

/**
 * Whether the first `n` rows of `b` are those of `a`. Aggregated segments hand the same row arrays again, so
 * identity is checked first; `sampled` compares a spread of rows only (a new segment: its prefix is the
 * host's, but a different data set would differ nearly everywhere), otherwise every row (a format change
 * must not hide a changed value).
 */
function samePrefix(a: powerbi.DataViewTableRow[], b: powerbi.DataViewTableRow[], n: number, sampled: boolean): boolean {
    if (a.length < n || b.length < n) return false;
    const step = sampled ? Math.max(1, Math.floor(n / 64)) : 1;
    for (let i = 0; i < n; i += step) if (!sameRow(a[i], b[i])) return false;
    return n === 0 || sameRow(a[n - 1], b[n - 1]);
}

function sameRow(x: powerbi.DataViewTableRow, y: powerbi.DataViewTableRow): boolean {
    if (x === y) return true;
    if (!x || !y || x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) {
        const p = x[k], q = y[k];
        if (p === q) continue;
        if (p instanceof Date && q instanceof Date && p.getTime() === q.getTime()) continue;
        return false;
    }
    return true;
}
