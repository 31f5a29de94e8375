import path from "node:path";
import type { TableName } from "../load/schema.js";
import { sqlPath } from "../load/duckdb.js";

/** `read_parquet(...)` over one table of an output folder, Hive partitions included. */
export function parquetTable(out: string, table: TableName): string {
    return `read_parquet(${sqlPath(path.join(out, table, "**", "*.parquet"))}, hive_partitioning = true, union_by_name = true)`;
}
