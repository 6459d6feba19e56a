/*
 * test_collector_tags.c -- tag files: IPv4 and IPv6 prefixes, overlapping prefixes, sorting,
 * de-duplication, comments, and errors that name the file and line.
 */
#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/tags.h"

static const char *tag_text =
	"# customer networks\n"
	"MYNETWORK 10.0.0.0/8\n"
	"\n"
	"ZULU 10.1.0.0/16   # inside MYNETWORK\n"
	"ALPHA 10.1.2.0/24\n"
	"ALPHA 10.1.0.0/16\n"			/* same name again on an enclosing prefix: listed once */
	"HOST 10.1.2.3\n"
	"\tMYNETWORK\t2001:db8::/32\n"
	"V6HOST 2001:db8::1/128\n"
	"EVERYTHING6 ::/0\n"
	"ALL4 0.0.0.0/0\n"
	"ODDBITS 192.168.1.77/24\n";	/* host bits beyond the prefix are ignored */

static const char *
lookup(const kf_tags *t, const char *addr)
{
	return kf_tags_lookup(t, test_parse_addr(addr));
}

static void
test_matching(void)
{
	kf_error	err;
	kf_tags    *t = kf_tags_parse(tag_text, "tags.txt", &err);

	CHECK("tag text parses", t != NULL);
	if (!t)
		return;
	CHECK_INT_EQ("distinct names", kf_tags_count(t), 8);
	CHECK_STR_EQ("v4 outside every prefix", lookup(t, "172.16.0.1"), "ALL4");
	CHECK_STR_EQ("v4 one prefix", lookup(t, "10.9.9.9"), "ALL4,MYNETWORK");
	CHECK_STR_EQ("v4 overlapping, sorted", lookup(t, "10.1.9.9"), "ALL4,ALPHA,MYNETWORK,ZULU");
	CHECK_STR_EQ("v4 de-duplicated", lookup(t, "10.1.2.4"), "ALL4,ALPHA,MYNETWORK,ZULU");
	CHECK_STR_EQ("v4 host route", lookup(t, "10.1.2.3"), "ALL4,ALPHA,HOST,MYNETWORK,ZULU");
	CHECK_STR_EQ("v4 host bits ignored", lookup(t, "192.168.1.1"), "ALL4,ODDBITS");
	CHECK_STR_EQ("v6 one prefix", lookup(t, "2001:db8:ffff::1"), "EVERYTHING6,MYNETWORK");
	CHECK_STR_EQ("v6 host", lookup(t, "2001:db8::1"), "EVERYTHING6,MYNETWORK,V6HOST");
	CHECK_STR_EQ("v6 outside", lookup(t, "2001:db9::1"), "EVERYTHING6");
	kf_tags_free(t);

	t = kf_tags_parse("A 10.0.0.0/8\n", "small", &err);
	CHECK_STR_EQ("no match is empty", kf_tags_lookup(t, test_parse_addr("11.0.0.1")), "");
	CHECK_STR_EQ("v6 does not match a v4 prefix", kf_tags_lookup(t, test_parse_addr("::a00:1")), "");
	kf_tags_free(t);

	t = kf_tags_parse("", "empty", &err);
	CHECK_STR_EQ("empty file: no tags", kf_tags_lookup(t, test_parse_addr("10.0.0.1")), "");
	kf_tags_free(t);
}

static void
check_error(const char *text, const char *want)
{
	kf_error	err;
	kf_tags    *t = kf_tags_parse(text, "tags.txt", &err);

	CHECK_STR_EQ(want, t ? "(parsed)" : err.msg, want);
	kf_tags_free(t);
}

static void
test_errors(void)
{
	check_error("A 10.0.0.0/8\nB 10.0.0.0/33\n", "tags.txt:2: \"10.0.0.0/33\" is not an IPv4 or IPv6 prefix");
	check_error("\n\n# x\nA\n", "tags.txt:4: expected \"TAGNAME CIDR\"");
	check_error("A 1.2.3.4 extra\n", "tags.txt:1: expected \"TAGNAME CIDR\"");
	check_error("A,B 1.2.3.4\n", "tags.txt:1: tag name \"A,B\" contains ','");
	check_error("A 2001:db8::/129\n", "tags.txt:1: \"2001:db8::/129\" is not an IPv4 or IPv6 prefix");
	check_error("A 10.0.0.0/\n", "tags.txt:1: \"10.0.0.0/\" is not an IPv4 or IPv6 prefix");
	check_error("A example.com/8\n", "tags.txt:1: \"example.com/8\" is not an IPv4 or IPv6 prefix");

	kf_error	err;

	CHECK("missing file is an error", kf_tags_load("/nonexistent/tags.txt", &err) == NULL &&
		  strstr(err.msg, "/nonexistent/tags.txt") != NULL);
}

int
main(void)
{
	test_matching();
	test_errors();
	UNIT_EXIT();
}
