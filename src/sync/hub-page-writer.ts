import type pg from 'pg';
import type { Row } from '../core/row.js';
import type { TableDef } from '../dataset/dataset.js';
import { copyNewRows, copyNewVersions, newRowsPayload, newVersionsPayload, setEngineUpsert } from '../hub/sql/copy-rows.js';
import { deleteRows, upsertRows, upsertVersions, type VersionWrite } from '../hub/sql/write-rows.js';

/** The hub writes of one page of one table. */
export interface HubPage {
  /** Versions of the rows written, recorded before the rows. */
  versions: VersionWrite[];
  upserts: Row[];
  deletes: string[];
  /** Every upsert is a row the hub has never had and COPY may be used (see `copyAllowed`). */
  allNew: boolean;
}

/** Pages of rows the hub has never seen that may wait, built, behind the one being written. */
const COPY_DEPTH = 2;

/**
 * Writes the hub side of the pending phase, page after page, in order, on the run's connection.
 *
 * A page of rows the hub has never seen goes by COPY (versions, then rows). Its data is built in full
 * when the page is given, and its statements run one after the other as soon as the connection is free
 * (each issued in the same turn of the event loop as the end of the one before), up to `COPY_DEPTH`
 * pages behind the one being written: the server works through them while the caller reads and
 * settles the next pages on the device. Any other page (upserts, deletes) first waits for everything
 * given before it, and is written with plain statements while the caller goes on (the capture trigger
 * must see deletes: their cascades are recorded in the feed).
 *
 * Only one statement is ever waiting on the connection: the client runs queries strictly in order,
 * and the caller's own queries (look-ups of the next page) slip in between pages, which is harmless.
 * The first failure is the one reported (later statements fail only because the transaction is
 * aborted, or do not run at all); the caller rolls the run back.
 */
export class HubPageWriter {
  private tail: Promise<void> = Promise.resolve();
  private queued: Promise<void>[] = [];
  private lastWasCopy = false;
  /** `lockstep.engine_upsert` as the pages given so far leave it. */
  private engineUpsert = false;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly hubSchema: string,
    /** Device id: the origin of every version written. */
    private readonly origin: string,
  ) {}

  /** Hands over the writes of one page; returns once the caller may prepare the next page. */
  async write(table: TableDef, page: HubPage): Promise<void> {
    const copy = page.allNew && page.deletes.length === 0;
    if (copy && this.lastWasCopy) {
      while (this.queued.length >= COPY_DEPTH) await this.queued.shift();
    } else {
      await this.drain();
    }
    this.lastWasCopy = copy;
    let run: () => Promise<void>;
    if (copy) {
      const setUpsert = page.upserts.length > 0 && !this.engineUpsert;
      if (page.upserts.length > 0) this.engineUpsert = true;
      const versions = newVersionsPayload(table.name, this.origin, page.versions);
      const rows = newRowsPayload(table, page.upserts);
      run = async () => {
        await copyNewVersions(this.client, versions);
        // The versions are written: the capture trigger need not look at these rows.
        if (setUpsert) await setEngineUpsert(this.client, true);
        await copyNewRows(this.client, this.hubSchema, table, rows);
      };
    } else {
      const resetUpsert = this.engineUpsert;
      this.engineUpsert = false;
      run = async () => {
        if (resetUpsert) await setEngineUpsert(this.client, false);
        await upsertVersions(this.client, table.name, this.origin, page.versions);
        await upsertRows(this.client, this.hubSchema, table, page.upserts);
        await deleteRows(this.client, this.hubSchema, table, page.deletes);
      };
    }
    const done = this.tail.then(run);
    done.catch(() => undefined); // surfaced by drain() or write(); this only stops an unhandled-rejection report
    this.tail = done;
    this.queued.push(done);
  }

  /** Waits for every page given, and leaves the capture trigger recording plain writes again. */
  async finish(): Promise<void> {
    await this.drain();
    if (this.engineUpsert) {
      this.engineUpsert = false;
      await setEngineUpsert(this.client, false);
    }
  }

  private async drain(): Promise<void> {
    this.queued = [];
    await this.tail;
  }
}
