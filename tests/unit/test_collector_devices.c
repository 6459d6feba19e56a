/*
 * test_collector_devices.c -- the device registry: --devices file parsing and its errors, applying
 * the file over DIR/devices, automatic ids for unlisted exporters, and ids that stay stable across
 * restarts (DIR/devices is re-read).
 */
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/collector_log.h"
#include "collector/device_registry.h"

static void
check_parse_error(const char *text, const char *want)
{
	kf_device_list list;
	kf_error	err;
	int			rc = kf_devices_file_parse(text, "devices.txt", &list, &err);

	CHECK_STR_EQ(want, rc == 0 ? "(parsed)" : err.msg, want);
	if (rc == 0)
		kf_device_list_free(&list);
}

static void
test_parse(void)
{
	kf_device_list list;
	kf_error	err;
	int			rc = kf_devices_file_parse("# routers\n7 edge-7 192.0.2.7 100\n\n3 core 2001:db8::3 # v6\n",
										   "devices.txt", &list, &err);

	CHECK_INT_EQ("devices file parses", rc, 0);
	CHECK_INT_EQ("two devices", list.count, 2);
	if (rc == 0 && list.count == 2)
	{
		CHECK_INT_EQ("sorted by id", list.devices[0].id, 3);
		CHECK_STR_EQ("name", list.devices[0].name, "core");
		CHECK_STR_EQ("v6 exporter", test_addr(list.devices[0].exporter), "2001:db8::3");
		CHECK_INT_EQ("no rate: as exported", list.devices[0].sample_rate, 0);
		CHECK_INT_EQ("rate", list.devices[1].sample_rate, 100);
		CHECK_STR_EQ("v4 exporter", test_addr(list.devices[1].exporter), "192.0.2.7");
		kf_device_list_free(&list);
	}
	check_parse_error("1 a\n", "devices.txt:1: expected \"ID NAME EXPORTER_ADDRESS [SAMPLE_RATE]\"");
	check_parse_error("\n0 a 1.2.3.4\n", "devices.txt:2: device id \"0\" is not a number from 1 to 4294967295");
	check_parse_error("x a 1.2.3.4\n", "devices.txt:1: device id \"x\" is not a number from 1 to 4294967295");
	check_parse_error("1 a 1.2.3\n", "devices.txt:1: \"1.2.3\" is not an IPv4 or IPv6 address");
	check_parse_error("1 a 1.2.3.4 0\n", "devices.txt:1: sample rate \"0\" is not a number from 1 to 4294967295");
	check_parse_error("1 a 1.2.3.4 5 6\n", "devices.txt:1: expected \"ID NAME EXPORTER_ADDRESS [SAMPLE_RATE]\"");
	check_parse_error("1 a 1.2.3.4\n1 b 1.2.3.5\n", "devices.txt:2: device id 1 is listed twice");
	check_parse_error("1 a 1.2.3.4\n2 b 1.2.3.4\n", "devices.txt:2: exporter address of device 2 is already device 1's");
}

static void
write_file(const char *path, const char *text)
{
	FILE	   *f = fopen(path, "w");

	if (f)
	{
		fputs(text, f);
		fclose(f);
	}
}

static void
test_registry(void)
{
	char		dir[] = "/tmp/kf_test_devices.XXXXXX";

	if (!mkdtemp(dir))
	{
		CHECK("temp dir", false);
		return;
	}
	char		file[256];
	kf_error	err;
	kf_device	d;

	snprintf(file, sizeof(file), "%s/devices.txt", dir);
	write_file(file, "5 edge 192.0.2.5 10\n");

	kf_device_registry *reg = kf_device_registry_open(dir, file, &err);

	CHECK("registry opens", reg != NULL);
	if (!reg)
		return;
	CHECK("file device saved at once", !kf_device_registry_dirty(reg));
	CHECK_INT_EQ("listed exporter resolves", kf_device_registry_resolve(reg, test_parse_addr("192.0.2.5"), &d, &err), 0);
	CHECK_INT_EQ("listed id", d.id, 5);
	CHECK_INT_EQ("listed rate", d.sample_rate, 10);
	kf_device_registry_resolve(reg, test_parse_addr("198.51.100.1"), &d, &err);
	CHECK_INT_EQ("new exporter: next id after the highest", d.id, 6);
	CHECK_STR_EQ("new exporter: named after its address", d.name, "198.51.100.1");
	CHECK("new exporter saved", !kf_device_registry_dirty(reg));
	kf_device_registry_resolve(reg, test_parse_addr("2001:db8::1"), &d, &err);
	CHECK_INT_EQ("second new exporter", d.id, 7);
	kf_device_registry_free(reg);

	/* Restart without the file: ids come back from DIR/devices. */
	reg = kf_device_registry_open(dir, NULL, &err);
	kf_device_registry_resolve(reg, test_parse_addr("2001:db8::1"), &d, &err);
	CHECK_INT_EQ("restart: same id", d.id, 7);
	kf_device_registry_resolve(reg, test_parse_addr("192.0.2.5"), &d, &err);
	CHECK_INT_EQ("restart: file rate remembered", d.sample_rate, 10);
	CHECK_INT_EQ("restart: nothing added", kf_device_registry_list(reg)->count, 3);
	kf_device_registry_free(reg);

	/* The file now gives 198.51.100.1 to a new id 20: device 6 keeps its data but loses the address. */
	write_file(file, "20 renamed 198.51.100.1\n");
	reg = kf_device_registry_open(dir, file, &err);
	kf_device_registry_resolve(reg, test_parse_addr("198.51.100.1"), &d, &err);
	CHECK_INT_EQ("file takes over the address", d.id, 20);
	const kf_device *old = kf_device_list_find(kf_device_registry_list(reg), 6);

	CHECK("old device kept without address", old && kf_addr_is_absent(old->exporter));
	kf_device_registry_resolve(reg, test_parse_addr("203.0.113.1"), &d, &err);
	CHECK_INT_EQ("next id after the file's highest", d.id, 21);
	kf_device_registry_free(reg);

	write_file(file, "1 bad 1.2.3.4 x\n");
	reg = kf_device_registry_open(dir, file, &err);
	CHECK("bad file: error names file and line", !reg && strstr(err.msg, "devices.txt:1:") != NULL);

	char		cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT_EQ("cleanup", system(cmd), 0);
}

int
main(void)
{
	kf_log_set_quiet(true);
	test_parse();
	test_registry();
	UNIT_EXIT();
}
