import { DuckDBInstance } from "@duckdb/node-api";
import type { TableName } from "../../../pipeline/load/schema.js";
import { parquetTable } from "../../../pipeline/serve/parquet-source.js";

/** Reads the build's Parquet back through a fresh DuckDB, the way Power BI or a user would. */
export async function queryParquet<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const inst = await DuckDBInstance.create(":memory:", { threads: "1", memory_limit: "512MB" });
    const con = await inst.connect();
    try {
        await con.run("SET TimeZone='UTC'");
        const r = await con.runAndReadAll(sql);
        return r.getRowObjectsJS() as T[];
    } finally {
        con.closeSync();
        inst.closeSync();
    }
}

/** The same table reader the serve stage uses (text partition columns). */
export const table = (out: string, name: string): string => parquetTable(out, name as TableName);
