import type { Row } from "../store/raw-store.js";

/**
 * What a retention command is about, in one place: the `$filter` that lists (and counts) the candidate
 * runs, the QueryExpression of the BulkDelete request, and the same predicate in JS (which checks the
 * request against every listed run before it is sent) are all built from this, so they cannot disagree.
 */
export interface RetentionScope {
    /** createdon strictly before this instant (ISO UTC, ms): the --older-than cutoff. */
    cutoff: string;
    /** flowsession.statuscode values; empty: any status. */
    statuses: number[];
    /** workflow ids (lowercase GUIDs) of the flows; empty: any flow. */
    flowIds: string[];
}

/** The bounds a BulkDelete adds to the scope so it can only match runs verified in the archive. */
export interface DeletionBounds {
    /** createdon strictly before the verified frontier (never later than the cutoff). */
    frontier: string;
    /** modifiedon at most the latest modifiedon of the runs verified: a run changed since can never match. */
    modifiedOnAtMost: string;
}

/** Full ISO with milliseconds: the frontier must survive the trip exactly. */
const exact = (iso: string): string => new Date(iso).toISOString();

export function listFilter(scope: RetentionScope): string {
    const parts = [`createdon lt ${exact(scope.cutoff)}`];
    if (scope.statuses.length) parts.push(`(${scope.statuses.map((s) => `statuscode eq ${s}`).join(" or ")})`);
    if (scope.flowIds.length) parts.push(`(${scope.flowIds.map((f) => `_regardingobjectid_value eq ${f}`).join(" or ")})`);
    return parts.join(" and ");
}

/** Columns the plan lists per candidate: enough to count, verify and bound, and nothing a purge would not need. */
export const CANDIDATE_COLUMNS = ["flowsessionid", "createdon", "modifiedon", "statuscode", "_regardingobjectid_value"] as const;

export function listPath(scope: RetentionScope): string {
    return `flowsessions?$select=${CANDIDATE_COLUMNS.join(",")}&$filter=${listFilter(scope)}&$orderby=createdon asc,flowsessionid asc`;
}

type Value = { Value: string | number; Type: string };
const dateValue = (iso: string): Value => ({ Value: exact(iso), Type: "System.DateTime" });

/** The QueryExpression of the BulkDelete QuerySet (Web API JSON form). */
export function queryExpression(scope: RetentionScope, bounds: DeletionBounds): Record<string, unknown> {
    const conditions: Array<Record<string, unknown>> = [
        { AttributeName: "createdon", Operator: "LessThan", Values: [dateValue(bounds.frontier)] },
        { AttributeName: "modifiedon", Operator: "LessEqual", Values: [dateValue(bounds.modifiedOnAtMost)] },
    ];
    if (scope.statuses.length) conditions.push({ AttributeName: "statuscode", Operator: "In", Values: scope.statuses.map((s) => ({ Value: s, Type: "System.Int32" })) });
    if (scope.flowIds.length) conditions.push({ AttributeName: "regardingobjectid", Operator: "In", Values: scope.flowIds.map((f) => ({ Value: f, Type: "System.Guid" })) });
    return {
        "@odata.type": "Microsoft.Dynamics.CRM.QueryExpression",
        EntityName: "flowsession",
        ColumnSet: { AllColumns: false, Columns: ["flowsessionid"] },
        Distinct: false,
        Criteria: {
            "@odata.type": "Microsoft.Dynamics.CRM.FilterExpression",
            FilterOperator: "And",
            Conditions: conditions.map((c) => ({ "@odata.type": "Microsoft.Dynamics.CRM.ConditionExpression", ...c })),
        },
    };
}

/** The whole BulkDelete body: one query, no recurrence (a recurring job would outrun the archive), no e-mail. */
export function bulkDeleteBody(scope: RetentionScope, bounds: DeletionBounds, jobName: string, startDateTime: string): Record<string, unknown> {
    return {
        QuerySet: [queryExpression(scope, bounds)],
        JobName: jobName,
        SendEmailNotification: false,
        ToRecipients: [],
        CCRecipients: [],
        RecurrencePattern: "",
        StartDateTime: exact(startDateTime),
    };
}

/** True when a flowsession row (as listed) is in the scope. */
export function inScope(scope: RetentionScope, row: Row): boolean {
    const created = Date.parse(String(row.createdon));
    if (!(created < Date.parse(scope.cutoff))) return false;
    if (scope.statuses.length && !scope.statuses.includes(row.statuscode as number)) return false;
    const flow = typeof row._regardingobjectid_value === "string" ? row._regardingobjectid_value.toLowerCase() : "";
    return !(scope.flowIds.length && !scope.flowIds.includes(flow));
}

/** True when the BulkDelete built from scope and bounds would delete this row (same rules as the query above). */
export function wouldDelete(scope: RetentionScope, bounds: DeletionBounds, row: Row): boolean {
    if (!inScope(scope, row)) return false;
    return Date.parse(String(row.createdon)) < Date.parse(bounds.frontier) && Date.parse(String(row.modifiedon)) <= Date.parse(bounds.modifiedOnAtMost);
}
