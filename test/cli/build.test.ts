import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawStoreFromSample } from "../support/raw-store-from-sample.js";
import { syntheticSample } from "../pipeline/builder/synthetic-sample.js";
import { cli, onlyJson } from "./helpers.js";
import { queryParquet } from "../pipeline/builder/parquet-query.js";

let tmp: string;

beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-build-cli-"));
});
afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
});

describe("padlens build", () => {
    it("refuses a folder with no raw store (exit 2, says why and what to do) and writes nothing; --allow-empty succeeds with no tables", async () => {
        const mistyped = path.join(tmp, "dta");
        const r = await cli(["build", "--out", mistyped, "--config", path.join(tmp, "none.json")]);
        expect(r.code).toBe(2);
        expect(r.stderr.trim()).toBe(`padlens: build: no raw store in ${mistyped} (nothing under ${path.join(mistyped, "raw")}): check --out or the config's "out", or run \`padlens pull\` first; --allow-empty succeeds with no tables`);
        expect(existsSync(mistyped)).toBe(false);

        const empty = path.join(tmp, "empty");
        await mkdir(path.join(empty, "raw"), { recursive: true });
        expect((await cli(["build", "--out", empty, "--config", path.join(tmp, "none.json")])).code).toBe(2);
        const allowed = await cli(["build", "--out", empty, "--config", path.join(tmp, "none.json"), "--allow-empty", "--json"]);
        expect(allowed.code, allowed.stderr).toBe(0);
        expect(onlyJson(allowed)).toMatchObject({ status: "ok", runs: 0 });
        expect(readdirSync(empty).filter((f) => !f.startsWith(".")).sort()).toEqual(["raw"]);
    });

    it("needs no secrets: a config whose env:VAR secret is unset and whose certificate file does not exist still builds", async () => {
        const out = path.join(tmp, "data");
        await rawStoreFromSample(out, syntheticSample(6));
        const file = path.join(tmp, "padlens.config.json");
        const env = (name: string, credential: Record<string, unknown>): Record<string, unknown> => ({ name, url: `https://${name}.crm4.dynamics.com`, tenantId: "t", clientId: "c", timeZone: "Europe/Berlin", ...credential });
        await writeFile(file, JSON.stringify({
            out: "data",
            proxy: { url: "env:PADLENS_TEST_UNSET_PROXY" },
            environments: [env("env0", { clientSecret: "env:PADLENS_TEST_UNSET_SECRET" }), env("env1", { certificate: { path: "missing.pfx", password: "env:PADLENS_TEST_UNSET_PFX" } })],
        }));
        const r = await cli(["build", "--config", file, "--json"], { env: { PADLENS_TEST_UNSET_SECRET: undefined, PADLENS_TEST_UNSET_PFX: undefined, PADLENS_TEST_UNSET_PROXY: undefined } });
        expect([0, 3], r.stderr).toContain(r.code);
        expect(onlyJson(r)).toMatchObject({ command: "build", out, runs: 12 });

        // pull does need them, and says which.
        const pull = await cli(["pull", "--config", file], { env: { PADLENS_TEST_UNSET_SECRET: undefined, PADLENS_TEST_UNSET_PFX: undefined, PADLENS_TEST_UNSET_PROXY: undefined } });
        expect(pull.code).toBe(2);
        expect(pull.stderr).toMatch(/environment variable PADLENS_TEST_UNSET_\w+ is not set/);
    });

    it("--compression snappy writes Snappy Parquet for readers that reject ZSTD; anything else is a usage error", async () => {
        const out = path.join(tmp, "codec");
        await rawStoreFromSample(out, syntheticSample(4));
        const none = path.join(tmp, "none.json");
        const snappy = await cli(["build", "--out", out, "--config", none, "--compression", "snappy"]);
        expect([0, 3], snappy.stderr).toContain(snappy.code);
        const codecs = await queryParquet<{ c: string }>(`SELECT DISTINCT compression AS c FROM parquet_metadata('${out}/**/*.parquet')`);
        expect(codecs.map((x) => x.c)).toEqual(["SNAPPY"]);
        const bad = await cli(["build", "--out", out, "--config", none, "--compression", "lz4"]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain("--compression: 'lz4' is not zstd or snappy");
    });
});
