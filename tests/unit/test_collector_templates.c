/*
 * test_collector_templates.c -- templates survive a kflowd restart (collector/template_store.c):
 * a cache saved to DIR/templates and restored into a fresh decoder decodes data whose template
 * was only sent before the restart; damaged, truncated and unknown-version files are refused
 * with a clear message and leave the cache untouched; the change counter only moves on change.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/template_store.h"
#include "collector/collector_log.h"
#include "store/crc32c.h"
#include "store/part_format.h"

static test_flows flows;

static kf_flow_decoder *
new_decoder(void)
{
	flows.count = 0;
	return kf_flow_decoder_new(test_flows_emit, &flows);
}

/* Sends exporter 192.0.2.1 / source id 7 the template 300 and options data announcing 1-in-100. */
static void
send_template(kf_flow_decoder *d)
{
	test_buf	t;

	v9_header(&t, 1700000000, 7);
	v9_template_300_src_first(&t);
	kf_flow_decoder_packet(d, test_parse_addr("192.0.2.1"), t.b, t.len, 0);
	kf_template_cache_set_sampling(kf_flow_decoder_templates(d), test_parse_addr("192.0.2.1"), 9, 7, 100);
}

static void
send_data(kf_flow_decoder *d)
{
	test_buf	t;

	v9_header(&t, 1700000060, 7);
	v9_data_300(&t, 0x0a000001, 0x0a000002, 500, 6);
	kf_flow_decoder_packet(d, test_parse_addr("192.0.2.1"), t.b, t.len, 0);
}

static void
test_restart_keeps_templates(const char *dir)
{
	kf_flow_decoder *before = new_decoder();
	kf_error	err;
	size_t		restored,
				refused;

	send_template(before);
	CHECK_INT_EQ("save: ok", kf_template_store_save(dir, kf_flow_decoder_templates(before), &err), 0);
	kf_flow_decoder_free(before);

	kf_flow_decoder *fresh = new_decoder();

	send_data(fresh);
	CHECK_INT_EQ("without restore: data before its template is dropped", flows.count, 0);
	kf_flow_decoder_free(fresh);

	kf_flow_decoder *after = new_decoder();

	CHECK_INT_EQ("load: ok", kf_template_store_load(dir, kf_flow_decoder_templates(after), &restored, &refused, &err), 0);
	CHECK_INT_EQ("load: one template restored", restored, 1);
	CHECK_INT_EQ("load: none refused", refused, 0);
	CHECK_INT_EQ("load: sampling restored",
				 kf_template_cache_sampling(kf_flow_decoder_templates(after), test_parse_addr("192.0.2.1"), 9, 7), 100);
	send_data(after);
	CHECK_INT_EQ("after restore: the flow is decoded", flows.count, 1);
	CHECK_STR_EQ("after restore: src", test_addr(flows.flows[0].src_addr), "10.0.0.1");
	CHECK_STR_EQ("after restore: dst", test_addr(flows.flows[0].dst_addr), "10.0.0.2");
	CHECK_INT_EQ("after restore: protocol", flows.flows[0].protocol, 6);
	CHECK_INT_EQ("after restore: bytes as exported (the sink scales them)", flows.flows[0].in_bytes, 500);
	CHECK_INT_EQ("after restore: the restored sampling rate", flows.flows[0].sample_rate, 100);
	kf_flow_decoder_free(after);
}

static void
test_generation(void)
{
	kf_flow_decoder *d = new_decoder();
	kf_template_cache *tc = kf_flow_decoder_templates(d);
	uint64_t	g0 = kf_template_cache_generation(tc);

	send_template(d);
	uint64_t	g1 = kf_template_cache_generation(tc);

	CHECK("generation: a new template moves it", g1 != g0);
	send_template(d);
	CHECK_INT_EQ("generation: the same template and rate again do not", kf_template_cache_generation(tc), g1);
	kf_template_cache_set_sampling(tc, test_parse_addr("192.0.2.1"), 9, 7, 200);
	CHECK("generation: a new sampling rate moves it", kf_template_cache_generation(tc) != g1);
	kf_flow_decoder_free(d);
}

/* Decodes a damaged copy of a good encoding; returns whether it was refused with want in the message. */
static bool
refused_with(const uint8_t *data, size_t len, const char *want)
{
	kf_template_cache *tc = kf_template_cache_new();
	kf_error	err = {{0}};
	size_t		restored,
				refused;
	int			rc = kf_template_store_decode(data, len, tc, &restored, &refused, &err);
	bool		ok = rc == -1 && strstr(err.msg, want) != NULL && kf_template_cache_count(tc) == 0;

	if (!ok)
		printf("# rc %d, message \"%s\"\n", rc, err.msg);
	kf_template_cache_free(tc);
	return ok;
}

static void
test_damaged_files(void)
{
	kf_flow_decoder *d = new_decoder();
	uint8_t    *good;
	size_t		len;
	kf_error	err;

	send_template(d);
	CHECK_INT_EQ("encode: ok", kf_template_store_encode(kf_flow_decoder_templates(d), &good, &len, &err), 0);
	kf_flow_decoder_free(d);
	uint8_t    *bad = malloc(len);

	memcpy(bad, good, len);
	bad[len / 2] ^= 0x40;
	CHECK("damaged: one flipped bit is refused by the checksum", refused_with(bad, len, "checksum"));
	CHECK("truncated: refused", refused_with(good, len - 7, "checksum"));
	CHECK("short: refused", refused_with(good, 10, "not a kflowd template file"));
	memcpy(bad, good, len);
	kf_put_u32(bad + 8, 3);
	CHECK("version 3: refused naming the versions read", refused_with(bad, len, "version 3 is not supported (this kflowd reads versions 1 to 2)"));
	/* a lying entry count with a valid checksum */
	memcpy(bad, good, len);
	kf_put_u32(bad + 12, 3);
	kf_put_u32(bad + len - 4, kf_crc32c(bad, len - 4));
	CHECK("entry count beyond the data: refused", refused_with(bad, len, "cut short"));
	free(bad);
	free(good);
}

static void
test_missing_file(const char *dir)
{
	kf_template_cache *tc = kf_template_cache_new();
	kf_error	err;
	size_t		restored = 9,
				refused = 9;
	char		sub[512];

	snprintf(sub, sizeof(sub), "%s/none", dir);
	CHECK_INT_EQ("missing file: not an error", kf_template_store_load(sub, tc, &restored, &refused, &err), 0);
	CHECK_INT_EQ("missing file: nothing restored", restored, 0);
	kf_template_cache_free(tc);
}

int
main(void)
{
	char		dir[] = "/tmp/kf_templates_XXXXXX";

	kf_log_set_quiet(true);
	if (!mkdtemp(dir))
		return 1;
	test_restart_keeps_templates(dir);
	test_generation();
	test_damaged_files();
	test_missing_file(dir);
	char		path[600];

	snprintf(path, sizeof(path), "%s/templates", dir);
	unlink(path);
	rmdir(dir);
	return unit_failures ? 1 : 0;
}
