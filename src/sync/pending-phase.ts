import { reconcile, type Decision } from '../core/reconcile.js';
import { rowsEqual, type Row } from '../core/row.js';
import type { TableDef } from '../dataset/dataset.js';
import { fetchServerRows, type ServerRow } from '../hub/sql/server-rows.js';
import { copyAllowed, tableIsNewOnHub } from '../hub/sql/copy-rows.js';
import type { PendingChange } from '../store/local-store.js';
import { checkParentsOnHub } from './hub-parents.js';
import { HubPageWriter, type HubPage } from './hub-page-writer.js';
import { RunState } from './run-state.js';

const MAX_DISCARDED_LISTED = 100;

/** Hub and device writes gathered for one page of one table. */
interface PageWrites extends HubPage {
  local: { key: string; row: Row | null }[];
  /** Settled without the hub: the pending change is done. */
  clear: string[];
  /** Sent to the hub: in flight until the hub commits. */
  sent: string[];
}

/**
 * Settles every locally changed row against the hub's current version of it (O(local changes)), table
 * by table in foreign-key order, and writes the outcome to both sides (unless previewing).
 */
export async function runPendingPhase(state: RunState): Promise<void> {
  const { store } = state;
  if (state.write) store.db.prepare('DELETE FROM _lockstep_conflicts').run();
  const canCopy = state.write && (await copyAllowed(state.client));
  // Hub writes of a page overlap reading and settling the next ones (one connection runs them in order).
  const hub = new HubPageWriter(state.client, state.hubSchema, store.deviceId);
  for (const name of store.order) {
    const table = store.table(name);
    let afterKey = '';
    // A table the hub has never held a row of (checked under the sync lock) needs no per-key look-ups.
    let newOnHub: boolean | undefined;
    for (;;) {
      const page = store.pendingPage(table, afterKey, state.batchSize);
      if (page.length === 0) break;
      newOnHub ??= await tableIsNewOnHub(state.client, table.name);
      const range = { after: afterKey, last: (page[page.length - 1] as PendingChange).key };
      afterKey = range.last;
      const server = newOnHub ? new Map<string, ServerRow>() : await fetchServerRows(state.client, state.hubSchema, table, page.map((p) => p.key));
      if (state.operation === 'push') await checkParentsOnHub(state, table, page);
      const writes: PageWrites = { versions: [], upserts: [], allNew: true, deletes: [], local: [], clear: [], sent: [] };
      for (const p of page) settle(state, table, p, server.get(p.key), writes);
      writes.allNew &&= canCopy;
      if (state.write) {
        // Sent whole, the page's range of keys is exactly its pending changes (the run holds the write lock).
        writeLocal(state, table, writes, writes.sent.length === page.length ? range : undefined);
        await hub.write(table, writes);
        await yieldToIo(); // lets the connection hand queued statements and their data to the server
      }
    }
    await hub.finish();
  }
}

function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function decide(state: RunState, table: TableDef, p: PendingChange, server: ServerRow | undefined): Decision {
  const columns = table.columns.map((c) => c.name);
  const remote = server?.row ?? null;
  if (state.operation === 'pull') return rowsEqual(p.local, remote, columns) ? { kind: 'noop' } : { kind: 'down', row: remote };
  return reconcile({
    policy: table.policy,
    columns,
    base: p.base,
    local: p.local,
    localHlc: p.hlc,
    server: remote,
    serverHlc: server?.hlc ?? null,
  });
}

function settle(state: RunState, table: TableDef, p: PendingChange, server: ServerRow | undefined, w: PageWrites): void {
  const counts = state.counts(table.name);
  const remote = server?.row ?? null;
  const serverHlc = server?.hlc ?? null;
  state.seen(serverHlc);
  const d = decide(state, table, p, server);
  if ((d.kind === 'up' || d.kind === 'merge') && d.row !== null && state.referencesAbsentOnHub(table, d.row)) {
    // Its parent stays off the hub this run (deleted there, kept here in a conflict): it waits, pending,
    // until the parent's conflict is resolved (then it goes up, or goes with the parent).
    state.markAbsentOnHub(table.name, p.key);
    return;
  }
  if (d.kind !== 'noop') state.note(d.kind, table.name, p.key, p.hlc, serverHlc);
  switch (d.kind) {
    case 'noop':
      w.clear.push(p.key);
      return;
    case 'up':
      RunState.count(counts.up, remote, d.row);
      if (server !== undefined) w.allNew = false;
      w.versions.push({ key: p.key, hlc: p.hlc, deleted: d.row === null });
      if (d.row === null) w.deletes.push(p.key);
      else w.upserts.push(d.row);
      w.sent.push(p.key);
      return;
    case 'down':
      if (state.operation === 'push') {
        // Left pending: a pull or sync brings the hub's version.
        if (d.row === null && p.local !== null) state.markAbsentOnHub(table.name, p.key);
        return;
      }
      RunState.count(counts.down, p.local, d.row);
      if (state.operation === 'pull') {
        counts.discards++;
        if (state.discarded.length < MAX_DISCARDED_LISTED) state.discarded.push({ table: table.name, id: p.key });
      }
      w.local.push({ key: p.key, row: d.row });
      w.clear.push(p.key);
      return;
    case 'merge': {
      const columns = table.columns.map((c) => c.name);
      if (!rowsEqual(remote, d.row, columns)) RunState.count(counts.up, remote, d.row);
      if (!rowsEqual(p.local, d.row, columns)) RunState.count(counts.down, p.local, d.row);
      w.allNew = false;
      if (state.write) w.versions.push({ key: p.key, hlc: state.store.nextHlc(), deleted: false });
      w.upserts.push(d.row);
      w.local.push({ key: p.key, row: d.row });
      w.sent.push(p.key);
      return;
    }
    case 'conflict':
      if (remote === null && p.local !== null) state.markAbsentOnHub(table.name, p.key);
      state.recordConflict(table, p.key, d.fields, p.base, p.local, remote, serverHlc);
      return;
  }
}

function writeLocal(state: RunState, table: TableDef, w: PageWrites, wholePage: { after: string; last: string } | undefined): void {
  const { store } = state;
  store.applyRows(table, w.local);
  store.clearPendingKeys(table.name, w.clear);
  if (wholePage) store.markInflightRange(state.runId, table.name, wholePage.after, wholePage.last);
  else store.markInflight(state.runId, table.name, w.sent);
}
