# The two commands of the README: `make site` builds Output/, `make test` runs every test.
# Both install the Debian packages they need first (as root, on a fresh machine).

DEB_PACKAGES := libcmark-dev libopenblas-dev zlib1g-dev katex node-highlight.js nodejs \
                chromium dataset-fashion-mnist fonts-dejavu-core pkg-config
SWIFT_BUILD := swift build -c release

.PHONY: deps build site test check bench-site
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
test: check
	swift test --disable-swift-testing

# CI check of the course: runs every cell and expect, renders every formula, checks links,
# images and that the committed Output/ is current (exit 0 ok, 1 lesson failures, 2 setup).
check: build
	.build/release/lessons check --junit .build/lessons-junit.xml

# Site pipeline benchmark: 50 synthetic pages x ~100 formulas; cold build, no-change rebuild.
bench-site: deps
	bench/site/run.sh
