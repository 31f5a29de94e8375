import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

interface LockEntry {
    name?: string;
    version?: string;
    integrity?: string;
    link?: boolean;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, unknown>;
    os?: string[];
    cpu?: string[];
    libc?: string[];
    engines?: Record<string, string>;
    bin?: Record<string, string>;
    hasInstallScript?: boolean;
}

/**
 * npm as node runs it (npm-cli.js next to node): no shell needed, on Windows either. Asynchronous on
 * purpose: the registry below answers from this same process, so a spawnSync would deadlock with it.
 */
export function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const candidates = [
        path.join(path.dirname(process.execPath), "node_modules", "npm", "bin", "npm-cli.js"), // Windows
        path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "bin", "npm-cli.js"), // POSIX
    ];
    const cliJs = candidates.find((c) => existsSync(c));
    return new Promise((resolve, reject) => {
        const child = cliJs
            ? spawn(process.execPath, [cliJs, ...args], { cwd, env })
            : spawn("npm", args, { cwd, env, shell: process.platform === "win32" });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

/**
 * A registry on 127.0.0.1 that knows exactly the packages of package-lock.json and serves their
 * tarballs out of the local npm cache (what `npm ci` filled), by content hash.
 *
 * Why not plain `npm install -g <tgz> --offline`: resolving the package's dependency ranges needs each
 * dependency's registry metadata (packument), and `npm ci` caches tarballs only, never packuments; so
 * `--offline` fails with ENOTCACHED on a machine that only ran `npm ci`. This stand-in answers those
 * metadata requests from the lockfile, so the install is as offline (nothing beyond localhost) and
 * exactly as reproducible, and any dependency the lockfile does not hold fails the install.
 */
export async function startLockfileRegistry(root: string, npmCache: string): Promise<{ url: string; requested: string[]; close(): Promise<void> }> {
    const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
    const packuments = new Map<string, Map<string, LockEntry>>();
    for (const [where, entry] of Object.entries(lock.packages)) {
        if (!where || entry.link || !entry.version || !entry.integrity) continue;
        const name = entry.name ?? where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length);
        if (!packuments.has(name)) packuments.set(name, new Map());
        packuments.get(name)!.set(entry.version, entry);
    }
    const requested: string[] = [];
    let base = "";
    const server: Server = createServer((req, res) => {
        const url = decodeURIComponent((req.url ?? "/").split("?")[0]);
        requested.push(url);
        const tarball = /^\/-\/tarball\/(.+)\/([^/]+)\.tgz$/.exec(url);
        if (tarball) {
            const entry = packuments.get(tarball[1])?.get(tarball[2]);
            const file = entry?.integrity ? cachedContent(npmCache, entry.integrity) : undefined;
            if (!file) {
                res.writeHead(404).end();
                return;
            }
            res.writeHead(200, { "content-type": "application/octet-stream" }).end(readFileSync(file));
            return;
        }
        const name = url.slice(1);
        const versions = packuments.get(name);
        if (!versions) {
            res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not in package-lock.json" }));
            return;
        }
        const latest = [...versions.keys()].pop()!;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
            name,
            "dist-tags": { latest },
            versions: Object.fromEntries([...versions].map(([version, e]) => [version, {
                name, version,
                dependencies: e.dependencies, optionalDependencies: e.optionalDependencies, peerDependencies: e.peerDependencies,
                peerDependenciesMeta: e.peerDependenciesMeta, os: e.os, cpu: e.cpu, libc: e.libc, engines: e.engines, bin: e.bin,
                hasInstallScript: e.hasInstallScript,
                dist: { tarball: `${base}/-/tarball/${encodeURIComponent(name)}/${version}.tgz`, integrity: e.integrity },
            }])),
        }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url: `${base}/`, requested, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** cacache keeps content by hash: <cache>/_cacache/content-v2/<algo>/<hex 0-2>/<hex 2-4>/<rest>. */
function cachedContent(npmCache: string, integrity: string): string | undefined {
    const [algo, b64] = integrity.split(" ")[0].split("-");
    const hex = Buffer.from(b64, "base64").toString("hex");
    const file = path.join(npmCache, "_cacache", "content-v2", algo, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
    return existsSync(file) ? file : undefined;
}
