import JSZip from "jszip";
import { readFile } from "node:fs/promises";

export interface PbivizContent {
    guid: string;
    js: string;
    css: string;
}

/** Reads the visual's JS and CSS out of a built .pbiviz (a zip whose resources/<guid>.pbiviz.json holds them). */
export async function readPbiviz(file: string): Promise<PbivizContent> {
    const zip = await JSZip.loadAsync(await readFile(file));
    const entry = Object.values(zip.files).find((f) => /^resources\/.+\.pbiviz\.json$/.test(f.name));
    if (!entry) throw new Error(`${file}: no resources/<guid>.pbiviz.json inside; is it a .pbiviz?`);
    const pkg = JSON.parse(await entry.async("string")) as { visual: { guid: string }; content: { js: string; css: string } };
    return { guid: pkg.visual.guid, js: pkg.content.js, css: pkg.content.css };
}
