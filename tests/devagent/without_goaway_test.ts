// The devagent's HTTP/2 GOAWAY filter is hand-written frame parsing: it must pass every
// other byte through unchanged, however the stream is cut into chunks.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect, createServer, type Socket } from "node:net";
import { withoutGoaway } from "../../src/devagent/_without_goaway.ts";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

function frame(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header.writeUInt32BE(1, 5);
  return Buffer.concat([header, payload]);
}

const SETTINGS = frame(0x4, Buffer.alloc(6, 1));
const HEADERS = frame(0x1, Buffer.from("headers-block"));
const DATA = frame(0x0, Buffer.alloc(300, 7));
const EMPTY_DATA = frame(0x0, Buffer.alloc(0));
// A GOAWAY whose payload looks like a frame header of its own, to catch a parser that
// resynchronises on the payload.
const GOAWAY = frame(0x7, Buffer.from([0, 0, 0, 0x07, 0, 0, 0, 0, 0, 0, 0, 0]));

/** Sends `chunks` through a real socket pair and the filter; resolves with what it read. */
async function filtered(chunks: Buffer[]): Promise<Buffer> {
  const accepted = Promise.withResolvers<Socket>();
  const server = createServer((socket) => accepted.resolve(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const client = connect(port, "127.0.0.1");
  client.setNoDelay(true);
  const duplex = withoutGoaway(await accepted.promise);
  const read: Buffer[] = [];
  duplex.on("data", (chunk: Buffer) => read.push(chunk));
  const ended = new Promise((resolve) => duplex.once("end", resolve));
  for (const chunk of chunks) {
    await new Promise<void>((resolve) => client.write(chunk, () => resolve()));
  }
  client.end();
  await ended;
  duplex.destroy();
  await new Promise((resolve) => server.close(resolve));
  return Buffer.concat(read);
}

function cut(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

Deno.test("withoutGoaway drops GOAWAY frames and passes every other byte, at any chunking", async () => {
  const input = Buffer.concat([PREFACE, SETTINGS, HEADERS, GOAWAY, DATA, EMPTY_DATA, GOAWAY]);
  const expected = Buffer.concat([PREFACE, SETTINGS, HEADERS, DATA, EMPTY_DATA]);
  for (const size of [1, 2, 7, 9, 10, 24, 25, 33, 100, input.length]) {
    assert.deepEqual(await filtered(cut(input, size)), expected, `chunks of ${size} bytes`);
  }
});

Deno.test("withoutGoaway passes a connection without GOAWAY unchanged", async () => {
  const input = Buffer.concat([PREFACE, SETTINGS, DATA, HEADERS]);
  assert.deepEqual(await filtered([input]), input);
});
