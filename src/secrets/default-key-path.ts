import { join } from 'node:path';

/** `$LOCKSTEP_KEY_FILE`, else `$XDG_CONFIG_HOME/lockstep/key`, else `~/.config/lockstep/key`. Pure: env is passed in. */
export function defaultKeyPath(env: Record<string, string | undefined>, homedir: string): string {
  if (env.LOCKSTEP_KEY_FILE) return env.LOCKSTEP_KEY_FILE;
  return join(env.XDG_CONFIG_HOME || join(homedir, '.config'), 'lockstep', 'key');
}
