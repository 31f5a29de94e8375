import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configJsonSchema, KEY_DOCS, schemaKeyPaths } from "../../pipeline/config/schema.js";
import { startSimulator, type SimulatorHandle } from "../../simulator/server/index.js";
import { caDir, configJson, makeDataset } from "../pipeline/pull/fixture.js";
import { cli, onlyJson } from "./helpers.js";

const SHIPPED = path.resolve("docs", "schemas", "padlens.config.schema.json");
let tmp: string;

beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-config-help-"));
});
afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
});

describe("the config's JSON Schema", () => {
    it("shipped in docs/schemas is generated from pipeline/config/schema.ts, and every key says what it means", () => {
        const expected = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
        // After changing schema.ts: PADLENS_UPDATE_SCHEMAS=1 npx vitest run test/cli/config-help.test.ts
        if (process.env.PADLENS_UPDATE_SCHEMAS === "1") writeFileSync(SHIPPED, expected);
        expect(readFileSync(SHIPPED, "utf8"), "docs/schemas/padlens.config.schema.json is stale: regenerate it (see the comment above)").toBe(expected);
        expect(schemaKeyPaths().filter((p) => !KEY_DOCS[p]), "keys without a description in KEY_DOCS").toEqual([]);
    });

    it("padlens init writes $schema pointing at the shipped schema, which accepts the example and catches mistakes an editor would underline", async () => {
        const file = path.join(tmp, "padlens.config.json");
        const r = await cli(["init", "--config", file]);
        expect(r.code, r.stderr).toBe(0);
        const written = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown> & { environments: Array<Record<string, unknown>> };
        expect(written.$schema).toMatch(/^file:\/\//);
        const schemaFile = fileURLToPath(String(written.$schema));
        expect(path.resolve(schemaFile)).toBe(SHIPPED);
        expect(r.stdout).toContain(`its "$schema" is ${String(written.$schema)}`);

        const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(schemaFile, "utf8")) as object);
        expect(validate(written), JSON.stringify(validate.errors)).toBe(true);
        const wrong = { ...written, concurrency: 99, logfile: "typo.log", environments: [{ ...written.environments[0], clientSecret: 42 }] };
        expect(validate(wrong)).toBe(false);
        expect(validate.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual(expect.arrayContaining([
            "/concurrency must be <= 52", " must NOT have additional properties", "/environments/0/clientSecret must be string",
        ]));
    });
});

describe("padlens doctor on a broken config", () => {
    it("lists every problem at once, environments by name, and exits 2", async () => {
        const file = path.join(tmp, "broken.json");
        const env = (over: Record<string, unknown>): Record<string, unknown> => ({ url: "https://contoso.crm4.dynamics.com", tenantId: "t", clientId: "c", clientSecret: "env:PADLENS_TEST_UNSET_SECRET", ...over });
        await writeFile(file, JSON.stringify({
            concurrency: 99,
            bogus: true,
            environments: [
                env({ name: "prod" }),
                env({ name: "emea-operations-production", clientSecret: undefined, certificate: { path: "x.pem", thumbprint: "not-hex" } }),
                env({ name: "test", timeZone: "Mars/Olympus", clientSecret: "inline-is-fine" }),
                { name: "Bad Name", url: "http://nope" },
            ],
        }));
        const r = await cli(["doctor", "--config", file], { env: { PADLENS_TEST_UNSET_SECRET: undefined } });
        expect(r.code, r.stderr).toBe(2);
        const fix = r.stdout.split("\n").filter((l) => l.startsWith("FIX  "));
        expect(fix).toEqual(expect.arrayContaining([
            "FIX  config: bogus: unknown key",
            "FIX  config: concurrency: must be <= 52",
            "FIX  prod: config: clientSecret: environment variable PADLENS_TEST_UNSET_SECRET is not set",
            "FIX  emea-operations-production: config: certificate.thumbprint: must be the certificate's hex SHA-1 or SHA-256 thumbprint",
            "FIX  test: config: timeZone: \"Mars/Olympus\" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)",
            "FIX  environments[3]: config: name: must be a short lowercase slug (a-z, 0-9, - or _)",
            "FIX  environments[3]: config: tenantId: is required",
        ]));
        expect(r.stdout).toContain(`${fix.length} config problem(s) in ${file}: fix them, then run \`padlens doctor\` again`);

        const j = onlyJson(await cli(["doctor", "--config", file, "--json"], { env: { PADLENS_TEST_UNSET_SECRET: undefined } }));
        expect(j).toMatchObject({ status: "usage", command: "doctor", ok: false, error: `config: ${fix.length} problem(s) in ${file}` });
        expect(j.problems).toHaveLength(fix.length);
    });
});

describe("padlens doctor on log settings", () => {
    let sim: SimulatorHandle;
    beforeAll(async () => {
        sim = await startSimulator({
            caDir: caDir(),
            dataset: makeDataset([
                { name: "onfailure", runs: 4, logVersion: 0, logStatus: 1 },
                { name: "disabled", runs: 4, logVersion: 0, logStatus: 2 },
                { name: "enabled", runs: 4, logVersion: 0, logStatus: 0 },
            ]),
        });
    });
    afterAll(async () => {
        await sim?.close();
    });

    it("warns about 'on failure only' and 'disabled' logging with what it means for the dashboards, without failing", async () => {
        const file = path.join(tmp, "logs.json");
        await writeFile(file, JSON.stringify(configJson(sim, path.join(tmp, "logs-out"), { scheduleMinutes: 10 })));
        const r = await cli(["doctor", "--config", file]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        const line = (env: string): string => r.stdout.split("\n").find((l) => l.includes(`${env}: log settings:`)) ?? "";
        expect(line("onfailure")).toMatch(/^WARN onfailure: log settings: action logs OnFailure .*: only failed runs keep an action log, so the dashboards' action timelines, durations, heatmaps and bottlenecks cover failed runs only/);
        expect(line("disabled")).toMatch(/^WARN disabled: log settings: action logs Disabled.*: no run keeps an action log: .*the actions table, timelines, heatmaps and bottlenecks stay empty/);
        expect(line("disabled")).toContain("Settings > Features > Desktop flow run action logs: Enabled");
        expect(line("enabled")).toMatch(/^ok {3}enabled: log settings: action logs Enabled/);
        expect(r.stdout).toContain("everything looks right");
        expect(existsSync(path.join(tmp, "logs-out"))).toBe(false);
    });
});
