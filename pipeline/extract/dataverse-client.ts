import { setTimeout as sleep } from "node:timers/promises";
import type { Headers } from "undici";
import { AdaptiveLimiter } from "./adaptive-limiter.js";
import type { TokenSource } from "./auth.js";
import { ConnectionError, Network } from "./network.js";
import { DataverseError, describeODataError } from "./odata-error.js";
import { scrub } from "./secrets.js";
import { displayId, requireGuid } from "../util/ids.js";

export interface ClientStats {
    requests: number;
    retries: number;
    throttled: number;
    bytes: number;
    tokenRefreshes: number;
}

export interface ClientOptions {
    env: string;
    /** Environment URL, no trailing slash. */
    url: string;
    tokens: TokenSource;
    maxConcurrency: number;
    pageSize: number;
    requestTimeoutMs: number;
    /** Attempts for 5xx, resets, timeouts and truncated bodies (429s are not counted against this). */
    maxAttempts?: number;
    /** Longest run of consecutive 429s on one request before giving up. */
    maxThrottles?: number;
    onStats?: (stats: ClientStats) => void;
    /** Route and error wording of the requests; default: the token source's (same proxy as sign-in), else the environment variables'. */
    network?: Network;
}

export type Row = Record<string, unknown>;

interface Response {
    status: number;
    headers: Headers;
    body: Buffer;
}

const RETRYABLE_STATUS = new Set([408, 500, 502, 503, 504]);
/**
 * New tokens one request may ask for after 401s. The first covers a token that expired on its way (or by
 * the server's clock); the second a refresh that raced another one. A third 401 is not about expiry.
 */
const MAX_TOKEN_REFRESHES = 2;
/**
 * A Web API path: names (entity set, navigation, `$value`), each optionally with a GUID key, and `()`
 * only on the last one (a function such as WhoAmI()). Nothing else: no `..`, `/`, `\`, `%`, `?` or `#`
 * can hide in a key, and an empty key cannot pass for a function call.
 */
const PATH_SEGMENT = /^\$?[A-Za-z_][A-Za-z0-9_]*(?:\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\))?$/i;
const isApiPath = (p: string): boolean => p.split("/").every((s, i, all) => PATH_SEGMENT.test(i === all.length - 1 ? s.replace(/\(\)$/, "") : s));
export const CHUNK_BYTES = 4 * 1024 * 1024;

/** `set(<guid>)`: how the pull puts an id into a request path; throws for anything but a GUID. */
export function keyed(set: string, id: string): string {
    return `${set}(${requireGuid(id, `${set} key`)})`;
}

/** Full-jitter exponential backoff: 0..min(cap, base*2^n). Spreads retries of concurrent requests apart. */
export function backoffMs(attempt: number, baseMs = 200, capMs = 8000): number {
    return Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1));
}

/**
 * The Dataverse Web API over undici's fetch through the environment's Network (proxy, keep-alive, errors
 * that name the host). Retries are a small own loop rather than p-retry because the failure kinds need
 * different handling: a 429 waits exactly Retry-After, halves the environment's concurrency and does not
 * use up the retry budget; a 401 gets a new token; transport faults and 5xx use the jittered exponential
 * backoff; a connection failure retrying cannot fix (DNS, TLS trust, proxy authentication) fails at once.
 */
export class DataverseClient {
    readonly api: string;
    readonly limiter: AdaptiveLimiter;
    readonly stats: ClientStats = { requests: 0, retries: 0, throttled: 0, bytes: 0, tokenRefreshes: 0 };
    private readonly network: Network;

    constructor(private readonly options: ClientOptions) {
        this.api = `${options.url}/api/data/v9.2/`;
        this.limiter = new AdaptiveLimiter(options.maxConcurrency);
        this.network = options.network ?? options.tokens.network ?? new Network({ timeoutMs: options.requestTimeoutMs });
    }

    /** GET with retries; returns the response for 2xx, and for 404/204/416 (callers decide what absent means). */
    async get(urlOrPath: string, headers: Record<string, string> = {}, what = urlOrPath): Promise<Response> {
        const url = this.resolve(urlOrPath);
        const maxAttempts = this.options.maxAttempts ?? 8;
        const maxThrottles = this.options.maxThrottles ?? 30;
        let failures = 0;
        let throttles = 0;
        let refreshes = 0;
        // The token the server refused last (401): the next attempt asks for a different one.
        let rejected: string | undefined;
        for (;;) {
            // The token is taken after the wait for a slot, never before: a request can queue behind many
            // others, and a token taken before the wait can expire in the queue (short-lived tokens, 429 storms).
            await this.limiter.acquire();
            let token: string;
            let outcome: { response?: Response; error?: unknown };
            try {
                token = await this.options.tokens.getToken(rejected !== undefined, rejected);
                outcome = await this.attempt(url, headers, token).then((response) => ({ response }), (error: unknown) => ({ error }));
            } finally {
                this.limiter.release();
            }
            this.stats.requests++;
            const r = outcome.response;
            if (r && (r.status < 300 || r.status === 404 || r.status === 416)) {
                this.limiter.onSuccess();
                this.stats.bytes += r.body.length;
                this.report();
                return r;
            }
            if (r?.status === 429) {
                this.stats.throttled++;
                this.limiter.onThrottle();
                if (++throttles > maxThrottles) throw new DataverseError(`${this.options.env}: still throttled (429) after ${maxThrottles} waits reading ${what}`, 429);
                const retryAfter = Number(r.headers.get("retry-after"));
                this.report();
                await sleep(Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 + Math.random() * 250 : backoffMs(throttles, 1000, 30_000));
                continue;
            }
            if (r?.status === 401) {
                // Retry with a new token unless this one was already a replacement for a refused token
                // that the server refused too, or the token source keeps handing out the same token.
                if (token !== rejected && refreshes < MAX_TOKEN_REFRESHES) {
                    refreshes++;
                    rejected = token;
                    this.stats.tokenRefreshes++;
                    continue;
                }
                throw describeODataError(this.options.env, r.status, r.body.toString("utf8"), what, { afterRefresh: refreshes > 0 });
            }
            if (r && !RETRYABLE_STATUS.has(r.status)) throw describeODataError(this.options.env, r.status, r.body.toString("utf8"), what);
            const connection = outcome.error instanceof ConnectionError ? outcome.error : undefined;
            if (connection && !connection.transient) {
                throw new DataverseError(scrub(`${this.options.env}: cannot read ${what}: ${connection.message}`), 0);
            }
            if (++failures >= maxAttempts) {
                const why = r ? `HTTP ${r.status}` : connection ? connection.message : errorText(outcome.error);
                throw new DataverseError(scrub(`${this.options.env}: giving up on ${what} after ${failures} attempts: ${why}`), r?.status ?? 0);
            }
            this.stats.retries++;
            this.report();
            await sleep(backoffMs(failures));
        }
    }

    async getJson<T = Row>(urlOrPath: string, headers: Record<string, string> = {}, what?: string): Promise<T> {
        const r = await this.get(urlOrPath, { accept: "application/json", ...headers }, what);
        if (r.status >= 300) throw describeODataError(this.options.env, r.status, r.body.toString("utf8"), what ?? urlOrPath);
        return JSON.parse(r.body.toString("utf8")) as T;
    }

    /** Every row of a collection, page by page, following @odata.nextLink verbatim. */
    async *pages(path: string, headers: Record<string, string> = {}, what = path): AsyncGenerator<Row[]> {
        let next: string | undefined = path;
        const prefer = [`odata.maxpagesize=${this.options.pageSize}`, ...(headers.prefer ? [headers.prefer] : [])].join(",");
        while (next) {
            const page: { value?: Row[]; "@odata.nextLink"?: string } = await this.getJson(next, { ...headers, prefer }, what);
            yield page.value ?? [];
            next = page["@odata.nextLink"];
        }
    }

    async all(path: string, headers: Record<string, string> = {}, what = path): Promise<Row[]> {
        const rows: Row[] = [];
        for await (const page of this.pages(path, headers, what)) rows.push(...page);
        return rows;
    }

    /**
     * A file column's bytes, or null when the row has none (404/204). Always asks for a 4 MiB range first:
     * small files arrive whole in one request, larger ones continue in 4 MiB chunks (Dataverse's guidance).
     */
    async downloadFile(path: string, what = path): Promise<Buffer | null> {
        const first = await this.get(path, { range: `bytes=0-${CHUNK_BYTES - 1}` }, what);
        if (first.status === 404 || first.status === 204) return null;
        if (first.status === 416) return Buffer.alloc(0);
        if (first.status === 200) return first.body;
        const total = totalSize(first);
        if (total === undefined) return first.body;
        const chunks = [first.body];
        let have = first.body.length;
        while (have < total) {
            const r = await this.get(path, { range: `bytes=${have}-${Math.min(total, have + CHUNK_BYTES) - 1}` }, what);
            if (r.status !== 206) throw new DataverseError(`${this.options.env}: ${what}: expected 206 for a range request, got ${r.status}`, r.status);
            if (r.body.length === 0) throw new DataverseError(`${this.options.env}: ${what}: empty chunk at byte ${have} of ${total}`, r.status);
            chunks.push(r.body);
            have += r.body.length;
        }
        return Buffer.concat(chunks);
    }

    /**
     * The bearer token goes wherever this URL points, so it must stay on this environment's Web API:
     * a path is checked segment by segment (ids in it come from the server), and an absolute URL (an
     * @odata.nextLink, chosen by the server) must be on the same origin below the API root. Throws
     * instead of sending anything elsewhere.
     */
    resolve(urlOrPath: string): string {
        const refuse = (why: string): never => {
            throw new Error(`${this.options.env}: refusing to request ${displayId(urlOrPath)}: ${why}`);
        };
        if (urlOrPath.includes("#")) refuse("it has a fragment");
        if (/^[a-z][a-z0-9+.-]*:/i.test(urlOrPath)) {
            const api = new URL(this.api);
            let url: URL;
            try {
                url = new URL(urlOrPath);
            } catch {
                return refuse("not a URL");
            }
            if (url.origin !== api.origin || !url.pathname.startsWith(api.pathname)) refuse(`not below ${this.api}`);
            if (!isApiPath(url.pathname.slice(api.pathname.length))) refuse("not a Web API path");
            return url.href;
        }
        const q = urlOrPath.indexOf("?");
        const pathPart = q < 0 ? urlOrPath : urlOrPath.slice(0, q);
        if (!isApiPath(pathPart)) refuse("not a Web API path");
        return this.api + urlOrPath;
    }

    private async attempt(url: string, headers: Record<string, string>, token: string): Promise<Response> {
        const res = await this.network.request(url, {
            headers: { "odata-version": "4.0", "odata-maxversion": "4.0", ...headers, authorization: `Bearer ${token}` },
            timeoutMs: this.options.requestTimeoutMs,
        });
        const declared = res.headers.get("content-length");
        // A body shorter than its declared length is a broken transfer, never data.
        if (declared !== null && Number(declared) !== res.body.length && !res.headers.get("content-encoding")) {
            throw new Error(`truncated body: ${res.body.length} of ${declared} bytes`);
        }
        return res;
    }

    private report(): void {
        this.options.onStats?.(this.stats);
    }
}

function totalSize(r: Response): number | undefined {
    const range = /\/(\d+)\s*$/.exec(r.headers.get("content-range") ?? "");
    if (range) return Number(range[1]);
    const size = r.headers.get("x-ms-file-size");
    return size ? Number(size) : undefined;
}

function errorText(error: unknown): string {
    if (error instanceof Error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        return [error.name === "TimeoutError" ? "timeout" : error.message, cause?.code ?? cause?.message].filter(Boolean).join(": ");
    }
    return String(error);
}
