// A dialed socket's errors are never unhandled. Deno can emit a fatal alert received
// right after the handshake (a server refusing our certificate) in the same turn as
// `secureConnect`, before the caller had a chance to attach an `error` listener, which
// would crash the process. The error is held and handed to the first `error` listener
// the caller attaches.
import type { TLSSocket } from "node:tls";

/**
 * Keeps an `error` listener on `socket` for its whole life. While no other listener is
 * attached, an error is held (and the socket destroyed); it is delivered, on a later
 * tick, to the first `error` listener attached afterwards.
 */
export function holdErrors(socket: TLSSocket): void {
  let held: Error | undefined;
  const hold = (err: Error) => {
    if (socket.listenerCount("error") > 1) return; // someone else handles it
    held ??= err;
    socket.destroy();
  };
  socket.on("error", hold);
  socket.on("newListener", (event: string | symbol, listener: (err: Error) => void) => {
    if (event !== "error" || listener === hold || held === undefined) return;
    const err = held;
    held = undefined;
    setTimeout(() => listener.call(socket, err), 0);
  });
}
