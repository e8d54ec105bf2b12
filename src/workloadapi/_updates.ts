// Fan-out of a source's updates: callbacks, and async iterators that always yield the
// newest state (a slow consumer skips intermediate states rather than queueing them).

/** Subscribers of one value stream. */
export class UpdateChannel<T> {
  readonly #listeners = new Set<(value: T) => void>();
  #closed = false;

  /** Calls every listener with `value`; a throwing listener does not stop the others. */
  publish(value: T, onListenerError: (err: unknown) => void): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (err) {
        onListenerError(err);
      }
    }
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ends every iterator and drops every listener. */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    for (const end of [...this.#enders]) end();
  }

  readonly #enders = new Set<() => void>();

  /** An iterator over the values published from now on, until close or `signal`. */
  iterate(signal?: AbortSignal): AsyncIterableIterator<T> {
    let pending: { value: T } | undefined;
    let wake: (() => void) | undefined;
    let done = this.#closed || (signal?.aborted ?? false);
    const finish = () => {
      done = true;
      unsubscribe();
      this.#enders.delete(finish);
      signal?.removeEventListener("abort", finish);
      wake?.();
    };
    const unsubscribe = this.subscribe((value) => {
      pending = { value };
      wake?.();
    });
    this.#enders.add(finish);
    signal?.addEventListener("abort", finish, { once: true });
    if (done) finish();
    const iterator: AsyncIterableIterator<T> = {
      async next(): Promise<IteratorResult<T>> {
        while (pending === undefined && !done) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        if (pending !== undefined) {
          const { value } = pending;
          pending = undefined;
          return { value, done: false };
        }
        return { value: undefined, done: true };
      },
      return(): Promise<IteratorResult<T>> {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
