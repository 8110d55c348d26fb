# ledger6 -- build, test, benchmark.
#   make deps     install the missing Debian packages to build and run (apt-get, as root)
#   make deps-test  the same plus what the tests need (cmocka, curl, chromium, node, npm packages)
#   make          build build/ledger6
#   make run      deps + build + demo registry + serve on 127.0.0.1:8080
#   make check    deps-test + build + the whole test suite on SQLite and, when a
#                 PostgreSQL server is installed, on PostgreSQL (SAN=1: under ASan+UBSan)
#   make bench    benchmarks on SQLite and PostgreSQL, side by side (not part of the tests)
#   make install  the binary, config, web pages, man page and systemd unit under
#                 PREFIX (default /usr/local), staged under DESTDIR when given
CC      ?= cc
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wstrict-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN    += -Werror
endif
PKGS    := libmicrohttpd jansson sqlite3 libsodium libpq liboath cairo pangocairo fontconfig libqrencode xlsxwriter libcurl
# libcsv has no pkg-config file: linked by name (the importer, src/core/csvread.c).
CSV_LIBS := -lcsv
ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD   ?= build
SANFLAGS :=
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Isrc
CFLAGS   += -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDLIBS   += $(PKG_LIBS) $(CSV_LIBS) -lpthread
LDFLAGS  += $(SANFLAGS)

LIB_SRC := $(wildcard src/*.c src/core/*.c src/store/*.c src/service/*.c src/api/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/openapi.o $(BUILD)/gen/version.o
CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
# tests/%.c objects live in $(BUILD)/tests/ (not $(BUILD)/tests/tests/).
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_COMMON := $(patsubst tests/%.c,$(BUILD)/tests/%.o,$(wildcard tests/testlib*.c))
# Helper programs of test scripts (scripts/failover-test.sh); not run by tests/run.sh.
TEST_TOOLS := $(BUILD)/tests/failover_client
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps deps-test run check tests bench clean fuzz install FORCE
all: $(BUILD)/ledger6

# Running needs only the compiler and the libraries; the tests' packages
# (cmocka, libcurl, Chromium, node and the npm packages) come with check.
deps:
	@sh scripts/deps.sh

deps-test:
	@sh scripts/deps.sh --test

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests -c $< -o $@

$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/openapi.c: src/api/openapi.json scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh l6_openapi_json $< $@

# The version string: VERSION plus `git describe` when built from a git
# checkout; rewritten only when it changes (scripts/version.sh), so FORCE
# costs one script run, not a rebuild.
$(BUILD)/gen/version.c: FORCE
	@mkdir -p $(dir $@)
	@sh scripts/version.sh $@

# The document is one long string literal: longer than C90's limit, fine for every compiler we use.
$(BUILD)/gen/openapi.o: $(BUILD)/gen/openapi.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-overlength-strings -c $< -o $@

# Made afresh each time: objects share base names (core/cycle.o and
# service/cycle.o, a6.o, benefit.o, ets.o, origin.o), and `ar r` on an
# existing archive replaces only the first member of a name, so an
# incremental build would keep the other one stale.
$(BUILD)/libledger6.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/ledger6: $(CLI_OBJ) $(BUILD)/libledger6.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_COMMON) $(BUILD)/libledger6.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka -lcurl

# The policy-step tests run the demo registry's builder (src/cli/demo.c).
$(BUILD)/tests/test_move: $(BUILD)/tests/test_move.o $(BUILD)/src/cli/demo.o $(TEST_COMMON) $(BUILD)/libledger6.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka -lcurl

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/bench/benchlib.o $(BUILD)/libledger6.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcurl

# The browser tests (tests/browser/): a script that tests/run.sh runs like the others.
$(BUILD)/tests/test_browser: tests/browser/test_browser.sh
	@mkdir -p $(dir $@)
	cp $< $@ && chmod +x $@

# The working app's browser tests (tests/browser/app.mjs), the same way.
$(BUILD)/tests/test_browser_app: tests/browser/test_browser_app.sh
	@mkdir -p $(dir $@)
	cp $< $@ && chmod +x $@

# The API contract test (tests/contract/): a script that runs the HTTP tests
# with L6_CONTRACT_LOG set and validates every reply against openapi.json.
$(BUILD)/tests/test_contract: tests/contract/test_contract.sh
	@mkdir -p $(dir $@)
	cp $< $@ && chmod +x $@

# The installation test (tests/test_install.sh): make install, the unit,
# the man page; a script that tests/run.sh runs like the others.
$(BUILD)/tests/test_install: tests/test_install.sh
	@mkdir -p $(dir $@)
	cp $< $@ && chmod +x $@

# The sanitizer build leaves the contract test out: it re-runs the HTTP test
# binaries, which that build already runs once, only to check the replies'
# shape, and the release build checks that on both stores (CI runs both).
ifeq ($(SAN),1)
CONTRACT_TEST :=
else
CONTRACT_TEST := $(BUILD)/tests/test_contract
endif

tests: $(BUILD)/ledger6 $(TEST_BIN) $(TEST_TOOLS) $(BUILD)/tests/test_browser $(BUILD)/tests/test_browser_app $(CONTRACT_TEST) \
       $(BUILD)/tests/test_install

# The README's test command. Runs every test binary on SQLite, then on a
# throwaway PostgreSQL cluster when a server is installed (tests/check.sh),
# and prints "N passed, N failed" per store and in all.
check: deps-test
	$(MAKE) tests
	BUILD=$(BUILD) sh tests/check.sh

run: deps
	$(MAKE) all
	sh scripts/run.sh

bench: deps-test
	$(MAKE) $(BUILD)/ledger6 $(BENCH_BIN)
	BUILD=$(BUILD) sh bench/run.sh

# libFuzzer targets (clang): build/fuzz/fuzz_<name>; see fuzz/README.md.
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
# fuzz_mech parses mechanism files (src/service/mechanism.c) and
# fuzz_reading signed readings (src/service/cycle_data.c), which sit in
# the service layer: they link the whole library's sources.
FUZZ_MECH_SRC := src/errors.c src/metrics.c src/core/*.c src/store/*.c src/service/*.c src/api/*.c \
                 $(BUILD)/gen/openapi.c $(BUILD)/gen/version.c
fuzz: $(BUILD)/gen/openapi.c $(BUILD)/gen/version.c
	@mkdir -p build/fuzz
	for f in $(FUZZ_SRC); do \
	  srcs="src/errors.c src/core/*.c src/api/jsonin.c src/service/certificate.c src/service/views.c src/service/calc_params.c"; \
	  case $$f in fuzz/fuzz_mech.c|fuzz/fuzz_reading.c) srcs="$(FUZZ_MECH_SRC)";; esac; \
	  clang -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS) -Ifuzz $(PKG_CFLAGS) $$f \
	    $$srcs tests/testlib_refbook.c \
	    -o build/fuzz/$$(basename $$f .c) $(PKG_LIBS) $(CSV_LIBS) || exit 1; \
	done

# make install [PREFIX=/usr/local] [DESTDIR=staging]: BINDIR/ledger6, its
# configuration in DATADIR/config (where the binary looks for it:
# BINDIR/../share/ledger6/config), the web pages in DATADIR/web, the man
# page, and the systemd unit with its paths set to BINDIR and DATADIR.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/ledger6
MANDIR  ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
install: $(BUILD)/ledger6
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/ledger6 $(DESTDIR)$(BINDIR)/ledger6
	for d in config web; do \
	  find $$d -type d -exec install -d -m 0755 $(DESTDIR)$(DATADIR)/{} \; && \
	  find $$d -type f -exec install -m 0644 {} $(DESTDIR)$(DATADIR)/{} \; || exit 1; \
	done
	install -m 0644 docs/ledger6.1 $(DESTDIR)$(MANDIR)/man1/ledger6.1
	sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/usr/local/share/ledger6|$(DATADIR)|g' \
	  contrib/ledger6.service >$(DESTDIR)$(UNITDIR)/ledger6.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ledger6.service

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
