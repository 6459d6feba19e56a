/*
 * unit.h -- the smallest possible test harness for the C unit tests.
 *
 * Every check prints one line, "PASS <name>" or "FAIL <name>: <why> (file:line)", which
 * tests/run_all.sh counts; a test program exits 1 when any check failed.  No framework, so the
 * tests build anywhere the code builds, with or without sanitizers.
 */
#ifndef KF_UNIT_H
#define KF_UNIT_H

#include <stdio.h>
#include <string.h>
#include <inttypes.h>

static int unit_failures;

#define CHECK(name, cond) \
	do { \
		if (cond) \
			printf("PASS %s\n", (name)); \
		else \
		{ \
			printf("FAIL %s: %s (%s:%d)\n", (name), #cond, __FILE__, __LINE__); \
			unit_failures++; \
		} \
	} while (0)

#define CHECK_INT_EQ(name, got, want) \
	do { \
		long long unit_got_ = (long long) (got), unit_want_ = (long long) (want); \
		if (unit_got_ == unit_want_) \
			printf("PASS %s\n", (name)); \
		else \
		{ \
			printf("FAIL %s: got %lld, want %lld (%s:%d)\n", (name), unit_got_, unit_want_, __FILE__, __LINE__); \
			unit_failures++; \
		} \
	} while (0)

#define CHECK_STR_EQ(name, got, want) \
	do { \
		const char *unit_got_ = (got), *unit_want_ = (want); \
		if (unit_got_ && unit_want_ && strcmp(unit_got_, unit_want_) == 0) \
			printf("PASS %s\n", (name)); \
		else \
		{ \
			printf("FAIL %s: got \"%s\", want \"%s\" (%s:%d)\n", (name), unit_got_ ? unit_got_ : "(null)", \
				   unit_want_ ? unit_want_ : "(null)", __FILE__, __LINE__); \
			unit_failures++; \
		} \
	} while (0)

#define UNIT_EXIT() return unit_failures ? 1 : 0

#endif
