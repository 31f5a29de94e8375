/** JSON schema of padlens.config.json (README, "Using it for real"). Keys starting with "//" are comments and are ignored. */
const comment = { "^//": {} };

export const CONFIG_SCHEMA = {
    type: "object",
    required: ["environments"],
    additionalProperties: false,
    patternProperties: comment,
    properties: {
        out: { type: "string", minLength: 1 },
        authorityHost: { type: "string", pattern: "^https://[^/]+/?$" },
        concurrency: { type: "integer", minimum: 1, maximum: 52 },
        envConcurrency: { type: "integer", minimum: 1, maximum: 32 },
        pageSize: { type: "integer", minimum: 1, maximum: 5000 },
        overlapMinutes: { type: "number", minimum: 0 },
        scheduleMinutes: { type: "number", exclusiveMinimum: 0 },
        requestTimeoutSeconds: { type: "number", exclusiveMinimum: 0 },
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
                        required: ["path", "thumbprint"],
                        additionalProperties: false,
                        properties: { path: { type: "string", minLength: 1 }, thumbprint: { type: "string", pattern: "^[0-9A-Fa-f:]{40,95}$" } },
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
};
