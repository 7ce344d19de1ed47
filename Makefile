# imapblast: GNU make build. `make help` lists the targets.
#
# Our flags (IB_*) are kept apart from the user's CFLAGS/LDFLAGS, so a
# command-line CFLAGS= changes optimisation but never drops the warnings.
# The configuration (inflate backend, compiler, flags, pkg-config flags) is
# recorded in $(BUILD)/config.mk, rewritten only when it changes; every
# object and link depends on it, so a new backend or new flags rebuild.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
CPPFLAGS ?=
SAN     ?=
DEFS    ?=
V       ?=
Q       := $(if $(V),,@)

IB_WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wvla -Wimplicit-fallthrough -Werror
IB_CPPFLAGS := -Iinclude -D_GNU_SOURCE -DIB_SAMPLES_DIR=\"$(CURDIR)/samples\" \
	-DIB_SOURCE_DIR=\"$(CURDIR)\" -DIB_DOC_DIR=\"$(PREFIX)/share/doc/imapblast\"
PKGS := libpcre2-8 zlib

# Optional ISA-L inflate backend, chosen at build time when present.
# INFLATE=zlib forces the zlib backend.
INFLATE ?= $(if $(wildcard /usr/include/isa-l/igzip_lib.h),isal,zlib)
ifeq ($(INFLATE),isal)
IB_CPPFLAGS += -DIB_HAVE_ISAL
IB_ISAL_LIBS := -lisal
endif
# Optional libsystemd: *.journal files through sd-journal. SYSTEMD=no drops it.
SYSTEMD ?= $(if $(wildcard /usr/include/systemd/sd-journal.h),yes,no)
ifeq ($(SYSTEMD),yes)
IB_CPPFLAGS += -DIB_HAVE_SYSTEMD
IB_SYSTEMD_LIBS := -lsystemd
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

ALL_CFLAGS  = $(IB_WARN) $(IB_CPPFLAGS) $(DEFS) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(SAN) -pthread -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN) -pthread
LIBS        = $(PKG_LIBS) -lJudy $(IB_ISAL_LIBS) $(IB_SYSTEMD_LIBS) -lm

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
CONFIG   := $(BUILD)/config.mk
# link inputs: the prerequisites without the configuration record
LINK_IN   = $(filter-out $(CONFIG),$^)

bindir  = $(PREFIX)/bin
man1dir = $(PREFIX)/share/man/man1
bashcompdir = $(PREFIX)/share/bash-completion/completions
docdir  = $(PREFIX)/share/doc/imapblast

# what decides the contents of an object or a binary
define CONFIG_TEXT
# imapblast build configuration: a change rebuilds everything in $(BUILD)/
INFLATE = $(INFLATE)
CC = $(CC)
CFLAGS = $(CFLAGS)
CPPFLAGS = $(CPPFLAGS)
LDFLAGS = $(LDFLAGS)
SAN = $(SAN)
DEFS = $(DEFS)
IB_CPPFLAGS = $(IB_CPPFLAGS)
PKG_CFLAGS = $(PKG_CFLAGS)
PKG_LIBS = $(PKG_LIBS)
CHECK_CFLAGS = $(CHECK_CFLAGS)
CHECK_LIBS = $(CHECK_LIBS)
LIBS = $(LIBS)
endef

# `make INFLATE=zlib` (or in the environment) asks for no ISA-L: the deps
# step then does not install it; NODEPS=1 skips the deps step (packaging)
DEPS_ARGS := $(if $(and $(filter zlib,$(INFLATE)),$(filter command line environment,$(origin INFLATE))),--no-isal)
DEPS_RUN   = $(if $(NODEPS),@:,@sh .ci/deps)

.PHONY: all deps deps-check demo check check-nodeps valgrind-nodeps test-unit test-e2e asan valgrind install clean \
	format format-check help bench fuzz tools tsan install-files deb FORCE
.DEFAULT_GOAL := all
# keep objects of chained rules (tests, tools): no rebuild, no "rm" noise
.SECONDARY:

all: deps
	@$(MAKE) --no-print-directory $(BIN) tools

deps:
	$(DEPS_RUN) build $(DEPS_ARGS)

deps-check:
	$(DEPS_RUN) check $(DEPS_ARGS)

# rewritten only when the text differs, so its time stamp says "changed"
$(CONFIG): FORCE
	$(Q)$(shell mkdir -p $(@D))$(file >$@.new,$(CONFIG_TEXT))if cmp -s $@.new $@; then rm -f $@.new; \
	else mv -f $@.new $@; echo "  CONFIG  $@ (INFLATE=$(INFLATE))"; fi

$(BUILD)/obj/%.o: %.c $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/gen/default_rules.c: analyzer/default.rules .ci/embed.sh
	@mkdir -p $(dir $@)
	$(Q)sh .ci/embed.sh ib_default_rules $< > $@

$(BUILD)/obj/gen/default_rules.o: $(BUILD)/gen/default_rules.c $(CONFIG)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@$(if $(V),,echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(BIN): $(BUILD)/obj/analyzer/main.o $(LIB) $(CONFIG)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(LINK_IN) $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_COMMON_OBJ) $(LIB) $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(LINK_IN) $(CHECK_LIBS) $(LIBS)

$(BUILD)/obj/tests/%.o: tests/%.c $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB) $(CONFIG)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(LINK_IN) $(LIBS)

# the generator is bench/gen.c and its parts in bench/gen/
$(BUILD)/bench/gen: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard bench/gen/*.c))

tools: $(TOOL_BIN)

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@sh tests/demo.sh $(BIN)

# deps-check covers the build packages too: one install, one sudo prompt
check: deps-check
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
	@$(MAKE) --no-print-directory install-files

# install what is built, build nothing (the e2e test installs the tested binary)
install-files:
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(man1dir) $(DESTDIR)$(bashcompdir) \
		$(DESTDIR)$(docdir)
	install -m 755 $(BIN) $(DESTDIR)$(bindir)/imapblast
	install -m 644 docs/imapblast.1 $(DESTDIR)$(man1dir)/imapblast.1
	install -m 644 docs/imapblast.bash $(DESTDIR)$(bashcompdir)/imapblast
	install -m 644 README.md docs/*.md docs/*.json $(DESTDIR)$(docdir)/

# a Debian package from a copy of the tree (debian/, debhelper), into
# $(BUILD)/deb/; lintian must report no errors
deb:
	$(DEPS_RUN) deb $(DEPS_ARGS)
	@sh .ci/deb $(BUILD)/deb

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
	@echo "make install    install to DESTDIR/PREFIX (default /usr/local): binary, man page,"
	@echo "                bash completion, docs"
	@echo "make deb        build a Debian package into $(BUILD)/deb/ (debhelper, lintian)"
	@echo "make format     clang-format the sources; format-check only checks"
	@echo "make clean      remove build/"

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
