import { describe, expect, it } from "vitest";
import type { ArchiveVerdict } from "../../../pipeline/retention/archive-status.js";
import { verifiedFrontier, type Candidate } from "../../../pipeline/retention/frontier.js";
import { parseOlderThan } from "../../../pipeline/retention/older-than.js";
import { bulkDeleteBody, inScope, listFilter, wouldDelete } from "../../../pipeline/retention/query.js";
import { parseStatuses, resolveFlows } from "../../../pipeline/retention/scope-options.js";
import type { StoredRun } from "../../../pipeline/store/raw-store.js";

const id = (i: number): string => `00000004-0001-4000-8000-${i.toString(16).padStart(12, "0")}`;
const verified: ArchiveVerdict = { verified: true, quarantined: false, v1Bytes: 0, v2Rows: 0, stored: {} as StoredRun };
const blocked: ArchiveVerdict = { verified: false, blocker: "changed-since-pull" };
const candidate = (i: number, createdOn: string, modifiedOn = createdOn): Candidate => ({ runId: id(i), createdOn, modifiedOn, statusCode: 4, flowId: null });

describe("--older-than", () => {
    const now = new Date("2026-12-03T07:00:00.000Z");
    it("takes ages in hours, days and weeks, and UTC dates", () => {
        expect(parseOlderThan("180d", now).cutoff).toBe("2026-06-06T07:00:00.000Z");
        expect(parseOlderThan("2w", now).cutoff).toBe("2026-11-19T07:00:00.000Z");
        expect(parseOlderThan("36h", now).cutoff).toBe("2026-12-01T19:00:00.000Z");
        expect(parseOlderThan("2026-06-01", now).cutoff).toBe("2026-06-01T00:00:00.000Z");
        expect(parseOlderThan("2026-06-01T12:30:00.250+02:00", now).cutoff).toBe("2026-06-01T10:30:00.250Z");
    });
    it("refuses months, the future and junk with a message that says what is accepted", () => {
        expect(() => parseOlderThan("6m", now)).toThrow(/180d, 26w or 48h/);
        expect(() => parseOlderThan("2027-01-01", now)).toThrow(/in the future/);
        expect(() => parseOlderThan("yesterday", now)).toThrow(/--older-than 'yesterday'/);
    });
});

describe("--status and --flow", () => {
    it("maps status names and codes, case-insensitively, and names the valid ones on error", () => {
        expect(parseStatuses(["succeeded,Failed", "7", "canceled"])).toEqual([4, 7, 8]);
        expect(() => parseStatuses(["Done"])).toThrow(/one of NotSpecified, .*Succeeded/);
    });
    it("resolves flow names to every flow of that name, takes ids as they are, and reports unknown names", () => {
        const workflows = [
            { workflowid: "AAAAAAAA-0000-4000-8000-000000000001", name: "Invoices" },
            { workflowid: "aaaaaaaa-0000-4000-8000-000000000002", name: "invoices" },
            { workflowid: "aaaaaaaa-0000-4000-8000-000000000003", name: "Payroll" },
        ];
        expect(resolveFlows(["INVOICES", "bbbbbbbb-0000-4000-8000-000000000009", "Nope"], workflows)).toEqual({
            ids: ["aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002", "bbbbbbbb-0000-4000-8000-000000000009"],
            unknown: ["Nope"],
        });
    });
});

describe("the scope's $filter, QueryExpression and JS predicate", () => {
    const scope = { cutoff: "2026-06-01T00:00:00.000Z", statuses: [4, 8], flowIds: ["aaaaaaaa-0000-4000-8000-000000000001"] };
    const bounds = { frontier: "2026-03-01T10:00:00.001Z", modifiedOnAtMost: "2026-03-05T00:00:00.000Z" };

    it("lists with Dataverse's own filter", () => {
        expect(listFilter(scope)).toBe("createdon lt 2026-06-01T00:00:00.000Z and (statuscode eq 4 or statuscode eq 8) and (_regardingobjectid_value eq aaaaaaaa-0000-4000-8000-000000000001)");
        expect(listFilter({ ...scope, statuses: [], flowIds: [] })).toBe("createdon lt 2026-06-01T00:00:00.000Z");
    });

    it("bounds the BulkDelete by the frontier (exact to the ms) and the latest verified modifiedon, one query, no recurrence", () => {
        const body = bulkDeleteBody(scope, bounds, "padlens retention alpha 0123456789abcdef", "2026-12-03T07:00:00Z");
        expect(body).toMatchObject({ JobName: "padlens retention alpha 0123456789abcdef", RecurrencePattern: "", SendEmailNotification: false, StartDateTime: "2026-12-03T07:00:00.000Z" });
        const criteria = (body.QuerySet as Array<{ EntityName: string; Criteria: { FilterOperator: string; Conditions: Array<{ AttributeName: string; Operator: string; Values: unknown[] }> } }>)[0];
        expect(criteria.EntityName).toBe("flowsession");
        expect(criteria.Criteria.FilterOperator).toBe("And");
        expect(criteria.Criteria.Conditions.map((c) => [c.AttributeName, c.Operator, c.Values])).toEqual([
            ["createdon", "LessThan", [{ Value: "2026-03-01T10:00:00.001Z", Type: "System.DateTime" }]],
            ["modifiedon", "LessEqual", [{ Value: "2026-03-05T00:00:00.000Z", Type: "System.DateTime" }]],
            ["statuscode", "In", [{ Value: 4, Type: "System.Int32" }, { Value: 8, Type: "System.Int32" }]],
            ["regardingobjectid", "In", [{ Value: "aaaaaaaa-0000-4000-8000-000000000001", Type: "System.Guid" }]],
        ]);
    });

    it("matches rows as the query does, comparing instants rather than strings", () => {
        const row = { createdon: "2026-03-01T10:00:00Z", modifiedon: "2026-03-01T10:00:00Z", statuscode: 4, _regardingobjectid_value: "AAAAAAAA-0000-4000-8000-000000000001" };
        expect(inScope(scope, row)).toBe(true);
        expect(wouldDelete(scope, bounds, row)).toBe(true);
        expect(wouldDelete(scope, bounds, { ...row, createdon: "2026-03-01T10:00:00.001Z" })).toBe(false);
        expect(wouldDelete(scope, bounds, { ...row, modifiedon: "2026-03-05T00:00:00.001Z" })).toBe(false);
        expect(wouldDelete(scope, bounds, { ...row, statuscode: 7 })).toBe(false);
        expect(wouldDelete(scope, bounds, { ...row, _regardingobjectid_value: null })).toBe(false);
    });
});

describe("the verified frontier", () => {
    it("is the createdon of the earliest unverified run, to the millisecond, and holds back runs of that same millisecond", () => {
        const runs = [
            candidate(1, "2026-01-10T00:00:00Z"),
            candidate(2, "2026-01-10T00:00:00.999Z", "2026-01-11T00:00:00Z"),
            candidate(3, "2026-01-10T00:00:01.000Z"),
            candidate(4, "2026-01-10T00:00:01Z"),
            candidate(5, "2026-01-10T00:00:02Z"),
        ];
        const verdicts = new Map<string, ArchiveVerdict>([[id(1), verified], [id(2), verified], [id(3), verified], [id(4), blocked], [id(5), verified]]);
        const f = verifiedFrontier(runs, verdicts, "2026-06-01T00:00:00.000Z");
        expect(f.frontier).toBe("2026-01-10T00:00:01.000Z");
        expect(f.deletable.map((c) => c.runId)).toEqual([id(1), id(2)]);
        expect(f.modifiedOnAtMost).toBe("2026-01-11T00:00:00.000Z");
    });

    it("is the cutoff when every matching run is verified, and deletes nothing when the oldest is not", () => {
        const runs = [candidate(1, "2026-01-10T00:00:00Z"), candidate(2, "2026-01-10T00:01:00Z")];
        expect(verifiedFrontier(runs, new Map<string, ArchiveVerdict>([[id(1), verified], [id(2), verified]]), "2026-02-01T00:00:00.000Z")).toMatchObject({ frontier: "2026-02-01T00:00:00.000Z" });
        const none = verifiedFrontier(runs, new Map<string, ArchiveVerdict>([[id(1), blocked], [id(2), verified]]), "2026-02-01T00:00:00.000Z");
        expect(none).toEqual({ frontier: "2026-01-10T00:00:00.000Z", deletable: [], modifiedOnAtMost: null });
        expect(verifiedFrontier([], new Map(), "2026-02-01T00:00:00.000Z").deletable).toEqual([]);
    });
});
