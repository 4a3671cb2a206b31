/**
 * The status read's readers as dashboards are: a process of their own. The bench's process hosts the worker, whose
 * event loop, busy with the pipeline, would add its own delays to every reading. Prints one JSON line: the
 * latencies (sorted) and how many answers were not 200.
 *
 * node --import tsx bench/status-readers.ts --url URL --key KEY --readers 20 --seconds 15
 */
import { parseArgs } from 'node:util';
import { readLoad } from './read-load';

const { values } = parseArgs({
  options: { url: { type: 'string' }, key: { type: 'string' }, readers: { type: 'string', default: '20' }, seconds: { type: 'string', default: '15' } },
});
if (!values.url || !values.key) throw new Error('status-readers: --url and --key are required');
const { url, key } = values as { url: string; key: string };

let failed = 0;
readLoad(Number(values.readers), Number(values.seconds), async () => {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (response.status !== 200) failed++;
  await response.arrayBuffer();
}).then(
  (latencies) => process.stdout.write(`${JSON.stringify({ latencies, failed })}\n`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
