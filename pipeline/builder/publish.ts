import { chmodSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { TableName } from "../load/schema.js";
import { renameSoonRetrying } from "../util/fs-retry.js";

/**
 * Where a build's new file goes in the lake, relative to the output folder (forward slashes):
 * `<table>/env=<env>/month=<yyyy-mm>/<day>-<generation>.parquet` for a unit's file,
 * `<table>/env=<env>/<generation>.parquet` for an environment-level table. New names every time: a file
 * a manifest lists is never overwritten, so a reader of that manifest never reads a half-written one.
 */
export function lakePath(table: TableName, env: string, day: string | null, generation: string): string {
    return day === null
        ? `${table}/env=${env}/${generation}.parquet`
        : `${table}/env=${env}/month=${day.slice(0, 7)}/${day}-${generation}.parquet`;
}

export const publishedPath = (out: string, rel: string): string => path.join(out, ...rel.split("/"));

/**
 * Moves a file the build wrote in its work folder to its place in the lake (not yet listed by any manifest).
 * Synchronous but for a retried lock: it runs inside a DuckDB task, and each asynchronous step there waits for
 * the decoder to yield the event loop while DuckDB has nothing to do (see renameSoonRetrying).
 */
export async function publishFile(out: string, file: string, table: TableName, env: string, day: string | null, generation: string): Promise<string> {
    const rel = lakePath(table, env, day, generation);
    const target = publishedPath(out, rel);
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    await renameSoonRetrying(file, target);
    // Owner-only on POSIX, like the raw store (DuckDB writes with the umask): share on purpose, not by default.
    if (process.platform !== "win32") chmodSync(target, 0o600);
    return rel;
}
