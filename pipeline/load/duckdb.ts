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
export interface OpenDuckDb {
    con: DuckDBConnection;
    /** Changes the instance's threads, also while `con` runs a statement (through a connection of its own). */
    setThreads(threads: number): Promise<void>;
    /**
     * Closes the instance. Most of the work happens on DuckDB's side first: closing an instance that has
     * loaded and written a batch blocked the event loop 7-12 ms (its allocator handing memory back), 3-5 ms
     * after a change of its thread count, which does that part on a DuckDB thread. A build closes one per
     * 20,000 actions loaded and one per environment, on the decoder's thread.
     */
    close(): Promise<void>;
}

export async function openDuckDb(file: string, tempDir: string, limits: DuckDbLimits = {}): Promise<OpenDuckDb> {
    await mkdir(tempDir, { recursive: true });
    const memory = limits.memoryLimit ?? `${Math.max(1024, Math.floor(os.totalmem() / 4 / 1024 / 1024))}MB`;
    let threads = limits.threads ?? coresUpTo4();
    const instance = await DuckDBInstance.create(file, {
        memory_limit: memory,
        threads: String(threads),
        temp_directory: tempDir,
    });
    const con = await instance.connect();
    await con.run("SET TimeZone='UTC'");
    let control: DuckDBConnection | null = null;
    return {
        con,
        async setThreads(n: number) {
            control ??= await instance.connect();
            threads = Math.max(1, Math.floor(n));
            await control.run(`SET threads = ${threads}`);
        },
        async close() {
            await con.run(`SET threads = ${threads === 1 ? 2 : 1}`).catch(() => undefined); // a head start, no more
            control?.closeSync();
            con.closeSync();
            instance.closeSync();
        },
    };
}

/**
 * DuckDB threads for a build: while JavaScript decodes, one core fewer than the machine has (1 to 4), because
 * the decoder keeps one core busy and DuckDB's calling thread polls for work while its other threads run a
 * statement (on 2 cores a second DuckDB thread cost ~1.2 s more CPU of a 7 s full build and made it no
 * faster); once every run is decoded, every core (up to 4) for the writes that remain.
 */
export function buildThreads(): { decoding: number; after: number } {
    return { decoding: coresUpTo4(-1), after: coresUpTo4() };
}

/** The machine's cores plus `plus`, between 1 and 4: DuckDB's default threads (more did not pay on these loads). */
function coresUpTo4(plus = 0): number {
    return Math.max(1, Math.min(4, os.availableParallelism() + plus));
}

/** A SQL string literal. */
export function sqlString(s: string): string {
    return `'${s.replaceAll("'", "''")}'`;
}

/** Paths in SQL use forward slashes: DuckDB accepts them on Windows too. */
export function sqlPath(p: string): string {
    return sqlString(p.replaceAll("\\", "/"));
}
