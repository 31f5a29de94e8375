import { mkdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../simulator/server/index.js";
import { caDir, configJson, makeDataset } from "../pipeline/pull/fixture.js";
import { cli, onlyJson } from "./helpers.js";

const VERSION = (JSON.parse(readFileSync(path.resolve("package.json"), "utf8")) as { version: string }).version;
const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

let sim: SimulatorHandle;
let tmp: string;

beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset: makeDataset([{ name: "alpha", runs: 30, logVersion: 2 }]) });
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-log-file-"));
});
afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

describe("padlens --version", () => {
    it("prints the package's version and exits 0", async () => {
        for (const flag of ["--version", "-V"]) {
            const r = await cli([flag]);
            expect(r.code).toBe(0);
            expect(r.stdout).toBe(`${VERSION}\n`);
        }
    });
});

describe("--log-file", () => {
    it("appends timestamped lines of what the terminal showed, one block per run, and never the secret", async () => {
        const secret = sim.environments[0].clientSecret;
        const file = path.join(tmp, "pull.json");
        await writeFile(file, JSON.stringify(configJson(sim, path.join(tmp, "out"), {}, { alpha: "env:PADLENS_TEST_LOG_SECRET" })));
        const log = path.join(tmp, "logs", "not-yet", "pull.log");
        const runs = [];
        for (let i = 0; i < 2; i++) runs.push(await cli(["pull", "--config", file, "--log-file", log], { env: { PADLENS_TEST_LOG_SECRET: secret } }));
        for (const r of runs) expect(r.code, r.stderr).toBe(0);

        const lines = (await readFile(log, "utf8")).split("\n").filter(Boolean);
        for (const l of lines) expect(l).toMatch(STAMP);
        const text = lines.map((l) => l.replace(STAMP, ""));
        expect(text.filter((l) => l.startsWith(`padlens ${VERSION} pull --config ${file} --log-file ${log} (pid `))).toHaveLength(2);
        expect(text.filter((l) => l === "exit 0 (ok)")).toHaveLength(2);
        // What the terminal showed: progress lines (stderr) and the summary (stdout), in order.
        expect(text.filter((l) => l.startsWith(`1/1 environments pulled into ${path.join(tmp, "out")} in `))).toHaveLength(2);
        const firstRun = text.slice(0, text.indexOf("exit 0 (ok)"));
        expect(firstRun.some((l) => /^alpha +snapshots signing in/.test(l))).toBe(true);
        expect(firstRun.some((l) => /^alpha +done +30\/30 runs \(30 fetched, 0 unchanged\)/.test(l)), firstRun.join("\n")).toBe(true);
        for (const r of runs) for (const shown of `${r.stdout}${r.stderr}`.split("\n").filter(Boolean)) expect(text).toContain(shown);
        expect(lines.join("\n")).not.toContain(secret);
    });

    it("the config's logFile gets a broken config's error too (the scheduled task's only witness), and an unwritable log is a usage error", async () => {
        const file = path.join(tmp, "cfg", "padlens.config.json");
        mkdirSync(path.dirname(file), { recursive: true });
        await writeFile(file, JSON.stringify({ ...configJson(sim, "out", {}, { alpha: "env:PADLENS_TEST_UNSET" }), logFile: "logs/padlens.log" }));
        const r = await cli(["pull", "--config", file], { env: { PADLENS_TEST_UNSET: undefined } });
        expect(r.code).toBe(2);
        const text = (await readFile(path.join(tmp, "cfg", "logs", "padlens.log"), "utf8")).split("\n").filter(Boolean).map((l) => l.replace(STAMP, ""));
        expect(text).toContain("padlens: config: environments[0].clientSecret: environment variable PADLENS_TEST_UNSET is not set");
        expect(text[text.length - 1]).toBe("exit 2 (usage)");

        const unwritable = await cli(["build", "--out", tmp, "--log-file", tmp, "--json"]);
        expect(unwritable.code).toBe(2);
        expect(onlyJson(unwritable)).toMatchObject({ status: "usage", error: expect.stringMatching(/^--log-file: cannot append to /) });
    });
});
