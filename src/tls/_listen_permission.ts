// Deno (2.9) checks the net permission of a `node:net` listen only after looking the host
// up, inside a DNS callback, and the `NotCapable` it throws there is an unhandled promise
// rejection that ends the process: no `error` listener of the server sees it. A server
// granted `--allow-net=localhost:55555` dies that way, because Deno checks the address
// `localhost` resolves to (`127.0.0.1:55555`). The listener cannot ask first: resolving
// the name itself needs a permission Deno's own lookup does not. So while a listen is
// pending, that one rejection is taken from the global `unhandledrejection` event and
// turned into an error of the listen that names the flag to add. On Node: a no-op.

/** Deno's message: `Requires net access to "127.0.0.1:55555", run again with ...`. */
const DENIED_NET = /^Requires net access to "([^"]+)"/;

interface RejectionEvent extends Event {
  readonly reason: unknown;
}

/** Whether the runtime dispatches `unhandledrejection` on globalThis (Deno, browsers). */
function hasRejectionEvents(): boolean {
  return (globalThis as { Deno?: unknown }).Deno !== undefined &&
    typeof globalThis.addEventListener === "function";
}

/**
 * Runs `listen` (which must call `server.listen(port, hostname, ...)`) and rejects the
 * returned promise, instead of ending the process, when Deno denies the listen from inside
 * its host lookup. The error is Deno's `NotCapable` class with a message naming the
 * `--allow-net` value to add.
 *
 * @param port The port being listened on: only a denial for this port is taken.
 * @param hostname The name given to listen, for the message.
 * @param caller The public function's name, for the message.
 * @param listen Starts the listen; settles when it succeeds or fails by itself.
 */
export function listenGuardingDenial(
  port: number,
  hostname: string | undefined,
  caller: string,
  listen: () => Promise<void>,
): Promise<void> {
  if (!hasRejectionEvents()) return listen();
  return new Promise<void>((resolve, reject) => {
    const onRejection = (event: Event) => {
      const reason = (event as RejectionEvent).reason;
      if (!(reason instanceof Error) || reason.name !== "NotCapable") return;
      const host = DENIED_NET.exec(reason.message)?.[1];
      if (host === undefined || !host.endsWith(`:${port}`)) return;
      event.preventDefault();
      done();
      const resolved = hostname !== undefined && !host.startsWith(hostname)
        ? ` (the address "${hostname}" resolves to)`
        : "";
      const error = new (reason.constructor as new (message: string) => Error)(
        `${caller}: Deno denies listening on ${host}${resolved}: run with --allow-net=${host}`,
      );
      reject(Object.assign(error, { cause: reason }));
    };
    const done = () => globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.addEventListener("unhandledrejection", onRejection);
    listen().then(
      (value) => {
        done();
        resolve(value);
      },
      (err) => {
        done();
        reject(err);
      },
    );
  });
}
