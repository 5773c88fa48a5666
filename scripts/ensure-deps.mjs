// Installs dependencies on a fresh clone, so `npm start` and `npm test` work as the first command.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
if (!existsSync(marker) || !existsSync('node_modules/better-sqlite3/build')) {
  console.error('[lockstep] installing dependencies (first run; better-sqlite3 builds from source, about a minute)…');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
