/**
 * Runs a device's operations one at a time. A device store is one SQLite connection and the sync engine
 * keeps a transaction open across awaits, so a classroom write arriving mid-sync must wait its turn
 * rather than land inside the sync's transaction.
 *
 * @example
 * const queue = new DeviceQueue();
 * const report = await queue.run(() => client.sync());
 */
export class DeviceQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => T | Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
