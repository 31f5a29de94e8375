/**
 * Generates the report kit's per-table Power Query files and the PBIP semantic model (TMDL) from the data
 * contract (pipeline/load/schema.ts), so the Power BI side cannot drift from what the loader writes.
 * The hand-written parts (parameters, the Parquet helper, the DAX measures) are read from report/ and embedded.
 *
 * Run: PADLENS_UPDATE_REPORT=1 npx vitest run test/report   (the test fails when committed files are stale).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TABLES, type DuckType, type TableDef, type TableName } from "../../pipeline/load/schema.js";

export const REPORT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const POWERQUERY_DIR = path.join(REPORT_DIR, "powerquery");
export const MEASURES_FILE = path.join(REPORT_DIR, "dax", "measures.dax");
export const MODEL_DIR = path.join(REPORT_DIR, "padlens.SemanticModel");

/** Power BI table (query) name of each Parquet table. */
export const QUERY_NAMES: Record<TableName, string> = {
    environments: "Environments",
    flows: "Flows",
    machines: "Machines",
    runs: "Runs",
    actions: "Actions",
    action_hourly: "ActionHourly",
    quarantine: "Quarantine",
};

/** The Power Query type each DuckDB type is read as. */
export const M_TYPES: Record<DuckType, string> = {
    VARCHAR: "type text",
    INTEGER: "Int64.Type",
    BIGINT: "Int64.Type",
    DOUBLE: "type number",
    TIMESTAMPTZ: "type datetimezone",
    BOOLEAN: "type logical",
};

/** TMDL dataType of each Power Query type. */
const TMDL_TYPES: Record<string, string> = {
    "type text": "string",
    "Int64.Type": "int64",
    "type number": "double",
    "type datetimezone": "dateTime",
    "type logical": "boolean",
};

/**
 * Power BI relationships need single-column keys: each composite key becomes a text column "env|id".
 * Not part of the Parquet contract; added after the types are set.
 */
export interface KeyColumn {
    name: string;
    parts: readonly [string, string];
}
const RUN_KEY: KeyColumn = { name: "run_key", parts: ["env", "run_id"] };
const FLOW_KEY: KeyColumn = { name: "flow_key", parts: ["env", "flow_id"] };
const MACHINE_KEY: KeyColumn = { name: "machine_key", parts: ["env", "machine_id"] };

export const KEY_COLUMNS: Record<TableName, readonly KeyColumn[]> = {
    environments: [],
    flows: [FLOW_KEY],
    machines: [MACHINE_KEY],
    runs: [RUN_KEY, FLOW_KEY, MACHINE_KEY],
    actions: [RUN_KEY],
    action_hourly: [FLOW_KEY, MACHINE_KEY],
    quarantine: [RUN_KEY],
};

export interface Relationship {
    from: { table: TableName; column: string };
    to: { table: TableName; column: string };
}
const rel = (fromTable: TableName, fromColumn: string, toTable: TableName, toColumn: string): Relationship => ({
    from: { table: fromTable, column: fromColumn },
    to: { table: toTable, column: toColumn },
});

/**
 * Many-to-one, single direction, filtering from the "to" side. Runs and ActionHourly are the facts; Actions and
 * Quarantine hang off Runs. No table reaches another by two paths (Power BI would deactivate one).
 */
export const RELATIONSHIPS: readonly Relationship[] = [
    rel("actions", "run_key", "runs", "run_key"),
    rel("quarantine", "run_key", "runs", "run_key"),
    rel("runs", "flow_key", "flows", "flow_key"),
    rel("runs", "machine_key", "machines", "machine_key"),
    rel("runs", "env", "environments", "env"),
    rel("action_hourly", "flow_key", "flows", "flow_key"),
    rel("action_hourly", "machine_key", "machines", "machine_key"),
    rel("action_hourly", "env", "environments", "env"),
];

const GRAIN_DOC: Record<TableName, string> = {
    environments: "one row per environment",
    flows: "one row per desktop flow (env, flow_id)",
    machines: "one row per machine (env, machine_id)",
    runs: "one row per desktop flow run (env, run_id)",
    actions: "one row per executed action (env, run_id, seq)",
    action_hourly: "action executions, failures and durations per flow, subflow, action (display and system name), machine and UTC hour",
    quarantine: "one row per log that could not be decoded (env, run_id, log_source)",
};

const pascal = (name: string): string => name.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("");

/** The Power Query of one table. */
export function tableQuery(t: TableDef): string {
    const types = t.columns.map((c) => `        {"${c.name}", ${M_TYPES[c.type]}}`).join(",\n");
    const steps = [
        `    ColumnTypes = {\n${types}\n    }`,
        `    Source = PadlensParquetTable("${t.name}", ColumnTypes)`,
        `    Typed = Table.TransformColumnTypes(Source, ColumnTypes)`,
    ];
    let last = "Typed";
    for (const key of KEY_COLUMNS[t.name]) {
        const step = `With${pascal(key.name)}`;
        steps.push(
            `    ${step} = Table.AddColumn(${last}, "${key.name}", each [${key.parts[0]}] & "|" & [${key.parts[1]}], type text)`,
        );
        last = step;
    }
    steps.push(`    UtcDateTimes = PadlensUtcDateTimes(${last}, ColumnTypes)`);
    last = "UtcDateTimes";
    const keyNote = KEY_COLUMNS[t.name].length
        ? "\n// Key columns (env|id) are added for Power BI relationships, which need single-column keys."
        : "";
    const utcNote = "\n// Timestamps are typed datetimezone (the contract), then stored as UTC datetimes (see PadlensUtcDateTimes).";
    return (
        `// ${QUERY_NAMES[t.name]}: ${GRAIN_DOC[t.name]}. Reads <PadlensFolder>/${t.name}/.\n` +
        `// Generated from pipeline/load/schema.ts by report/scripts/generate-report.ts: edit those, not this file.${keyNote}${utcNote}\n` +
        `let\n${steps.join(",\n")}\nin\n    ${last}\n`
    );
}

/** File name -> content of every generated Power Query file. */
export function generatedQueries(): Map<string, string> {
    return new Map(TABLES.map((t) => [`${QUERY_NAMES[t.name]}.pq`, tableQuery(t)]));
}

// ---------------------------------------------------------------------------------------------------------------
// TMDL

const readReport = (file: string): string => readFileSync(file, "utf8").replace(/\r\n/g, "\n");

const tmdlName = (name: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`);

const indent = (text: string, tabs: number): string =>
    text
        .split("\n")
        .map((line) => (line.length ? "\t".repeat(tabs) + line : line))
        .join("\n");

/** Strips the leading // comment block of an M file: TMDL carries the expression, the docs stay in report/. */
const mBody = (text: string): string => text.replace(/^(\/\/[^\n]*\n)+/, "").trimEnd();

/** Trims, and removes the indentation the continuation lines share (measures.dax nests them under DEFINE). */
function dedent(text: string): string {
    const lines = text.trim().split("\n");
    const rest = lines.slice(1).filter((l) => l.trim().length);
    const common = rest.length ? Math.min(...rest.map((l) => /^ */.exec(l)![0].length)) : 0;
    return [lines[0], ...lines.slice(1).map((l) => l.slice(Math.min(common, /^ */.exec(l)![0].length)))].join("\n");
}

export interface DaxMeasure {
    table: string;
    name: string;
    expression: string;
    formatString?: string;
    description?: string;
}

/**
 * Reads report/dax/measures.dax (a DAX query: DEFINE MEASURE 'Table'[Name] = ... ). A `/// text` line before a
 * measure is its description; `/// format: 0.0%` its format string.
 */
export function parseMeasures(text: string = readReport(MEASURES_FILE)): DaxMeasure[] {
    const lines = text.split("\n");
    const measures: DaxMeasure[] = [];
    let doc: string[] = [];
    let format: string | undefined;
    let current: DaxMeasure | undefined;
    const close = () => {
        if (current) current.expression = dedent(current.expression);
        current = undefined;
    };
    for (const line of lines) {
        const head = /^\s*MEASURE\s+('(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_]*)\[([^\]]+)\]\s*=\s*(.*)$/.exec(line);
        const meta = /^\s*\/\/\/\s*(.*)$/.exec(line);
        if (head) {
            close();
            const table = head[1].startsWith("'") ? head[1].slice(1, -1).replace(/''/g, "'") : head[1];
            current = { table, name: head[2], expression: head[3] + "\n", formatString: format, description: doc.join(" ") || undefined };
            measures.push(current);
            doc = [];
            format = undefined;
        } else if (meta) {
            close();
            const f = /^format:\s*(.+)$/.exec(meta[1]);
            if (f) format = f[1].trim();
            else doc.push(meta[1].trim());
        } else if (/^\s*(DEFINE|EVALUATE)\b/.test(line)) {
            close();
        } else if (current) {
            current.expression += line + "\n";
        }
    }
    close();
    return measures;
}

/** The what-if parameter the Time Saved measure reads (Modeling > New parameter > Numeric range). */
export const WHAT_IF = {
    table: "Manual Minutes per Run",
    column: "Manual Minutes per Run",
    measure: "Manual Minutes per Run Value",
    min: 0,
    max: 240,
    step: 5,
    default: 15,
};

function tableTmdl(t: TableDef, measures: readonly DaxMeasure[]): string {
    const name = QUERY_NAMES[t.name];
    const out: string[] = [`table ${tmdlName(name)}`, ""];
    for (const m of measures.filter((x) => x.table === name)) out.push(measureTmdl(m));
    const columns = [
        ...t.columns.map((c) => ({ name: c.name, type: M_TYPES[c.type], doc: c.doc })),
        ...KEY_COLUMNS[t.name].map((k) => ({ name: k.name, type: "type text", doc: `${k.parts.join("|")}: single-column key for relationships` })),
    ];
    for (const c of columns) {
        // summarizeBy none: ids, codes and durations summed by accident mislead; the measures aggregate on purpose.
        const lines = [`\t/// ${c.doc}`, `\tcolumn ${tmdlName(c.name)}`, `\t\tdataType: ${TMDL_TYPES[c.type]}`, `\t\tsummarizeBy: none`];
        lines.push(`\t\tsourceColumn: ${c.name}`, "");
        out.push(lines.join("\n"));
    }
    out.push(
        [
            `\tpartition ${tmdlName(name)} = m`,
            `\t\tmode: import`,
            `\t\tsource =`,
            indent(mBody(tableQuery(t)), 4),
            "",
        ].join("\n"),
    );
    return out.join("\n") + "\n";
}

function measureTmdl(m: DaxMeasure): string {
    const lines: string[] = [];
    if (m.description) lines.push(`\t/// ${m.description}`);
    const expr = m.expression.split("\n");
    if (expr.length === 1) lines.push(`\tmeasure ${tmdlName(m.name)} = ${expr[0]}`);
    else lines.push(`\tmeasure ${tmdlName(m.name)} =`, indent(m.expression, 3));
    if (m.formatString) lines.push(`\t\tformatString: ${m.formatString}`);
    lines.push("");
    return lines.join("\n");
}

function whatIfTmdl(measures: readonly DaxMeasure[]): string {
    const w = WHAT_IF;
    const own = measures.filter((x) => x.table === w.table).map(measureTmdl);
    return [
        `table ${tmdlName(w.table)}`,
        "",
        `\tmeasure ${tmdlName(w.measure)} = SELECTEDVALUE(${tmdlName(w.table)}[${w.column}], ${w.default})`,
        "",
        ...own,
        `\tcolumn ${tmdlName(w.column)}`,
        `\t\tdataType: int64`,
        `\t\tsummarizeBy: none`,
        `\t\tsourceColumn: [Value]`,
        "",
        `\t\textendedProperty ParameterMetadata =`,
        `\t\t\t\t{`,
        `\t\t\t\t  "version": 0`,
        `\t\t\t\t}`,
        "",
        `\tpartition ${tmdlName(w.table)} = calculated`,
        `\t\tmode: import`,
        `\t\tsource = GENERATESERIES(${w.min}, ${w.max}, ${w.step})`,
        "",
    ].join("\n") + "\n";
}

function expressionsTmdl(): string {
    const parts: string[] = [];
    for (const name of ["PadlensFolder", "PadlensSource", "PadlensParquetTable", "PadlensUtcDateTimes"]) {
        const body = mBody(readReport(path.join(POWERQUERY_DIR, `${name}.pq`)));
        const isParameter = name === "PadlensFolder" || name === "PadlensSource";
        if (!isParameter) {
            parts.push(`expression ${name} =\n${indent(body, 2)}\n`);
            parts.push(`\tannotation PBI_ResultType = Function\n`);
        } else {
            // A parameter's meta record goes on the expression line in TMDL.
            const flat = body.replace(/\s*\n\s*/g, " ").replace(/\[ /g, "[").replace(/ \]/g, "]");
            parts.push(`expression ${name} = ${flat}`);
            parts.push(`\tannotation PBI_ResultType = Text\n`);
        }
    }
    return parts.join("\n");
}

function relationshipsTmdl(): string {
    return RELATIONSHIPS.map((r) => {
        const id = `${r.from.table}_${r.from.column}_${r.to.table}`;
        return [
            `relationship ${id}`,
            `\tfromColumn: ${tmdlName(QUERY_NAMES[r.from.table])}.${tmdlName(r.from.column)}`,
            `\ttoColumn: ${tmdlName(QUERY_NAMES[r.to.table])}.${tmdlName(r.to.column)}`,
            "",
        ].join("\n");
    }).join("\n");
}

function modelTmdl(): string {
    const refs = [...TABLES.map((t) => QUERY_NAMES[t.name]), WHAT_IF.table].map((n) => `ref table ${tmdlName(n)}`);
    return [
        "model Model",
        "\tculture: en-US",
        "\tdefaultPowerBIDataSourceVersion: powerBI_V3",
        "\tsourceQueryCulture: en-US",
        "\tdataAccessOptions",
        "\t\tlegacyRedirects",
        "\t\treturnErrorValuesAsNull",
        "",
        "annotation PBI_QueryOrder = " + JSON.stringify(["PadlensFolder", "PadlensSource", "PadlensParquetTable", "PadlensUtcDateTimes", ...TABLES.map((t) => QUERY_NAMES[t.name])]),
        "",
        ...refs,
        "",
    ].join("\n");
}

/** Path relative to report/padlens.SemanticModel -> content of every generated PBIP semantic-model file. */
export function generatedModel(): Map<string, string> {
    const measures = parseMeasures();
    const files = new Map<string, string>();
    files.set(
        "definition.pbism",
        json({ $schema: `${FABRIC_SCHEMAS}/item/semanticModel/definitionProperties/1.0.0/schema.json`, version: "4.0", settings: {} }),
    );
    files.set("definition/database.tmdl", "database\n\tcompatibilityLevel: 1567\n");
    files.set("definition/model.tmdl", modelTmdl());
    files.set("definition/expressions.tmdl", expressionsTmdl());
    files.set("definition/relationships.tmdl", relationshipsTmdl());
    for (const t of TABLES) files.set(`definition/tables/${QUERY_NAMES[t.name]}.tmdl`, tableTmdl(t, measures));
    files.set(`definition/tables/${WHAT_IF.table}.tmdl`, whatIfTmdl(measures));
    return files;
}

// ---------------------------------------------------------------------------------------------------------------
// PBIP shell: a .pbip and an empty report (PBIR) bound to the semantic model, so Power BI Desktop can open the
// project; the pages are built by hand following report/README.md.

const FABRIC_SCHEMAS = "https://developer.microsoft.com/json-schemas/fabric";
const json = (value: unknown): string => JSON.stringify(value, null, 2) + "\n";

const PAGES = [
    { name: "summary", displayName: "Summary" },
    { name: "runs", displayName: "Runs" },
];

/** Path relative to report/ -> content of the .pbip and the report shell. */
export function generatedProject(): Map<string, string> {
    const schemas = `${FABRIC_SCHEMAS}/item/report/definition`;
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
    files.set(
        "padlens.Report/definition.pbir",
        json({
            $schema: `${FABRIC_SCHEMAS}/item/report/definitionProperties/2.0.0/schema.json`,
            version: "4.0",
            datasetReference: { byPath: { path: "../padlens.SemanticModel" } },
        }),
    );
    files.set("padlens.Report/definition/version.json", json({ $schema: `${schemas}/versionMetadata/1.0.0/schema.json`, version: "2.0.0" }));
    files.set(
        "padlens.Report/definition/report.json",
        json({
            $schema: `${schemas}/report/1.0.0/schema.json`,
            themeCollection: {
                baseTheme: { name: "CY24SU10", reportVersionAtImport: "5.59", type: "SharedResources" },
            },
        }),
    );
    files.set(
        "padlens.Report/definition/pages/pages.json",
        json({ $schema: `${schemas}/pagesMetadata/1.0.0/schema.json`, pageOrder: PAGES.map((p) => p.name), activePageName: PAGES[0].name }),
    );
    for (const page of PAGES) {
        files.set(
            `padlens.Report/definition/pages/${page.name}/page.json`,
            json({ $schema: `${schemas}/page/1.0.0/schema.json`, name: page.name, displayName: page.displayName, displayOption: "FitToPage", height: 720, width: 1280 }),
        );
    }
    return files;
}
