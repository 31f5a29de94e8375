import { readFile } from "node:fs/promises";
import { ConfidentialClientApplication, PublicClientApplication, type AuthenticationResult, type Configuration } from "@azure/msal-node";
import type { EnvironmentConfig } from "../config/config.js";
import { registerSecret, scrub } from "./secrets.js";

/** An access token for one environment, cached and refreshed ahead of expiry; forced refresh after a 401. */
export interface TokenSource {
    getToken(forceRefresh?: boolean): Promise<string>;
}

export class AuthError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "AuthError";
    }
}

/** Refresh when less than this fraction of the token's lifetime is left (and at most 5 minutes ahead). */
const REFRESH_AHEAD_FRACTION = 0.2;
const REFRESH_AHEAD_MAX_MS = 5 * 60_000;

export function createTokenSource(env: EnvironmentConfig, authorityHost: string, log: (line: string) => void = () => {}): TokenSource {
    const authority = `${authorityHost}/${env.tenantId}`;
    // Without knownAuthorities msal asks the public cloud's instance discovery, unreachable for sovereign clouds and the simulator.
    const base: Configuration = { auth: { clientId: env.clientId, authority, knownAuthorities: [new URL(authorityHost).host] } };
    const scopes = [`${env.url}/.default`];
    let cached: { token: string; expiresAt: number; refreshAt: number } | undefined;
    let pending: Promise<string> | undefined;
    let acquire: (force: boolean) => Promise<AuthenticationResult | null>;

    if (env.credential.kind === "deviceCode") {
        const app = new PublicClientApplication(base);
        acquire = async (force) => {
            const account = (await app.getTokenCache().getAllAccounts())[0];
            if (account && !force) {
                const silent = await app.acquireTokenSilent({ account, scopes }).catch(() => null);
                if (silent) return silent;
            }
            return app.acquireTokenByDeviceCode({ scopes, deviceCodeCallback: (r) => log(r.message) });
        };
    } else {
        let appPromise: Promise<ConfidentialClientApplication> | undefined;
        const credential = env.credential;
        const makeApp = async (): Promise<ConfidentialClientApplication> => {
            if (credential.kind === "secret") return new ConfidentialClientApplication({ ...base, auth: { ...base.auth, clientSecret: credential.secret } });
            if (credential.kind !== "certificate") throw new Error("unreachable");
            const pem = await readFile(credential.path, "utf8").catch((e: NodeJS.ErrnoException) => {
                throw new AuthError(`${env.name}: cannot read certificate ${credential.path}: ${e.code ?? e.message}`);
            });
            const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(pem)?.[0];
            if (!key) throw new AuthError(`${env.name}: ${credential.path} holds no PEM private key (expected -----BEGIN PRIVATE KEY-----)`);
            registerSecret(key);
            const certs = [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => m[0]).join("\n");
            const thumb = credential.thumbprint.toLowerCase();
            const clientCertificate = thumb.length === 64 ? { thumbprintSha256: thumb, privateKey: key, x5c: certs || undefined } : { thumbprint: thumb, privateKey: key, x5c: certs || undefined };
            return new ConfidentialClientApplication({ ...base, auth: { ...base.auth, clientCertificate } });
        };
        acquire = async (force) => {
            appPromise ??= makeApp();
            const app = await appPromise;
            return app.acquireTokenByClientCredential({ scopes, skipCache: force });
        };
    }

    const fetchToken = async (force: boolean): Promise<string> => {
        let result: AuthenticationResult | null;
        try {
            result = await acquire(force);
        } catch (error) {
            throw new AuthError(describeAuthError(env, error));
        }
        if (!result?.accessToken) throw new AuthError(`${env.name}: no access token returned for ${scopes[0]}`);
        registerSecret(result.accessToken);
        const now = Date.now();
        const expiresAt = result.expiresOn ? result.expiresOn.getTime() : now + 3600_000;
        const ahead = Math.min(REFRESH_AHEAD_MAX_MS, (expiresAt - now) * REFRESH_AHEAD_FRACTION);
        cached = { token: result.accessToken, expiresAt, refreshAt: expiresAt - ahead };
        return result.accessToken;
    };

    return {
        getToken(forceRefresh = false): Promise<string> {
            if (!forceRefresh && cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.token);
            // One refresh at a time: concurrent callers share it.
            pending ??= fetchToken(forceRefresh).finally(() => {
                pending = undefined;
            });
            return pending;
        },
    };
}

/** One line that says what failed and what to change, from msal's error (AADSTS code kept, trace ids dropped). */
export function describeAuthError(env: EnvironmentConfig, error: unknown): string {
    if (error instanceof AuthError) return error.message;
    const e = error as { errorCode?: string; errorMessage?: string; message?: string };
    const raw = String(e.errorMessage || e.message || error).replace(/\s+/g, " ");
    const code = /AADSTS\d+/.exec(raw)?.[0];
    // msal wraps Entra's description in "Error(s): ... - Timestamp: ... - Description: AADSTS...": keep from the code on.
    const text = (code ? raw.slice(raw.indexOf(code)) : raw).replace(/\s*-?\s*(Trace ID|Correlation ID|Timestamp):.*$/i, "").trim();
    const hints: Record<string, string> = {
        AADSTS7000215: "check clientSecret: use the secret's Value, not its ID, and that it has not expired",
        AADSTS7000222: "the client secret has expired: create a new one in the app registration",
        AADSTS700016: "check clientId and tenantId: the app registration was not found in that tenant",
        AADSTS90002: "check tenantId and authorityHost",
        AADSTS500011: "check url: the environment URL is not a resource in that tenant",
        AADSTS700027: "check certificate: the certificate is not registered on the app or the thumbprint does not match",
    };
    const hint = code ? hints[code] : undefined;
    const connection = /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|network|fetch failed|certificate/i.test(text) && !code;
    return scrub(`${env.name}: authentication failed: ${text}${hint ? ` — ${hint}` : connection ? " — check authorityHost and network access (and NODE_EXTRA_CA_CERTS behind a TLS-inspecting proxy)" : ""}`);
}
