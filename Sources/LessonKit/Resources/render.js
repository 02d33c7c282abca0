// One node process per build renders every formula (KaTeX) and code block (highlight.js 9).
// Input: a JSON file (argv[2]) holding [{k: "i"|"d"|"c", s: source, l: language}].
// Output into the file argv[3], one frame per item in order: "H" or "E", the payload's
// UTF-8 byte length, a newline, then the payload (HTML, or an error message).
// Large batches may be split over worker threads inside this one process (see below).
'use strict';
const fs = require('fs');
const os = require('os');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

function escapeHTML(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// Renders items and hands the frames to `emit` in chunks of about 1 MB, so finished HTML is
// not all kept alive at once (holding 30 MB of strings makes V8's collector work much harder).
function renderAll(items, emit) {
  // loading every highlight.js grammar takes about 80 ms, three times KaTeX: only when needed
  const katex = items.some((it) => it.k !== 'c') ? require('katex') : null;
  let hljs = null;
  if (items.some((it) => it.k === 'c')) {
    hljs = require('highlight.js');
    hljs.configure({ hideUpgradeWarningAcceptNoSupportOrSecurityUpdates: true });
  }
  let chunk = [], size = 0;
  for (const it of items) {
    let kind = 'H', out;
    try {
      if (it.k === 'c') {
        out = (it.l && hljs.getLanguage(it.l)) ? hljs.highlight(it.l, it.s, true).value : escapeHTML(it.s);
      } else {
        out = katex.renderToString(it.s, { displayMode: it.k === 'd', throwOnError: true, strict: 'ignore', output: 'htmlAndMathml' });
      }
    } catch (e) {
      kind = 'E';
      out = String(e && e.message ? e.message : e);
    }
    const frame = kind + Buffer.byteLength(out, 'utf8') + '\n' + out;
    chunk.push(frame);
    size += frame.length;
    if (size > 1 << 20) { emit(chunk.join('')); chunk = []; size = 0; }
  }
  if (chunk.length) emit(chunk.join(''));
}

if (!isMainThread) {
  const parts = [];
  renderAll(workerData, (text) => parts.push(Buffer.from(text, 'utf8')));
  const all = Buffer.concat(parts);
  parentPort.postMessage(all, [all.buffer]);
} else {
  const items = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  // Worker threads: each loads and JIT-compiles KaTeX again (about 0.4 s of CPU), so they pay
  // only when cores are idle. Measured on the shared 2-core machine (bench/site/run.sh), one
  // thread was as fast in wall time and cheaper in CPU under load; so workers are used only
  // when the load average leaves a core free (LESSONS_RENDER_THREADS=N overrides). The output
  // is the same bytes either way.
  const cpus = os.cpus().length;
  const idle = os.loadavg()[0] + 1 <= cpus;
  const wanted = Math.max(1, Math.min(cpus, Number(process.env.LESSONS_RENDER_THREADS || (idle ? cpus : 1))));
  const threads = items.length >= 400 ? wanted : 1;
  const fd = fs.openSync(process.argv[3], 'w');
  if (threads === 1) {
    renderAll(items, (text) => fs.writeSync(fd, text));
    fs.closeSync(fd);
  } else {
    const size = Math.ceil(items.length / threads);
    const parts = [];
    for (let t = 0; t < threads; t++) {
      const slice = items.slice(t * size, (t + 1) * size);
      parts.push(new Promise((resolve, reject) => {
        const w = new Worker(__filename, { workerData: slice });
        w.once('message', resolve);
        w.once('error', reject);
      }));
    }
    Promise.all(parts).then(
      (buffers) => { for (const b of buffers) fs.writeSync(fd, Buffer.from(b.buffer, b.byteOffset, b.byteLength)); fs.closeSync(fd); },
      (err) => { console.error(err); process.exit(1); });
  }
}
