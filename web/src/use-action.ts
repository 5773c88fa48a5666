import { useState } from 'react';

export interface Action {
  /** What is running now (to disable buttons and show progress), if anything. */
  busy: string | undefined;
  /** The last action's error, shown until the next action starts. */
  error: unknown;
  /** Runs `fn` as `what`: clears the error (and calls `onStart`), records a failure, always ends `busy`. */
  act: (what: string, fn: () => Promise<void>) => Promise<void>;
}

/**
 * One user action at a time, with its busy state and error.
 *
 * @example
 * const { busy, error, act } = useAction();
 * <button disabled={busy !== undefined} onClick={() => void act('run', run)}>Run</button>
 */
export function useAction(onStart?: () => void): Action {
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const act = async (what: string, fn: () => Promise<void>): Promise<void> => {
    setBusy(what);
    setError(undefined);
    onStart?.();
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  return { busy, error, act };
}
