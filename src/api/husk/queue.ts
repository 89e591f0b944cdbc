// A push-fed AsyncIterable: what the server hands the engine for a client's
// value source (SessionIO.resize, .signals) fed by frames as they arrive.
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiting?: (r: IteratorResult<T>) => void;
  #ended = false;

  push(v: T): void {
    if (this.#ended) return;
    if (this.#waiting) { const w = this.#waiting; this.#waiting = undefined; w({ value: v, done: false }); } else this.#items.push(v);
  }

  /** Also `write` and `end`, so byte frames can feed it like a PassThrough. */
  write(v: T): void { this.push(v); }

  end(): void {
    this.#ended = true;
    if (this.#waiting) { const w = this.#waiting; this.#waiting = undefined; w({ value: undefined, done: true }); }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.#items.length) return Promise.resolve({ value: this.#items.shift()!, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((r) => { this.#waiting = r; });
      },
      return: () => { this.end(); return Promise.resolve({ value: undefined, done: true }); },
    };
  }
}
