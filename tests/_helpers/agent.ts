// Starts a devagent on fresh unix sockets in a temporary directory for one test, plus the
// small waiting helpers the Workload API tests share (deadlines, never timing assertions).
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as startTimer } from "node:timers";
import { type DevAgent, type DevAgentOptions, startDevAgent } from "../../src/devagent/mod.ts";
import { Buffer } from "node:buffer";
import { exponentialBackoff, type Logger, type X509Bundle } from "../../mod.ts";

export const SERVER_ID = "spiffe://example.org/server";
export const CLIENT_ID = "spiffe://example.org/client";

/** A small backoff so that retries in tests take milliseconds, not seconds. */
export const FAST_BACKOFF = exponentialBackoff({ initialDelay: 20, maxDelay: 200 });

/** A temporary directory removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "spiffe-ts-"));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A devagent whose socket `i` serves `ids[i]` (default: the server identity), with its
 * sockets in a temporary directory; disposing it closes the agent and removes the folder.
 */
export async function agentWith(
  ids: (string | null)[] = [SERVER_ID],
  options: Omit<DevAgentOptions, "sockets"> = {},
): Promise<DevAgent & { dir: string }> {
  const temp = await tempDir();
  const agent = await startDevAgent({
    ...options,
    sockets: ids.map((spiffeId, i) => ({ path: join(temp.dir, `agent-${i}.sock`), spiffeId })),
  });
  return Object.assign(agent, {
    dir: temp.dir,
    async [Symbol.asyncDispose]() {
      await agent.close();
      await temp[Symbol.asyncDispose]();
    },
  });
}

/** Waits `ms` milliseconds (a pause in a scenario, not a measurement). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => startTimer(resolve, ms));
}

/**
 * `promise`, or a rejection naming `what` if it has not settled within `ms` (a deadline so
 * that a broken test fails instead of hanging; the timer is always cleared).
 */
export async function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof startTimer> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = startTimer(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Records values pushed to `push` (a watcher or listener callback) and lets a test wait
 * for the first one, from now on or already seen, that satisfies a predicate.
 */
export class Recorder<T> {
  readonly values: T[] = [];
  readonly #waiters = new Set<{ test(value: T): boolean; resolve(value: T): void }>();

  /** Records `value` and wakes the waiters it satisfies. */
  push = (value: T): void => {
    this.values.push(value);
    for (const waiter of [...this.#waiters]) {
      if (waiter.test(value)) {
        this.#waiters.delete(waiter);
        waiter.resolve(value);
      }
    }
  };

  /** The first value recorded from index `from` on that satisfies `test`. */
  waitFor(what: string, test: (value: T) => boolean = () => true, from = 0): Promise<T> {
    const seen = this.values.slice(from).find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    let waiter!: { test(value: T): boolean; resolve(value: T): void };
    const promise = new Promise<T>((resolve) => (waiter = { test, resolve }));
    this.#waiters.add(waiter);
    return within(promise, what).finally(() => this.#waiters.delete(waiter));
  }

  /**
   * The next value recorded after the ones seen so far that satisfies `test`. Call it
   * before triggering what sends the value, or the value may already have been recorded.
   */
  next(what: string, test: (value: T) => boolean = () => true): Promise<T> {
    return this.waitFor(what, test, this.values.length);
  }
}

/**
 * Whether two X.509 bundles hold the same roots, in any order (the devagent lists a root
 * it is about to activate after the current one, and the current one first afterwards).
 */
export function sameRoots(a: X509Bundle, b: X509Bundle): boolean {
  const ders = (bundle: X509Bundle) =>
    bundle.x509Authorities().map((cert) => Buffer.from(cert.raw).toString("base64")).sort();
  return a.trustDomain.equals(b.trustDomain) && ders(a).join() === ders(b).join();
}

/** A unix socket that accepts connections and never answers: calls on it hang. */
export async function silentEndpoint(
  dir: string,
): Promise<{ address: string; close(): Promise<void> }> {
  const path = join(dir, "silent.sock");
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    address: `unix://${path}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A logger that records what it is told (`level: message`), for waiting on background events. */
export function recordingLogger(): Logger & { lines: Recorder<string> } {
  const lines = new Recorder<string>();
  const log = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}
