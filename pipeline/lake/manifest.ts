import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { TableName } from "../load/schema.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { isEnvName, requireEnvName } from "../util/ids.js";

/**
 * The lake's commit point (docs/data-contract.md, "Reading"): one manifest per environment,
 * `<out>/_lake/<env>.manifest.json`, replaced atomically by the build that owns that environment. Data
 * files are never modified in place: a build writes new files under new names and then swaps the manifest,
 * so a reader that reads a manifest and then the files it lists sees exactly one generation of that
 * environment, whatever builds run meanwhile. Replaced files stay on disk for a grace period (`superseded`),
 * so a reader still working from the previous manifest never finds one gone.
 */

export const LAKE_DIR = "_lake";
export const MANIFEST_SUFFIX = ".manifest.json";

/** What one day of runs (the unit an incremental build rewrites) produced, and from what. */
export interface LakeUnit {
    /** Hash of everything the unit's rows depend on (its runs as stored, the decoder, settings, names). */
    inputs: string;
    generation: string;
    runs: number;
    actions: number;
    quarantined: number;
    runsWithWarnings: number;
    /** UTC days its actions started in: the action_hourly units it feeds. */
    hourDays: string[];
    /** Relative paths (forward slashes) of the unit's files, by table; a table with no rows has none. */
    files: Partial<Record<TableName, string[]>>;
}

export interface LakeManifest {
    schemaVersion: 1;
    env: string;
    /** The generation this manifest commits (every file written by that build carries it in its name). */
    generation: string;
    committedAt: string;
    committedBy: { host: string; pid: number; padlens: string };
    /** The decoder version (pipeline/decode/version.ts) the units were decoded with. */
    decoder: string;
    /** Every file of the current generation, by table, relative to the output folder with forward slashes. */
    files: Record<TableName, string[]>;
    /** Hash of what the environment-level tables (environments, flows, machines) were built from. */
    envInputs: string;
    /** By UTC day of the runs' created_on (yyyy-mm-dd). */
    units: Record<string, LakeUnit>;
    /** action_hourly files by UTC day of the hour. */
    hourly: Record<string, string>;
    /** Files no longer listed, kept until `since` is older than the grace period. */
    superseded: Array<{ file: string; since: string }>;
}

export function manifestPath(out: string, env: string): string {
    return path.join(out, LAKE_DIR, `${requireEnvName(env)}${MANIFEST_SUFFIX}`);
}

export async function readManifest(out: string, env: string): Promise<LakeManifest | null> {
    const text = await readFile(manifestPath(out, env), "utf8").catch(() => null);
    if (text === null) return null;
    const m = JSON.parse(text) as LakeManifest;
    if (m.schemaVersion !== 1) throw new Error(`${manifestPath(out, env)}: manifest schema ${String(m.schemaVersion)} is newer than this padlens; upgrade padlens`);
    return m;
}

/** The commit: one atomic replace of one environment's manifest. */
export async function writeManifest(out: string, manifest: LakeManifest): Promise<void> {
    await writeFileAtomic(manifestPath(out, manifest.env), JSON.stringify(manifest, null, 1));
}

/** A generation id: sortable by time, unique across the machines that share a folder. */
export function newGeneration(now: Date = new Date()): string {
    return `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${randomBytes(4).toString("hex")}`;
}

/** Environments with a committed manifest, sorted. */
export function committedEnvironments(out: string): string[] {
    let names: string[];
    try {
        names = readdirSync(path.join(out, LAKE_DIR));
    } catch {
        return [];
    }
    return names
        .filter((n) => n.endsWith(MANIFEST_SUFFIX))
        .map((n) => n.slice(0, -MANIFEST_SUFFIX.length))
        .filter(isEnvName)
        .sort();
}

/** Every environment's manifest, each read once: one generation per environment, for all tables alike. */
export interface LakeSnapshot {
    out: string;
    manifests: LakeManifest[];
    /** The files of one table, as absolute paths. */
    files(table: TableName): string[];
}

export function readLake(out: string): LakeSnapshot {
    const manifests: LakeManifest[] = [];
    for (const env of committedEnvironments(out)) {
        try {
            manifests.push(JSON.parse(readFileSync(manifestPath(out, env), "utf8")) as LakeManifest);
        } catch {
            // removed since the listing (a replace is atomic, so never half-read)
        }
    }
    return {
        out,
        manifests,
        files: (table) => manifests.flatMap((m) => (m.files[table] ?? []).map((rel) => path.join(out, ...rel.split("/")))),
    };
}

/**
 * The current files of one table across every environment, as absolute paths: what a reader of the
 * output folder should open. A reader of several tables that must agree takes one readLake() for all.
 */
export function currentFiles(out: string, table: TableName): string[] {
    return readLake(out).files(table);
}
