import { describe, expect, it } from "vitest";
import { extendDataset, generateDataset } from "../../../simulator/sample/index.js";
import { decodeBytes, flattenDocument, v2Actions } from "./reference-decode.js";

describe("large runs", () => {
    it("plants the requested number of 20,000+ action runs whose logs really hold that many actions", () => {
        const ds = generateDataset({ days: 4, scale: 0.2, largeRuns: 2 });
        const large = ds.environments.flatMap((env) => Object.values(ds.manifest.runs[env.name]).filter((r) => r.actions >= 20_000).map((r) => ({ env, r })));
        expect(large.length).toBe(2);
        for (const { env, r } of large) {
            expect(r.statusCode).toBe(4);
            const actions = r.v1 ? flattenDocument(decodeBytes(env.additionalContext(r.runId)!)) : v2Actions(env.flowLogs(r.runId));
            expect(actions.length).toBe(r.actions);
            // A long loop: most actions sit inside it.
            expect(actions.filter((a) => a.depth > 0).length).toBeGreaterThan(19_000);
        }
    });
});

describe("extendDataset", () => {
    it("appends runs after the old end, finishes running ones and bumps modifiedon of a few", () => {
        const ds = generateDataset({ days: 3, scale: 0.2, largeRuns: 0 });
        const oldEnd = Date.parse(ds.options.endDate);
        const before = new Map(ds.environments.flatMap((e) => e.flowsessions.map((r) => [String(r.flowsessionid), { ...r }] as const)));
        const running = [...before.values()].filter((r) => r.completedon === null).map((r) => String(r.flowsessionid));
        expect(running.length).toBeGreaterThan(0);
        const until = new Date(oldEnd + 6 * 3_600_000).toISOString();

        const result = extendDataset(ds, until);

        expect(result.added).toBeGreaterThan(0);
        expect(result.modified).toBeGreaterThan(0);
        const after = ds.environments.flatMap((e) => e.flowsessions);
        const added = after.filter((r) => !before.has(String(r.flowsessionid)));
        expect(added.length).toBe(result.added);
        for (const r of added) {
            expect(Date.parse(String(r.createdon))).toBeGreaterThanOrEqual(Math.floor(oldEnd / 1000) * 1000);
            expect(Date.parse(String(r.createdon))).toBeLessThan(Date.parse(until));
        }
        const bumped = after.filter((r) => before.has(String(r.flowsessionid)) && r.modifiedon !== before.get(String(r.flowsessionid))!.modifiedon);
        expect(bumped.length).toBe(result.modified);
        for (const r of bumped) expect(Date.parse(String(r.modifiedon))).toBeGreaterThanOrEqual(Math.floor(oldEnd / 1000) * 1000);
        // The runs that were running have finished and now have a completion and a manifest entry that says so.
        for (const id of running) {
            const row = after.find((r) => r.flowsessionid === id)!;
            expect(row.completedon).not.toBeNull();
        }
        const total = Object.values(ds.manifest.runs).reduce((a, r) => a + Object.keys(r).length, 0);
        expect(total).toBe(after.length);
        expect(result.environments).toBe(ds.environments);
        expect(ds.options.endDate).toBe(until);

        // The result stands in for the dataset (the simulator server keeps it) and extends again.
        const again = extendDataset(result, new Date(oldEnd + 30 * 3_600_000).toISOString());
        expect(again.added).toBeGreaterThan(0);
        expect(Object.values(result.manifest.runs).reduce((a, r) => a + Object.keys(r).length, 0)).toBe(ds.environments.reduce((a, e) => a + e.flowsessions.length, 0));
    });

    it("is deterministic", () => {
        const a = generateDataset({ days: 2, scale: 0.1, largeRuns: 0 });
        const b = generateDataset({ days: 2, scale: 0.1, largeRuns: 0 });
        const until = "2026-11-14T09:00:00Z";
        extendDataset(a, until);
        extendDataset(b, until);
        expect(JSON.stringify(a.environments.map((e) => e.flowsessions))).toBe(JSON.stringify(b.environments.map((e) => e.flowsessions)));
        expect(JSON.stringify(a.manifest)).toBe(JSON.stringify(b.manifest));
    });
});
