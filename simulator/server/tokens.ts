import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Claims of an access token the simulator issues (a subset of Entra ID's v2 access-token claims). */
export interface TokenClaims {
    aud: string;
    iss: string;
    tid: string;
    appid: string;
    azp: string;
    oid: string;
    iat: number;
    nbf: number;
    exp: number;
    ver: "2.0";
}

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * Issues and checks JWTs signed with HMAC-SHA256 under a key drawn at startup: a token cannot be forged
 * or altered (changing `aud` or `exp` breaks the signature), and tokens from one simulator run are
 * worthless to another.
 */
export class TokenSigner {
    private readonly key = randomBytes(32);

    sign(claims: TokenClaims): string {
        const head = b64({ typ: "JWT", alg: "HS256", kid: "padlens-simulator" });
        const body = b64(claims);
        return `${head}.${body}.${this.mac(`${head}.${body}`)}`;
    }

    /** The claims of a well-signed token, or undefined; expiry is the caller's business. */
    verify(token: string): TokenClaims | undefined {
        const parts = token.split(".");
        if (parts.length !== 3) return undefined;
        const expected = Buffer.from(this.mac(`${parts[0]}.${parts[1]}`));
        const given = Buffer.from(parts[2]);
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
        try {
            return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as TokenClaims;
        } catch {
            return undefined;
        }
    }

    private mac(data: string): string {
        return createHmac("sha256", this.key).update(data).digest("base64url");
    }
}
