/*
 * meter_source.c -- libpcap capture for the flow meter (meter_source.h): files and interfaces.
 */
#include "collector/meter_source.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/time.h>

#include "collector/pcap_reader.h"

#define CAPTURE_BUFFER_BYTES (32 * 1024 * 1024)
/* How long the kernel may hold captured packets before handing them over, in milliseconds. */
#define CAPTURE_DELIVERY_MS 100
/* Frames read per poll at most, so a flood cannot starve the caller's other work. */
#define FRAMES_PER_POLL 65536

struct kf_meter_capture
{
	pcap_t	   *pc;
	int			dlt;
	int			fd;				/* selectable descriptor, -1 when there is none */
};

/* pcap capture time in epoch microseconds. */
static int64_t
capture_time_us(const struct pcap_pkthdr *h)
{
	return (int64_t) h->ts.tv_sec * 1000000 + (int64_t) h->ts.tv_usec;
}

int
kf_meter_read_pcap(const char *path, kf_flow_meter *m, kf_error *err)
{
	int			dlt;
	pcap_t	   *pc = kf_pcap_open_capture(path, &dlt, err);

	if (!pc)
		return -1;
	struct pcap_pkthdr *hdr;
	const u_char *frame;
	int			rc;

	while ((rc = pcap_next_ex(pc, &hdr, &frame)) == 1)
		kf_flow_meter_frame(m, dlt, frame, hdr->caplen, capture_time_us(hdr));
	if (rc == PCAP_ERROR)
		kf_error_set(err, "capture \"%s\": %s", path, pcap_geterr(pc));
	pcap_close(pc);
	kf_flow_meter_flush(m);
	return rc == PCAP_ERROR ? -1 : 0;
}

kf_meter_capture *
kf_meter_capture_open(const char *interface, kf_error *err)
{
	char		errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t	   *pc = pcap_create(interface, errbuf);

	if (!pc)
	{
		kf_error_set(err, "cannot capture on \"%s\": %s", interface, errbuf);
		return NULL;
	}
	pcap_set_snaplen(pc, KF_METER_SNAPLEN);
	pcap_set_promisc(pc, 1);
	pcap_set_timeout(pc, CAPTURE_DELIVERY_MS);
	pcap_set_buffer_size(pc, CAPTURE_BUFFER_BYTES);

	int			rc = pcap_activate(pc);

	if (rc < 0)
	{
		kf_error_set(err, "cannot capture on \"%s\": %s%s", interface, pcap_geterr(pc),
					 rc == PCAP_ERROR_PERM_DENIED ? " (kflowd needs CAP_NET_RAW, e.g. run as root)" : "");
		pcap_close(pc);
		return NULL;
	}
	int			dlt = pcap_datalink(pc);

	if (!kf_link_supported(dlt) || pcap_setnonblock(pc, 1, errbuf) < 0)
	{
		if (kf_link_supported(dlt))
			kf_error_set(err, "capture on \"%s\": %s", interface, errbuf);
		else
			kf_error_set(err, "capture on \"%s\": unsupported link type %d", interface, dlt);
		pcap_close(pc);
		return NULL;
	}
	kf_meter_capture *c = malloc(sizeof(*c));

	if (!c)
	{
		pcap_close(pc);
		kf_error_set(err, "out of memory");
		return NULL;
	}
	c->pc = pc;
	c->dlt = dlt;
	c->fd = pcap_get_selectable_fd(pc);
	return c;
}

void
kf_meter_capture_close(kf_meter_capture *c)
{
	if (!c)
		return;
	pcap_close(c->pc);
	free(c);
}

/* pcap_dispatch callback: user is the meter; the capture's link type is passed along in it. */
typedef struct dispatch_ctx
{
	kf_flow_meter *meter;
	int			dlt;
} dispatch_ctx;

static void
on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *frame)
{
	dispatch_ctx *d = (dispatch_ctx *) user;

	kf_flow_meter_frame(d->meter, d->dlt, frame, h->caplen, capture_time_us(h));
}

int
kf_meter_capture_poll(kf_meter_capture *c, kf_flow_meter *m, int timeout_ms, kf_error *err)
{
	if (timeout_ms > 0 && c->fd >= 0)
	{
		struct pollfd pfd = {c->fd, POLLIN, 0};

		poll(&pfd, 1, timeout_ms);	/* EINTR (SIGTERM) just ends the wait */
	}
	dispatch_ctx d = {m, c->dlt};
	int			n = pcap_dispatch(c->pc, FRAMES_PER_POLL, on_frame, (u_char *) &d);

	if (n == PCAP_ERROR)
		return kf_error_set(err, "capture failed: %s", pcap_geterr(c->pc));
	struct timeval now;

	gettimeofday(&now, NULL);
	kf_flow_meter_advance(m, (int64_t) now.tv_sec * 1000000 + now.tv_usec);
	return n < 0 ? 0 : n;
}

int
kf_meter_capture_drops(kf_meter_capture *c, uint64_t *kernel, uint64_t *interface)
{
	struct pcap_stat st;

	if (pcap_stats(c->pc, &st) < 0)
		return -1;
	*kernel = st.ps_drop;
	*interface = st.ps_ifdrop;
	return 0;
}
