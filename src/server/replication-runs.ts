import { isLockstepError, LockstepError } from '../core/errors.js';
import type { ReplicationService } from '../replicate/replication-service.js';
import type { ReplicationConfigView, ReplicationProgress } from '../replicate/replication-types.js';

/**
 * Replication runs started by this server: each runs in the background after the request that started it
 * has been answered, and its latest progress is kept here so reads show it live (the hub has it only at
 * each heartbeat). A run that fails is recorded FAILED on the hub by the service; it never throws here.
 *
 * @example
 * await runs.start(service, cfg.id, { full: false });
 * const shown = runs.withLiveProgress(await service.get(cfg.id));
 */
export class ReplicationRuns {
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly live = new Map<string, ReplicationProgress>();

  /**
   * Starts a run and waits until it has reported progress or ended. Throws `E_LOCKED` if the configuration
   * is running already (nothing is recorded then); any other failure is on the configuration as FAILED.
   */
  async start(service: ReplicationService, configId: string, opts: { full?: boolean }): Promise<void> {
    if (this.running.has(configId)) throw new LockstepError('E_LOCKED', 'this replication is running already; wait for it to finish', { retryable: true });
    let reported: () => void = () => undefined;
    const firstProgress = new Promise<undefined>((resolve) => (reported = () => resolve(undefined)));
    const run = service
      .run(configId, {
        ...(opts.full ? { full: true } : {}),
        onProgress: (p) => {
          this.live.set(configId, p);
          reported();
        },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
      .finally(() => {
        this.running.delete(configId);
        this.live.delete(configId);
      });
    this.running.set(configId, run);
    const outcome = await Promise.race([firstProgress, run]);
    if (isLockstepError(outcome) && outcome.code === 'E_LOCKED') throw outcome;
  }

  isRunning(configId: string): boolean {
    return this.running.has(configId);
  }

  /** The view with this process's latest progress while the run is in progress here. */
  withLiveProgress(view: ReplicationConfigView): ReplicationConfigView {
    const p = this.live.get(view.id);
    return p && view.status === 'IN_PROGRESS' ? { ...view, progress: p } : view;
  }

  /** Waits for the runs in progress (at most `timeoutMs`), e.g. before the server closes. */
  async settle(timeoutMs = 10_000): Promise<void> {
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.running.values()]), timeout]);
    clearTimeout(timer);
  }
}
