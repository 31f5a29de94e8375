import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import yazl from "yazl";

/**
 * The zip container of raw-store packs (docs/raw-store.md, "Packs"): entries are STORED (not compressed:
 * the logs are gzip already), so an entry's bytes sit verbatim in the file and a reader takes them with
 * one positional read at an offset the pack's index gives. Writing is yazl's; reading back (to verify a
 * pack before anything it replaces is deleted) goes through the zip's own central directory, as any
 * unzip tool would, so a pack that verifies is one that ordinary tools open.
 */

export interface ZipInput {
    name: string;
    data: Buffer;
}

/** Where an entry's bytes are in the file. */
export interface ZipSpan {
    offset: number;
    length: number;
}

const LOCAL_HEADER_BYTES = 30;

/**
 * Offsets of each entry's data in the zip yazl writes for these inputs, in order: a local header (30 bytes
 * and the UTF-8 name, no extra field) then the data, with no data descriptor (sizes and CRC are known
 * for buffers). Verification checks every offset against the written file's own directory, so a yazl
 * that laid files out differently would fail verification, never corrupt a read.
 */
export function zipLayout(inputs: ReadonlyArray<{ name: string; length: number }>): ZipSpan[] {
    let cursor = 0;
    return inputs.map((e) => {
        cursor += LOCAL_HEADER_BYTES + Buffer.byteLength(e.name, "utf8");
        const span = { offset: cursor, length: e.length };
        cursor += e.length;
        return span;
    });
}

/** Writes the entries, STORED and in order, to `file` (created new, owner-only) and flushes it to disk. */
export async function writeZip(file: string, inputs: readonly ZipInput[], mtime: Date): Promise<void> {
    const zip = new yazl.ZipFile();
    const out = createWriteStream(file, { flags: "wx", mode: 0o600 });
    const done = new Promise<void>((resolve, reject) => {
        out.on("close", resolve);
        out.on("error", reject);
        zip.outputStream.on("error", reject);
    });
    zip.outputStream.pipe(out);
    for (const e of inputs) zip.addBuffer(e.data, e.name, { compress: false, mtime, mode: 0o100600 });
    zip.end();
    await done;
    const handle = await open(file, "r+");
    try {
        await handle.sync();
    } finally {
        await handle.close();
    }
}

export interface ZipEntryInfo {
    name: string;
    method: number;
    crc32: number;
    compressedSize: number;
    size: number;
    /** Offset of the entry's data (after its local header). */
    dataOffset: number;
}

class ZipFormatError extends Error {}

/** Reads a zip's central directory and each local header (the data is not read). Throws on anything malformed. */
export async function readZipDirectory(file: string): Promise<ZipEntryInfo[]> {
    const handle = await open(file, "r");
    try {
        const size = (await handle.stat()).size;
        const read = async (position: number, length: number): Promise<Buffer> => {
            if (position < 0 || length < 0 || position + length > size) throw new ZipFormatError(`read of ${length} bytes at ${position} is outside the file (${size} bytes)`);
            const buf = Buffer.alloc(length);
            const { bytesRead } = await handle.read(buf, 0, length, position);
            if (bytesRead !== length) throw new ZipFormatError(`short read at ${position}`);
            return buf;
        };
        const tailLength = Math.min(size, 22 + 0xffff);
        const tail = await read(size - tailLength, tailLength);
        let eocd = -1;
        for (let i = tail.length - 22; i >= 0; i--) {
            if (tail.readUInt32LE(i) === 0x06054b50) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) throw new ZipFormatError("no end of central directory record");
        let count = tail.readUInt16LE(eocd + 10);
        let cdSize = tail.readUInt32LE(eocd + 12);
        let cdOffset = tail.readUInt32LE(eocd + 16);
        if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
            const locatorAt = size - tailLength + eocd - 20;
            const locator = await read(locatorAt, 20);
            if (locator.readUInt32LE(0) !== 0x07064b50) throw new ZipFormatError("zip64 locator missing");
            const record = await read(Number(locator.readBigUInt64LE(8)), 56);
            if (record.readUInt32LE(0) !== 0x06064b50) throw new ZipFormatError("zip64 end of central directory missing");
            count = Number(record.readBigUInt64LE(32));
            cdSize = Number(record.readBigUInt64LE(40));
            cdOffset = Number(record.readBigUInt64LE(48));
        }
        const cd = await read(cdOffset, cdSize);
        const entries: ZipEntryInfo[] = [];
        let p = 0;
        for (let i = 0; i < count; i++) {
            if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new ZipFormatError(`central directory entry ${i} is damaged`);
            const method = cd.readUInt16LE(p + 10);
            const crc32 = cd.readUInt32LE(p + 16);
            let compressedSize = cd.readUInt32LE(p + 20);
            let uncompressed = cd.readUInt32LE(p + 24);
            const nameLength = cd.readUInt16LE(p + 28);
            const extraLength = cd.readUInt16LE(p + 30);
            const commentLength = cd.readUInt16LE(p + 32);
            let headerOffset = cd.readUInt32LE(p + 42);
            const name = cd.subarray(p + 46, p + 46 + nameLength).toString("utf8");
            // ZIP64 extended information: present fields in this order, each only when its 32-bit field is saturated.
            let x = p + 46 + nameLength;
            const extraEnd = x + extraLength;
            while (x + 4 <= extraEnd) {
                const id = cd.readUInt16LE(x);
                const len = cd.readUInt16LE(x + 2);
                if (id === 0x0001) {
                    let q = x + 4;
                    if (uncompressed === 0xffffffff) [uncompressed, q] = [Number(cd.readBigUInt64LE(q)), q + 8];
                    if (compressedSize === 0xffffffff) [compressedSize, q] = [Number(cd.readBigUInt64LE(q)), q + 8];
                    if (headerOffset === 0xffffffff) headerOffset = Number(cd.readBigUInt64LE(q));
                }
                x += 4 + len;
            }
            p = extraEnd + commentLength;
            const local = await read(headerOffset, LOCAL_HEADER_BYTES);
            if (local.readUInt32LE(0) !== 0x04034b50) throw new ZipFormatError(`local header of ${name} is damaged`);
            const dataOffset = headerOffset + LOCAL_HEADER_BYTES + local.readUInt16LE(26) + local.readUInt16LE(28);
            if (dataOffset + compressedSize > size) throw new ZipFormatError(`data of ${name} runs past the end of the file`);
            entries.push({ name, method, crc32, compressedSize, size: uncompressed, dataOffset });
        }
        return entries;
    } finally {
        await handle.close();
    }
}

/** SHA-256 (hex) of a whole file, streamed. */
export async function sha256File(file: string): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest("hex");
}

export const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
