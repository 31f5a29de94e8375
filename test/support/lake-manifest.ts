import { readdirSync } from "node:fs";
import path from "node:path";
import { writeManifest, type LakeManifest } from "../../pipeline/lake/manifest.js";
import { TABLES, type TableName } from "../../pipeline/load/schema.js";

/**
 * For tests that write Parquet by hand: a manifest for `env` listing every .parquet file under
 * `<table>/env=<env>/`, as a build's commit would, so readers (parquetTable, the Power BI kit) see them.
 */
export async function writeManifestListing(out: string, env: string): Promise<void> {
    const files = Object.fromEntries(TABLES.map((t) => [t.name, [] as string[]])) as Record<TableName, string[]>;
    for (const t of TABLES) {
        const dir = path.join(out, t.name, `env=${env}`);
        let entries: string[] = [];
        try {
            entries = readdirSync(dir, { recursive: true, encoding: "utf8" });
        } catch {
            continue;
        }
        for (const e of entries.filter((f) => f.endsWith(".parquet")).sort()) files[t.name].push(path.posix.join(t.name, `env=${env}`, ...e.split(path.sep)));
    }
    const manifest: LakeManifest = {
        schemaVersion: 1, env, generation: "test", committedAt: new Date(0).toISOString(), committedBy: { host: "test", pid: 0, padlens: "test" }, decoder: "test",
        files, envInputs: "", units: {}, hourly: {}, superseded: [],
    };
    await writeManifest(out, manifest);
}
