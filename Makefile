# csess -- build, test, install.  See README.md.
#   make            library, CLI, programs
#   make check      install missing Debian packages (as root), build, run every test
#   make check SAN=1  the same with AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo       build and start the demo under lighttpd
#   make bench      benchmarks (ratios measured side by side)
#   make fuzz       build the libFuzzer harnesses (clang) and run each FUZZ_SECONDS (60)
#   make stress     the kill test (tests/crash/kill.sh) with STRESS_KILLS (300) kills per SESSION_SYNC mode

PREFIX	?= /usr/local
DESTDIR	?=
VERSION	 = 0.1.0
SOMAJOR	 = 0

# VERSION is the one source of the version: the header's macros must agree,
# or nothing builds (tests/cli/install.sh checks the installed result too).
HDR_VERSION := $(shell sed -n 's/^\#define CSESS_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*//p' lib/csess/base.h | paste -sd.)
HDR_VSTRING := $(shell sed -n 's/^\#define CSESS_VERSION[[:space:]]*"\(.*\)"/\1/p' lib/csess/base.h)
ifneq ($(VERSION) $(VERSION),$(HDR_VERSION) $(HDR_VSTRING))
$(error VERSION $(VERSION) differs from lib/csess/base.h ($(HDR_VSTRING), $(HDR_VERSION)))
endif

CC	?= cc
# One variant's objects never mix with another's: build/rel or build/san.
ifeq ($(SAN),1)
V	 = san
OPT	 = -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else
V	 = rel
OPT	 = -O2
endif
O	 = build/$(V)

# Only what the public headers declare is exported (their visibility pragma).
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -fPIC -fvisibility=hidden $(OPT) -Ilib $(CFLAGS)
LDFLAGS_ALL = $(OPT) -Wl,--as-needed $(LDFLAGS)
# libcrypto is not linked: lib/crypto.c loads it with dlopen when a password
# is hashed (PBKDF2), so other programs do not pay for it at start-up;
# signatures use lib/sha.c.
LIBS	 = -llmdb -ljansson -lfcgi -lz -ldl -lm
LIBS	+= -lhiredis -lpthread
# The programs link these statically: each CGI request is a new process,
# and every shared library costs it loader time (bench/startup.sh; libm
# alone was some 40 us of a 600 us gate request).
PROG_LIBS = -Wl,-Bstatic -llmdb -ljansson -lfcgi -lz -lm -Wl,-Bdynamic -ldl -lpthread
PROG_LIBS := -Wl,-Bstatic -lhiredis -Wl,-Bdynamic $(PROG_LIBS)

# Switching variant relinks every output from that variant's objects.
$(shell mkdir -p build; [ "`cat build/variant 2>/dev/null`" = "$(V)" ] || echo $(V) > build/variant)

LIB_SRC	 = $(wildcard lib/*.c)
LIB_OBJ	 = $(LIB_SRC:%.c=$(O)/%.o)
CLI_SRC	 = $(filter-out tools/clear_expired.c,$(wildcard tools/*.c))
CLI_OBJ	 = $(CLI_SRC:%.c=$(O)/%.o)
PROG_SRC = $(wildcard cgi-bin/*.c)
PROGS	 = $(PROG_SRC:%.c=%)
FCGI_PROGS = $(PROGS:cgi-bin/%=fcgi/%)
# The Django tutorial's views in C (README, "Examples"), built beside their sources.
EXAMPLE_SRC = $(wildcard examples/*.c)
EXAMPLES = $(EXAMPLE_SRC:%.c=%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
TEST_HELPER_SRC = $(wildcard tests/unit/helper_*.c)
TEST_HELPER_OBJ = $(TEST_HELPER_SRC:%.c=$(O)/%.o)
BENCH_SRC = $(wildcard bench/*.c)
BENCH_BIN = $(BENCH_SRC:bench/%.c=$(O)/bench/%)

SOLIB	 = lib/libcsess.so.$(VERSION)

all: lib/libcsess.a $(SOLIB) bin/csess bin/clear-expired $(PROGS) $(FCGI_PROGS) lib/csess.pc \
    $(EXAMPLES)

# Objects depend on the Makefile too: changed flags rebuild them.
$(O)/%.o: %.c build/variant Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

lib/libcsess.a: $(LIB_OBJ) build/variant
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(SOLIB): $(LIB_OBJ) build/variant
	$(CC) -shared -Wl,-soname,libcsess.so.$(SOMAJOR) $(LDFLAGS_ALL) -o $@ $(LIB_OBJ) $(LIBS)
	ln -sf libcsess.so.$(VERSION) lib/libcsess.so.$(SOMAJOR)
	ln -sf libcsess.so.$(VERSION) lib/libcsess.so

lib/csess.pc: lib/csess.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

bin/csess: $(CLI_OBJ) lib/libcsess.a
	@mkdir -p bin
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) lib/libcsess.a $(LIBS)

bin/clear-expired: $(O)/tools/clear_expired.o $(filter-out $(O)/tools/csess.o,$(CLI_OBJ)) lib/libcsess.a
	@mkdir -p bin
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

# A program is one handler; the same binary serves CGI and FastCGI.
cgi-bin/%: $(O)/cgi-bin/%.o lib/libcsess.a
	$(CC) $(LDFLAGS_ALL) -o $@ $< lib/libcsess.a $(PROG_LIBS)

# Programs linked statically (-static-pie, so ASLR is kept): as CGI each
# request is a new process, and without the dynamic loader's work the gate
# starts faster than a dynamically linked hello-world (bench/startup.sh).
# Each carries its dynamically linked twin (cgi-bin/twin.S) for the
# configurations that load shared libraries (lib/static_twin.c says why).
# glibc's warnings that dlopen and getaddrinfo in a static program need the
# same glibc at run time are expected: that is what the twin is for.  The
# sanitizer build cannot link statically; there they are dynamic alone.
STATIC_PROGS = cgi-bin/gate cgi-bin/protected cgi-bin/logout
STATIC_LIBS = -lhiredis -llmdb -ljansson -lfcgi -lz -lm -lpthread -ldl
ifneq ($(SAN),1)
# The twin as built (valgrind runs it: tests/valgrind), and stripped to carry.
$(O)/twin/%: $(O)/cgi-bin/%.o lib/libcsess.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< lib/libcsess.a $(PROG_LIBS)

$(O)/twin/%.image: $(O)/twin/%
	strip -o $@ $<

TWINS = $(STATIC_PROGS:cgi-bin/%=$(O)/twin/%)
.SECONDARY: $(TWINS) $(TWINS:%=%.image) $(TWINS:%=%.o)

$(O)/twin/%.o: cgi-bin/twin.S $(O)/twin/%.image
	$(CC) -DTWIN='"$(O)/twin/$*.image"' -c -o $@ $<

$(STATIC_PROGS): cgi-bin/%: $(O)/cgi-bin/%.o $(O)/twin/%.o lib/libcsess.a
	$(CC) $(LDFLAGS_ALL) -static-pie -o $@ $(O)/cgi-bin/$*.o $(O)/twin/$*.o \
	    lib/libcsess.a $(STATIC_LIBS) 2> $(O)/twin/$*.log; \
	rc=$$?; grep -v 'statically linked applications requires at runtime\|: in function' \
	    $(O)/twin/$*.log >&2; exit $$rc
endif

examples/%: $(O)/examples/%.o lib/libcsess.a
	$(CC) $(LDFLAGS_ALL) -o $@ $< lib/libcsess.a $(PROG_LIBS)

fcgi/%: cgi-bin/%
	@mkdir -p fcgi
	cp $< $@.new && mv -f $@.new $@

$(O)/tests/%: $(O)/tests/unit/%.o $(TEST_HELPER_OBJ) lib/libcsess.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(TEST_HELPER_OBJ) lib/libcsess.a $(LIBS) $(TEST_LIBS) -lcriterion

# test_sha checks lib/sha.c against OpenSSL, so it links libcrypto itself.
$(O)/tests/test_sha: TEST_LIBS = -lcrypto

$(O)/bench/%: $(O)/bench/%.o lib/libcsess.a
	$(CC) $(LDFLAGS_ALL) -o $@ $< lib/libcsess.a $(LIBS)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c): the library rebuilt with clang,
# coverage instrumentation, ASan and UBSan, in its own variant directory.
# `make fuzz` runs each harness FUZZ_SECONDS from its seed corpus
# (tests/fuzz/corpus/NAME; new inputs go to build/fuzz/corpus/NAME);
# `make check` replays the seeds and runs a short burst (tests/fuzz/replay.sh).
FUZZ_CC	?= clang
FUZZ_SECONDS ?= 60
FUZZ_O	 = build/fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer \
	$(FUZZ_SAN) -Ilib
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_O)/%)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_O)/%.o)

$(FUZZ_O)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_O)/libcsess.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJ)

# A harness may include a program's source (its handler is static).
$(FUZZ_O)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_O)/libcsess.a $(wildcard tests/fuzz/*.h) $(PROG_SRC)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_O)/libcsess.a $(LIBS) -lpthread

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_O) tests/fuzz/run $(FUZZ_SECONDS)

deps:
	@scripts/deps check

deps-demo:
	@scripts/deps demo

tests: all $(UNIT_BIN)

check: deps
	$(MAKE) tests
	$(MAKE) fuzz-build
	CSESS_BUILD=$(O) SAN=$(SAN) tests/run-all

# make check runs tests/crash/kill.sh with 30 kills per SESSION_SYNC mode.
STRESS_KILLS ?= 300
stress: all
	CSESS_CRASH_KILLS=$(STRESS_KILLS) CSESS_BUILD=$(O) SAN=$(SAN) bash tests/crash/kill.sh

check-asan:
	$(MAKE) check SAN=1

demo: deps-demo
	$(MAKE) all
	scripts/demo

# Installs what it compares csess with (PHP-FPM, Django under gunicorn,
# wrk, gnuplot: scripts/deps bench), then writes bench/RESULTS.md and
# bench/results.png.
bench:
	@scripts/deps bench
	$(MAKE) all $(BENCH_BIN)
	CSESS_BUILD=$(O) bench/run

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/csess \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/lib/csess/cgi-bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 644 lib/libcsess.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(SOLIB) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libcsess.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libcsess.so.$(SOMAJOR)
	ln -sf libcsess.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libcsess.so
	install -m 644 lib/csess.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 lib/csess/*.h $(DESTDIR)$(PREFIX)/include/csess/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' lib/csess.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/csess.pc
	install -m 755 bin/csess bin/clear-expired $(DESTDIR)$(PREFIX)/bin/
	for p in $(PROGS); do install -m 755 $$p $(DESTDIR)$(PREFIX)/lib/csess/cgi-bin/; done
	for m in man/*.[138]; do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/; done
	# One link per further name a page lists under NAME: man cs_session_get_int.
	for m in man/*.3; do p=$${m##*/}; \
	    for n in $$(sed -n 's/^\.Nm \([A-Za-z_0-9]*\).*/\1/p' $$m | sort -u); do \
	        [ "$$n.3" = "$$p" ] || ln -sf $$p $(DESTDIR)$(PREFIX)/share/man/man3/$$n.3; \
	    done; \
	done

clean:
	rm -rf build bin lib/libcsess.a lib/libcsess.so* lib/csess.pc $(PROGS) $(FCGI_PROGS) \
	    $(EXAMPLES)

.PHONY: all deps deps-demo tests check check-asan stress demo bench install clean fuzz fuzz-build
.SECONDARY:

-include $(shell find build/$(V) build/fuzz -name '*.d' 2>/dev/null)
