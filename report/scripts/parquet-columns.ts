/**
 * What a padlens output folder actually holds, in Power Query terms: for each table, the columns Power BI will
 * see (the columns inside the Parquet files plus the Hive partition columns taken from the folder names, exactly
 * as PadlensParquetTable does) with the M type each physical type is read as. Compare with mDeclaredColumnTypes().
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

/** M type of a Parquet column as DuckDB describes it; undefined for a type the contract does not use. */
export function mTypeOfDuckDb(type: string): string | undefined {
    const t = type.toUpperCase();
    if (t === "VARCHAR") return "type text";
    if (t === "BIGINT" || t === "INTEGER" || t === "SMALLINT" || t === "TINYINT") return "Int64.Type";
    if (t === "DOUBLE" || t === "FLOAT") return "type number";
    if (t === "TIMESTAMP WITH TIME ZONE" || t === "TIMESTAMPTZ") return "type datetimezone";
    // Parquet TIMESTAMP not adjusted to UTC: the contract's wall-clock (local) times.
    if (t === "TIMESTAMP" || t === "TIMESTAMP_MS" || t === "TIMESTAMP_NS" || t === "TIMESTAMP_S") return "type datetime";
    if (t === "BOOLEAN") return "type logical";
    if (t === "DATE") return "type date";
    return undefined;
}

function parquetFiles(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".parquet") && !e.name.startsWith("."))
        .map((e) => path.join(e.parentPath, e.name));
}

/**
 * { table: { column: mType } } for every table folder under `out` that holds Parquet files. Columns that differ in
 * type between files of one table are reported as "conflict: <a> | <b>".
 */
export async function parquetColumnTypesAsM(out: string, tables: readonly string[]): Promise<Record<string, Record<string, string>>> {
    const inst = await DuckDBInstance.create(":memory:", { threads: "1" });
    const con = await inst.connect();
    const result: Record<string, Record<string, string>> = {};
    try {
        for (const table of tables) {
            const root = path.join(out, table);
            const columns: Record<string, string> = {};
            const merge = (name: string, mType: string) => {
                columns[name] = columns[name] === undefined || columns[name] === mType ? mType : `conflict: ${columns[name]} | ${mType}`;
            };
            for (const file of parquetFiles(root)) {
                const described = await con.runAndReadAll(
                    `DESCRIBE SELECT * FROM read_parquet('${file.replaceAll("\\", "/").replaceAll("'", "''")}', hive_partitioning = false)`,
                );
                for (const row of described.getRowObjectsJS()) {
                    const type = String(row.column_type);
                    merge(String(row.column_name), mTypeOfDuckDb(type) ?? `unmapped ${type}`);
                }
                // Hive partitions: folder names carry them; the M helper adds them as text when the file lacks them.
                for (const segment of path.relative(root, path.dirname(file)).split(path.sep)) {
                    const eq = segment.indexOf("=");
                    if (eq > 0 && columns[segment.slice(0, eq)] === undefined) merge(segment.slice(0, eq), "type text");
                }
            }
            if (Object.keys(columns).length) result[table] = columns;
        }
    } finally {
        con.closeSync();
        inst.closeSync();
    }
    return result;
}
