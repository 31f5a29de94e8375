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
import { DATE_OPTIONS, type DateKind, PlainFormats, localeSpec, plainLocales } from "../../../visual/src/localeFormats.js";
import { numberCases, timeCases } from "../formatCases.js";

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
        // One header for the run's root subflow (main), one per call of another subflow: main is not headed again
        // when execution returns to it.
        let subflowGroups = 1;
        rows.forEach((r, i) => { if (i > 0 && r.subflow !== rows[i - 1].subflow && r.subflow !== rows[0].subflow) subflowGroups++; });
        expect(subflowGroups).toBeLessThan(rows.filter((r, i) => i === 0 || r.subflow !== rows[i - 1].subflow).length);
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
        // The stand-in host keys ids by row index only: clear the selection so the next data set does not inherit it.
        await page.keyboard.press("Escape");

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
        // The root group's span line (lane 1, from the top of the run) is a solid theme colour, not a blend.
        await page.keyboard.press("Home");
        const span = await page.evaluate(() => {
            const d = document.querySelector("canvas")!.getContext("2d")!.getImageData(230, 22 + 16 + 8, 600, 1).data;
            const colours = new Set<string>();
            for (let i = 0; i < d.length; i += 4) colours.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
            return [...colours];
        });
        expect(span).toContain("255,255,0");
        for (const c of span) expect(["0,0,0", "255,255,255", "255,255,0"]).toContain(c);
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

    /** Sends rows as Power BI's segments: each update holds all rows so far; returns the root's data attributes. */
    async function sendSegments(all: Row[], sizes: number[], objects: unknown): Promise<Record<string, string>> {
        return page.evaluate(`((args) => {
            const roles = ["run", "flow", "subflow", "action", "actionIndex", "machine", "start", "end", "durationMs", "status", "error"];
            const columns = roles.map((r, index) => ({ displayName: r, queryName: "actions." + r, index, roles: { [r]: true } }));
            const rows = args.all.map((r) => [r.run, r.flow, r.subflow, r.action, r.index, r.machine, new Date(r.start), new Date(r.end), r.end - r.start, r.status, r.error]);
            window.__host.fetchMoreData = () => true;
            let n = 0;
            args.sizes.forEach((size, k) => {
                n += size;
                const more = k < args.sizes.length - 1;
                window.__visual.update({ dataViews: [{ metadata: { columns, objects: args.objects, ...(more ? { segment: {} } : {}) }, table: { columns, rows: rows.slice(0, n) } }],
                    viewport: { width: 900, height: 500 }, type: 2, operationKind: k === 0 ? 0 : 1 });
            });
            return { ...document.querySelector(".padlens-root").dataset };
        })(${JSON.stringify({ all, sizes, objects })})`) as Promise<Record<string, string>>;
    }

    /** A point (page coordinates) on the bar of a row id, found through the visual's own hit test (its behaviour's). */
    async function pointOnRow(row: number): Promise<{ x: number; y: number } | null> {
        return page.evaluate((row) => {
            const v = (window as unknown as { __visual: { behavior: { hitTest: (x: number, y: number) => number } } }).__visual.behavior;
            const plot = document.querySelector(".padlens-plot")!.getBoundingClientRect();
            // The middle of the hit area (hits reach a few px past a thin bar).
            const xs: number[] = [], ys: number[] = [];
            for (let y = 24; y < plot.height; y += 1) for (let x = 222; x < plot.width; x += 1) if (v.hitTest(x, y) === row) { xs.push(x); ys.push(y); }
            if (!xs.length) return null;
            const mid = (a: number[]): number => a.sort((p, q) => p - q)[Math.floor(a.length / 2)];
            return { x: mid(xs) + plot.left, y: mid(ys) + plot.top };
        }, row);
    }

    it("keeps the clicked action selected and drawn as selected when earlier actions arrive in a later segment", async () => {
        await page.keyboard.press("Escape");
        const run = sampleRun("run-segments", 1, Date.UTC(2026, 0, 7, 9), "succeeded", "VM-SAP-03");
        const half = Math.floor(run.length / 2);
        // The first segment holds the run's second half: the second segment's actions all come before it.
        const shuffled = [...run.slice(half), ...run.slice(0, half)];
        await sendSegments(shuffled, [run.length - half], { dataLimits: { loadMore: true } });
        // Scrolled down a little, as a reader would be; the view must stay on the same actions.
        await page.mouse.move(500, 300);
        await page.mouse.wheel(0, 64);
        // The longest action on the first screen (a wide bar to click and read back), and the next longest.
        const byLength = shuffled.slice(0, 20).map((r, i) => ({ i, d: r.end - r.start })).filter((r) => r.i >= 6).sort((a, b) => b.d - a.d);
        const target = byLength[0].i, otherRow = byLength[1].i;
        const before = await pointOnRow(target);
        expect(before).not.toBeNull();
        await page.mouse.click(before!.x, before!.y);
        const selections = await page.evaluate(() => (window as unknown as { __selections: unknown[] }).__selections.length);
        const state = await sendSegments(shuffled, [run.length - half, half], { dataLimits: { loadMore: true } });
        expect(Number(state.actions)).toBe(run.length);
        expect(state.selected).toBe("1");
        const after = await pointOnRow(target);
        expect(after).not.toBeNull();
        // The bar of the same action is drawn in full colour; another action's bar is dimmed.
        // The most saturated pixel near the point (hits reach a few px past a bar's ends).
        const colourAt = (p: { x: number; y: number }) => page.evaluate(({ x, y }) => {
            const plot = document.querySelector(".padlens-plot")!.getBoundingClientRect();
            const d = document.querySelector("canvas")!.getContext("2d")!.getImageData(Math.round(x - plot.left) - 4, Math.round(y - plot.top), 9, 1).data;
            let best = [255, 255, 255];
            for (let i = 0; i < d.length; i += 4) if (d[i] < best[0]) best = [d[i], d[i + 1], d[i + 2]];
            return best;
        }, p);
        expect(await colourAt(after!)).toEqual([0x3a, 0x7d, 0xc9]);
        const other = await pointOnRow(otherRow);
        expect((await colourAt(other!))[0]).toBeGreaterThan(0x3a + 60);
        expect(await page.evaluate(() => (window as unknown as { __selections: unknown[] }).__selections.length)).toBe(selections);
        await page.screenshot({ path: path.join(outDir, "timeline-selection-after-segments.png") });
        await page.keyboard.press("Escape");
    });

    it("shows a legend, a clock-time axis whose labels neither overlap nor leave the visual, and gridlines", async () => {
        const rows = sampleRun("run-axis", 2, Date.UTC(2026, 0, 8, 14, 3, 17), "failed-action", "VM-SAP-01");
        const state = await update(rows);
        expect(state.axis).toBe("clock");
        const legend = await page.$$eval(".padlens-legend-item", (els) => els.map((e) => e.textContent));
        expect(legend).toEqual(expect.arrayContaining(["Succeeded", "Failed", "Slowest 5 per run", "Subflow span"]));
        const ticks = await page.$$eval(".padlens-tick", (els) => els.map((e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, text: e.textContent ?? "" }; }));
        expect(ticks.length).toBeGreaterThanOrEqual(3);
        for (const t of ticks) expect(t.text).toMatch(/^\d\d:\d\d(:\d\d(\.\d{3})?)?$/);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i].left).toBeGreaterThanOrEqual(ticks[i - 1].right);
        expect(Math.max(...ticks.map((t) => t.right))).toBeLessThanOrEqual(900);
        expect(Math.min(...ticks.map((t) => t.left))).toBeGreaterThanOrEqual(220);
        // Gridlines: a light vertical line in the lane area below each tick.
        const grid = await page.evaluate(() => {
            const canvas = document.querySelector("canvas")!;
            const row = canvas.getContext("2d")!.getImageData(220, canvas.height - 4, 680, 1).data;
            let n = 0;
            for (let i = 0; i < row.length; i += 4) if (row[i] === 0xe1 && row[i + 1] === 0xdf && row[i + 2] === 0xdd) n++;
            return n;
        });
        expect(grid).toBeGreaterThanOrEqual(ticks.length - 1);
        await page.screenshot({ path: path.join(outDir, "timeline-legend-clock-axis.png") });
    });

    it("spreads heatmap cells over the colour range, hatches empty cells, and labels the legend's ticks", async () => {
        const rows: Row[] = [];
        for (let i = 0; i < 24; i++) rows.push(...sampleRun(`run-h${i}`, i % 3, Date.UTC(2026, 0, 5 + (i % 5), (i * 7) % 20), i % 5 === 0 ? "failed-action" : "succeeded", `VM-SAP-0${1 + (i % 3)}`));
        const state = await update(rows, { view: { mode: "heatmap" } });
        expect(state).toMatchObject({ view: "heatmap", scale: "quantile", columns: "24" });
        const tenths = await page.evaluate(() => {
            const v = (window as unknown as { __visual: { heatmap: { cells: { row: number; col: number }[] }; heatGeometry: { left: number; top: number; cellWidth: number; cellHeight: number } } }).__visual;
            const ctx = document.querySelector("canvas")!.getContext("2d")!;
            const low = [0xdc, 0xea, 0xf7], high = [0xa4, 0x26, 0x2c];
            const bins = new Array(10).fill(0);
            for (const c of v.heatmap.cells) {
                const g = v.heatGeometry;
                const d = ctx.getImageData(Math.floor(g.left + (c.col + 0.5) * g.cellWidth), Math.floor(g.top + (c.row + 0.5) * g.cellHeight), 1, 1).data;
                const t = (d[1] - low[1]) / (high[1] - low[1]);
                bins[Math.min(9, Math.max(0, Math.floor(t * 10)))]++;
            }
            return bins;
        });
        await page.screenshot({ path: path.join(outDir, "heatmap-quantile-scale.png") });
        const cells = tenths.reduce((a, b) => a + b, 0);
        expect(cells).toBe(Number(state.cells));
        expect(Math.max(...tenths) / cells).toBeLessThan(0.3);
        const legend = await page.$$eval(".padlens-ramp-tick", (els) => els.map((e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right }; }));
        expect(legend.length).toBe(3);
        for (let i = 1; i < legend.length; i++) expect(legend[i].left).toBeGreaterThanOrEqual(legend[i - 1].right);
        expect(await page.$$eval(".padlens-legend-item", (els) => els.map((e) => e.textContent))).toContain("No data");
    });

    it("draws rows with implausible times and survives keys at a 0x0 viewport without an error", async () => {
        const roles = ["run", "action", "start", "end", "durationMs", "status"];
        const t0 = Date.UTC(2026, 0, 5, 8);
        const rows = [
            { run: "r", action: "Open", start: t0, end: t0 + 1000, durationMs: 1000, status: "Succeeded" },
            { run: "r", action: "Ticks", start: 1e20, end: null, durationMs: 5, status: "Succeeded" },
            { run: "r", action: "Sentinel", start: t0 + 1000, end: Date.UTC(9999, 11, 31), durationMs: null, status: "Running" },
            { run: "r", action: "Close", start: t0 + 2000, end: t0 + 2500, durationMs: 500, status: "Succeeded" },
        ];
        const state = await page.evaluate(`(${updateWithRolesScript})(${JSON.stringify({ roles, rows })})`) as Record<string, string>;
        expect(state).toMatchObject({ view: "timeline", actions: "3", dropped: "1", openEnded: "1" });
        expect(await page.$eval(".padlens-note", (e) => e.textContent)).toBe("1 row ignored");
        await page.evaluate(() => {
            const w = window as unknown as { __visual: { update: (o: unknown) => void } };
            const columns = [{ displayName: "a", queryName: "a", index: 0, roles: { action: true } }, { displayName: "d", queryName: "d", index: 1, roles: { durationMs: true } }];
            w.__visual.update({ dataViews: [{ metadata: { columns }, table: { columns, rows: [["x", 5], ["y", 7]] } }], viewport: { width: 0, height: 0 }, type: 2 });
        });
        await page.focus(".padlens-root");
        for (const k of ["ArrowDown", "ArrowDown", "Enter", "+", "F8", "Home"]) await page.keyboard.press(k);
        expect(await page.$eval(".padlens-root", (e) => (e as HTMLElement).dataset.lastError ?? "")).toBe("");
    });

    it("prints numbers and dates without Intl exactly as Chromium's Intl does, for every locale it does so for", async () => {
        // The page's Intl against the visual's formats run here in Node, in the same time zone (the browser's is
        // the machine's, as Node's is): checked first, per timestamp.
        const numbers = numberCases().filter((x) => Number.isFinite(x) && Math.abs(x) < 1e21);
        const times = timeCases().filter((ms) => { const y = new Date(ms).getFullYear(); return y >= 1900 && y <= 9999; });
        const locales = plainLocales();
        const kinds = Object.keys(DATE_OPTIONS) as DateKind[];
        const intl = await page.evaluate(({ locales, numbers, times, options }) => ({
            offsets: times.map((ms) => new Date(ms).getTimezoneOffset()),
            out: locales.map((l) => ({
                numbers: [0, 3].map((digits) => { const f = new Intl.NumberFormat(l, { maximumFractionDigits: digits }); return numbers.map((x) => f.format(x)); }),
                dates: Object.values(options).map((o) => { const f = new Intl.DateTimeFormat(l, o); return times.map((ms) => f.format(ms)); }),
            })),
        }), { locales, numbers, times, options: kinds.map((k) => DATE_OPTIONS[k]) });
        expect(intl.offsets).toEqual(times.map((ms) => new Date(ms).getTimezoneOffset()));
        locales.forEach((l, i) => {
            const plain = new PlainFormats(localeSpec(l)!);
            [0, 3].forEach((digits, j) => expect(numbers.map((x) => plain.decimal(x, digits)), `${l} ${digits}`).toEqual(intl.out[i].numbers[j]));
            kinds.forEach((kind, j) => expect(times.map((ms) => plain.date(kind, ms)), `${l} ${kind}`).toEqual(intl.out[i].dates[j]));
        });
    });

    it("logged no console errors and made no network requests", () => {
        expect(consoleErrors).toEqual([]);
        expect(requests.filter((u) => !u.startsWith("data:") && !u.startsWith("about:"))).toEqual([]);
    });
});
