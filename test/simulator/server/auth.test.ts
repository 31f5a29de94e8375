import { ConfidentialClientApplication } from "@azure/msal-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import { ensureCertificateAuthority, issueServerCertificate } from "../../../simulator/ca/index.js";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { caDir, getToken, makeDataset, makeEnvironment, rawGet } from "./helpers.js";

let sim: SimulatorHandle;

beforeAll(async () => {
    sim = await startSimulator({ dataset: makeDataset([makeEnvironment("alpha", 10), makeEnvironment("beta", 5)]), caDir: caDir(), tokenLifetimeSeconds: 60 });
});
afterAll(() => sim.close());

const tokenUrl = (i: number): string => `${sim.authorityHost}/${sim.environments[i].tenantId}/oauth2/v2.0/token`;

describe("Entra ID stand-in", () => {
    it("the test CA reached this worker: plain fetch trusts the simulator", async () => {
        expect(process.env.NODE_EXTRA_CA_CERTS).toBe(sim.caFile);
        const res = await fetch(`${sim.authorityHost}/${sim.environments[0].tenantId}/v2.0/.well-known/openid-configuration`);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { token_endpoint: string }).token_endpoint).toBe(tokenUrl(0));
    });

    it("real msal-node gets a token that lists flow sessions", async () => {
        const env = sim.environments[0];
        const app = new ConfidentialClientApplication({
            auth: { clientId: env.clientId, clientSecret: env.clientSecret, authority: `${sim.authorityHost}/${env.tenantId}`, knownAuthorities: [new URL(sim.authorityHost).host] },
        });
        const result = await app.acquireTokenByClientCredential({ scopes: [`${env.url}/.default`] });
        expect(result?.accessToken).toBeTruthy();
        const res = await fetch(`${env.url}/api/data/v9.2/flowsessions?$select=flowsessionid`, { headers: { authorization: `Bearer ${result!.accessToken}` } });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { value: unknown[] }).value).toHaveLength(10);
    });

    it("msal-node surfaces a wrong secret as invalid_client AADSTS7000215", async () => {
        const env = sim.environments[0];
        const app = new ConfidentialClientApplication({
            auth: { clientId: env.clientId, clientSecret: "wrong", authority: `${sim.authorityHost}/${env.tenantId}`, knownAuthorities: [new URL(sim.authorityHost).host] },
        });
        await expect(app.acquireTokenByClientCredential({ scopes: [`${env.url}/.default`] })).rejects.toThrow(/invalid_client|AADSTS7000215/);
        const raw = await getToken(tokenUrl(0), env.clientId, "wrong", `${env.url}/.default`);
        expect(raw.status).toBe(401);
        expect(raw.json.error).toBe("invalid_client");
        expect(String(raw.json.error_description)).toMatch(/^AADSTS7000215: Invalid client secret/);
    });

    it("real msal-node authenticates with a registered certificate, not with an unknown one", async () => {
        const env = sim.environments[0];
        const ca = ensureCertificateAuthority(caDir());
        const good = issueServerCertificate(ca, ["padlens-client"]);
        const other = issueServerCertificate(ca, ["someone-else"]);
        sim.addClientCertificate("alpha", good.certPem);
        const app = (cert: { certPem: string; keyPem: string }) => new ConfidentialClientApplication({
            auth: {
                clientId: env.clientId, authority: `${sim.authorityHost}/${env.tenantId}`, knownAuthorities: [new URL(sim.authorityHost).host],
                clientCertificate: { thumbprintSha256: new X509Certificate(cert.certPem).fingerprint256.replace(/:/g, ""), privateKey: cert.keyPem },
            },
        });
        const result = await app(good).acquireTokenByClientCredential({ scopes: [`${env.url}/.default`] });
        const res = await fetch(`${env.url}/api/data/v9.2/workflows`, { headers: { authorization: `Bearer ${result!.accessToken}` } });
        expect(res.status).toBe(200);
        await expect(app(other).acquireTokenByClientCredential({ scopes: [`${env.url}/.default`] })).rejects.toThrow(/AADSTS700027/);
    });

    it("rejects unknown resources and non-.default scopes", async () => {
        const env = sim.environments[0];
        const bad = await getToken(tokenUrl(0), env.clientId, env.clientSecret, "https://elsewhere.example/.default");
        expect(bad.status).toBe(400);
        expect(bad.json.error).toBe("invalid_resource");
        const noDefault = await getToken(tokenUrl(0), env.clientId, env.clientSecret, `${env.url}/user_impersonation`);
        expect(noDefault.json.error).toBe("invalid_scope");
    });
});

describe("Dataverse authentication", () => {
    const list = (i: number, token?: string) =>
        rawGet(`${sim.environments[i].url}/api/data/v9.2/flowsessions`, token ? { authorization: `Bearer ${token}` } : {});

    it("401 with an OData error and WWW-Authenticate without a token", async () => {
        const res = await list(0);
        expect(res.status).toBe(401);
        expect(res.headers["www-authenticate"]).toMatch(/^Bearer /);
        expect(JSON.parse(res.body.toString()).error.message).toMatch(/missing/);
    });

    it("401 for a token minted for another environment (wrong audience)", async () => {
        const beta = sim.environments[1];
        const t = await getToken(tokenUrl(1), beta.clientId, beta.clientSecret, `${beta.url}/.default`);
        expect((await list(1, String(t.json.access_token))).status).toBe(200);
        const res = await list(0, String(t.json.access_token));
        expect(res.status).toBe(401);
        expect(JSON.parse(res.body.toString()).error.message).toMatch(/audience/);
    });

    it("401 for a tampered token and for an expired one", async () => {
        const env = sim.environments[0];
        const t = String((await getToken(tokenUrl(0), env.clientId, env.clientSecret, `${env.url}/.default`)).json.access_token);
        const [h, p, s] = t.split(".");
        const claims = JSON.parse(Buffer.from(p, "base64url").toString());
        const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 9999 })).toString("base64url")}.${s}`;
        expect((await list(0, forged)).status).toBe(401);
        expect((await list(0, t)).status).toBe(200);
        sim.skewClock(61);
        try {
            const res = await list(0, t);
            expect(res.status).toBe(401);
            expect(JSON.parse(res.body.toString()).error.message).toMatch(/expired/);
        } finally {
            sim.skewClock(-61);
        }
    });
});
