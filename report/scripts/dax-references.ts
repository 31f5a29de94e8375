/**
 * What a DAX text refers to: 'Table'[Column] / Table[Column] references and bare [Measure] references.
 * A lexical scan (strings and comments removed first), enough to check measures against the model's columns.
 */
import { TABLES } from "../../pipeline/load/schema.js";
import { DATE_TABLE, FLOW_BASELINE, KEY_COLUMNS, QUERY_NAMES, WHAT_IF } from "./generate-report.js";

export interface DaxReferences {
    columns: { table: string; column: string }[];
    bare: string[];
}

/** Removes "strings" and // -- /* comments, keeping 'quoted table names' (they are names, not strings). */
export function stripStringsAndComments(dax: string): string {
    return dax
        .replace(/"(?:[^"]|"")*"/g, '""')
        .replace(/\/\*[\s\S]*?\*\//g, " ")
        .replace(/(\/\/|--)[^\n]*/g, " ");
}

export function daxReferences(dax: string): DaxReferences {
    const text = stripStringsAndComments(dax);
    const columns: DaxReferences["columns"] = [];
    const bare: string[] = [];
    const re = /('(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)?\[([^\]]+)\]/g;
    for (const m of text.matchAll(re)) {
        if (m[1]) {
            const table = m[1].startsWith("'") ? m[1].slice(1, -1).replace(/''/g, "'") : m[1];
            columns.push({ table, column: m[2] });
        } else {
            bare.push(m[2]);
        }
    }
    return { columns, bare };
}

/** Power BI table -> its columns: the contract's, the relationship keys, the baseline, Date and what-if tables. */
export function modelColumns(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const t of TABLES) {
        out.set(QUERY_NAMES[t.name], new Set([...t.columns.map((c) => c.name), ...KEY_COLUMNS[t.name].map((k) => k.name)]));
    }
    out.set(FLOW_BASELINE.table, new Set(FLOW_BASELINE.columns.map((c) => c.name)));
    out.set(DATE_TABLE.table, new Set(DATE_TABLE.columns.map((c) => c.name)));
    out.set(WHAT_IF.table, new Set([WHAT_IF.column]));
    return out;
}
