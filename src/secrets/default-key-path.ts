import { isAbsolute, join } from 'node:path';

/**
 * Where the encryption key lives by default: `$LOCKSTEP_KEY_FILE` if set, else
 * `$XDG_CONFIG_HOME/lockstep/key` (when it is an absolute path, as the XDG spec requires), else
 * `<homedir>/.config/lockstep/key`. Pure: the environment and home folder are passed in.
 *
 * @example
 * const path = defaultKeyPath(process.env, os.homedir()); // '/home/ann/.config/lockstep/key'
 */
export function defaultKeyPath(env: NodeJS.ProcessEnv, homedir: string): string {
  const explicit = env.LOCKSTEP_KEY_FILE;
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env.XDG_CONFIG_HOME;
  const configHome = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir, '.config');
  return join(configHome, 'lockstep', 'key');
}
