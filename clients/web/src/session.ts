/** The client every panel talks through, and where panels report failures (UNAUTHENTICATED asks for a key). */
import { type InferGraphClient, InferGraphError } from '@infergraph/client';
import { createContext, type DependencyList, useContext, useEffect, useState } from 'react';

export interface Session {
  client: InferGraphClient;
  /** Every failure a panel meets: an UNAUTHENTICATED one makes the app ask for a key. */
  report(error: unknown): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionContext>');
  return session;
}

/** Whether a failure is the app's own cancellation (a panel unmounted, a stop pressed), not something to show. */
export function isAborted(error: unknown): boolean {
  return error instanceof InferGraphError && error.code === 'ABORTED';
}

/**
 * Runs `task` while the component is mounted and its deps stay the same (a stream: the catalog's events, the
 * health), aborting it when they change; gives the failure that ended it, after reporting it to the session.
 */
export function useTask(task: (signal: AbortSignal) => Promise<void>, deps: DependencyList): unknown {
  const { report } = useSession();
  const [failure, setFailure] = useState<unknown>(null);
  useEffect(() => {
    const controller = new AbortController();
    setFailure(null);
    task(controller.signal).catch((error: unknown) => {
      if (controller.signal.aborted || isAborted(error)) return;
      setFailure(error);
      report(error);
    });
    return () => controller.abort();
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the task depends on.
  }, deps);
  return failure;
}
