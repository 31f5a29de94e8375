import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTILE_RUNS, startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { pullAll } from "../../../pipeline/pull/pull.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { caDir, configJson, makeConfig, makeDataset, type EnvSpec } from "./fixture.js";

/**
 * A server that lists flowsessions whose ids are paths and URL pieces (simulator `hostileIds`), pulled
 * by the real CLI. Before the fix such an id wrote a server-chosen file outside --out, deleted files
 * outside it (a run without logs removes its old log files) and sent the token to a `..` URL.
 */
const SPECS: EnvSpec[] = [{ name: "alpha", runs: 40, logVersion: 2 }];
const MAIN = path.resolve("lib", "pipeline", "cli", "main.js");
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sim: SimulatorHandle;
let parent: string;
let out: string;
let config: string;
let goodIds: string[];

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** Every file under `dir` but inside `skip`, with a hash of its content. */
async function tree(dir: string, skip: string): Promise<Record<string, string>> {
    const files: Record<string, string> = {};
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
        const file = path.join(e.parentPath, e.name);
        if (!e.isFile() || !path.relative(skip, file).startsWith("..")) continue;
        files[path.relative(dir, file)] = createHash("sha256").update(await readFile(file)).digest("hex");
    }
    return files;
}

/** Where the unguarded pull put a run's files: `<out>/raw/<env>/<kind>/<id[0..2]>/<id><ext>`, id lowercased. */
const oldPaths = (served: string): string[] => {
    const id = served.toLowerCase();
    return [["runs", ".json"], ["v1", ".gz"], ["v2", ".jsonl.gz"]].map(([kind, ext]) => path.join(out, "raw", "alpha", kind, id.slice(0, 2), `${id}${ext}`));
};

beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset: makeDataset(SPECS), hostileIds: true });
    parent = await mkdtemp(path.join(os.tmpdir(), "padlens-hostile-"));
    // Deep enough that the `../../../../` ids land inside `parent`, where this test can see them.
    out = path.join(parent, "a", "b", "out");
    config = path.join(parent, "padlens.config.json");
    await writeFile(config, JSON.stringify(configJson(sim, out), null, 2));
    goodIds = sim.dataset.environments[0].flowsessions.map((r) => String(r.flowsessionid)).sort();
}, 120_000);

afterAll(async () => {
    await sim?.close();
    await rm(parent, { recursive: true, force: true });
});

describe("padlens pull against a server that sends hostile run ids", () => {
    it("stores every good run, skips and names the hostile ones, touches nothing outside --out, requests none of them (exit 3)", async () => {
        // Sentinels exactly where the unguarded store would have written (runs with logs) or deleted (runs without).
        const sentinels = HOSTILE_RUNS.flatMap((h) => (typeof h.id === "string" ? oldPaths(h.id) : [])).filter((f) => path.relative(out, f).startsWith(".."));
        expect(sentinels.filter((f) => !path.relative(parent, f).startsWith("..")).length).toBeGreaterThanOrEqual(6);
        for (const f of sentinels.filter((s) => !path.relative(parent, s).startsWith(".."))) {
            await mkdir(path.dirname(f), { recursive: true });
            // Valid JSON, so an unguarded pull reads it as a stored run and goes on to overwrite or delete.
            await writeFile(f, JSON.stringify({ sentinel: path.basename(f), row: {} }));
        }
        const before = await tree(parent, out);

        sim.resetCounters();
        const r = await cli(["pull", "--config", config, "--no-build"]);

        expect(await tree(parent, out)).toEqual(before);
        // Only the Web API resources the pull reads, and run keys only of real runs.
        const apiRequests = sim.requestLog.filter((q) => q.kind !== "token" && q.kind !== "openid");
        expect(apiRequests.length).toBeGreaterThan(40);
        for (const q of apiRequests) {
            const m = /^\/alpha\/api\/data\/v9\.2\/(?:organizations|workflows|flowmachines|flowmachinegroups|flowsessions|flowsessions\(([^)]*)\)\/(?:additionalcontext\/\$value|flowsession_flowlog_parentobjectid))$/.exec(q.path);
            expect(m, q.path).not.toBeNull();
            if (m?.[1] !== undefined) expect(goodIds).toContain(m[1]);
        }
        for (const h of HOSTILE_RUNS) if (h.id) expect(apiRequests.filter((q) => q.path.includes(h.id!))).toEqual([]);

        // Every good run is stored, and the store holds nothing but GUID-named files in its layout.
        const store = new RawStore(out);
        expect(await store.listRunIds("alpha")).toEqual(goodIds);
        for (const e of await readdir(path.join(out, "raw"), { recursive: true, withFileTypes: true })) {
            if (!e.isFile()) continue;
            const rel = path.relative(path.join(out, "raw"), path.join(e.parentPath, e.name)).split(path.sep).join("/");
            const m = /^alpha\/(?:state\.json|retention\/deleted\.json|snapshot\/[a-z]+\.json|packs\/(?:packs\.json|\d{4}-\d{2}-[0-9a-f]{16}\.zip)|(?:runs|v1|v2)\/([0-9a-f]{2})\/(.+?)\.(?:json|gz|jsonl\.gz))$/.exec(rel);
            expect(m, rel).not.toBeNull();
            if (m?.[2] !== undefined) expect(m[2].startsWith(m[1]) && GUID.test(m[2]), rel).toBe(true);
        }
        // The last listed row is hostile: the watermark still moved past it (a later pull does not stall on it).
        const rows = sim.dataset.environments[0].flowsessions.map((s) => String(s.modifiedon)).sort();
        expect((await store.readState("alpha")).watermark! > rows.at(-1)!).toBe(true);

        expect(r.code, r.stdout + r.stderr).toBe(3);
        const line = r.stdout.split("\n").find((l) => l.startsWith("warning: alpha: 13 runs skipped (not stored, logs not requested): "));
        expect(line, r.stdout).toBeDefined();
        for (const id of ["'../../../../outside/PWNED'", "'../../../../outside/WITHLOGS'", "'..\\\\..\\\\..\\\\..\\\\outside\\\\evil'", "'abc/../../x'", "'/tmp/padlens-hostile/PWNED'",
            "'%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2foutside%2fENCODED'", "'3f2504e0-4f89-11d3-9a0c-0305e82c3301?$select=name'", "'null'", "''"]) {
            expect(line).toContain(`invalid flowsessionid ${id} (not a GUID)`);
        }
        // A hostile id cannot forge summary lines or send terminal escapes.
        expect(r.stdout).not.toMatch(/^failed: forged line/m);
        expect(r.stdout).not.toContain("\u001b");
    });

    it("stores the good runs exactly as a pull from a clean server does; a second pull re-reports only re-listed bad rows", async () => {
        const second = await cli(["pull", "--config", config, "--no-build", "--json"]);
        expect(second.code, second.stderr).toBe(3);
        const summary = JSON.parse(second.stdout) as { environments: Array<{ ok: boolean; runsFetched: number; runsSkipped: number; skipped: Array<{ id: string; reason: string }> }> };
        const env = summary.environments[0];
        expect([env.ok, env.runsFetched]).toEqual([true, 0]);
        // The overlap (15 min) re-lists the last hostile row, nothing older.
        expect(env.runsSkipped).toBeGreaterThanOrEqual(1);
        expect(env.runsSkipped).toBeLessThan(HOSTILE_RUNS.length);
        expect(env.skipped.map((s) => s.id)).toContain("'null'");

        sim.setHostileIds(false);
        try {
            const cleanOut = path.join(parent, "clean");
            expect((await pullAll(makeConfig(sim, cleanOut))).ok).toBe(true);
            const [hostile, clean] = [new RawStore(out), new RawStore(cleanOut)];
            for (const id of goodIds) {
                const [a, b] = await Promise.all([hostile.readRun("alpha", id), clean.readRun("alpha", id)]);
                expect({ ...a!.fetch, fetchedAt: 0 }).toEqual({ ...b!.fetch, fetchedAt: 0 });
                expect(a!.row).toEqual(b!.row);
                expect(await hostile.readV1("alpha", id)).toEqual(await clean.readV1("alpha", id));
                expect(await hostile.readV2("alpha", id)).toEqual(await clean.readV2("alpha", id));
            }
        } finally {
            sim.setHostileIds(true);
        }
    });
});
