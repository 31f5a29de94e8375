import { describe, expect, it } from "vitest";
import { generateDataset } from "../../../simulator/sample/index.js";
import type { ExpectedRun } from "../../../simulator/sample/model.js";
import { decodeBytes, flattenDocument, isFailed, v2Actions } from "./reference-decode.js";

// Enough runs for a handful of failures in the on-failure-only environment.
const ds = generateDataset({ days: 7, scale: 0.4, largeRuns: 0 });
const expectedOf = (env: string): ExpectedRun[] => Object.values(ds.manifest.runs[env]);
const envByName = (name: string) => ds.environments.find((e) => e.name === name)!;

describe("V1 documents (additionalcontext)", () => {
    const v1Runs = ds.environments.flatMap((env) => expectedOf(env.name).filter((r) => r.v1).map((r) => ({ env, r })));

    it("come in every encoding, and every readable one decodes to the manifest's action counts", () => {
        const encodings = new Set(v1Runs.filter(({ r }) => !r.v1!.malformed).map(({ r }) => r.v1!.encoding));
        expect([...encodings].sort()).toEqual(["base64", "gzip", "gzip-base64", "json", "json-bom"]);
        for (const { env, r } of v1Runs) {
            if (r.v1!.malformed) continue;
            const bytes = env.additionalContext(r.runId)!;
            if (r.v1!.encoding === "json-bom") expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
            if (r.v1!.encoding.startsWith("gzip")) expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
            const actions = flattenDocument(decodeBytes(bytes));
            expect(actions.length).toBe(r.actions);
            expect(actions.filter((a) => isFailed(a.status)).length).toBe(r.failedActions);
            for (const a of actions) {
                expect(a.durationMs).toBeGreaterThanOrEqual(0);
                expect(Number.isFinite(a.startMs)).toBe(true);
            }
        }
    });

    it("use several key spellings, nested children, subflow calls, loops and log messages", () => {
        const shapes = new Set<string>();
        const names = new Set<string>();
        let nested = 0;
        for (const { env, r } of v1Runs) {
            if (r.v1!.malformed) continue;
            const doc = decodeBytes(env.additionalContext(r.runId)!) as Record<string, unknown>;
            shapes.add(Object.keys(doc).find((k) => Array.isArray(doc[k]))!);
            for (const a of flattenDocument(doc)) {
                names.add(`${a.name}|${a.systemName}`);
                if (a.depth > 0) nested++;
            }
        }
        expect(shapes.size).toBeGreaterThanOrEqual(3);
        expect(nested).toBeGreaterThan(0);
        for (const n of ["Run subflow|Flow.CallFunction", "Log message|Logging.LogMessage", "Click UI element in window|UIAutomation.Click"]) expect(names).toContain(n);
        expect([...names].some((n) => n.startsWith("Loop|") || n.startsWith("For each|"))).toBe(true);
        for (const n of names) expect(n.split("|")[1]).toMatch(/^[A-Z][A-Za-z]+(\.[A-Za-z]+)+$/);
    });

    it("include malformed documents of each kind that really fail to read", () => {
        const malformed = v1Runs.filter(({ r }) => r.v1!.malformed);
        const kinds = new Set(malformed.map(({ r }) => r.v1!.malformed!.split(":")[0]));
        expect([...kinds].sort()).toEqual(["bad-base64", "non-utf8", "truncated-gzip", "truncated-json", "unknown-shape"]);
        for (const { env, r } of malformed) {
            expect(() => flattenDocument(decodeBytes(env.additionalContext(r.runId)!))).toThrow();
            // The manifest expects nothing readable unless V2 rows exist for the run.
            if (!r.v2) expect(r.actions).toBe(0);
        }
    });

    it("exist only for failed runs in an environment that logs on failure only, and never for runs without a log", () => {
        const fab = expectedOf("fabrikam-emea");
        expect(fab.some((r) => r.v1)).toBe(true);
        for (const r of fab) if (r.v1 || r.v2) expect(r.statusCode).toBe(8);
        const env = envByName("contoso-prod");
        for (const r of expectedOf("contoso-prod")) if (!r.v1) expect(env.additionalContext(r.runId)).toBeUndefined();
        expect(expectedOf("contoso-ops").every((r) => r.v1 === null)).toBe(true);
    });
});

describe("V2 logs (flowlog rows)", () => {
    it("exist only for cloud-triggered runs, with the manifest's action count and other row types to ignore", () => {
        let withV2 = 0;
        for (const env of ds.environments) {
            const rows = new Map(env.flowsessions.map((r) => [String(r.flowsessionid), r]));
            for (const r of expectedOf(env.name)) {
                const logs = env.flowLogs(r.runId);
                if (!r.v2) {
                    expect(logs).toEqual([]);
                    continue;
                }
                withV2++;
                expect(rows.get(r.runId)!.triggertype).toBe(0);
                const actions = v2Actions(logs);
                expect(actions.length).toBe(r.actions);
                expect(actions.filter((a) => isFailed(a.status)).length).toBe(r.failedActions);
                expect(logs.some((l) => l.type !== 100000001)).toBe(true);
                for (const l of logs) {
                    expect(l._flowsessionid_value).toBe(r.runId);
                    expect(Number(l.ttlinseconds)).toBeGreaterThan(0);
                }
            }
        }
        expect(withV2).toBeGreaterThan(0);
        // Not every run in the V2-only environment is cloud-triggered, and those have no log.
        const ops = envByName("contoso-ops").flowsessions;
        expect(ops.some((r) => r.triggertype !== 0 && r.completedon !== null)).toBe(true);
    });
});
