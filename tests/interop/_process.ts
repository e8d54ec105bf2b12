// Child processes for the interop checks: started with their output collected line by
// line, waited on with a bound, and always killed at the end.

const decoder = new TextDecoder();

/** Options of {@linkcode start} and {@linkcode run}. */
export interface ProcessOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Run as this system user (via `runuser`); the caller must be root. */
  user?: string;
}

function command(program: string, args: string[], options: ProcessOptions): Deno.Command {
  const [cmd, argv] = options.user === undefined
    ? [program, args]
    : ["runuser", ["-u", options.user, "--", "env", ...envPairs(options.env), program, ...args]];
  return new Deno.Command(cmd, {
    args: argv,
    cwd: options.cwd,
    env: options.user === undefined ? options.env : undefined,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

function envPairs(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {}).map(([key, value]) => `${key}=${value}`);
}

async function collect(stream: ReadableStream<Uint8Array>, lines: string[], notify: () => void) {
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = pending.indexOf("\n")) >= 0) {
      lines.push(pending.slice(0, end));
      pending = pending.slice(end + 1);
      notify();
    }
  }
  if (pending !== "") lines.push(pending);
  notify();
}

/** A running program whose stdout and stderr lines are collected as they come. */
export class Running implements AsyncDisposable {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #done: Promise<Deno.CommandStatus>;
  #waiters = new Set<() => void>();

  constructor(readonly name: string, program: string, args: string[], options: ProcessOptions) {
    this.#child = command(program, args, options).spawn();
    const notify = () => this.#waiters.forEach((waiter) => waiter());
    const output = Promise.all([
      collect(this.#child.stdout, this.stdout, notify),
      collect(this.#child.stderr, this.stderr, notify),
    ]);
    this.#done = output.then(() => this.#child.status).finally(notify);
  }

  /** Every line so far, stdout then stderr. */
  get lines(): string[] {
    return [...this.stdout, ...this.stderr];
  }

  /** Waits until a line matches, at most `ms`; returns the line. */
  async waitFor(pattern: RegExp, what: string, ms = 15_000): Promise<string> {
    const deadline = Date.now() + ms;
    let exited = false;
    this.#done.then(() => (exited = true));
    for (;;) {
      const line = this.lines.find((candidate) => pattern.test(candidate));
      if (line !== undefined) return line;
      if (exited) throw new Error(`${this.name} exited before ${what}: ${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}: ${this.tail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 250));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  /** The last output lines, for error messages. */
  tail(count = 8): string {
    return JSON.stringify(this.lines.slice(-count));
  }

  /** Waits for the program to exit by itself, at most `ms`. */
  async exit(ms = 30_000): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit: ${this.tail()}`)), ms);
    });
    try {
      return await Promise.race([this.#done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the program (SIGTERM, then SIGKILL after 3 s) and waits for it. */
  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const killer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, 3000);
    try {
      return await this.#done;
    } finally {
      clearTimeout(killer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Starts a program. */
export function start(
  name: string,
  program: string,
  args: string[],
  options: ProcessOptions = {},
): Running {
  return new Running(name, program, args, options);
}

/** Runs a program to its end (bounded); returns its exit code and lines. */
export async function run(
  name: string,
  program: string,
  args: string[],
  options: ProcessOptions = {},
  ms = 30_000,
): Promise<{ code: number; stdout: string[]; stderr: string[]; lines: string[] }> {
  await using running = start(name, program, args, options);
  const status = await running.exit(ms);
  return {
    code: status.code,
    stdout: running.stdout,
    stderr: running.stderr,
    lines: running.lines,
  };
}
