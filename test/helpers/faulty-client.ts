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
  const real = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
    n++;
    if (fault.failAt !== undefined && n === fault.failAt) {
      await client.end().catch(() => undefined);
      throw Object.assign(new Error('Connection terminated unexpectedly (injected)'), { code: 'ECONNRESET' });
    }
    const result = await real(...args);
    if (fault.crashAfterCommit && args[0] === 'COMMIT') {
      await client.end().catch(() => undefined);
      throw Object.assign(new Error('process died after the hub commit (injected)'), { code: 'ECONNRESET' });
    }
    return result;
  };
  return client;
}
