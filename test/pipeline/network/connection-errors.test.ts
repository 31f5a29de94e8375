import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureCertificateAuthority, issueServerCertificate } from "../../../simulator/ca/index.js";
import { parseConfig } from "../../../pipeline/config/config.js";
import { DataverseClient } from "../../../pipeline/extract/dataverse-client.js";
import { pullAll } from "../../../pipeline/pull/pull.js";
import { blackHole, closedPort, startConnectProxy } from "./connect-proxy.js";

// Each way a connection fails must say which host and which failure it was, for sign-in (msal-node's
// requests) and for the Web API alike, instead of `endpoints_resolution_error` or `fetch failed`.

const VARS = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];
const saved: Record<string, string | undefined> = {};
let tmp: string;
let untrusted: Server;
let untrustedHost: string;
let hole: { port: number; close(): Promise<void> };
let outs = 0;

beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-conn-"));
    // A server whose certificate comes from a CA nobody trusts: what a TLS-inspecting proxy looks like
    // before its CA is in NODE_EXTRA_CA_CERTS.
    const leaf = issueServerCertificate(ensureCertificateAuthority(path.join(tmp, "unknown-ca")));
    untrusted = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end("{}"));
    await new Promise<void>((resolve) => untrusted.listen(0, "127.0.0.1", resolve));
    untrustedHost = `127.0.0.1:${(untrusted.address() as AddressInfo).port}`;
    hole = await blackHole();
});

afterAll(async () => {
    untrusted?.closeAllConnections();
    await new Promise((resolve) => untrusted?.close(resolve));
    await hole?.close();
    await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
    for (const v of VARS) {
        saved[v] = process.env[v];
        delete process.env[v];
    }
});

afterEach(() => {
    for (const v of VARS) {
        if (saved[v] === undefined) delete process.env[v];
        else process.env[v] = saved[v];
    }
});

/** The error a pull reports (as the CLI prints it) when sign-in goes to `authorityHost`. */
async function signInError(authorityHost: string, requestTimeoutSeconds = 10): Promise<string> {
    const config = parseConfig({
        out: path.join(tmp, `out-${++outs}`), authorityHost, requestTimeoutSeconds,
        environments: [{ name: "alpha", url: "https://org.example.com", tenantId: "7e000000-0000-4000-8000-000000000001", clientId: "c1000000-0000-4000-8000-000000000001", clientSecret: "a-secret-value" }],
    }, tmp, {});
    const summary = await pullAll(config, { noWait: true });
    return summary.environments[0].error ?? "no error";
}

/** The error of one Web API read of `url`. */
async function webApiError(url: string, requestTimeoutMs = 10_000): Promise<string> {
    const client = new DataverseClient({ env: "prod", url, tokens: { getToken: () => Promise.resolve("token") }, maxConcurrency: 1, pageSize: 10, requestTimeoutMs, maxAttempts: 2 });
    return client.getJson("organizations", {}, "organizations").then(() => "no error", (e: Error) => e.message);
}

const NO_MSAL_LINK = /endpoints_resolution_error|aka\.ms|fetch failed/;

describe("connection errors name the host and the kind of failure", () => {
    it("an untrusted TLS certificate (sign-in and Web API): says so and points at NODE_EXTRA_CA_CERTS; not retried", async () => {
        const signIn = await signInError(`https://${untrustedHost}`);
        expect(signIn).toMatch(new RegExp(`^alpha: sign-in failed: the TLS certificate of ${untrustedHost} is not trusted \\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\\) — if a proxy or firewall inspects TLS, save its root CA certificate as a PEM file and point NODE_EXTRA_CA_CERTS at it`));
        expect(signIn).not.toMatch(NO_MSAL_LINK);
        const api = await webApiError(`https://${untrustedHost}/org`);
        expect(api).toMatch(new RegExp(`^prod: cannot read organizations: the TLS certificate of ${untrustedHost} is not trusted \\(\\w+\\) — .*NODE_EXTRA_CA_CERTS`));
    });

    it("a closed port (sign-in and Web API): connection refused, with the host and port", async () => {
        const port = await closedPort();
        const signIn = await signInError(`https://127.0.0.1:${port}`);
        expect(signIn).toBe(`alpha: sign-in failed: connection to 127.0.0.1:${port} refused (nothing listens on that port, or a firewall rejects it) — check the URL; if this network reaches the internet only through a proxy, set HTTPS_PROXY (or "proxy" in the config)`);
        const api = await webApiError(`https://127.0.0.1:${port}/org`);
        expect(api).toBe(`prod: giving up on organizations after 2 attempts: connection to 127.0.0.1:${port} refused (nothing listens on that port, or a firewall rejects it) — check the URL; if this network reaches the internet only through a proxy, set HTTPS_PROXY (or "proxy" in the config)`);
    });

    it("a host name that does not resolve (sign-in and Web API): a DNS failure, with the name", async () => {
        const signIn = await signInError("https://login.padlens.invalid");
        expect(signIn).toMatch(/^alpha: sign-in failed: cannot resolve login\.padlens\.invalid \(DNS lookup failed: (ENOTFOUND|EAI_AGAIN)\) — check the host name; if this network reaches the internet only through a proxy, set HTTPS_PROXY/);
        const api = await webApiError("https://org.padlens.invalid/org");
        expect(api).toMatch(/^prod: (cannot read organizations|giving up on organizations after 2 attempts): cannot resolve org\.padlens\.invalid \(DNS lookup failed: (ENOTFOUND|EAI_AGAIN)\)/);
        expect(api).not.toMatch(NO_MSAL_LINK);
    });

    it("a server that accepts and never answers (sign-in and Web API): a timeout after the configured seconds", async () => {
        const host = `127.0.0.1:${hole.port}`;
        const signIn = await signInError(`https://${host}`, 1);
        expect(signIn).toBe(`alpha: sign-in failed: no answer from ${host} within 1 s (timeout) — a firewall may drop the traffic; if this network reaches the internet only through a proxy, set HTTPS_PROXY (or "proxy" in the config); requestTimeoutSeconds in the config sets the limit`);
        const api = await webApiError(`https://${host}/org`, 500);
        expect(api).toMatch(new RegExp(`^prod: giving up on organizations after 2 attempts: no answer from ${host} within 0\\.5 s \\(timeout\\)`));
    });

    it("through a proxy, a host the proxy cannot reach is the proxy's 502, named as such", async () => {
        const proxy = await startConnectProxy();
        try {
            process.env.HTTPS_PROXY = proxy.url;
            const signIn = await signInError("https://login.padlens.invalid");
            expect(signIn).toBe(`alpha: sign-in failed: proxy http://127.0.0.1:${proxy.port} (from HTTPS_PROXY) refused the tunnel to login.padlens.invalid:443: HTTP 502 — the proxy could not reach the host (check the host name, or whether the proxy may reach it)`);
        } finally {
            await proxy.close();
        }
    });
});
