import { describe, expect, it } from "vitest";
import { TABLES } from "../../pipeline/load/schema.js";
import { FLOW_BASELINE, KEY_COLUMNS, M_TYPES, QUERY_NAMES, SHARED_QUERIES } from "../../report/scripts/generate-report.js";
import { addedColumns, declaredColumnTypes, mDeclaredColumnTypes, parseM, readQueries, sourceTable, unboundNames } from "../../report/scripts/m-columns.js";

const queries = readQueries();

describe("Power Query kit", () => {
    it("has one query per table plus the parameters, the Parquet helper and the flow baseline", () => {
        const names = queries.map((q) => q.query).sort();
        expect(names).toEqual(
            [...TABLES.map((t) => QUERY_NAMES[t.name]), FLOW_BASELINE.table, ...SHARED_QUERIES.parameters, ...SHARED_QUERIES.functions].sort(),
        );
        expect(SHARED_QUERIES.parameters).toEqual(["PadlensFolder", "PadlensSource", "RangeStart", "RangeEnd"]);
    });

    it.each(queries.map((q) => [q.file, q.text]))("%s parses with @microsoft/powerquery-parser", async (_file, text) => {
        const parsed = await parseM(text);
        expect(parsed.ok ? "ok" : parsed.error).toBe("ok");
    });

    it("every name a query uses is bound in it or is another query of the kit", async () => {
        const queryNames = new Set(queries.map((q) => q.query));
        for (const q of queries) {
            const parsed = await parseM(q.text);
            if (!parsed.ok) throw new Error(parsed.error);
            const unknown = unboundNames(parsed.ast).filter((name) => !queryNames.has(name));
            expect(unknown, q.file).toEqual([]);
        }
        const parsed = await parseM(`let Source = PadlensParquetTabel("runs", Types), Types = {} in Sorce`);
        if (!parsed.ok) throw new Error(parsed.error);
        expect(unboundNames(parsed.ast)).toEqual(["PadlensParquetTabel", "Sorce"]);
    });

    it("the parser rejects broken M (the check above can fail)", async () => {
        const broken = queries.find((q) => q.query === "Runs")!.text.replace("Table.TransformColumnTypes(Source,", "Table.TransformColumnTypes(Source");
        expect((await parseM(broken)).ok).toBe(false);
    });

    it.each(TABLES.map((t) => [QUERY_NAMES[t.name], t] as const))("%s declares the contract's columns and types", async (query, t) => {
        const q = queries.find((x) => x.query === query)!;
        const parsed = await parseM(q.text);
        if (!parsed.ok) throw new Error(parsed.error);
        expect(sourceTable(parsed.ast)).toBe(t.name);
        const expected = Object.fromEntries(t.columns.map((c) => [c.name, M_TYPES[c.type]]));
        const declared = declaredColumnTypes(parsed.ast);
        expect(declared).toEqual(expected);
        // Same order as the Parquet files, so the table view in Power BI reads like the contract.
        expect(Object.keys(declared)).toEqual(t.columns.map((c) => c.name));
    });

    it("maps DuckDB types to Power Query types as the contract says", () => {
        expect(M_TYPES).toEqual({
            TIMESTAMPTZ: "type datetimezone",
            // Wall-clock local times: a plain datetime, never converted by a refresh.
            TIMESTAMP: "type datetime",
            DATE: "type date",
            VARCHAR: "type text",
            BIGINT: "Int64.Type",
            INTEGER: "Int64.Type",
            DOUBLE: "type number",
            BOOLEAN: "type logical",
        });
    });

    it("adds single-column text keys for relationships, built from the contract's columns", async () => {
        for (const t of TABLES) {
            const parsed = await parseM(queries.find((x) => x.query === QUERY_NAMES[t.name])!.text);
            if (!parsed.ok) throw new Error(parsed.error);
            const expected = Object.fromEntries(KEY_COLUMNS[t.name].map((k) => [k.name, "type text"]));
            expect(addedColumns(parsed.ast)).toEqual(expected);
            for (const k of KEY_COLUMNS[t.name]) for (const part of k.parts) expect(t.columns.map((c) => c.name)).toContain(part);
        }
    });

    it("mDeclaredColumnTypes returns {table: {column: mType}} for every Parquet table", async () => {
        const declared = await mDeclaredColumnTypes();
        expect(Object.keys(declared).sort()).toEqual(TABLES.map((t) => t.name).sort());
        expect(declared.runs.started_on).toBe("type datetimezone");
        expect(declared.runs.queue_ms).toBe("Int64.Type");
        expect(declared.action_hourly.p95_ms).toBe("type number");
        expect(declared.actions.run_key).toBeUndefined();
    });

    it("extracts an inline type list too, and notices a wrong type", async () => {
        const m = `let S = PadlensParquetTable("x", {}), T = Table.TransformColumnTypes(S, {{"a", type text}, {"b", Int64.Type}, {"c", type datetime}}) in T`;
        const parsed = await parseM(m);
        if (!parsed.ok) throw new Error(parsed.error);
        expect(declaredColumnTypes(parsed.ast)).toEqual({ a: "type text", b: "Int64.Type", c: "type datetime" });
    });
});
