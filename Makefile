# imapblast: GNU make build. `make help` lists the targets.
#
# Our flags (IB_*) are kept apart from the user's CFLAGS/LDFLAGS, so a
# command-line CFLAGS= changes optimisation but never drops the warnings.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
SAN     ?=
DEFS    ?=
V       ?=
Q       := $(if $(V),,@)

IB_WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wvla -Wimplicit-fallthrough -Werror
IB_CPPFLAGS := -Iinclude -D_GNU_SOURCE -DIB_SAMPLES_DIR=\"$(CURDIR)/samples\" \
	-DIB_SOURCE_DIR=\"$(CURDIR)\"
PKGS := libpcre2-8 zlib

# Optional ISA-L inflate backend, chosen at build time when present.
# INFLATE=zlib forces the zlib backend.
INFLATE ?= $(if $(wildcard /usr/include/isa-l/igzip_lib.h),isal,zlib)
ifeq ($(INFLATE),isal)
IB_CPPFLAGS += -DIB_HAVE_ISAL
IB_ISAL_LIBS := -lisal
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

ALL_CFLAGS  = $(IB_WARN) $(IB_CPPFLAGS) $(DEFS) $(PKG_CFLAGS) $(CFLAGS) $(SAN) -pthread -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN) -pthread
LIBS        = $(PKG_LIBS) -lJudy $(IB_ISAL_LIBS) -lm

LIB_SRC  := $(sort $(filter-out analyzer/main.c,$(wildcard analyzer/*.c)) $(wildcard parsers/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/default_rules.o
LIB      := $(BUILD)/libimapblast.a
BIN      := $(BUILD)/imapblast
TEST_SRC := $(sort $(wildcard tests/check_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_COMMON_SRC := $(wildcard tests/testutil.c)
TEST_COMMON_OBJ := $(TEST_COMMON_SRC:%.c=$(BUILD)/obj/%.o)
TOOL_SRC := $(sort $(wildcard bench/*.c))
TOOL_BIN := $(TOOL_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps deps-check demo check check-nodeps valgrind-nodeps test-unit test-e2e asan valgrind install clean \
	format format-check help bench fuzz tools tsan
.DEFAULT_GOAL := all
# keep objects of chained rules (tests, tools): no rebuild, no "rm" noise
.SECONDARY:

all: deps
	@$(MAKE) --no-print-directory $(BIN) tools

deps:
	@sh .ci/deps build

deps-check:
	@sh .ci/deps check

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/gen/default_rules.c: analyzer/default.rules .ci/embed.sh
	@mkdir -p $(dir $@)
	$(Q)sh .ci/embed.sh ib_default_rules $< > $@

$(BUILD)/obj/gen/default_rules.o: $(BUILD)/gen/default_rules.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@$(if $(V),,echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(BIN): $(BUILD)/obj/analyzer/main.o $(LIB)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_COMMON_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIBS)

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# the generator is bench/gen.c and its parts in bench/gen/
$(BUILD)/bench/gen: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard bench/gen/*.c))

tools: $(TOOL_BIN)

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@sh tests/demo.sh $(BIN)

check: deps deps-check
	@$(MAKE) --no-print-directory $(BIN) tools $(TEST_BIN)
	@$(MAKE) --no-print-directory test-unit test-e2e

test-unit: $(TEST_BIN)
	@sh tests/run-unit.sh $(TEST_BIN)

test-e2e: $(BIN) tools
	@sh tests/e2e.sh $(BIN) $(BUILD)

asan: deps deps-check
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		check-nodeps

check-nodeps:
	@$(MAKE) --no-print-directory $(BIN) tools $(TEST_BIN)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(MAKE) --no-print-directory test-unit test-e2e

# The threaded parts under ThreadSanitizer: the reader with its reading
# thread, and -j runs (workers, spare threads, the report writer thread).
tsan: deps deps-check
	@$(MAKE) --no-print-directory BUILD=build/tsan CFLAGS="-O1 -g" SAN="-fsanitize=thread" \
		build/tsan/imapblast build/tsan/tests/check_reader
	@TSAN_OPTIONS=halt_on_error=1 CK_FORK=no build/tsan/tests/check_reader
	@TSAN_OPTIONS=halt_on_error=1 sh tests/e2e.d/merge.sh build/tsan/imapblast build/tsan
	@TSAN_OPTIONS=halt_on_error=1 build/tsan/imapblast -q -j 3 --force -o build/tsan/one \
		samples/incident/server-imap2.log.gz && echo "ok   tsan: -j 3 on one file"

# PCRE2's JIT code is opaque to valgrind (false "uninitialised" reports),
# so this build runs the regex interpreter: same matches, slower.
valgrind: deps deps-check
	@$(MAKE) --no-print-directory BUILD=build/valgrind CFLAGS="-O1 -g" DEFS=-DIB_NO_JIT valgrind-nodeps

valgrind-nodeps: $(BIN) tools $(TEST_BIN)
	@IB_VALGRIND=1 CK_FORK=no sh tests/run-unit.sh $(TEST_BIN)

bench: deps
	@$(MAKE) --no-print-directory $(BIN) tools
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/zlib INFLATE=zlib $(BUILD)/zlib/imapblast \
		$(BUILD)/zlib/bench/read_bench
	@sh bench/bench.sh $(BUILD)

fuzz: deps
	@sh tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/imapblast
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/imapblast
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/imapblast/

clean:
	rm -rf build imapblast-report

FORMAT_SRC = $(wildcard analyzer/*.c parsers/*.c parsers/*.h include/imapblast/*.h tests/*.c bench/*.c bench/gen/*.[ch] tests/fuzz/*.c)
format:
	clang-format -i $(FORMAT_SRC)

format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

help:
	@echo "make            build $(BIN) (installs missing -dev packages as root)"
	@echo "make demo       build and run on samples/, print where the report is"
	@echo "make check      build and run every test (unit, corpus, end-to-end)"
	@echo "make asan       the tests under ASan+UBSan (build/asan)"
	@echo "make valgrind   the unit tests under valgrind"
	@echo "make tsan       the threaded parts under ThreadSanitizer (build/tsan)"
	@echo "make bench      benchmark against zcat and grep (bench/results.md)"
	@echo "make fuzz       libFuzzer harnesses, FUZZ_SECONDS=N each (clang)"
	@echo "make install    install to DESTDIR/PREFIX (default /usr/local)"
	@echo "make format     clang-format the sources; format-check only checks"
	@echo "make clean      remove build/"

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
