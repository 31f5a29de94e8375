import { execFileSync } from "node:child_process";
import { X509Certificate, createPrivateKey, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import forge from "node-forge";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { parseConfig } from "../../../pipeline/config/config.js";
import { pullAll, type PullSummary } from "../../../pipeline/pull/pull.js";
import { caDir, configJson, makeDataset, type EnvSpec } from "../pull/fixture.js";

// Client-certificate sign-in from the files admins actually have: a .pfx/.p12 exported from Windows or
// Key Vault (password as env:VAR), or PEM. The simulator checks the client assertion as Entra ID does:
// signed by the private key of a certificate registered for the app, matched by x5t (SHA-1, RS256) or
// x5t#S256 (SHA-256, PS256). So a pull that succeeds proves the assertion came from the file's key.

const SPECS: EnvSpec[] = [{ name: "alpha", runs: 6, logVersion: 1 }];
const PASSWORD = "Pfx-pa55word-for-tests";

interface TestCertificate {
    keyPem: string;
    certPem: string;
    caPem: string;
    forgeKey: forge.pki.rsa.PrivateKey;
    forgeCert: forge.pki.Certificate;
    forgeCa: forge.pki.Certificate;
}

/** A client certificate signed by a throwaway CA, made with node-forge (keys from node:crypto: fast). */
function makeClientCertificate(cn: string): TestCertificate {
    const rsa = (): { pem: string; key: forge.pki.rsa.PrivateKey } => {
        const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
        return { pem: privateKey, key: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey };
    };
    const issue = (subject: string, key: forge.pki.rsa.PrivateKey, issuer: forge.pki.Certificate | undefined, signer: forge.pki.rsa.PrivateKey, ca: boolean): forge.pki.Certificate => {
        const cert = forge.pki.createCertificate();
        cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
        cert.serialNumber = `0${forge.util.bytesToHex(forge.random.getBytesSync(8))}`;
        cert.validity.notBefore = new Date(Date.now() - 3600_000);
        cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
        cert.setSubject([{ name: "commonName", value: subject }]);
        cert.setIssuer(issuer ? issuer.subject.attributes : [{ name: "commonName", value: subject }]);
        cert.setExtensions([{ name: "basicConstraints", cA: ca }]);
        cert.sign(signer, forge.md.sha256.create());
        return cert;
    };
    const caKey = rsa();
    const forgeCa = issue(`${cn} CA`, caKey.key, undefined, caKey.key, true);
    const leafKey = rsa();
    const forgeCert = issue(cn, leafKey.key, forgeCa, caKey.key, false);
    return { keyPem: leafKey.pem, certPem: forge.pki.certificateToPem(forgeCert), caPem: forge.pki.certificateToPem(forgeCa), forgeKey: leafKey.key, forgeCert, forgeCa };
}

/** A PKCS#12 file as forge writes it; the chain deliberately CA first, so the leaf must be found by its key. */
function pfx(cert: TestCertificate, password: string, options: Record<string, unknown>): Buffer {
    const asn = forge.pkcs12.toPkcs12Asn1(cert.forgeKey, [cert.forgeCa, cert.forgeCert], password, options as { algorithm: "3des" });
    return Buffer.from(forge.asn1.toDer(asn).getBytes(), "binary");
}

const thumbprints = (pem: string): { sha1: string; sha256: string } => {
    const x = new X509Certificate(pem);
    return { sha1: x.fingerprint, sha256: x.fingerprint256 };
};

let sim: SimulatorHandle;
let tmp: string;
let registered: TestCertificate;
let outs = 0;

beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset: makeDataset(SPECS) });
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-cert-"));
    registered = makeClientCertificate("padlens client");
    sim.addClientCertificate("alpha", registered.certPem);
});

afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => sim.resetCounters());

/** A pull of alpha with `certificate` instead of the client secret; the variables stand in for the service account's environment. */
async function pullWith(certificate: Record<string, unknown>, vars: Record<string, string> = {}): Promise<PullSummary> {
    const json = configJson(sim, path.join(tmp, `out-${++outs}`)) as { environments: Array<Record<string, unknown>> };
    delete json.environments[0].clientSecret;
    json.environments[0].certificate = certificate;
    return pullAll(parseConfig(json, tmp, { ...process.env, ...vars }));
}

const outcome = (s: PullSummary): Array<[string, string, number]> => s.environments.map((e) => [e.env, e.error ?? "ok", e.runsFetched]);

describe("client certificate from .pfx/.p12 or PEM", () => {
    it("signs in with a .pfx (AES-256, PBKDF2-HMAC-SHA256) and its password from env:VAR, thumbprint computed from the file", async () => {
        const file = path.join(tmp, "padlens.pfx");
        await writeFile(file, pfx(registered, PASSWORD, { algorithm: "aes256", prfAlgorithm: "sha256", count: 10_000 }));
        const summary = await pullWith({ path: file, password: "env:PADLENS_TEST_PFX_PASSWORD" }, { PADLENS_TEST_PFX_PASSWORD: PASSWORD });
        expect(outcome(summary)).toEqual([["alpha", "ok", 6]]);
        expect(sim.counters().token).toBe(1);
    });

    it("signs in with a legacy 3DES .p12 (older Windows exports) and the SHA-1 thumbprint as the portal shows it, colons and all", async () => {
        const file = path.join(tmp, "padlens-legacy.p12");
        await writeFile(file, pfx(registered, PASSWORD, { algorithm: "3des" }));
        const summary = await pullWith({ path: file, password: PASSWORD, thumbprint: thumbprints(registered.certPem).sha1 });
        expect(outcome(summary)).toEqual([["alpha", "ok", 6]]);
    });

    let openssl = false;
    try {
        execFileSync("openssl", ["version"], { stdio: "ignore" });
        openssl = true;
    } catch {
        /* no openssl on this machine: that case is skipped */
    }
    it.skipIf(!openssl)("signs in with a .pfx written by OpenSSL 3 with its defaults (AES-256-CBC, SHA-256 MAC: what current tools export)", async () => {
        const dir = await mkdtemp(path.join(tmp, "openssl-"));
        await writeFile(path.join(dir, "key.pem"), registered.keyPem);
        await writeFile(path.join(dir, "cert.pem"), registered.certPem + registered.caPem);
        const file = path.join(dir, "openssl.pfx");
        execFileSync("openssl", ["pkcs12", "-export", "-inkey", path.join(dir, "key.pem"), "-in", path.join(dir, "cert.pem"), "-out", file, "-passout", `pass:${PASSWORD}`], { stdio: "ignore" });
        const summary = await pullWith({ path: file, password: "env:PFX_PW" }, { PFX_PW: PASSWORD });
        expect(outcome(summary)).toEqual([["alpha", "ok", 6]]);
    });

    it("signs in with PEM: an encrypted PKCS#8 key with its password, the certificate after it, and a SHA-256 thumbprint that is checked", async () => {
        const file = path.join(tmp, "padlens-encrypted.pem");
        const encrypted = createPrivateKey(registered.keyPem).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSWORD });
        await writeFile(file, `${String(encrypted)}${registered.certPem}`);
        const summary = await pullWith({ path: file, password: "env:PEM_PW", thumbprint: thumbprints(registered.certPem).sha256 }, { PEM_PW: PASSWORD });
        expect(outcome(summary)).toEqual([["alpha", "ok", 6]]);
    });

    it("says what is wrong with the file: password missing or wrong, thumbprint of another certificate, key without certificate or thumbprint", async () => {
        const file = path.join(tmp, "errors.pfx");
        await writeFile(file, pfx(registered, PASSWORD, { algorithm: "aes256" }));
        const { sha1, sha256 } = thumbprints(registered.certPem);
        const other = thumbprints(makeClientCertificate("someone else").certPem).sha1;
        const keyOnly = path.join(tmp, "key-only.pem");
        await writeFile(keyOnly, registered.keyPem);
        const errors = [
            await pullWith({ path: file }),
            await pullWith({ path: file, password: "env:WRONG_PW" }, { WRONG_PW: "not-the-password" }),
            await pullWith({ path: file, password: PASSWORD, thumbprint: other }),
            await pullWith({ path: keyOnly }),
        ].map((s) => s.environments[0].error);
        expect(errors).toEqual([
            "alpha: errors.pfx: the file is password-protected: set certificate.password (env:VAR) (PKCS#12 integrity check failed)",
            "alpha: errors.pfx: wrong password (PKCS#12 integrity check failed)",
            `alpha: certificate.thumbprint ${other.replace(/:/g, "")} is not the thumbprint of the certificate in errors.pfx (SHA-1 ${sha1.replace(/:/g, "")}, SHA-256 ${sha256.replace(/:/g, "")}): use the one the app registration shows, or leave thumbprint out to use the file's certificate`,
            "alpha: key-only.pem holds a private key but no certificate: add the certificate to the file (or use the .pfx), or give certificate.thumbprint",
        ]);
        expect(errors.join("\n")).not.toContain("not-the-password");
        expect(sim.counters().token ?? 0).toBe(0);
        expect(() => parseConfig({ environments: [{ name: "a", url: "https://x.example.com", tenantId: "t", clientId: "c", certificate: { path: "a.pfx", password: "env:NOT_SET_ANYWHERE" } }] }, tmp, {}))
            .toThrow("config: environments[0].certificate.password: environment variable NOT_SET_ANYWHERE is not set");
    });

    it("a certificate the app registration does not know is refused by Entra ID with the certificate hint", async () => {
        const file = path.join(tmp, "unregistered.pfx");
        await writeFile(file, pfx(makeClientCertificate("not registered"), PASSWORD, { algorithm: "aes256" }));
        const summary = await pullWith({ path: file, password: PASSWORD });
        expect(summary.environments[0].error).toMatch(/^alpha: authentication failed: AADSTS700027: .* — check certificate: the certificate is not registered on the app or the thumbprint does not match$/);
    });
});
