import { spawnSync } from 'node:child_process';
import { LockstepError } from '../core/errors.js';

const TOOL = 'secret-tool';
const TIMEOUT_MS = 10_000;

/**
 * One secret in the OS keyring, through the freedesktop Secret Service (GNOME Keyring, KeePassXC,
 * KWallet) and libsecret's `secret-tool`, identified by the attributes `service=lockstep account=NAME`.
 *
 * @example
 * const ring = osKeyring(process.env);
 * if (ring) ring.write('key', 'Lockstep key', base64);
 */
export interface OsKeyring {
  /** The secret, or undefined when the keyring has none under that name. */
  read(account: string): string | undefined;
  write(account: string, label: string, secret: string): void;
}

/**
 * The OS keyring when this session has one (a session bus and `secret-tool` on the PATH), else
 * undefined. `LOCKSTEP_KEYRING=off` turns it off.
 *
 * @example
 * const ring = osKeyring(process.env); // undefined on a server without a desktop session
 */
export function osKeyring(env: NodeJS.ProcessEnv): OsKeyring | undefined {
  if (env.LOCKSTEP_KEYRING === 'off' || !env.DBUS_SESSION_BUS_ADDRESS) return undefined;
  const probe = run(env, ['lookup', 'service', 'lockstep', 'account', 'probe']);
  if (probe.missingTool) return undefined;
  return {
    read(account) {
      const r = run(env, ['lookup', 'service', 'lockstep', 'account', account]);
      if (r.status === 0) return r.stdout.trim();
      if (r.stderr.trim() === '') return undefined; // exit 1 and silence: no such secret
      throw keyringError('read', r.stderr);
    },
    write(account, label, secret) {
      const r = run(env, ['store', '--label', label, 'service', 'lockstep', 'account', account], secret);
      if (r.status !== 0) throw keyringError('write', r.stderr);
    },
  };
}

function run(env: NodeJS.ProcessEnv, args: string[], input?: string): { status: number | null; stdout: string; stderr: string; missingTool: boolean } {
  const r = spawnSync(TOOL, args, { env, input: input ?? '', encoding: 'utf8', timeout: TIMEOUT_MS });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ETIMEDOUT') throw keyringError('answer', `no answer in ${TIMEOUT_MS / 1000} s (is it locked?)`);
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', missingTool: code === 'ENOENT' };
}

function keyringError(what: string, detail: string): LockstepError {
  return new LockstepError(
    'E_SECRET',
    `the OS keyring could not ${what} Lockstep's key: ${detail.trim() || 'unknown error'}; unlock the keyring, or set LOCKSTEP_KEYRING=off to use a key file`,
  );
}
