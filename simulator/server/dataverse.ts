import { createHash } from "node:crypto";
import type { DataverseRow, SampleEnvironment } from "../sample/model.js";
import { ENTITIES, formattedDate, type EntityInfo } from "./entities.js";
import { ODataError, badQuery, notFound } from "./odata-errors.js";
import { compareColumn, parseFilter, type EdmType, type Predicate } from "./odata-filter.js";

/** What one Web API request resolved to, before the transport (faults, limits) gets it. */
export interface DataverseResult {
    status: number;
    headers: Record<string, string>;
    body: Buffer;
    /** For counters: list / entity / additionalcontext / flowlog / whoami. */
    kind: RequestKind;
}

export type RequestKind = "list" | "entity" | "additionalcontext" | "flowlog" | "whoami" | "file" | "bulkdelete";

export interface DataverseRequest {
    env: SampleEnvironment;
    /** `https://host:port/<env>`: the environment URL. */
    envUrl: string;
    /** Path below `/api/data/v9.2/`, still percent-encoded. */
    path: string;
    /** Raw query string without `?`. */
    query: string;
    headers: Record<string, string | string[] | undefined>;
    /** Logical names of tables the calling principal cannot read. */
    deniedTables: ReadonlySet<string>;
    /** Id of the application user the caller maps to (appears in privilege errors). */
    userId: string;
    /** Rows of tables served beside the sample data (bulk deletion jobs, workflow binaries), by entity set. */
    extraRows?: (set: string) => DataverseRow[] | undefined;
    /** Bytes of a file column of such a table (`<set>(<id>)/<column>/$value`), or undefined when it has none. */
    extraFile?: (set: string, id: string, column: string) => { bytes: Buffer; name: string } | undefined;
}

const MAX_PAGE_SIZE = 5000;
const SUPPORTED_OPTIONS = new Set(["$select", "$filter", "$orderby", "$top", "$count", "$skiptoken"]);
const FORMATTED = "@OData.Community.Display.V1.FormattedValue";
const LOOKUP_NAME = "@Microsoft.Dynamics.CRM.lookuplogicalname";

export function handleDataverse(req: DataverseRequest): DataverseResult {
    const segments = req.path.split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
    const first = segments[0] ?? "";
    if (first === "WhoAmI" || first === "WhoAmI()") {
        return json(200, {
            "@odata.context": `${req.envUrl}/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
            BusinessUnitId: stableGuid(`bu:${req.env.name}`),
            UserId: req.userId,
            OrganizationId: String(req.env.organization.organizationid ?? stableGuid(`org:${req.env.name}`)),
        }, {}, "whoami");
    }
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/.exec(first);
    const entity = match ? ENTITIES[match[1]] : undefined;
    if (!match || !entity) throw notFound(`Resource not found for the segment '${first}'.`);
    const key = match[2];
    const query = parseQuery(req.query);

    if (key === undefined) {
        if (segments.length > 1) throw notFound(`Resource not found for the segment '${segments[1]}'.`);
        if (entity.set === "flowlogs") throw notFound(`Resource not found for the segment '${first}'.`);
        requireRead(req, entity);
        return list(req, entity, sourceRows(req, entity), query, `${entity.set}`, "list");
    }

    const id = parseKey(key, entity);
    requireRead(req, entity);
    const row = sourceRows(req, entity).find((r) => String(r[entity.primaryKey]).toLowerCase() === id);
    if (!row) throw new ODataError(404, "0x80040217", `${entity.logicalName} With Id = ${id} Does Not Exist`);

    if (segments.length === 1) {
        rejectUnsupported(query, new Set(["$select"]));
        const columns = selectedColumns(query.get("$select"), entity, [row]);
        const annotations = includeAnnotations(req.headers);
        const body = serialise(row, entity, columns, annotations, req.env);
        const context = `${req.envUrl}/api/data/v9.2/$metadata#${entity.set}${columns ? `(${columns.join(",")})` : ""}/$entity`;
        return json(200, { "@odata.context": context, ...body }, annotations.size ? preferenceApplied([annotationPreference(req.headers)]) : {}, "entity");
    }
    if (entity.set !== "flowsessions") {
        const file = segments.length === 3 && segments[2] === "$value" ? req.extraFile?.(entity.set, id, segments[1]) : undefined;
        if (file) return fileResponse(req, file.bytes, file.name, "file");
        if (segments.length === 3 && segments[2] === "$value" && req.extraFile && entity.fileColumns?.includes(segments[1])) {
            throw new ODataError(404, "0x80060891", `No file attachment found for attribute: ${segments[1]} EntityId: ${id}.`);
        }
        throw notFound(`Resource not found for the segment '${segments[1]}'.`);
    }
    const nav = segments[1];
    if (nav === "additionalcontext" && segments[2] === "$value" && segments.length === 3) {
        return fileContent(req, id, row);
    }
    if (nav === "flowsession_flowlog_parentobjectid" && segments.length === 2) {
        const logs = ENTITIES.flowlogs;
        requireRead(req, logs);
        return list(req, logs, req.env.flowLogs(id), query, `flowsessions(${id})/flowsession_flowlog_parentobjectid`, "flowlog");
    }
    throw notFound(`Resource not found for the segment '${segments.slice(1).join("/")}'.`);
}

function sourceRows(req: DataverseRequest, entity: EntityInfo): DataverseRow[] {
    switch (entity.set) {
        case "workflows": {
            // Drafts (rows the generator marks `__unpublished`) are only visible with MSCRM.IncludeUnpublished,
            // which then returns both layers of a flow: the pipeline dedupes on workflowid.
            const unpublished = String(header(req.headers, "mscrm.includeunpublished") ?? "").toLowerCase() === "true";
            return req.env.workflows.filter((w) => unpublished || w.__unpublished !== true);
        }
        case "flowsessions": return req.env.flowsessions;
        case "flowmachines": return req.env.flowmachines;
        case "flowmachinegroups": return req.env.flowmachinegroups;
        case "organizations": return [req.env.organization];
        default: return req.extraRows?.(entity.set) ?? [];
    }
}

function list(req: DataverseRequest, entity: EntityInfo, rows: DataverseRow[], query: Map<string, string>, contextPath: string, kind: RequestKind): DataverseResult {
    rejectUnsupported(query, SUPPORTED_OPTIONS);
    const known = knownColumns(entity, rows);
    const isColumn = (name: string): boolean => known.has(name);
    const filterText = query.get("$filter");
    const predicate: Predicate | undefined = filterText !== undefined ? parseFilter(filterText, isColumn, entity.logicalName, (c) => columnType(entity, c, rows)) : undefined;
    const order = parseOrderBy(query.get("$orderby"), entity, isColumn);
    const columns = selectedColumns(query.get("$select"), entity, rows);
    let top: number | undefined;
    if (query.has("$top")) {
        const raw = query.get("$top")!;
        if (!/^\d+$/.test(raw)) throw badQuery(`Invalid value '${raw}' for $top query option found. The $top query option requires a non-negative integer value.`);
        top = Number(raw);
    }
    const count = query.get("$count");
    if (count !== undefined && count !== "true" && count !== "false") throw badQuery(`'${count}' is not a valid count option.`);

    const prefer = parsePrefer(req.headers);
    const applied: string[] = [];
    let pageSize = MAX_PAGE_SIZE;
    if (prefer.maxPageSize !== undefined) {
        pageSize = Math.min(Math.max(1, prefer.maxPageSize), MAX_PAGE_SIZE);
        applied.push(`odata.maxpagesize=${pageSize}`);
    }
    const annotations = includeAnnotations(req.headers);
    if (annotations.size) applied.push(annotationPreference(req.headers));

    const matching = (predicate ? rows.filter(predicate) : rows.slice()).sort((a, b) => compareRows(a, b, order));
    let start = 0;
    const skiptoken = query.get("$skiptoken");
    if (skiptoken !== undefined) {
        const cursor = decodeSkipToken(skiptoken, order.length);
        // Keyset paging: the next page starts after the last row served, so rows added or moved meanwhile
        // neither shift nor repeat the rows already returned, and following the same link twice gives the same page.
        start = matching.findIndex((row) => compareKey(keyOf(row, order), cursor.key, order) > 0);
        if (start < 0) start = matching.length;
    }
    const limit = top !== undefined ? Math.min(top, pageSize) : pageSize;
    const page = matching.slice(start, start + limit);
    const more = top === undefined && start + limit < matching.length;

    const context = `${req.envUrl}/api/data/v9.2/$metadata#${contextPath === entity.set ? entity.set : entity.set}${columns ? `(${columns.join(",")})` : ""}`;
    const body: Record<string, unknown> = { "@odata.context": context };
    if (count === "true") body["@odata.count"] = matching.length;
    body.value = page.map((row) => serialise(row, entity, columns, annotations, req.env));
    if (more && page.length > 0) {
        const last = page[page.length - 1];
        const pageNumber = (skiptoken !== undefined ? decodeSkipToken(skiptoken, order.length).page : 1) + 1;
        const token = encodeSkipToken(pageNumber, keyOf(last, order));
        const params = [...query.entries()].filter(([k]) => k !== "$skiptoken").map(([k, v]) => `${k}=${encodeQueryValue(v)}`);
        params.push(`$skiptoken=${encodeQueryValue(token)}`);
        body["@odata.nextLink"] = `${req.envUrl}/api/data/v9.2/${contextPath}?${params.join("&")}`;
    }
    return json(200, body, applied.length ? preferenceApplied(applied) : {}, kind);
}

function fileContent(req: DataverseRequest, id: string, row: DataverseRow): DataverseResult {
    const bytes = req.env.additionalContext(id);
    if (!bytes) {
        throw new ODataError(404, "0x80060891", `No file attachment found for attribute: additionalcontext EntityId: ${id}.`);
    }
    const name = typeof row.additionalcontext_name === "string" ? row.additionalcontext_name : `${id}_additionalcontext.json`;
    return fileResponse(req, bytes, name, "additionalcontext");
}

/** A file column's bytes as Dataverse serves them: whole, or the requested range (206), or 416. */
function fileResponse(req: DataverseRequest, bytes: Buffer, name: string, kind: RequestKind): DataverseResult {
    const headers: Record<string, string> = {
        "content-type": "application/octet-stream",
        "x-ms-file-size": String(bytes.length),
        "x-ms-file-name": name,
        "accept-ranges": "bytes",
    };
    const range = header(req.headers, "range");
    if (range === undefined) return { status: 200, headers, body: bytes, kind };
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let from = 0;
    let to = bytes.length - 1;
    if (m && (m[1] !== "" || m[2] !== "")) {
        if (m[1] === "") {
            from = Math.max(0, bytes.length - Number(m[2]));
        } else {
            from = Number(m[1]);
            if (m[2] !== "") to = Math.min(Number(m[2]), bytes.length - 1);
        }
    }
    if (!m || (m[1] === "" && m[2] === "") || from > to || from >= bytes.length) {
        return {
            status: 416,
            headers: { "content-type": "application/json; odata.metadata=minimal", "content-range": `bytes */${bytes.length}` },
            body: Buffer.from(new ODataError(416, QUERY_RANGE, `The requested range '${range}' is not satisfiable for a file of ${bytes.length} bytes.`).body()),
            kind,
        };
    }
    return {
        status: 206,
        headers: { ...headers, "content-range": `bytes ${from}-${to}/${bytes.length}` },
        body: bytes.subarray(from, to + 1),
        kind,
    };
}
const QUERY_RANGE = "0x80060888";

function requireRead(req: DataverseRequest, entity: EntityInfo): void {
    if (!req.deniedTables.has(entity.logicalName)) return;
    const privilegeId = stableGuid(`prvRead${entity.logicalName}`);
    throw new ODataError(403, "0x80040220",
        `Principal user (Id=${req.userId}, type=8, roleCount=1, privilegeCount=312, accessMode=4), is missing prvRead${entity.logicalName} privilege (Id=${privilegeId}) on OTC=${otc(entity.logicalName)} for entity '${entity.logicalName}'. context.Caller=${req.userId}. Consider assigning a role with the required access level to the user or team.`);
}

function otc(logicalName: string): number {
    return { workflow: 4703, flowsession: 10297, flowmachine: 10291, flowmachinegroup: 10292, organization: 1019, flowlog: 10404, asyncoperation: 4700, bulkdeleteoperation: 4424 }[logicalName] ?? 10000;
}

/** Query options exactly as sent: `+` stays `+` (a `+01:00` offset must survive), only %XX is decoded. */
function parseQuery(raw: string): Map<string, string> {
    const map = new Map<string, string>();
    for (const part of raw.split("&")) {
        if (!part) continue;
        const eq = part.indexOf("=");
        const name = decode(eq < 0 ? part : part.slice(0, eq));
        const value = eq < 0 ? "" : decode(part.slice(eq + 1));
        if (map.has(name)) throw badQuery(`Query option '${name}' was specified more than once, but it must be specified at most once.`);
        map.set(name, value);
    }
    return map;
}

function decode(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        throw badQuery(`The query string '${text}' is not correctly percent-encoded.`);
    }
}

function encodeQueryValue(value: string): string {
    return encodeURIComponent(value).replace(/%2C/g, ",").replace(/%20/g, "%20");
}

function rejectUnsupported(query: Map<string, string>, allowed: ReadonlySet<string>): void {
    for (const name of query.keys()) {
        if (name.startsWith("$") && !allowed.has(name)) throw badQuery(`The query parameter ${name} is not supported`);
        if (!name.startsWith("$") && !name.startsWith("@")) throw badQuery(`The query parameter ${name} is not supported`);
    }
}

function knownColumns(entity: EntityInfo, rows: DataverseRow[]): Set<string> {
    const known = new Set(entity.columns);
    // The schema, not the data, decides which columns exist; sampling rows picks up generator extras.
    for (const row of rows.slice(0, 50)) for (const k of Object.keys(row)) if (!k.startsWith("__")) known.add(k);
    for (const h of entity.hidden ?? []) known.delete(h);
    return known;
}

const DATE_COLUMNS = new Set(["createdon", "modifiedon", "startedon", "completedon", "overriddencreatedon", "postponeuntil", "recurrencestarttime", "nextrun"]);

/** The column's Edm type from the schema, else from a sample of the data; undefined when unknown. */
function columnType(entity: EntityInfo, column: string, rows: DataverseRow[]): EdmType | undefined {
    if (column === entity.primaryKey || entity.lookups[column] || /^_.+_value$/.test(column)) return "Edm.Guid";
    if (DATE_COLUMNS.has(column)) return "Edm.DateTimeOffset";
    if (entity.optionSets[column]) return "Edm.Int32";
    const sample = rows.slice(0, 50).map((r) => r[column]).find((v) => v !== null && v !== undefined);
    if (typeof sample === "number") return Number.isInteger(sample) ? "Edm.Int64" : "Edm.Double";
    if (typeof sample === "boolean") return "Edm.Boolean";
    if (typeof sample === "string") return "Edm.String";
    return undefined;
}

function selectedColumns(select: string | undefined, entity: EntityInfo, rows: DataverseRow[]): string[] | undefined {
    if (select === undefined) return undefined;
    const known = knownColumns(entity, rows);
    const columns = select.split(",").map((s) => s.trim());
    for (const c of columns) {
        if (!c || !known.has(c)) throw badQuery(`Could not find a property named '${c}' on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'.`);
    }
    return columns;
}

type Order = Array<{ column: string; desc: boolean }>;

function parseOrderBy(text: string | undefined, entity: EntityInfo, isColumn: (c: string) => boolean): Order {
    const order: Order = [];
    if (text !== undefined) {
        for (const item of text.split(",")) {
            const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/i.exec(item);
            if (!m) throw badQuery(`Syntax error at position ${text.indexOf(item)} in '${text}'.`);
            if (!isColumn(m[1])) throw badQuery(`Could not find a property named '${m[1]}' on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'.`);
            order.push({ column: m[1], desc: (m[2] ?? "asc").toLowerCase() === "desc" });
        }
    }
    // Dataverse adds the primary key to make paging deterministic; so does the simulator.
    if (!order.some((o) => o.column === entity.primaryKey)) order.push({ column: entity.primaryKey, desc: false });
    return order;
}

type Key = Array<string | number | boolean | null>;

function keyOf(row: DataverseRow, order: Order): Key {
    return order.map((o) => row[o.column] ?? null);
}

function compareKey(a: Key, b: Key, order: Order): number {
    for (let i = 0; i < order.length; i++) {
        const c = compareColumn(a[i], b[i]);
        if (c !== 0) return order[i].desc ? -c : c;
    }
    return 0;
}

function compareRows(a: DataverseRow, b: DataverseRow, order: Order): number {
    return compareKey(keyOf(a, order), keyOf(b, order), order);
}

/** Looks like Dataverse's paging cookie; the key of the last row served travels inside it. */
function encodeSkipToken(page: number, key: Key): string {
    const cookie = Buffer.from(JSON.stringify(key)).toString("base64url");
    return `<cookie pagenumber="${page}" pagingcookie="${cookie}" istracking="False" />`;
}

function decodeSkipToken(token: string, keyLength: number): { page: number; key: Key } {
    const m = /^<cookie pagenumber="(\d+)" pagingcookie="([A-Za-z0-9_-]*)" istracking="False" \/>$/.exec(token);
    if (m) {
        try {
            const key = JSON.parse(Buffer.from(m[2], "base64url").toString("utf8")) as unknown;
            if (Array.isArray(key) && key.length === keyLength) return { page: Number(m[1]), key: key as Key };
        } catch {
            // fall through to the error below
        }
    }
    throw badQuery("The $skiptoken value is not valid for this query. Follow @odata.nextLink exactly as returned.");
}

function parseKey(key: string, entity: EntityInfo): string {
    const guid = /^(?:[A-Za-z_]+=)?'?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})'?$/.exec(key);
    if (!guid) throw badQuery(`Bad Request - Error in query syntax. The key '${key}' is not a valid ${entity.primaryKey}.`);
    return guid[1].toLowerCase();
}

function header(headers: DataverseRequest["headers"], name: string): string | undefined {
    const v = headers[name];
    return Array.isArray(v) ? v.join(",") : v;
}

function parsePrefer(headers: DataverseRequest["headers"]): { maxPageSize?: number } {
    const prefer = header(headers, "prefer") ?? "";
    const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(prefer);
    return { maxPageSize: m ? Number(m[1]) : undefined };
}

function annotationPreference(headers: DataverseRequest["headers"]): string {
    const m = /odata\.include-annotations\s*=\s*("[^"]*"|[^,;\s]+)/i.exec(header(headers, "prefer") ?? "");
    return `odata.include-annotations=${m ? m[1] : '"*"'}`;
}

function includeAnnotations(headers: DataverseRequest["headers"]): Set<string> {
    const m = /odata\.include-annotations\s*=\s*("[^"]*"|[^,;\s]+)/i.exec(header(headers, "prefer") ?? "");
    const set = new Set<string>();
    if (!m) return set;
    const value = m[1].replace(/"/g, "");
    for (const part of value.split(",").map((s) => s.trim())) {
        if (part === "*") {
            set.add("formatted");
            set.add("lookup");
        } else if (part.includes("FormattedValue")) set.add("formatted");
        else if (part.includes("lookuplogicalname") || part === "Microsoft.Dynamics.CRM.*") set.add("lookup");
    }
    return set;
}

function serialise(row: DataverseRow, entity: EntityInfo, columns: string[] | undefined, annotations: Set<string>, env: SampleEnvironment): Record<string, unknown> {
    const out: Record<string, unknown> = { "@odata.etag": etag(row) };
    const names = columns ?? Object.keys(row).filter((k) => !k.startsWith("__") && !(entity.hidden ?? []).includes(k));
    if (!names.includes(entity.primaryKey)) names.push(entity.primaryKey);
    for (const name of names) {
        const value = row[name] ?? null;
        if (annotations.has("formatted") && value !== null) {
            const labels = entity.optionSets[name];
            if (labels && typeof value === "number") out[`${name}${FORMATTED}`] = labels[value] ?? String(value);
            else if (entity.lookups[name]) out[`${name}${FORMATTED}`] = lookupName(env, entity.lookups[name], String(value));
            else if (typeof value === "string" && /on$/.test(name) && /^\d{4}-\d{2}-\d{2}T/.test(value)) out[`${name}${FORMATTED}`] = formattedDate(value);
            else if (typeof value === "number" && !name.endsWith("id")) out[`${name}${FORMATTED}`] = value.toLocaleString("en-US");
        }
        if (annotations.has("lookup") && value !== null && entity.lookups[name]) {
            out[`${name}${LOOKUP_NAME}`] = ENTITIES[entity.lookups[name]]?.logicalName ?? entity.lookups[name].replace(/s$/, "");
        }
        out[name] = value;
    }
    return out;
}

function lookupName(env: SampleEnvironment, set: string, id: string): string {
    const rows: DataverseRow[] = set === "workflows" ? env.workflows : set === "flowmachines" ? env.flowmachines : set === "flowmachinegroups" ? env.flowmachinegroups : [];
    const info = ENTITIES[set];
    const target = info ? rows.find((r) => String(r[info.primaryKey]).toLowerCase() === id.toLowerCase()) : undefined;
    if (target && typeof target.name === "string") return target.name;
    if (set === "systemusers") return `# ${env.displayName} application user`;
    return id;
}

/** A weak ETag that changes whenever the row does (Dataverse uses the row version). */
function etag(row: DataverseRow): string {
    const digest = createHash("sha1").update(JSON.stringify(row)).digest();
    return `W/"${digest.readUInt32BE(0)}"`;
}

export function stableGuid(seed: string): string {
    const h = createHash("sha256").update(seed).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function preferenceApplied(applied: string[]): Record<string, string> {
    return { "preference-applied": applied.join(",") };
}

function json(status: number, body: object, headers: Record<string, string>, kind: RequestKind): DataverseResult {
    return {
        status,
        headers: { "content-type": "application/json; odata.metadata=minimal", "odata-version": "4.0", ...headers },
        body: Buffer.from(JSON.stringify(body)),
        kind,
    };
}
