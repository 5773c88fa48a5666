import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskUrl } from '../../../src/connection/mask-url.js';

describe('maskUrl', () => {
  it.each([
    ['postgres://u:pw@h/db', 'postgres://u:****@h/db'],
    ['error: connect postgres://app.tenant:s3cr%40t@db.example.com:6543/app failed', 'error: connect postgres://app.tenant:****@db.example.com:6543/app failed'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
    ['postgres://h:5432/db', 'postgres://h:5432/db'],
    ['postgres://[::1]:5432/db', 'postgres://[::1]:5432/db'],
    ['postgres://u:p@ss@h/db', 'postgres://u:****@h/db'],
    ['postgres://u:pa/ss@h/db', 'postgres://u:****@h/db'],
    ['postgres://u:pa ss@h/db now', 'postgres://u:****@h/db now'],
    ['postgres://u:secret', 'postgres://u:****'],
    ['postgres://u:secret/db', 'postgres://u:****/db'],
    ['from postgres://a:one@h1/db to postgresql://b:two@h2/db', 'from postgres://a:****@h1/db to postgresql://b:****@h2/db'],
    ['"postgres://u:pw@h/db"', '"postgres://u:****@h/db"'],
    ['postgres://u@h/db?sslmode=require&password=s3cret', 'postgres://u@h/db?sslmode=require&password=****'],
    ["host=h user=u password='a b c' dbname=d", 'host=h user=u password=**** dbname=d'],
    ['PGPASSWORD=hunter2 lockstep sync', 'PGPASSWORD=**** lockstep sync'],
    ['line one postgres://u:pw\nline two @ here', 'line one postgres://u:****\nline two @ here'],
    ['no urls here: a@b, c:d', 'no urls here: a@b, c:d'],
    ['postgres://@ :    @h/db', 'postgres://@ :****@h/db'],
    ['postgres://a@b c:secret@h/db', 'postgres://a@b c:****@h/db'],
    ['postgres://u:pw@h/db (user x@y)', 'postgres://u:****@y)'],
  ])('%j → %j', (input, expected) => expect(maskUrl(input)).toBe(expected));

  it('is idempotent', () => {
    const once = maskUrl('x postgres://u:pw@h/db password=p');
    expect(maskUrl(once)).toBe(once);
  });

  it('property: the password (≥ 4 chars) never survives, written encoded or raw, even in a malformed URL', () => {
    const user = fc.string({ minLength: 1, maxLength: 12 }).filter((u) => !u.includes(':'));
    const password = fc.string({ minLength: 4, maxLength: 30 });
    fc.assert(
      fc.property(user, password, fc.boolean(), (u, p, encoded) => {
        const before = `could not connect to postgres://${encoded ? encodeURIComponent(u) : u}:`;
        const after = '@db.example.com:5432/app?sslmode=require: connection refused';
        const secret = encoded ? encodeURIComponent(p) : p;
        fc.pre(!`${before}${after}`.includes(p) && !`${before}${after}`.includes(secret));
        const shown = maskUrl(`${before}${secret}${after}`);
        expect(shown).not.toContain(p);
        expect(shown).not.toContain(secret);
      }),
      { numRuns: 500 },
    );
  });
});
