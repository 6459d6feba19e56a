/*
 * stats_command.c -- `kflowd --stats ADDRESS:PORT` (stats_command.h): an HTTP GET of the metrics
 * endpoint, a parse of the Prometheus text into per-exporter and global counters, and the summary.
 */
#include "collector/stats_command.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "collector/socket_address.h"

/* An answer larger than this is not a kflowd's (1024 exporters take well under 1 MB). */
#define ANSWER_MAX (16u * 1024 * 1024)
#define LABEL_MAX 96
#define MAX_LISTENERS 64

/* The per-exporter columns, in print order. */
static const struct
{
	const char *metric;
	const char *heading;
}			exporter_columns[] = {
	{"kflowd_packets_total", "packets"},
	{"kflowd_flows_total", "flows"},
	{"kflowd_rejected_packets_total", "rejected"},
	{"kflowd_decode_errors_total", "decode-errors"},
	{"kflowd_no_template_drops_total", "no-template"},
	{"kflowd_clock_skewed_packets_total", "clock-skewed"},
};

#define NCOLUMNS (sizeof(exporter_columns) / sizeof(exporter_columns[0]))
#define FLOWS_COLUMN 1

typedef struct exporter_row
{
	char		name[LABEL_MAX];
	double		values[NCOLUMNS];
} exporter_row;

typedef struct listener_row
{
	char		name[LABEL_MAX];
	double		drops;
} listener_row;

/* What the summary needs from the metrics text; absent globals stay NAN. */
typedef struct stats_summary
{
	exporter_row *exporters;
	size_t		nexporters;
	listener_row listeners[MAX_LISTENERS];
	size_t		nlisteners;
	double		flows_stored,
				flows_dropped,
				flushes,
				flush_errors,
				templates,
				samplers,
				interface_names,
				unknown_sampler_flows,
				queue_drops,
				start_time;
	bool		any;			/* at least one kflowd_ metric was seen */
} stats_summary;

/* Applies SO_SNDTIMEO and SO_RCVTIMEO (connect honours the first on Linux). */
static int
set_timeouts(int fd, int timeout_ms)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};

	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0 &&
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 ? 0 : -1;
}

/* Reads until the server closes; *answer malloc'd and NUL-terminated. */
static int
read_answer(int fd, const char *address, char **answer, size_t *len, kf_error *err)
{
	size_t		cap = 65536,
				used = 0;
	char	   *buf = malloc(cap + 1);

	if (buf == NULL)
		return kf_error_set(err, "%s: out of memory", address);
	for (;;)
	{
		if (used == cap)
		{
			char	   *grown = cap * 2 > ANSWER_MAX ? NULL : realloc(buf, cap * 2 + 1);

			if (grown == NULL)
			{
				free(buf);
				return kf_error_set(err, "%s: the answer is larger than %u bytes", address, ANSWER_MAX);
			}
			buf = grown;
			cap *= 2;
		}

		ssize_t		n = recv(fd, buf + used, cap - used, 0);

		if (n == 0)
			break;
		if (n < 0)
		{
			int			e = errno;

			free(buf);
			return kf_error_set(err, "%s: %s", address, e == EAGAIN || e == EWOULDBLOCK ?
								"no answer in time (is it a kflowd --metrics endpoint?)" : strerror(e));
		}
		used += (size_t) n;
	}
	buf[used] = '\0';
	*answer = buf;
	*len = used;
	return 0;
}

/* Checks the status line and Content-Length; moves the body to the start of the buffer. */
static int
take_body(char *answer, size_t len, const char *address, size_t *body_len, kf_error *err)
{
	char	   *end = strstr(answer, "\r\n\r\n");
	const char *length = strstr(answer, "Content-Length: ");

	if (strncmp(answer, "HTTP/1.", 7) != 0 || end == NULL)
		return kf_error_set(err, "%s: not an HTTP answer", address);
	if (strncmp(answer + 8, " 200", 4) != 0)
		return kf_error_set(err, "%s: the endpoint answered \"%.*s\"", address,
							(int) strcspn(answer, "\r\n"), answer);

	char	   *body = end + 4;

	*body_len = len - (size_t) (body - answer);
	if (length != NULL && length < end && strtoull(length + 16, NULL, 10) != *body_len)
		return kf_error_set(err, "%s: the answer was cut short (%zu of %llu bytes)", address, *body_len,
							strtoull(length + 16, NULL, 10));
	memmove(answer, body, *body_len + 1);
	return 0;
}

int
kf_stats_fetch(const char *address, int timeout_ms, char **body, size_t *len, kf_error *err)
{
	struct sockaddr_storage ss;
	socklen_t	sslen;
	static const char request[] = "GET /metrics HTTP/1.0\r\nHost: kflowd\r\n\r\n";

	if (kf_parse_socket_address(address, "stats", &ss, &sslen, err) != 0)
		return -1;

	int			fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int			rc = 0;

	if (fd < 0)
		return kf_error_set(err, "%s: cannot create a socket: %s", address, strerror(errno));
	if (set_timeouts(fd, timeout_ms) != 0 || connect(fd, (struct sockaddr *) &ss, sslen) != 0)
		rc = kf_error_set(err, "%s: cannot connect: %s (is kflowd running with --metrics %s?)", address,
						  strerror(errno), address);
	else if (send(fd, request, sizeof(request) - 1, MSG_NOSIGNAL) != (ssize_t) (sizeof(request) - 1))
		rc = kf_error_set(err, "%s: cannot send the request: %s", address, strerror(errno));
	else if ((rc = read_answer(fd, address, body, len, err)) == 0 &&
			 (rc = take_body(*body, *len, address, len, err)) != 0)
		free(*body);
	close(fd);
	return rc;
}

/* The exporter row named name, added when new; NULL when memory runs out. */
static exporter_row *
exporter_named(stats_summary *s, const char *name)
{
	for (size_t i = 0; i < s->nexporters; i++)
		if (strcmp(s->exporters[i].name, name) == 0)
			return &s->exporters[i];
	if (s->nexporters % 64 == 0)
	{
		exporter_row *grown = realloc(s->exporters, (s->nexporters + 64) * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		s->exporters = grown;
	}

	exporter_row *row = &s->exporters[s->nexporters++];

	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", name);
	return row;
}

/*
 * Splits one sample line "name{label="value"} number" (labels optional) into its parts; false
 * for anything else.  Only the first label's value is kept: kflowd's metrics have one at most.
 */
static bool
parse_sample(const char *line, char *name, size_t name_size, char *label, size_t label_size, double *value)
{
	size_t		n = strcspn(line, "{ ");
	const char *rest = line + n;
	char	   *end;

	if (n == 0 || n >= name_size)
		return false;
	memcpy(name, line, n);
	name[n] = '\0';
	label[0] = '\0';
	if (*rest == '{')
	{
		const char *open = strchr(rest, '"');
		const char *close = open ? strchr(open + 1, '"') : NULL;

		if (close == NULL || (size_t) (close - open - 1) >= label_size || (rest = strchr(close, '}')) == NULL)
			return false;
		memcpy(label, open + 1, (size_t) (close - open - 1));
		label[close - open - 1] = '\0';
		rest++;
	}
	*value = strtod(rest, &end);
	return end != rest;
}

/* Files one sample into the summary. */
static int
add_sample(stats_summary *s, const char *name, const char *label, double value)
{
	struct
	{
		const char *metric;
		double	   *into;
	}			globals[] = {
		{"kflowd_flows_stored_total", &s->flows_stored},
		{"kflowd_flows_dropped_total", &s->flows_dropped},
		{"kflowd_store_flushes_total", &s->flushes},
		{"kflowd_store_flush_errors_total", &s->flush_errors},
		{"kflowd_templates_cached", &s->templates},
		{"kflowd_samplers_cached", &s->samplers},
		{"kflowd_interface_names_cached", &s->interface_names},
		{"kflowd_unknown_sampler_flows_total", &s->unknown_sampler_flows},
		{"kflowd_receive_queue_drops_total", &s->queue_drops},
		{"kflowd_start_time_seconds", &s->start_time},
	};

	if (strncmp(name, "kflowd_", 7) != 0)
		return 0;
	s->any = true;
	for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++)
		if (strcmp(name, globals[i].metric) == 0)
		{
			*globals[i].into = value;
			return 0;
		}
	if (strcmp(name, "kflowd_socket_kernel_drops_total") == 0 && s->nlisteners < MAX_LISTENERS)
	{
		snprintf(s->listeners[s->nlisteners].name, LABEL_MAX, "%s", label);
		s->listeners[s->nlisteners++].drops = value;
		return 0;
	}
	for (size_t c = 0; c < NCOLUMNS; c++)
		if (strcmp(name, exporter_columns[c].metric) == 0)
		{
			exporter_row *row = exporter_named(s, label);

			if (row == NULL)
				return -1;
			row->values[c] = value;
		}
	return 0;
}

/* Most flows first; ties by name, so the output is stable. */
static int
compare_exporters(const void *a, const void *b)
{
	const exporter_row *x = a,
			   *y = b;

	if (x->values[FLOWS_COLUMN] != y->values[FLOWS_COLUMN])
		return x->values[FLOWS_COLUMN] > y->values[FLOWS_COLUMN] ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void
print_row(FILE *out, const char *name, const double *values)
{
	fprintf(out, "%-40s", name);
	for (size_t c = 0; c < NCOLUMNS; c++)
		fprintf(out, " %*.0f", (int) strlen(exporter_columns[c].heading) > 10 ?
				(int) strlen(exporter_columns[c].heading) : 10, values[c]);
	fputc('\n', out);
}

/* "3d04h", "2h13m", "5m07s" */
static void
format_uptime(double seconds, char *buf, size_t size)
{
	long long	s = seconds > 0 ? (long long) seconds : 0;

	if (s >= 86400)
		snprintf(buf, size, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
}

/* Prints a global that may be absent (an older kflowd) as "-". */
static void
print_count(FILE *out, const char *what, double value)
{
	if (isnan(value))
		fprintf(out, "- %s", what);
	else
		fprintf(out, "%.0f %s", value, what);
}

int
kf_stats_print(const char *metrics, double now, FILE *out, kf_error *err)
{
	stats_summary s;
	int			rc = 0;

	memset(&s, 0, sizeof(s));
	s.flows_stored = s.flows_dropped = s.flushes = s.flush_errors = s.templates = s.samplers =
		s.interface_names = s.unknown_sampler_flows = s.queue_drops = s.start_time = NAN;
	for (const char *line = metrics; rc == 0 && *line != '\0';)
	{
		size_t		len = strcspn(line, "\n");
		char		text[512],
					name[128],
					label[LABEL_MAX];
		double		value;

		if (line[0] != '#' && len < sizeof(text))
		{
			memcpy(text, line, len);
			text[len] = '\0';
			if (parse_sample(text, name, sizeof(name), label, sizeof(label), &value) &&
				add_sample(&s, name, label, value) != 0)
				rc = kf_error_set(err, "out of memory reading the metrics");
		}
		line += len + (line[len] == '\n');
	}
	if (rc == 0 && !s.any)
		rc = kf_error_set(err, "the answer holds no kflowd metrics (is it a kflowd --metrics endpoint?)");
	if (rc != 0)
	{
		free(s.exporters);
		return -1;
	}

	char		uptime[32];
	double		totals[NCOLUMNS] = {0};

	format_uptime(isnan(s.start_time) ? 0 : now - s.start_time, uptime, sizeof(uptime));
	fprintf(out, "kflowd up %s; ", uptime);
	print_count(out, "templates, ", s.templates);
	print_count(out, "samplers, ", s.samplers);
	print_count(out, "interface names cached\n", s.interface_names);
	if (s.nexporters > 1)
		qsort(s.exporters, s.nexporters, sizeof(s.exporters[0]), compare_exporters);
	fprintf(out, "%-40s", "exporter");
	for (size_t c = 0; c < NCOLUMNS; c++)
		fprintf(out, " %10s", exporter_columns[c].heading);
	fputc('\n', out);
	for (size_t i = 0; i < s.nexporters; i++)
	{
		print_row(out, s.exporters[i].name, s.exporters[i].values);
		for (size_t c = 0; c < NCOLUMNS; c++)
			totals[c] += s.exporters[i].values[c];
	}
	print_row(out, "all exporters", totals);
	fputs("store: ", out);
	print_count(out, "flows stored, ", s.flows_stored);
	print_count(out, "dropped, ", s.flows_dropped);
	print_count(out, "flushes, ", s.flushes);
	print_count(out, "flush errors; ", s.flush_errors);
	print_count(out, "flows with an unannounced sampler\n", s.unknown_sampler_flows);
	for (size_t i = 0; i < s.nlisteners; i++)
		fprintf(out, "kernel drops on %s: %.0f\n", s.listeners[i].name, s.listeners[i].drops);
	fputs("receive queue: ", out);
	print_count(out, "datagrams dropped (decoding fell behind)\n", s.queue_drops);
	free(s.exporters);
	return 0;
}
