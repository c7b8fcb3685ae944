# Developer and CI entry points. `make test` is the command the README shows and
# the one .ci/run runs.

GO      ?= go
MODULE  := github.com/lambcli/lamb
# Version stamps, the same three variables .goreleaser.yml sets. The date is the
# commit's, so two builds of one commit are identical.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell git log -1 --format=%cI 2>/dev/null || echo unknown)
LDFLAGS := -s -w \
	-X $(MODULE)/cmd.version=$(VERSION) \
	-X $(MODULE)/cmd.commit=$(COMMIT) \
	-X $(MODULE)/cmd.date=$(DATE)

# Go files gofmt must accept; fixtures under testdata/ may be malformed on purpose.
GOFILES  = $(shell find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -not -path './dist/*')

.PHONY: test build lint bench fuzz demo emulator clean

# The emulator is installed first unless LAMB_MOTO_SERVER names one already
# (as .ci/run does), so on a fresh machine `make test` is the one command.
NEED_EMULATOR = $(if $(LAMB_MOTO_SERVER),,emulator)

# One package at a time (-p 1): the emulator's HTTP server closes every
# connection after its answer and, on a loaded machine, sometimes drops one
# mid-answer; packages testing against it side by side made that likely.
test: $(NEED_EMULATOR)
	$(GO) test -race -count=1 -p 1 ./...

# The AWS emulator the integration tests run: moto as requirements-test.txt
# pins it, in a virtual environment that internal/testenv finds by itself
# (.venv/ by default; .ci/run passes one of its own). Reinstalled only when
# requirements-test.txt changes.
VENV    ?= .venv
PYTHON  ?= python3

emulator: $(VENV)/.requirements-test.txt

$(VENV)/.requirements-test.txt: requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	cp requirements-test.txt $@

# A development build; it reuses the compile cache of `go vet` and plain tests.
# Release binaries (static, -trimpath, all platforms) come from .goreleaser.yml.
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/lamb .

# gofmt, go vet, staticcheck and errcheck. The two linters are tool
# dependencies pinned in go.mod, so `go tool` builds them on first use (about
# half a minute; the whole target takes about a minute on a cold build cache,
# seconds after that) and CI installs nothing. staticcheck runs its
# default checks; a deliberate exception carries a //lint:ignore with the reason.
# errcheck passes over what errcheck.excludes lists, with the reasons there:
# Close of what is only read or abandoned after a failure, best-effort removal
# of temporary files, and writers whose error surfaces at Flush. Elsewhere a
# dropped error is either handled or discarded with `_ =` where nothing is left
# to do with it (a line to standard error).
lint:
	@unformatted="$$(gofmt -l $(GOFILES))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) tool errcheck -exclude errcheck.excludes ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target for a bounded time, one line per target (go test fuzzes one
# target per run). A failing input is written under the package's
# testdata/fuzz/; commit it with the fix as a regression seed.
FUZZTIME ?= 20s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./pkg/config/
	$(GO) test -run '^$$' -fuzz '^FuzzArchive$$' -fuzztime $(FUZZTIME) ./pkg/packager/
	$(GO) test -run '^$$' -fuzz '^FuzzCacheIndex$$' -fuzztime $(FUZZTIME) ./pkg/packager/

# The README's quick start: build lamb, start the emulator, then init → validate
# → package → check → deploy → invoke → change → deploy → rollback on a new
# Node.js function, and deploy examples/, with no AWS account.
demo: $(NEED_EMULATOR)
	./scripts/quickstart.sh

clean:
	rm -rf bin dist completions
