
import type { DecodeOptions } from "../decode/action-record.js";
import { isFinished } from "../pull/log-plan.js";
import type { RawStore, RunReader, StoredRun } from "../store/raw-store.js";
import { decodedLog } from "./decoded-count.js";
import { readPublishedRuns } from "./published-runs.js";

/** A run as Dataverse lists it now: what the archive must match. */
export interface SourceRun {
    runId: string;
    /** flowsession.modifiedon as listed. */
    modifiedOn: string;
}

/** Why a run may not be purged yet (docs/retention.md#blockers). */
export type Blocker =
    | "not-pulled"
    | "changed-since-pull"
    | "still-running"
    | "log-missing"
    | "log-unavailable"
    | "not-built"
    | "built-from-older-version"
    | "action-count-differs"
    | "untrusted";

export const BLOCKER_LABELS: Record<Blocker, string> = {
    "not-pulled": "not pulled yet (not in the raw store): run padlens pull",
    "changed-since-pull": "changed in Dataverse since it was pulled (modifiedon differs): run padlens pull",
    "still-running": "not finished when pulled: its log comes when it ends (or leave unfinished runs out with --status)",
    "log-missing": "log missing: recorded as fetched but its file is not in the raw store",
    "log-unavailable": "log unavailable: the server failed to serve it (padlens pull --retry-unavailable)",
    "not-built": "not in the published runs table: run padlens build",
    "built-from-older-version": "the published runs table holds an older version of it: run padlens build",
    "action-count-differs": "the published action count differs from its decoded log: run padlens build",
    "untrusted": "listed with an id or time padlens does not trust (docs/pull.md#untrusted-input): never stored, so never purged",
};

export type ArchiveVerdict =
    | { verified: true; quarantined: boolean; v1Bytes: number; v2Rows: number; stored: StoredRun }
    | { verified: false; blocker: Blocker };

/**
 * Whether each run is safely archived: its row is in the raw store at the same modifiedon, each of its
 * logs was fetched (and its file is there) or is known to be absent or not applicable, and the published
 * `runs` table has it, built from that version, with as many actions as its stored log decodes to. A log
 * that does not decode counts as archived only because its raw bytes are kept (raw store and quarantine):
 * `quarantined` says so.
 *
 * The one place that knows where the archive lives (the raw store, loose or packed, and the Parquet tables).
 */
export async function archiveStatus(store: RawStore, out: string, env: string, runs: readonly SourceRun[], decode: DecodeOptions): Promise<Map<string, ArchiveVerdict>> {
    const published = await readPublishedRuns(out, env);
    const reader = await store.openRunReader(env);
    const verdicts = new Map<string, ArchiveVerdict>();
    for (const run of runs) verdicts.set(run.runId, verdictOf(reader, run, published.get(run.runId), decode));
    return verdicts;
}

function verdictOf(reader: RunReader, run: SourceRun, published: { modifiedOnMs: number | null; actionCount: number; logState: string | null } | undefined, decode: DecodeOptions): ArchiveVerdict {
    const files = reader.read(run.runId);
    const stored = files.stored;
    const blocked = (blocker: Blocker): ArchiveVerdict => ({ verified: false, blocker });
    if (!stored) return blocked("not-pulled");
    if (Date.parse(String(stored.row.modifiedon)) !== Date.parse(run.modifiedOn)) return blocked("changed-since-pull");
    if (!isFinished(stored.row)) return blocked("still-running");
    const { v1, v2 } = stored.fetch;
    if (v1.state === "unavailable" || v2.state === "unavailable") return blocked("log-unavailable");
    // The reader returns a log exactly when its state is fetched: null means its file is gone.
    if ((v1.state === "fetched" && !files.v1Gz) || (v2.state === "fetched" && !files.v2Gz)) return blocked("log-missing");
    if (!published) return blocked("not-built");
    if (published.modifiedOnMs !== Math.floor(Date.parse(String(stored.row.modifiedon)))) return blocked("built-from-older-version");
    const log = decodedLog(files, decode);
    const publishedQuarantined = published.logState === "quarantined";
    if (published.actionCount !== log.actions || publishedQuarantined !== log.quarantined) return blocked("action-count-differs");
    return { verified: true, quarantined: log.quarantined, v1Bytes: v1.state === "fetched" ? (v1.bytes ?? 0) : 0, v2Rows: v2.state === "fetched" ? (v2.rows ?? 0) : 0, stored };
}
