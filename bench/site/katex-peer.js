// The peer: KaTeX alone rendering every formula of the synthetic course in one node process.
'use strict';
const fs = require('fs'), path = require('path');
const katex = require('katex');
const t0 = process.hrtime.bigint();
let n = 0;
for (const f of fs.readdirSync(process.argv[2]).filter(f => f.endsWith('.md')).sort()) {
  const text = fs.readFileSync(path.join(process.argv[2], f), 'utf8');
  for (const m of text.matchAll(/\$\$\n([\s\S]*?)\n\$\$|\$([^$\n]+)\$/g)) {
    katex.renderToString(m[1] || m[2], { displayMode: !!m[1], throwOnError: true });
    n++;
  }
}
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`${n} ${s.toFixed(3)}`);
