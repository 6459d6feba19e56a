/*
 * test_flowgen.c -- the traffic generator's determinism and fixture, checked with the flowgen
 * binary built next to this test (BUILD/flowgen; in the sanitizer build it runs under ASan/UBSan).
 *
 * flowgen is a separate program, so this test runs it: same arguments must give identical bytes,
 * the CSV must not depend on which other outputs are requested, the truth must match the CSV,
 * bad arguments must be refused, and the command in tests/data/fixture/README.md must reproduce
 * the checked-in fixture bit for bit (the regress expected output depends on it).  The tshark
 * decoding checks live in tests/e2e/check_flowgen_vs_tshark.sh.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/unit.h"

#define SMALL_RUN "--flows 20000 --seed 5 --end 1700000000 --span 600 --proto mixed --ipv6-share 4 " \
	"--sample-rate-device4 10 --quiet"

/* The stored schema's column order, as the brief for flowgen fixes it. */
#define CSV_HEADER "ctimestamp,i_device_id,i_device_name,inet_src_addr,inet_dst_addr,l4_src_port,l4_dst_port," \
	"protocol,tcp_flags,tos,in_bytes,in_pkts,out_bytes,out_pkts,input_port,output_port,src_as,dst_as," \
	"ipv4_next_hop,vlan_in,vlan_out,sample_rate,src_flow_tags,dst_flow_tags\n"

static char flowgen[1100];
static char repo[1024];
static char tmpdir[] = "/tmp/test_flowgen.XXXXXX";

/* Finds BUILD/flowgen from this program's path (BUILD/tests/test_flowgen), and the repository:
 * the current directory when it is one (the test runner runs from there), else BUILD/.. . */
static bool
locate_paths(void)
{
	char		self[1024];		/* short enough that the paths below always fit */
	ssize_t		n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return false;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';	/* BUILD/tests */
	*strrchr(self, '/') = '\0';	/* BUILD */
	snprintf(flowgen, sizeof(flowgen), "%s/flowgen", self);
	*strrchr(self, '/') = '\0';	/* the repository, if BUILD is inside it */
	snprintf(repo, sizeof(repo), "%s", self);
	if (access("tests/data/fixture/README.md", R_OK) == 0 && getcwd(self, sizeof(self)))
		snprintf(repo, sizeof(repo), "%s", self);
	return access(flowgen, X_OK) == 0;
}

/* Runs flowgen with args (a shell word list, paths relative to the temp dir); returns its exit status. */
static int
run_flowgen(const char *args)
{
	char		command[8192];

	snprintf(command, sizeof(command), "cd '%s' && '%s' %s 2>/dev/null", tmpdir, flowgen, args);

	int			status = system(command);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Reads a whole file (malloc'd, NUL-terminated); NULL if unreadable. */
static char *
slurp(const char *dir, const char *name, size_t *length)
{
	char		path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);

	FILE	   *f = fopen(path, "rb");

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);

	long		size = ftell(f);
	char	   *data = malloc((size_t) size + 1);

	rewind(f);
	if (data && fread(data, 1, (size_t) size, f) != (size_t) size)
	{
		free(data);
		data = NULL;
	}
	fclose(f);
	if (data)
		data[size] = '\0';
	if (data && length)
		*length = (size_t) size;
	return data;
}

/* Whether two files have identical, non-empty contents. */
static bool
same_bytes(const char *dir_a, const char *a, const char *dir_b, const char *b)
{
	size_t		la = 0,
				lb = 0;
	char	   *x = slurp(dir_a, a, &la);
	char	   *y = slurp(dir_b, b, &lb);
	bool		same = x && y && la > 0 && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

static int
count_char(const char *s, char c)
{
	int			n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static int
count_prefix_lines(const char *s, const char *prefix)
{
	int			n = 0;
	size_t		len = strlen(prefix);

	for (const char *line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		n += strncmp(line, prefix, len) == 0;
	return n;
}

static void
test_determinism(void)
{
	CHECK_INT_EQ("flowgen_run_a", run_flowgen(SMALL_RUN " --pcap a.pcap --csv a.csv --truth a.truth"), 0);
	CHECK_INT_EQ("flowgen_run_b", run_flowgen(SMALL_RUN " --pcap b.pcap --csv b.csv --truth b.truth"), 0);
	CHECK_INT_EQ("flowgen_run_csv_only", run_flowgen(SMALL_RUN " --csv c.csv"), 0);
	CHECK_INT_EQ("flowgen_run_other_seed", run_flowgen(SMALL_RUN " --seed 6 --csv d.csv"), 0);
	CHECK("flowgen_same_args_same_pcap", same_bytes(tmpdir, "a.pcap", tmpdir, "b.pcap"));
	CHECK("flowgen_same_args_same_csv", same_bytes(tmpdir, "a.csv", tmpdir, "b.csv"));
	CHECK("flowgen_same_args_same_truth", same_bytes(tmpdir, "a.truth", tmpdir, "b.truth"));
	CHECK("flowgen_csv_independent_of_outputs", same_bytes(tmpdir, "a.csv", tmpdir, "c.csv"));
	CHECK("flowgen_seed_changes_flows", !same_bytes(tmpdir, "a.csv", tmpdir, "d.csv"));
}

static void
test_truth_matches_csv(void)
{
	char	   *csv = slurp(tmpdir, "a.csv", NULL);
	char	   *truth = slurp(tmpdir, "a.truth", NULL);

	CHECK("flowgen_outputs_readable", csv && truth);
	if (csv && truth)
	{
		CHECK_INT_EQ("flowgen_csv_rows", count_char(csv, '\n') - 1, 20000);
		CHECK("flowgen_truth_flows", strstr(truth, "\nflows 20000\n") != NULL);
		CHECK_INT_EQ("flowgen_truth_reflectors", count_prefix_lines(truth, "reflector "), 3);
		CHECK_INT_EQ("flowgen_truth_smtp_decoys", count_prefix_lines(truth, "decoy_smtp_only "), 3);
		CHECK_INT_EQ("flowgen_truth_gre_decoys", count_prefix_lines(truth, "decoy_gre_only "), 3);
		CHECK("flowgen_csv_header", strncmp(csv, CSV_HEADER, strlen(CSV_HEADER)) == 0);
		CHECK("flowgen_csv_quotes_tag_lists", strstr(csv, ",\"DC_EAST,MYNETWORK\"") != NULL);
		CHECK("flowgen_csv_has_sampled_device", strstr(csv, ",edge-router-4,") && strstr(csv, ",10,MYNETWORK,"));
	}
	free(csv);
	free(truth);
}

static void
test_bad_arguments(void)
{
	CHECK_INT_EQ("flowgen_rejects_bad_proto", run_flowgen("--proto 7"), 2);
	CHECK_INT_EQ("flowgen_rejects_unknown_option", run_flowgen("--flow 10"), 2);
	CHECK_INT_EQ("flowgen_rejects_missing_value", run_flowgen("--flows"), 2);
	CHECK_INT_EQ("flowgen_rejects_huge_rate", run_flowgen("--sample-rate-device4 20000"), 2);
	CHECK_INT_EQ("flowgen_rejects_too_few_flows", run_flowgen("--flows 100 --reflectors 50 --quiet"), 1);
	CHECK_INT_EQ("flowgen_refuses_remote_send", run_flowgen("--flows 10 --send 192.0.2.1:2055 --quiet"), 1);
	CHECK_INT_EQ("flowgen_reports_unwritable_csv", run_flowgen("--flows 10 --csv /nonexistent/x.csv --quiet"), 1);
}

/* The README's indented "build/flowgen ..." line, with the fixture directory replaced by "fix.". */
static bool
fixture_arguments(char *out, size_t size)
{
	char		dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/tests/data/fixture", repo);

	char	   *readme = slurp(dir, "README.md", NULL);
	char	   *line = readme ? strstr(readme, "\n    build/flowgen ") : NULL;
	size_t		used = 0;

	if (!line)
	{
		free(readme);
		return false;
	}
	line += strlen("\n    build/flowgen ");
	for (; *line && *line != '\n' && used + 5 < size; line++)
	{
		if (strncmp(line, "tests/data/fixture/", 19) == 0)
		{
			memcpy(out + used, "fix.", 4);
			used += 4;
			line += 18;
			continue;
		}
		out[used++] = *line;
	}
	out[used] = '\0';
	free(readme);
	return true;
}

static void
test_fixture_reproducible(void)
{
	char		args[2048];
	char		fixture_dir[PATH_MAX];

	snprintf(fixture_dir, sizeof(fixture_dir), "%s/tests/data/fixture", repo);
	CHECK("flowgen_fixture_command_in_readme", fixture_arguments(args, sizeof(args) - 16));
	strcat(args, " --quiet");
	CHECK_INT_EQ("flowgen_fixture_runs", run_flowgen(args), 0);
	CHECK("flowgen_fixture_pcap_reproduced", same_bytes(fixture_dir, "flows.pcap", tmpdir, "fix.flows.pcap"));
	CHECK("flowgen_fixture_tags_reproduced", same_bytes(fixture_dir, "tags", tmpdir, "fix.tags"));
	CHECK("flowgen_fixture_devices_reproduced", same_bytes(fixture_dir, "devices", tmpdir, "fix.devices"));
}

int
main(void)
{
	char		cleanup[PATH_MAX + 16];

	CHECK("flowgen_binary_found", locate_paths());
	CHECK("flowgen_temp_dir", mkdtemp(tmpdir) != NULL);
	test_determinism();
	test_truth_matches_csv();
	test_bad_arguments();
	test_fixture_reproducible();
	snprintf(cleanup, sizeof(cleanup), "rm -rf '%s'", tmpdir);
	CHECK_INT_EQ("flowgen_temp_dir_removed", system(cleanup), 0);
	UNIT_EXIT();
}
