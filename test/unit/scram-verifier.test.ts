import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { grantStatements } from '../../src/hub/hub-scopes.js';
import { scramVerifier } from '../../src/hub/scram-verifier.js';

describe('role passwords', () => {
  it('are sent as a SCRAM-SHA-256 verifier in PostgreSQL\'s format, salted afresh each time', () => {
    const v = scramVerifier('not-sent-in-clear');
    expect(v).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(scramVerifier('not-sent-in-clear')).not.toBe(v);
    expect(scramVerifier('x', Buffer.alloc(16))).toBe(scramVerifier('x', Buffer.alloc(16)));
  });

  it('never appear in the statements of hub grant', () => {
    const sql = grantStatements({ role: 'desk', database: 'hub', schema: 'classroom', scope: 'class-a', password: 'hunter2-secret', dataset: classroom })
      .map((s) => s.sql)
      .join('\n');
    expect(sql).toContain('SCRAM-SHA-256$4096:');
    expect(sql).not.toContain('hunter2-secret');
  });
});
