/*
 * test_collector_stats.c -- `kflowd --stats`: the summary printed from the metrics text that
 * kflowd's endpoint renders (metrics_text.c), so a renamed metric breaks this test, plus texts
 * that are not kflowd's.
 */
#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/collector_log.h"
#include "collector/metrics_text.h"
#include "collector/stats_command.h"

static test_flows flows;

/* Prints the summary of text at now into a string (static buffer). */
static const char *
summary_of(const char *text, double now, int *rc)
{
	static char buf[4096];
	kf_error	err;
	FILE	   *out = fmemopen(buf, sizeof(buf), "w");

	*rc = kf_stats_print(text, now, out, &err);
	fclose(out);
	if (*rc != 0)
		snprintf(buf, sizeof(buf), "%s", err.msg);
	return buf;
}

static void
test_summary_of_rendered_metrics(void)
{
	kf_flow_decoder *d = kf_flow_decoder_new(test_flows_emit, &flows);
	kf_addr		a = test_parse_addr("192.0.2.1"),
				b = test_parse_addr("2001:db8::9");
	test_buf	t;

	/* a: template and two data packets, the second from a clock an hour ahead; b: one reject */
	v9_header(&t, 1700000000, 0);
	v9_template_300_src_first(&t);
	v9_data_300(&t, 0x0a000001, 0x0a000002, 500, 6);
	kf_flow_decoder_packet_at(d, a, t.b, t.len, 1700000000, 1700000000);
	v9_header(&t, 1700003600, 0);
	v9_data_300(&t, 0x0a000001, 0x0a000002, 500, 6);
	v9_data_300(&t, 0x0a000001, 0x0a000003, 700, 17);
	kf_flow_decoder_packet_at(d, a, t.b, t.len, 1700000000, 1700000000);
	kf_flow_decoder_packet_at(d, b, (const uint8_t *) "\x00\x07junk", 6, 1700000000, 1700000000);

	kf_sink_stats sink = {.flows_stored = 3, .flows_dropped = 1, .flushes = 2, .flush_errors = 0};
	kf_listener_drops drops[1] = {{"0.0.0.0:2055", 1, 7}};
	kf_metrics_source src = {
		.decoder = d, .sink = &sink, .queue_drops = 4,
		.templates_cached = kf_template_cache_count(kf_flow_decoder_templates(d)),
		.options = kf_template_cache_options_stats(kf_flow_decoder_templates(d)),
		.nlisteners = 1, .listeners = drops, .start_time = 1700000000,
	};
	size_t		len;
	char	   *text = kf_metrics_render(&src, &len);
	int			rc;
	const char *got = summary_of(text, 1700000000 + 3725, &rc);
	const char *want =
		"kflowd up 1h02m; 1 templates, 0 samplers, 0 interface names cached\n"
		"exporter                                    packets      flows   rejected decode-errors no-template clock-skewed\n"
		"192.0.2.1                                         2          3          0             0           0            1\n"
		"2001:db8::9                                       0          0          1             0           0            0\n"
		"all exporters                                     2          3          1             0           0            1\n"
		"store: 3 flows stored, 1 dropped, 2 flushes, 0 flush errors; 0 flows with an unannounced sampler\n"
		"kernel drops on 0.0.0.0:2055: 7\n"
		"receive queue: 4 datagrams dropped (decoding fell behind)\n";

	CHECK_INT_EQ("summary: printed", rc, 0);
	CHECK_STR_EQ("summary: exact text", got, want);
	free(text);
	kf_flow_decoder_free(d);
}

static void
test_other_texts(void)
{
	int			rc;
	const char *got;

	got = summary_of("# HELP up Something else.\nup 1\nnode_load1 0.5\n", 0, &rc);
	CHECK("not kflowd's metrics: refused", rc != 0 && strstr(got, "no kflowd metrics") != NULL);
	got = summary_of("", 0, &rc);
	CHECK("empty text: refused", rc != 0);
	/* an older kflowd without some metrics: what is missing prints as "-" */
	got = summary_of("kflowd_flows_total{exporter=\"10.0.0.1\"} 5\nkflowd_broken{exporter=\"x} 1\nkflowd_flows_stored_total 5\n",
					 100, &rc);
	CHECK("partial text: printed", rc == 0 && strstr(got, "- templates, - samplers") != NULL &&
		  strstr(got, "5 flows stored, - dropped") != NULL && strstr(got, "10.0.0.1 ") != NULL);
}

int
main(void)
{
	kf_log_set_quiet(true);
	test_summary_of_rendered_metrics();
	test_other_texts();
	UNIT_EXIT();
}
