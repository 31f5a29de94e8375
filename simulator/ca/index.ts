import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import forge from "node-forge";

/**
 * A private certificate authority for the simulator: clients trust it through NODE_EXTRA_CA_CERTS
 * (README, "Using it for real") and the server presents a leaf it signs for localhost. The CA is kept on disk so a
 * user's NODE_EXTRA_CA_CERTS stays valid across restarts and every test worker trusts the same one.
 */
export interface CertificateAuthority {
    /** PEM file holding only the CA certificate: what NODE_EXTRA_CA_CERTS points at. */
    caFile: string;
    certPem: string;
    keyPem: string;
}

export interface ServerCertificate {
    certPem: string;
    keyPem: string;
}

const BUNDLE = "ca-bundle.pem";
const CERT_FILE = "ca.crt";

/** Loads the CA in `dir`, or creates it there. Safe when several processes race to create it. */
export function ensureCertificateAuthority(dir: string): CertificateAuthority {
    mkdirSync(dir, { recursive: true });
    const bundleFile = path.join(dir, BUNDLE);
    if (!existsSync(bundleFile)) {
        const fresh = createAuthority();
        const tmp = path.join(dir, `.${BUNDLE}.${randomBytes(6).toString("hex")}.tmp`);
        writeFileSync(tmp, fresh.keyPem + fresh.certPem, { mode: 0o600 });
        // link() fails when the bundle exists, so the first writer wins and everyone reads the winner:
        // a key and a certificate from two different racers can never be mixed.
        try {
            linkSync(tmp, bundleFile);
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        } finally {
            rmSync(tmp, { force: true });
        }
    }
    const bundle = readFileSync(bundleFile, "utf8");
    const keyPem = pemBlock(bundle, "PRIVATE KEY") ?? pemBlock(bundle, "RSA PRIVATE KEY");
    const certPem = pemBlock(bundle, "CERTIFICATE");
    if (!keyPem || !certPem) throw new Error(`${bundleFile} is not a CA bundle (delete it to create a new CA)`);
    const caFile = path.join(dir, CERT_FILE);
    if (!existsSync(caFile) || readFileSync(caFile, "utf8") !== certPem) {
        const tmp = path.join(dir, `.${CERT_FILE}.${randomBytes(6).toString("hex")}.tmp`);
        writeFileSync(tmp, certPem);
        renameSync(tmp, caFile);
    }
    return { caFile, certPem, keyPem };
}

/** A server certificate for localhost, 127.0.0.1 and ::1, signed by `ca`. */
export function issueServerCertificate(ca: CertificateAuthority, hostNames: string[] = ["localhost"]): ServerCertificate {
    const { publicKey, privateKeyPem } = newKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serial();
    const now = Date.now();
    cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
    cert.validity.notAfter = new Date(now + 365 * 24 * 60 * 60 * 1000);
    const caCert = forge.pki.certificateFromPem(ca.certPem);
    cert.setSubject([{ name: "commonName", value: "padlens simulator" }]);
    cert.setIssuer(caCert.subject.attributes);
    cert.setExtensions([
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        {
            name: "subjectAltName",
            altNames: [
                ...hostNames.map((value) => ({ type: 2, value })),
                { type: 7, ip: "127.0.0.1" },
                { type: 7, ip: "::1" },
            ],
        },
    ]);
    cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKeyPem };
}

function createAuthority(): { certPem: string; keyPem: string } {
    const { publicKey, privateKeyPem } = newKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serial();
    const now = Date.now();
    cert.validity.notBefore = new Date(now - 24 * 60 * 60 * 1000);
    cert.validity.notAfter = new Date(now + 10 * 365 * 24 * 60 * 60 * 1000);
    const subject = [
        { name: "commonName", value: `padlens simulator local CA ${randomBytes(4).toString("hex")}` },
        { name: "organizationName", value: "padlens (local testing only)" },
    ];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
        { name: "subjectKeyIdentifier" },
    ]);
    cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKeyPem };
}

// node:crypto generates RSA keys natively; node-forge's pure-JS generator takes seconds on a busy machine.
function newKeyPair(): { publicKey: forge.pki.PublicKey; privateKeyPem: string } {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    return { publicKey: forge.pki.publicKeyFromPem(publicKey), privateKeyPem: privateKey };
}

function serial(): string {
    // Positive: a leading 0 nibble keeps the DER integer from being read as negative.
    return "0" + randomBytes(15).toString("hex");
}

function pemBlock(text: string, label: string): string | undefined {
    const match = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----\\r?\\n?`).exec(text);
    return match ? match[0].replace(/\r?\n?$/, "\n") : undefined;
}
