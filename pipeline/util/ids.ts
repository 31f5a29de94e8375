/**
 * Ids that come from the server end up in file names (the raw store) and in request URLs (logs of a
 * run). The server is not trusted to keep them harmless: an id such as `../../x` would otherwise walk
 * out of the output folder or off the Web API path with the bearer token. Only canonical GUIDs pass,
 * and they are always used in lowercase so one run has one key on every filesystem.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The id in lowercase when it is a canonical 8-4-4-4-12 GUID string, otherwise undefined. */
export function parseGuid(value: unknown): string | undefined {
    return typeof value === "string" && GUID.test(value) ? value.toLowerCase() : undefined;
}

/** Like parseGuid, but throws: the second wall inside the store and the client, which never expect a bad id. */
export function requireGuid(value: unknown, what: string): string {
    const id = parseGuid(value);
    if (id === undefined) throw new Error(`refusing ${what} ${displayId(value)}: not a GUID`);
    return id;
}

/** Environment names as the config schema (pipeline/config/schema.ts) allows them: one path segment, never `..` or a separator. */
const ENV_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export function isEnvName(value: string): boolean {
    return ENV_NAME.test(value);
}

export function requireEnvName(value: string): string {
    if (!isEnvName(value)) throw new Error(`refusing environment name ${displayId(value)}: not a slug (a-z 0-9 - _)`);
    return value;
}

/**
 * A hostile value made safe to print: quoted, shortened, every character outside printable ASCII
 * escaped (no terminal escape sequences, no line breaks that could forge summary lines).
 */
export function displayId(value: unknown): string {
    const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
    const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
    return `'${short.replace(/[^\x20-\x7e]|['\\]/g, (c) => (c === "'" || c === "\\" ? `\\${c}` : `\\u{${c.codePointAt(0)!.toString(16)}}`))}'`;
}
