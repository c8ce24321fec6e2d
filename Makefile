# cairn — build, run and test. See README.md.
#
#   make deps    install the Debian packages cairn needs (idempotent; apt-get update only when
#                something is missing; sudo when not root)
#   make         build build/cairnd and build/cairnctl
#   make run     deps + build + start cairnd in the foreground on the built-in default config
#   make check   the whole test suite: unit (cmocka) + integration (pytest), then the same
#                again under AddressSanitizer + UBSan, plus a warning-free clang build
#   make lab     the NSD test lab + cairnd on 127.0.0.1:5300 for trying things by hand (root)
#   make bench   benchmarks (dnsperf against cairnd and Unbound, then the memory benchmark)
#   make install PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
BUILD ?= build
CC ?= cc
# Python tests run with Debian's interpreter: the python3 first on PATH on some machines is
# another build without Debian's python3-pytest and python3-dnspython modules.
PYTHON ?= /usr/bin/python3

DEB_PACKAGES = libuv1-dev libldns-dev libssl-dev libyaml-dev pkg-config libcmocka-dev \
	python3-pytest python3-dnspython python3-cryptography bind9-dnsutils nsd unbound libfaketime ldnsutils \
	dnsperf clang libclang-rt-14-dev

PKGS = libuv ldns yaml-0.1 openssl
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
ifeq ($(SAN),1)
OPT = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN = -fsanitize=address,undefined
else
OPT = -O2 -g
LDSAN =
endif
CPPFLAGS += -I. -D_GNU_SOURCE
CFLAGS += -std=c11 $(WARN) $(OPT) $(PKG_CFLAGS) -MMD -MP
LDFLAGS += $(LDSAN)

LIB_SRCS = $(wildcard lib/*.c lib/*/*.c)
# main.c and cairnctl.c hold the programs' main(); every other daemon file is also linked
# into the unit tests.
DAEMON_SRCS = $(filter-out daemon/main.c daemon/cairnctl.c,$(wildcard daemon/*.c))
UNIT_SRCS = $(wildcard tests/unit/test_*.c)

LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o)
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run check check-build unit integration lab clang-build bench bench-memory install clean conf fuzz
all: $(BUILD)/cairnd $(BUILD)/cairnctl

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		echo "installing:$$missing"; \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q \
			--no-install-recommends $$missing; \
	fi

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libcairn.a: $(LIB_OBJS)
	ar rcs $@ $^

$(BUILD)/cairnd: $(BUILD)/daemon/main.o $(DAEMON_OBJS) $(BUILD)/libcairn.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The control client: plain POSIX sockets, nothing of the daemon or lib/.
$(BUILD)/cairnctl: $(BUILD)/daemon/cairnctl.o
	$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(DAEMON_OBJS) $(BUILD)/libcairn.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(DAEMON_OBJS) $(BUILD)/libcairn.a \
		$(PKG_LIBS) $(CMOCKA_LIBS)

run: deps all
	./$(BUILD)/cairnd

# conf/cairnd.yaml is generated from the option table; the tests check it is current.
conf: all
	./$(BUILD)/cairnd --print-default-config > conf/cairnd.yaml

unit: $(UNIT_BINS)
	@failed=""; for t in $(UNIT_BINS); do echo "== $$t"; \
		CAIRN_SRCDIR=$(CURDIR) ./$$t || failed="$$failed $$(basename $$t)"; done; \
		if [ -n "$$failed" ]; then echo "unit tests failed:$$failed"; exit 1; fi

# The integration suite: the real daemon, real NSD servers on 127.53.x.y (needs root).
integration: all
	CAIRND=$(CURDIR)/$(BUILD)/cairnd CAIRN_SANITIZED=$(SAN) $(PYTHON) -m pytest -q \
		-p no:cacheprovider tests/lab

# For humans: the NSD lab plus cairnd on 127.0.0.1:5300, until Ctrl-C (needs root).
lab: deps all
	$(PYTHON) tests/lab/labctl.py --cairnd $(CURDIR)/$(BUILD)/cairnd --port 5300

check-build: unit integration

clang-build:
	$(MAKE) --no-print-directory BUILD=build-clang CC=clang all $(UNIT_BINS:$(BUILD)/%=build-clang/%)

check: deps
	$(MAKE) --no-print-directory BUILD=build check-build
	$(MAKE) --no-print-directory BUILD=build-asan SAN=1 \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 check-build
	$(MAKE) --no-print-directory clang-build
	@echo "make check: all suites passed (gcc, gcc+ASan+UBSan, clang build)"

# Fuzzing (libFuzzer, clang): each target runs FUZZ_SECONDS, from its corpus in build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c FORCE
	$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT="$(FUZZ_FLAGS)" \
		build-fuzz/libcairn.a $(DAEMON_SRCS:%.c=build-fuzz/%.o)
	clang $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< \
		$(DAEMON_SRCS:%.c=build-fuzz/%.o) build-fuzz/libcairn.a $(PKG_LIBS)

fuzz: deps $(FUZZ_TARGETS)
	@set -e; for t in $(FUZZ_TARGETS); do n=$$(basename $$t); mkdir -p $$t.corpus; \
		cp tests/fuzz/seeds/$$n/* $$t.corpus/ 2>/dev/null || true; \
		dict=""; [ -f tests/fuzz/$${n#fuzz_}.dict ] && dict=-dict=tests/fuzz/$${n#fuzz_}.dict; \
		echo "== $$n"; ASAN_OPTIONS=detect_leaks=1 ./$$t -max_total_time=$(FUZZ_SECONDS) \
		-max_len=4096 -print_final_stats=1 $$dict $$t.corpus > $$t.log 2>&1 \
		|| { tail -n 60 $$t.log; exit 1; }; tail -n 6 $$t.log; done

FORCE:

# dnsperf against cairnd and Unbound on a bench-only NSD lab (root; not part of check).
# BENCH_SECONDS (10) and BENCH_ROUNDS (3) shorten it: make bench BENCH_SECONDS=2 BENCH_ROUNDS=1
bench: deps all
	$(PYTHON) tests/bench/bench.py --cairnd $(CURDIR)/$(BUILD)/cairnd --json $(CURDIR)/$(BUILD)/bench.json
	$(PYTHON) tests/bench/contention.py $(CURDIR)/$(BUILD)/cairnd
	$(PYTHON) tests/bench/membench.py --cairnd $(CURDIR)/$(BUILD)/cairnd --json $(CURDIR)/$(BUILD)/membench.json

# The memory benchmark alone: 2,000,000 unique names through a 16M cache (MEMBENCH_NAMES=...).
bench-memory: deps all
	$(PYTHON) tests/bench/membench.py --cairnd $(CURDIR)/$(BUILD)/cairnd --json $(CURDIR)/$(BUILD)/membench.json

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(SYSCONFDIR)/cairn \
		$(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/lib/sysusers.d
	install -m 0755 $(BUILD)/cairnd $(DESTDIR)$(PREFIX)/sbin/cairnd
	install -m 0755 $(BUILD)/cairnctl $(DESTDIR)$(PREFIX)/sbin/cairnctl
	[ -e $(DESTDIR)$(SYSCONFDIR)/cairn/cairnd.yaml ] || \
		install -m 0644 conf/cairnd.yaml $(DESTDIR)$(SYSCONFDIR)/cairn/cairnd.yaml
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		systemd/cairnd.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/cairnd.service
	install -m 0644 systemd/cairnd.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/cairnd.conf

clean:
	rm -rf build build-asan build-clang build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
