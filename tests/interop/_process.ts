// Child processes of the interop checks: spawned (as root or as a workload user), their
// stdout and stderr collected line by line with a timestamp, waited on with a bound, and
// always killed at the end. A workload user is entered with `setpriv`, which execs (no
// intermediate process like runuser's), so the pid we hold is the program's own and a
// signal reaches it directly.

const decoder = new TextDecoder();

/** A collected output line and when it arrived (ms since the epoch). */
export interface Line {
  at: number;
  text: string;
  stream: "stdout" | "stderr";
}

/** Options of {@linkcode spawn} and {@linkcode run}. */
export interface ProcOptions {
  cwd?: string;
  /** Run as this system user (the caller must be root); the environment is then only `env`. */
  user?: string;
  /** The whole environment of a user's process, or additions to ours for root's. */
  env?: Record<string, string>;
  /** Keep stdin open as a pipe (see {@linkcode Proc.writeLine}). */
  stdin?: boolean;
}

/** The argv that runs `program args` as `user` with exactly `env`. */
export function asUser(
  user: string,
  env: Record<string, string>,
  program: string,
  args: string[],
): [string, string[]] {
  return [
    "setpriv",
    [
      `--reuid=${user}`,
      `--regid=${user}`,
      "--init-groups",
      "--",
      "/usr/bin/env",
      "-i",
      ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
      program,
      ...args,
    ],
  ];
}

const live = new Set<Proc>();

/** A running program. */
export class Proc implements AsyncDisposable {
  readonly lines: Line[] = [];
  readonly done: Promise<Deno.CommandStatus>;
  readonly pid: number;
  exited = false;
  readonly #child: Deno.ChildProcess;
  readonly #waiters = new Set<() => void>();
  readonly #stdin?: WritableStreamDefaultWriter<Uint8Array>;

  constructor(readonly name: string, program: string, args: string[], options: ProcOptions = {}) {
    const [cmd, argv] = options.user === undefined
      ? [program, args]
      : asUser(options.user, options.env ?? {}, program, args);
    this.#child = new Deno.Command(cmd, {
      args: argv,
      cwd: options.cwd,
      env: options.user === undefined ? options.env : undefined,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.#child.pid;
    if (options.stdin) this.#stdin = this.#child.stdin.getWriter();
    live.add(this);
    const notify = () => this.#waiters.forEach((waiter) => waiter());
    const output = Promise.all([
      this.#collect(this.#child.stdout, "stdout", notify),
      this.#collect(this.#child.stderr, "stderr", notify),
    ]);
    this.done = output.then(() => this.#child.status).finally(() => {
      this.exited = true;
      live.delete(this);
      notify();
    });
  }

  async #collect(stream: ReadableStream<Uint8Array>, kind: Line["stream"], notify: () => void) {
    let pending = "";
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = pending.indexOf("\n")) >= 0) {
        this.lines.push({ at: Date.now(), text: pending.slice(0, end), stream: kind });
        pending = pending.slice(end + 1);
        notify();
      }
    }
    if (pending !== "") this.lines.push({ at: Date.now(), text: pending, stream: kind });
  }

  /** The text of every line so far (stdout and stderr, in arrival order). */
  get text(): string[] {
    return this.lines.map((line) => line.text);
  }

  get stdout(): string[] {
    return this.lines.filter((line) => line.stream === "stdout").map((line) => line.text);
  }

  get stderr(): string[] {
    return this.lines.filter((line) => line.stream === "stderr").map((line) => line.text);
  }

  /** The last lines, for error messages. */
  tail(count = 6): string {
    return JSON.stringify(this.text.slice(-count));
  }

  /** Waits (at most `ms`) until `test` holds on the lines; fails when the program exits first. */
  async until(what: string, test: (lines: Line[]) => boolean, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (test(this.lines)) return;
      if (this.exited) throw new Error(`${this.name} exited before ${what}: ${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no ${what} within ${ms} ms: ${this.tail()}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 200));
        this.#waiters.add(done);
      });
    }
  }

  /** Waits for a line equal to `text` (or matching the RegExp); returns it. */
  async waitFor(pattern: string | RegExp, ms = 15_000, from = 0): Promise<string> {
    const match = (text: string) =>
      typeof pattern === "string" ? text === pattern : pattern.test(text);
    await this.until(
      JSON.stringify(String(pattern)),
      (lines) => lines.slice(from).some((line) => match(line.text)),
      ms,
    );
    return this.lines.slice(from).find((line) => match(line.text))!.text;
  }

  /** Writes one line to the program's stdin (spawned with `stdin: true`). */
  async writeLine(text: string): Promise<void> {
    if (!this.#stdin) throw new Error(`${this.name} has no stdin pipe`);
    await this.#stdin.write(new TextEncoder().encode(`${text}\n`));
  }

  /** Waits for the program to end by itself, at most `ms` (then kills it and fails). */
  async exit(ms = 20_000): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
    });
    try {
      const result = await Promise.race([this.done, timeout]);
      if (result === "timeout") {
        await this.stop();
        throw new Error(`${this.name} did not exit within ${ms} ms: ${this.tail()}`);
      }
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal`, then SIGKILL after `graceMs`, and waits for the end. */
  async stop(signal: Deno.Signal = "SIGTERM", graceMs = 3000): Promise<Deno.CommandStatus> {
    if (this.#stdin) await this.#stdin.close().catch(() => {});
    if (!this.exited) {
      try {
        this.#child.kill(signal);
      } catch {
        // already gone
      }
    }
    const killer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, graceMs);
    try {
      return await this.done;
    } finally {
      clearTimeout(killer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Starts a program. */
export function spawn(
  name: string,
  program: string,
  args: string[],
  options: ProcOptions = {},
): Proc {
  return new Proc(name, program, args, options);
}

/** The result of {@linkcode run}. */
export interface RunResult {
  code: number;
  stdout: string[];
  stderr: string[];
  /** Every line, both streams. */
  lines: string[];
}

/** Runs a program to its end, at most `ms`. */
export async function run(
  name: string,
  program: string,
  args: string[],
  options: ProcOptions = {},
  ms = 30_000,
): Promise<RunResult> {
  await using proc = spawn(name, program, args, options);
  const status = await proc.exit(ms);
  return { code: status.code, stdout: proc.stdout, stderr: proc.stderr, lines: proc.text };
}

/** Runs a program that must succeed; returns its stdout. */
export async function runOk(
  name: string,
  program: string,
  args: string[],
  options: ProcOptions = {},
  ms = 20_000,
): Promise<string> {
  const result = await run(name, program, args, options, ms);
  if (result.code !== 0) {
    throw new Error(`${name} exited ${result.code}: ${JSON.stringify(result.lines.slice(-6))}`);
  }
  return result.stdout.join("\n");
}

/** Kills every program still running (the last resort of a group's cleanup). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((proc) => proc.stop("SIGKILL", 0)));
}

/** Polls `probe` every `everyMs` until it returns a value, at most `ms`. */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: ${last.message}` : "";
      throw new Error(`no ${what} within ${ms} ms${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
