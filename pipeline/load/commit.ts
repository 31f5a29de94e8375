import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import { renameRetrying, rmRetrying } from "../util/fs-retry.js";

/**
 * Commits a build: the staged tables replace the published ones by rename (same filesystem, so each
 * rename is atomic), guided by a journal so a build killed mid-commit is finished by the next one.
 * Readers see the old table folder or the new one, never a half-written partition.
 *
 *   <out>/.build-journal.json  { staging, trash, tables }   written before the first rename
 *   <out>/.staging-<id>/       the new tables (and the DuckDB work files)
 *   <out>/.trash-<id>/         the replaced tables, deleted after the commit
 */

interface Journal {
    staging: string;
    trash: string;
    tables: string[];
}

const JOURNAL = ".build-journal.json";

const exists = (p: string) => stat(p).then(() => true, () => false);

export async function commitTables(out: string, stagingName: string, tables: string[]): Promise<void> {
    const journal: Journal = { staging: stagingName, trash: stagingName.replace(".staging-", ".trash-"), tables };
    await writeFileAtomic(path.join(out, JOURNAL), JSON.stringify(journal));
    await rollForward(out, journal);
}

/** Finishes a commit that a killed build left half done, and removes leftovers of builds that never reached commit. */
export async function recoverBuild(out: string): Promise<boolean> {
    const text = await readFile(path.join(out, JOURNAL), "utf8").catch(() => null);
    let recovered = false;
    if (text) {
        await rollForward(out, JSON.parse(text) as Journal);
        recovered = true;
    }
    for (const e of await readdir(out).catch(() => [] as string[])) {
        if (e.startsWith(".staging-") || e.startsWith(".trash-")) await rmRetrying(path.join(out, e), { recursive: true, force: true });
    }
    return recovered;
}

async function rollForward(out: string, j: Journal): Promise<void> {
    const staging = path.join(out, j.staging);
    const trash = path.join(out, j.trash);
    for (const t of j.tables) {
        const next = path.join(staging, t);
        if (!(await exists(next))) continue; // already moved into place
        const live = path.join(out, t);
        if (await exists(live)) {
            await rmRetrying(path.join(trash, t), { recursive: true, force: true });
            await mkdir(trash, { recursive: true });
            await renameRetrying(live, path.join(trash, t));
        }
        await renameRetrying(next, live);
    }
    await rmRetrying(path.join(out, JOURNAL), { force: true });
    await rmRetrying(trash, { recursive: true, force: true });
    await rmRetrying(staging, { recursive: true, force: true });
}
