// Site search: the box in the header, the index in search-index.js (a script, not a fetch, so
// it works from file://). Without JavaScript the form stays hidden and the page reads as usual.
// The language switcher keeps the reader's place: the pages of every language share their
// section anchors, so the link gets the anchor of the section being read when it is followed.
(function () {
  'use strict';
  document.querySelectorAll('nav.languages a[hreflang]').forEach(function (a) {
    a.addEventListener('click', function () {
      var id = '';
      document.querySelectorAll('article h2[id], article h3[id]').forEach(function (h) {
        if (h.getBoundingClientRect().top <= 80) id = h.id;
      });
      if (id) a.href = a.href.split('#')[0] + '#' + encodeURIComponent(id);
    });
  });
})();

(function () {
  'use strict';
  var form = document.querySelector('form.search');
  var data = window.LESSONS_SEARCH;
  if (!form || !data) return;
  var input = form.querySelector('input');
  var list = form.querySelector('.search-results');
  form.hidden = false;

  // the same words as the index: lowercased runs of letters and digits, any script
  function words(q) { return (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []); }

  // every index word that starts with `prefix`, by binary search over the sorted list
  function lowerBound(prefix) {
    var lo = 0, hi = data.words.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (data.words[mid] < prefix) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function docsFor(prefix) {
    var found = new Set();
    for (var i = lowerBound(prefix); i < data.words.length && data.words[i].startsWith(prefix); i++) {
      data.postings[i].forEach(function (d) { found.add(d); });
    }
    return found;
  }

  function search(q) {
    var ws = words(q);
    if (!ws.length) return [];
    var hits = null;
    ws.forEach(function (w) {
      var ds = docsFor(w);
      hits = hits === null ? ds : new Set([...hits].filter(function (d) { return ds.has(d); }));
    });
    // sections whose title holds a query word first, then in reading order
    var ql = ws;
    return [...hits].map(function (d) {
      var doc = data.docs[d], title = (doc[1] + ' ' + doc[2]).toLowerCase();
      var score = ql.filter(function (w) { return title.indexOf(w) >= 0; }).length;
      return { d: d, score: score };
    }).sort(function (a, b) { return b.score - a.score || a.d - b.d; }).slice(0, 20).map(function (r) { return data.docs[r.d]; });
  }

  // text with the query words marked, built as DOM nodes (never as HTML)
  function marked(text, ws) {
    var frag = document.createDocumentFragment(), lower = text.toLowerCase(), at = 0;
    while (at < text.length) {
      var best = -1, len = 0;
      ws.forEach(function (w) { var k = lower.indexOf(w, at); if (k >= 0 && (best < 0 || k < best)) { best = k; len = w.length; } });
      if (best < 0) break;
      frag.appendChild(document.createTextNode(text.slice(at, best)));
      var m = document.createElement('mark'); m.textContent = text.slice(best, best + len); frag.appendChild(m);
      at = best + len;
    }
    frag.appendChild(document.createTextNode(text.slice(at)));
    return frag;
  }

  function show() {
    var q = input.value, ws = words(q);
    list.textContent = '';
    if (!ws.length) return;
    var results = search(q);
    if (!results.length) {
      var li = document.createElement('li'); li.className = 'search-none'; li.textContent = (form.dataset.noResults || 'No results for') + ' “' + q + '”';
      list.appendChild(li); return;
    }
    results.forEach(function (doc) {
      var li = document.createElement('li'), a = document.createElement('a');
      a.href = doc[0];
      var where = document.createElement('span'); where.className = 'search-page';
      where.textContent = doc[1] + (doc[2] ? ' › ' + doc[2] : '');
      var snip = document.createElement('span'); snip.className = 'search-snippet';
      snip.appendChild(marked(doc[3], ws));
      a.appendChild(where); a.appendChild(snip); li.appendChild(a); list.appendChild(li);
    });
  }
  input.addEventListener('input', show);
  form.addEventListener('submit', function (e) { e.preventDefault(); var a = list.querySelector('a'); if (a) location.href = a.href; });
  input.addEventListener('keydown', function (e) { if (e.key === 'Escape') { input.value = ''; show(); } });
})();
