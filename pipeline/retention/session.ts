import type { EnvironmentConfig, PadlensConfig } from "../config/config.js";
import { createTokenSource, type TokenSource } from "../extract/auth.js";
import { DataverseClient } from "../extract/dataverse-client.js";

/** One environment's sign-in and Web API client, set up as `padlens pull` sets them up. */
export interface Session {
    env: EnvironmentConfig;
    tokens: TokenSource;
    client: DataverseClient;
    timeoutMs: number;
}

export function openSession(config: PadlensConfig, env: EnvironmentConfig, options: { tokens?: TokenSource; log?: (line: string) => void; maxAttempts?: number } = {}): Session {
    const tokens = options.tokens ?? createTokenSource(env, config.authorityHost, options.log ?? (() => {}));
    const timeoutMs = config.requestTimeoutSeconds * 1000;
    const client = new DataverseClient({
        env: env.name, url: env.url, tokens, maxConcurrency: config.concurrency, pageSize: config.pageSize,
        requestTimeoutMs: timeoutMs, maxAttempts: options.maxAttempts,
    });
    return { env, tokens, client, timeoutMs };
}
