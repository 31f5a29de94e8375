import { currentFiles, type LakeSnapshot } from "../lake/manifest.js";
import { tableDef, type TableName } from "../load/schema.js";
import { sqlPath } from "../load/duckdb.js";

/**
 * `read_parquet(...)` over one table of an output folder: the files the environments' manifests list
 * (never a folder glob, which can see a build's new files next to the ones they replace), Hive partitions
 * included. Partition values are read as text: DuckDB would otherwise guess their type from the folder
 * names, and an environment named "2024" would come back as a number that no longer joins. A table with no
 * files yet is an empty relation with the contract's columns, not an error.
 */
export function parquetTable(out: string | LakeSnapshot, table: TableName): string {
    const def = tableDef(table);
    // One snapshot for several tables keeps them from one generation (a join of runs and actions).
    const files = typeof out === "string" ? currentFiles(out, table) : out.files(table);
    if (files.length === 0) {
        return `(SELECT ${def.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${c.name}`).join(", ")} WHERE false)`;
    }
    const hiveTypes = `, hive_types = {${def.partitionBy.map((p) => `'${p}': VARCHAR`).join(", ")}}`;
    return `read_parquet([${files.map(sqlPath).join(", ")}], hive_partitioning = true, union_by_name = true${hiveTypes})`;
}
