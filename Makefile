# The two commands of the README: `make site` builds Output/, `make test` runs every test.
# Both install the Debian packages they need first (as root, on a fresh machine).

DEB_PACKAGES := libcmark-dev libopenblas-dev zlib1g-dev libssl-dev katex node-highlight.js nodejs \
                chromium dataset-fashion-mnist fonts-dejavu-core fonts-noto-cjk gettext pkg-config libdnnl-dev
SWIFT_BUILD := swift build -c release

.PHONY: deps build site test check bench-site axe shards bench-shards
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT_BUILD)

site: build
	.build/release/lessons build

# Every test: the course itself (`lessons check`), then the package's unit, golden, browser and
# end-to-end tests (all XCTest; the empty Swift Testing pass is skipped so XCTest's summary closes the log).
test: check axe shards
	swift test --disable-swift-testing

# Sharded builds against a real shared cache: Debian's nginx with WebDAV PUT on 127.0.0.1 in a
# temporary folder (Tests/Shards/run.sh installs nginx if missing, starts and always stops it).
SHARDS_DEB_PACKAGES := nginx python3
shards: build
	@missing=$$(for p in $(SHARDS_DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	Tests/Shards/run.sh

# CI check of the course: runs every cell and expect, renders every formula, checks links,
# images and that the committed Output/ is current (exit 0 ok, 1 lesson failures, 2 setup).
check: build
	.build/release/lessons check --junit .build/lessons-junit.xml

# Accessibility: axe-core on every page of Output/ in light and dark (Tests/Browser/axe_check.py).
# It installs what it needs: Debian's chromium, chromium-driver and python3-selenium, and axe.min.js
# from a pinned, hash-checked PyPI wheel (no npm registry here). Any violation fails.
AXE_DEB_PACKAGES := chromium chromium-driver python3-selenium
AXE_JS := .build/axe/axe_playwright_python/axe.min.js
axe:
	@missing=$$(for p in $(AXE_DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	@test -f $(AXE_JS) || { python3 -m pip download --quiet --no-deps --require-hashes -r Tests/Browser/axe-requirements.txt -d .build/axe && \
	  python3 -m zipfile -e .build/axe/axe_playwright_python-0.1.8-py3-none-any.whl .build/axe; }
	/usr/bin/python3 Tests/Browser/axe_check.py $(AXE_JS) Output

# Site pipeline benchmark: 50 synthetic pages x ~100 formulas; cold build, no-change rebuild.
bench-site: deps
	bench/site/run.sh

# The course's cold build: 2 shards in parallel on this machine against one `lessons build --jobs 2`.
bench-shards: build
	bench/shards/run.sh
