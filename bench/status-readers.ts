/**
 * The status read's readers as dashboards are: a process of their own. The bench's process hosts the worker, whose
 * event loop, busy with the pipeline, would add its own delays to every reading. They read through undici's
 * `request`, which costs this process a third of what fetch would of the 2 cores the API shares with everything
 * else. Prints one JSON line: the latencies (sorted), how many answers were not 200, and this process's CPU.
 *
 * node --import tsx bench/status-readers.ts --url URL --key KEY --readers 20 --seconds 15
 */
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { readLoad } from './read-load';

const { values } = parseArgs({
  options: { url: { type: 'string' }, key: { type: 'string' }, readers: { type: 'string', default: '20' }, seconds: { type: 'string', default: '15' } },
});
if (!values.url || !values.key) throw new Error('status-readers: --url and --key are required');
const { url, key } = values as { url: string; key: string };

let failed = 0;
const cpuBefore = process.cpuUsage();
readLoad(Number(values.readers), Number(values.seconds), async () => {
  const response = await request(url, { headers: { authorization: `Bearer ${key}` } });
  if (response.statusCode !== 200) failed++;
  await response.body.arrayBuffer();
}).then(
  (latencies) => {
    const { user, system } = process.cpuUsage(cpuBefore);
    process.stdout.write(`${JSON.stringify({ latencies, failed, cpuMs: (user + system) / 1000 })}\n`);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
