import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { parseConfig } from "../../../pipeline/config/config.js";
import { createTokenSource } from "../../../pipeline/extract/auth.js";
import { DataverseClient } from "../../../pipeline/extract/dataverse-client.js";
import { Network } from "../../../pipeline/extract/network.js";
import { pullAll } from "../../../pipeline/pull/pull.js";
import { caDir, configJson, makeDataset, type EnvSpec } from "../pull/fixture.js";
import { closedPort, startConnectProxy, type ConnectProxy } from "./connect-proxy.js";

// Behind a corporate proxy: HTTPS_PROXY/NO_PROXY or the config's "proxy" must carry both msal-node's
// token requests and the Web API requests through CONNECT tunnels, with Basic proxy authentication, and a
// refusing proxy must be named in the error instead of msal's endpoints_resolution_error link.

const SPECS: EnvSpec[] = [
    { name: "alpha", runs: 12, logVersion: 2 },
    { name: "beta", runs: 8, logVersion: 1 },
];
const VARS = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "PADLENS_TEST_PROXY_PASSWORD"];
const USER = "svc-padlens";
const PASSWORD = "Pr0xy-Pa55word-Test";

let sim: SimulatorHandle;
let tmp: string;
let simHost: string;
let outs = 0;
const saved: Record<string, string | undefined> = {};
const proxies: ConnectProxy[] = [];

beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset: makeDataset(SPECS) });
    simHost = new URL(sim.baseUrl).host;
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-proxy-"));
});

afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
    for (const v of VARS) {
        saved[v] = process.env[v];
        delete process.env[v];
    }
    sim.resetCounters();
});

afterEach(async () => {
    for (const v of VARS) {
        if (saved[v] === undefined) delete process.env[v];
        else process.env[v] = saved[v];
    }
    await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function proxy(auth?: { username: string; password: string }): Promise<ConnectProxy> {
    const p = await startConnectProxy(auth);
    proxies.push(p);
    return p;
}

const config = (extra: Record<string, unknown> = {}): ReturnType<typeof parseConfig> =>
    parseConfig(configJson(sim, path.join(tmp, `out-${++outs}`), extra), tmp);

describe("behind a CONNECT proxy", () => {
    it("HTTPS_PROXY carries msal-node's token requests: a token is issued through the proxy's tunnel", async () => {
        const p = await proxy();
        process.env.HTTPS_PROXY = p.url;
        const tokens = createTokenSource(config().environments[0], sim.authorityHost);
        expect(await tokens.getToken()).toMatch(/^eyJ/);
        expect(sim.counters().token).toBe(1);
        expect(p.tunnels.get(simHost)).toBeGreaterThan(0);
    });

    it("HTTPS_PROXY carries the Web API requests: the proxy opens the tunnels they travel in", async () => {
        const env = config().environments[0];
        // The token is fetched before the proxy is set, directly: every tunnel counted below is the Web API's.
        const token = await createTokenSource(env, sim.authorityHost).getToken();
        const p = await proxy();
        process.env.HTTPS_PROXY = p.url;
        const client = new DataverseClient({ env: env.name, url: env.url, tokens: { getToken: () => Promise.resolve(token) }, maxConcurrency: 4, pageSize: 5, requestTimeoutMs: 10_000 });
        const rows = await client.all("flowsessions?$select=flowsessionid", {}, "flowsessions");
        expect(rows).toHaveLength(12);
        expect(sim.counters().list).toBe(3);
        expect(p.tunnels.get(simHost)).toBeGreaterThan(0);
    });

    it("a whole pull through an authenticating proxy (lower-case https_proxy with user:password) fetches everything; the password is sent, never shown", async () => {
        const p = await proxy({ username: USER, password: PASSWORD });
        process.env.https_proxy = `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${p.port}`;
        const messages: string[] = [];
        const summary = await pullAll(config(), { onMessage: (m) => messages.push(m) });
        expect(summary.environments.map((e) => [e.env, e.error ?? "ok", e.runsFetched])).toEqual([["alpha", "ok", 12], ["beta", "ok", 8]]);
        expect(p.tunnels.get(simHost)).toBeGreaterThan(0);
        expect(p.refused).toBe(0);
        expect(new Set(p.authorizations)).toEqual(new Set([`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`]));
        expect(JSON.stringify({ summary, messages })).not.toContain(PASSWORD);
    });

    it("the config's proxy with its password as env:VAR wins over HTTPS_PROXY (here a dead port)", async () => {
        const p = await proxy({ username: USER, password: PASSWORD });
        process.env.HTTPS_PROXY = `http://127.0.0.1:${await closedPort()}`;
        process.env.PADLENS_TEST_PROXY_PASSWORD = PASSWORD;
        const summary = await pullAll(config({ proxy: { url: p.url, username: USER, password: "env:PADLENS_TEST_PROXY_PASSWORD" } }), { only: ["beta"] });
        expect(summary.environments.map((e) => [e.env, e.error ?? "ok", e.runsFetched])).toEqual([["beta", "ok", 8]]);
        expect(p.tunnels.get(simHost)).toBeGreaterThan(0);
    });

    it("NO_PROXY (or \"proxy\": false) sends requests direct although HTTPS_PROXY is set: the proxy sees no tunnel", async () => {
        const p = await proxy();
        process.env.HTTPS_PROXY = p.url;
        process.env.NO_PROXY = "example.com, localhost";
        const bypassed = await pullAll(config(), { only: ["beta"] });
        expect(bypassed.environments.map((e) => e.error ?? "ok")).toEqual(["ok"]);
        expect(p.tunnels.size).toBe(0);
        delete process.env.NO_PROXY;
        const off = await pullAll(config({ proxy: false }), { only: ["beta"] });
        expect(off.environments.map((e) => e.error ?? "ok")).toEqual(["ok"]);
        expect(p.tunnels.size).toBe(0);
    });

    it("a proxy that wants credentials (407) and gets none or wrong ones: the error names the proxy and says what to set", async () => {
        const p = await proxy({ username: USER, password: PASSWORD });
        process.env.HTTPS_PROXY = p.url;
        const none = await pullAll(config(), { only: ["alpha"] });
        expect(none.environments[0].error).toBe(
            `alpha: sign-in failed: proxy http://127.0.0.1:${p.port} (from HTTPS_PROXY) refused the tunnel to ${simHost}: 407 Proxy Authentication Required — ` +
            'give a user and password: http://user:password@proxy:port in HTTPS_PROXY, or "proxy": {"url", "username", "password": "env:VAR"} in the config');
        process.env.HTTPS_PROXY = `http://${USER}:wrong-Pa55word@127.0.0.1:${p.port}`;
        const wrong = await pullAll(config(), { only: ["alpha"] });
        expect(wrong.environments[0].error).toBe(
            `alpha: sign-in failed: proxy http://127.0.0.1:${p.port} (with credentials) (from HTTPS_PROXY) refused the tunnel to ${simHost}: 407 Proxy Authentication Required — ` +
            'the proxy did not accept the user and password given (Basic); a proxy that only takes NTLM/Kerberos needs a local relay (docs/pull.md, "Behind a proxy")');
        expect(wrong.environments[0].error).not.toContain("wrong-Pa55word");
        expect(p.refused).toBeGreaterThanOrEqual(2);
        expect(sim.counters().token ?? 0).toBe(0);
    });

    it("the Web API through a refusing proxy fails at once with the proxy named, not after eight retries", async () => {
        const p = await proxy({ username: USER, password: PASSWORD });
        const env = config({ proxy: p.url }).environments[0];
        const client = new DataverseClient({ env: "alpha", url: env.url, tokens: { getToken: () => Promise.resolve("unused-token") }, network: new Network({ proxy: env.proxy }), maxConcurrency: 2, pageSize: 5, requestTimeoutMs: 10_000 });
        const error = await client.getJson("organizations", {}, "organizations").catch((e: Error) => e);
        expect((error as Error).message).toMatch(new RegExp(`^alpha: cannot read organizations: proxy http://127\\.0\\.0\\.1:${p.port} \\(from the config's "proxy"\\) refused the tunnel to ${simHost}: 407 Proxy Authentication Required`));
        expect(p.refused).toBe(1);
    });

    it("a proxy that is not running: sign-in says which proxy, from where, and that the connection was refused", async () => {
        const port = await closedPort();
        process.env.HTTPS_PROXY = `http://127.0.0.1:${port}`;
        const summary = await pullAll(config(), { only: ["alpha"] });
        const error = summary.environments[0].error!;
        expect(error).toBe(`alpha: sign-in failed: cannot reach proxy http://127.0.0.1:${port} (from HTTPS_PROXY): connection refused — is the proxy running on that port? check HTTPS_PROXY / HTTP_PROXY or the config's "proxy"`);
        expect(error).not.toMatch(/endpoints_resolution_error|aka\.ms/);
    });
});
