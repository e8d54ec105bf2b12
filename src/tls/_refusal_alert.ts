// A refused TLS 1.2 client is told why, as a go-spiffe server tells it: a fatal
// bad_certificate alert, so that it reports `remote error: tls: bad certificate` rather
// than a bare EOF.
//
// node:tls has no API to send an alert, and our SPIFFE check runs when the handshake is
// already complete on the server (Node has no in-handshake verify hook). For a full
// TLS 1.2 handshake the server's ChangeCipherSpec and Finished are not yet flushed when
// `secureConnection` fires, so its write side is still plaintext and a plaintext alert
// record written to the TCP socket below reaches the client first (measured on Deno and
// Node, 30 of 30 each). It cannot be done for TLS 1.3 (records are encrypted by then and
// node:tls exposes no traffic keys; Deno not even a keylog) nor for a resumed TLS 1.2
// session (the server's Finished went first): those clients see the connection close.
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";

/** alert(21), TLS 1.2 (3,3), length 2, fatal(2), bad_certificate(42). */
const BAD_CERTIFICATE_ALERT = new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x2a]);

/** Writes a bad_certificate alert where the protocol state allows it (see above). */
export function sendRefusalAlert(socket: TLSSocket): void {
  if (socket.getProtocol?.() !== "TLSv1.2" || socket.isSessionReused?.()) return;
  // The TCP socket under a server-side TLSSocket (a node:tls internal, on both runtimes).
  const tcp = (socket as TLSSocket & { _parent?: Socket | null })._parent;
  if (tcp == null || typeof tcp.write !== "function" || tcp.destroyed) return;
  tcp.write(BAD_CERTIFICATE_ALERT);
}
