/*
 * kfdump.c -- prints the rows of a kflowd store as CSV, like `nfdump -r` for nfcapd files.
 *
 *   kfdump DIR [--series full|fast] [--device ID] [--from EPOCH] [--to EPOCH]
 *
 * Output (stable; tests and scripts parse it): one header line, then one line per stored row in
 * store order (parts by device and time, rows in part order).  The first column is device_id, then
 * every column of store/store.h in column-number order under its catalog name (kf_column_describe),
 * so a column added to the store appears here without changing this file.  Integers are decimal;
 * addresses are text (a.b.c.d for IPv4-mapped, IPv6 otherwise, "::" when absent); strings are
 * quoted RFC 4180 style when they hold a comma, quote or line break.  --from / --to keep rows with
 * from <= ctimestamp <= to.  Only the public store API is used, so it reads exactly what the
 * engine reads.  Errors (missing directory, corrupt part) go to stderr and exit with status 1;
 * usage errors exit with status 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/addr_text.h"
#include "store/store.h"

#define USAGE \
	"usage: kfdump DIR [--series full|fast] [--device ID] [--from EPOCH] [--to EPOCH]\n" \
	"Prints every stored row of the kflowd store DIR as CSV with a header: device_id, then the\n" \
	"store's columns in column order (addresses as text, \"::\" = absent).  --series picks the\n" \
	"dataseries (default full); --device keeps one device; --from/--to keep rows with\n" \
	"FROM <= ctimestamp <= TO.  Exit status 0, 1 on a missing or corrupt store, 2 on bad usage.\n"

typedef struct dump_options
{
	const char *data_dir;
	kf_dataseries series;
	uint32_t	device_id;		/* 0 = every device */
	int64_t		from;
	int64_t		to;
} dump_options;

/* One column chunk of the block being printed, decoded into whichever array suits its kind. */
typedef struct column_values
{
	const kf_column_desc *desc;
	int64_t    *ints;
	kf_addr    *addrs;
	uint32_t   *codes;
	kf_dict		dict;
} column_values;

/* Parses a whole decimal integer in [lo, hi]; false on anything else. */
static bool
parse_int(const char *text, int64_t lo, int64_t hi, int64_t *out)
{
	char	   *end;

	errno = 0;
	long long	v = strtoll(text, &end, 10);

	if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (int64_t) v;
	return true;
}

static int
usage_error(const char *why)
{
	fprintf(stderr, "kfdump: %s\n%s", why, USAGE);
	return 2;
}

/* Fills opts from argv; returns 0, or the exit status to end with (help: 0 after printing). */
static int
parse_args(int argc, char **argv, dump_options *opts, bool *done)
{
	*done = false;
	*opts = (dump_options) {NULL, KF_DATASERIES_FULL, 0, INT64_MIN, INT64_MAX};
	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		int64_t		v;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
		{
			fputs(USAGE, stdout);
			*done = true;
			return 0;
		}
		if (a[0] != '-')
		{
			if (opts->data_dir)
				return usage_error("more than one DIR given");
			opts->data_dir = a;
			continue;
		}
		if (i + 1 >= argc)
			return usage_error("an option lacks its value");
		const char *value = argv[++i];

		if (strcmp(a, "--series") == 0)
		{
			if (strcmp(value, "full") == 0)
				opts->series = KF_DATASERIES_FULL;
			else if (strcmp(value, "fast") == 0)
				opts->series = KF_DATASERIES_FAST;
			else
				return usage_error("--series takes full or fast");
		}
		else if (strcmp(a, "--device") == 0)
		{
			if (!parse_int(value, 1, UINT32_MAX, &v))
				return usage_error("--device takes a device id from 1 to 4294967295");
			opts->device_id = (uint32_t) v;
		}
		else if (strcmp(a, "--from") == 0)
		{
			if (!parse_int(value, INT64_MIN, INT64_MAX, &opts->from))
				return usage_error("--from takes epoch seconds");
		}
		else if (strcmp(a, "--to") == 0)
		{
			if (!parse_int(value, INT64_MIN, INT64_MAX, &opts->to))
				return usage_error("--to takes epoch seconds");
		}
		else
			return usage_error("unknown option");
	}
	if (!opts->data_dir)
		return usage_error("DIR is missing");
	return 0;
}

/* Writes a string as one CSV field, quoted only when it has to be. */
static void
print_csv_string(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL)
	{
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++)
	{
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
print_header(void)
{
	fputs("device_id", stdout);
	for (int c = 0; c < KF_NUM_COLUMNS; c++)
		printf(",%s", kf_column_describe((kf_column_id) c)->name);
	putchar('\n');
}

/* Reads every column of one block into cols (arrays sized for the block). */
static int
read_block(kf_part_reader *r, uint32_t block, column_values *cols, kf_error *err)
{
	for (int c = 0; c < KF_NUM_COLUMNS; c++)
	{
		column_values *v = &cols[c];
		kf_column_id id = (kf_column_id) c;
		int			rc;

		switch (v->desc->kind)
		{
			case KF_KIND_INT:
				rc = kf_part_read_int(r, block, id, v->ints, err);
				break;
			case KF_KIND_ADDR:
				rc = kf_part_read_addr(r, block, id, v->addrs, err);
				break;
			default:
				rc = kf_part_read_dict(r, block, id, v->codes, &v->dict, err);
				if (rc == 0)
				{
					for (uint32_t i = 0; i < kf_part_block_rows(r, block); i++)
						if (v->codes[i] >= v->dict.count)
							return kf_error_set(err, "%s: block %u: column %s has dictionary code %u of %u",
												kf_part_path(r), block, v->desc->name, v->codes[i],
												v->dict.count);
				}
				break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void
print_row(uint32_t device_id, const column_values *cols, uint32_t row)
{
	char		text[KF_ADDR_TEXT_MAX];

	printf("%" PRIu32, device_id);
	for (int c = 0; c < KF_NUM_COLUMNS; c++)
	{
		const column_values *v = &cols[c];

		putchar(',');
		switch (v->desc->kind)
		{
			case KF_KIND_INT:
				printf("%" PRId64, v->ints[row]);
				break;
			case KF_KIND_ADDR:
				fputs(kf_addr_format(v->addrs[row], text, sizeof(text)), stdout);
				break;
			default:
				print_csv_string(v->dict.strings[v->codes[row]]);
				break;
		}
	}
	putchar('\n');
}

static void
free_columns(column_values *cols)
{
	for (int c = 0; c < KF_NUM_COLUMNS; c++)
	{
		free(cols[c].ints);
		free(cols[c].addrs);
		free(cols[c].codes);
	}
}

/* Prints the rows of one part inside the time range. */
static int
dump_part(const char *path, const dump_options *opts, kf_error *err)
{
	kf_part_reader *r = kf_part_open(path, err);

	if (!r)
		return -1;
	column_values cols[KF_NUM_COLUMNS];
	int			rc = 0;

	memset(cols, 0, sizeof(cols));
	for (int c = 0; c < KF_NUM_COLUMNS; c++)
	{
		cols[c].desc = kf_column_describe((kf_column_id) c);
		switch (cols[c].desc->kind)
		{
			case KF_KIND_INT:
				cols[c].ints = malloc(KF_BLOCK_MAX_ROWS * sizeof(int64_t));
				rc |= cols[c].ints ? 0 : -1;
				break;
			case KF_KIND_ADDR:
				cols[c].addrs = malloc(KF_BLOCK_MAX_ROWS * sizeof(kf_addr));
				rc |= cols[c].addrs ? 0 : -1;
				break;
			default:
				cols[c].codes = malloc(KF_BLOCK_MAX_ROWS * sizeof(uint32_t));
				rc |= cols[c].codes ? 0 : -1;
				break;
		}
	}
	if (rc < 0)
		kf_error_set(err, "out of memory reading %s", path);
	for (uint32_t b = 0; rc == 0 && b < kf_part_num_blocks(r); b++)
	{
		uint32_t	rows = kf_part_block_rows(r, b);

		if (rows > KF_BLOCK_MAX_ROWS)
		{
			rc = kf_error_set(err, "%s: block %u claims %u rows", path, b, rows);
			break;
		}
		if (read_block(r, b, cols, err) < 0)
		{
			rc = -1;
			break;
		}
		for (uint32_t i = 0; i < rows; i++)
		{
			int64_t		ts = cols[KF_COL_CTIMESTAMP].ints[i];

			if (ts >= opts->from && ts <= opts->to)
				print_row(kf_part_device_id(r), cols, i);
		}
	}
	free_columns(cols);
	kf_part_close(r);
	return rc;
}

int
main(int argc, char **argv)
{
	dump_options opts;
	bool		done;
	int			status = parse_args(argc, argv, &opts, &done);

	if (status != 0 || done)
		return status;

	/* The listing treats a missing tree as empty; a store that is not there at all is an error. */
	struct stat st;

	if (stat(opts.data_dir, &st) != 0)
	{
		fprintf(stderr, "kfdump: %s: %s\n", opts.data_dir, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
	{
		fprintf(stderr, "kfdump: %s: not a directory\n", opts.data_dir);
		return 1;
	}
	kf_error	err = {{0}};
	kf_part_list parts;

	if (kf_parts_list_series(opts.data_dir, opts.series, opts.device_id, opts.from, opts.to, &parts, &err) < 0)
	{
		fprintf(stderr, "kfdump: %s\n", err.msg);
		return 1;
	}
	print_header();
	for (size_t i = 0; i < parts.count && status == 0; i++)
	{
		if (dump_part(parts.parts[i].path, &opts, &err) < 0)
		{
			fflush(stdout);
			fprintf(stderr, "kfdump: %s\n", err.msg);
			status = 1;
		}
	}
	kf_part_list_free(&parts);
	if (fflush(stdout) != 0 || ferror(stdout))
	{
		fprintf(stderr, "kfdump: writing the output failed: %s\n", strerror(errno));
		status = 1;
	}
	return status;
}
