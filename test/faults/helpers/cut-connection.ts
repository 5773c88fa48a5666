import pg from 'pg';

/** A superuser connection that terminates other backends, as a DBA or a network cut would end them. */
export class BackendKiller {
  private constructor(private readonly admin: pg.Client) {}

  static async open(adminUrl: string): Promise<BackendKiller> {
    const c = new pg.Client({ connectionString: adminUrl, application_name: 'lockstep:fault-killer' });
    c.on('error', () => undefined);
    await c.connect();
    return new BackendKiller(c);
  }

  /** Terminates backend `pid` and waits until it is gone from pg_stat_activity. */
  async terminate(pid: number): Promise<boolean> {
    const r = await this.admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
    for (let i = 0; i < 200; i++) {
      const alive = await this.admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (alive.rowCount === 0) break;
      await new Promise((res) => setTimeout(res, 5));
    }
    return r.rows[0]?.ok === true;
  }

  /** Terminates every backend whose application_name starts with `prefix`; returns how many. */
  async terminateApp(prefix: string, database?: string): Promise<number> {
    const r = await this.admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE $1 || '%' AND pid <> pg_backend_pid()
       AND ($2::text IS NULL OR datname = $2)`,
      [prefix, database ?? null],
    );
    return r.rowCount ?? 0;
  }

  async end(): Promise<void> {
    await this.admin.end().catch(() => undefined);
  }
}

/** Where a cut goes: before the `at`-th query of all connections a connector made (1-based; 0 = never). */
export interface CutPlan {
  at: number;
  /** Queries seen so far. */
  seen: number;
  /** True once the backend was terminated. */
  injected: boolean;
  /** The first words of every query seen, for messages. */
  log: string[];
}

export function cutPlan(at: number): CutPlan {
  return { at, seen: 0, injected: false, log: [] };
}

/**
 * Wraps a connected pg.Client so that, before its query number `plan.at` (counted over every client sharing
 * the plan), its backend is terminated from the killer's connection; the query then really meets a dead
 * connection. A COPY stream (returned synchronously) gets the cut while it runs.
 */
export async function withCut(client: pg.Client, killer: BackendKiller, plan: CutPlan): Promise<pg.Client> {
  client.on('error', () => undefined);
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid as number;
  const real = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    plan.seen++;
    const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: unknown }).text ?? 'COPY');
    plan.log.push(text.replace(/\s+/g, ' ').slice(0, 70));
    if (plan.at === 0 || plan.seen !== plan.at) return real(...args);
    plan.injected = true;
    if (typeof (args[0] as { submit?: unknown }).submit === 'function') {
      void killer.terminate(pid).catch(() => undefined);
      return real(...args);
    }
    return killer.terminate(pid).then(() => real(...args));
  };
  return client;
}

/** A connector (new pg.Client per call) whose connections share one cut plan. */
export function cuttingConnector(url: string, app: string, killer: BackendKiller, plan: CutPlan): () => Promise<pg.Client> {
  return async () => {
    const c = new pg.Client({ connectionString: url, application_name: app });
    c.on('error', () => undefined);
    await c.connect();
    return withCut(c, killer, plan);
  };
}
