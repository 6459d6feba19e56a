/*
 * csv_writer.c -- fast CSV formatting of generated flows (see csv_writer.h).
 *
 * Rows are formatted by hand into a large buffer instead of with fprintf: the benchmark writes
 * hundreds of millions of rows.  Column order is the stored schema's.
 */
#include "tools/flowgen/csv_writer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/flowgen/device_names.h"
#include "tools/flowgen/network_tags.h"

#define CSV_BUFFER (1 << 20)
#define CSV_MAX_ROW 600

static const char csv_header[] =
	"ctimestamp,i_device_id,i_device_name,inet_src_addr,inet_dst_addr,l4_src_port,l4_dst_port,protocol,"
	"tcp_flags,tos,in_bytes,in_pkts,out_bytes,out_pkts,input_port,output_port,src_as,dst_as,ipv4_next_hop,"
	"vlan_in,vlan_out,sample_rate,src_flow_tags,dst_flow_tags\n";

struct csv_writer
{
	FILE	   *file;
	char	   *path;
	char	   *buffer;
	size_t		used;
};

csv_writer *
csv_writer_open(const char *path, fg_error *err)
{
	csv_writer *w = calloc(1, sizeof(*w));

	if (!w || !(w->path = strdup(path)) || !(w->buffer = malloc(CSV_BUFFER)))
	{
		if (w)
			free(w->path);
		free(w);
		fg_error_set(err, "out of memory opening %s", path);
		return NULL;
	}
	w->file = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (!w->file)
	{
		fg_error_set(err, "cannot create %s: %s", path, strerror(errno));
		free(w->buffer);
		free(w->path);
		free(w);
		return NULL;
	}
	memcpy(w->buffer, csv_header, sizeof(csv_header) - 1);
	w->used = sizeof(csv_header) - 1;
	return w;
}

static const char two_digits[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static unsigned
decimal_length(uint64_t v)
{
	unsigned	n = 1;

	for (; v >= 100; v /= 100)
		n += 2;
	return n + (v >= 10);
}

/* Decimal digits of v, two at a time from the end: the CSV is mostly numbers. */
static char *
put_uint(char *p, uint64_t v)
{
	unsigned	n = decimal_length(v);
	char	   *end = p + n;

	while (v >= 100)
	{
		end -= 2;
		memcpy(end, two_digits + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(end - 2, two_digits + 2 * v, 2);
	else
		end[-1] = (char) ('0' + v);
	return p + n;
}

static char *
put_field_uint(char *p, uint64_t v)
{
	p = put_uint(p, v);
	*p++ = ',';
	return p;
}

static char *
put_v4(char *p, uint32_t a)
{
	for (int shift = 24; shift >= 0; shift -= 8)
	{
		p = put_uint(p, (a >> shift) & 0xff);
		*p++ = shift ? '.' : ',';
	}
	return p;
}

static char *
put_v6(char *p, const uint8_t a[16])
{
	char		text[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, text, sizeof(text));
	size_t		n = strlen(text);

	memcpy(p, text, n);
	p[n] = ',';
	return p + n + 1;
}

/* A tag list, quoted when it holds a comma; `last` ends the row instead of the field. */
static char *
put_tags(char *p, const char *tags, int last)
{
	size_t		n = strlen(tags);
	int			quote = strchr(tags, ',') != NULL;

	if (quote)
		*p++ = '"';
	memcpy(p, tags, n);
	p += n;
	if (quote)
		*p++ = '"';
	*p++ = last ? '\n' : ',';
	return p;
}

static char *
format_row(char *p, const gen_flow *f)
{
	uint64_t	rate = f->sample_rate;

	p = put_field_uint(p, (uint64_t) f->ctimestamp);
	p = put_field_uint(p, f->device_id);
	p = device_name_put(p, f->device_id);
	*p++ = ',';
	p = f->is_ipv6 ? put_v6(p, f->src_v6) : put_v4(p, f->src_v4);
	p = f->is_ipv6 ? put_v6(p, f->dst_v6) : put_v4(p, f->dst_v4);
	p = put_field_uint(p, f->src_port);
	p = put_field_uint(p, f->dst_port);
	p = put_field_uint(p, f->protocol);
	p = put_field_uint(p, f->tcp_flags);
	p = put_field_uint(p, f->tos);
	p = put_field_uint(p, f->in_bytes * rate);
	p = put_field_uint(p, f->in_pkts * rate);
	p = put_field_uint(p, f->out_bytes * rate);
	p = put_field_uint(p, f->out_pkts * rate);
	p = put_field_uint(p, f->input_port);
	p = put_field_uint(p, f->output_port);
	p = put_field_uint(p, f->src_as);
	p = put_field_uint(p, f->dst_as);
	if (f->is_ipv6)
		*p++ = ',';
	else
		p = put_v4(p, f->next_hop_v4);
	p = put_field_uint(p, f->vlan_in);
	p = put_field_uint(p, f->vlan_out);
	p = put_field_uint(p, rate);
	p = put_tags(p, f->is_ipv6 ? network_tags_for_v6(f->src_v6) : network_tags_for_v4(f->src_v4), 0);
	p = put_tags(p, f->is_ipv6 ? network_tags_for_v6(f->dst_v6) : network_tags_for_v4(f->dst_v4), 1);
	return p;
}

static int
drain(csv_writer *w, fg_error *err)
{
	if (w->used && fwrite(w->buffer, 1, w->used, w->file) != w->used)
		return fg_error_set(err, "cannot write %s: %s", w->path, strerror(errno));
	w->used = 0;
	return 0;
}

int
csv_writer_add(csv_writer *w, const gen_flow *f, fg_error *err)
{
	if (w->used + CSV_MAX_ROW > CSV_BUFFER && drain(w, err) < 0)
		return -1;
	w->used = (size_t) (format_row(w->buffer + w->used, f) - w->buffer);
	return 0;
}

int
csv_writer_close(csv_writer *w, fg_error *err)
{
	int			rc = drain(w, err);

	if (w->file == stdout)
	{
		if (fflush(stdout) != 0 && rc == 0)
			rc = fg_error_set(err, "cannot write the CSV to stdout: %s", strerror(errno));
	}
	else if (fclose(w->file) != 0 && rc == 0)
		rc = fg_error_set(err, "cannot write %s: %s", w->path, strerror(errno));
	free(w->buffer);
	free(w->path);
	free(w);
	return rc;
}
