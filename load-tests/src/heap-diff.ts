/**
 * `node load-tests/dist/heap-diff.js BEFORE.heapsnapshot AFTER.heapsnapshot CONNECTIONS [TOP]`: what each
 * connection costs in the JS heap, by object kind (V8 node type and constructor name, self sizes), from two heap
 * snapshots of the same process taken before and after the connections were opened. Both snapshots are taken
 * after a full GC, so only live objects count.
 */
import { readFile } from 'node:fs/promises';

interface HeapSnapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

async function totals(file: string): Promise<Map<string, { size: number; count: number }>> {
  const heap = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < heap.nodes.length; i += stride) {
    const type = types[heap.nodes[i + typeAt]!]!;
    let name = heap.strings[heap.nodes[i + nameAt]!]!;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(strings)';
    else if (type === 'number') name = '(heap numbers)';
    else if (name.length > 60) name = `${name.slice(0, 57)}...`;
    const key = `${type}: ${name}`;
    const entry = out.get(key) ?? { size: 0, count: 0 };
    entry.size += heap.nodes[i + sizeAt]!;
    entry.count++;
    out.set(key, entry);
  }
  return out;
}

async function main(): Promise<void> {
  const [beforeFile, afterFile, connectionsText, topText] = process.argv.slice(2);
  if (!beforeFile || !afterFile || !connectionsText) throw new Error('usage: heap-diff BEFORE AFTER CONNECTIONS [TOP]');
  const connections = Number(connectionsText);
  const top = Number(topText ?? 30);
  const [before, after] = await Promise.all([totals(beforeFile), totals(afterFile)]);
  const rows: { key: string; bytes: number; objects: number }[] = [];
  for (const [key, a] of after) {
    const b = before.get(key) ?? { size: 0, count: 0 };
    rows.push({ key, bytes: (a.size - b.size) / connections, objects: (a.count - b.count) / connections });
  }
  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  process.stdout.write(`JS heap (live objects) per connection: ${total.toFixed(0)} bytes over ${connections} connections\n\n`);
  process.stdout.write(`${'bytes/conn'.padStart(10)} ${'objs/conn'.padStart(9)}  kind: constructor\n`);
  for (const r of rows.sort((x, y) => y.bytes - x.bytes).slice(0, top)) {
    process.stdout.write(`${r.bytes.toFixed(0).padStart(10)} ${r.objects.toFixed(2).padStart(9)}  ${r.key}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
