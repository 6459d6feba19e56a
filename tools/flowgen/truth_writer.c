/*
 * truth_writer.c -- the truth file (see truth_writer.h).
 */
#include "tools/flowgen/truth_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tools/flowgen/spam_pattern.h"

static void
write_role(FILE *f, const traffic_model *m, spam_role role, const char *label)
{
	for (uint32_t i = 0; i < m->cfg->reflectors; i++)
	{
		uint32_t	a = spam_host_v4(m, role, i);

		fprintf(f, "%s %u.%u.%u.%u\n", label, a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	}
}

int
write_truth_file(const char *path, const traffic_model *m, uint64_t flows, uint64_t bytes, fg_error *err)
{
	FILE	   *f = fopen(path, "w");

	if (!f)
		return fg_error_set(err, "cannot create %s: %s", path, strerror(errno));
	write_role(f, m, SPAM_REFLECTOR, "reflector");
	write_role(f, m, SPAM_DECOY_SMTP_ONLY, "decoy_smtp_only");
	write_role(f, m, SPAM_DECOY_GRE_ONLY, "decoy_gre_only");
	fprintf(f, "flows %" PRIu64 "\nbytes %" PRIu64 "\n", flows, bytes);

	int			failed = ferror(f);

	if (fclose(f) != 0 || failed)
		return fg_error_set(err, "cannot write %s: %s", path, strerror(errno));
	return 0;
}
