/*
 * fuzz_config_files.c -- libFuzzer harness for kflowd's enrichment files: tag files (with rules),
 * prefix -> ASN files and interfaces files (collector/tags.c, asn_table.c, interface_names.c and
 * the shared reader text_file.c).
 *
 * The first byte picks the file kind, the rest is its text.  Parsing must either refuse the text
 * with a message naming the source, or give a table that answers lookups without a sanitizer
 * report; tag strings must be "" or sorted, distinct, non-empty names joined by ',', and every
 * interface line must name its device either by id or by name.
 */
#include <stdlib.h>
#include <string.h>

#include "collector/asn_table.h"
#include "collector/interface_names.h"
#include "collector/tags.h"

#define SOURCE "fuzz.txt"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Addresses and ports the lookups try: edges of both families and of common prefixes. */
static const kf_addr probe_addrs[] = {
	{0, 0}, {0, UINT64_C(0x0000ffff00000000)}, {0, UINT64_C(0x0000ffff0a010203)},
	{0, UINT64_C(0x0000ffffffffffff)}, {UINT64_C(0x20010db800000000), 1}, {UINT64_MAX, UINT64_MAX}
};

/* A tag string must be "" or names in strictly ascending order, joined by single commas. */
static void
check_tag_string(const char *s)
{
	const char *prev = NULL;
	size_t		prev_len = 0;

	while (*s)
	{
		size_t		len = strcspn(s, ",");

		if (len == 0)
			abort();
		if (prev)
		{
			int			c = strncmp(prev, s, len < prev_len ? len : prev_len);

			if (c > 0 || (c == 0 && prev_len >= len))
				abort();
		}
		prev = s;
		prev_len = len;
		s += len;
		if (*s == ',' && *++s == '\0')
			abort();
	}
}

static void
fuzz_tags(const char *text)
{
	static const char interfaces_text[] = "7 1 uplink\nedge 2 to NTT\n";
	kf_error	err;
	kf_interface_names *names = kf_interface_names_parse(interfaces_text, "interfaces", &err);
	kf_tags    *t = kf_tags_parse(text, SOURCE, names, &err);

	if (!t)
	{
		if (strncmp(err.msg, SOURCE, strlen(SOURCE)) != 0)
			abort();
		kf_interface_names_free(names);
		return;
	}
	kf_tag_buffer *src = kf_tag_buffer_new(t),
			   *dst = kf_tag_buffer_new(t);
	kf_device	device = {7, "edge", {0, 0}, 0};
	kf_flow		f;

	memset(&f, 0, sizeof(f));
	for (size_t i = 0; src && dst && i < sizeof(probe_addrs) / sizeof(probe_addrs[0]); i++)
	{
		f.src_addr = probe_addrs[i];
		f.dst_addr = probe_addrs[(i + 1) % (sizeof(probe_addrs) / sizeof(probe_addrs[0]))];
		f.l4_src_port = (uint32_t) (i * 11);
		f.l4_dst_port = 25 + (uint32_t) i;
		f.protocol = i % 2 ? 6 : 17;
		f.input_port = (uint32_t) i % 3;
		f.output_port = 2;
		f.src_as = (uint32_t) i * 1000;
		device.id = 6 + (uint32_t) i % 3;
		const char *s = kf_tags_match(t, &f, &device, KF_SIDE_SRC, src);
		const char *d = kf_tags_match(t, &f, &device, KF_SIDE_DST, dst);

		check_tag_string(s);
		check_tag_string(d);
	}
	kf_tag_buffer_free(src);
	kf_tag_buffer_free(dst);
	kf_tags_free(t);
	kf_interface_names_free(names);
}

static void
fuzz_asn(const char *text)
{
	kf_error	err;
	kf_asn_table *t = kf_asn_table_parse(text, SOURCE, &err);

	if (!t)
	{
		if (strncmp(err.msg, SOURCE, strlen(SOURCE)) != 0)
			abort();
		return;
	}
	for (size_t i = 0; i < sizeof(probe_addrs) / sizeof(probe_addrs[0]); i++)
		(void) kf_asn_lookup(t, probe_addrs[i]);
	kf_asn_table_free(t);
}

static void
fuzz_interfaces(const char *text)
{
	kf_error	err;
	kf_interface_names *n = kf_interface_names_parse(text, SOURCE, &err);

	if (!n)
	{
		if (strncmp(err.msg, SOURCE, strlen(SOURCE)) != 0)
			abort();
		return;
	}
	for (size_t i = 0; i < kf_interface_names_count(n); i++)
	{
		const kf_interface_name *e = kf_interface_names_at(n, i);

		if (e->description[0] == '\0' || (e->device.id == 0) == (e->device.name == NULL))
			abort();
	}
	kf_interface_names_free(n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	char	   *text = malloc(size);

	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';		/* files are text: an embedded NUL just ends it early */
	switch (data[0] % 3)
	{
		case 0:
			fuzz_tags(text);
			break;
		case 1:
			fuzz_asn(text);
			break;
		default:
			fuzz_interfaces(text);
			break;
	}
	free(text);
	return 0;
}
