// One node process per build renders every formula (KaTeX) and code block (highlight.js 9).
// Input: a JSON file (argv[2]) holding [{k: "i"|"d"|"c", s: source, l: language}].
// Output into the file argv[3], one frame per item in order: "H" or "E", the payload's UTF-8 byte
// length, a newline, then the payload (HTML, or an error message).
'use strict';
const fs = require('fs');
const katex = require('katex');
const hljs = require('highlight.js');
hljs.configure({ hideUpgradeWarningAcceptNoSupportOrSecurityUpdates: true });

function escapeHTML(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const items = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const chunks = [];
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
  chunks.push(kind + Buffer.byteLength(out, 'utf8') + '\n' + out);
}
fs.writeFileSync(process.argv[3], chunks.join(''));
