import { describe, expect, it } from 'vitest';
import { LockstepError } from '../../../src/core/errors.js';
import { toLockstepError } from '../../../src/connection/describe-pg-error.js';

const err = (message: string, code?: string): Error => Object.assign(new Error(message), code === undefined ? {} : { code });

describe('toLockstepError', () => {
  it.each([
    [err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'E_CONNECTION', true, /check the host, port and firewall/],
    [err('getaddrinfo ENOTFOUND db.example.com', 'ENOTFOUND'), 'E_CONNECTION', true, /check the host/],
    [err('connect ETIMEDOUT 10.0.0.1:5432', 'ETIMEDOUT'), 'E_CONNECTION', true, /firewall/],
    [err('connect EHOSTUNREACH 10.0.0.1:5432', 'EHOSTUNREACH'), 'E_CONNECTION', true, /firewall/],
    [err('Connection terminated unexpectedly'), 'E_CONNECTION', true, /firewall/],
    [err('Connection terminated due to connection timeout'), 'E_CONNECTION', true, /firewall/],
    [err('password authentication failed for user "me"', '28P01'), 'E_AUTH', false, /check the user name and password/],
    [err('no pg_hba.conf entry for host "1.2.3.4", user "me", database "app", no encryption', '28000'), 'E_AUTH', false, /sslmode=require/],
    [err('database "nope" does not exist', '3D000'), 'E_CONNECTION', false, /database does not exist/],
    [err('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), 'E_TLS', false, /not signed by the CA/],
    [err('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), 'E_TLS', false, /not signed by the CA/],
    [err('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'E_TLS', false, /sslrootcert/],
    [err("Hostname/IP does not match certificate's altnames: Host: 127.0.0.2. is not cert's CN", 'ERR_TLS_CERT_ALTNAME_INVALID'), 'E_TLS', false, /verify-ca/],
    [err('certificate has expired', 'CERT_HAS_EXPIRED'), 'E_TLS', false, /not valid now/],
    [err('The server does not support SSL connections'), 'E_TLS', false, /sslmode=disable/],
    [err('There was an error establishing an SSL connection'), 'E_TLS', false, /ssl-mode/],
    [err('could not obtain lock on row in relation "x"', '55P03'), 'E_LOCKED', true, /lock/],
    [err('duplicate key value violates unique constraint "x_pkey"', '23505'), 'E_INTEGRITY', false, /constraint/],
    [err('insert or update on table "a" violates foreign key constraint', '23503'), 'E_INTEGRITY', false, /constraint/],
    [err('could not extend file: No space left on device', '53100'), 'E_DISK_FULL', false, /disk space/],
    [err('terminating connection due to administrator command', '57P01'), 'E_CONNECTION', true, /server is running/],
    [err('syntax error at or near "x"', '42601'), 'E_INTERNAL', false, /syntax error/],
    [new Error('something odd'), 'E_INTERNAL', false, /something odd/],
  ])('%s → %s', (e, code, retryable, message) => {
    const l = toLockstepError(e, 'connect to h:5432/app');
    expect(l).toBeInstanceOf(LockstepError);
    expect(l).toMatchObject({ code, retryable, cause: e });
    expect(l.message).toMatch(/^connect to h:5432\/app: /);
    expect(l.message).toMatch(message);
  });

  it('keeps the SQLSTATE in details.sqlstate and a Node error code in details.errorCode', () => {
    expect(toLockstepError(err('x', '23505'), 'c').details).toEqual({ sqlstate: '23505' });
    expect(toLockstepError(err('x', 'ECONNREFUSED'), 'c').details).toEqual({ errorCode: 'ECONNREFUSED' });
    expect(toLockstepError(new Error('x'), 'c').details).toEqual({});
  });

  it('reads the inner errors of an AggregateError (a name with several addresses)', () => {
    const agg = Object.assign(new AggregateError([err('connect ECONNREFUSED ::1:5432'), err('connect ECONNREFUSED 127.0.0.1:5432')], ''), { code: 'ECONNREFUSED' });
    const l = toLockstepError(agg, 'c');
    expect(l).toMatchObject({ code: 'E_CONNECTION', retryable: true });
    expect(l.message).toContain('127.0.0.1:5432');
  });

  it('scrubs passwords from the underlying message and the context', () => {
    const e = err('could not connect to postgres://me:hunter22@db.example.com/app (password=hunter33)', 'ECONNREFUSED');
    const l = toLockstepError(e, 'connect to postgres://me:hunter44@db.example.com/app');
    expect(l.message).not.toMatch(/hunter/);
    expect(JSON.stringify(l)).not.toMatch(/hunter/);
  });

  it('returns a LockstepError unchanged, and copes with non-errors', () => {
    const mine = new LockstepError('E_LOCKED', 'busy');
    expect(toLockstepError(mine, 'c')).toBe(mine);
    expect(toLockstepError('just a string', 'c')).toMatchObject({ code: 'E_INTERNAL', message: 'c: just a string' });
    expect(toLockstepError(undefined, 'c').code).toBe('E_INTERNAL');
  });
});
