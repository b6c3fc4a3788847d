/** A count of work in flight, and a promise for when none is left: what a drain waits on. */

export interface InFlight {
  begin(): void;
  end(): void;
  /** Resolves once nothing begun is left unended (at once when nothing is). */
  settled(): Promise<void>;
}

export function createInFlight(): InFlight {
  let count = 0;
  const waiters: (() => void)[] = [];
  return {
    begin() {
      count++;
    },
    end() {
      if (--count === 0) for (const resolve of waiters.splice(0)) resolve();
    },
    settled() {
      return count === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
  };
}
