import { describe, expect, it } from "vitest";
import { generateDataset } from "../../../simulator/sample/index.js";

// Two weeks at a third of the default volume: enough runs for the shares below to be stable.
const ds = generateDataset({ days: 14, scale: 0.3, largeRuns: 0 });
const runs = ds.environments.flatMap((e) => e.flowsessions);
const ms = (v: unknown): number => Date.parse(String(v));

describe("sample runs look like a real tenant", () => {
    it("has three environments with different organization log settings", () => {
        const orgs = ds.environments.map((e) => [e.name, e.organization.desktopflowrunactionlogversion, e.organization.desktopflowrunactionlogsstatus]);
        expect(orgs).toEqual([["contoso-prod", 0, 0], ["contoso-ops", 1, 0], ["fabrikam-emea", 2, 1]]);
        for (const e of ds.environments) expect(Number(e.organization.flowlogsttlinminutes)).toBeGreaterThan(0);
    });

    it("has about a dozen desktop flows with drafts, plus the cloud flows that trigger them", () => {
        const desktop = ds.environments.flatMap((e) => e.workflows.filter((w) => w.category === 6));
        expect(desktop.length).toBeGreaterThanOrEqual(10);
        const drafts = desktop.filter((w) => w.statecode === 0);
        expect(drafts.length).toBeGreaterThanOrEqual(2);
        for (const w of drafts) expect(w.__unpublished).toBe(true);
        expect(ds.environments.flatMap((e) => e.workflows).some((w) => w.category === 5)).toBe(true);
        const flowIds = new Set(desktop.map((w) => w.workflowid));
        for (const r of runs) expect(flowIds.has(r._regardingobjectid_value)).toBe(true);
    });

    it("puts most runs in business hours and more on weekdays than at weekends", () => {
        const hours = runs.map((r) => new Date(ms(r.createdon)).getUTCHours());
        const business = hours.filter((h) => h >= 7 && h < 18).length;
        expect(business / runs.length).toBeGreaterThan(0.7);
        const days = new Map<string, number>();
        for (const r of runs) {
            const d = String(r.createdon).slice(0, 10);
            days.set(d, (days.get(d) ?? 0) + 1);
        }
        const weekday: number[] = [];
        const weekend: number[] = [];
        for (const [d, n] of days) (([0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay())) ? weekend : weekday).push(n);
        const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
        expect(mean(weekday)).toBeGreaterThan(3 * mean(weekend));
    });

    it("mixes statuses with success the majority and real error codes on failures", () => {
        const count = (code: number): number => runs.filter((r) => r.statuscode === code).length;
        expect(count(4) / runs.length).toBeGreaterThan(0.7);
        for (const code of [7, 8, 10]) expect(count(code)).toBeGreaterThan(0);
        const failed = runs.filter((r) => r.statuscode === 8);
        for (const r of failed) expect(String(r.errorcode)).toMatch(/^[A-Z][A-Za-z]+$/);
        const codes = new Set(failed.map((r) => r.errorcode));
        expect(codes.size).toBeGreaterThanOrEqual(4);
        expect([...codes].some((c) => ["SessionExistsForTheUserWhenUnattended", "NoUnlockedActiveSessionForAttended", "WindowsAuthenticationFailed", "NoCandidateMachine"].includes(String(c)))).toBe(true);
        expect(codes.has("UIElementNotFound") || codes.has("WebElementNotFound")).toBe(true);
    });

    it("queues runs before they start and updates them after they complete", () => {
        const finished = runs.filter((r) => r.completedon !== null);
        for (const r of finished) {
            expect(ms(r.startedon)).toBeGreaterThan(ms(r.createdon));
            expect(ms(r.completedon)).toBeGreaterThan(ms(r.startedon));
            expect(ms(r.modifiedon)).toBeGreaterThanOrEqual(ms(r.completedon));
            expect(Number(r.runduration)).toBeGreaterThan(0);
            const context = JSON.parse(String(r.context)) as Record<string, unknown>;
            expect(context.hostName).toMatch(/\w/);
            if (r.triggertype === 0) expect(context.parentWorkflowId).toMatch(/^[0-9a-f-]{36}$/);
        }
    });

    it("leaves a few runs still running at the end, without completion or log", () => {
        const running = runs.filter((r) => r.statuscode === 2 || r.statuscode === 3);
        expect(running.length).toBeGreaterThan(0);
        expect(running.length).toBeLessThan(runs.length * 0.05);
        for (const r of running) {
            expect(r.completedon).toBeNull();
            const env = ds.environments.find((e) => e.flowsessions.includes(r))!;
            expect(env.additionalContext(String(r.flowsessionid))).toBeUndefined();
            expect(env.flowLogs(String(r.flowsessionid))).toEqual([]);
        }
    });

    it("runs flows on machines of different speeds and hosting types", () => {
        const machines = ds.environments.flatMap((e) => e.flowmachines);
        expect(new Set(machines.map((m) => m.hostingtype)).size).toBe(3);
        for (const m of machines) expect(String(m.agentversion)).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        const groups = new Set(ds.environments.flatMap((e) => e.flowmachinegroups.map((g) => g.flowmachinegroupid)));
        for (const m of machines) expect(groups.has(m._flowmachinegroupid_value)).toBe(true);
    });

    it("keeps the manifest totals equal to its per-run truth", () => {
        for (const env of ds.manifest.environments) {
            const expected = Object.values(ds.manifest.runs[env.name]);
            expect(expected.length).toBe(env.runs);
            expect(expected.reduce((a, r) => a + r.actions, 0)).toBe(env.actions);
            expect(expected.reduce((a, r) => a + r.failedActions, 0)).toBe(env.failedActions);
        }
    });
});
