import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caDir } from "./helpers.js";

// The CLI serves generated data: these tests need the sample generator (simulator/sample/index.ts).
const haveGenerator = existsSync(path.resolve("simulator", "sample", "index.ts"));
const outDir = path.resolve("test-output", "simulator-cli");
const cli = path.resolve("lib", "pipeline", "cli", "main.js");

// The CLI under test is the compiled one, as users run it (test/setup/build-cli.ts compiles it once).

interface Announcement {
    authorityHost: string;
    caFile: string;
    environments: Array<{ name: string; url: string; tenantId: string; clientId: string }>;
    manifest: string;
}

describe.skipIf(!haveGenerator)("padlens simulate", () => {
    let child: ChildProcess;
    let announcement: Announcement;
    const configFile = path.join(outDir, "padlens.config.json");

    beforeAll(async () => {
        rmSync(outDir, { recursive: true, force: true });
        mkdirSync(outDir, { recursive: true });
        child = spawn(process.execPath, [
            cli, "simulate", "--port", "0", "--seed", "5", "--envs", "2", "--days", "2", "--scale", "0.2",
            "--ca-dir", caDir(), "--manifest", path.join(outDir, "manifest.json"), "--write-config", configFile,
        ], { stdio: ["ignore", "pipe", "inherit"] });
        const line = await new Promise<string>((resolve, reject) => {
            createInterface({ input: child.stdout! }).once("line", resolve);
            child.once("exit", (code) => reject(new Error(`simulate exited early with ${code}`)));
        });
        announcement = JSON.parse(line) as Announcement;
    });
    afterAll(() => {
        if (child.exitCode === null) child.kill("SIGKILL");
    });

    it("prints one JSON line with the authority, the CA file, environments and the manifest", () => {
        expect(Object.keys(announcement).sort()).toEqual(["authorityHost", "caFile", "environments", "manifest"]);
        expect(announcement.caFile).toBe(path.join(caDir(), "ca.crt"));
        expect(announcement.environments).toHaveLength(2);
        expect(announcement.environments[0].url).toMatch(/^https:\/\/localhost:\d+\/[^/]+$/);
        expect(JSON.stringify(announcement)).not.toMatch(/secret/i);
        expect(JSON.parse(readFileSync(announcement.manifest, "utf8")).environments).toHaveLength(2);
    });

    it("--write-config writes a config whose credentials list flow sessions page by page", async () => {
        const config = JSON.parse(readFileSync(configFile, "utf8")) as {
            out: string; authorityHost: string; environments: Array<{ name: string; url: string; tenantId: string; clientId: string; clientSecret: string }>;
        };
        expect(config.out).toBe("data");
        expect(config.authorityHost).toBe(announcement.authorityHost);
        const env = config.environments[0];
        const tokenRes = await fetch(`${config.authorityHost}/${env.tenantId}/oauth2/v2.0/token`, {
            method: "POST",
            body: new URLSearchParams({ grant_type: "client_credentials", client_id: env.clientId, client_secret: env.clientSecret, scope: `${env.url}/.default` }),
        });
        expect(tokenRes.status).toBe(200);
        const token = ((await tokenRes.json()) as { access_token: string }).access_token;
        let next: string | undefined = `${env.url}/api/data/v9.2/flowsessions?$select=flowsessionid&$orderby=modifiedon asc`;
        let pages = 0;
        let rows = 0;
        while (next && pages < 100) {
            const res = await fetch(next, { headers: { authorization: `Bearer ${token}`, prefer: "odata.maxpagesize=5" } });
            expect(res.status).toBe(200);
            const body = (await res.json()) as { value: unknown[]; "@odata.nextLink"?: string };
            rows += body.value.length;
            next = body["@odata.nextLink"];
            pages++;
        }
        expect(rows).toBeGreaterThan(5);
        expect(pages).toBe(Math.ceil(rows / 5));
        expect((await fetch(`${env.url}/api/data/v9.2/flowsessions`)).status).toBe(401);
    });

    it("stops cleanly on SIGTERM", async () => {
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        child.kill("SIGTERM");
        expect(await exited).toBe(0);
    });
});

describe("padlens simulate (usage)", () => {
    it("rejects an unknown fault profile with exit code 2", () => {
        let status = 0;
        let stderr = "";
        try {
            execFileSync(process.execPath, [cli, "simulate", "--faults", "nope"], { stdio: "pipe" });
        } catch (error) {
            status = (error as { status: number }).status;
            stderr = String((error as { stderr: Buffer }).stderr);
        }
        expect(status).toBe(2);
        expect(stderr).toMatch(/--faults must be one of none, flaky/);
    });
});
