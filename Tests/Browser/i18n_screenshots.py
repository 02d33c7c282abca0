#!/usr/bin/python3
# Screenshots of every translated page (SITE/ko/*.html) at 1280 and 500 px, cut into screens for
# looking at, with a JSON report per page: elements wider than the page (outside scrolling boxes),
# the body font, word-break and line height, the lang attribute, untranslated passages.
# Usage: /usr/bin/python3 Tests/Browser/i18n_screenshots.py Output /tmp/shots (needs chromium,
# chromium-driver, python3-selenium, python3-pil).
import sys, os, json, tempfile
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from PIL import Image
site, out = sys.argv[1], sys.argv[2]
opts = webdriver.ChromeOptions(); opts.binary_location = "/usr/bin/chromium"
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage", "--user-data-dir=" + tempfile.mkdtemp()]:
    opts.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
pages = sorted(p for p in os.listdir(os.path.join(site, "ko")) if p.endswith(".html"))
report = {}
for w in (1280, 500):
    for p in pages:
        d.set_window_size(w, 1000)
        d.get("file://" + os.path.abspath(os.path.join(site, "ko", p)))
        vw = d.execute_script("return document.documentElement.clientWidth")
        info = d.execute_script("""
          const vw = document.documentElement.clientWidth, bad = [];
          for (const e of document.querySelectorAll('body *')) {
            const r = e.getBoundingClientRect();
            if (r.width === 0) continue;
            let c = e.parentElement, clipped = false;
            while (c) { const s = getComputedStyle(c); if (s.overflowX !== 'visible' && c !== document.body && c !== document.documentElement) { clipped = true; break; } c = c.parentElement; }
            if (!clipped && r.right > vw + 1) bad.push(e.tagName + '.' + e.className + ' right=' + Math.round(r.right) + ' ' + (e.textContent||'').slice(0,40));
          }
          const fonts = [...new Set([...document.querySelectorAll('p, h1, h2, li')].slice(0,50).map(e => getComputedStyle(e).fontFamily.split(',')[0]))];
          return {scrollWidth: document.documentElement.scrollWidth, vw, overflow: bad.slice(0,10), height: document.documentElement.scrollHeight,
                  wordBreak: getComputedStyle(document.body).wordBreak, lineHeight: getComputedStyle(document.body).lineHeight, fonts,
                  lang: document.documentElement.lang, untranslated: document.querySelectorAll('.untranslated').length};
        """)
        h = min(info["height"], 30000)
        d.set_window_size(w, h)
        png = os.path.join(out, f"{p[:-5]}-{w}.png")
        d.save_screenshot(png)
        report[f"{p}@{w}"] = info
        # cut into screens for looking at
        im = Image.open(png)
        step = 1400 if w == 1280 else 1100
        for k, y in enumerate(range(0, im.height, step)):
            im.crop((0, y, im.width, min(im.height, y + step))).save(os.path.join(out, f"{p[:-5]}-{w}-{k:02d}.png"))
d.quit()
print(json.dumps(report, indent=1, ensure_ascii=False))
