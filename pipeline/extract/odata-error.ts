import { scrub } from "./secrets.js";

/** A Web API failure that retrying will not fix, worded for the user (one line). */
export class DataverseError extends Error {
    constructor(message: string, readonly status: number, readonly code?: string) {
        super(message);
        this.name = "DataverseError";
    }
}

const PRIVILEGE_TABLE_LABELS: Record<string, string> = {
    workflow: "Process (workflow)",
    flowsession: "Flow Session",
    flowmachine: "Flow Machine",
    flowmachinegroup: "Flow Machine Group",
    flowlog: "Flow Log",
    organization: "Organization",
};

/** Turns an OData error body into one actionable line, e.g. a 403's missing privilege and how to grant it. */
export function describeODataError(env: string, status: number, body: string, what: string, context: { afterRefresh?: boolean } = {}): DataverseError {
    let code: string | undefined;
    let message = body.trim().slice(0, 300);
    try {
        const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
        if (parsed.error) {
            code = parsed.error.code;
            message = parsed.error.message ?? message;
        }
    } catch {
        /* not JSON: keep the text */
    }
    message = message.split(/\r?\n/)[0];
    if (status === 403) {
        const m = /missing (prv\w+) privilege(?:.*?entity '(\w+)')?/i.exec(message);
        if (m) {
            const privilege = m[1];
            const table = m[2] ?? privilege.replace(/^prv(Read|Write|Create|Delete|Append|AppendTo|Assign|Share)/, "").toLowerCase();
            const label = PRIVILEGE_TABLE_LABELS[table] ?? table;
            return new DataverseError(`${env}: missing privilege ${privilege} on ${table} — give the app user's security role Read on ${label}`, status, code);
        }
        return new DataverseError(scrub(`${env}: access denied reading ${what}: ${message}`), status, code);
    }
    if (status === 401) {
        // An expired token is a timing or clock problem, not a missing application user: say which it was.
        const hint = /expired/i.test(message)
            ? "the token had expired when it arrived: check this machine's clock (and the proxy's delay)"
            : "check that the app is an application user in this environment";
        const when = context.afterRefresh ? " again after a token refresh" : "";
        return new DataverseError(scrub(`${env}: the token was refused (401)${when} reading ${what}: ${message} — ${hint}`), status, code);
    }
    return new DataverseError(scrub(`${env}: HTTP ${status} reading ${what}: ${message}`), status, code);
}
