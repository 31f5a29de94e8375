import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { findBottlenecks, type Bottleneck } from "../pipeline/serve/bottlenecks.js";
import { parquetTable } from "../pipeline/serve/parquet-source.js";
import type { SampleManifest } from "../simulator/sample/model.js";
import type { SimulatorHandle } from "../simulator/server/index.js";
import { projectRoot } from "./project-root.js";
import { writeReportProject } from "../report/scripts/write-project.js";
import { writeReportPreview } from "../report/scripts/report-preview.js";
import { readPbiviz } from "./preview/pbiviz-package.js";
import { renderPreviewHtml } from "./preview/page.js";
import { buildScenes } from "./preview/scenes.js";
import { takeScreenshots } from "./preview/screenshots.js";
import { Steps } from "./steps.js";
import { builtPackage, freshPackage } from "./visual-package.js";

export interface DemoOptions {
    /** Output folder (default demo-output/ in the project). */
    out: string;
    seed: number;
    days: number;
    /** Multiplies the sample's runs (1 = about 3,000 runs; the CI test uses less). */
    scale: number;
    /** Skip packaging when a .pbiviz newer than the visual's sources exists. */
    reusePackage: boolean;
    screenshots: boolean;
    quiet?: boolean;
}

export interface DemoResult {
    out: string;
    dataDir: string;
    pbiviz: string;
    previewHtml: string;
    screenshots: string[];
    /** Per preview scene, canvas pixels the visual painted (empty without Chromium). */
    paintedPixels: Record<string, number>;
    bottlenecks: Bottleneck[];
    /** The generator's truth about the data the simulator served. */
    manifest: SampleManifest;
    counts: { env: string; runsExpected: number; runsInParquet: number; actionsExpected: number; actionsInParquet: number }[];
    pullExitCode: number;
    /** The Power BI project written next to the Parquet, with the data path and the visual in. */
    reportProject: string;
    /** `padlens retention plan`'s closing line for runs older than 14 days before the sample's end. */
    retention: string;
}

const children = new Set<ChildProcess>();

/**
 * A child node process (killed with the demo on Ctrl-C). Its stdout is shown, hidden ("ignore") or read
 * ("capture"); its stderr always shows.
 */
function runNode(args: string[], env: NodeJS.ProcessEnv, cwd: string, stdout: "show" | "ignore" | "capture"): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", stdout === "show" ? "inherit" : stdout === "ignore" ? "ignore" : "pipe", "inherit"] });
        children.add(child);
        let out = "";
        child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
        child.once("error", reject);
        child.once("exit", (code, signal) => {
            children.delete(child);
            resolve({ code: code ?? (signal ? 128 : 1), stdout: out });
        });
    });
}

/**
 * The whole product on an embedded default: the simulator serves sample environments over HTTPS, the real
 * `padlens pull` (its own process, real msal-node, trusting the simulator's CA through NODE_EXTRA_CA_CERTS
 * as a user behind a TLS-inspecting proxy would) fetches and builds Parquet, the visual is packaged, and a
 * preview page renders it on the demo's own data.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
    const root = projectRoot();
    const out = path.resolve(options.out);
    const dataDir = path.join(out, "data");
    const previewDir = path.join(out, "preview");
    const quiet = options.quiet ?? false;
    const steps = new Steps(8);
    let sim: SimulatorHandle | undefined;
    const cleanup = async (): Promise<void> => {
        for (const child of children) child.kill("SIGTERM");
        await sim?.close();
        sim = undefined;
    };
    const onSignal = (): void => {
        process.stderr.write("\npadlens demo: interrupted, stopping the simulator and child processes\n");
        void cleanup().finally(() => process.exit(130));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
        // A fresh output every time: the demo shows a first pull, not an incremental one.
        await rm(out, { recursive: true, force: true });
        await mkdir(previewDir, { recursive: true });

        const started = await steps.run("Starting the Dataverse + Entra ID simulator", async () => {
            const { startSimulator } = await import("../simulator/server/index.js");
            sim = await startSimulator({
                seed: options.seed, days: options.days, scale: options.scale,
                caDir: path.join(out, "simulator-ca"), manifestFile: path.join(out, "manifest.json"),
            });
            const configFile = path.join(out, "padlens.config.json");
            await writeFile(configFile, JSON.stringify({
                out: dataDir,
                authorityHost: sim.authorityHost,
                environments: sim.environments.map((e) => ({ name: e.name, url: e.url, tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret })),
            }, null, 2));
            const manifest = JSON.parse(await readFile(sim.manifest, "utf8")) as SampleManifest;
            return { sim, configFile, manifest };
        }, (r) => `${r.sim.environments.length} environments at ${r.sim.baseUrl}, ${r.manifest.environments.reduce((n, e) => n + e.runs, 0).toLocaleString("en-US")} runs`);

        const pullExitCode = await steps.run("Pulling every environment with `padlens pull` (then building Parquet)", async () => {
            steps.pause();
            const { code } = await runNode([path.join(root, "lib", "pipeline", "cli", "main.js"), "pull", "--config", started.configFile, ...(quiet ? ["--quiet"] : [])],
                { ...process.env, NODE_EXTRA_CA_CERTS: started.sim.caFile }, out, "show");
            // 3 = partial: the sample plants malformed logs on purpose; they are quarantined, not lost.
            if (code !== 0 && code !== 3) throw new Error(`padlens pull exited with ${code}`);
            return code;
        }, (code) => (code === 3 ? "exit 3: some logs quarantined, as planted" : "exit 0"));
        // Read-only, in its own process (it talks to the simulator over HTTPS, like the pull). "Older than 14
        // days" is measured from the end of the sample, not from today, or every sample run would qualify.
        const retention = await steps.run("Planning a retention purge of runs older than 14 days (read-only)", async () => {
            const cutoff = new Date(Date.parse(started.manifest.options.endDate) - 14 * 86_400_000).toISOString();
            const r = await runNode([path.join(root, "lib", "pipeline", "cli", "main.js"), "retention", "plan", "--older-than", cutoff, "--config", started.configFile, "--json", "--quiet"],
                { ...process.env, NODE_EXTRA_CA_CERTS: started.sim.caFile }, out, "capture");
            const parsed = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { data?: { summary?: string }; summary?: string; error?: string };
            const summary = parsed.data?.summary ?? parsed.summary;
            if (r.code !== 0 || !summary) throw new Error(`padlens retention plan exited ${r.code}: ${parsed.error ?? r.stdout.slice(0, 300)}`);
            return summary;
        }, (line) => (/would delete ([\d,]+ runs?)/.exec(line)?.[1] ?? "planned") + " purgeable, all verified in the archive");
        await sim?.close();
        sim = undefined;

        const pbiviz = await steps.run("Packaging the Power BI visual", async () => {
            const existing = options.reusePackage ? freshPackage(root) : undefined;
            if (existing) return existing;
            const { code } = await runNode([path.join(root, "scripts", "package-visual.mjs")], process.env, root, "ignore");
            const built = builtPackage(root);
            if (code !== 0 || !built) throw new Error(`packaging the visual failed (exit ${code}); run \`npm run package\` to see why`);
            return built;
        }, (p) => path.relative(root, p));

        const instance = await DuckDBInstance.create(":memory:", { threads: "2", memory_limit: "2GB" });
        const con = await instance.connect();
        try {
            const counts = await steps.run("Checking the Parquet tables against the generator's manifest", async () => {
                const reader = await con.runAndReadAll(`
                    SELECT r.env, count(*) AS runs, sum(r.action_count) AS actions FROM ${parquetTable(dataDir, "runs")} r GROUP BY r.env ORDER BY r.env`);
                const found = new Map(reader.getRowObjectsJS().map((r) => [String(r.env), { runs: Number(r.runs), actions: Number(r.actions) }]));
                return started.manifest.environments.map((e) => ({
                    env: e.name, runsExpected: e.runs, runsInParquet: found.get(e.name)?.runs ?? 0,
                    actionsExpected: e.actions, actionsInParquet: found.get(e.name)?.actions ?? 0,
                }));
            }, (c) => `${c.reduce((n, e) => n + e.runsInParquet, 0).toLocaleString("en-US")} runs, ${c.reduce((n, e) => n + e.actionsInParquet, 0).toLocaleString("en-US")} actions`);

            const bottlenecks = await steps.run("Finding bottlenecks in action_hourly", () => findBottlenecks(con, dataDir, { limit: 8 }), (b) => `${b.length} found`);

            const preview = await steps.run("Rendering the preview with the packaged visual", async () => {
                const focus = bottlenecks.map((b) => ({ env: b.env, flowName: b.flowName, dimension: b.dimension }));
                const scenes = await buildScenes(con, dataDir, focus);
                const html = await renderPreviewHtml(await readPbiviz(pbiviz), scenes);
                const htmlFile = path.join(previewDir, "index.html");
                await writeFile(htmlFile, html);
                const shots = options.screenshots ? await takeScreenshots(htmlFile, scenes.map((s) => s.id), previewDir) : null;
                const blank = shots ? scenes.filter((s) => (shots.paintedPixels[s.id] ?? 0) < 500).map((s) => s.id) : [];
                if (shots && (shots.consoleErrors.length > 0 || shots.networkRequests.length > 0 || blank.length > 0)) {
                    throw new Error(`the preview page reported problems: ${[...shots.consoleErrors, ...shots.networkRequests.map((u) => `network request to ${u}`), ...blank.map((id) => `scene ${id} drew nothing`)].join("; ")}`);
                }
                return { htmlFile, screenshots: shots?.files ?? [], paintedPixels: shots?.paintedPixels ?? {}, chromium: shots !== null };
            }, (p) => (p.chromium ? `${p.screenshots.length} PNGs` : "no Chromium at /usr/bin/chromium: HTML only"));

            const report = await steps.run("Writing the Power BI project and rendering each page's visual", async () => {
                const project = await writeReportProject(path.join(out, "report"), dataDir, pbiviz);
                const pages = await writeReportPreview(con, dataDir, pbiviz, previewDir, { screenshots: options.screenshots });
                if (pages.problems.length > 0) throw new Error(`the report page previews reported problems: ${pages.problems.join("; ")}`);
                return { project, pages };
            }, (r) => `${path.relative(root, r.project.pbip)}, ${r.pages.screenshots.length} PNGs`);


            return {
                out, dataDir, pbiviz, previewHtml: preview.htmlFile, bottlenecks, counts, pullExitCode, manifest: started.manifest, retention,
                screenshots: [...preview.screenshots, ...report.pages.screenshots],
                paintedPixels: { ...preview.paintedPixels, ...report.pages.paintedPixels },
                reportProject: report.project.pbip,
            };
        } finally {
            con.closeSync();
            instance.closeSync();
        }
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await cleanup();
    }
}

const ms = (v: number): string => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v).toLocaleString("en-US")} ms`);

/** The closing summary: what was checked, the top bottlenecks, and where the files are. */
export function formatDemoSummary(result: DemoResult, root: string): string {
    const rel = (p: string): string => path.relative(root, p) || ".";
    const lines: string[] = [""];
    lines.push("Parquet vs generator:");
    for (const c of result.counts) {
        const ok = c.runsExpected === c.runsInParquet && c.actionsExpected === c.actionsInParquet;
        lines.push(`  ${ok ? "ok  " : "DIFF"} ${c.env.padEnd(16)} runs ${c.runsInParquet}/${c.runsExpected}  actions ${c.actionsInParquet}/${c.actionsExpected}`);
    }
    lines.push("", "Top bottlenecks (typical duration where slow vs the same action elsewhere):");
    const header = ["env", "flow", "action", "where", "slow", "normal", "x"];
    const table = result.bottlenecks.map((b) => [b.env, b.flowName, `${b.subflow} / ${b.systemActionName ? `${b.systemActionName} (${b.actionName})` : b.actionName}`, b.dimension === "machine" ? `machine ${b.where}` : `${b.where} h UTC`, ms(b.typicalMs), ms(b.baselineMs), b.slowdown.toFixed(1)]);
    const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...table.map((r) => r[i].length))));
    const fmt = (r: string[]): string => `  ${r.map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i]))).join("  ")}`;
    lines.push(fmt(header), ...table.map(fmt));
    lines.push("", result.retention);
    lines.push("", "Files:");
    lines.push(`  Parquet tables   ${rel(result.dataDir)}/`);
    lines.push(`  Power BI visual  ${rel(result.pbiviz)}`);
    lines.push(`  Preview          ${rel(result.previewHtml)}`);
    lines.push(`  Power BI project ${rel(result.reportProject)}`);
    for (const s of result.screenshots) lines.push(`  Screenshot       ${rel(s)}`);
    return lines.join("\n");
}
