import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import forge from "node-forge";
import { registerSecret } from "./secrets.js";

/** What msal-node needs to sign a client assertion, from a PEM or PKCS#12 (.pfx/.p12) file. */
export interface ClientCertificate {
    /** PKCS#8 PEM (registered with the scrubber). */
    privateKeyPem: string;
    /** The certificate that belongs to the key, then the rest of the file's chain, PEM; "" when the file has none. */
    chainPem: string;
    /** Lowercase hex, no colons; undefined when the file holds no certificate (then the config's thumbprint is used). */
    sha1?: string;
    sha256?: string;
    /** Which thumbprint msal-node signs with: SHA-256 (PS256, x5t#S256) unless the config names a SHA-1 one. */
    use: { thumbprintSha256: string } | { thumbprint: string };
    subject?: string;
    validTo?: string;
}

export interface CertificateSource {
    path: string;
    /** Hex SHA-1 or SHA-256, colons allowed; computed from the certificate when absent, checked when given. */
    thumbprint?: string;
    /** For .pfx/.p12 files and encrypted PEM keys (already resolved from env:VAR). */
    password?: string;
}

export class CertificateError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CertificateError";
    }
}

const hex = (fingerprint: string): string => fingerprint.replace(/:/g, "").toLowerCase();

/**
 * Loads a client certificate. PKCS#12 is what Windows' certificate export (and Azure Key Vault) produce;
 * Node cannot read one into a key object, so node-forge (already used for the simulator's CA) opens the
 * container, and node:crypto does the rest (PKCS#8 export, certificate/key pairing, thumbprints), which
 * also covers EC keys forge cannot parse.
 */
export async function loadClientCertificate(source: CertificateSource): Promise<ClientCertificate> {
    const name = path.basename(source.path);
    const bytes = await readFile(source.path).catch((e: NodeJS.ErrnoException) => {
        throw new CertificateError(`cannot read certificate ${source.path}: ${e.code ?? e.message}`);
    });
    if (source.password) registerSecret(source.password);
    const text = bytes.toString("latin1");
    const isPem = text.includes("-----BEGIN ");
    const { key, certs } = isPem ? fromPem(text, name, source.password) : fromPkcs12(bytes, name, source.password);

    const privateKeyPem = key.export({ type: "pkcs8", format: "pem" }).toString();
    registerSecret(privateKeyPem);
    // A file may carry the whole chain: the certificate is the one whose public key matches the private key.
    const leaf = certs.find((c) => c.checkPrivateKey(key));
    if (certs.length > 0 && !leaf) throw new CertificateError(`${name}: none of its ${certs.length} certificate(s) belongs to its private key`);
    const chainPem = leaf ? [leaf, ...certs.filter((c) => c !== leaf)].map((c) => c.toString().trim()).join("\n") : "";
    const given = source.thumbprint ? hex(source.thumbprint) : undefined;
    if (!leaf) {
        if (!given) throw new CertificateError(`${name} holds a private key but no certificate: add the certificate to the file (or use the .pfx), or give certificate.thumbprint`);
        return { privateKeyPem, chainPem, use: given.length === 64 ? { thumbprintSha256: given } : { thumbprint: given } };
    }
    const sha1 = hex(leaf.fingerprint);
    const sha256 = hex(leaf.fingerprint256);
    if (given && given !== sha1 && given !== sha256) {
        throw new CertificateError(
            `certificate.thumbprint ${given.toUpperCase()} is not the thumbprint of the certificate in ${name} (SHA-1 ${sha1.toUpperCase()}, SHA-256 ${sha256.toUpperCase()}): ` +
            "use the one the app registration shows, or leave thumbprint out to use the file's certificate");
    }
    // SHA-1 only when the config asks for it (an authority that wants RS256/x5t); otherwise SHA-256, which Entra ID prefers.
    const use = given === sha1 ? { thumbprint: sha1 } : { thumbprintSha256: sha256 };
    return { privateKeyPem, chainPem, sha1, sha256, use, subject: leaf.subject.replace(/\n/g, ", "), validTo: leaf.validTo };
}

function fromPem(text: string, name: string, password: string | undefined): { key: KeyObject; certs: X509Certificate[] } {
    const block = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/.exec(text);
    if (!block) throw new CertificateError(`${name} holds no PEM private key (expected -----BEGIN PRIVATE KEY-----), or use a .pfx/.p12 file`);
    let key: KeyObject;
    try {
        key = createPrivateKey({ key: block[0], format: "pem", passphrase: password });
    } catch (error) {
        const encrypted = block[1].startsWith("ENCRYPTED") || /Proc-Type:\s*4,ENCRYPTED/.test(block[0]);
        throw new CertificateError(encrypted
            ? `${name}: the private key is encrypted and ${password ? "the password does not open it" : "no password is given: set certificate.password (env:VAR)"}`
            : `${name}: cannot read the private key (${(error as Error).message})`);
    }
    const certs = [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]));
    return { key, certs };
}

function fromPkcs12(bytes: Buffer, name: string, password: string | undefined): { key: KeyObject; certs: X509Certificate[] } {
    let p12: forge.pkcs12.Pkcs12Pfx;
    try {
        p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(bytes.toString("binary"))), password ?? "");
    } catch (error) {
        const message = (error as Error).message;
        if (/MAC could not be verified|Invalid password/i.test(message)) {
            throw new CertificateError(`${name}: ${password ? "wrong password" : "the file is password-protected: set certificate.password (env:VAR)"} (PKCS#12 integrity check failed)`);
        }
        throw new CertificateError(`${name} is neither PEM nor a readable PKCS#12 (.pfx/.p12) file: ${message}`);
    }
    const der = (asn: forge.asn1.Asn1): Buffer => Buffer.from(forge.asn1.toDer(asn).getBytes(), "binary");
    const keys: KeyObject[] = [];
    for (const type of [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag]) {
        for (const bag of p12.getBags({ bagType: type })[type] ?? []) {
            // forge parses RSA keys only; for others it keeps the PKCS#8 structure, which node:crypto reads.
            const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
            if (info) keys.push(createPrivateKey({ key: der(info), format: "der", type: "pkcs8" }));
        }
    }
    if (keys.length === 0) throw new CertificateError(`${name} holds no private key: export the certificate *with* its private key`);
    const certs: X509Certificate[] = [];
    for (const bag of p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []) {
        const asn = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
        if (asn) certs.push(new X509Certificate(der(asn)));
    }
    // Several keys: take the one a certificate belongs to.
    const key = keys.find((k) => certs.some((c) => c.checkPrivateKey(k))) ?? keys[0];
    return { key, certs };
}
