import pg from 'pg';

/**
 * A real pg.Client whose `failAt`-th query fails as if the connection dropped (the query is not sent),
 * or, with `crashAfterCommit`, whose COMMIT succeeds on the server and then reports failure — the
 * moment a process dies between the hub commit and the device commit.
 */
export async function faultyClient(url: string, name: string, fault: { failAt?: number; crashAfterCommit?: boolean }): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: `lockstep:${name}` });
  client.on('error', () => undefined);
  await client.connect();
  let n = 0;
  const real = client.query.bind(client) as (...args: unknown[]) => unknown;
  const drop = (message: string): Error => {
    // Destroying the socket is what a cut network does: the server aborts the open transaction.
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    return Object.assign(new Error(message), { code: 'ECONNRESET' });
  };
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    n++;
    if (fault.failAt !== undefined && n === fault.failAt) {
      const err = drop('Connection terminated unexpectedly (injected)');
      if (typeof args[0] !== 'string') throw err; // a COPY stream is returned synchronously
      return Promise.reject(err);
    }
    const result = real(...args);
    if (fault.crashAfterCommit && args[0] === 'COMMIT') {
      return (result as Promise<unknown>).then(() => {
        throw drop('process died after the hub commit (injected)');
      });
    }
    return result;
  };
  return client;
}
