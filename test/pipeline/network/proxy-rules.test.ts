import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../pipeline/config/config.js";
import { describeNetwork, describeProxy, proxyFor } from "../../../pipeline/extract/proxy.js";
import { scrub } from "../../../pipeline/extract/secrets.js";

// What `padlens doctor` shows for each environment's routes, and which proxy every request takes.
const API = "https://contoso.crm4.dynamics.com";
const LOGIN = "https://login.microsoftonline.com";

describe("which proxy a request takes", () => {
    it("reads HTTPS_PROXY in either case (lower case first), falls back to HTTP_PROXY, and adds http:// when missing", () => {
        expect(proxyFor(API, undefined, {})).toEqual({ proxy: null, reason: 'direct: no proxy set (HTTPS_PROXY, HTTP_PROXY unset, no "proxy" in the config)' });
        expect(proxyFor(API, undefined, { HTTPS_PROXY: "http://proxy.corp:8080" })).toEqual({ proxy: "http://proxy.corp:8080", reason: "via proxy http://proxy.corp:8080 (from HTTPS_PROXY)" });
        expect(proxyFor(API, undefined, { https_proxy: "http://lower:3128", HTTPS_PROXY: "http://upper:3128" }).proxy).toBe("http://lower:3128");
        expect(proxyFor(API, undefined, { HTTP_PROXY: "proxy.corp:8080" })).toEqual({ proxy: "http://proxy.corp:8080", reason: "via proxy http://proxy.corp:8080 (from HTTP_PROXY)" });
        expect(proxyFor(API, undefined, { http_proxy: "http://p:1", HTTPS_PROXY: "http://s:2" }).proxy).toBe("http://s:2");
        expect(proxyFor(API, undefined, { HTTPS_PROXY: "http://proxy" }).proxy).toBe("http://proxy:80");
        expect(proxyFor(API, undefined, { HTTPS_PROXY: "https://secure-proxy" }).proxy).toBe("https://secure-proxy:443");
    });

    it("NO_PROXY: hosts, domains with and without a dot or *., ports, *, IP ranges and Windows' <local>", () => {
        const via = (url: string, noProxy: string): string | null => proxyFor(url, undefined, { HTTPS_PROXY: "http://proxy:8080", NO_PROXY: noProxy }).proxy;
        expect(via(API, "contoso.crm4.dynamics.com")).toBeNull();
        expect(via(API, "dynamics.com")).toBeNull(); // a domain covers its subdomains
        expect(via(API, ".dynamics.com")).toBeNull();
        expect(via(API, "*.crm4.dynamics.com")).toBeNull();
        expect(via("https://dynamics.com", ".dynamics.com")).toBe("http://proxy:8080"); // leading dot: subdomains only
        expect(via(API, "ontoso.crm4.dynamics.com")).toBe("http://proxy:8080"); // not a suffix at a dot
        expect(via(API, "localhost, contoso.crm4.dynamics.com:443")).toBeNull();
        expect(via(API, "contoso.crm4.dynamics.com:8443")).toBe("http://proxy:8080");
        expect(via("https://contoso.crm4.dynamics.com:8443/x", "contoso.crm4.dynamics.com:8443")).toBeNull();
        expect(via(API, "*")).toBeNull();
        expect(via("https://10.1.2.3/x", "10.0.0.0/8")).toBeNull();
        expect(via("https://11.1.2.3/x", "10.0.0.0/8")).toBe("http://proxy:8080");
        expect(via("https://[::1]:8443/x", "::1")).toBeNull();
        expect(via("https://[fd00::5]/x", "fd00::/8")).toBeNull();
        expect(via("https://intranet/x", "<local>")).toBeNull();
        expect(via(API, "<local>")).toBe("http://proxy:8080");
        expect(via(API, "CONTOSO.CRM4.DYNAMICS.COM")).toBeNull();
        expect(proxyFor(API, undefined, { HTTPS_PROXY: "http://proxy:8080", no_proxy: ".dynamics.com" }).reason).toBe('direct: no_proxy entry ".dynamics.com" matches contoso.crm4.dynamics.com');
    });

    it("the config's proxy wins over the environment; false means direct; noProxy in the config replaces NO_PROXY", () => {
        const vars = { HTTPS_PROXY: "http://from-env:1", NO_PROXY: "dynamics.com" };
        const config = (proxy: unknown): ReturnType<typeof parseConfig> =>
            parseConfig({ proxy, environments: [{ name: "prod", url: API, tenantId: "t", clientId: "c", clientSecret: "s3cret-value" }] }, "/base", vars);
        expect(proxyFor(API, config("http://cfg:8080").proxy, vars)).toEqual({ proxy: null, reason: 'direct: NO_PROXY entry "dynamics.com" matches contoso.crm4.dynamics.com' });
        expect(proxyFor(LOGIN, config("http://cfg:8080").proxy, vars)).toEqual({ proxy: "http://cfg:8080", reason: 'via proxy http://cfg:8080 (from the config\'s "proxy")' });
        expect(proxyFor(API, config({ url: "http://cfg:8080", noProxy: ["login.microsoftonline.com"] }).proxy, vars).proxy).toBe("http://cfg:8080");
        expect(proxyFor(LOGIN, config({ url: "http://cfg:8080", noProxy: "login.microsoftonline.com" }).proxy, vars).reason).toBe('direct: the config\'s "proxy.noProxy" entry "login.microsoftonline.com" matches login.microsoftonline.com');
        expect(proxyFor(API, config(false).proxy, vars)).toEqual({ proxy: null, reason: 'direct: "proxy": false in the config' });
        expect(config("http://cfg:8080").environments[0].proxy).toEqual({ kind: "url", url: "http://cfg:8080" });
    });

    it("never prints proxy credentials, from the URL or from env:VAR, and scrubs them from any text", () => {
        const vars = { HTTPS_PROXY: "http://svc-padlens:Env-Pr0xy-Secret@proxy.corp:8080", PROXY_PW: "Cfg-Pr0xy-Secret" };
        expect(describeProxy(API, undefined, vars)).toBe("https://contoso.crm4.dynamics.com: via proxy http://proxy.corp:8080 (with credentials) (from HTTPS_PROXY)");
        const config = parseConfig({ proxy: { url: "http://proxy.corp:8080", username: "CORP\\svc", password: "env:PROXY_PW" }, environments: [{ name: "prod", url: API, tenantId: "t", clientId: "c", clientSecret: "s3cret-value" }] }, "/base", vars);
        const line = describeNetwork(config.environments[0], LOGIN, vars);
        expect(line).toBe('sign-in and Web API via proxy http://proxy.corp:8080 (with credentials) (from the config\'s "proxy")');
        expect(scrub("Env-Pr0xy-Secret and Cfg-Pr0xy-Secret and http://svc-padlens:Env-Pr0xy-Secret@proxy.corp:8080/")).not.toMatch(/Pr0xy-Secret/);
    });

    it("an unusable proxy is a config error naming the key, or a reason naming the variable", () => {
        const env = [{ name: "prod", url: API, tenantId: "t", clientId: "c", clientSecret: "s3cret-value" }];
        expect(() => parseConfig({ proxy: "socks5://proxy:1080", environments: env }, "/base", {})).toThrow("config: proxy: socks5:// proxies are not supported, use an http:// or https:// proxy");
        expect(() => parseConfig({ proxy: "http://", environments: env }, "/base", {})).toThrow("config: proxy is not a proxy URL (expected http://host:port)");
        expect(() => parseConfig({ proxy: { url: "env:CORP_PROXY" }, environments: env }, "/base", {})).toThrow("config: proxy.url: environment variable CORP_PROXY is not set");
        expect(() => parseConfig({ proxy: 8080, environments: env }, "/base", {})).toThrow(/^config: proxy: must be a proxy URL/);
        expect(proxyFor(API, undefined, { HTTPS_PROXY: "socks5://proxy:1080" })).toEqual({ proxy: null, reason: "unusable proxy setting: HTTPS_PROXY: socks5:// proxies are not supported, use an http:// or https:// proxy" });
    });
});
