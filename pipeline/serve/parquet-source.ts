import path from "node:path";
import { tableDef, type TableName } from "../load/schema.js";
import { sqlPath } from "../load/duckdb.js";

/**
 * `read_parquet(...)` over one table of an output folder, Hive partitions included. Partition values are
 * read as text: DuckDB would otherwise guess their type from the folder names, and an environment
 * named "2024" would come back as a number that no longer joins with the unpartitioned tables.
 */
export function parquetTable(out: string, table: TableName): string {
    const partitions = tableDef(table).partitionBy;
    const hiveTypes = partitions.length > 0 ? `, hive_types = {${partitions.map((p) => `'${p}': VARCHAR`).join(", ")}}` : "";
    return `read_parquet(${sqlPath(path.join(out, table, "**", "*.parquet"))}, hive_partitioning = true, union_by_name = true${hiveTypes})`;
}
