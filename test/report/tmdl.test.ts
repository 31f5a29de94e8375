import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TABLES } from "../../pipeline/load/schema.js";
import { MODEL_DIR, parseMeasures, QUERY_NAMES, REFRESH_POLICY } from "../../report/scripts/generate-report.js";
import { addedColumns, declaredColumnTypes, mDeclaredColumnTypes, parseM } from "../../report/scripts/m-columns.js";

/** A table as the committed TMDL files describe it, read back with a small line-based reader. */
interface TmdlTable {
    name: string;
    columns: Map<string, string>;
    measures: string[];
}

const unquote = (name: string) => (name.startsWith("'") ? name.slice(1, -1).replace(/''/g, "'") : name);
const tablesDir = path.join(MODEL_DIR, "definition", "tables");

function readTable(file: string): TmdlTable {
    const lines = readFileSync(file, "utf8").split("\n");
    const table: TmdlTable = { name: unquote(lines[0].replace(/^table /, "")), columns: new Map(), measures: [] };
    let column: string | undefined;
    for (const line of lines.slice(1)) {
        const col = /^\tcolumn ('(?:[^']|'')+'|\S+)$/.exec(line);
        const measure = /^\tmeasure ('(?:[^']|'')+'|\S+) =/.exec(line);
        const dataType = /^\t\tdataType: (\w+)$/.exec(line);
        if (col) column = unquote(col[1]);
        else if (measure) {
            table.measures.push(unquote(measure[1]));
            column = undefined;
        } else if (/^\t\S/.test(line)) column = undefined;
        else if (dataType && column) table.columns.set(column, dataType[1]);
    }
    return table;
}

function readPartitionM(file: string): string {
    // The M of an "= m" partition: the lines after "source =", one indentation level deeper than the property.
    const lines = readFileSync(file, "utf8").split("\n");
    const start = lines.findIndex((l) => l === "\t\tsource =");
    if (start < 0) return "";
    const body: string[] = [];
    for (const line of lines.slice(start + 1)) {
        if (line !== "" && !line.startsWith("\t\t\t")) break;
        body.push(line.replace(/^\t{4}/, ""));
    }
    return body.join("\n");
}

const TMDL_OF_M: Record<string, string> = {
    "type text": "string",
    "Int64.Type": "int64",
    "type number": "double",
    "type datetimezone": "dateTime",
    "type datetime": "dateTime",
    "type date": "dateTime",
    "type logical": "boolean",
};

describe("PBIP semantic model (TMDL) agrees with the Power Query and DAX files", () => {
    const files = readdirSync(tablesDir).filter((f) => f.endsWith(".tmdl"));

    it("has a table per Parquet table whose columns and data types follow its M query", async () => {
        const declared = await mDeclaredColumnTypes();
        for (const t of TABLES) {
            const file = path.join(tablesDir, `${QUERY_NAMES[t.name]}.tmdl`);
            const table = readTable(file);
            expect(table.name).toBe(QUERY_NAMES[t.name]);
            const m = readPartitionM(file);
            const parsed = await parseM(m);
            if (!parsed.ok) throw new Error(`${file}: ${parsed.error}`);
            expect(declaredColumnTypes(parsed.ast)).toEqual(declared[t.name]);
            const expected = new Map(
                Object.entries({ ...declared[t.name], ...addedColumns(parsed.ast) }).map(([c, mType]) => [c, TMDL_OF_M[mType]]),
            );
            expect(table.columns).toEqual(expected);
        }
    });

    it("carries every measure of measures.dax on its table", () => {
        const onTables = new Map<string, string[]>();
        for (const f of files) {
            const t = readTable(path.join(tablesDir, f));
            onTables.set(t.name, t.measures);
        }
        for (const m of parseMeasures()) expect(onTables.get(m.table), `${m.table}[${m.name}]`).toContain(m.name);
    });

    it("relationships join existing columns of the same data type", () => {
        const tables = new Map(files.map((f) => readTable(path.join(tablesDir, f))).map((t) => [t.name, t]));
        const text = readFileSync(path.join(MODEL_DIR, "definition", "relationships.tmdl"), "utf8");
        const rels = [...text.matchAll(/fromColumn: (\S+)\.(\S+)\n\ttoColumn: (\S+)\.(\S+)/g)];
        expect(rels.length).toBeGreaterThanOrEqual(6);
        for (const [, ft, fc, tt, tc] of rels) {
            const from = tables.get(unquote(ft))?.columns.get(unquote(fc));
            const to = tables.get(unquote(tt))?.columns.get(unquote(tc));
            expect(from, `${ft}.${fc}`).toBeDefined();
            expect(from).toBe(to);
        }
    });

    it("parses the shared expressions (parameters and the Parquet helper)", async () => {
        const text = readFileSync(path.join(MODEL_DIR, "definition", "expressions.tmdl"), "utf8");
        const helper = /expression PadlensParquetTable =\n((?:\t\t.*\n|\n)+)/.exec(text)![1].replace(/^\t\t/gm, "");
        expect((await parseM(helper)).ok).toBe(true);
        for (const name of ["PadlensFolder", "PadlensSource"]) {
            const line = new RegExp(`^expression ${name} = (.*)$`, "m").exec(text)![1];
            expect((await parseM(line)).ok, name).toBe(true);
        }
    });

    it("Runs and Actions carry a monthly incremental refresh policy whose source is their partition's M, naming RangeStart and RangeEnd", () => {
        for (const t of TABLES) {
            const text = readFileSync(path.join(tablesDir, `${QUERY_NAMES[t.name]}.tmdl`), "utf8");
            const policy = /\n\trefreshPolicy\n((?:\t\t.*\n|\n)+?)\t\tsourceExpression =\n((?:\t\t\t\t.*\n|\n)+)/.exec(text);
            if (!REFRESH_POLICY.tables.includes(t.name)) {
                expect(policy, t.name).toBeNull();
                continue;
            }
            expect(policy, t.name).not.toBeNull();
            expect(policy![1]).toContain("\t\tpolicyType: basic\n");
            expect(policy![1]).toContain("\t\tincrementalGranularity: month\n");
            const source = policy![2].replace(/^\t{4}/gm, "").trim();
            expect(source).toBe(readPartitionM(path.join(tablesDir, `${QUERY_NAMES[t.name]}.tmdl`)).trim());
            expect(source).toMatch(/PadlensParquetTable\("\w+", ColumnTypes, RangeStart, RangeEnd\)/);
        }
        expect(REFRESH_POLICY.tables.sort()).toEqual(["actions", "runs"]);
    });
});

