/**
 * How concurrent changes to one row are settled.
 * - `lww`: last write wins by hybrid-logical-clock timestamp, automatically.
 * - `merge`: field-level three-way merge; a conflict only where the same field changed on both sides.
 * - `append`: insert-only events; rows are immutable, so they never conflict.
 * - `manual`: any concurrent change to the same row is a conflict for the user.
 */
export type SyncPolicy = 'lww' | 'merge' | 'append' | 'manual';

export const SYNC_POLICIES: readonly SyncPolicy[] = ['lww', 'merge', 'append', 'manual'];
