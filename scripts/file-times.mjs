// node:test reporter: the wall time of each test file (first event to last,
// hooks included), slowest first, so the suite's budget is easy to watch.
export default async function* fileTimes(source) {
  const span = new Map();
  for await (const ev of source) {
    const file = ev.data?.file;
    // Every file is enqueued at the start; it runs from its dequeue to its last event.
    if (!file || ev.type === 'test:enqueue') continue;
    const now = Date.now();
    const s = span.get(file) ?? { first: now, last: now };
    s.last = now;
    span.set(file, s);
  }
  const rows = [...span].map(([f, s]) => [(s.last - s.first) / 1000, f.replace(`${process.cwd()}/`, '')]).sort((a, b) => b[0] - a[0]);
  const total = rows.reduce((a, r) => a + r[0], 0);
  yield `\nslowest test files (wall s; all ${rows.length} files: ${total.toFixed(0)} s)\n`;
  for (const [t, f] of rows.slice(0, 25)) yield `${t.toFixed(1).padStart(7)}  ${f}\n`;
}
