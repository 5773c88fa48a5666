import { createHash, type Hash } from 'node:crypto';
import { stableStringify, type Row } from '../core/row.js';

/** The JSON backup of a device's dataset tables. */
export interface ExportFile {
  format: 'lockstep-export';
  version: 1;
  dataset: string;
  datasetVersion: number;
  exportedAt: string;
  deviceId: string;
  /** Rows per table, tables in foreign-key order, values in canonical form. */
  tables: Record<string, Row[]>;
  /** `sha256:<hex>` over dataset, version and every row (see `ExportChecksum`). */
  checksum: string;
}

/** The checksum of an export: dataset name and version, then each table's name and rows, in order. */
export class ExportChecksum {
  private readonly hash: Hash = createHash('sha256');

  constructor(dataset: string, datasetVersion: number) {
    this.hash.update(`${dataset}\n${datasetVersion}\n`);
  }

  table(name: string): void {
    this.hash.update(`#${name}\n`);
  }

  row(row: Row): void {
    this.hash.update(`${stableStringify(row)}\n`);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
