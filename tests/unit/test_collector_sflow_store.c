/*
 * test_collector_sflow_store.c -- sFlow end to end: runs the kflowd binary built beside this
 * test (BUILD/kflowd) in --read-pcap mode on sFlow captures into a temporary data directory and
 * reads the published rows back with the store's reader: one row per flow sample, counters
 * multiplied by the sample's sampling rate, the capture time as ctimestamp, and the devices file
 * mapping the UDP source address to the device.
 *
 * Expected values: TShark 4.0.17, `tshark -r tests/data/captures/FILE -V`.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "tests/unit/collector_test_util.h"

#include "collector/collector_log.h"

#define MAX_ROWS 1000

/* The integer and address columns of all rows of one device. */
typedef struct rows
{
	size_t		count;
	int64_t		ints[KF_NUM_COLUMNS][MAX_ROWS];
	kf_addr		addrs[KF_NUM_COLUMNS][MAX_ROWS];
} rows;

static char kflowd[1024];
static char dir[] = "/tmp/kf_test_sflow_store.XXXXXX";

static int
run(const char *args)
{
	char		cmd[4096];

	snprintf(cmd, sizeof(cmd), "%s --data-dir %s %s 2>>%s/kflowd.log", kflowd, dir, args, dir);
	return system(cmd);
}

static int
read_block(kf_part_reader *r, uint32_t b, rows *out, kf_error *err)
{
	for (int c = 0; c < KF_NUM_COLUMNS; c++)
	{
		kf_column_kind kind = kf_column_describe((kf_column_id) c)->kind;
		int			rc = 0;

		if (kind == KF_KIND_INT)
			rc = kf_part_read_int(r, b, (kf_column_id) c, out->ints[c] + out->count, err);
		else if (kind == KF_KIND_ADDR)
			rc = kf_part_read_addr(r, b, (kf_column_id) c, out->addrs[c] + out->count, err);
		if (rc < 0)
			return -1;
	}
	out->count += kf_part_block_rows(r, b);
	return 0;
}

/* Reads every row of device_id in data_dir; returns -1 (with a message printed) on any store error. */
static int
read_device(const char *data_dir, uint32_t device_id, rows *out)
{
	kf_part_list parts;
	kf_error	err;
	int			rc = 0;

	out->count = 0;
	if (kf_parts_list(data_dir, device_id, INT64_MIN, INT64_MAX, &parts, &err) < 0)
	{
		printf("# %s\n", err.msg);
		return -1;
	}
	for (size_t p = 0; p < parts.count && rc == 0; p++)
	{
		kf_part_reader *r = kf_part_open(parts.parts[p].path, &err);

		if (!r)
		{
			rc = -1;
			break;
		}
		for (uint32_t b = 0; b < kf_part_num_blocks(r) && rc == 0; b++)
			rc = out->count + kf_part_block_rows(r, b) > MAX_ROWS ? -1 : read_block(r, b, out, &err);
		kf_part_close(r);
	}
	if (rc < 0)
		printf("# reading device %u: %s\n", device_id, err.msg);
	kf_part_list_free(&parts);
	return rc;
}

static int64_t
column_sum(const rows *r, kf_column_id c)
{
	int64_t		sum = 0;

	for (size_t i = 0; i < r->count; i++)
		sum += r->ints[c][i];
	return sum;
}

static long
find_source(const rows *r, const char *src)
{
	kf_addr		s = test_parse_addr(src);

	for (size_t i = 0; i < r->count; i++)
		if (kf_addr_cmp(r->addrs[KF_COL_SRC_ADDR][i], s) == 0)
			return (long) i;
	return -1;
}

static void
write_devices(void)
{
	char		path[512];

	snprintf(path, sizeof(path), "%s/devices.txt", dir);
	FILE	   *f = fopen(path, "w");

	if (f)
	{
		fputs("7 pmacct-sfprobe 127.0.0.1\n8 sflow-lab 127.0.0.2\n", f);
		fclose(f);
	}
}

/* pmacct's sfprobe samples every packet (rate 1): rows equal tshark's samples one to one. */
static void
test_pmacct_unsampled(rows *r)
{
	char		args[1024];

	snprintf(args, sizeof(args), "--read-pcap " TEST_CAPTURES "pmacctd_sfprobe_head.pcap --devices %s/devices.txt", dir);
	CHECK_INT_EQ("pmacct: kflowd --read-pcap exits 0", run(args), 0);
	CHECK_INT_EQ("pmacct: device 7 readable", read_device(dir, 7, r), 0);
	/* tshark: 58 flow samples, rate 1, frame lengths summing to 26962, captured at 1795311869.3.. */
	CHECK_INT_EQ("pmacct: one row per flow sample", r->count, 58);
	CHECK_INT_EQ("pmacct: bytes", column_sum(r, KF_COL_IN_BYTES), 26962);
	CHECK_INT_EQ("pmacct: packets", column_sum(r, KF_COL_IN_PKTS), 58);
	CHECK_INT_EQ("pmacct: sample rate 1", column_sum(r, KF_COL_SAMPLE_RATE), 58);
	CHECK_INT_EQ("pmacct: ctimestamp is the capture time", column_sum(r, KF_COL_CTIMESTAMP), 58 * INT64_C(1795311869));
	/* frame 1 sample 4: 2001:db8::106:2879 -> 2001:db8:ff::13:80 TCP SYN, 632 bytes */
	long		i = find_source(r, "2001:db8::106");

	CHECK("pmacct: IPv6 row found", i >= 0);
	if (i >= 0)
	{
		CHECK_INT_EQ("pmacct: IPv6 row bytes", r->ints[KF_COL_IN_BYTES][i], 632);
		CHECK_INT_EQ("pmacct: IPv6 row dst port", r->ints[KF_COL_L4_DST_PORT][i], 80);
		CHECK_INT_EQ("pmacct: IPv6 row flags", r->ints[KF_COL_TCP_FLAGS][i], 0x02);
	}
}

/* goflow2's datagrams carry rates 2048 and 16383: the store holds the scaled counters. */
static void
test_goflow2_sampled(rows *r)
{
	char		args[1024];

	snprintf(args, sizeof(args), "--read-pcap " TEST_CAPTURES "goflow2_sflow.pcap --devices %s/devices.txt", dir);
	CHECK_INT_EQ("goflow2: kflowd --read-pcap exits 0", run(args), 0);
	CHECK_INT_EQ("goflow2: device 8 readable", read_device(dir, 8, r), 0);
	/* tshark: frame 1 one flow sample (82 bytes, rate 2048), frame 2 five expanded samples
	 * (1514, 1482, 1522, 1522, 1522 bytes, rate 16383), frames 3-5 discard samples only */
	CHECK_INT_EQ("goflow2: rows", r->count, 6);
	CHECK_INT_EQ("goflow2: packets = sum of rates", column_sum(r, KF_COL_IN_PKTS), 2048 + 5 * 16383);
	CHECK_INT_EQ("goflow2: bytes = sum of frame length times rate", column_sum(r, KF_COL_IN_BYTES),
				 82 * 2048 + (1514 + 1482 + 1522 + 1522 + 1522) * INT64_C(16383));
	/* frame 2, third expanded sample: 137.74.204.213 -> 89.187.169.85, input 1000104, output
	 * 1000100, switch VLAN 1337 / 1337, captured at 1500000001 */
	long		i = find_source(r, "137.74.204.213");

	CHECK("goflow2: row found", i >= 0);
	if (i >= 0)
	{
		CHECK_INT_EQ("goflow2: scaled bytes", r->ints[KF_COL_IN_BYTES][i], 1522 * 16383);
		CHECK_INT_EQ("goflow2: scaled packets", r->ints[KF_COL_IN_PKTS][i], 16383);
		CHECK_INT_EQ("goflow2: sample rate", r->ints[KF_COL_SAMPLE_RATE][i], 16383);
		CHECK_INT_EQ("goflow2: input port", r->ints[KF_COL_INPUT_PORT][i], 1000104);
		CHECK_INT_EQ("goflow2: output port", r->ints[KF_COL_OUTPUT_PORT][i], 1000100);
		CHECK_INT_EQ("goflow2: vlan in", r->ints[KF_COL_VLAN_IN][i], 1337);
		CHECK_INT_EQ("goflow2: ctimestamp", r->ints[KF_COL_CTIMESTAMP][i], 1500000001);
		CHECK_INT_EQ("goflow2: tos", r->ints[KF_COL_TOS][i], 0x18);
	}
	/* frame 1: ICMP echo request 172.16.32.254 -> 172.16.32.241, 802.1Q ID 32, rate 2048 */
	i = find_source(r, "172.16.32.254");
	CHECK("goflow2: ICMP row found", i >= 0);
	if (i >= 0)
	{
		CHECK_INT_EQ("goflow2: ICMP type 8 code 0", r->ints[KF_COL_L4_DST_PORT][i], 8 * 256);
		CHECK_INT_EQ("goflow2: ICMP bytes", r->ints[KF_COL_IN_BYTES][i], 82 * 2048);
		CHECK_INT_EQ("goflow2: VLAN from the frame", r->ints[KF_COL_VLAN_IN][i], 32);
	}
}

/* Two distinct UDP ports that were free a moment ago (both held until both are known). */
static bool
free_udp_ports(int ports[2])
{
	int			fds[2] = {socket(AF_INET, SOCK_DGRAM, 0), socket(AF_INET, SOCK_DGRAM, 0)};
	bool		ok = true;

	for (int i = 0; i < 2; i++)
	{
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t	len = sizeof(sa);

		ok = ok && fds[i] >= 0 && bind(fds[i], (struct sockaddr *) &sa, sizeof(sa)) == 0 &&
			getsockname(fds[i], (struct sockaddr *) &sa, &len) == 0;
		ports[i] = ntohs(sa.sin_port);
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ok;
}

static void
send_udp(int port, const uint8_t *data, size_t len)
{
	int			fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port),
	.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	if (fd >= 0)
	{
		sendto(fd, data, len, 0, (struct sockaddr *) &sa, sizeof(sa));
		close(fd);
	}
}

/* Waits up to 10 s for text to appear in the file at path. */
static bool
wait_for_text(const char *path, const char *text)
{
	for (int i = 0; i < 200; i++)
	{
		char		buf[8192] = "";
		FILE	   *f = fopen(path, "r");

		if (f)
		{
			buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
			fclose(f);
		}
		if (strstr(buf, text))
			return true;
		usleep(50000);
	}
	return false;
}

/* Starts kflowd on both ports with its stderr in log; returns its pid, or -1. */
static pid_t
start_listener(const char *data_dir, int netflow_port, int sflow_port, const char *log)
{
	char		listen[64],
				sflow_listen[64];

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", netflow_port);
	snprintf(sflow_listen, sizeof(sflow_listen), "127.0.0.1:%d", sflow_port);
	pid_t		pid = fork();

	if (pid == 0)
	{
		int			fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			dup2(fd, 2);
		execl(kflowd, "kflowd", "--data-dir", data_dir, "--listen", listen, "--sflow-listen", sflow_listen,
			  (char *) NULL);
		_exit(127);
	}
	return pid;
}

/* --listen and --sflow-listen together: one poll loop serves both sockets; sFlow rows get the
 * wall-clock receive time. */
static void
test_listen_both_ports(rows *r)
{
	char		data_dir[600],
				log[700];
	test_capture *sflow = calloc(1, sizeof(*sflow));
	test_capture *netflow = calloc(1, sizeof(*netflow));
	int			ports[2];
	bool		have_ports = free_udp_ports(ports);
	int			netflow_port = ports[0],
				sflow_port = ports[1];

	snprintf(data_dir, sizeof(data_dir), "%s/listen", dir);
	snprintf(log, sizeof(log), "%s/listen.log", dir);
	CHECK_INT_EQ("listen: sFlow datagram loaded", test_capture_load(sflow, "cloudflare_goflow_sflow.pcap"), 1);
	CHECK_INT_EQ("listen: NetFlow packet loaded", test_capture_load(netflow, "netflow5_juniper_mx80.pcap"), 1);
	pid_t		pid = have_ports ? start_listener(data_dir, netflow_port, sflow_port, log) : -1;

	/* kflowd binds both sockets before it logs the first "listening on" line */
	bool		up = pid > 0 && wait_for_text(log, "(UDP port ");
	time_t		before = time(NULL);

	CHECK("listen: kflowd is listening", up);
	if (up && sflow->count == 1 && netflow->count == 1)
	{
		send_udp(sflow_port, sflow->packets[0].data, sflow->packets[0].len);
		send_udp(netflow_port, netflow->packets[0].data, netflow->packets[0].len);
		usleep(500000);
	}
	time_t		after = time(NULL);
	int			status = -1;

	if (pid > 0)
	{
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	CHECK("listen: kflowd exits 0 on SIGTERM", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT_EQ("listen: device 1 readable", read_device(data_dir, 1, r), 0);
	/* 1 sFlow sample + the 29 NetFlow v5 records of the Juniper packet, all from 127.0.0.1 */
	CHECK_INT_EQ("listen: rows from both ports", r->count, 30);
	long		i = find_source(r, "172.16.32.254");

	CHECK("listen: sFlow row found", i >= 0);
	if (i >= 0)
	{
		CHECK_INT_EQ("listen: sFlow bytes scaled", r->ints[KF_COL_IN_BYTES][i], 82 * 2048);
		CHECK("listen: sFlow row stamped with the receive time",
			  r->ints[KF_COL_CTIMESTAMP][i] >= before && r->ints[KF_COL_CTIMESTAMP][i] <= after);
	}
	test_capture_free(sflow);
	test_capture_free(netflow);
	free(sflow);
	free(netflow);
}

int
main(int argc, char **argv)
{
	(void) argc;
	char	   *self = strdup(argv[0]);

	/* BUILD/tests/test_collector_sflow_store -> BUILD/kflowd */
	snprintf(kflowd, sizeof(kflowd), "%s/../kflowd", dirname(self));
	free(self);
	kf_log_set_quiet(true);
	rows	   *r = calloc(1, sizeof(*r));

	if (!r || !mkdtemp(dir))
	{
		CHECK("temp dir", false);
		UNIT_EXIT();
	}
	write_devices();
	test_pmacct_unsampled(r);
	test_goflow2_sampled(r);
	test_listen_both_ports(r);
	CHECK("--sflow-listen and --read-pcap together is a usage error",
		  run("--read-pcap " TEST_CAPTURES "goflow2_sflow.pcap --sflow-listen 127.0.0.1:0") != 0);
	free(r);
	char		cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT_EQ("cleanup", system(cmd), 0);
	UNIT_EXIT();
}
