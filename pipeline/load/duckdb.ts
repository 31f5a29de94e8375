import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { mkdir } from "node:fs/promises";
import os from "node:os";

export interface DuckDbLimits {
    /** e.g. "1GB"; default: a quarter of RAM, at least 1 GB (one 80k-action run needs about 1 GB). */
    memoryLimit?: string;
    threads?: number;
}

/**
 * Opens a DuckDB database (in memory, or a file) with its temp files in the build's work folder, the limits
 * set explicitly (the defaults take 80% of RAM and spill into the working directory) and UTC as the session
 * time zone.
 */
export async function openDuckDb(file: string, tempDir: string, limits: DuckDbLimits = {}): Promise<{ con: DuckDBConnection; close(): void }> {
    await mkdir(tempDir, { recursive: true });
    const memory = limits.memoryLimit ?? `${Math.max(1024, Math.floor(os.totalmem() / 4 / 1024 / 1024))}MB`;
    const threads = limits.threads ?? Math.max(1, Math.min(4, os.availableParallelism()));
    const instance = await DuckDBInstance.create(file, {
        memory_limit: memory,
        threads: String(threads),
        temp_directory: tempDir,
    });
    const con = await instance.connect();
    await con.run("SET TimeZone='UTC'");
    return {
        con,
        close() {
            con.closeSync();
            instance.closeSync();
        },
    };
}

/** A SQL string literal. */
export function sqlString(s: string): string {
    return `'${s.replaceAll("'", "''")}'`;
}

/** Paths in SQL use forward slashes: DuckDB accepts them on Windows too. */
export function sqlPath(p: string): string {
    return sqlString(p.replaceAll("\\", "/"));
}
