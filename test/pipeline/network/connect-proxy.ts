import { createServer, type IncomingMessage, type Server } from "node:http";
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";

/**
 * A small forwarding proxy as corporate networks run them: HTTPS goes through CONNECT tunnels, optionally
 * behind Basic proxy authentication (407 without or with wrong credentials). It counts tunnels per target
 * host:port, so a test can tell that requests really went through it.
 */
export interface ConnectProxy {
    url: string;
    port: number;
    /** Tunnels opened, per `host:port` asked for. */
    tunnels: Map<string, number>;
    /** CONNECTs refused with 407. */
    refused: number;
    /** Proxy-Authorization values seen (to check what a client sent). */
    authorizations: string[];
    close(): Promise<void>;
}

export async function startConnectProxy(options: { username?: string; password?: string } = {}): Promise<ConnectProxy> {
    const expected = options.username !== undefined ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64")}` : undefined;
    const tunnels = new Map<string, number>();
    const authorizations: string[] = [];
    const sockets = new Set<Socket>();
    const state = { refused: 0 };
    const server: Server = createServer((_req, res) => {
        // Plain proxied HTTP is not what padlens uses (every URL is https): refuse it visibly.
        res.writeHead(405, { "content-type": "text/plain" }).end("this test proxy only does CONNECT");
    });
    server.on("connection", (s: Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
        client.on("error", () => client.destroy());
        const auth = req.headers["proxy-authorization"];
        if (auth) authorizations.push(auth);
        if (expected !== undefined && auth !== expected) {
            state.refused++;
            client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
            return;
        }
        const target = req.url ?? "";
        const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
        const upstream = connect({ host: host.replace(/^\[|\]$/g, ""), port }, () => {
            tunnels.set(target, (tunnels.get(target) ?? 0) + 1);
            client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
            if (head.length) upstream.write(head);
            upstream.pipe(client);
            client.pipe(upstream);
        });
        sockets.add(upstream);
        upstream.on("close", () => sockets.delete(upstream));
        upstream.on("error", () => {
            // As real proxies do when the target does not answer or does not resolve.
            if (client.writable) client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}`,
        port,
        tunnels,
        get refused() {
            return state.refused;
        },
        authorizations,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                for (const s of sockets) s.destroy();
            }),
    };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
    const server = createTcpServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

/** A TCP server that accepts connections and never says anything: a firewall that drops, a hung server. */
export async function blackHole(): Promise<{ port: number; close(): Promise<void> }> {
    const sockets = new Set<Socket>();
    const server = createTcpServer((s) => {
        sockets.add(s);
        s.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as AddressInfo).port,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                for (const s of sockets) s.destroy();
            }),
    };
}
