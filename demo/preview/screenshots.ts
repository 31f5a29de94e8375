import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** Debian's Chromium; the flags keep it off the network (docs/toolchain.md). */
export const CHROMIUM_PATH = process.env.PADLENS_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface ScreenshotResult {
    files: string[];
    /** Per scene, how many canvas pixels the visual painted (neither transparent nor white). */
    paintedPixels: Record<string, number>;
    consoleErrors: string[];
    networkRequests: string[];
}

/** Opens the preview page in headless Chromium and saves one PNG per scene (and one of the whole page). */
export async function takeScreenshots(htmlFile: string, sceneIds: string[], outDir: string): Promise<ScreenshotResult | null> {
    if (!existsSync(CHROMIUM_PATH)) return null;
    const { chromium } = await import("playwright-core");
    const userDataDir = await mkdtemp(path.join(os.tmpdir(), "padlens-chromium-"));
    const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    const networkRequests: string[] = [];
    try {
        const page = context.pages()[0] ?? (await context.newPage());
        page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
        page.on("pageerror", (e) => consoleErrors.push(e.message));
        page.on("request", (r) => { if (!/^(file|data|about|blob):/.test(r.url())) networkRequests.push(r.url()); });
        await page.goto(pathToFileURL(htmlFile).href);
        // A string, not a function: this module is compiled without the DOM types.
        await page.waitForFunction("window.padlensPreview && window.padlensPreview.done === true", undefined, { timeout: 60_000 });
        await page.waitForTimeout(300);
        // Counted in the page: a PNG of an empty canvas still has axes and labels, so file size proves nothing.
        const paintedPixels = (await page.evaluate(`(${countPaintedPixels.toString()})(${JSON.stringify(sceneIds)})`)) as Record<string, number>;
        const files: string[] = [];
        for (const id of sceneIds) {
            const file = path.join(outDir, `${id}.png`);
            await page.locator(`#scene-${id}`).screenshot({ path: file });
            files.push(file);
        }
        const full = path.join(outDir, "preview.png");
        await page.screenshot({ path: full, fullPage: true });
        files.push(full);
        return { files, paintedPixels, consoleErrors, networkRequests };
    } finally {
        await context.close();
        await rm(userDataDir, { recursive: true, force: true });
    }
}

/** Serialised into the page (hence plain JS types): painted pixels of every canvas under each scene. */
function countPaintedPixels(sceneIds: string[]): Record<string, number> {
    const result: Record<string, number> = {};
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ width: number; height: number; getContext(k: string): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null }> } }).document;
    for (const id of sceneIds) {
        let painted = 0;
        const canvases = doc.querySelectorAll(`#scene-${id} canvas`);
        for (let c = 0; c < canvases.length; c++) {
            const canvas = canvases[c];
            if (canvas.width === 0 || canvas.height === 0) continue;
            const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
            if (!data) continue;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i + 3] > 0 && !(data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) painted++;
            }
        }
        result[id] = painted;
    }
    return result;
}
