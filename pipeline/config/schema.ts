/** JSON schema of padlens.config.json (README, "Using it for real"). Keys starting with "//" are comments and are ignored. */
const comment = { "^//": {} };

export const CONFIG_SCHEMA = {
    type: "object",
    required: ["environments"],
    additionalProperties: false,
    patternProperties: comment,
    properties: {
        // Written by `padlens init` so editors complete and check the file (docs/schemas/padlens.config.schema.json).
        $schema: { type: "string" },
        out: { type: "string", minLength: 1 },
        logFile: { type: "string", minLength: 1 },
        compression: { enum: ["zstd", "snappy"] },
        authorityHost: { type: "string", pattern: "^https://[^/]+/?$" },
        concurrency: { type: "integer", minimum: 1, maximum: 52 },
        envConcurrency: { type: "integer", minimum: 1, maximum: 32 },
        pageSize: { type: "integer", minimum: 1, maximum: 5000 },
        overlapMinutes: { type: "number", minimum: 0 },
        scheduleMinutes: { type: "number", exclusiveMinimum: 0 },
        requestTimeoutSeconds: { type: "number", exclusiveMinimum: 0 },
        proxy: {
            anyOf: [
                { type: "string", minLength: 1 },
                { const: false },
                {
                    type: "object",
                    required: ["url"],
                    additionalProperties: false,
                    patternProperties: comment,
                    properties: {
                        url: { type: "string", minLength: 1 },
                        username: { type: "string", minLength: 1 },
                        password: { type: "string", minLength: 1 },
                        noProxy: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string", minLength: 1 } }] },
                    },
                },
            ],
        },
        logs: {
            type: "object",
            additionalProperties: false,
            patternProperties: comment,
            properties: {
                includeInputsOutputs: { type: "boolean" },
                redact: { type: "array", items: { type: "string", minLength: 1 } },
                maxLogMegabytes: { type: "number", exclusiveMinimum: 0, maximum: 4096 },
                maxValueChars: { type: "integer", minimum: 16, maximum: 1048576 },
            },
        },
        rawStore: {
            type: "object",
            additionalProperties: false,
            patternProperties: comment,
            properties: {
                compact: { type: "boolean" },
                closedAfterDays: { type: "number", minimum: 0, maximum: 3660 },
                packAfterHours: { type: "number", minimum: 0, maximum: 87600 },
            },
        },
        environments: {
            type: "array",
            minItems: 1,
            items: {
                type: "object",
                required: ["name", "url", "tenantId", "clientId"],
                additionalProperties: false,
                patternProperties: comment,
                properties: {
                    name: { type: "string", pattern: "^[a-z0-9][a-z0-9_-]{0,39}$" },
                    url: { type: "string", pattern: "^https://[^\\s]+$" },
                    tenantId: { type: "string", minLength: 1 },
                    clientId: { type: "string", minLength: 1 },
                    clientSecret: { type: "string", minLength: 1 },
                    certificate: {
                        type: "object",
                        required: ["path"],
                        additionalProperties: false,
                        properties: {
                            path: { type: "string", minLength: 1 },
                            thumbprint: { type: "string", pattern: "^[0-9A-Fa-f:]{40,95}$" },
                            password: { type: "string", minLength: 1 },
                        },
                    },
                    auth: { enum: ["deviceCode", "clientSecret", "certificate"] },
                    timeZone: { type: "string", minLength: 1 },
                },
            },
        },
    },
} as const;

/** Human wording for schema failures on specific keys, so the error says what is expected. */
export const KEY_HINTS: Record<string, string> = {
    name: "must be a short lowercase slug (a-z, 0-9, - or _)",
    url: "must be the environment URL, https://<org>.crm.dynamics.com",
    clientSecret: "must be a string or env:VAR",
    authorityHost: "must be an https origin such as https://login.microsoftonline.com",
    thumbprint: "must be the certificate's hex SHA-1 or SHA-256 thumbprint",
    password: "must be a string or env:VAR",
    proxy: 'must be a proxy URL ("http://proxy:8080", or env:VAR), false (never use a proxy), or {"url": ..., "username": ..., "password": "env:VAR", "noProxy": "host,.domain"}',
    "proxy.url": 'must be a proxy URL such as "http://proxy:8080" (or env:VAR)',
    "proxy.noProxy": 'must be a string ("localhost,.corp.example") or an array of host names, domains and CIDR ranges',
};

/**
 * What each key means, for the JSON Schema shipped in the package (editors show these while typing).
 * Keyed by path; `[]` stands for any array item. A test checks that every key of CONFIG_SCHEMA has one.
 */
export const KEY_DOCS: Record<string, string> = {
    "$schema": "The JSON Schema of this file (written by `padlens init`), so editors complete and check it.",
    out: "Output folder for the raw store and the Parquet tables, relative to this file. --out overrides it. Default: data.",
    compression: "Parquet compression of every table: zstd (default, smallest) or snappy (for readers that reject ZSTD). --compression overrides it.",
    logFile: "Append timestamped lines of what the terminal shows to this file (relative to this file), for scheduled runs. --log-file overrides it.",
    authorityHost: "Entra ID host: https://login.microsoftonline.com (default), https://login.microsoftonline.us (US Gov), https://login.chinacloudapi.cn, or the simulator's.",
    concurrency: "Most requests in flight per environment (starts at 4, halves on 429, climbs back by one). Default 8; Dataverse allows 52.",
    envConcurrency: "Environments pulled at the same time. Default 3.",
    pageSize: "Rows per page (Prefer: odata.maxpagesize). Default 1000, at most 5000.",
    overlapMinutes: "Each pull re-lists runs modified this long before the last watermark (late writes); unchanged runs are not downloaded again. Default 15.",
    scheduleMinutes: "How often you schedule `padlens pull`: doctor and pull warn when V2 flow logs could expire in between. Default 60.",
    requestTimeoutSeconds: "Timeout of one request, in seconds. Default 120.",
    proxy: "How requests reach the internet. Absent: HTTPS_PROXY/HTTP_PROXY/NO_PROXY. false: never a proxy. A URL (or env:VAR), or {url, username, password, noProxy}.",
    "proxy.url": "Proxy URL such as http://proxy.corp.example:8080 (or env:VAR).",
    "proxy.username": "Proxy user name (or env:VAR).",
    "proxy.password": "Proxy password: env:VAR keeps it out of this file.",
    "proxy.noProxy": "Hosts that bypass the proxy: \"localhost,.corp.example\" or an array of host names, domains and CIDR ranges.",
    logs: "What the build keeps of action logs.",
    "logs.includeInputsOutputs": "Store action inputs/outputs in actions.inputs_json/outputs_json. Off by default: they can hold customer data.",
    "logs.redact": "Values whose input/output name, variable or label contains one of these (case-insensitive) are stored as ***.",
    "logs.maxLogMegabytes": "A log larger than this once decompressed is quarantined instead of decoded. Default 512.",
    "logs.maxValueChars": "Longest input/output value kept, in characters (longer ones are cut and their length said). Default 4096.",
    rawStore: "How the raw store keeps runs of past months (docs/raw-store.md, \"Packs\").",
    "rawStore.compact": "Pack the runs of closed months into a few zip files per month at the end of each pull (padlens compact does it on demand). Default true.",
    "rawStore.closedAfterDays": "A month is closed, and its runs packed, once it ended this many days ago. Default 7.",
    "rawStore.packAfterHours": "Finished runs of the open month are packed too once they have not been re-pulled for this many hours, so the loose files are hours of runs, not a month. Default 6.",
    environments: "One entry per Power Platform environment to pull.",
    "environments[].name": "Short slug (a-z 0-9 - _): the env column in every table.",
    "environments[].url": "Environment URL, https://<org>.crm<n>.dynamics.com.",
    "environments[].tenantId": "Directory (tenant) ID of the app registration.",
    "environments[].clientId": "Application (client) ID of the app registration.",
    "environments[].clientSecret": "Client secret, or env:VAR to read it from an environment variable (recommended). Give exactly one of clientSecret, certificate or auth: deviceCode.",
    "environments[].certificate": "Certificate credential: a PEM file with the private key, or a .pfx/.p12.",
    "environments[].certificate.path": "PEM (private key, certificate may follow) or .pfx/.p12 file, relative to this file.",
    "environments[].certificate.thumbprint": "Hex SHA-1 or SHA-256 thumbprint as the app registration shows it (colons allowed); computed from the file when absent.",
    "environments[].certificate.password": "Password of a .pfx/.p12 file: env:VAR keeps it out of this file.",
    "environments[].auth": "\"deviceCode\": sign in as a person with a code printed on the terminal.",
    "environments[].timeZone": "IANA time zone of this environment's bots (e.g. Europe/Berlin): the local hour/date columns use it. Default UTC.",
};

type SchemaNode = { [key: string]: unknown; properties?: Record<string, SchemaNode>; items?: SchemaNode };

/** Every key path of a schema, `[]` for array items (what KEY_DOCS is keyed by). */
export function schemaKeyPaths(node: SchemaNode = CONFIG_SCHEMA as unknown as SchemaNode, prefix = ""): string[] {
    const paths: string[] = [];
    const visit = (n: SchemaNode, at: string): void => {
        for (const [key, child] of Object.entries(n.properties ?? {})) {
            const p = at ? `${at}.${key}` : key;
            paths.push(p);
            visit(child, p);
            if (child.items) visit(child.items, `${p}[]`);
            for (const alt of (child.anyOf as SchemaNode[] | undefined) ?? []) visit(alt, p);
        }
    };
    visit(node, prefix);
    return [...new Set(paths)];
}

/**
 * The JSON Schema document shipped as docs/schemas/padlens.config.schema.json: CONFIG_SCHEMA (what
 * padlens validates with) plus KEY_DOCS as descriptions. A test keeps the file equal to this.
 */
export function configJsonSchema(): Record<string, unknown> {
    const describe = (n: SchemaNode, at: string): SchemaNode => {
        const out: SchemaNode = { ...n };
        if (n.properties) {
            out.properties = Object.fromEntries(Object.entries(n.properties).map(([key, child]) => {
                const p = at ? `${at}.${key}` : key;
                const doc = KEY_DOCS[p];
                return [key, { ...(doc ? { description: doc } : {}), ...describe(child, p) }];
            }));
        }
        if (n.items) out.items = describe(n.items, `${at}[]`);
        if (Array.isArray(n.anyOf)) out.anyOf = (n.anyOf as SchemaNode[]).map((alt) => describe(alt, at));
        return out;
    };
    return {
        $schema: "http://json-schema.org/draft-07/schema#",
        $id: "padlens.config.schema.json",
        title: "padlens configuration (padlens.config.json)",
        description: "Keys starting with // are comments and are ignored. Docs: docs/pull.md, section 3.",
        ...describe(CONFIG_SCHEMA as unknown as SchemaNode, ""),
    };
}
