import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENV_VARIANTS } from "../../../simulator/sample/catalog.js";
import { generateActions, type ActionRecord, type RunOutcome } from "../../../simulator/sample/actions.js";
import { rngFor } from "../../../simulator/sample/prng.js";
import { PACKAGE_LOG } from "../../setup/packaged-visual.js";
import { readPbiviz } from "../../../demo/preview/pbiviz-package.js";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../../demo/preview/screenshots.js";
import { builtPackage } from "../../../demo/visual-package.js";

// Loads the packaged .pbiviz (not the sources) into Debian's Chromium with a fake Power BI host.
const root = process.cwd();
const outDir = path.join(root, "test-output", "visual");
const FAILED_RGB = [0xd1, 0x34, 0x38];


/** The output of `pbiviz package --certification-audit`, run once per test run by test/setup/packaged-visual.ts. */
function ensurePackage(): string {
    return readFileSync(PACKAGE_LOG, "utf8");
}

interface Row { run: string; flow: string; subflow: string; action: string; index: number; machine: string; start: number; end: number; status: string; error: string | null; container: boolean }

function sampleRun(runId: string, flowIdx: number, startedMs: number, outcome: RunOutcome, machine: string): Row[] {
    const variant = ENV_VARIANTS[0];
    const flow = variant.flows[flowIdx % variant.flows.length];
    const records: ActionRecord[] = generateActions({ flow, machineName: machine, speed: 1, startedMs, outcome, large: false, slowdowns: [] }, rngFor(7, runId));
    return records.map((a) => ({
        run: runId, flow: flow.name, subflow: a.subflow, action: a.name, index: a.index, machine,
        start: a.start, end: a.end, status: a.status, error: a.errorMessage ?? null, container: a.container,
    }));
}

/** Runs in the page: builds a table DataView (Dates as Power BI sends them) and updates the visual. */
const updateScript = `(args) => {
    const roles = ["run", "flow", "subflow", "action", "actionIndex", "machine", "start", "end", "durationMs", "status", "error"];
    const columns = roles.map((r, index) => ({ displayName: r, queryName: "actions." + r, index, roles: { [r]: true } }));
    const rows = args.rows.map((r) => [r.run, r.flow, r.subflow, r.action, r.index, r.machine, new Date(r.start), new Date(r.end), r.end - r.start, r.status, r.error]);
    const dataView = { metadata: { columns, objects: args.objects }, table: { columns, rows } };
    window.__visual.update({ dataViews: [dataView], viewport: { width: 900, height: 500 }, type: 2 });
    const el = document.querySelector(".padlens-root");
    return { ...el.dataset, events: window.__events.slice() };
}`;

/** Like updateScript, for any roles: rows are objects keyed by role, times as epoch ms (null stays null). */
const updateWithRolesScript = `(args) => {
    const columns = args.roles.map((r, index) => ({ displayName: r, queryName: "actions." + r, index, roles: { [r]: true } }));
    const rows = args.rows.map((r) => args.roles.map((role) => ((role === "start" || role === "end") && r[role] !== null ? new Date(r[role]) : r[role])));
    window.__visual.update({ dataViews: [{ metadata: { columns }, table: { columns, rows } }], viewport: { width: 900, height: 500 }, type: 2 });
    return { ...document.querySelector(".padlens-root").dataset };
}`;

// The demo's stand-in host (it records events, selections and tooltips); aliased to the names the checks read.
const fakeHostScript = `${readFileSync(path.join(root, "demo", "preview", "fake-host.js"), "utf8")}
window.__host = window.padlensFakeHost("en-US");
window.__events = window.__host.events;
window.__selections = window.__host.selections;
window.__tooltips = window.__host.tooltips;`;

describe("packaged visual in Chromium", () => {
    let context: BrowserContext;
    let page: Page;
    let userDataDir: string;
    let packageOutput = "";
    const consoleErrors: string[] = [];
    const requests: string[] = [];

    beforeAll(async () => {
        mkdirSync(outDir, { recursive: true });
        packageOutput = ensurePackage();
        const built = builtPackage(root);
        if (!built) throw new Error("no dist/*.pbiviz: test/setup/packaged-visual.ts should have built it");
        const pkg = await readPbiviz(built);
        userDataDir = mkdtempSync(path.join(os.tmpdir(), "padlens-chromium-"));
        context = await chromium.launchPersistentContext(userDataDir, {
            executablePath: CHROMIUM_PATH,
            headless: true,
            args: CHROMIUM_ARGS,
            viewport: { width: 1000, height: 600 },
            deviceScaleFactor: 1,
        });
        page = context.pages()[0] ?? (await context.newPage());
        page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
        page.on("pageerror", (e) => consoleErrors.push(String(e)));
        page.on("request", (r) => requests.push(r.url()));
        await page.setContent(`<!doctype html><html><head><style>${pkg.css}</style></head><body style="margin:0"><div id="host" style="position:relative;width:900px;height:500px"></div></body></html>`);
        await page.addScriptTag({ content: fakeHostScript });
        await page.addScriptTag({ content: pkg.js });
        await page.evaluate((guid) => {
            const w = window as unknown as { powerbi: { visuals: { plugins: Record<string, { create: (o: unknown) => unknown }> } }; __host: unknown; __visual: unknown };
            w.__visual = w.powerbi.visuals.plugins[guid].create({ element: document.getElementById("host"), host: w.__host });
        }, pkg.guid);
    }, 180_000);

    afterAll(async () => {
        await context?.close();
        if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    });

    async function update(rows: Row[], objects?: unknown): Promise<Record<string, unknown>> {
        return page.evaluate(`(${updateScript})(${JSON.stringify({ rows, objects })})`) as Promise<Record<string, unknown>>;
    }

    /** Counts pixels in a canvas region (CSS px) that differ from white, and those near the failure colour. */
    async function pixels(x = 0, y = 0, w = 900, h = 500): Promise<{ nonBackground: number; failed: number }> {
        return page.evaluate(({ x, y, w, h, rgb }) => {
            const canvas = document.querySelector("canvas")!;
            const data = canvas.getContext("2d")!.getImageData(Math.max(0, x), Math.max(0, y), Math.max(1, w), Math.max(1, h)).data;
            let nonBackground = 0, failed = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) nonBackground++;
                if (Math.abs(data[i] - rgb[0]) < 8 && Math.abs(data[i + 1] - rgb[1]) < 8 && Math.abs(data[i + 2] - rgb[2]) < 8) failed++;
            }
            return { nonBackground, failed };
        }, { x, y, w, h, rgb: FAILED_RGB });
    }

    it("packages with no error line from the certification audit", () => {
        const errors = packageOutput.split(/\r?\n/).filter((l) => /^\s*error\b/i.test(l) && !/Can't run lint validation/.test(l));
        expect(errors).toEqual([]);
        expect(packageOutput).toContain("package-visual: ok");
        expect(packageOutput).toContain("No external requests found in the visual.");
    });

    it("draws one failed run as a timeline with a lane per action and the failure in the failure colour", async () => {
        const rows = sampleRun("run-failed", 0, Date.UTC(2026, 0, 5, 8, 30), "failed-action", "VM-SAP-01");
        const state = await update(rows);
        let subflowGroups = 0;
        rows.forEach((r, i) => { if (i === 0 || r.subflow !== rows[i - 1].subflow) subflowGroups++; });
        expect(state.view).toBe("timeline");
        expect(Number(state.lanes)).toBe(1 + subflowGroups + rows.length);
        expect(Number(state.failed)).toBe(1);
        expect(state.events).toEqual(["started", "finished"]);
        expect((await pixels()).nonBackground).toBeGreaterThan(5000);
        // The failed action is the run's last; ArrowUp from no focus goes to the last lane and scrolls it into view.
        await page.focus(".padlens-root");
        await page.keyboard.press("ArrowUp");
        const ring = await page.$eval(".padlens-focus", (e) => { const s = (e as HTMLElement).style; return { display: s.display, x: parseFloat(s.left), y: parseFloat(s.top), w: parseFloat(s.width), h: parseFloat(s.height) }; });
        expect(ring.display).toBe("block");
        expect((await pixels(ring.x - 8, ring.y, ring.w + 8, ring.h)).failed).toBeGreaterThan(0);
        expect(await page.$eval(".padlens-status", (e) => e.textContent)).toContain("Error:");
        await page.screenshot({ path: path.join(outDir, "timeline-failed-run.png") });
        await page.keyboard.press("Enter");
        expect(await page.evaluate(() => (window as unknown as { __selections: unknown[] }).__selections)).toEqual([{ n: 1, multi: false }]);

        // High contrast: black background, the failure in the theme's hyperlink colour (same data, so the view stays put).
        await page.evaluate(() => {
            Object.assign((window as unknown as { __host: { colorPalette: object } }).__host.colorPalette, {
                isHighContrast: true, foreground: { value: "#ffffff" }, background: { value: "#000000" }, foregroundSelected: { value: "#00ffff" }, hyperlink: { value: "#ffff00" },
            });
        });
        await update(rows);
        const hc = await page.evaluate(({ x, y, w, h }) => {
            const data = document.querySelector("canvas")!.getContext("2d")!.getImageData(x, y, w, h).data;
            let yellow = 0, red = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i] > 240 && data[i + 1] > 240 && data[i + 2] < 20) yellow++;
                if (data[i] === 0xd1 && data[i + 1] === 0x34) red++;
            }
            return { yellow, red, corner: Array.from(document.querySelector("canvas")!.getContext("2d")!.getImageData(1, 30, 1, 1).data) };
        }, { x: Math.max(0, ring.x - 8), y: ring.y, w: ring.w + 8, h: ring.h });
        expect(hc.yellow).toBeGreaterThan(0);
        expect(hc.red).toBe(0);
        expect(hc.corner.slice(0, 3)).toEqual([0, 0, 0]);
        await page.screenshot({ path: path.join(outDir, "timeline-high-contrast.png") });
        await page.evaluate(() => { (window as unknown as { __host: { colorPalette: { isHighContrast: boolean } } }).__host.colorPalette.isHighContrast = false; });
    });

    it("draws many runs as a heatmap with one cell per action and hour", async () => {
        const rows: Row[] = [];
        for (let i = 0; i < 12; i++) {
            rows.push(...sampleRun(`run-${i}`, 0, Date.UTC(2026, 0, 5 + (i % 3), 6 + i), i % 4 === 0 ? "failed-action" : "succeeded", i % 2 ? "VM-SAP-01" : "VM-SAP-02"));
        }
        const state = await update(rows);
        // The generator knows which records are containers (loops, calls); the heatmap leaves out those
        // that enclose other actions (an empty container is indistinguishable from a short action).
        const ranked = rows.filter((r, i) => !(r.container && i + 1 < rows.length && rows[i + 1].run === r.run && rows[i + 1].start < r.end));
        expect(ranked.length).toBeLessThan(rows.length);
        const actions = new Set(ranked.map((r) => r.action));
        const cells = new Set(ranked.map((r) => `${r.action}|${new Date(r.start).getHours()}`));
        expect(state.view).toBe("heatmap");
        expect(Number(state.rows)).toBe(Math.min(40, actions.size));
        expect(Number(state.cells)).toBe(cells.size);
        expect((await pixels()).nonBackground).toBeGreaterThan(5000);
        expect(await page.$$eval(".padlens-rowlabel", (e) => e.length)).toBe(Number(state.rows));
        await page.screenshot({ path: path.join(outDir, "heatmap-runs-by-hour.png") });

        const bands = await update(rows, { view: { mode: "timeline" } });
        expect(bands.view).toBe("timeline");
        expect(Number(bands.lanes)).toBe(12);
        expect((await pixels(200, 22, 700, 12 * 16)).failed).toBeGreaterThan(0);
        await page.screenshot({ path: path.join(outDir, "timeline-run-bands.png") });
    });

    it("draws a handled failure hatched and outlined, an unhandled one solid, and an unknown end open to the run's end", async () => {
        const t0 = Date.UTC(2026, 0, 5, 8);
        const roles = ["run", "subflow", "action", "start", "end", "durationMs", "status", "error", "module", "isContainer", "insideErrorHandling"];
        const row = (action: string, start: number, end: number | null, status: string, handled: boolean) => ({
            run: "run-handled", subflow: "main", action, start: t0 + start, end: end === null ? null : t0 + end, durationMs: end === null ? null : end - start,
            status, error: status === "Failed" ? "boom" : null, module: "UIAutomation", isContainer: false, insideErrorHandling: handled,
        });
        const rows = [
            row("Open", 0, 2000, "Succeeded", false),
            row("Click", 2000, 6000, "Failed", true),
            row("Save", 6000, 10000, "Failed", false),
            row("Type", 10000, null, "Running", false),
            row("Close", 10500, 12000, "Succeeded", false),
        ];
        const state = await page.evaluate(`(${updateWithRolesScript})(${JSON.stringify({ roles, rows })})`) as Record<string, string>;
        await page.screenshot({ path: path.join(outDir, "timeline-handled-failure.png") });
        expect(state).toMatchObject({ view: "timeline", failed: "1", handled: "1", openEnded: "1", dropped: "0" });
        // Lanes: run, main, then one per action; labels take 220 px, the axis 22 px, lanes 16 px; the axis spans 101% of the run.
        const x = (ms: number): number => 220 + (ms / (12000 * 1.01)) * 680;
        // Shares of a bar's inside: reddish (the failure colour, anti-aliased lines included) and background.
        const bar = (lane: number, from: number, to: number) => page.evaluate(({ x, y, w, h }) => {
            const data = document.querySelector("canvas")!.getContext("2d")!.getImageData(x, y, w, h).data;
            let red = 0, white = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i] - data[i + 1] > 60 && data[i] - data[i + 2] > 60) red++;
                if (data[i] > 250 && data[i + 1] > 250 && data[i + 2] > 250) white++;
            }
            return { red: red / (w * h), white: white / (w * h) };
        }, { x: Math.ceil(x(from)) + 4, y: 22 + lane * 16 + 5, w: Math.floor(x(to) - x(from)) - 8, h: 6 });
        const unhandled = await bar(4, 6000, 10000);
        const handled = await bar(3, 2000, 6000);
        expect(unhandled.red).toBeGreaterThan(0.95);
        // Hatching: failure-colour lines over the background, never a solid fill.
        expect(handled.red).toBeGreaterThan(0.1);
        expect(handled.red).toBeLessThan(0.7);
        expect(handled.white).toBeGreaterThan(0.2);
        // "Type" has no end: its lane is drawn on past Close's start to the run's end.
        expect((await pixels(Math.floor(x(11800)), 22 + 5 * 16 + 2, 4, 12)).nonBackground).toBeGreaterThan(0);
        expect((await pixels(Math.floor(x(11800)), 22 + 2 * 16 + 2, 4, 12)).nonBackground).toBe(0);
    });

    it("logged no console errors and made no network requests", () => {
        expect(consoleErrors).toEqual([]);
        expect(requests.filter((u) => !u.startsWith("data:") && !u.startsWith("about:"))).toEqual([]);
    });
});
