import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { daxReferences, modelColumns, stripStringsAndComments } from "../../report/scripts/dax-references.js";
import { DATE_TABLE, DATE_TABLE_FILE, MEASURES_FILE, parseMeasures, WHAT_IF } from "../../report/scripts/generate-report.js";

const text = readFileSync(MEASURES_FILE, "utf8");
const measures = parseMeasures(text);
const columns = modelColumns();
const measureNames = new Set([...measures.map((m) => m.name), WHAT_IF.measure]);

describe("DAX measures (report/dax/measures.dax)", () => {
    it("defines the measures a dashboard needs, each once", () => {
        const names = measures.map((m) => m.name);
        expect(new Set(names).size).toBe(names.length);
        for (const needed of [
            "Run Count", "Succeeded Runs", "Failed Runs", "Success Rate", "p50 Run Duration (s)", "p95 Run Duration (s)",
            "p50 Action Duration (ms)", "p95 Action Duration (ms)", "Action Failure Rate", "Actions Executed",
            "Machine Busy Hours", "Queue Time p95 (s)", "Time Saved (h)", "Runs Without Logs", "Quarantined Runs",
            "Cancelled Runs", "Terminated Runs", "Machine Utilisation", "Hourly p50 Action Duration (ms)", "Hourly p95 Action Duration (ms)",
        ]) expect(names).toContain(needed);
    });

    it("puts every measure on a table of the model, with a description, and no name clashes with that table's columns", () => {
        for (const m of measures) {
            expect(columns.has(m.table), `${m.name} is on unknown table ${m.table}`).toBe(true);
            expect(columns.get(m.table)!.has(m.name), `${m.name} clashes with a column`).toBe(false);
            expect(m.description, m.name).toBeTruthy();
            expect(m.expression.length, m.name).toBeGreaterThan(0);
        }
    });

    it("references only tables and columns that exist (contract columns, relationship keys, what-if parameter)", () => {
        const refs = daxReferences(text);
        expect(refs.columns.length).toBeGreaterThan(20);
        const unknown = refs.columns.filter(({ table, column }) => {
            const cols = columns.get(table);
            if (!cols) return true;
            // Table[Measure] is a legal way to name a measure too.
            return !cols.has(column) && !measureNames.has(column);
        });
        expect(unknown).toEqual([]);
    });

    it("references only measures that are defined", () => {
        const undefinedMeasures = daxReferences(text).bare.filter((name) => !measureNames.has(name));
        expect(undefinedMeasures).toEqual([]);
    });

    it("has balanced parentheses in every measure", () => {
        for (const m of measures) {
            const code = stripStringsAndComments(m.expression);
            let depth = 0;
            for (const ch of code) {
                depth += ch === "(" ? 1 : ch === ")" ? -1 : 0;
                expect(depth, m.name).toBeGreaterThanOrEqual(0);
            }
            expect(depth, m.name).toBe(0);
        }
    });

    it("the reference check catches a misspelt column and an undefined measure", () => {
        const refs = daxReferences(`MEASURE Runs[X] = SUM ( Runs[duration_msec] ) + [No Such Measure] // Runs[ignored]`);
        expect(refs.columns).toEqual([
            { table: "Runs", column: "X" },
            { table: "Runs", column: "duration_msec" },
        ]);
        expect(columns.get("Runs")!.has("duration_msec")).toBe(false);
        expect(refs.bare).toEqual(["No Such Measure"]);
    });

    it("counts failed and cancelled runs as the Automation Kit does (status codes 8-10 and 7, 11), Terminated apart", () => {
        const expr = (name: string) => measures.find((m) => m.name === name)!.expression.replace(/\s+/g, " ");
        expect(expr("Failed Runs")).toContain("Runs[status_code] IN { 8, 9, 10 }");
        expect(expr("Cancelled Runs")).toContain("Runs[status_code] IN { 7, 11 }");
        expect(expr("Terminated Runs")).toContain("Runs[status_code] = 14");
    });

    it("Time Saved sums per flow over the baseline table, Machine Utilisation has a denominator, aggregate percentiles read ActionHourly", () => {
        const expr = (name: string) => measures.find((m) => m.name === name)!.expression;
        expect(expr("Time Saved (h)")).toMatch(/SUMX\s*\(\s*VALUES \( Runs\[flow_name\] \)/);
        expect(expr("Time Saved (h)")).toContain("FlowBaseline[manual_minutes_per_run]");
        expect(expr("Machine Utilisation")).toContain("[Machine Hours Available]");
        expect(expr("Machine Hours Available")).toContain("COUNTROWS ( 'Date' )");
        for (const name of ["Hourly p50 Action Duration (ms)", "Hourly p95 Action Duration (ms)"]) {
            expect(expr(name)).not.toMatch(/Actions\[/);
            expect(expr(name)).toContain("ActionHourly[executions]");
        }
    });
});

describe("Date table (report/dax/date-table.dax)", () => {
    const dateDax = readFileSync(DATE_TABLE_FILE, "utf8");

    it("references only existing columns: the local dates of Runs and ActionHourly", () => {
        const refs = daxReferences(dateDax).columns;
        expect(refs).toContainEqual({ table: "Runs", column: "local_date" });
        expect(refs).toContainEqual({ table: "ActionHourly", column: "local_date" });
        for (const { table, column } of refs.filter((r) => r.table !== "")) expect(columns.get(table)?.has(column), `${table}[${column}]`).toBe(true);
    });

    it("adds exactly the columns the model declares for it", () => {
        const added = [...stripStringsAndComments(dateDax).matchAll(/,\s*""\s*,/g)].length;
        const names = [...dateDax.replace(/^\/\/.*$/gm, "").matchAll(/"([^"]+)",\s/g)].map((m) => m[1]).filter((n) => !/^[dMy-]+$/.test(n));
        expect(["Date", ...names]).toEqual(DATE_TABLE.columns.map((c) => c.name));
        expect(added).toBe(DATE_TABLE.columns.length - 1);
    });
});

