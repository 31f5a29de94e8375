import { formattingSettings } from "powerbi-visuals-utils-formattingmodel";

import Card = formattingSettings.SimpleCard;

function dropdown(name: string, displayNameKey: string, items: { value: string; displayNameKey: string }[], value: string): formattingSettings.ItemDropdown {
    const list = items.map((i) => ({ value: i.value, displayName: i.displayNameKey, displayNameKey: i.displayNameKey }));
    return new formattingSettings.ItemDropdown({ name, displayName: displayNameKey, displayNameKey, items: list, value: list.find((i) => i.value === value) ?? list[0] });
}

export class ViewCard extends Card {
    mode = dropdown("mode", "Obj_Mode", [
        { value: "auto", displayNameKey: "Enum_Auto" },
        { value: "timeline", displayNameKey: "Enum_Timeline" },
        { value: "heatmap", displayNameKey: "Enum_Heatmap" },
    ], "auto");
    name = "view";
    displayName = "View";
    displayNameKey = "Card_View";
    slices = [this.mode];
}

export class TimelineCard extends Card {
    laneHeight = new formattingSettings.NumUpDown({ name: "laneHeight", displayName: "Lane height", displayNameKey: "Obj_LaneHeight", value: 16, options: { minValue: { type: 0, value: 6 }, maxValue: { type: 1, value: 60 } } });
    slowestN = new formattingSettings.NumUpDown({ name: "slowestN", displayName: "Emphasise slowest", displayNameKey: "Obj_SlowestN", value: 5, options: { minValue: { type: 0, value: 0 }, maxValue: { type: 1, value: 100 } } });
    showLabels = new formattingSettings.ToggleSwitch({ name: "showLabels", displayName: "Labels", displayNameKey: "Obj_ShowLabels", value: true });
    /**
     * Auto: clock time for one run; for several, time since each run's start on one scale (so they can be
     * compared), or each run over the full width when one scale would squeeze most of them (squeezedBands).
     */
    timeAxis = dropdown("timeAxis", "Obj_TimeAxis", [
        { value: "auto", displayNameKey: "Enum_Auto" },
        { value: "clock", displayNameKey: "Enum_AxisClock" },
        { value: "offset", displayNameKey: "Enum_AxisOffset" },
        { value: "fit", displayNameKey: "Enum_AxisFit" },
    ], "auto");
    gridlines = new formattingSettings.ToggleSwitch({ name: "gridlines", displayName: "Gridlines", displayNameKey: "Obj_Gridlines", value: true });
    bandOrder = dropdown("bandOrder", "Obj_BandOrder", [
        { value: "start", displayNameKey: "Enum_OrderStart" },
        { value: "duration", displayNameKey: "Enum_OrderDuration" },
        { value: "status", displayNameKey: "Enum_OrderStatus" },
    ], "start");
    name = "timeline";
    displayName = "Timeline";
    displayNameKey = "Card_Timeline";
    slices = [this.laneHeight, this.slowestN, this.showLabels, this.timeAxis, this.gridlines, this.bandOrder];
}

export class HeatmapCard extends Card {
    rows = dropdown("rows", "Obj_Rows", [
        { value: "action", displayNameKey: "Enum_Action" },
        { value: "subflow", displayNameKey: "Enum_Subflow" },
        { value: "flow", displayNameKey: "Enum_Flow" },
    ], "action");
    columns = dropdown("columns", "Obj_Columns", [
        { value: "hour", displayNameKey: "Enum_Hour" },
        { value: "weekday", displayNameKey: "Enum_Weekday" },
        { value: "date", displayNameKey: "Enum_Date" },
        { value: "machine", displayNameKey: "Enum_Machine" },
    ], "hour");
    measure = dropdown("measure", "Obj_Measure", [
        { value: "p95", displayNameKey: "Enum_P95" },
        { value: "p50", displayNameKey: "Enum_P50" },
        { value: "mean", displayNameKey: "Enum_Mean" },
        { value: "failureRate", displayNameKey: "Enum_FailureRate" },
        { value: "count", displayNameKey: "Enum_Count" },
    ], "p95");
    /**
     * Quantile by default: on the demo data a linear scale put 95% of the cells in its lightest tenth (one
     * slow outlier sets the top); quantiles spread cells evenly over the colours (see docs/visual.md).
     */
    colorScale = dropdown("colorScale", "Obj_ColorScale", [
        { value: "quantile", displayNameKey: "Enum_ScaleQuantile" },
        { value: "log", displayNameKey: "Enum_ScaleLog" },
        { value: "linear", displayNameKey: "Enum_ScaleLinear" },
    ], "quantile");
    maxRows = new formattingSettings.NumUpDown({ name: "maxRows", displayName: "Maximum rows", displayNameKey: "Obj_MaxRows", value: 40, options: { minValue: { type: 0, value: 1 }, maxValue: { type: 1, value: 500 } } });
    includeContainers = new formattingSettings.ToggleSwitch({ name: "includeContainers", displayName: "Include loops and subflow calls", displayNameKey: "Obj_IncludeContainers", value: false });
    /** Off: a failed action inside an error handler is handled, not a failure, for the failure rate and the red corner. */
    includeHandledFailures = new formattingSettings.ToggleSwitch({ name: "includeHandledFailures", displayName: "Count handled failures as failures", displayNameKey: "Obj_IncludeHandled", value: false });
    name = "heatmap";
    displayName = "Heatmap";
    displayNameKey = "Card_Heatmap";
    slices = [this.rows, this.columns, this.measure, this.colorScale, this.maxRows, this.includeContainers, this.includeHandledFailures];
}

export class LegendCard extends Card {
    show = new formattingSettings.ToggleSwitch({ name: "show", displayName: "Show legend", displayNameKey: "Obj_ShowLegend", value: true });
    position = dropdown("position", "Obj_LegendPosition", [
        { value: "top", displayNameKey: "Enum_Top" },
        { value: "bottom", displayNameKey: "Enum_Bottom" },
    ], "top");
    name = "legend";
    displayName = "Legend";
    displayNameKey = "Card_Legend";
    slices = [this.show, this.position];
}

export class ColorsCard extends Card {
    succeeded = new formattingSettings.ColorPicker({ name: "succeeded", displayName: "Succeeded", displayNameKey: "Obj_Succeeded", value: { value: "#3a7dc9" } });
    failed = new formattingSettings.ColorPicker({ name: "failed", displayName: "Failed", displayNameKey: "Obj_Failed", value: { value: "#d13438" } });
    other = new formattingSettings.ColorPicker({ name: "other", displayName: "Other status", displayNameKey: "Obj_Other", value: { value: "#8a8886" } });
    // Light enough for dark text, dark enough to tell from the background and the hatched "no data" cells.
    heatLow = new formattingSettings.ColorPicker({ name: "heatLow", displayName: "Heatmap low", displayNameKey: "Obj_HeatLow", value: { value: "#dceaf7" } });
    heatHigh = new formattingSettings.ColorPicker({ name: "heatHigh", displayName: "Heatmap high", displayNameKey: "Obj_HeatHigh", value: { value: "#a4262c" } });
    name = "colors";
    displayName = "Colors";
    displayNameKey = "Card_Colors";
    slices = [this.succeeded, this.failed, this.other, this.heatLow, this.heatHigh];
}

export class DataLimitsCard extends Card {
    loadMore = new formattingSettings.ToggleSwitch({ name: "loadMore", displayName: "Load more than 30,000 rows", displayNameKey: "Obj_LoadMore", value: false });
    maxRows = new formattingSettings.NumUpDown({ name: "maxRows", displayName: "Row cap", displayNameKey: "Obj_RowCap", value: 1_000_000, options: { minValue: { type: 0, value: 30_000 }, maxValue: { type: 1, value: 1_000_000 } } });
    name = "dataLimits";
    displayName = "Data limits";
    displayNameKey = "Card_DataLimits";
    slices = [this.loadMore, this.maxRows];
}

export class VisualSettings extends formattingSettings.Model {
    view = new ViewCard();
    timeline = new TimelineCard();
    heatmap = new HeatmapCard();
    legend = new LegendCard();
    colors = new ColorsCard();
    dataLimits = new DataLimitsCard();
    cards = [this.view, this.timeline, this.heatmap, this.legend, this.colors, this.dataLimits];
}

export function enumValue(slice: formattingSettings.ItemDropdown): string {
    return String(slice.value?.value ?? "");
}
