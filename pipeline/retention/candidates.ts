import type { DataverseClient } from "../extract/dataverse-client.js";
import { isWatermark } from "../pull/watermark.js";
import { displayId, parseGuid } from "../util/ids.js";
import type { Candidate } from "./frontier.js";
import { listPath, type RetentionScope } from "./query.js";

export interface Listing {
    /** Every run the scope matches, oldest first. */
    candidates: Candidate[];
    /**
     * Listed rows whose id or times cannot be trusted (docs/pull.md#untrusted-input): never verified,
     * never used in a path, but they still hold the frontier back, since the purge would match them.
     */
    untrusted: Array<{ id: string; createdOn: string | null }>;
}

/**
 * The runs the scope matches, counted by Dataverse's own filter (createdon, status, flow) and listed with
 * five columns each: ids and times to verify against the archive, nothing of the runs themselves.
 */
export async function listCandidates(client: DataverseClient, scope: RetentionScope): Promise<Listing> {
    const candidates: Candidate[] = [];
    const untrusted: Listing["untrusted"] = [];
    for await (const page of client.pages(listPath(scope), {}, "flowsessions (retention candidates)")) {
        for (const row of page) {
            const runId = parseGuid(row.flowsessionid);
            const created = isWatermark(row.createdon) ? row.createdon : null;
            if (!runId || !created || !isWatermark(row.modifiedon)) {
                untrusted.push({ id: displayId(row.flowsessionid), createdOn: created });
                continue;
            }
            candidates.push({
                runId, createdOn: created, modifiedOn: row.modifiedon,
                statusCode: typeof row.statuscode === "number" ? row.statuscode : null,
                flowId: parseGuid(row._regardingobjectid_value) ?? null,
            });
        }
    }
    return { candidates, untrusted };
}
