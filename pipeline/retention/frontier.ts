import type { ArchiveVerdict } from "./archive-status.js";

/** A run the scope matches in Dataverse, as listed (ids lowercase). */
export interface Candidate {
    runId: string;
    createdOn: string;
    modifiedOn: string;
    statusCode: number | null;
    flowId: string | null;
}

export interface Frontier {
    /**
     * The latest createdon before which every matching run is verified: the createdon of the earliest
     * run that is not, or the cutoff when every run is. ISO UTC, milliseconds.
     */
    frontier: string;
    /** The runs a purge bounded by the frontier deletes (all verified), oldest first. */
    deletable: Candidate[];
    /** The latest modifiedon among them; null when there are none. */
    modifiedOnAtMost: string | null;
}

const ms = (iso: string): number => Date.parse(iso);

/**
 * Runs with equal createdon are all on the same side: the frontier is exclusive (createdon < frontier),
 * so one unverified run holds back every run created in the same millisecond. Times are compared as
 * instants, never as strings (Dataverse writes `...:00Z`, JavaScript `...:00.000Z`).
 */
export function verifiedFrontier(candidates: readonly Candidate[], verdicts: ReadonlyMap<string, ArchiveVerdict>, cutoff: string): Frontier {
    let limit = ms(cutoff);
    for (const c of candidates) {
        if (verdicts.get(c.runId)?.verified !== true) limit = Math.min(limit, ms(c.createdOn));
    }
    const deletable = candidates.filter((c) => ms(c.createdOn) < limit).sort((a, b) => ms(a.createdOn) - ms(b.createdOn) || a.runId.localeCompare(b.runId));
    // Unreachable by construction; a purge is irreversible, so it is checked rather than assumed.
    for (const c of deletable) if (verdicts.get(c.runId)?.verified !== true) throw new Error(`retention: run ${c.runId} is before the frontier but not verified`);
    const latest = deletable.reduce((m, c) => Math.max(m, ms(c.modifiedOn)), Number.NEGATIVE_INFINITY);
    return {
        frontier: new Date(limit).toISOString(),
        deletable,
        modifiedOnAtMost: deletable.length ? new Date(latest).toISOString() : null,
    };
}
