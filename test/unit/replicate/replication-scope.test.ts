import { describe, expect, it } from 'vitest';
import { classroom } from '../../../src/dataset/classroom.js';
import { learning } from '../../../src/dataset/learning.js';
import { formatScope, parseScope } from '../../../src/replicate/replication-scope.js';
import { rowsByKeysSql, scopeCte, scopeSummarySql, sqlText } from '../../../src/replicate/scope-sql.js';

const ID = '6f1c2d3e-0000-4000-8000-00000000abcd';

describe('parseScope / formatScope', () => {
  it('reads all and <table>:<key>, and writes them back', () => {
    expect(parseScope('all', learning)).toEqual({ kind: 'all' });
    expect(parseScope(` users:${ID} `, learning)).toEqual({ kind: 'row', table: 'users', key: ID });
    expect(formatScope(parseScope(`users:${ID}`, learning))).toBe(`users:${ID}`);
    expect(parseScope(`student_tags:["${ID}","${ID}"]`, classroom)).toEqual({ kind: 'row', table: 'student_tags', key: `["${ID}","${ID}"]` });
  });

  it('names what is wrong', () => {
    expect(() => parseScope('everything', learning)).toThrow(/scope must be "all" or "<table>:<key>"/);
    expect(() => parseScope(`teachers:${ID}`, learning)).toThrow(/not in dataset "learning"/);
    expect(() => parseScope('users:42', learning)).toThrow(/not a lower-case UUID/);
    expect(() => parseScope(`users:${ID.toUpperCase()}`, learning)).toThrow(/UUID/);
    expect(() => parseScope(`student_tags:${ID}`, classroom)).toThrow(/2-column key/);
  });
});

describe('scope SQL', () => {
  it('quotes text so that it reads the same whatever standard_conforming_strings says', () => {
    expect(sqlText(`it's a \\ test`)).toBe(`E'it''s a \\\\ test'`);
  });

  it('follows every foreign key, self-references included, with one recursive reference', () => {
    const sql = scopeCte(learning, 'learning', { kind: 'row', table: 'users', key: ID });
    expect(sql).toMatch(/^WITH RECURSIVE scope\(tbl, key\)/);
    expect(sql.match(/FROM scope s/g)).toHaveLength(1);
    const edges = learning.tables.reduce((n, t) => n + (t.foreignKeys?.length ?? 0), 0);
    expect(sql.match(/UNION ALL/g)).toHaveLength(edges - 1);
    expect(sql).toContain(`JOIN "learning"."users" c ON c."parent_id" = p."id"`);
    expect(sql).toContain(`"learning"."rewards" c ON c."parent_id" = p."id"`);
  });

  it('reads all tables for the whole dataset, and checks closure only for a rooted scope', () => {
    expect(scopeCte(learning, 'learning', { kind: 'all' })).not.toContain('RECURSIVE');
    expect(scopeSummarySql(learning, 'learning', { kind: 'all' })).toContain(`'[]'::json AS dangling`);
    expect(scopeSummarySql(learning, 'learning', { kind: 'row', table: 'users', key: ID })).toContain('NOT EXISTS (SELECT 1 FROM "scope_users" sp');
  });

  it('selects rows by key for single and composite keys', () => {
    const users = learning.tables.find((t) => t.name === 'users');
    const tags = classroom.tables.find((t) => t.name === 'student_tags');
    if (!users || !tags) throw new Error('missing tables');
    expect(rowsByKeysSql('learning', users, users.columns, [ID])).toContain(`t."id" = ANY (ARRAY(SELECT jsonb_array_elements_text(E'["${ID}"]'::jsonb))::uuid[])`);
    const composite = rowsByKeysSql('classroom', tags, tags.columns, [`["${ID}","${ID}"]`]);
    expect(composite).toContain(`t."student_id" = ((CASE WHEN true THEN k.k END)::jsonb->>0)::uuid AND t."tag_id" = ((CASE WHEN true THEN k.k END)::jsonb->>1)::uuid`);
  });
});
