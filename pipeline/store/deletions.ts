import { readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import { parseGuid } from "../util/ids.js";
import type { RawStore } from "./raw-store.js";

/**
 * Runs that are gone from Dataverse but kept in the archive (docs/retention.md): the raw store never
 * drops a run, so the build keeps publishing it, and `runs.deleted_in_source_on` says since when the
 * source no longer has it. One file per environment, replaced atomically:
 *
 *   <out>/raw/<env>/retention/deleted.json
 */
export interface DeletedRun {
    /** When it was deleted: the completion of the padlens job that deleted it, else when a reconciliation first missed it. */
    deletedOn: string;
    /** `job <JobId>` for a padlens purge, `reconciliation` for anything else (the wizard, a person, another tool). */
    by: string;
}

export interface Reconciliation {
    at: string;
    /** The createdon window listed, [from, to). */
    from: string;
    to: string;
    listed: number;
    stored: number;
    newlyDeleted: number;
    restored: number;
}

export interface DeletionsFile {
    schemaVersion: 1;
    runs: Record<string, DeletedRun>;
    lastReconciliation?: Reconciliation;
}

function deletionsFile(store: RawStore, env: string): string {
    return path.join(store.envDir(env), "retention", "deleted.json");
}

export async function readDeletions(store: RawStore, env: string): Promise<DeletionsFile> {
    const text = await readFile(deletionsFile(store, env), "utf8").catch(() => null);
    if (!text) return { schemaVersion: 1, runs: {} };
    const parsed = JSON.parse(text) as DeletionsFile;
    // Keys become column values downstream: only run ids as the store names them.
    const runs: Record<string, DeletedRun> = {};
    for (const [id, run] of Object.entries(parsed.runs ?? {})) if (parseGuid(id) === id) runs[id] = run;
    return { ...parsed, runs };
}

export async function writeDeletions(store: RawStore, env: string, file: DeletionsFile): Promise<void> {
    await writeFileAtomic(deletionsFile(store, env), JSON.stringify(file));
}

/**
 * For the build: run id -> when it was deleted in Dataverse (ISO UTC), for `runs.deleted_in_source_on`.
 * Empty when nothing was ever found deleted.
 */
export async function deletedRuns(store: RawStore, env: string): Promise<Map<string, string>> {
    const file = await readDeletions(store, env);
    return new Map(Object.entries(file.runs).map(([id, run]) => [id, run.deletedOn]));
}
