/**
 * The report half of the PBIP project (PBIR): the .pbip, the report definition bound to the semantic model, the
 * base theme, the .platform files, and the two pages (Overview, Run details) with their visuals bound to the
 * model's tables and measures. The padlens visual's field bindings are defined once here (PADLENS_VISUALS) and used
 * both for the visual.json files and for the preview that renders them on real data (report-preview.ts).
 *
 * Versions: report/page/visualContainer 1.0.0 (report/schemas); Desktop opens older versions and upgrades on save.
 */
import { FABRIC_SCHEMAS, json, LOGICAL_IDS, platformFile } from "./generate-report.js";

const DEFINITION = `${FABRIC_SCHEMAS}/item/report/definition`;
const VISUAL_SCHEMA = `${DEFINITION}/visualContainer/1.0.0/schema.json`;

/** The padlens visual's GUID (pbiviz.json): its visualType in a report. */
export const PADLENS_VISUAL_GUID = "padlensActionTimeline7E3C1B2A9F4D4E1B";

/** The base theme the report names, and the file it is stored in (Desktop keeps a copy in the report). */
export const BASE_THEME = { name: "CY24SU10", reportVersionAtImport: "5.59", path: "BaseThemes/CY24SU10.json" };

export interface Field {
    kind: "column" | "measure";
    table: string;
    name: string;
}
export const column = (table: string, name: string): Field => ({ kind: "column", table, name });
export const measure = (table: string, name: string): Field => ({ kind: "measure", table, name });

const fieldExpr = (f: Field) =>
    f.kind === "column"
        ? { Column: { Expression: { SourceRef: { Entity: f.table } }, Property: f.name } }
        : { Measure: { Expression: { SourceRef: { Entity: f.table } }, Property: f.name } };

/** A field in a visual's role: a column without aggregation is "Don't summarize". */
const projection = (f: Field, displayName?: string) => ({
    field: fieldExpr(f),
    queryRef: `${f.table}.${f.name}`,
    nativeQueryRef: f.name,
    ...(displayName ? { displayName } : {}),
});

const literal = (value: string) => ({ expr: { Literal: { Value: value } } });
const text = (value: string) => literal(`'${value.replace(/'/g, "''")}'`);

/** A padlens visual: which model field feeds each of its data roles (capabilities.json), and its format settings. */
export interface PadlensVisual {
    page: string;
    name: string;
    title: string;
    roles: Record<string, Field>;
    /** Format pane settings: object -> property -> value (strings are enumeration values). */
    objects: Record<string, Record<string, string | number | boolean>>;
}

export const PADLENS_VISUALS: readonly PadlensVisual[] = [
    {
        page: "runDetails",
        name: "runTimeline",
        title: "Timeline of the selected run (several runs: one band each)",
        roles: {
            run: column("Actions", "run_label"),
            flow: column("Runs", "flow_name"),
            subflow: column("Actions", "subflow"),
            action: column("Actions", "action_name"),
            actionIndex: column("Actions", "action_index"),
            machine: column("Runs", "machine_name"),
            start: column("Actions", "started_on"),
            end: column("Actions", "ended_on"),
            durationMs: column("Actions", "duration_ms"),
            status: column("Actions", "status"),
            error: column("Actions", "error_message"),
            module: column("Actions", "module"),
            isContainer: column("Actions", "is_container"),
            insideErrorHandling: column("Actions", "inside_error_handling"),
        },
        objects: { view: { mode: "timeline" } },
    },
    {
        page: "overview",
        name: "bottleneckHeatmap",
        title: "Bottlenecks: p95 action duration by local hour of day (hourly rollup)",
        roles: {
            flow: column("Flows", "flow_name"),
            subflow: column("ActionHourly", "subflow"),
            action: column("ActionHourly", "action_name"),
            machine: column("Machines", "machine_name"),
            start: column("ActionHourly", "local_hour_start"),
            executions: column("ActionHourly", "executions"),
            failures: column("ActionHourly", "failures"),
            handledFailures: column("ActionHourly", "handled_failures"),
            totalMs: column("ActionHourly", "total_ms"),
            p50Ms: column("ActionHourly", "p50_ms"),
            p95Ms: column("ActionHourly", "p95_ms"),
            isContainer: column("ActionHourly", "is_container"),
        },
        // Load more: the hourly rollup of a long period exceeds the 30,000 rows Power BI sends at first.
        objects: { view: { mode: "heatmap" }, heatmap: { rows: "action", columns: "hour", measure: "p95", maxRows: 18 }, dataLimits: { loadMore: true } },
    },
];

const objectLiteral = (v: string | number | boolean) =>
    typeof v === "string" ? text(v) : typeof v === "boolean" ? literal(String(v)) : literal(`${v}L`);

interface Position {
    x: number;
    y: number;
    width: number;
    height: number;
}

interface VisualSpec {
    name: string;
    position: Position;
    visualType: string;
    queryState: Record<string, Field[]>;
    title?: string;
    sort?: { field: Field; direction: "Ascending" | "Descending" };
    objects?: Record<string, Record<string, string | number | boolean>>;
    filters?: { name: string; field: Field; values: string[] }[];
}

/** A Categorical visual filter keeping the rows whose column is one of the literal values ("'Failed'", "false"). */
function categoricalFilter(name: string, f: Field, values: string[]) {
    const alias = f.table[0].toLowerCase();
    return {
        name,
        field: fieldExpr(f),
        type: "Categorical",
        filter: {
            Version: 2,
            From: [{ Name: alias, Entity: f.table, Type: 0 }],
            Where: [
                {
                    Condition: {
                        In: {
                            Expressions: [{ Column: { Expression: { SourceRef: { Source: alias } }, Property: f.name } }],
                            Values: values.map((v) => [{ Literal: { Value: v } }]),
                        },
                    },
                },
            ],
        },
        isHiddenInViewMode: false,
    };
}

function visualJson(spec: VisualSpec, z: number): unknown {
    const visual: Record<string, unknown> = {
        visualType: spec.visualType,
        query: {
            queryState: Object.fromEntries(Object.entries(spec.queryState).map(([role, fields]) => [role, { projections: fields.map((f) => projection(f)) }])),
            ...(spec.sort ? { sortDefinition: { sort: [{ field: fieldExpr(spec.sort.field), direction: spec.sort.direction }], isDefaultSort: false } } : {}),
        },
    };
    if (spec.objects) {
        visual.objects = Object.fromEntries(
            Object.entries(spec.objects).map(([object, props]) => [
                object,
                [{ properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, objectLiteral(v)])) }],
            ]),
        );
    }
    if (spec.title) visual.visualContainerObjects = { title: [{ properties: { show: literal("true"), text: text(spec.title) } }] };
    return {
        $schema: VISUAL_SCHEMA,
        name: spec.name,
        position: { ...spec.position, z: z * 1000, tabOrder: z * 1000 },
        visual,
        ...(spec.filters ? { filterConfig: { filters: spec.filters.map((f) => categoricalFilter(f.name, f.field, f.values)) } } : {}),
    };
}

const padlensSpec = (v: PadlensVisual, position: Position): VisualSpec => ({
    name: v.name,
    position,
    visualType: PADLENS_VISUAL_GUID,
    queryState: Object.fromEntries(Object.entries(v.roles).map(([role, f]) => [role, [f]])),
    title: v.title,
    objects: v.objects,
});

const padlensVisual = (name: string): PadlensVisual => PADLENS_VISUALS.find((v) => v.name === name)!;

const card = (name: string, x: number, f: Field): VisualSpec => ({
    name, visualType: "card", position: { x, y: 8, width: 180, height: 90 }, queryState: { Values: [f] },
});

export interface PageSpec {
    name: string;
    displayName: string;
    visuals: VisualSpec[];
}

/** The two pages, 1280 x 720. */
export const PAGES: readonly PageSpec[] = [
    {
        name: "overview",
        displayName: "Overview",
        visuals: [
            card("runCount", 8, measure("Runs", "Run Count")),
            card("successRate", 196, measure("Runs", "Success Rate")),
            card("actions", 384, measure("ActionHourly", "Hourly Executions")),
            card("failedActions", 572, measure("ActionHourly", "Hourly Failures")),
            card("handledFailures", 760, measure("ActionHourly", "Hourly Handled Failures")),
            {
                name: "dateSlicer", visualType: "slicer", position: { x: 948, y: 8, width: 324, height: 90 },
                queryState: { Values: [column("Date", "Date")] }, objects: { data: { mode: "Between" } },
                title: "Local date",
            },
            padlensSpec(padlensVisual("bottleneckHeatmap"), { x: 8, y: 106, width: 760, height: 400 }),
            {
                name: "actionDurations", visualType: "tableEx", position: { x: 776, y: 106, width: 496, height: 400 },
                title: "Action durations (hourly rollup; containers left out)",
                queryState: {
                    Values: [
                        column("ActionHourly", "action_name"), column("ActionHourly", "system_action_name"),
                        measure("ActionHourly", "Hourly Executions"), measure("ActionHourly", "Hourly p50 Action Duration (ms)"),
                        measure("ActionHourly", "Hourly p95 Action Duration (ms)"), measure("ActionHourly", "Hourly Action Hours"),
                    ],
                },
                sort: { field: measure("ActionHourly", "Hourly Action Hours"), direction: "Descending" },
                filters: [{ name: "notContainers", field: column("ActionHourly", "is_container"), values: ["false"] }],
            },
            {
                name: "runsByMachineAndHour", visualType: "pivotTable", position: { x: 8, y: 514, width: 760, height: 198 },
                title: "Runs by machine and local hour of day",
                queryState: { Rows: [column("Runs", "machine_name")], Columns: [column("Runs", "local_hour")], Values: [measure("Runs", "Run Count")] },
            },
            {
                name: "topErrors", visualType: "tableEx", position: { x: 776, y: 514, width: 496, height: 198 },
                title: "Top errors (failed actions)",
                queryState: {
                    Values: [
                        column("Actions", "system_action_name"), column("Actions", "error_message"),
                        measure("Actions", "Failed Actions"), measure("Actions", "Handled Action Failures"),
                    ],
                },
                sort: { field: measure("Actions", "Failed Actions"), direction: "Descending" },
                filters: [{ name: "failedOnly", field: column("Actions", "status"), values: ["'Failed'"] }],
            },
        ],
    },
    {
        name: "runDetails",
        displayName: "Run details",
        visuals: [
            {
                name: "flowSlicer", visualType: "slicer", position: { x: 8, y: 8, width: 300, height: 90 },
                queryState: { Values: [column("Flows", "flow_name")] }, objects: { data: { mode: "Dropdown" } }, title: "Flow",
            },
            {
                name: "runSlicer", visualType: "slicer", position: { x: 8, y: 106, width: 300, height: 500 },
                queryState: { Values: [column("Runs", "run_label")] }, title: "Run (flow · local start · status)",
                sort: { field: column("Runs", "run_label"), direction: "Descending" },
            },
            {
                name: "dateSlicer", visualType: "slicer", position: { x: 8, y: 614, width: 300, height: 98 },
                queryState: { Values: [column("Date", "Date")] }, objects: { data: { mode: "Between" } }, title: "Local date",
            },
            { ...card("runStatus", 316, measure("Runs", "Run Status")), position: { x: 316, y: 8, width: 312, height: 90 } },
            { ...card("runDuration", 636, measure("Runs", "Run Duration (s)")), position: { x: 636, y: 8, width: 312, height: 90 } },
            { ...card("runMachine", 956, measure("Runs", "Run Machine")), position: { x: 956, y: 8, width: 316, height: 90 } },
            padlensSpec(padlensVisual("runTimeline"), { x: 316, y: 106, width: 956, height: 400 }),
            {
                name: "failedActions", visualType: "tableEx", position: { x: 316, y: 514, width: 956, height: 198 },
                title: "Failed actions of the selected run(s)",
                queryState: {
                    Values: [
                        column("Actions", "started_on_local"), column("Actions", "subflow"), column("Actions", "action_name"),
                        column("Actions", "module"), column("Actions", "inside_error_handling"), column("Actions", "error_code"),
                        column("Actions", "error_message"),
                    ],
                },
                sort: { field: column("Actions", "started_on_local"), direction: "Ascending" },
                filters: [{ name: "failedOnly", field: column("Actions", "status"), values: ["'Failed'"] }],
            },
        ],
    },
];

/** Every model field a page uses, for the test that checks them against the semantic model. */
export function pageFields(): Field[] {
    return PAGES.flatMap((p) =>
        p.visuals.flatMap((v) => [...Object.values(v.queryState).flat(), ...(v.sort ? [v.sort.field] : []), ...(v.filters ?? []).map((f) => f.field)]),
    );
}

/** The padlens visual's package as Desktop stores an imported .pbiviz: CustomVisuals/<guid>/ plus a report.json entry. */
export interface RegisteredVisual {
    guid: string;
}

export interface ProjectOptions {
    /** Registers the padlens visual's package in report.json (its files are written by writeReportProject). */
    visual?: RegisteredVisual;
}

/** A minimal base theme: the report's palette and text colours; Desktop fills in anything it does not set. */
const baseTheme = (): string =>
    json({
        name: BASE_THEME.name,
        dataColors: ["#118DFF", "#12239E", "#E66C37", "#6B007B", "#E044A7", "#744EC2", "#D9B300", "#D64550", "#197278", "#1AAB40"],
        foreground: "#252423",
        foregroundNeutralSecondary: "#605E5C",
        background: "#FFFFFF",
        backgroundLight: "#F3F2F1",
        tableAccent: "#118DFF",
        good: "#1AAB40",
        neutral: "#D9B300",
        bad: "#D64554",
    });

/** Path relative to report/ -> content of the .pbip and the report (PBIR) files. */
export function generatedProject(options: ProjectOptions = {}): Map<string, string> {
    const files = new Map<string, string>();
    files.set(
        "padlens.pbip",
        json({
            $schema: `${FABRIC_SCHEMAS}/pbip/pbipProperties/1.0.0/schema.json`,
            version: "1.0",
            artifacts: [{ report: { path: "padlens.Report" } }],
            settings: { enableAutoRecovery: true },
        }),
    );
    files.set("padlens.Report/.platform", platformFile("Report", LOGICAL_IDS.report));
    files.set(
        "padlens.Report/definition.pbir",
        json({
            $schema: `${FABRIC_SCHEMAS}/item/report/definitionProperties/2.0.0/schema.json`,
            version: "4.0",
            datasetReference: { byPath: { path: "../padlens.SemanticModel" } },
        }),
    );
    files.set(`padlens.Report/StaticResources/SharedResources/${BASE_THEME.path}`, baseTheme());
    files.set("padlens.Report/definition/version.json", json({ $schema: `${DEFINITION}/versionMetadata/1.0.0/schema.json`, version: "2.0.0" }));
    const resourcePackages: unknown[] = [
        { name: "SharedResources", type: "SharedResources", items: [{ name: BASE_THEME.name, path: BASE_THEME.path, type: "BaseTheme" }] },
    ];
    if (options.visual) {
        const g = options.visual.guid;
        resourcePackages.push({ name: g, type: "CustomVisual", items: [{ name: `${g}.pbiviz.json`, path: `${g}.pbiviz.json`, type: "CustomVisualMetadata" }] });
    }
    files.set(
        "padlens.Report/definition/report.json",
        json({
            $schema: `${DEFINITION}/report/1.0.0/schema.json`,
            themeCollection: { baseTheme: { name: BASE_THEME.name, reportVersionAtImport: BASE_THEME.reportVersionAtImport, type: "SharedResources" } },
            layoutOptimization: "None",
            resourcePackages,
        }),
    );
    files.set(
        "padlens.Report/definition/pages/pages.json",
        json({ $schema: `${DEFINITION}/pagesMetadata/1.0.0/schema.json`, pageOrder: PAGES.map((p) => p.name), activePageName: PAGES[0].name }),
    );
    for (const page of PAGES) {
        const dir = `padlens.Report/definition/pages/${page.name}`;
        files.set(
            `${dir}/page.json`,
            json({ $schema: `${DEFINITION}/page/1.0.0/schema.json`, name: page.name, displayName: page.displayName, displayOption: "FitToPage", height: 720, width: 1280 }),
        );
        page.visuals.forEach((v, i) => files.set(`${dir}/visuals/${v.name}/visual.json`, json(visualJson(v, i))));
    }
    return files;
}
