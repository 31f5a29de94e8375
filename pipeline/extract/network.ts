import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { Agent, ProxyAgent, fetch, type Dispatcher, type Headers } from "undici";
import { ProxyConfigError, routeFor, type ProxyEndpoint, type ProxySetting, type Route } from "./proxy.js";
import { scrub } from "./secrets.js";

/**
 * Every HTTP request padlens makes (Web API and msal-node's token requests) goes through one Network per
 * environment: it picks the route (proxy or direct, proxy.ts) and turns a failed connection into one
 * sentence that names the host and says what kind of failure it was, instead of `fetch failed`.
 *
 * undici rather than Node's built-in fetch: the built-in one has no proxy support on Node 20 and its
 * bundled undici cannot be handed agents from the npm package reliably; the npm package's own fetch and
 * ProxyAgent (CONNECT tunnels, Basic proxy auth from the URL) always match. undici 7 supports Node >= 20.18.1.
 */

export type ConnectionFailure =
    | "dns" | "refused" | "unreachable" | "timeout" | "reset" | "tls-untrusted" | "tls"
    | "proxy-auth" | "proxy-refused" | "proxy-unreachable" | "proxy-config" | "not-json" | "other";

/** A request that did not get an HTTP answer from its host. `transient`: worth retrying. */
export class ConnectionError extends Error {
    constructor(message: string, readonly kind: ConnectionFailure, readonly host: string, readonly transient: boolean) {
        super(scrub(message));
        this.name = "ConnectionError";
    }
}

export interface HttpResponse {
    status: number;
    headers: Headers;
    body: Buffer;
}

export interface RequestOptions {
    method?: "GET" | "POST";
    headers?: Record<string, string>;
    body?: string;
    timeoutMs?: number;
}

export interface NetworkOptions {
    /** Default: the environment variables. */
    proxy?: ProxySetting;
    env?: NodeJS.ProcessEnv;
    /** Per request, connection and body included (default 120 s, the config's requestTimeoutSeconds). */
    timeoutMs?: number;
}

// One connection pool per proxy (or direct) for the whole process, shared by all environments: keep-alive
// connections are reused, and idle sockets do not keep the process alive (undici unrefs them).
const dispatchers = new Map<string, Dispatcher>();
function dispatcherFor(proxy: ProxyEndpoint | null): Dispatcher {
    const key = proxy?.href ?? "direct";
    let dispatcher = dispatchers.get(key);
    if (!dispatcher) {
        dispatcher = proxy ? new ProxyAgent({ uri: proxy.href }) : new Agent();
        dispatchers.set(key, dispatcher);
    }
    return dispatcher;
}

const UNTRUSTED = new Set([
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "CERT_UNTRUSTED", "CERT_SIGNATURE_FAILURE", "CERT_REJECTED",
]);
const DNS = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA"]);
const RESET = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);
const TIMEOUT = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);
const UNREACHABLE = new Set(["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN"]);

const PROXY_HINT = 'check HTTPS_PROXY / HTTP_PROXY or the config\'s "proxy"';
const NEEDS_PROXY_HINT = "if this network reaches the internet only through a proxy, set HTTPS_PROXY (or \"proxy\" in the config)";
const TRUST_HINT = "if a proxy or firewall inspects TLS, save its root CA certificate as a PEM file and point NODE_EXTRA_CA_CERTS at it (set before padlens starts)";

interface Cause {
    name?: string;
    code?: string;
    message?: string;
}

/** The error and its causes (fetch failed -> network error -> socket error), AggregateErrors flattened. */
function chain(error: unknown): Cause[] {
    const out: Cause[] = [];
    const seen = new Set<unknown>();
    const queue: unknown[] = [error];
    while (queue.length > 0 && out.length < 20) {
        const e = queue.shift();
        if (!e || typeof e !== "object" || seen.has(e)) continue;
        seen.add(e);
        out.push(e as Cause);
        const { cause, errors } = e as { cause?: unknown; errors?: unknown[] };
        if (cause) queue.push(cause);
        if (Array.isArray(errors)) queue.push(...errors);
    }
    return out;
}

export class Network {
    readonly timeoutMs: number;
    private readonly routes = new Map<string, Route>();

    constructor(private readonly options: NetworkOptions = {}) {
        this.timeoutMs = options.timeoutMs ?? 120_000;
    }

    /** Route of a URL (cached per origin: the environment variables are read once). */
    route(url: string): Route {
        const origin = new URL(url).origin;
        let route = this.routes.get(origin);
        if (!route) {
            route = routeFor(url, this.options.proxy, this.options.env ?? process.env);
            this.routes.set(origin, route);
        }
        return route;
    }

    /** One request, body read whole within the timeout; throws ConnectionError when no HTTP answer came. */
    async request(url: string, init: RequestOptions = {}): Promise<HttpResponse> {
        const host = hostOf(url);
        let route: Route;
        try {
            route = this.route(url);
        } catch (error) {
            if (error instanceof ProxyConfigError) throw new ConnectionError(`unusable proxy setting for ${host}: ${error.message}`, "proxy-config", host, false);
            throw error;
        }
        const timeoutMs = init.timeoutMs ?? this.timeoutMs;
        try {
            const res = await fetch(url, {
                method: init.method ?? "GET",
                headers: init.headers,
                body: init.body,
                signal: AbortSignal.timeout(timeoutMs),
                dispatcher: dispatcherFor(route.proxy),
            });
            return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
        } catch (error) {
            throw describeConnectionError(error, url, route, timeoutMs);
        }
    }

    /** An msal-node network client on this network that remembers why its last request failed (see MsalNetworkClient). */
    msalClient(): MsalNetworkClient {
        return new MsalNetworkClient(this);
    }
}

function hostOf(url: string): string {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === "http:" ? 80 : 443)}`;
}

/** One sentence for a request that got no HTTP answer: which host, which kind of failure, what to change. */
export function describeConnectionError(error: unknown, url: string, route: Route, timeoutMs: number): ConnectionError {
    const host = hostOf(url);
    const hostname = new URL(url).hostname;
    const causes = chain(error);
    const codes = causes.map((c) => c.code).filter((c): c is string => typeof c === "string");
    const has = (set: Set<string>): string | undefined => codes.find((c) => set.has(c));
    const proxy = route.proxy;
    const via = proxy ? ` via proxy ${proxy.display}` : "";
    const proxyName = proxy ? `proxy ${proxy.display} (from ${route.source ?? "the environment"})` : "";
    const detail = causes.map((c) => c.message).filter(Boolean).at(-1) ?? String(error);

    if (causes.some((c) => c.name === "TimeoutError") || has(TIMEOUT)) {
        const seconds = Math.round(timeoutMs / 100) / 10;
        const connect = codes.includes("UND_ERR_CONNECT_TIMEOUT");
        if (proxy && connect) return new ConnectionError(`cannot reach ${proxyName}: no answer when connecting (timeout) — ${PROXY_HINT}`, "proxy-unreachable", proxy.host, true);
        return new ConnectionError(
            `no answer from ${host}${via} within ${connect ? "the connect timeout" : `${seconds} s`} (timeout) — ` +
            (proxy ? "the proxy or the server is slow or drops the traffic" : `a firewall may drop the traffic; ${NEEDS_PROXY_HINT}`) +
            (connect ? "" : "; requestTimeoutSeconds in the config sets the limit"),
            "timeout", host, true);
    }
    const tunnel = causes.map((c) => /Proxy response \((\d{3})\)/.exec(c.message ?? "")).find(Boolean);
    if (proxy && tunnel) {
        const status = Number(tunnel[1]);
        if (status === 407) {
            const hint = proxy.display.includes("with credentials")
                ? "the proxy did not accept the user and password given (Basic); a proxy that only takes NTLM/Kerberos needs a local relay (docs/pull.md, \"Behind a proxy\")"
                : 'give a user and password: http://user:password@proxy:port in HTTPS_PROXY, or "proxy": {"url", "username", "password": "env:VAR"} in the config';
            return new ConnectionError(`${proxyName} refused the tunnel to ${host}: 407 Proxy Authentication Required — ${hint}`, "proxy-auth", proxy.host, false);
        }
        const why = status === 403 ? "the proxy does not allow this host: ask for it to be allowed (or add it to NO_PROXY if it is reachable directly)"
            : status >= 500 ? "the proxy could not reach the host (check the host name, or whether the proxy may reach it)"
                : "the proxy did not open a tunnel";
        return new ConnectionError(`${proxyName} refused the tunnel to ${host}: HTTP ${status} — ${why}`, "proxy-refused", proxy.host, status >= 500);
    }
    const dns = has(DNS);
    if (dns) {
        // Through a proxy only the proxy's own name is looked up here; the target's is the proxy's business.
        if (proxy) return new ConnectionError(`cannot reach ${proxyName}: DNS lookup of ${proxy.hostname} failed (${dns}) — ${PROXY_HINT}`, "proxy-unreachable", proxy.host, dns === "EAI_AGAIN");
        return new ConnectionError(`cannot resolve ${hostname} (DNS lookup failed: ${dns}) — check the host name; ${NEEDS_PROXY_HINT}`, "dns", host, dns === "EAI_AGAIN");
    }
    if (codes.includes("ECONNREFUSED")) {
        if (proxy) return new ConnectionError(`cannot reach ${proxyName}: connection refused — is the proxy running on that port? ${PROXY_HINT}`, "proxy-unreachable", proxy.host, true);
        return new ConnectionError(`connection to ${host} refused (nothing listens on that port, or a firewall rejects it) — check the URL; ${NEEDS_PROXY_HINT}`, "refused", host, true);
    }
    const unreachable = has(UNREACHABLE);
    if (unreachable) {
        if (proxy) return new ConnectionError(`cannot reach ${proxyName}: network unreachable (${unreachable}) — ${PROXY_HINT}`, "proxy-unreachable", proxy.host, true);
        return new ConnectionError(`cannot reach ${host}: network unreachable (${unreachable}) — ${NEEDS_PROXY_HINT}`, "unreachable", host, true);
    }
    const untrusted = has(UNTRUSTED);
    if (untrusted) {
        return new ConnectionError(`the TLS certificate of ${host}${via} is not trusted (${untrusted}) — ${TRUST_HINT}`, "tls-untrusted", host, false);
    }
    const tls = codes.find((c) => c.startsWith("CERT_") || c.startsWith("ERR_TLS_") || c.startsWith("ERR_SSL_") || c === "EPROTO");
    if (tls) {
        const why = tls === "CERT_HAS_EXPIRED" ? "the certificate has expired (or this machine's clock is wrong)"
            : tls === "CERT_NOT_YET_VALID" ? "the certificate is not valid yet (check this machine's clock)"
                : tls === "ERR_TLS_CERT_ALTNAME_INVALID" ? "the certificate is for another host name"
                    : "the TLS handshake failed";
        return new ConnectionError(`TLS error with ${host}${via}: ${why} (${tls}) — ${TRUST_HINT}`, "tls", host, false);
    }
    const reset = has(RESET) ?? (causes.some((c) => /terminated|other side closed|socket hang up/i.test(c.message ?? "")) ? "closed" : undefined);
    if (reset) return new ConnectionError(`connection to ${host}${via} was closed before the answer was complete (${reset})`, "reset", host, true);
    return new ConnectionError(`request to ${host}${via} failed: ${detail}${codes.length ? ` (${codes.join(", ")})` : ""}`, "other", host, true);
}

/**
 * msal-node's network client (its `system.networkClient`): the same route and error wording as the Web
 * API. msal swallows network errors during authority discovery and throws `endpoints_resolution_error`
 * with a link instead, so this client keeps the last failure for the token source to report.
 */
export class MsalNetworkClient implements INetworkModule {
    lastFailure: ConnectionError | undefined;

    constructor(private readonly network: Network) {}

    /** The failure since the last call (and forgets it): one token acquisition's connection problem. */
    takeFailure(): ConnectionError | undefined {
        const failure = this.lastFailure;
        this.lastFailure = undefined;
        return failure;
    }

    sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
        return this.send<T>("GET", url, options, timeout);
    }

    sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
        return this.send<T>("POST", url, options);
    }

    private async send<T>(method: "GET" | "POST", url: string, options: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> {
        let res: HttpResponse;
        try {
            res = await this.network.request(url, {
                method,
                headers: options?.headers,
                body: method === "POST" ? (options?.body ?? "") : undefined,
                timeoutMs: timeout ? Math.min(timeout, this.network.timeoutMs) : undefined,
            });
        } catch (error) {
            if (error instanceof ConnectionError) this.lastFailure = error;
            throw error;
        }
        let body: T;
        try {
            body = JSON.parse(res.body.toString("utf8")) as T;
        } catch {
            // Entra ID always answers JSON; HTML here is a proxy's or firewall's page (login, block notice).
            const type = res.headers.get("content-type")?.split(";")[0] ?? "no content type";
            this.lastFailure = new ConnectionError(`${hostOf(url)} answered HTTP ${res.status} (${type}) that is not JSON — a proxy or firewall page instead of Entra ID?`, "not-json", hostOf(url), false);
            throw this.lastFailure;
        }
        const headers: Record<string, string> = {};
        res.headers.forEach((value, key) => {
            headers[key] = value;
        });
        return { headers, body, status: res.status };
    }
}
