#!/usr/bin/python3
"""Runs axe-core on every page of a built course, in light and dark, and fails on any violation.

Usage: axe_check.py [--known RULE]... AXE_MIN_JS SITE_DIR

Each page is opened from file:// in headless Chromium (Debian's chromium + chromium-driver,
driven by Debian's python3-selenium), once with `prefers-color-scheme: light` and once with
`dark` emulated through the DevTools protocol, so the theme's two colour schemes are both
checked. Every violation is printed as page, scheme, rule, node and (for colour contrast) the
measured ratio with both colours. Exit status: 1 if there is any violation, 0 if none, 2 if the
browser or axe could not be run or the self-test failed.

Before the course, a self-test page with one low-contrast line per scheme must give exactly
that line's violation in each scheme: a harness that silently stopped seeing violations, or a
dark scheme that silently stayed light, fails here instead of passing the course.

A rule named with --known is still printed, as "known", but does not fail the run: for a
violation whose fix lies outside the theme's CSS and is tracked elsewhere (the Makefile says
which and why). The last line is "N passed, N failed" (one check per page and scheme) so CI
logs read like the other test runners'.
"""
import argparse
import glob
import os
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

SCHEMES = ("light", "dark")
# axe's default rule set (WCAG 2.x A and AA, and its best practices), violations only.
AXE_OPTIONS = {"resultTypes": ["violations"]}

SELF_TEST = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>axe self-test</title><style>
body { background: #fff; color: #000; }
.light-only { color: #6e7781; background: #f5f7f9; }  /* 4.23:1, the course's old comments */
@media (prefers-color-scheme: dark) {
  body { background: #000; color: #fff; }
  .light-only { color: #fff; background: #000; }
  .dark-only { color: #444; }                          /* 2.2:1 on black */
}
</style></head><body><main><h1>self-test</h1>
<p class="light-only">low contrast in light only</p><p class="dark-only">low contrast in dark only</p>
</main></body></html>
"""


class HarnessError(Exception):
    pass


def browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,1024", "--user-data-dir=" + profile):
        opts.add_argument(a)  # a profile of our own: never the user's, never a parallel run's
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def run_axe(driver, axe_js, path, schemes):
    """axe's violations on the page at `path`, per scheme. The page is loaded and axe injected
    once; the scheme is switched in place (media queries apply at once), which halves the run."""
    driver.get("file://" + path)
    driver.execute_script(axe_js)
    out = {}
    for scheme in schemes:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                               {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        # the scheme must really be in force, or a dark check would silently test light
        if not driver.execute_script("return matchMedia('(prefers-color-scheme: %s)').matches" % scheme):
            raise HarnessError("could not emulate prefers-color-scheme: " + scheme)
        result = driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, arguments[0]).then(done, function (e) { done({error: String(e)}); });",
            AXE_OPTIONS)
        if "error" in result:
            raise HarnessError("axe.run failed on {} in {}: {}".format(path, scheme, result["error"]))
        out[scheme] = result["violations"]
    return out


def describe(node):
    """One line per failing node: its selector, and what axe measured for contrast."""
    target = " ".join(str(t) for t in node.get("target", []))
    extra = ""
    for check in node.get("any", []) + node.get("all", []) + node.get("none", []):
        d = check.get("data") or {}
        if isinstance(d, dict) and "contrastRatio" in d:
            extra = " contrast {} (needs {}) fg {} on bg {}, {} {}".format(
                d.get("contrastRatio"), d.get("expectedContrastRatio"), d.get("fgColor"),
                d.get("bgColor"), d.get("fontSize"), d.get("fontWeight"))
            break
    html = " ".join(node.get("html", "").split())[:120]
    return "{}{}  {}".format(target, extra, html)


def self_test(driver, axe_js, workdir):
    page = os.path.join(workdir, "self-test.html")
    with open(page, "w", encoding="utf-8") as f:
        f.write(SELF_TEST)
    results = run_axe(driver, axe_js, page, SCHEMES)
    for scheme, want in (("light", ".light-only"), ("dark", ".dark-only")):
        found = sorted(" ".join(str(t) for t in n["target"]) for v in results[scheme] for n in v["nodes"])
        if found != [want]:
            raise HarnessError("self-test in {}: expected one violation on {}, axe found {}".format(scheme, want, found))


def check_site(driver, axe_js, site, pages, known):
    passed = failed = 0
    failing_nodes = {s: 0 for s in SCHEMES}
    by_rule = {}  # (scheme, rule) -> nodes
    for page in pages:
        rel = os.path.relpath(page, site)
        results = run_axe(driver, axe_js, page, SCHEMES)
        for scheme in SCHEMES:
            failing = 0
            for v in results[scheme]:
                is_known = v["id"] in known
                key = (scheme, v["id"] + (" (known)" if is_known else ""))
                by_rule[key] = by_rule.get(key, 0) + len(v["nodes"])
                print("{} [{}] {}{}: {} ({} nodes)".format(
                    rel, scheme, v["id"], " (known, not failing)" if is_known else "", v["help"], len(v["nodes"])))
                if not is_known:
                    failing += len(v["nodes"])
                    for node in v["nodes"]:
                        print("    " + describe(node))
            failing_nodes[scheme] += failing
            if failing:
                failed += 1
            else:
                passed += 1
    for (scheme, rule), n in sorted(by_rule.items()):
        print("  {} {}: {} nodes".format(scheme, rule, n))
    print("axe-core on {} pages: {} failing nodes in light, {} in dark".format(
        len(pages), failing_nodes["light"], failing_nodes["dark"]))
    print("{} passed, {} failed".format(passed, failed))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description="axe-core on every page of a built course, light and dark")
    ap.add_argument("--known", action="append", default=[], metavar="RULE",
                    help="an axe rule id whose violations are reported but do not fail the run")
    ap.add_argument("axe_js", metavar="AXE_MIN_JS")
    ap.add_argument("site", metavar="SITE_DIR")
    args = ap.parse_args()
    with open(args.axe_js, encoding="utf-8") as f:
        axe_js = f.read()
    site = os.path.abspath(args.site)
    pages = sorted(glob.glob(os.path.join(site, "**", "*.html"), recursive=True))
    if not pages:
        print("axe: no HTML pages under {}: build the site first (make site)".format(site), file=sys.stderr)
        return 2
    workdir = tempfile.mkdtemp(prefix="lessons-axe-")
    driver = None
    try:
        driver = browser(os.path.join(workdir, "profile"))
        self_test(driver, axe_js, workdir)
        return check_site(driver, axe_js, site, pages, set(args.known))
    except HarnessError as e:
        print("axe: " + str(e), file=sys.stderr)
        return 2
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
