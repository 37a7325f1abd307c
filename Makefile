# forumgate build. `make test` and `make run` install missing Debian packages
# first (scripts/install-deps.sh), so each works alone on a fresh machine.
#
#   make            build ./forumgate
#   make test       unit tests (cmocka), fuzz-corpus replay, integration tests
#   make test SANITIZE=1   the same, built with ASan+UBSan into build-san/
#   make run        build and serve config/demo.yaml
#   make fuzz       libFuzzer targets (clang) into build-fuzz/
#   make bench      benchmarks (scripts/bench.sh: import, LMTP, parse, Discourse,
#                   list delivery, NNTP)

PKGS      := libetpan openssl libevent_core libevent_openssl libevent_pthreads yaml-0.1 sqlite3 libcurl jansson libxml-2.0 libxxhash zlib libseccomp
CC        ?= cc
SANITIZE  ?= 0

ifeq ($(SANITIZE),1)
BUILD     := build-san
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT       := -O1
else
BUILD     := build
SANFLAGS  :=
OPT       := -O2
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libetpan.pc leaks -specs=/usr/share/dpkg/no-pie-link.specs (non-PIE binary)
PKG_LIBS   = $(filter-out -specs=% -Wl$(comma)-z$(comma)relro -Wl$(comma)-z$(comma)now,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
comma := ,

CFLAGS_FG := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	-Iinclude $(OPT) -g $(SANFLAGS) $(PKG_CFLAGS)
LDFLAGS_FG := $(SANFLAGS)
LIBS_FG    = $(PKG_LIBS) -lm -lpthread

SRCS      := $(sort $(wildcard gateway/*/*.c))
LIB_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(SRCS))
MAIN_OBJ  := $(BUILD)/gateway/main.o
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(FUZZ_SRCS))
HDRS      := $(wildcard include/forumgate/*.h) $(wildcard gateway/*/*.h) $(wildcard tests/*.h) $(wildcard tests/fuzz/*.h)
REPLAY_OBJ := $(BUILD)/tests/fuzz/replay_main.o
# Header dependencies: the compiler writes a .d file beside each object and
# test binary (-MMD -MP), so touching a header rebuilds only what includes it.
# A missing .d (a build dir from before) counts as out of date: that target
# is rebuilt once and gets its .d.
DEPFLAGS  := -MMD -MP
DEPS      := $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(REPLAY_OBJ:.o=.d) $(UNIT_BINS:=.d) $(REPLAY_BINS:=.d)
# Everything clang-format checks (make format-check) and rewrites (make format).
FMT_SRCS  := $(SRCS) gateway/main.c $(UNIT_SRCS) $(FUZZ_SRCS) tests/fuzz/replay_main.c $(HDRS) $(wildcard tests/unit/*.h)

.PHONY: all deps test unit fuzz-replay integration run bench fuzz clean format-check format

all: forumgate

deps:
	@sh scripts/install-deps.sh

ifeq ($(SANITIZE),1)
forumgate: $(BUILD)/forumgate
else
forumgate: $(BUILD)/forumgate
	@cp $< $@.tmp && mv -f $@.tmp $@
endif

$(BUILD)/forumgate: $(MAIN_OBJ) $(LIB_OBJS)
	$(CC) $(LDFLAGS_FG) -o $@ $^ $(LIBS_FG)

$(BUILD)/%.o: %.c $(BUILD)/%.d
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_FG) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/tests/%.d $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_FG) $(DEPFLAGS) -MF $@.d -MT $@ -o $@ $< $(LIB_OBJS) $(LDFLAGS_FG) $(LIBS_FG) -lcmocka

# Each fuzz target also links with a small main() that replays its corpus,
# so `make test` exercises every target without clang's libFuzzer.
$(BUILD)/fuzz-replay/%: tests/fuzz/%.c $(BUILD)/fuzz-replay/%.d $(REPLAY_OBJ) $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_FG) $(DEPFLAGS) -MF $@.d -MT $@ -o $@ $< $(REPLAY_OBJ) $(LIB_OBJS) $(LDFLAGS_FG) $(LIBS_FG)

# Named as a target so that make keeps it: an object only a pattern rule
# asks for would be deleted after each build as an intermediate file.
$(REPLAY_OBJ):

$(DEPS):
-include $(wildcard $(DEPS))

test: deps
	@$(MAKE) --no-print-directory unit fuzz-replay integration SANITIZE=$(SANITIZE)

unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

fuzz-replay: $(REPLAY_BINS)
	@sh tests/fuzz/replay.sh $(BUILD)/fuzz-replay

integration: $(BUILD)/forumgate
	@FORUMGATE=$(CURDIR)/$(BUILD)/forumgate sh tests/integration/run.sh

run: deps
	@$(MAKE) --no-print-directory forumgate
	@sh scripts/run-demo.sh

bench: deps
	@$(MAKE) --no-print-directory forumgate
	@sh scripts/bench.sh

FUZZ_CC     := clang
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS)
fuzz: deps
	@mkdir -p build-fuzz
	@for t in $(FUZZ_SRCS); do \
		n=$$(basename $$t .c); \
		echo "  FUZZ $$n"; \
		$(FUZZ_CC) $(FUZZ_CFLAGS) -o build-fuzz/$$n $$t $(SRCS) $(PKG_LIBS) -lm -lpthread || exit 1; \
	done
	@echo "built: build-fuzz/*  run e.g. build-fuzz/fuzz_config tests/fuzz/corpus/config"
	@echo "  (page parsers: add tests/fixtures/spool and config/demo-spool as seed directories)"

# .clang-format is written for clang-format 14 (Debian 12's); other versions
# may disagree on details. format-check ends with a "format-check: N passed,
# N failed" line like the test suites (.ci/run adds it up).
format-check: deps
	@if out=$$(clang-format --dry-run --Werror $(FMT_SRCS) 2>&1); then \
		echo "format-check: 1 passed, 0 failed"; \
	else \
		printf '%s\n' "$$out" | sed -n 1,40p; \
		printf '%s\n' "$$out" | sed -n 's/^\([^ :]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' \
			| uniq -c | sed 's/^ *\([0-9]*\) \(.*\)/format-check: needs formatting: \2 (\1)/'; \
		echo "format-check: run 'make format' (clang-format -i) to fix"; \
		echo "format-check: 0 passed, 1 failed"; \
		exit 1; \
	fi

format:
	clang-format -i $(FMT_SRCS)

clean:
	rm -rf build build-san build-fuzz forumgate

# make install [PREFIX=/usr/local] [DESTDIR=...]: the binary, the man pages,
# the example configuration (every option, commented) and the systemd unit.
# An existing /etc/forumgate/forumgate.yaml is never touched.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
INSTALL    ?= install

.PHONY: install
install: forumgate
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/forumgate
	$(INSTALL) -m 0755 forumgate $(DESTDIR)$(SBINDIR)/forumgate
	$(INSTALL) -m 0644 doc/forumgate.8 $(DESTDIR)$(MANDIR)/man8/forumgate.8
	$(INSTALL) -m 0644 doc/forumgate.yaml.5 $(DESTDIR)$(MANDIR)/man5/forumgate.yaml.5
	$(INSTALL) -m 0644 config/forumgate.yaml $(DESTDIR)$(SYSCONFDIR)/forumgate/forumgate.yaml.example
	sed 's|/usr/sbin/forumgate|$(SBINDIR)/forumgate|g' contrib/systemd/forumgate.service \
		> $(DESTDIR)$(UNITDIR)/forumgate.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/forumgate.service.tmp
	mv -f $(DESTDIR)$(UNITDIR)/forumgate.service.tmp $(DESTDIR)$(UNITDIR)/forumgate.service

# make deb: the Debian package (debian/), built by dpkg-buildpackage -b in a
# copy of this tree under build/deb/src, so that neither the tree nor its
# parent folder (often unwritable, or someone else's) receives build
# products. The .deb files, .buildinfo and .changes land in build/deb/;
# lintian checks them (errors fail the target; LINTIAN=no skips it).
# The package build runs the unit tests, which read corpora from ../shared
# like `make unit`; without ../shared, and with DEB_BUILD_OPTIONS=nocheck,
# it skips them.
DEB_OUT     ?= build/deb
DEB_JOBS    ?= 2
LINTIAN     ?= yes
DEB_NOCHECK := $(if $(wildcard ../shared),,nocheck)

.PHONY: deb
deb: deps
	@rm -rf $(DEB_OUT)/src && mkdir -p $(DEB_OUT)/src/forumgate
	@rm -f $(DEB_OUT)/forumgate*_*.deb $(DEB_OUT)/forumgate_*.buildinfo $(DEB_OUT)/forumgate_*.changes
	tar -cf - --exclude-vcs --exclude=./build --exclude=./build-san --exclude=./build-fuzz \
		--exclude=./forumgate --exclude=./run --exclude=./$(DEB_OUT) --exclude='*.o' \
		--exclude=__pycache__ . | tar -xf - -C $(DEB_OUT)/src/forumgate
ifeq ($(DEB_NOCHECK),)
	ln -s "$$(cd ../shared && pwd)" $(DEB_OUT)/src/shared
else
	@echo "make deb: ../shared (the unit tests' corpora) is absent: no unit tests"
endif
	cd $(DEB_OUT)/src/forumgate && \
		DEB_BUILD_OPTIONS="parallel=$(DEB_JOBS) $(DEB_NOCHECK) $(DEB_BUILD_OPTIONS)" \
		dpkg-buildpackage -us -uc -b
	mv $(DEB_OUT)/src/forumgate*_*.deb $(DEB_OUT)/src/forumgate_*.buildinfo \
		$(DEB_OUT)/src/forumgate_*.changes $(DEB_OUT)/
	rm -rf $(DEB_OUT)/src
ifneq ($(LINTIAN),no)
	lintian --fail-on error $(DEB_OUT)/forumgate_*.changes
endif
	@ls -l $(DEB_OUT)/forumgate_*.deb
