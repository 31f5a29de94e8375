import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../simulator/server/index.js";
import { caDir, configJson, makeDataset } from "../pipeline/pull/fixture.js";
import { cli, onlyJson } from "./helpers.js";
import { npm, startLockfileRegistry } from "./local-registry.js";

const ROOT = path.resolve(".");
const PKG = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };

let tmp: string;
let tarball: string;
let files: string[];
let prefix: string;
let installed: string[];
let sim: SimulatorHandle;

beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-package-"));
    // Scripts off: test/setup compiled lib/ and packaged dist/ already (`npm pack` alone would clean and rebuild lib/, under other tests' feet).
    const pack = await npm(["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], ROOT);
    expect(pack.status, pack.stderr).toBe(0);
    const report = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(tmp, report[0].filename);
    files = report[0].files.map((f) => f.path);
    prefix = path.join(tmp, "prefix");
    await mkdir(prefix);
    // Nothing from the internet: the dependencies come out of the npm cache `npm ci` filled, through a
    // registry on localhost that knows only package-lock.json (see local-registry.ts for why not --offline).
    // A fresh cache folder, so this install neither reads nor writes the user's cached metadata.
    const npmCache = (await npm(["config", "get", "cache"], ROOT)).stdout.trim();
    const registry = await startLockfileRegistry(ROOT, npmCache);
    try {
        const env = { ...process.env, npm_config_registry: registry.url, npm_config_cache: path.join(tmp, "npm-cache"), npm_config_noproxy: "127.0.0.1,localhost", NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost" };
        const install = await npm(["install", "-g", "--prefix", prefix, tarball, "--no-audit", "--no-fund", "--no-update-notifier"], tmp, env);
        expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
        // TypeScript must not be needed: `prepare` (tsc) runs for a git checkout, never for a tarball.
        expect(registry.requested.filter((r) => /typescript|vitest|powerbi|d3/.test(r))).toEqual([]);
    } finally {
        await registry.close();
    }
    installed = process.platform === "win32" ? [path.join(prefix, "padlens.cmd")] : [path.join(prefix, "bin", "padlens")];
    sim = await startSimulator({ caDir: caDir(), dataset: makeDataset([{ name: "installed-from-tarball", runs: 12, logVersion: 2 }]) });
}, 300_000);

afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

describe("npm pack / npm install -g padlens-<version>.tgz", () => {
    it("packs padlens-<version>.tgz holding only the CLI, the simulator, docs, the report kit and the packaged visual", () => {
        expect(path.basename(tarball)).toBe(`padlens-${PKG.version}.tgz`);
        const outside = files.filter((f) => !/^(lib\/(pipeline|simulator)\/.*\.js|docs\/.*|report\/.*|dist\/[^/]+\.pbiviz|README\.md|LICENSE|package\.json)$/.test(f));
        expect(outside).toEqual([]);
        expect(files).toContain("lib/pipeline/cli/main.js");
        expect(files).toContain("docs/schemas/padlens.config.schema.json");
        expect(files).toContain("docs/schemas/padlens-output.schema.json");
        expect(files.some((f) => /^dist\/.+\.pbiviz$/.test(f))).toBe(true);
        expect(files.some((f) => f.startsWith("lib/demo/") || f.startsWith("lib/bench/") || f.endsWith(".map"))).toBe(false);
    });

    it("declares only what the CLI runs on as dependencies: the visual's libraries and all tooling are devDependencies", () => {
        for (const dev of ["d3", "powerbi-visuals-api", "powerbi-visuals-utils-formattingmodel", "typescript", "vitest", "powerbi-visuals-tools"]) {
            expect(PKG.dependencies[dev], dev).toBeUndefined();
            expect(PKG.devDependencies[dev], dev).toBeDefined();
        }
        expect(PKG.dependencies["p-retry"]).toBeUndefined();
        const packageDir = path.join(prefix, process.platform === "win32" ? "" : "lib", "node_modules", "padlens");
        const nested = existsSync(path.join(packageDir, "node_modules")) ? readdirSync(path.join(packageDir, "node_modules")) : [];
        for (const absent of ["d3", "typescript", "powerbi-visuals-api", "vitest", "p-retry"]) expect(nested, absent).not.toContain(absent);
    });

    it("the installed command prints its version, writes a config whose $schema is inside the installed package, and pulls from the simulator", async () => {
        const version = await cli(["--version"], { command: installed });
        expect(version.code, version.stderr).toBe(0);
        expect(version.stdout.trim()).toBe(PKG.version);

        const work = path.join(tmp, "work");
        await mkdir(work);
        const init = await cli(["init"], { command: installed, cwd: work });
        expect(init.code, init.stderr).toBe(0);
        const written = JSON.parse(await readFile(path.join(work, "padlens.config.json"), "utf8")) as { $schema: string };
        const schemaFile = fileURLToPath(written.$schema);
        expect(schemaFile.startsWith(prefix)).toBe(true);
        expect(existsSync(schemaFile)).toBe(true);

        await writeFile(path.join(work, "padlens.config.json"), JSON.stringify({ $schema: written.$schema, ...configJson(sim, "data") }));
        const pull = await cli(["pull", "--json"], { command: installed, cwd: work });
        expect(pull.code, pull.stderr).toBe(0);
        expect(onlyJson(pull)).toMatchObject({ status: "ok", command: "pull", version: PKG.version, build: { status: "ok", summary: { runs: 12 } } });
        expect(readdirSync(path.join(work, "data")).sort()).toEqual(expect.arrayContaining(["raw", "runs", "actions", "_lake"]));

        // The demo packages the visual from its sources: the installed package says so instead of failing with a stack.
        const demo = await cli(["demo"], { command: installed, cwd: work });
        expect(demo.code).toBe(2);
        expect(demo.stderr).toContain("padlens: demo: needs a repository checkout");
    });
});
