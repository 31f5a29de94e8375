import { DuckDBInstance } from "@duckdb/node-api";

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

export const table = (out: string, name: string, partitioned: boolean) =>
    partitioned
        ? `read_parquet('${out.replaceAll("\\", "/")}/${name}/**/*.parquet', hive_partitioning = true, hive_types = {'env': VARCHAR, 'month': VARCHAR})`
        : `read_parquet('${out.replaceAll("\\", "/")}/${name}/data.parquet')`;
