// One device of the concurrent case, in a process of its own (as a real device is): makes its changes,
// says "ready", syncs when told "go", says how long that took, syncs again when told "settle" (to bring
// every other device's rows), then prints how many events it holds and its own peak memory.
import { createInterface } from 'node:readline';
import { device, fillDeviceEvents } from './bench-db.js';

const [hub, name, changesArg] = process.argv.slice(2);
if (!hub || !name) throw new Error('usage: concurrent-device.ts <hub url> <name> <changes>');
const d = device(hub, name);
fillDeviceEvents(d.store, Number(changesArg ?? 1_000));
const say = (msg: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(msg)}\n`);
say({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    const t0 = performance.now();
    await d.client.sync();
    say({ synced: performance.now() - t0 });
  } else if (line === 'settle') {
    await d.client.sync();
    const { n } = d.store.db.prepare('SELECT count(*) AS n FROM score_events').get() as { n: number };
    say({ events: n, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) });
    break;
  }
}
d.store.close();
process.stdin.destroy();
