# SPDX-License-Identifier: MIT
# Kiln's one build file: non-recursive GNU Make (STYLE.md B.13). Adding a .c file under
# src/<module>/ or tests/ needs no edit here.
#
#   make                 debug build: build/debug/kiln, libkiln.a, tests and fuzz replayers
#   make BUILD=release   optimised build (build/release/kiln)
#   make BUILD=asan      clang, ASan+UBSan; make BUILD=fuzz: libFuzzer targets
#   make run             install what is missing, build release, start Kiln with the examples
#   make test            every test of the current BUILD (unit, loop, e2e, realtime clients,
#                        fuzz corpus replay); make test-realtime: tests/realtime only
#   make check           the whole suite in STYLE.md's order; prints "N passed, N failed" last
#   make lint            clang-format, clang-tidy, cppcheck, check-style/symbols/layers
#   make format  make compdb  make clean

BUILD ?= debug
OUT   := build/$(BUILD)

# -------------------------------------------------------------------- dependencies
PKGS        := javascriptcoregtk-4.1 libuv sqlite3 libcrypto inih libidn2
LLHTTP_DIR  := /usr/share/llhttp
LLHTTP_INC  := /usr/share/include/llhttp

ifeq ($(filter clean format help,$(MAKECMDGOALS)),)
DEPS_OK := $(shell pkg-config --exists $(PKGS) && test -f $(LLHTTP_DIR)/llhttp.c && command -v clang-14 >/dev/null && echo yes)
ifneq ($(DEPS_OK),yes)
$(info make: dependencies missing: running scripts/install-deps.sh)
DEPS_RUN := $(shell bash scripts/install-deps.sh 1>&2; echo $$?)
ifneq ($(DEPS_RUN),0)
$(error scripts/install-deps.sh failed)
endif
endif
endif

DEPS_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(PKGS) 2>/dev/null)) -isystem $(LLHTTP_INC)
DEPS_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

# -------------------------------------------------------------------- flags per variant
CSTD := -std=c11 -D_GNU_SOURCE
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2 \
        -Wimplicit-fallthrough -Wundef -Wpointer-arith -Wwrite-strings -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif

ifeq ($(BUILD),debug)
CC      := gcc
OPT     := -O0 -g3 -fno-omit-frame-pointer
else ifeq ($(BUILD),release)
CC      := gcc
OPT     := -O2 -g -DNDEBUG -fno-plt
else ifeq ($(BUILD),asan)
CC      := clang-14
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
           -DARENA_MALLOC_EACH=1 -DKILN_ASAN=1
LDOPT   := -fsanitize=address,undefined
else ifeq ($(BUILD),fuzz)
CC      := clang-14
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
           -fno-sanitize-recover=all -DARENA_MALLOC_EACH=1 -DKILN_FUZZ=1
LDOPT   := -fsanitize=address,undefined
else ifeq ($(BUILD),coverage)
CC      := gcc
OPT     := -O0 -g --coverage
LDOPT   := --coverage
else
$(error unknown BUILD=$(BUILD): debug | release | asan | fuzz | coverage)
endif
ifneq ($(origin CC_OVERRIDE),undefined)
CC := $(CC_OVERRIDE)
endif

CFLAGS  := $(CSTD) $(WARN) $(OPT) -Isrc -I$(OUT)/gen $(DEPS_CFLAGS) -MMD -MP
LDFLAGS := $(LDOPT) -rdynamic
LIBS    := $(DEPS_LIBS) -lwslay

# -------------------------------------------------------------------- sources
MODULES  := base net http js db gql auth job metrics api app
LIB_SRC  := $(filter-out src/app/main.c,$(foreach m,$(MODULES),$(wildcard src/$(m)/*.c)))
PRELUDE_JS := $(sort $(wildcard src/js/prelude/*.js))
GEN_SRC  := $(OUT)/gen/js_prelude_data.c
LIB_OBJ  := $(LIB_SRC:%.c=$(OUT)/obj/%.o) $(OUT)/obj/gen/js_prelude_data.o
# db: the store's migrations (src/db/migrations/NNNN_name.sql) compiled in (db/db_internal.h)
DB_MIGRATIONS := $(sort $(wildcard src/db/migrations/*.sql))
LIB_OBJ  += $(OUT)/obj/gen/db_migrations_data.o
LIB      := $(OUT)/libkiln.a

LLHTTP_SRC := $(wildcard $(LLHTTP_DIR)/*.c)
LLHTTP_OBJ := $(patsubst $(LLHTTP_DIR)/%.c,$(OUT)/third_party/llhttp/%.o,$(LLHTTP_SRC))
LLHTTP_LIB := $(OUT)/libllhttp.a

BIN := $(OUT)/kiln

HARNESS      := tests/unit/harness.c
UNIT_MODS    := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard tests/unit/*/test_*.c)))))
UNIT_BINS    := $(UNIT_MODS:%=$(OUT)/tests/unit-%)
LOOP_SRC     := $(wildcard tests/loop/*.c)
LOOP_BIN     := $(if $(LOOP_SRC),$(OUT)/tests/loop)
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/%.c=%)
ifeq ($(BUILD),fuzz)
FUZZ_BINS    := $(FUZZ_NAMES:%=$(OUT)/fuzz/%)
else
FUZZ_BINS    := $(FUZZ_NAMES:%=$(OUT)/fuzz/%-replay)
endif
BENCH_SRC    := $(wildcard bench/*/*_bench.c)
BENCH_BINS   := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRC))

ifeq ($(BUILD),fuzz)
all: $(LIB) $(FUZZ_BINS)
else
all: $(BIN) $(UNIT_BINS) $(LOOP_BIN) $(FUZZ_BINS) $(BENCH_BINS)
endif

# -------------------------------------------------------------------- rules
$(OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/obj/gen/%.o: $(OUT)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(GEN_SRC): $(PRELUDE_JS) scripts/embed-prelude.py
	@mkdir -p $(@D)
	python3 scripts/embed-prelude.py $@ $(PRELUDE_JS)

# db: generated table of migrations (src/db/embed-migrations.py checks names and numbering)
$(OUT)/gen/db_migrations_data.c: $(DB_MIGRATIONS) src/db/embed-migrations.py
	@mkdir -p $(@D)
	python3 src/db/embed-migrations.py $@ $(DB_MIGRATIONS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Third-party llhttp: compiled from the installed package, its own flags and archive.
$(OUT)/third_party/llhttp/%.o: $(LLHTTP_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) -w -I$(LLHTTP_INC) -c $< -o $@

$(LLHTTP_LIB): $(LLHTTP_OBJ)
	@rm -f $@
	ar rcs $@ $^

LINK_LIBS := $(LIB) $(LLHTTP_LIB) $(LIBS)

$(BIN): $(OUT)/obj/src/app/main.o $(LIB) $(LLHTTP_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LINK_LIBS)

TEST_CFLAGS := $(CFLAGS) -Itests/unit -Itests

$(OUT)/tests/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

.SECONDEXPANSION:
$(OUT)/tests/unit-%: $(OUT)/tests/obj/$(HARNESS:.c=.o) $$(addprefix $(OUT)/tests/obj/,$$(subst .c,.o,$$(wildcard tests/unit/$$*/test_*.c))) $(LIB) $(LLHTTP_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LINK_LIBS)

$(OUT)/tests/loop: $(OUT)/tests/obj/$(HARNESS:.c=.o) $(LOOP_SRC:%.c=$(OUT)/tests/obj/%.o) $(LIB) $(LLHTTP_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LINK_LIBS)

$(OUT)/fuzz/%-replay: $(OUT)/tests/obj/tests/fuzz/%.o $(OUT)/tests/obj/tests/fuzz/replay.o $(LIB) $(LLHTTP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LINK_LIBS)

$(OUT)/fuzz/%: $(OUT)/tests/obj/tests/fuzz/%.o $(LIB) $(LLHTTP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(LINK_LIBS)

$(OUT)/bench/%: bench/%.c $(LIB) $(LLHTTP_LIB)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(LINK_LIBS)

# -------------------------------------------------------------------- commands
.PHONY: all run test test-unit test-loop test-e2e test-realtime test-fuzz-replay check lint format compdb clean fuzz-run help

run:
	@bash scripts/install-deps.sh
	$(MAKE) BUILD=release build/release/kiln
	build/release/kiln serve --listen $${KILN_LISTEN:-127.0.0.1:8080} --data $${KILN_DATA:-./kiln-data} --scripts examples

test: all
	@bash scripts/run-tests.sh $(OUT)

test-unit: $(UNIT_BINS)
	@bash scripts/run-tests.sh $(OUT) unit

test-loop: $(LOOP_BIN)
	@bash scripts/run-tests.sh $(OUT) loop

test-e2e: $(BIN)
	@bash scripts/run-tests.sh $(OUT) e2e

test-realtime: $(BIN)
	@bash scripts/run-tests.sh $(OUT) realtime

test-fuzz-replay: $(FUZZ_BINS)
	@bash scripts/run-tests.sh $(OUT) replay

test-%: $(OUT)/tests/unit-%
	$(OUT)/tests/unit-$*

check:
	@bash scripts/check.sh

lint:
	@bash scripts/lint.sh

fuzz-run:
	@bash scripts/fuzz-run.sh $${FUZZ_SECONDS:-30}

format:
	clang-format-14 -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c')

compdb:
	$(MAKE) clean-$(BUILD) && bear -- $(MAKE) BUILD=$(BUILD) all

clean:
	rm -rf build

clean-%:
	rm -rf build/$*

# Print a variable's value (scripts/lint.sh and check-style.sh read CFLAGS and friends here).
print-%:
	@printf '%s\n' '$($*)'

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
