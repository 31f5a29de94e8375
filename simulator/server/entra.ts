import { X509Certificate, constants, createHash, randomUUID, verify } from "node:crypto";
import type { TokenSigner } from "./tokens.js";

/** One app registration: a client that may get tokens for some resources (environment URLs). */
export interface ClientRegistration {
    tenantId: string;
    clientId: string;
    clientSecret: string;
    /** Service principal object id: what Dataverse's application user is bound to. */
    objectId: string;
    /** PEM certificates whose private keys may sign client assertions for this client. */
    certificates: string[];
}

export interface EntraContext {
    baseUrl: string;
    clients: ClientRegistration[];
    /** Resources (environment URLs without a trailing slash) a token may be issued for. */
    resources: string[];
    signer: TokenSigner;
    tokenLifetimeSeconds: () => number;
    now: () => number;
}

export interface EntraResponse {
    status: number;
    body: object;
    headers?: Record<string, string>;
}

/** `/<tenant>/v2.0/.well-known/openid-configuration`: what msal-node reads to find the token endpoint. */
export function openIdConfiguration(ctx: EntraContext, tenantId: string): EntraResponse {
    if (!ctx.clients.some((c) => c.tenantId === tenantId)) return tenantNotFound(ctx, tenantId);
    const base = `${ctx.baseUrl}/${tenantId}`;
    return {
        status: 200,
        body: {
            token_endpoint: `${base}/oauth2/v2.0/token`,
            token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
            jwks_uri: `${base}/discovery/v2.0/keys`,
            response_modes_supported: ["query", "fragment", "form_post"],
            subject_types_supported: ["pairwise"],
            id_token_signing_alg_values_supported: ["RS256"],
            response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
            scopes_supported: ["openid", "profile", "email", "offline_access"],
            issuer: `${base}/v2.0`,
            request_uri_parameter_supported: false,
            userinfo_endpoint: `${base}/openid/userinfo`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
            end_session_endpoint: `${base}/oauth2/v2.0/logout`,
            http_logout_supported: true,
            frontchannel_logout_supported: true,
            claims_supported: ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"],
            tenant_region_scope: "EU",
            cloud_instance_name: "microsoftonline.com",
        },
    };
}

/** `/<tenant>/discovery/v2.0/keys`: no public keys (tokens are HMAC-signed; only the simulator checks them). */
export function jwks(): EntraResponse {
    return { status: 200, body: { keys: [] } };
}

/**
 * `/<tenant>/oauth2/v2.0/token`, client-credentials grant with a client secret (in the form or as HTTP
 * Basic). Errors carry Entra's body shape and AADSTS codes so the pipeline's messages can be tested.
 */
export function issueToken(ctx: EntraContext, tenantId: string, form: URLSearchParams, authorization: string | undefined): EntraResponse {
    if (!ctx.clients.some((c) => c.tenantId === tenantId)) return tenantNotFound(ctx, tenantId);
    let clientId = form.get("client_id") ?? undefined;
    let secret = form.get("client_secret") ?? undefined;
    if (authorization?.startsWith("Basic ")) {
        const [id, pass] = Buffer.from(authorization.slice(6), "base64").toString("utf8").split(":");
        clientId = clientId ?? decodeURIComponent(id);
        secret = secret ?? decodeURIComponent(pass ?? "");
    }
    const grant = form.get("grant_type");
    if (grant !== "client_credentials") {
        return oauthError(ctx, 400, "unsupported_grant_type", "AADSTS70003", `The app requested an unsupported grant type '${grant ?? ""}'.`);
    }
    if (!clientId) return oauthError(ctx, 400, "invalid_request", "AADSTS900144", "The request body must contain the following parameter: 'client_id'.");
    const registrations = ctx.clients.filter((c) => c.tenantId === tenantId && c.clientId.toLowerCase() === clientId!.toLowerCase());
    if (registrations.length === 0) {
        return oauthError(ctx, 400, "unauthorized_client", "AADSTS700016",
            `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }
    let registration: ClientRegistration | undefined;
    const assertion = form.get("client_assertion");
    if (assertion !== null) {
        const checked = checkAssertion(ctx, tenantId, registrations, assertion, form.get("client_assertion_type"));
        if ("error" in checked) return checked.error;
        registration = checked.registration;
    } else if (!secret) {
        return oauthError(ctx, 401, "invalid_client", "AADSTS7000218",
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    registration = registration ?? registrations.find((c) => c.clientSecret === secret);
    if (!registration) {
        return oauthError(ctx, 401, "invalid_client", "AADSTS7000215",
            `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    }
    const scopes = (form.get("scope") ?? "").split(/\s+/).filter((s) => s && !["openid", "profile", "offline_access"].includes(s));
    if (scopes.length !== 1 || !scopes[0].endsWith("/.default")) {
        return oauthError(ctx, 400, "invalid_scope", "AADSTS1002012",
            `The provided value for scope ${scopes.join(" ")} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const resource = scopes[0].slice(0, -"/.default".length).replace(/\/+$/, "");
    if (!ctx.resources.some((r) => r.toLowerCase() === resource.toLowerCase())) {
        return oauthError(ctx, 400, "invalid_resource", "AADSTS500011",
            `The resource principal named ${resource} was not found in the tenant named ${tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`);
    }
    const now = Math.floor(ctx.now() / 1000);
    const lifetime = Math.max(1, Math.round(ctx.tokenLifetimeSeconds()));
    const accessToken = ctx.signer.sign({
        aud: resource, iss: `${ctx.baseUrl}/${tenantId}/v2.0`, tid: tenantId, appid: registration.clientId, azp: registration.clientId,
        oid: registration.objectId, iat: now, nbf: now, exp: now + lifetime, ver: "2.0",
    });
    return { status: 200, body: { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken } };
}

/**
 * A certificate credential: a JWT (RS256 with `x5t`, or PS256 with `x5t#S256`, as msal-node makes them)
 * signed by the private key of a certificate registered for the client, with iss = sub = client id,
 * aud = this tenant's token endpoint, and not expired.
 */
function checkAssertion(
    ctx: EntraContext, tenantId: string, registrations: ClientRegistration[], assertion: string, type: string | null,
): { registration: ClientRegistration } | { error: EntraResponse } {
    const fail = (code: string, message: string): { error: EntraResponse } => ({ error: oauthError(ctx, 401, "invalid_client", code, message) });
    if (type !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
        return { error: oauthError(ctx, 400, "invalid_request", "AADSTS50027", "Invalid client_assertion_type: expected urn:ietf:params:oauth:client-assertion-type:jwt-bearer.") };
    }
    const parts = assertion.split(".");
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
        header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as Record<string, unknown>;
        payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as Record<string, unknown>;
    } catch {
        return fail("AADSTS50027", "JWT token is invalid or malformed.");
    }
    const sha256 = typeof header["x5t#S256"] === "string" ? (header["x5t#S256"] as string) : undefined;
    const sha1 = typeof header.x5t === "string" ? (header.x5t as string) : undefined;
    for (const registration of registrations) {
        for (const pem of registration.certificates) {
            const der = new X509Certificate(pem).raw;
            const matches = (sha256 && createHash("sha256").update(der).digest("base64url") === sha256) ||
                (sha1 && createHash("sha1").update(der).digest("base64url") === sha1);
            if (!matches) continue;
            const key = new X509Certificate(pem).publicKey;
            const data = Buffer.from(`${parts[0]}.${parts[1]}`);
            const signature = Buffer.from(parts[2] ?? "", "base64url");
            const ok = header.alg === "PS256"
                ? verify("sha256", data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature)
                : header.alg === "RS256" && verify("sha256", data, key, signature);
            if (!ok) return fail("AADSTS700027", "Client assertion failed signature validation.");
            if (payload.iss !== registration.clientId || payload.sub !== registration.clientId) {
                return fail("AADSTS700023", "Client assertion audience claim does not match Realm issuer, or iss/sub differ from the client id.");
            }
            if (typeof payload.aud !== "string" || !payload.aud.startsWith(`${ctx.baseUrl}/${tenantId}`)) {
                return fail("AADSTS700212", `No matching federated identity record found for presented assertion audience '${String(payload.aud)}'.`);
            }
            if (typeof payload.exp !== "number" || payload.exp * 1000 <= ctx.now()) {
                return fail("AADSTS700024", "Client assertion is not within its valid time range.");
            }
            return { registration };
        }
    }
    return fail("AADSTS700027", `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${sha256 ?? sha1 ?? ""}']`);
}

function tenantNotFound(ctx: EntraContext, tenantId: string): EntraResponse {
    return oauthError(ctx, 400, "invalid_tenant", "AADSTS90002",
        `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
}

function oauthError(ctx: EntraContext, status: number, error: string, code: string, message: string): EntraResponse {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date(ctx.now()).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
    return {
        status,
        body: {
            error,
            error_description: `${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
            error_codes: [Number(code.slice(5))],
            timestamp,
            trace_id: traceId,
            correlation_id: correlationId,
            error_uri: `${ctx.baseUrl}/error?code=${code.slice(5)}`,
        },
    };
}
