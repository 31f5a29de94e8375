import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import type { SampleDataset, SampleEnvironment, SampleManifest, SampleOptions } from "../sample/model.js";
import { ensureCertificateAuthority, issueServerCertificate } from "../ca/index.js";
import { BulkDeleteService, type BulkDeleteTiming, type SimulatedBulkDeleteJob } from "./bulk-delete.js";
import { handleDataverse, stableGuid, type DataverseResult, type RequestKind } from "./dataverse.js";
import { issueToken, jwks, openIdConfiguration, type ClientRegistration, type EntraContext } from "./entra.js";
import { FaultInjector, type Fault, type FaultProfileName } from "./faults.js";
import { withHostileRows } from "./hostile.js";
import { DATAVERSE_LIMITS, LimitTracker, type ServiceLimits } from "./limits.js";
import { ODataError } from "./odata-errors.js";
import { TokenSigner, type TokenClaims } from "./tokens.js";
import { binaryContent, workflowBinaries } from "./workflow-binaries.js";

export { FAULT_PROFILES, type FaultProfileName } from "./faults.js";
export { DATAVERSE_LIMITS, type ServiceLimits } from "./limits.js";
export { HOSTILE_RUNS } from "./hostile.js";
export type { BulkDeleteTiming, SimulatedBulkDeleteJob } from "./bulk-delete.js";

export interface SimulatorOptions {
    /** 0 (default) picks a free port. */
    port: number;
    /** Serve this dataset; otherwise one is generated from seed/envs/days/scale. */
    dataset: SampleDataset;
    seed: number;
    envs: number;
    days: number;
    scale: number;
    faults: FaultProfileName;
    /** Seed of the fault decisions (default: `seed`). */
    faultSeed: number;
    limits: Partial<ServiceLimits>;
    tokenLifetimeSeconds: number;
    /** Where the CA lives: reused when present, created otherwise (default ~/.padlens/simulator-ca). */
    caDir: string;
    /** Where to write the manifest JSON (default: a temporary folder). */
    manifestFile: string;
    /** Per environment name: logical names of tables its application user may not read. */
    deniedTables: Record<string, string[]>;
    /** Per environment name: other privileges its application user lacks (prvBulkDelete, prvDeleteflowsession). */
    deniedPrivileges: Record<string, string[]>;
    /** When bulk deletion jobs start and how long they run (default: start at once, run 0 ms). */
    bulkDelete: Partial<BulkDeleteTiming>;
    /** Per environment name: PEM certificates accepted as the client's credential (client_assertion). */
    clientCertificates: Record<string, string[]>;
    /** Upper bound of the `slow` profile's delay (ms, default 600). */
    slowDelayMs: number;
    /** Fixed delay added to every Web API response (ms, default 0): network latency. */
    latencyMs: number;
    /** Also list flowsessions whose ids are paths, URL pieces and junk (hostile.ts): for testing the client's guards. */
    hostileIds: boolean;
}

export interface SimulatedEnvironment {
    name: string;
    url: string;
    tenantId: string;
    clientId: string;
    clientSecret: string;
}

export type CounterKind = RequestKind | "token" | "openid" | "throttled" | "unauthorized" | "error";

export interface LoggedRequest {
    method: string;
    path: string;
    env?: string;
    kind: CounterKind | "other";
    status: number;
    fault?: Fault["kind"];
    attempt?: number;
}

export interface SimulatorHandle {
    baseUrl: string;
    authorityHost: string;
    caFile: string;
    environments: SimulatedEnvironment[];
    /** Path of the manifest JSON written at start (the generator's truth about the data). */
    manifest: string;
    dataset: SampleDataset;
    /** The most recent requests (at most 200,000), oldest first. */
    requestLog: LoggedRequest[];
    /** Requests per kind since start (or the last resetCounters), e.g. counters().list, counters().token. */
    counters(): Record<string, number>;
    resetCounters(): void;
    setFaults(profile: FaultProfileName, seed?: number): void;
    setLimits(limits: Partial<ServiceLimits>): void;
    setTokenLifetime(seconds: number): void;
    /** Fixed delay added to every Web API response from now on (ms). */
    setLatency(ms: number): void;
    /** Lists the hostile flowsessions (hostile.ts) from now on, or stops listing them. */
    setHostileIds(on: boolean): void;
    /** The logs (V1 file and V2 rows) of these runs answer 500 on every request from now on; [] restores. */
    setBrokenLogs(runIds: string[]): void;
    /** Accepts a certificate (PEM) as a credential of an environment's client, next to its secret. */
    addClientCertificate(envName: string, certPem: string): void;
    /** Makes the given tables unreadable (403) for an environment's application user; [] restores. */
    setDeniedTables(envName: string, logicalNames: string[]): void;
    /** Takes privileges away from an environment's application user (prvBulkDelete, prvDeleteflowsession: BulkDelete answers 403); [] restores. */
    setDeniedPrivileges(envName: string, privileges: string[]): void;
    /** When bulk deletion jobs submitted from now on start, and how long they run. */
    setBulkDeleteTiming(timing: Partial<BulkDeleteTiming>): void;
    /** Every bulk deletion job submitted so far, moved along to the simulator's clock first. */
    bulkDeleteJobs(): SimulatedBulkDeleteJob[];
    /** Submits a bulk deletion job as the admin center's wizard would (no token): the BulkDelete body; returns the JobId. */
    submitBulkDelete(envName: string, body: Record<string, unknown>): string;
    /** Moves the simulator's clock forward (tokens expire, limit windows roll) without waiting. */
    skewClock(seconds: number): void;
    /** Appends newer runs and moves some existing ones (the generator's extendDataset). */
    advance(untilIso: string): Promise<{ added: number; modified: number }>;
    close(): Promise<void>;
}

const API_PREFIX = "/api/data/v9.2";

export async function startSimulator(options: Partial<SimulatorOptions> = {}): Promise<SimulatorHandle> {
    const dataset = options.dataset ?? (await generate(options));
    const ca = ensureCertificateAuthority(options.caDir ?? path.join(os.homedir(), ".padlens", "simulator-ca"));
    const leaf = issueServerCertificate(ca);
    let clockSkewMs = 0;
    const now = (): number => Date.now() + clockSkewMs;
    let tokenLifetime = options.tokenLifetimeSeconds ?? 3600;
    let latencyMs = options.latencyMs ?? 0;
    let hostileIds = options.hostileIds ?? false;
    let brokenLogs = new Set<string>();
    let faults = new FaultInjector(options.faults ?? "none", options.faultSeed ?? options.seed ?? 1, options.slowDelayMs);
    const limits = new LimitTracker({ ...DATAVERSE_LIMITS, ...options.limits }, now);
    const denied = new Map<string, Set<string>>(Object.entries(options.deniedTables ?? {}).map(([k, v]) => [k, new Set(v)]));
    const deniedPrivileges = new Map<string, Set<string>>(Object.entries(options.deniedPrivileges ?? {}).map(([k, v]) => [k, new Set(v)]));
    let bulkTiming: BulkDeleteTiming = { startDelayMs: 0, durationMs: 0, ...options.bulkDelete };
    const bulk = new BulkDeleteService(now, {
        timing: () => bulkTiming,
        partial: () => faults.profile === "bulkdelete-partial",
        environment: (name) => dataset.environments.find((e) => e.name === name),
    });
    const signer = new TokenSigner();
    const certificates = new Map<string, string[]>(Object.entries(options.clientCertificates ?? {}).map(([k, v]) => [k, [...v]]));
    const requestLog: LoggedRequest[] = [];
    let counters: Record<string, number> = {};
    const sockets = new Set<Socket>();

    const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, "localhost", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const baseUrl = `https://localhost:${port}`;
    const envUrl = (env: SampleEnvironment): string => `${baseUrl}/${env.name}`;

    const clients = (): ClientRegistration[] =>
        dataset.environments.map((e) => ({ tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret, objectId: stableGuid(`sp:${e.tenantId}:${e.clientId}`), certificates: certificates.get(e.name) ?? [] }));
    const entra: EntraContext = {
        baseUrl,
        get clients() {
            return clients();
        },
        get resources() {
            return dataset.environments.map(envUrl);
        },
        signer,
        tokenLifetimeSeconds: () => tokenLifetime,
        now,
    };

    const count = (kind: string): void => {
        counters[kind] = (counters[kind] ?? 0) + 1;
    };
    const log = (entry: LoggedRequest): void => {
        // A long-running `padlens simulate` must not grow without bound; tests read far fewer than this.
        if (requestLog.length >= 200_000) requestLog.splice(0, 100_000);
        requestLog.push(entry);
        count(entry.kind);
    };

    server.on("connection", (socket: Socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });
    server.on("secureConnection", (socket: Socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });

    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            route(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
                if (!res.headersSent) send(res, 500, { "content-type": "application/json" }, Buffer.from(new ODataError(500, "0x80040216", String(error)).body()));
                else res.destroy();
            });
        });
    });

    async function route(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
        const url = req.url ?? "/";
        const q = url.indexOf("?");
        const pathname = q < 0 ? url : url.slice(0, q);
        const query = q < 0 ? "" : url.slice(q + 1);
        const method = req.method ?? "GET";
        const segments = pathname.split("/").filter(Boolean);

        // Entra ID: /<tenant>/v2.0/.well-known/openid-configuration, /<tenant>/oauth2/v2.0/token, /<tenant>/discovery/v2.0/keys
        const tenantId = segments[0];
        const rest = segments.slice(1).join("/");
        if (tenantId && (rest === "v2.0/.well-known/openid-configuration" || rest === ".well-known/openid-configuration") && method === "GET") {
            const r = openIdConfiguration(entra, tenantId);
            log({ method, path: pathname, kind: "openid", status: r.status });
            return send(res, r.status, { "content-type": "application/json; charset=utf-8" }, Buffer.from(JSON.stringify(r.body)));
        }
        if (tenantId && rest === "discovery/v2.0/keys") {
            return send(res, 200, { "content-type": "application/json" }, Buffer.from(JSON.stringify(jwks().body)));
        }
        if (tenantId && rest === "oauth2/v2.0/token" && method === "POST") {
            const r = issueToken(entra, tenantId, new URLSearchParams(body.toString("utf8")), header(req, "authorization"));
            log({ method, path: pathname, kind: "token", status: r.status });
            return send(res, r.status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store, no-cache", pragma: "no-cache" }, Buffer.from(JSON.stringify(r.body)));
        }

        const listed = dataset.environments.find((e) => e.name === segments[0]);
        const env = listed && hostileIds ? withHostileRows(listed) : listed;
        const apiPath = env ? pathname.slice(env.name.length + 1) : "";
        if (!env || !(apiPath === API_PREFIX || apiPath.startsWith(`${API_PREFIX}/`))) {
            log({ method, path: pathname, kind: "other", status: 404 });
            return sendError(res, new ODataError(404, "0x80060888", `Resource not found for the segment '${segments[env ? 1 : 0] ?? ""}'.`));
        }
        const url0 = envUrl(env);
        const entry: LoggedRequest = { method, path: pathname, env: env.name, kind: "other", status: 0 };

        const claims = authenticate(req, url0);
        if ("error" in claims) {
            entry.kind = "unauthorized";
            entry.status = 401;
            log(entry);
            return sendError(res, new ODataError(401, "0x80072560", claims.error, {
                "www-authenticate": `Bearer error=invalid_token, error_description="${claims.error}", authorization_uri=${baseUrl}/${env.tenantId}/oauth2/authorize, resource_id=${url0}`,
            }));
        }
        const isBulkDelete = method === "POST" && apiPath === `${API_PREFIX}/BulkDelete`;
        if (method !== "GET" && !isBulkDelete) {
            entry.status = 405;
            log(entry);
            return sendError(res, new ODataError(405, "0x80060888", `The HTTP method '${method}' is not supported by the padlens simulator for this resource.`));
        }

        const client = `${env.name}:${claims.appid}`;
        const throttle = limits.enter(client);
        if (throttle) {
            entry.kind = "throttled";
            entry.status = 429;
            log(entry);
            return sendError(res, new ODataError(429, throttle.code, throttle.message, { "retry-after": String(throttle.retryAfterSeconds) }));
        }
        try {
            if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
            const key = `${method} ${pathname}?${query} ${header(req, "range") ?? ""} ${header(req, "prefer") ?? ""}`;
            const { fault: drawn, attempt } = faults.decide(key);
            // A log that is always broken (a run whose file the service lost): every retry meets a 500.
            const brokenLog = brokenLogs.size > 0 && /flowsessions\(([0-9a-f-]{36})\)\/(additionalcontext|flowsession_flowlog_parentobjectid)/i.exec(pathname);
            const fault: Fault | undefined = brokenLog && brokenLogs.has(brokenLog[1].toLowerCase()) ? { kind: "error", status: 500 } : drawn;
            let result: DataverseResult;
            const userId = stableGuid(`user:${env.name}:${claims.appid}`);
            bulk.tick();
            try {
                if (isBulkDelete) {
                    // A request answered with an error or a 429 never reached Dataverse's handler: no job.
                    result = fault?.kind === "error" || fault?.kind === "throttle"
                        ? { status: 200, headers: {}, body: Buffer.alloc(0), kind: "bulkdelete" }
                        : bulk.submit(listed!, url0, body, { userId, denied: deniedPrivileges.get(env.name) ?? new Set() });
                } else {
                    result = handleDataverse({
                        env, envUrl: url0, path: apiPath.slice(API_PREFIX.length), query, headers: req.headers,
                        deniedTables: denied.get(env.name) ?? new Set(), userId,
                        extraRows: (set) => extraRows(env, set),
                        extraFile: (set, id, column) => extraFile(env, set, id, column),
                    });
                }
            } catch (error) {
                if (!(error instanceof ODataError)) throw error;
                entry.kind = "error";
                entry.status = error.status;
                log(entry);
                return sendError(res, error);
            }
            entry.kind = result.kind;
            entry.attempt = attempt;
            if (fault) entry.fault = fault.kind;
            entry.status = fault?.kind === "error" ? fault.status : fault?.kind === "throttle" ? 429 : result.status;
            log(entry);
            await deliver(res, result, fault);
        } finally {
            limits.leave(client);
        }
    }

    function extraRows(env: SampleEnvironment, set: string) {
        if (set === "asyncoperations" || set === "bulkdeleteoperations") return bulk.rows(env.name, set);
        if (set === "workflowbinaries") return workflowBinaries(env).map((b) => b.row);
        return undefined;
    }

    function extraFile(env: SampleEnvironment, set: string, id: string, column: string) {
        if (set !== "workflowbinaries" || column !== "data") return undefined;
        const binary = workflowBinaries(env).find((b) => b.row.workflowbinaryid === id);
        return binary ? { bytes: binaryContent(binary), name: String(binary.row.name) } : undefined;
    }

    function authenticate(req: IncomingMessage, resource: string): TokenClaims | { error: string } {
        const auth = header(req, "authorization");
        if (!auth || !/^Bearer\s+/i.test(auth)) return { error: "Bearer token is missing from the Authorization header." };
        const claims = signer.verify(auth.replace(/^Bearer\s+/i, "").trim());
        if (!claims) return { error: "The access token is invalid: its signature could not be verified." };
        if (claims.exp * 1000 <= now()) return { error: `The access token has expired (exp ${new Date(claims.exp * 1000).toISOString()}). Acquire a new token and retry.` };
        if (claims.aud.replace(/\/+$/, "").toLowerCase() !== resource.toLowerCase()) {
            return { error: `The access token's audience '${claims.aud}' is not valid for ${resource}: request a token with scope ${resource}/.default.` };
        }
        return claims;
    }

    async function deliver(res: ServerResponse, result: DataverseResult, fault: Fault | undefined): Promise<void> {
        if (!fault) return send(res, result.status, result.headers, result.body);
        switch (fault.kind) {
            case "error": {
                const messages = { 500: "An unexpected error occurred.", 502: "Bad Gateway", 503: "The service is temporarily unavailable. Retry later." };
                return sendError(res, new ODataError(fault.status, "0x80040216", messages[fault.status]));
            }
            case "throttle":
                return sendError(res, new ODataError(429, "0x80072322", "Number of requests exceeded the limit of 6000 over time window of 300 seconds.", { "retry-after": String(fault.retryAfterSeconds) }));
            case "slow":
                await new Promise((r) => setTimeout(r, fault.delayMs));
                return send(res, result.status, result.headers, result.body);
            case "reset": {
                // Headers and part of the body go out, then the connection dies without a proper end.
                res.writeHead(result.status, { ...result.headers, "content-length": String(result.body.length) });
                res.write(result.body.subarray(0, Math.floor(result.body.length / 2)));
                const socket = res.socket;
                setImmediate(() => {
                    const s = socket as (Socket & { resetAndDestroy?: () => void }) | null;
                    if (!s) return;
                    try {
                        if (s.resetAndDestroy) s.resetAndDestroy();
                        else s.destroy();
                    } catch {
                        s.destroy();
                    }
                });
                return;
            }
            case "truncated": {
                // Content-Length promises the whole body but the connection closes early: a client that
                // checks the length sees the truncation; nothing of a completed 200 is ever altered.
                const keep = Math.max(0, result.body.length - Math.max(1, Math.ceil(result.body.length / 3)));
                res.writeHead(result.status, { ...result.headers, "content-length": String(result.body.length) });
                res.write(result.body.subarray(0, keep), () => res.socket?.end());
                return;
            }
        }
    }

    let manifestFile = options.manifestFile ?? "";
    const writeManifest = (manifest: SampleManifest): void => {
        if (!manifestFile) {
            const dir = path.join(os.tmpdir(), `padlens-simulator-${process.pid}-${port}`);
            manifestFile = path.join(dir, "manifest.json");
        }
        mkdirSync(path.dirname(manifestFile), { recursive: true });
        writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    };
    writeManifest(dataset.manifest);

    const handle: SimulatorHandle = {
        baseUrl,
        authorityHost: baseUrl,
        caFile: ca.caFile,
        get environments() {
            return dataset.environments.map((e) => ({ name: e.name, url: envUrl(e), tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret }));
        },
        manifest: manifestFile,
        get dataset() {
            return dataset;
        },
        requestLog,
        counters: () => ({ ...counters }),
        resetCounters: () => {
            counters = {};
            requestLog.length = 0;
        },
        setFaults: (profile, seed) => {
            faults = new FaultInjector(profile, seed ?? faults.seed, options.slowDelayMs);
        },
        setLimits: (next) => {
            limits.limits = { ...limits.limits, ...next };
            limits.reset();
        },
        setTokenLifetime: (seconds) => {
            tokenLifetime = seconds;
        },
        setLatency: (ms) => {
            latencyMs = ms;
        },
        setHostileIds: (on) => {
            hostileIds = on;
        },
        setBrokenLogs: (runIds) => {
            brokenLogs = new Set(runIds.map((id) => id.toLowerCase()));
        },
        addClientCertificate: (envName, certPem) => {
            certificates.set(envName, [...(certificates.get(envName) ?? []), certPem]);
        },
        setDeniedTables: (envName, logicalNames) => {
            denied.set(envName, new Set(logicalNames));
        },
        setDeniedPrivileges: (envName, privileges) => {
            deniedPrivileges.set(envName, new Set(privileges));
        },
        setBulkDeleteTiming: (timing) => {
            bulkTiming = { ...bulkTiming, ...timing };
        },
        bulkDeleteJobs: () => bulk.list(),
        submitBulkDelete: (envName, body) => {
            const env = dataset.environments.find((e) => e.name === envName);
            if (!env) throw new Error(`no environment named ${envName}`);
            const r = bulk.submit(env, envUrl(env), Buffer.from(JSON.stringify(body)), { userId: stableGuid(`wizard:${envName}`), denied: new Set() });
            return String((JSON.parse(r.body.toString("utf8")) as { JobId: string }).JobId);
        },
        skewClock: (seconds) => {
            clockSkewMs += seconds * 1000;
        },
        advance: async (untilIso) => {
            const sample = await loadGenerator();
            // The generator mutates the dataset in place (rows are appended and updated), so the server
            // keeps serving the same object; the result only adds counts.
            const result = sample.extendDataset(dataset, untilIso);
            writeManifest(dataset.manifest);
            return { added: result.added, modified: result.modified };
        },
        close: () =>
            new Promise<void>((resolve) => {
                bulk.close();
                server.close(() => resolve());
                for (const s of sockets) s.destroy();
            }),
    };
    return handle;
}

function header(req: IncomingMessage, name: string): string | undefined {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(",") : v;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
    res.writeHead(status, { ...headers, "content-length": String(body.length), "x-ms-service-request-id": requestId() });
    res.end(body);
}

function sendError(res: ServerResponse, error: ODataError): void {
    send(res, error.status, { "content-type": "application/json; odata.metadata=minimal", "odata-version": "4.0", ...error.headers }, Buffer.from(error.body()));
}

let requestCounter = 0;
function requestId(): string {
    return stableGuid(`req:${process.pid}:${++requestCounter}`);
}

interface GeneratorModule {
    generateDataset(options: Partial<SampleOptions>): SampleDataset;
    extendDataset(dataset: SampleDataset, untilIso: string): { added: number; modified: number };
}

// The generator is its own module (simulator/sample); loaded only when the simulator has to make data.
async function loadGenerator(): Promise<GeneratorModule> {
    const specifier = "../sample/index.js";
    return (await import(specifier)) as GeneratorModule;
}

async function generate(options: Partial<SimulatorOptions>): Promise<SampleDataset> {
    const sample = await loadGenerator();
    const wanted: Partial<SampleOptions> = {};
    if (options.seed !== undefined) wanted.seed = options.seed;
    if (options.envs !== undefined) wanted.envs = options.envs;
    if (options.days !== undefined) wanted.days = options.days;
    if (options.scale !== undefined) wanted.scale = options.scale;
    return sample.generateDataset(wanted);
}
