import { ConfidentialClientApplication, PublicClientApplication, type AuthenticationResult, type Configuration } from "@azure/msal-node";
import type { EnvironmentConfig } from "../config/config.js";
import { CertificateError, loadClientCertificate } from "./certificate.js";
import { Network } from "./network.js";
import { registerSecret, scrub } from "./secrets.js";

/** An access token for one environment, cached and refreshed ahead of expiry; forced refresh after a 401. */
export interface TokenSource {
    /**
     * `forceRefresh` after a 401; `rejected` is the token the server refused: when another request has
     * already replaced it, the replacement is returned instead of fetching yet another one, so a burst
     * of 401s from requests that all carried the same expired token costs one refresh.
     */
    getToken(forceRefresh?: boolean, rejected?: string): Promise<string>;
    /** The route this environment's requests take: the Web API client uses the same one (extract/network.ts). */
    readonly network?: Network;
}

export interface TokenSourceOptions {
    /** Default: a Network with the environment's proxy setting and request timeout. */
    network?: Network;
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
/** `exp` and `expires_in` are whole seconds, each side rounds: short-lived tokens get this much extra margin. */
const ROUNDING_MARGIN_MS = 1000;

export function createTokenSource(env: EnvironmentConfig, authorityHost: string, log: (line: string) => void = () => {}, options: TokenSourceOptions = {}): TokenSource {
    const authority = `${authorityHost}/${env.tenantId}`;
    const network = options.network ?? new Network({ proxy: env.proxy, timeoutMs: env.requestTimeoutMs });
    // msal-node 7 calls Node's fetch, which ignores proxies and reports every connection failure as a link
    // to endpoints_resolution_error: its requests go through padlens' network instead (same route as the Web API).
    const networkClient = network.msalClient();
    // Without knownAuthorities msal asks the public cloud's instance discovery, unreachable for sovereign clouds and the simulator.
    const base: Configuration = { auth: { clientId: env.clientId, authority, knownAuthorities: [new URL(authorityHost).host] }, system: { networkClient } };
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
            const cert = await loadClientCertificate(credential).catch((error: unknown) => {
                throw error instanceof CertificateError ? new AuthError(`${env.name}: ${error.message}`) : error;
            });
            const clientCertificate = { ...cert.use, privateKey: cert.privateKeyPem, x5c: cert.chainPem || undefined };
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
        networkClient.takeFailure();
        try {
            result = await acquire(force);
        } catch (error) {
            // The connection failure msal saw (and hid behind endpoints_resolution_error) says what to fix.
            const failure = networkClient.takeFailure();
            if (failure && !(error instanceof AuthError)) throw new AuthError(scrub(`${env.name}: sign-in failed: ${failure.message}`));
            throw new AuthError(describeAuthError(env, error));
        }
        if (!result?.accessToken) throw new AuthError(`${env.name}: no access token returned for ${scopes[0]}`);
        registerSecret(result.accessToken);
        const now = Date.now();
        const expiresAt = result.expiresOn ? result.expiresOn.getTime() : now + 3600_000;
        const lifetime = expiresAt - now;
        const ahead = Math.min(REFRESH_AHEAD_MAX_MS, Math.max(lifetime * REFRESH_AHEAD_FRACTION, Math.min(ROUNDING_MARGIN_MS, lifetime / 2)));
        cached = { token: result.accessToken, expiresAt, refreshAt: expiresAt - ahead };
        return result.accessToken;
    };

    const refresh = (force: boolean): Promise<string> => {
        // One refresh at a time: concurrent callers share it.
        pending ??= fetchToken(force).finally(() => {
            pending = undefined;
        });
        return pending;
    };

    return {
        network,
        async getToken(forceRefresh = false, rejected?: string): Promise<string> {
            const fresh = cached !== undefined && Date.now() < cached.refreshAt;
            if (fresh && !forceRefresh) return cached!.token;
            // Someone already replaced the refused token: use the replacement.
            if (fresh && rejected !== undefined && cached!.token !== rejected) return cached!.token;
            if (pending) {
                const shared = await pending;
                if (!forceRefresh || shared !== rejected) return shared;
            }
            return refresh(forceRefresh);
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
