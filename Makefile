# Makefile -- builds the kentik_fdw PostgreSQL extension (PGXS) and the kflowd collector.
#
#   make && make install      as root: installs the extension into PostgreSQL and kflowd into $(KFLOWD_BINDIR)
#   make test                 builds the test programs; tests/run_all.sh runs every test
#
# store/ and engine/ are plain C11 compiled with our own strict flags into a static, position
# independent library that both the extension and the tools link; only fdw/ is compiled by PGXS
# with PostgreSQL's flags.

PG_CONFIG ?= pg_config
KFLOWD_BINDIR ?= /usr/local/bin
BUILD := build

KF_CC ?= cc
KF_CFLAGS ?= -std=c11 -O2 -g -fPIC -Wall -Wextra -Werror -Wmissing-prototypes -Wvla -D_GNU_SOURCE -I.
KF_LDLIBS = -llz4 -lpthread -lm

STORE_SRCS := $(sort $(wildcard store/*.c))
ENGINE_SRCS := $(sort $(wildcard engine/*.c))
COLLECTOR_SRCS := $(sort $(wildcard collector/*.c))
TOOLS_FLOWGEN_SRCS := $(sort $(wildcard tools/flowgen/*.c))

STORE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(STORE_SRCS))
ENGINE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_SRCS))
COLLECTOR_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(COLLECTOR_SRCS))
FLOWGEN_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TOOLS_FLOWGEN_SRCS))

KF_LIB := $(BUILD)/libkfengine.a

# ---------------------------------------------------------------- the extension (PGXS)
MODULE_big = kentik_fdw
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard fdw/*.c)))
EXTENSION = kentik_fdw
DATA = fdw/kentik_fdw--1.0.sql
PG_CPPFLAGS = -I$(CURDIR) -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers -Werror
SHLIB_LINK = $(CURDIR)/$(KF_LIB) -llz4 -lpthread -lm
REGRESS_OPTS = --inputdir=$(CURDIR) --outputdir=$(CURDIR)/$(BUILD)/regress
REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
EXTRA_CLEAN = $(BUILD)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The extension's shared object needs the static library first.
$(shlib): $(KF_LIB)

# PGXS tracks no header dependencies: rebuild the extension's objects when any header changes, or
# a changed struct would link stale objects.
$(OBJS): $(wildcard fdw/*.h engine/*.h store/*.h)

all: $(BUILD)/kflowd $(BUILD)/flowgen $(BUILD)/kfdump

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(KF_CC) $(KF_CFLAGS) -MMD -MP -c -o $@ $<

$(KF_LIB): $(STORE_OBJS) $(ENGINE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/kflowd: $(COLLECTOR_OBJS) $(STORE_OBJS)
	$(KF_CC) $(KF_CFLAGS) -o $@ $^ -lpcap $(KF_LDLIBS)

# The store dumper reads through the public store API; it borrows only the collector's address
# formatting.
$(BUILD)/kfdump: $(BUILD)/tools/kfdump.o $(BUILD)/collector/addr_text.o $(KF_LIB)
	$(KF_CC) $(KF_CFLAGS) -o $@ $^ $(KF_LDLIBS)

$(BUILD)/flowgen: $(FLOWGEN_OBJS)
	$(KF_CC) $(KF_CFLAGS) -o $@ $^ -lm

# bench/ingest_vs_nfcapd.sh's sender: replays a capture's flow exports over UDP (reads it with
# kflowd's own pcap reader).  Built on demand, not by `make`.
$(BUILD)/udp_replay: $(BUILD)/bench/udp_replay.o $(BUILD)/collector/pcap_reader.o $(BUILD)/collector/addr_text.o \
		$(BUILD)/store/error.o
	$(KF_CC) $(KF_CFLAGS) -o $@ $^ -lpcap

install: install-kflowd

install-kflowd: $(BUILD)/kflowd $(BUILD)/flowgen
	install -d $(DESTDIR)$(KFLOWD_BINDIR)
	install -m 755 $(BUILD)/kflowd $(DESTDIR)$(KFLOWD_BINDIR)/kflowd
	install -m 755 $(BUILD)/flowgen $(DESTDIR)$(KFLOWD_BINDIR)/kflowd-flowgen

# Unit tests: one program per tests/unit/test_*.c, linked with the library and the collector's
# objects (everything but its main), so decoders can be tested without sockets.
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/unit/test_*.c)))
COLLECTOR_LIB_OBJS := $(filter-out $(BUILD)/collector/kflowd_main.o,$(COLLECTOR_OBJS))

$(BUILD)/tests/%: tests/unit/%.c $(KF_LIB) $(COLLECTOR_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(KF_CC) $(KF_CFLAGS) -o $@ $< $(COLLECTOR_LIB_OBJS) $(KF_LIB) -lpcap $(KF_LDLIBS)

test: $(BUILD)/kflowd $(BUILD)/flowgen $(BUILD)/kfdump $(UNIT_TESTS)

.PHONY: install-kflowd test

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
