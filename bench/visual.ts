import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { readPbiviz, type PbivizContent } from "../demo/preview/pbiviz-package.js";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../demo/preview/screenshots.js";
import { builtPackage } from "../demo/visual-package.js";

/**
 * The visual's scenarios in headless Chromium with the packaged .pbiviz and the demo's stand-in host:
 * first paint of a 1k and a 30k one-run timeline at 1000x600, 100k rows in 4 segments, 1M rows in 34
 * segments as a heatmap (last segment to paint, whole load, peak memory), and a resize and a colour change
 * at 1M. The floor is a bare canvas drawing 30,000 rectangles, measured in the same run with the same
 * timing, so the ratio is what to compare across machines. Every sample is a fresh page (cold JIT), and a
 * first paint counts from the visual's constructor. A second, fairer floor adds what any fresh page pays for
 * locale-formatted text beside the bars (first Intl formats, canvas and DOM labels); it is printed beside the
 * first, which stays the goal's reference.
 *
 * `node lib/bench/visual.js [other.pbiviz ...]` measures further packages in the same run (before/after).
 */

const WIDTH = 1000;
const HEIGHT = 600;
const WINDOW = 30_000;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * In the page: the data generator (Power BI's table DataView: one array per row, Date objects for times)
 * and the drivers. Times are from the update call to the frame after it (rAF, then a task), so DOM labels
 * and canvas are both on screen.
 */
const harness = `
window.__paint = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
const ROLES = ["run", "flow", "subflow", "action", "actionIndex", "machine", "start", "end", "durationMs", "status", "error", "module", "isContainer", "insideErrorHandling"];
window.__columns = ROLES.map((r, index) => ({ displayName: r, queryName: "actions." + r, index, roles: { [r]: true },
    type: r === "start" || r === "end" ? { dateTime: true } : r === "durationMs" || r === "actionIndex" ? { numeric: true } : r === "isContainer" || r === "insideErrorHandling" ? { bool: true } : { text: true } }));
function rng(seed) { let s = seed >>> 0; return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; }; }
const MODULES = ["UIAutomation", "Excel", "Web", "File", "Variables", "Email", "SAP"];
// n actions over runs of runLength actions each, spread over 30 days, 2% failed (a quarter of them handled).
window.__rows = (n, runLength, seed) => {
    const r = rng(seed);
    const out = new Array(n);
    const flows = ["Invoices", "Orders", "Payroll", "Reconcile"];
    const machines = Array.from({ length: 24 }, (_, i) => "VM-" + String(i + 1).padStart(2, "0"));
    const names = Array.from({ length: 80 }, (_, i) => MODULES[i % MODULES.length] + "." + ["Click", "Read", "Write", "Wait", "Open", "Close", "Set", "Get"][i % 8] + " " + i);
    let runIdx = -1, t = 0, k = 0, runId = "", flow = "", machine = "";
    for (let i = 0; i < n; i++) {
        if (i % runLength === 0) {
            runIdx++; k = 0;
            runId = "run-" + String(runIdx).padStart(6, "0");
            flow = flows[runIdx % flows.length];
            machine = machines[Math.floor(r() * machines.length)];
            t = Date.UTC(2026, 0, 1) + Math.floor(r() * 30 * 86400000);
        }
        const name = names[(k * 7 + runIdx) % names.length];
        const d = Math.round(Math.exp(r() * 8));
        const failed = r() < 0.02;
        out[i] = [runId, flow, k < runLength / 3 ? "main" : "Sub_" + (k % 3), name, k + 1, machine, new Date(t), new Date(t + d), d,
            failed ? "Failed" : "Succeeded", failed ? "Element not found" : null, name.split(".")[0], false, failed && r() < 0.25];
        t += d + 3;
        k++;
    }
    return out;
};
window.__view = (rows, objects, segment) => ({ metadata: { columns: window.__columns, objects, ...(segment ? { segment: {} } : {}) }, table: { columns: window.__columns, rows } });
window.__create = () => {
    const host = window.padlensFakeHost("en-US");
    window.__hostObj = host;
    window.__visual = window.powerbi.visuals.plugins[window.__guid].create({ element: document.getElementById("host"), host });
    return host;
};
window.__once = async (n, runLength, objects) => {
    const rows = window.__rows(n, runLength, 7);
    // From the constructor on: what it sets up up front is part of the first paint too.
    const t0 = performance.now();
    window.__create();
    window.__visual.update({ dataViews: [window.__view(rows, objects, false)], viewport: { width: ${WIDTH}, height: ${HEIGHT} }, type: 62, operationKind: 0 });
    await window.__paint();
    return performance.now() - t0;
};
// A canvas the visual's size in the host (set up before the clock starts), and the floor's 30,000 rectangles on it.
window.__canvas = () => {
    const c = document.createElement("canvas");
    c.width = ${WIDTH}; c.height = ${HEIGHT};
    document.getElementById("host").appendChild(c);
    return c.getContext("2d");
};
window.__rects = (ctx) => {
    const colors = ["#3a7dc9", "#d13438", "#8a8886"];
    for (let i = 0; i < 30000; i++) { ctx.fillStyle = colors[i % 3]; ctx.fillRect((i * 37) % ${WIDTH}, (i * 13) % ${HEIGHT}, 1 + (i % 50), 12); }
};
// The floor page first makes the same rows as the visual's (__once), untimed and unused: both clocks then start
// in the same state, with the generator's garbage and V8's background compiles of it still pending.
window.__floor = async () => {
    const ctx = window.__canvas();
    window.__kept = window.__rows(30000, 30000, 7);
    const t0 = performance.now();
    window.__rects(ctx);
    await window.__paint();
    return performance.now() - t0;
};
// The floor plus what any fresh page pays to put locale-formatted text beside the bars, none of it the visual's
// own work: the first Intl date and number formats (ICU's locale data, ~20 ms), 40 canvas labels in the
// visual's canvas font (one with a chevron that needs a fallback font) and 12 DOM labels in its CSS font.
window.__floorText = async () => {
    const ctx = window.__canvas();
    const t0 = performance.now();
    window.__rects(ctx);
    const date = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const num = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });
    ctx.font = '12px "Segoe UI", sans-serif';
    ctx.fillStyle = "#252423";
    for (let i = 0; i < 40; i++) {
        const label = i === 1 ? "▾ main" : i === 0 ? date.format(new Date(1767225600000)) : "Excel.Read " + num.format(i * 1234.5);
        if (ctx.measureText(label).width < 200) ctx.fillText(label, 4, 30 + i * 14);
    }
    const layer = document.createElement("div");
    layer.style.cssText = 'position:absolute;inset:0;font:11px "Segoe UI", wf_segoe-ui_normal, helvetica, arial, sans-serif';
    for (let i = 0; i < 12; i++) {
        const s = document.createElement("span");
        s.style.cssText = "position:absolute;white-space:nowrap;top:2px;left:" + (220 + i * 64) + "px";
        s.textContent = num.format(i * 250) + " ms";
        layer.appendChild(s);
    }
    document.getElementById("host").appendChild(layer);
    await window.__paint();
    return performance.now() - t0;
};
// Segments as Power BI's aggregation mode delivers them: every update holds all rows so far (a new array),
// metadata.segment while more remain, operationKind Append after the first. __prepare makes the data (the
// host's DataView rows, generated before the visual exists), __load drives the visual through it.
window.__prepare = (n, runLength) => {
    window.__all = window.__rows(n, runLength, 11);
    if (window.gc) window.gc();
};
window.__load = async () => {
    const all = window.__all, n = all.length;
    const host = window.__create();
    const objects = { dataLimits: { loadMore: true, maxRows: 1000000 } };
    let loaded = 0, last = 0, fetches = 0, done;
    const finished = new Promise((r) => { done = r; });
    const t0 = performance.now();
    const deliver = async () => {
        loaded = Math.min(n, loaded + ${WINDOW});
        const more = loaded < n;
        const ts = performance.now();
        window.__visual.update({ dataViews: [window.__view(all.slice(0, loaded), objects, more)], viewport: { width: ${WIDTH}, height: ${HEIGHT} }, type: 2, operationKind: loaded > ${WINDOW} ? 1 : 0 });
        await window.__paint();
        last = performance.now() - ts;
        if (!more) done();
    };
    host.fetchMoreData = () => { fetches++; if (loaded >= n) return false; setTimeout(deliver, 0); return true; };
    await deliver();
    await finished;
    const whole = performance.now() - t0;
    const view = document.querySelector(".padlens-root").dataset.view;
    // Non-data updates on the full table: a resize (same DataView), then a colour change (new DataView object, same rows).
    const full = window.__view(all, objects, false);
    const fetchesBefore = fetches;
    let ts = performance.now();
    window.__visual.update({ dataViews: [full], viewport: { width: ${WIDTH - 100}, height: ${HEIGHT - 50} }, type: 4 });
    await window.__paint();
    const resize = performance.now() - ts;
    const recolored = window.__view(all.slice(), { ...objects, colors: { heatHigh: { solid: { color: "#004b50" } } } }, false);
    ts = performance.now();
    window.__visual.update({ dataViews: [recolored], viewport: { width: ${WIDTH - 100}, height: ${HEIGHT - 50} }, type: 2, operationKind: 0 });
    await window.__paint();
    const format = performance.now() - ts;
    if (window.gc) window.gc();
    return { last, whole, resize, format, view, refetchOnResize: fetches > fetchesBefore };
};
`;

interface SegmentResult {
    last: number; whole: number; peak: number; peakJs: number; dataHeap: number; retained: number; resize: number; format: number; view: string; refetchOnResize: boolean;
}

type Evaluate = (expr: string) => Promise<unknown>;
/** V8's heap and ArrayBuffer backing stores, in bytes. */
type HeapUsage = () => Promise<{ js: number; buffers: number }>;

/**
 * A segmented load with memory sampled from outside the page: V8's heap plus ArrayBuffer backing stores
 * (the visual's typed-array columns live there, invisible to performance.memory), every 50 ms while the
 * page is between tasks, so the peak includes garbage not yet collected, as the page's memory would.
 */
async function segmentedLoad(ev: Evaluate, heap: HeapUsage, n: number): Promise<SegmentResult> {
    await ev(`window.__prepare(${n}, 300)`);
    const data = await heap();
    const dataHeap = data.js + data.buffers;
    let peak = dataHeap, peakJs = data.js;
    let sampling = true;
    const sampler = (async () => {
        while (sampling) {
            const h = await heap();
            peak = Math.max(peak, h.js + h.buffers);
            peakJs = Math.max(peakJs, h.js);
            await new Promise((r) => setTimeout(r, 50));
        }
    })();
    const r = (await ev("window.__load()")) as Omit<SegmentResult, "peak" | "peakJs" | "dataHeap" | "retained">;
    sampling = false;
    await sampler;
    const end = await heap();
    // Backing stores are freed some time after a GC: this over- rather than under-states what is kept.
    return { ...r, peak, peakJs, dataHeap, retained: end.js + end.buffers - dataHeap };
}

async function withPage<T>(context: BrowserContext, pkg: PbivizContent, fakeHost: string, fn: (evaluate: Evaluate, heap: HeapUsage) => Promise<T>): Promise<T> {
    const page = await context.newPage();
    try {
        await page.setContent(`<!doctype html><html><head><style>${pkg.css}</style></head><body style="margin:0"><div id="host" style="position:relative;width:${WIDTH}px;height:${HEIGHT}px"></div></body></html>`);
        await page.addScriptTag({ content: fakeHost });
        await page.addScriptTag({ content: pkg.js });
        await page.addScriptTag({ content: `window.__guid = ${JSON.stringify(pkg.guid)};\n${harness}` });
        const cdp = await context.newCDPSession(page);
        const heap: HeapUsage = async () => {
            const u = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number; backingStorageSize?: number };
            return { js: u.usedSize, buffers: u.backingStorageSize ?? 0 };
        };
        return await fn((expr) => page.evaluate(expr), heap);
    } finally {
        await page.close();
    }
}

const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;
const ms = (x: number): string => (Number.isNaN(x) ? "NaN" : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);

/** Samples of each first paint (and of the floor) however few runs the other scenarios get. */
const FIRST_PAINT_SAMPLES = 9;

/** Measures one package; rows of [label, value] for bench/run.ts's table. */
async function benchPackage(context: BrowserContext, file: string, runs: number, fakeHost: string, tag: string): Promise<Array<[string, string]>> {
    const pkg = await readPbiviz(file);
    const floor: number[] = [], floorText: number[] = [], t1k: number[] = [], t30k: number[] = [], seg100k: number[] = [];
    const big: SegmentResult[] = [];
    const only = process.env.PADLENS_BENCH_VISUAL_ONLY;
    const want = (name: string): boolean => !only || only.split(",").includes(name);
    // First paints take a second a sample, and the floor's own median of 3 moved by 10 ms from run to run
    // (a third of the 30k target's margin): at least FIRST_PAINT_SAMPLES of each, floor and visual alternated.
    const firstPaints = Math.max(runs, FIRST_PAINT_SAMPLES);
    for (let i = 0; i < firstPaints; i++) {
        floor.push(await withPage(context, pkg, fakeHost, (ev) => ev("window.__floor()") as Promise<number>));
        if (want("1k")) t1k.push(await withPage(context, pkg, fakeHost, (ev) => ev("window.__once(1000, 1000)") as Promise<number>));
        if (want("30k")) {
            t30k.push(await withPage(context, pkg, fakeHost, (ev) => ev("window.__once(30000, 30000)") as Promise<number>));
            floorText.push(await withPage(context, pkg, fakeHost, (ev) => ev("window.__floorText()") as Promise<number>));
        }
        process.stderr.write(`bench visual ${tag}: first paints ${i + 1}/${firstPaints}: floor ${ms(floor[i])}, 30k ${ms(t30k[i] ?? NaN)}\n`);
    }
    for (let i = 0; i < runs; i++) {
        if (want("100k")) seg100k.push(await withPage(context, pkg, fakeHost, async (ev, heap) => (await segmentedLoad(ev, heap, 100_000)).whole));
        if (want("1M")) big.push(await withPage(context, pkg, fakeHost, (ev, heap) => segmentedLoad(ev, heap, 1_000_000)));
        process.stderr.write(`bench visual ${tag}: run ${i + 1}/${runs}: 1M last ${ms(big[i]?.last ?? NaN)}, whole ${ms(big[i]?.whole ?? NaN)}, resize ${ms(big[i]?.resize ?? NaN)}\n`);
    }
    const f = median(floor);
    const m30 = median(t30k);
    const ft = floorText.length ? median(floorText) : NaN;
    const pick = (k: keyof SegmentResult): number => median(big.map((b) => Number(b[k])));
    const label = (s: string): string => `visual${tag ? ` [${tag}]` : ""}: ${s}`;
    const rows: Array<[string, string]> = [
        [label(`bare canvas, 30,000 rects (floor, median of ${firstPaints}; first paints too)`), ms(f)],
        [label("1k-action timeline, first paint"), ms(median(t1k))],
        [label("30k-action timeline 1000x600, first paint"), `${ms(m30)} (${(m30 / f).toFixed(2)}x floor)`],
        [label("floor + first Intl formats, 40 canvas and 12 DOM labels"), Number.isNaN(ft) ? "NaN" : `${ms(ft)} (30k first paint: ${(m30 / ft).toFixed(2)}x this)`],
        [label("100k rows in 4 segments, whole load"), ms(median(seg100k))],
        [label(`1M rows in 34 segments (${big[0]?.view ?? ""}), last segment to paint`), ms(pick("last"))],
        [label("1M rows in 34 segments, whole load"), ms(pick("whole"))],
        [label("1M rows, peak JS heap (the DataView alone)"), `${mb(pick("peakJs"))} (${mb(pick("dataHeap"))})`],
        [label("1M rows, peak JS heap + array buffers"), mb(pick("peak"))],
        [label("1M rows, kept after the load and a GC, over the DataView"), mb(pick("retained"))],
        [label("1M rows, resize"), `${ms(pick("resize"))}${big.some((b) => b.refetchOnResize) ? " (asked for more data!)" : ""}`],
        [label("1M rows, colour change in the format pane"), ms(pick("format"))],
    ];
    // Scenarios left out by PADLENS_BENCH_VISUAL_ONLY have no samples: leave their lines out.
    return rows.filter(([, v]) => !v.startsWith("NaN"));
}

export async function benchVisual(runs: number, extraPackages: string[] = []): Promise<Array<[string, string]>> {
    const root = process.cwd();
    const built = builtPackage(root);
    if (!built) return [["visual", "no dist/*.pbiviz: run `npm run package` first"]];
    const fakeHost = readFileSync(path.join(root, "demo", "preview", "fake-host.js"), "utf8");
    const userDataDir = mkdtempSync(path.join(os.tmpdir(), "padlens-bench-chromium-"));
    const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_ARGS, "--js-flags=--expose-gc --max-old-space-size=4096"],
        viewport: { width: WIDTH, height: HEIGHT },
        deviceScaleFactor: 1,
    });
    try {
        const rows: Array<[string, string]> = [];
        for (const [file, tag] of [...extraPackages.map((p) => [p, path.basename(p, ".pbiviz")]), [built, extraPackages.length ? "dist" : ""]]) {
            rows.push(...(await benchPackage(context, file, runs, fakeHost, tag)));
        }
        return rows;
    } finally {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
    }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
    const runs = Number(process.env.PADLENS_BENCH_RUNS ?? 3);
    const rows = await benchVisual(runs, process.argv.slice(2));
    const width = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")}\n`);
}
