import { setTimeout as sleep } from "node:timers/promises";
import type { TokenSource } from "../extract/auth.js";
import type { DataverseClient } from "../extract/dataverse-client.js";
import { Network } from "../extract/network.js";
import { scrub } from "../extract/secrets.js";
import { parseGuid } from "../util/ids.js";

/** How a BulkDelete request ended. */
export type SubmitOutcome =
    /** Dataverse created the job. */
    | { kind: "accepted"; jobId: string }
    /** Dataverse refused it (4xx): no job exists; `message` says why in one line. */
    | { kind: "refused"; status: number; message: string }
    /** No answer that says either way (timeout, reset, 5xx): the job may or may not exist; look it up by name. */
    | { kind: "unknown"; message: string };

const PRIVILEGE_HINTS: Record<string, string> = {
    prvbulkdelete: "give the app user's security role the Bulk Delete privilege (Security role > Business Management > Miscellaneous Privileges > Bulk Delete)",
    prvdeleteflowsession: "give the app user's security role Delete on Flow Session (flowsession) at Organization level",
    prvreadasyncoperation: "give the app user's security role Read on System Job (asyncoperation)",
    prvreadbulkdeleteoperation: "give the app user's security role Read on Bulk Delete Operation (bulkdeleteoperation)",
};

/** One line for a refused request; a 403 names the missing privilege and how to grant it. */
export function describeRefusal(env: string, status: number, body: string): string {
    let message = body.trim().slice(0, 300);
    try {
        const parsed = JSON.parse(body) as { error?: { message?: string } };
        if (parsed.error?.message) message = parsed.error.message;
    } catch {
        // not JSON: the text as it is
    }
    message = message.split(/\r?\n/)[0];
    if (status === 403) {
        const m = /missing (prv\w+) privilege/i.exec(message);
        if (m) return `${env}: missing privilege ${m[1]} — ${PRIVILEGE_HINTS[m[1].toLowerCase()] ?? "give the app user's security role that privilege"}`;
        return scrub(`${env}: BulkDelete was refused (403): ${message}`);
    }
    return scrub(`${env}: BulkDelete was refused (HTTP ${status}): ${message}`);
}

/**
 * POSTs the BulkDelete action once. Retried only where Dataverse certainly did nothing: a 429 (waits
 * Retry-After) and a 401 (new token, once). Anything else that is not an answer is `unknown`, never
 * retried blindly: a second POST after a lost response would create a second job.
 */
export async function submitBulkDelete(client: DataverseClient, tokens: TokenSource, env: string, body: Record<string, unknown>, timeoutMs: number): Promise<SubmitOutcome> {
    const url = client.resolve("BulkDelete");
    const network = tokens.network ?? new Network({ timeoutMs });
    let refreshed = false;
    for (let throttles = 0; ; ) {
        const token = await tokens.getToken(refreshed);
        let res;
        try {
            res = await network.request(url, {
                method: "POST",
                headers: { "odata-version": "4.0", "odata-maxversion": "4.0", accept: "application/json", "content-type": "application/json; charset=utf-8", authorization: `Bearer ${token}` },
                body: JSON.stringify(body),
                timeoutMs,
            });
        } catch (error) {
            return { kind: "unknown", message: scrub(`${env}: no answer to BulkDelete: ${(error as Error).message}`) };
        }
        const text = res.body.toString("utf8");
        if (res.status === 429 && ++throttles <= 10) {
            const retryAfter = Number(res.headers.get("retry-after"));
            await sleep((Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : 2) * 1000);
            continue;
        }
        if (res.status === 401 && !refreshed) {
            refreshed = true;
            continue;
        }
        if (res.status >= 200 && res.status < 300) {
            let jobId: string | undefined;
            try {
                jobId = parseGuid((JSON.parse(text) as { JobId?: unknown }).JobId);
            } catch {
                // a 2xx that is not the response: the job may exist
            }
            const declared = res.headers.get("content-length");
            if (jobId && (declared === null || Number(declared) === res.body.length)) return { kind: "accepted", jobId };
            return { kind: "unknown", message: `${env}: BulkDelete answered ${res.status} without a readable JobId` };
        }
        if (res.status >= 500 || res.status === 408) return { kind: "unknown", message: `${env}: BulkDelete answered HTTP ${res.status}` };
        return { kind: "refused", status: res.status, message: describeRefusal(env, res.status, text) };
    }
}
