/**
 * Secrets and tokens must never reach logs, errors or output files. Every secret the config resolves and
 * every token msal returns is registered here, and every text that leaves the process goes through scrub().
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
    if (value && value.length >= 4) secrets.add(value);
}

const BEARER = /(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi;
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
const FORM_SECRET = /(client_secret|client_assertion|access_token|refresh_token)(["']?\s*[=:]\s*["']?)[^&"'\s,}]+/gi;

export function scrub(text: string): string {
    let out = text;
    for (const s of secrets) out = out.split(s).join("***");
    return out.replace(BEARER, "$1***").replace(JWT, "***").replace(FORM_SECRET, "$1$2***");
}
