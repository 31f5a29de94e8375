import { BlockList, isIP } from "node:net";
import { registerSecret } from "./secrets.js";

/**
 * Which proxy a request takes. Node's fetch ignores HTTPS_PROXY, and msal-node (7.x) calls the same
 * fetch, so padlens decides the route itself, once per URL, for both the Web API and the token requests.
 *
 * - `env` (no `proxy` key in the config): HTTPS_PROXY / HTTP_PROXY / NO_PROXY, lower case first.
 * - `none` (`"proxy": false`): always direct, whatever the environment says.
 * - `url` (`"proxy": "http://host:port"` or `{url, username, password, noProxy}`): that proxy; NO_PROXY
 *   from the config when it has `noProxy`, else from the environment.
 */
export type ProxySetting =
    | { kind: "env" }
    | { kind: "none" }
    | { kind: "url"; url: string; username?: string; password?: string; noProxy?: string[] };

/** One proxy, ready to dial. `href` may hold credentials and is never printed: `display` is. */
export interface ProxyEndpoint {
    href: string;
    /** scheme://host:port, no credentials; "(with credentials)" when it has some. */
    display: string;
    /** host:port of the proxy itself (to tell a failing proxy from a failing target). */
    host: string;
    hostname: string;
    port: number;
}

export interface Route {
    proxy: ProxyEndpoint | null;
    /** Why: which variable or config key chose the proxy, or which NO_PROXY entry bypassed it. */
    reason: string;
    /** Where the proxy came from (`HTTPS_PROXY`, `the config's "proxy"`), when there is one. */
    source?: string;
}

export class ProxyConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ProxyConfigError";
    }
}

const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

/**
 * A proxy URL as people write it: `proxy:8080` means `http://proxy:8080` (as curl and most tools read
 * it). Only http:// and https:// proxies: a CONNECT tunnel is what corporate proxies offer for HTTPS;
 * NTLM/Kerberos-only proxies need a local relay (docs/pull.md, "Behind a proxy").
 */
export function parseProxyUrl(value: string, source: string, credentials?: { username?: string; password?: string }): ProxyEndpoint {
    const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) ? value.trim() : `http://${value.trim()}`;
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        throw new ProxyConfigError(`${source} is not a proxy URL (expected http://host:port)`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new ProxyConfigError(`${source}: ${url.protocol}// proxies are not supported, use an http:// or https:// proxy`);
    }
    if (!url.hostname) throw new ProxyConfigError(`${source} has no host name (expected http://host:port)`);
    if (credentials?.username !== undefined) url.username = encodeURIComponent(credentials.username);
    if (credentials?.password !== undefined) url.password = encodeURIComponent(credentials.password);
    // The password and the whole URL are secrets: scrub them from anything printed, including
    // error messages that echo a URL and the Basic header value.
    if (url.password) {
        registerSecret(decodeURIComponent(url.password));
        registerSecret(url.password);
        registerSecret(url.href);
        registerSecret(Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64"));
    }
    const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    const host = `${url.hostname}:${port}`;
    return { href: url.href, display: `${url.protocol}//${host}${url.username || url.password ? " (with credentials)" : ""}`, host, hostname, port };
}

/** A parsed NO_PROXY list. */
interface NoProxyRule {
    text: string;
    matches(host: string, port: number): boolean;
}

/**
 * NO_PROXY entries, comma or space separated, as Go's net/http and curl read them:
 * `*` (everything), `example.com` (that host and its subdomains), `.example.com` or `*.example.com`
 * (subdomains only), `host:port` (only that port), IP addresses and CIDR ranges (`10.0.0.0/8`,
 * `fd00::/8`; matched against IP-literal hosts only, nothing is resolved), and Windows' `<local>`
 * (host names without a dot), since proxy bypass lists are often copied from Windows settings.
 */
export function parseNoProxy(value: string | string[] | undefined): NoProxyRule[] {
    const entries = (Array.isArray(value) ? value : (value ?? "").split(/[\s,;]+/)).map((e) => e.trim().toLowerCase()).filter(Boolean);
    return entries.map((text): NoProxyRule => {
        if (text === "*") return { text, matches: () => true };
        if (text === "<local>") return { text, matches: (host) => !host.includes(".") && isIP(host) === 0 };
        const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(text);
        if (cidr && isIP(cidr[1])) {
            const list = new BlockList();
            const family = isIP(cidr[1]) === 6 ? "ipv6" : "ipv4";
            try {
                list.addSubnet(cidr[1], Number(cidr[2]), family);
            } catch {
                return { text, matches: () => false };
            }
            return { text, matches: (host) => isIP(host) !== 0 && list.check(host, isIP(host) === 6 ? "ipv6" : "ipv4") };
        }
        // host:port, [v6]:port, or a bare IPv6 address (several colons, no port).
        let name = text;
        let port: number | undefined;
        const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
        if (bracketed) {
            name = bracketed[1];
            port = bracketed[2] ? Number(bracketed[2]) : undefined;
        } else if ((text.match(/:/g) ?? []).length === 1) {
            const [h, p] = text.split(":");
            name = h;
            port = /^\d+$/.test(p) ? Number(p) : undefined;
        }
        const portOk = (p: number): boolean => port === undefined || port === p;
        if (name.startsWith("*.")) name = name.slice(1);
        if (name.startsWith(".")) return { text, matches: (host, p) => portOk(p) && host.endsWith(name) };
        return { text, matches: (host, p) => portOk(p) && (host === name || host.endsWith(`.${name}`)) };
    });
}

const firstSet = (env: NodeJS.ProcessEnv, names: string[]): { name: string; value: string } | undefined => {
    for (const name of names) {
        const value = env[name];
        if (value && value.trim()) return { name, value: value.trim() };
    }
    return undefined;
};

/** The route of one URL under a setting (default: the environment variables). Throws ProxyConfigError for an unusable proxy URL. */
export function routeFor(url: string, setting: ProxySetting = { kind: "env" }, env: NodeJS.ProcessEnv = process.env): Route {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    const port = target.port ? Number(target.port) : (DEFAULT_PORTS[target.protocol] ?? 443);
    if (setting.kind === "none") return { proxy: null, reason: 'direct: "proxy": false in the config' };

    let proxy: ProxyEndpoint;
    let source: string;
    let noProxy: { rules: NoProxyRule[]; source: string };
    const envNoProxy = (): { rules: NoProxyRule[]; source: string } => {
        const set = firstSet(env, ["no_proxy", "NO_PROXY"]);
        return { rules: parseNoProxy(set?.value), source: set?.name ?? "NO_PROXY" };
    };
    if (setting.kind === "url") {
        source = 'the config\'s "proxy"';
        proxy = parseProxyUrl(setting.url, source, { username: setting.username, password: setting.password });
        noProxy = setting.noProxy ? { rules: parseNoProxy(setting.noProxy), source: 'the config\'s "proxy.noProxy"' } : envNoProxy();
    } else {
        // https URLs fall back to HTTP_PROXY when HTTPS_PROXY is unset, as undici's EnvHttpProxyAgent
        // and many admins' setups expect (Windows users often set only HTTP_PROXY).
        const names = target.protocol === "http:" ? ["http_proxy", "HTTP_PROXY"] : ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"];
        const set = firstSet(env, names);
        if (!set) return { proxy: null, reason: `direct: no proxy set (${target.protocol === "http:" ? "HTTP_PROXY" : "HTTPS_PROXY, HTTP_PROXY"} unset, no "proxy" in the config)` };
        source = set.name;
        proxy = parseProxyUrl(set.value, set.name);
        noProxy = envNoProxy();
    }
    const bypass = noProxy.rules.find((r) => r.matches(host, port));
    if (bypass) return { proxy: null, reason: `direct: ${noProxy.source} entry "${bypass.text}" matches ${host}` };
    return { proxy, reason: `via proxy ${proxy.display} (from ${source})`, source };
}

/** For doctor and logs: the proxy a URL goes through (credentials left out) and why. */
export function proxyFor(url: string, setting?: ProxySetting, env: NodeJS.ProcessEnv = process.env): { proxy: string | null; reason: string } {
    try {
        const route = routeFor(url, setting, env);
        return { proxy: route.proxy?.display ?? null, reason: route.reason };
    } catch (error) {
        return { proxy: null, reason: `unusable proxy setting: ${(error as Error).message}` };
    }
}

/** One line: `https://host: via proxy http://proxy:8080 (from HTTPS_PROXY)`. */
export function describeProxy(url: string, setting?: ProxySetting, env: NodeJS.ProcessEnv = process.env): string {
    return `${new URL(url).origin}: ${proxyFor(url, setting, env).reason}`;
}

/** Both routes of an environment (sign-in and Web API), for `padlens doctor`. */
export function describeNetwork(env: { url: string; proxy?: ProxySetting }, authorityHost: string, vars: NodeJS.ProcessEnv = process.env): string {
    const signIn = proxyFor(authorityHost, env.proxy, vars).reason;
    const api = proxyFor(env.url, env.proxy, vars).reason;
    return signIn === api ? `sign-in and Web API ${signIn}` : `sign-in ${signIn}; Web API ${api}`;
}
