import { readdir, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { TABLES } from "../load/schema.js";
import { rmRetrying } from "../util/fs-retry.js";
import { LAKE_DIR, type LakeManifest } from "./manifest.js";

/** A build's private work folder: `<out>/_lake/.work-<env>-<generation>/` (DuckDB temp files, spools, new files before they move). */
export const workDirName = (env: string, generation: string): string => `.work-${env}-${generation}`;

/** newGeneration's shape: what follows `.work-<env>-` in a work folder's name. */
const GENERATION = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

/**
 * A work folder of `env`'s builds, and of no other environment's: env names may contain hyphens and digits,
 * so `.work-contoso-prod-` also begins the folders of `contoso-prod-2`; the rest must be a whole generation.
 */
export function isWorkDirOf(name: string, env: string): boolean {
    const prefix = `.work-${env}-`;
    return name.startsWith(prefix) && GENERATION.test(name.slice(prefix.length));
}

const rel = (out: string, file: string): string => path.relative(out, file).split(path.sep).join("/");

async function filesUnder(dir: string): Promise<string[]> {
    const found: string[] = [];
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) found.push(...(await filesUnder(p)));
        else found.push(p);
    }
    return found;
}

/** Deletes a file; false when it cannot be deleted now (held open, say): garbage is never worth a failed build. */
async function removed(file: string): Promise<boolean> {
    try {
        await rmRetrying(file, { force: true });
        return true;
    } catch {
        return false;
    }
}

async function removeEmptyDirs(dir: string, keep: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => null);
    if (!entries) return;
    for (const e of entries) if (e.isDirectory()) await removeEmptyDirs(path.join(dir, e.name), keep);
    if (dir !== keep && (await readdir(dir).catch(() => ["?"])).length === 0) await rmdir(dir).catch(() => undefined);
}

/**
 * Garbage of one environment, run under its lock before a build: replaced files whose grace period has
 * passed, files in its partitions that no manifest lists (left by a build that died or failed before its
 * commit, or by an older padlens), and the work folders such builds leave. Never touches another
 * environment's files.
 * Returns the superseded entries still within their grace period.
 */
export async function collectEnvironment(out: string, env: string, manifest: LakeManifest | null, now: Date, graceMs: number): Promise<LakeManifest["superseded"]> {
    const keep: LakeManifest["superseded"] = [];
    for (const s of manifest?.superseded ?? []) {
        // A file a reader still holds open (Power BI Desktop on Windows) is kept for the next build.
        if (now.getTime() - Date.parse(s.since) < graceMs || !(await removed(path.join(out, ...s.file.split("/"))))) keep.push(s);
    }
    // Files no manifest lists exist only after a build that did not commit (it leaves its work folder) or
    // from before manifests: only then is every partition listed, which costs more than the rest together.
    const lake = path.join(out, LAKE_DIR);
    const leftovers = (await readdir(lake).catch(() => [] as string[])).filter((e) => isWorkDirOf(e, env));
    if (manifest === null || leftovers.length > 0) {
        const listed = new Set<string>([...Object.values(manifest?.files ?? {}).flat(), ...keep.map((s) => s.file)]);
        for (const t of TABLES) {
            const envDir = path.join(out, t.name, `env=${env}`);
            for (const f of await filesUnder(envDir)) if (!listed.has(rel(out, f))) await removed(f);
            await removeEmptyDirs(envDir, envDir);
        }
    }
    for (const e of leftovers) await rmRetrying(path.join(lake, e), { recursive: true, force: true });
    return keep;
}

/**
 * What a padlens before the lake layout left: whole-table files and folders replaced by rename, its commit
 * journal and staging folders. The first build of this version rebuilds every environment it owns in full
 * (no manifest yet), so nothing here is still needed.
 */
export async function collectLegacy(out: string): Promise<void> {
    for (const t of TABLES) await rmRetrying(path.join(out, t.name, "data.parquet"), { force: true });
    for (const e of await readdir(out).catch(() => [] as string[])) {
        if (e === ".build-journal.json" || e.startsWith(".staging-") || e.startsWith(".trash-")) {
            await rmRetrying(path.join(out, e), { recursive: true, force: true });
        }
    }
    const legacyLock = path.join(out, ".padlens.lock");
    const info = await stat(legacyLock).catch(() => null);
    // Only a lock nobody refreshed for 10 minutes: an older padlens could still be running.
    if (info && Date.now() - info.mtimeMs > 10 * 60_000) await rmRetrying(legacyLock, { force: true });
}
