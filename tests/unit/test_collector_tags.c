/*
 * test_collector_tags.c -- tag files: the original "TAGNAME CIDR" lines (IPv4 and IPv6 prefixes,
 * overlapping prefixes, sorting, de-duplication, comments), tag rules (every condition kind, ANDed,
 * source vs destination side, merged with prefix tags), and errors that name the file and line.
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

/* Device 7 "edge7" and device 8 "edge8": flows in these tests come from one of them. */
static const kf_device edge7 = {7, "edge7", {0, 0}, 0};
static const kf_device edge8 = {8, "edge8", {0, 0}, 0};

/* Both sides' tags of the last flow matched (each side has its own buffer, as in the sink). */
typedef struct matcher
{
	kf_tags    *tags;
	kf_tag_buffer *src_buf;
	kf_tag_buffer *dst_buf;
	const char *src;
	const char *dst;
} matcher;

static bool
matcher_open(matcher *m, const char *text, const kf_interface_names *interfaces)
{
	kf_error	err;

	memset(m, 0, sizeof(*m));
	m->tags = kf_tags_parse(text, "tags.txt", interfaces, &err);
	if (!m->tags)
	{
		printf("# %s\n", err.msg);
		return false;
	}
	m->src_buf = kf_tag_buffer_new(m->tags);
	m->dst_buf = kf_tag_buffer_new(m->tags);
	return m->src_buf && m->dst_buf;
}

static void
matcher_close(matcher *m)
{
	kf_tag_buffer_free(m->src_buf);
	kf_tag_buffer_free(m->dst_buf);
	kf_tags_free(m->tags);
}

/* A TCP flow between two addresses; tests change the fields they need. */
static kf_flow
flow_between(const char *src, const char *dst)
{
	kf_flow		f;

	memset(&f, 0, sizeof(f));
	f.src_addr = test_parse_addr(src);
	f.dst_addr = test_parse_addr(dst);
	f.l4_src_port = 40000;
	f.l4_dst_port = 40001;
	f.protocol = 6;
	return f;
}

static void
match(matcher *m, const kf_flow *f, const kf_device *device)
{
	m->src = kf_tags_match(m->tags, f, device, KF_SIDE_SRC, m->src_buf);
	m->dst = kf_tags_match(m->tags, f, device, KF_SIDE_DST, m->dst_buf);
}

/* The source tags of a flow from addr; the destination side must agree for the reverse flow. */
static const char *
lookup(matcher *m, const char *addr)
{
	kf_flow		f = flow_between(addr, "::");
	kf_flow		reverse = flow_between("::", addr);
	const char *src = kf_tags_match(m->tags, &f, &edge7, KF_SIDE_SRC, m->src_buf);
	const char *dst = kf_tags_match(m->tags, &reverse, &edge7, KF_SIDE_DST, m->dst_buf);

	return strcmp(src, dst) == 0 ? src : "(sides differ)";
}

static void
test_original_format(void)
{
	matcher		m;

	CHECK("tag text parses", matcher_open(&m, tag_text, NULL));
	if (!m.tags)
		return;
	CHECK_INT_EQ("distinct names", kf_tags_count(m.tags), 8);
	CHECK_INT_EQ("no rules in the original format", kf_tags_rule_count(m.tags), 0);
	CHECK_STR_EQ("v4 outside every prefix", lookup(&m, "172.16.0.1"), "ALL4");
	CHECK_STR_EQ("v4 one prefix", lookup(&m, "10.9.9.9"), "ALL4,MYNETWORK");
	CHECK_STR_EQ("v4 overlapping, sorted", lookup(&m, "10.1.9.9"), "ALL4,ALPHA,MYNETWORK,ZULU");
	CHECK_STR_EQ("v4 de-duplicated", lookup(&m, "10.1.2.4"), "ALL4,ALPHA,MYNETWORK,ZULU");
	CHECK_STR_EQ("v4 host route", lookup(&m, "10.1.2.3"), "ALL4,ALPHA,HOST,MYNETWORK,ZULU");
	CHECK_STR_EQ("v4 host bits ignored", lookup(&m, "192.168.1.1"), "ALL4,ODDBITS");
	CHECK_STR_EQ("v6 one prefix", lookup(&m, "2001:db8:ffff::1"), "EVERYTHING6,MYNETWORK");
	CHECK_STR_EQ("v6 host", lookup(&m, "2001:db8::1"), "EVERYTHING6,MYNETWORK,V6HOST");
	CHECK_STR_EQ("v6 outside", lookup(&m, "2001:db9::1"), "EVERYTHING6");
	matcher_close(&m);

	CHECK("small file parses", matcher_open(&m, "A 10.0.0.0/8\n", NULL));
	CHECK_STR_EQ("no match is empty", lookup(&m, "11.0.0.1"), "");
	CHECK_STR_EQ("v6 does not match a v4 prefix", lookup(&m, "::a00:1"), "");
	matcher_close(&m);

	CHECK("cidr= alone is the original form", matcher_open(&m, "A cidr=10.0.0.0/8\n", NULL));
	CHECK_INT_EQ("cidr= alone is no rule", kf_tags_rule_count(m.tags), 0);
	CHECK_STR_EQ("cidr= alone matches", lookup(&m, "10.2.3.4"), "A");
	matcher_close(&m);

	CHECK("a line given twice parses", matcher_open(&m, "DUP 10.0.0.0/8\nDUP 10.0.0.0/8\nB 10.0.0.0/8\n", NULL));
	CHECK_STR_EQ("a line given twice counts once", lookup(&m, "10.2.3.4"), "B,DUP");
	matcher_close(&m);

	CHECK("empty file parses", matcher_open(&m, "", NULL));
	CHECK_STR_EQ("empty file: no tags", lookup(&m, "10.0.0.1"), "");
	matcher_close(&m);
}

static void
test_port_and_protocol(void)
{
	matcher		m;
	kf_flow		f = flow_between("192.0.2.1", "198.51.100.1");

	if (!matcher_open(&m, "SMTP port=25 protocol=tcp\nDNS port=53\nHIGH port=1024-65535 protocol=udp\n"
					  "GRE protocol=47\nICMP protocol=ICMP\n", NULL))
	{
		CHECK("port rules parse", false);
		return;
	}
	CHECK_INT_EQ("five rules", kf_tags_rule_count(m.tags), 5);
	f.l4_src_port = 25;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("src port 25 tcp: source side", m.src, "SMTP");
	CHECK_STR_EQ("src port 25 tcp: not the destination", m.dst, "");
	f.l4_src_port = 40000;
	f.l4_dst_port = 25;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("dst port 25 tcp: not the source", m.src, "");
	CHECK_STR_EQ("dst port 25 tcp: destination side", m.dst, "SMTP");
	f.protocol = 17;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("port 25 over udp is not SMTP", m.dst, "");
	CHECK_STR_EQ("udp high source port", m.src, "HIGH");
	f.l4_src_port = 1023;
	f.l4_dst_port = 53;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("1023 is below the range", m.src, "");
	CHECK_STR_EQ("DNS has no protocol condition", m.dst, "DNS");
	f.l4_src_port = 65535;
	f.protocol = 6;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("65535 over tcp is not HIGH", m.src, "");
	CHECK_STR_EQ("DNS over tcp too", m.dst, "DNS");
	f.protocol = 47;
	f.l4_src_port = f.l4_dst_port = 0;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("protocol only: source side", m.src, "GRE");
	CHECK_STR_EQ("protocol only: destination side", m.dst, "GRE");
	f.protocol = 1;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("protocol by name, any case", m.src, "ICMP");
	matcher_close(&m);
}

static void
test_device_interface_as(void)
{
	matcher		m;
	kf_flow		f = flow_between("192.0.2.1", "198.51.100.1");

	if (!matcher_open(&m, "D7 device=7\nD8 device=edge8 protocol=udp\nIN3 interface=3\n"
					  "CUST as=64500-64510\nCLOUD as=13335\n", NULL))
	{
		CHECK("device/interface/as rules parse", false);
		return;
	}
	match(&m, &f, &edge7);
	CHECK_STR_EQ("device by id: source", m.src, "D7");
	CHECK_STR_EQ("device by id: destination", m.dst, "D7");
	match(&m, &f, &edge8);
	CHECK_STR_EQ("device by name needs udp too", m.src, "");
	f.protocol = 17;
	match(&m, &f, &edge8);
	CHECK_STR_EQ("device by name and udp", m.dst, "D8");
	f.input_port = 3;
	f.output_port = 4;
	match(&m, &f, &edge8);
	CHECK_STR_EQ("input interface is the source side", m.src, "D8,IN3");
	CHECK_STR_EQ("output interface 4 is not 3", m.dst, "D8");
	f.input_port = 4;
	f.output_port = 3;
	match(&m, &f, &edge8);
	CHECK_STR_EQ("input interface 4 is not 3", m.src, "D8");
	CHECK_STR_EQ("output interface is the destination side", m.dst, "D8,IN3");
	f = flow_between("192.0.2.1", "198.51.100.1");
	f.protocol = 6;
	f.src_as = 64510;
	f.dst_as = 13335;
	match(&m, &f, &edge8);
	CHECK_STR_EQ("src AS in range", m.src, "CUST");
	CHECK_STR_EQ("dst AS exact", m.dst, "CLOUD");
	f.src_as = 64511;
	f.dst_as = 64500;
	match(&m, &f, &edge8);
	CHECK_STR_EQ("src AS just above the range", m.src, "");
	CHECK_STR_EQ("dst AS at the range start", m.dst, "CUST");
	matcher_close(&m);
}

static void
test_interface_descriptions(void)
{
	kf_error	err;
	kf_interface_names *names = kf_interface_names_parse("7 3 to NTT\nedge8 5 to NTT\n7 4 core\n",
														 "interfaces.txt", &err);
	matcher		m;
	kf_flow		f = flow_between("192.0.2.1", "198.51.100.1");

	CHECK("interfaces parse", names != NULL);
	if (!names || !matcher_open(&m, "NTT interface=\"to NTT\"\nCORE interface=core device=7\n", names))
	{
		CHECK("description rules parse", false);
		kf_interface_names_free(names);
		return;
	}
	f.input_port = 3;
	f.output_port = 4;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("device 7 interface 3 is to NTT", m.src, "NTT");
	CHECK_STR_EQ("device 7 interface 4 is core", m.dst, "CORE");
	match(&m, &f, &edge8);
	CHECK_STR_EQ("device 8 interface 3 is not described", m.src, "");
	CHECK_STR_EQ("device 8 interface 4 is not core", m.dst, "");
	f.input_port = 5;
	match(&m, &f, &edge8);
	CHECK_STR_EQ("device edge8 (by name) interface 5 is to NTT", m.src, "NTT");
	match(&m, &f, &edge7);
	CHECK_STR_EQ("device 7 interface 5 is not described", m.src, "");
	matcher_close(&m);
	kf_interface_names_free(names);
}

static void
test_and_and_merge(void)
{
	matcher		m;
	kf_flow		f;

	if (!matcher_open(&m,
					  "NET 10.0.0.0/8\n"
					  "MAIL cidr=10.1.0.0/16 port=25 protocol=tcp\n"
					  "ZED port=25\n"
					  "AAA port=25\n"
					  "NET port=25\n"					/* a name prefixes give already */
					  "WEB6 cidr=2001:db8::/32 port=443\n"
					  "INNER 10.1.2.0/24\n"				/* below MAIL's prefix: inherits the rule */
					  "EVERY device=7 interface=9 as=100 protocol=17 port=99 cidr=10.0.0.0/8\n", NULL))
	{
		CHECK("combined rules parse", false);
		return;
	}
	f = flow_between("10.1.2.3", "10.2.0.1");
	f.l4_src_port = 25;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("prefix, rule with prefix and port rules merged, sorted", m.src, "AAA,INNER,MAIL,NET,ZED");
	CHECK_STR_EQ("destination: its prefix only", m.dst, "NET");
	f.protocol = 17;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("udp: MAIL needs tcp", m.src, "AAA,INNER,NET,ZED");
	f = flow_between("10.2.0.1", "10.1.0.9");
	f.l4_dst_port = 25;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("destination side of MAIL", m.dst, "AAA,MAIL,NET,ZED");
	CHECK_STR_EQ("source side outside MAIL's prefix", m.src, "NET");
	f = flow_between("10.1.0.9", "10.2.0.1");
	f.l4_dst_port = 25;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("prefix on one side and port on the other: no MAIL", m.src, "NET");
	CHECK_STR_EQ("the port side without the prefix", m.dst, "AAA,NET,ZED");
	f = flow_between("10.2.0.1", "11.0.0.1");
	f.l4_src_port = 26;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("rule names only when they match", m.src, "NET");
	CHECK_STR_EQ("nothing at all", m.dst, "");
	f = flow_between("2001:db8::5", "2001:db9::5");
	f.l4_src_port = f.l4_dst_port = 443;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("v6 prefix and port", m.src, "WEB6");
	CHECK_STR_EQ("v6 port outside the prefix", m.dst, "");
	f = flow_between("10.9.9.9", "10.9.9.8");
	f.protocol = 17;
	f.l4_src_port = 99;
	f.input_port = 9;
	f.src_as = 100;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("six conditions ANDed", m.src, "EVERY,NET");
	f.src_as = 101;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("six conditions, AS differs", m.src, "NET");
	f.src_as = 100;
	match(&m, &f, &edge8);
	CHECK_STR_EQ("six conditions, device differs", m.src, "NET");
	f.input_port = 8;
	match(&m, &f, &edge7);
	CHECK_STR_EQ("six conditions, interface differs", m.src, "NET");
	matcher_close(&m);
}

static void
check_error(const char *text, const char *want)
{
	kf_error	err;
	kf_interface_names *names = kf_interface_names_parse("7 1 uplink\n", "interfaces.txt", &err);
	kf_tags    *t = kf_tags_parse(text, "tags.txt", strstr(want, "--interfaces") ? NULL : names, &err);

	CHECK_STR_EQ(want, t ? "(parsed)" : err.msg, want);
	kf_tags_free(t);
	kf_interface_names_free(names);
}

static void
test_errors(void)
{
	check_error("A 10.0.0.0/8\nB 10.0.0.0/33\n", "tags.txt:2: \"10.0.0.0/33\" is not an IPv4 or IPv6 prefix");
	check_error("\n\n# x\nA\n", "tags.txt:4: expected \"TAGNAME CIDR\" or \"TAGNAME KEY=VALUE ...\"");
	check_error("A 1.2.3.4 extra\n", "tags.txt:1: expected \"TAGNAME CIDR\" or \"TAGNAME KEY=VALUE ...\"");
	check_error("A,B 1.2.3.4\n", "tags.txt:1: tag name \"A,B\" contains ','");
	check_error("A 2001:db8::/129\n", "tags.txt:1: \"2001:db8::/129\" is not an IPv4 or IPv6 prefix");
	check_error("A 10.0.0.0/\n", "tags.txt:1: \"10.0.0.0/\" is not an IPv4 or IPv6 prefix");
	check_error("A example.com/8\n", "tags.txt:1: \"example.com/8\" is not an IPv4 or IPv6 prefix");
	check_error("A 1.2.3.4\n\"\" 1.2.3.4\n", "tags.txt:2: tag name is empty");
	check_error("A port=25\nB port=70000\n",
				"tags.txt:2: port \"70000\" is not a port or a range of ports (N or N-M, 0 to 65535)");
	check_error("B port=90-80\n", "tags.txt:1: port \"90-80\" is not a port or a range of ports (N or N-M, 0 to 65535)");
	check_error("B port=-5\n", "tags.txt:1: port \"-5\" is not a port or a range of ports (N or N-M, 0 to 65535)");
	check_error("B port=\n", "tags.txt:1: port \"\" is not a port or a range of ports (N or N-M, 0 to 65535)");
	check_error("B prot=6\n",
				"tags.txt:1: unknown condition \"prot\" (expected cidr, port, protocol, device, interface or as)");
	check_error("B port=1 protocol=6 port=2\n", "tags.txt:1: condition \"port\" is given twice");
	check_error("B interface=1 interface=uplink\n", "tags.txt:1: condition \"interface\" is given twice");
	check_error("B cidr=10.0.0.0/33 port=1\n", "tags.txt:1: \"10.0.0.0/33\" is not an IPv4 or IPv6 prefix");
	check_error("B protocol=256\n", "tags.txt:1: protocol \"256\" is neither a number from 0 to 255 nor one of "
				"icmp, igmp, tcp, udp, gre, esp, ah, icmpv6, ospf, pim, vrrp, sctp");
	check_error("B device=0\n",
				"tags.txt:1: device \"0\" is neither a device id from 1 to 4294967295 nor a device name");
	check_error("B as=4294967296\n",
				"tags.txt:1: as \"4294967296\" is not an AS number or a range of them (N or N-M, 0 to 4294967295)");
	check_error("B interface=uplink\n", "tags.txt:1: interface \"uplink\" is not an interface index, and no "
				"interfaces file (--interfaces) describes interfaces");
	check_error("B interface=downlink\n", "tags.txt:1: no interface in the interfaces file is described \"downlink\"");
	check_error("port=25 protocol=tcp\n", "tags.txt:1: tag name \"port=25\" contains '=' (is the name missing?)");
	check_error("B cidr=10.0.0.0/8 tcp\n", "tags.txt:1: \"tcp\" is not KEY=VALUE");
	check_error("B interface=\"up link\n", "tags.txt:1: a '\"' is not closed");

	kf_error	err;

	CHECK("missing file is an error", kf_tags_load("/nonexistent/tags.txt", NULL, &err) == NULL &&
		  strstr(err.msg, "/nonexistent/tags.txt") != NULL);
}

int
main(void)
{
	test_original_format();
	test_port_and_protocol();
	test_device_interface_as();
	test_interface_descriptions();
	test_and_and_merge();
	test_errors();
	UNIT_EXIT();
}
