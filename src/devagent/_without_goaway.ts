// An HTTP/2 connection's client bytes with its GOAWAY frames taken out (see _connections.ts).
import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";

/** HTTP/2 frame type of GOAWAY (RFC 9113 §6.8). */
const GOAWAY = 0x7;
/** The client connection preface (RFC 9113 §3.4) precedes the first frame. */
const CLIENT_PREFACE_LENGTH = 24;
const FRAME_HEADER_LENGTH = 9;

/**
 * `socket` as a duplex whose readable side carries the client's bytes without its GOAWAY
 * frames (see {@linkcode Connections}); everything else passes through unchanged.
 */
export function withoutGoaway(socket: Socket): Duplex {
  let preface = CLIENT_PREFACE_LENGTH; // preface bytes still to pass
  let header = Buffer.alloc(0); // the part of a frame header read so far
  let payload = 0; // payload bytes of the current frame still to pass or drop
  let dropping = false;
  const filter = (chunk: Buffer): Buffer => {
    const kept: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (preface > 0 || payload > 0) {
        const n = Math.min(preface > 0 ? preface : payload, chunk.length - at);
        if (preface > 0) preface -= n;
        else payload -= n;
        if (!dropping) kept.push(chunk.subarray(at, at + n));
        at += n;
        continue;
      }
      const n = Math.min(FRAME_HEADER_LENGTH - header.length, chunk.length - at);
      header = Buffer.concat([header, chunk.subarray(at, at + n)]);
      at += n;
      if (header.length < FRAME_HEADER_LENGTH) break;
      payload = header.readUIntBE(0, 3);
      dropping = header[3] === GOAWAY;
      if (!dropping) kept.push(header);
      header = Buffer.alloc(0);
    }
    return kept.length === 1 ? kept[0] : Buffer.concat(kept);
  };
  const duplex = new Duplex({
    read: () => void socket.resume(),
    write: (chunk, _encoding, callback) => void socket.write(chunk, callback),
    final: (callback) => {
      socket.end();
      callback();
    },
    destroy: (err, callback) => {
      socket.destroy();
      callback(err);
    },
  });
  socket.on("data", (chunk: Buffer) => {
    const kept = filter(chunk);
    if (kept.length > 0 && !duplex.push(kept)) socket.pause();
  });
  socket.once("end", () => duplex.push(null));
  socket.once("error", (err) => duplex.destroy(err));
  socket.once("close", () => duplex.destroy());
  return duplex;
}
