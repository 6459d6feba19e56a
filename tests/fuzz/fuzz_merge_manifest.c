/*
 * fuzz_merge_manifest.c -- libFuzzer harness for merge manifests and the listing rule
 * (store/part_coverage.c, store/part_list.c).
 *
 * A fixed hour directory holds two flushed parts and one merged part; the input becomes the merged
 * part's manifest, and the directory is read both as the compactor does and as a scan lists it.
 * Whatever the manifest says, reading must either fail with a message or hide only parts that
 * exist in the directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/part_coverage.h"
#include "store/store.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char data_dir[64];
static char hour_dir[128];
static char manifest_path[256];

static void
touch(const char *name)
{
	char		path[256];

	snprintf(path, sizeof(path), "%s/%s", hour_dir, name);
	FILE	   *f = fopen(path, "w");

	if (f)
		fclose(f);
}

static void
setup(void)
{
	char		path[128];

	strcpy(data_dir, "/tmp/fuzz_manifest_XXXXXX");
	if (mkdtemp(data_dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/data", data_dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/data/dev-1", data_dir);
	mkdir(path, 0755);
	snprintf(hour_dir, sizeof(hour_dir), "%s/data/dev-1/3600", data_dir);
	mkdir(hour_dir, 0755);
	touch("p-3600-3700-aa.kfp");
	touch("p-3650-3800-bb.kfp");
	touch("m-3600-3800-cc.kfp");
	snprintf(manifest_path, sizeof(manifest_path), "%s/m-3600-3800-cc.kfm", hour_dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (hour_dir[0] == '\0')
		setup();

	FILE	   *f = fopen(manifest_path, "wb");

	if (f == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);

	kf_hour_state state;
	kf_error	err;

	if (kf_hour_state_read(hour_dir, true, &state, &err) == 0)
	{
		size_t		hidden = 0;

		for (size_t i = 0; i < state.count; i++)
			hidden += state.parts[i].hidden;
		if (state.count != 3 || hidden > 3)
			abort();
		kf_hour_state_free(&state);
	}

	kf_part_list list;

	if (kf_parts_list(data_dir, 0, 0, INT64_MAX, &list, &err) == 0)
	{
		if (list.count > 3)
			abort();
		kf_part_list_free(&list);
	}
	return 0;
}
