/*
 * test_engine.c -- unit tests of the scan engine (engine/).
 *
 * Builds a data directory with the store writer (three devices, two hours, IPv4 and IPv6
 * addresses, absent next hops, flow tags with UTF-8, quotes and LIKE metacharacters), then checks
 * for many predicates that the rows a scan returns are exactly the rows a straightforward
 * three-valued reference evaluator in this file selects from the same input rows.  Also checks
 * pruning counters, projections of derived and nullable columns, kf_pred_format and errors.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/logical_columns.h"
#include "engine/predicate.h"
#include "engine/time_range.h"
#include "engine/zone_map.h"
#include "tests/unit/unit.h"

/* ------------------------------------------------------------------ input rows */

#define HOUR0 INT64_C(1700002800)	/* an hour start */
#define BIG_PART_ROWS 70000		/* device 1, first hour: more than one block */
#define SMALL_PART_ROWS 2000
#define MAX_ROWS (BIG_PART_ROWS + 5 * SMALL_PART_ROWS)

static const char *const tag_values[] = {
	"", "MYNETWORK", "mynetwork,zeta", "alpha,MYNETWORK", "caf\xc3\xa9", "na\xc3\xafve_net", "100%",
	"x_y", "back\\slash", "it's", "\xe6\x97\xa5\xe6\x9c\xac", "MyNetWork2",
};
#define NUM_TAGS (sizeof(tag_values) / sizeof(tag_values[0]))

/* tags device 7 may carry: none of them contains "mynetwork" in any case */
static const int device7_tags[] = {0, 4, 6, 7, 8, 9, 10};

typedef struct test_row
{
	uint32_t	device_id;
	kf_flow		flow;
} test_row;

static test_row rows[MAX_ROWS];
static size_t nrows;
static size_t part_first_row;	/* index of the first row of the (device, hour) being made */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static kf_addr
v4(int a, int b, int c, int d)
{
	return kf_addr_from_v4((uint32_t) a << 24 | (uint32_t) b << 16 | (uint32_t) c << 8 | (uint32_t) d);
}

static kf_addr
v6(const char *text)
{
	unsigned char b[16];
	kf_addr		a = {0, 0};

	if (inet_pton(AF_INET6, text, b) != 1)
	{
		printf("FAIL bad test address %s\n", text);
		exit(1);
	}
	for (int i = 0; i < 8; i++)
	{
		a.hi = a.hi << 8 | b[i];
		a.lo = a.lo << 8 | b[8 + i];
	}
	return a;
}

static kf_addr
random_src(uint32_t device)
{
	static const char *const specials[] = {"::", "::1", "2001:db8::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"};
	kf_addr		a;

	switch (device == 7 ? 2 + rng() % 2 : rng() % 5)
	{
		case 0:
			return v4(10, (int) (rng() % 4), (int) (rng() % 256), (int) (rng() % 256));
		case 1:
			return rng() % 2 ? v4(192, 168, 1, (int) (rng() % 256)) : v4(255, 255, 255, 255);
		case 2:
			a = v6("2001:db8::");
			a.lo = rng() % 4096;
			return a;
		case 3:					/* device 7 stays above the IPv4-mapped range */
			return v6(specials[device == 7 ? 2 + rng() % 2 : rng() % 4]);
		default:
			return v4(0, 0, 0, (int) (rng() % 3));
	}
}

static kf_addr
random_dst(void)
{
	kf_addr		a;

	switch (rng() % 3)
	{
		case 0:
			return v4(192, 168, (int) (rng() % 3), (int) (rng() % 256));
		case 1:
			return v4(10, 1, (int) (rng() % 2), (int) (rng() % 256));
		default:
			a = v6("2001:db8:1::");
			a.lo = rng() % 512;
			return a;
	}
}

static kf_addr
random_next_hop(void)
{
	kf_addr		a;

	switch (rng() % 3)
	{
		case 0:
			return v4(172, 16, 0, (int) (rng() % 8));
		case 1:
			a = v6("fe80::");
			a.lo = 1 + rng() % 8;
			return a;
		default:
			return (kf_addr) {0, 0};
	}
}

static uint32_t
random_src_port(uint32_t device)
{
	static const uint32_t common[] = {25, 80, 443, 53};

	if (device != 1)
		return 1000 + (uint32_t) (rng() % 59000);
	return rng() % 2 ? common[rng() % 4] : (uint32_t) (rng() % 65536);
}

static const char *
random_tag(uint32_t device)
{
	if (device == 7)
		return tag_values[device7_tags[rng() % (sizeof(device7_tags) / sizeof(device7_tags[0]))]];
	return tag_values[rng() % NUM_TAGS];
}

static void
make_row(uint32_t device, int hour)
{
	static const uint32_t protocols[] = {6, 6, 17, 47, 1};
	static const uint32_t rates[] = {1, 10, 100};
	test_row   *r = &rows[nrows++];
	kf_flow    *f = &r->flow;

	r->device_id = device;
	static const int64_t edge_offsets[] = {0, 59, 60, 3599};
	size_t		nth_in_part = nrows - 1 - part_first_row;

	/* the first rows of each part sit on minute and hour edges, the rest anywhere in the hour */
	f->ctimestamp = HOUR0 + hour * 3600 + (nth_in_part < 4 ? edge_offsets[nth_in_part] : (int64_t) (rng() % 3600));
	f->src_addr = random_src(device);
	f->dst_addr = random_dst();
	f->next_hop = random_next_hop();
	f->l4_src_port = random_src_port(device);
	f->l4_dst_port = (uint32_t) (rng() % 65536);
	f->protocol = protocols[rng() % 5];
	f->tcp_flags = (uint32_t) (rng() % 64);
	f->tos = (uint32_t) (rng() % 256);
	f->in_bytes = (int64_t) (rng() % 100000);
	f->in_pkts = (int64_t) nrows;	/* unique: identifies the row in scan results */
	f->out_bytes = (int64_t) (rng() % 5000);
	f->out_pkts = (int64_t) (rng() % 100);
	f->input_port = (uint32_t) (rng() % 10);
	f->output_port = (uint32_t) (rng() % 10);
	f->src_as = (uint32_t) (rng() % 70000);
	f->dst_as = (uint32_t) (rng() % 70000);
	f->vlan_in = (uint32_t) (rng() % 4096);
	f->vlan_out = (uint32_t) (rng() % 4096);
	f->sample_rate = rates[rng() % 3];
	f->src_flow_tags = random_tag(device);
	f->dst_flow_tags = random_tag(device);
	/* Flow times and MPLS derive from the values above (more rng() calls would change every
	 * later row): every fifth row has no times, a third of the rows a label, some label 0. */
	if (nrows % 5 != 0)
	{
		f->flow_end_ms = f->ctimestamp * 1000 - f->in_bytes % 30000;
		f->flow_duration_ms = f->out_bytes * 7;
	}
	f->mpls_labeled = f->tos % 3 == 0;
	f->mpls_label = f->mpls_labeled && f->tos % 9 != 0 ? (f->src_as * 13) % 1048576 : 0;
	f->mpls_exp = f->mpls_labeled ? f->tcp_flags % 8 : 0;
}

static char data_dir[256];

static int
write_device(uint32_t device, size_t first_row, kf_error *err)
{
	kf_writer  *w = kf_writer_open(data_dir, device, err);

	if (w == NULL)
		return -1;
	for (size_t i = first_row; i < nrows; i++)
		if (kf_writer_add(w, &rows[i].flow, err) != 0)
		{
			kf_writer_close(w);
			return -1;
		}
	int			rc = kf_writer_flush(w, err);

	kf_writer_close(w);
	return rc;
}

/* Devices 1 ("edge-1") and 2 ("core-2") are registered, 7 is not. */
static int
build_data_dir(kf_error *err)
{
	static const uint32_t devices[] = {1, 2, 7};

	snprintf(data_dir, sizeof(data_dir), "/tmp/kf_test_engine.%d", (int) getpid());
	if (mkdir(data_dir, 0755) != 0)
		return kf_error_set(err, "cannot create %s", data_dir);
	for (int d = 0; d < 3; d++)
	{
		size_t		first = nrows;

		for (int hour = 0; hour < 2; hour++)
		{
			size_t		n = devices[d] == 1 && hour == 0 ? BIG_PART_ROWS : SMALL_PART_ROWS;

			part_first_row = nrows;
			for (size_t i = 0; i < n; i++)
				make_row(devices[d], hour);
		}
		if (write_device(devices[d], first, err) != 0)
			return -1;
	}
	kf_device	registered[2] = {{.id = 1, .name = "edge-1"}, {.id = 2, .name = "core-2"}};
	kf_device_list list = {registered, 2};

	return kf_devices_save(data_dir, &list, err);
}

/* ------------------------------------------------------------------ reference evaluator */

typedef enum tri
{
	T_FALSE,
	T_TRUE,
	T_UNKNOWN
} tri;

static tri
tri_of(bool b)
{
	return b ? T_TRUE : T_FALSE;
}

static const char *
device_name_of(uint32_t id)
{
	return id == 1 ? "edge-1" : id == 2 ? "core-2" : "7";
}

static int64_t
floor_minute(int64_t t)
{
	int64_t		m = t / 60 * 60;

	return m > t ? m - 60 : m;
}

static int64_t
ref_int(const test_row *r, kf_ecol col)
{
	const kf_flow *f = &r->flow;

	switch (col)
	{
		case KF_E_CTIMESTAMP:
			return f->ctimestamp;
		case KF_E_START_TIME:
			return floor_minute(f->ctimestamp);
		case KF_E_DEVICE_ID:
			return r->device_id;
		case KF_E_L4_SRC_PORT:
			return f->l4_src_port;
		case KF_E_L4_DST_PORT:
			return f->l4_dst_port;
		case KF_E_PROTOCOL:
			return f->protocol;
		case KF_E_TCP_FLAGS:
			return f->tcp_flags;
		case KF_E_TOS:
			return f->tos;
		case KF_E_IN_BYTES:
			return f->in_bytes;
		case KF_E_IN_PKTS:
			return f->in_pkts;
		case KF_E_OUT_BYTES:
			return f->out_bytes;
		case KF_E_OUT_PKTS:
			return f->out_pkts;
		case KF_E_BOTH_BYTES:
			return f->in_bytes + f->out_bytes;
		case KF_E_BOTH_PKTS:
			return f->in_pkts + f->out_pkts;
		case KF_E_INPUT_PORT:
			return f->input_port;
		case KF_E_OUTPUT_PORT:
			return f->output_port;
		case KF_E_SRC_AS:
			return f->src_as;
		case KF_E_DST_AS:
			return f->dst_as;
		case KF_E_VLAN_IN:
			return f->vlan_in;
		case KF_E_VLAN_OUT:
			return f->vlan_out;
		case KF_E_SAMPLE_RATE:
			return f->sample_rate;
		case KF_E_INET_FAMILY:
			return kf_addr_is_v4(f->src_addr) ? 4 : 6;
		case KF_E_FLOW_END_MS:
			return f->flow_end_ms;
		case KF_E_FLOW_DURATION_MS:
			return f->flow_duration_ms;
		case KF_E_MPLS_LABEL:
			return f->mpls_label;
		case KF_E_MPLS_EXP:
			return f->mpls_exp;
		case KF_E_MPLS_LABELED:
			return f->mpls_labeled;
		case KF_E_DURATION:
		case KF_E_FAST_DATASET:
			return 0;			/* the specs here leave duration_seconds 0 and read Full */
		default:
			printf("FAIL reference: column %d is not INT\n", (int) col);
			exit(1);
	}
}

/* The row's address for col; *is_null for the ipv4_* views of non-IPv4 addresses. */
static kf_addr
ref_addr(const test_row *r, kf_ecol col, bool *is_null)
{
	kf_addr		a = col == KF_E_INET_SRC_ADDR || col == KF_E_IPV4_SRC_ADDR ? r->flow.src_addr
		: col == KF_E_INET_DST_ADDR || col == KF_E_IPV4_DST_ADDR ? r->flow.dst_addr : r->flow.next_hop;
	bool		view = col == KF_E_IPV4_SRC_ADDR || col == KF_E_IPV4_DST_ADDR || col == KF_E_IPV4_NEXT_HOP;

	*is_null = view && !kf_addr_is_v4(a);
	return a;
}

static const char *
ref_str(const test_row *r, kf_ecol col)
{
	if (col == KF_E_DEVICE_NAME)
		return device_name_of(r->device_id);
	if (col == KF_E_PROTOCOL_NAME)
		return protocol_name_dict()->strings[protocol_name_code(r->flow.protocol)];
	if (col == KF_E_INPUT_INTERFACE_DESCRIPTION || col == KF_E_OUTPUT_INTERFACE_DESCRIPTION)
	{
		const char *d = col == KF_E_INPUT_INTERFACE_DESCRIPTION ? r->flow.input_interface_description
			: r->flow.output_interface_description;

		return d ? d : "";
	}
	return col == KF_E_SRC_FLOW_TAGS ? r->flow.src_flow_tags : r->flow.dst_flow_tags;
}

static bool
ref_cmp_result(int c, kf_cmp_op op)
{
	switch (op)
	{
		case KF_OP_EQ:
			return c == 0;
		case KF_OP_NE:
			return c != 0;
		case KF_OP_LT:
			return c < 0;
		case KF_OP_LE:
			return c <= 0;
		case KF_OP_GT:
			return c > 0;
		default:
			return c >= 0;
	}
}

/* PostgreSQL inet order of host addresses: IPv4 first, then the 128-bit value. */
static int
ref_inet_cmp(kf_addr a, kf_addr b)
{
	if (kf_addr_is_v4(a) != kf_addr_is_v4(b))
		return kf_addr_is_v4(a) ? -1 : 1;
	return kf_addr_cmp(a, b);
}

static int
addr_bit(kf_addr a, int i)
{
	return i < 64 ? (int) (a.hi >> (63 - i)) & 1 : (int) (a.lo >> (127 - i)) & 1;
}

static bool
ref_within(kf_addr a, kf_addr net, int len)
{
	bool		net_v4 = kf_addr_is_v4(net) && len >= 96;

	if (kf_addr_is_v4(a) != net_v4)
		return false;
	for (int i = 0; i < len; i++)
		if (addr_bit(a, i) != addr_bit(net, i))
			return false;
	return true;
}

/* Decodes UTF-8 into code points (bytes of malformed sequences count as one each). */
static size_t
to_code_points(const char *s, size_t len, uint32_t *out)
{
	size_t		n = 0;

	for (size_t i = 0; i < len;)
	{
		unsigned char c = (unsigned char) s[i];
		size_t		extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
		uint32_t	cp = c;

		if (i + extra >= len)
			extra = 0;
		for (size_t k = 1; k <= extra; k++)
			cp = cp << 8 | (unsigned char) s[i + k];
		out[n++] = cp;
		i += extra + 1;
	}
	return n;
}

static uint32_t
fold(uint32_t cp, bool ci)
{
	return ci && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
}

/* Plain recursive LIKE over code points: '%' any run, '_' one character, '\' escapes. */
static bool
ref_like_cp(const uint32_t *p, size_t pn, const uint32_t *s, size_t sn, bool ci)
{
	if (pn == 0)
		return sn == 0;
	if (p[0] == '%')
	{
		for (size_t skip = 0; skip <= sn; skip++)
			if (ref_like_cp(p + 1, pn - 1, s + skip, sn - skip, ci))
				return true;
		return false;
	}
	if (sn == 0)
		return false;
	if (p[0] == '_')
		return ref_like_cp(p + 1, pn - 1, s + 1, sn - 1, ci);
	if (p[0] == '\\' && pn > 1)
		p++, pn--;
	return fold(p[0], ci) == fold(s[0], ci) && ref_like_cp(p + 1, pn - 1, s + 1, sn - 1, ci);
}

static bool
ref_like(const char *pattern, const char *s, bool ci)
{
	uint32_t	pcp[256],
				scp[256];
	size_t		pn = to_code_points(pattern, strlen(pattern), pcp);
	size_t		sn = to_code_points(s, strlen(s), scp);

	return ref_like_cp(pcp, pn, scp, sn, ci);
}

static tri	ref_eval(const kf_pred *p, const test_row *r);

static tri
ref_addr_leaf(const kf_pred *p, const test_row *r)
{
	bool		is_null;
	kf_addr		a = ref_addr(r, p->col, &is_null);

	if (p->type == KF_P_IS_NULL)
		return tri_of(is_null);
	if (p->type == KF_P_ADDR_IN && p->nvalues == 0)
		return T_FALSE;			/* = ANY of an empty array is false even for NULL */
	if (is_null)
		return T_UNKNOWN;
	switch (p->type)
	{
		case KF_P_ADDR_CMP:
			return tri_of(ref_cmp_result(ref_inet_cmp(a, p->value.addr), p->op));
		case KF_P_ADDR_IN:
			for (uint32_t i = 0; i < p->nvalues; i++)
				if (kf_addr_cmp(a, p->values.addrs[i]) == 0)
					return T_TRUE;
			return T_FALSE;
		case KF_P_ADDR_WITHIN:
			return tri_of(ref_within(a, p->value.addr, p->prefix_len));
		default:
			return tri_of(p->prefix_len == 128 && kf_addr_cmp(a, p->value.addr) == 0);
	}
}

static tri
ref_leaf(const kf_pred *p, const test_row *r)
{
	switch (p->type)
	{
		case KF_P_INT_CMP:
			{
				int64_t		v = ref_int(r, p->col);

				return tri_of(ref_cmp_result(v < p->value.i ? -1 : v > p->value.i, p->op));
			}
		case KF_P_INT_IN:
			for (uint32_t i = 0; i < p->nvalues; i++)
				if (ref_int(r, p->col) == p->values.ints[i])
					return T_TRUE;
			return T_FALSE;
		case KF_P_STR_CMP:
			return tri_of((strcmp(ref_str(r, p->col), p->value.str) == 0) == (p->op == KF_OP_EQ));
		case KF_P_STR_IN:
			for (uint32_t i = 0; i < p->nvalues; i++)
				if (strcmp(ref_str(r, p->col), p->values.strs[i]) == 0)
					return T_TRUE;
			return T_FALSE;
		case KF_P_STR_LIKE:
		case KF_P_STR_ILIKE:
			return tri_of(ref_like(p->value.str, ref_str(r, p->col), p->type == KF_P_STR_ILIKE));
		default:
			return ref_addr_leaf(p, r);
	}
}

static tri
ref_eval(const kf_pred *p, const test_row *r)
{
	tri			acc;

	switch (p->type)
	{
		case KF_P_TRUE:
			return T_TRUE;
		case KF_P_FALSE:
			return T_FALSE;
		case KF_P_NOT:
			acc = ref_eval(p->children[0], r);
			return acc == T_UNKNOWN ? T_UNKNOWN : acc == T_TRUE ? T_FALSE : T_TRUE;
		case KF_P_AND:
			acc = T_TRUE;
			for (uint32_t i = 0; i < p->nchildren; i++)
			{
				tri			c = ref_eval(p->children[i], r);

				if (c == T_FALSE)
					return T_FALSE;
				if (c == T_UNKNOWN)
					acc = T_UNKNOWN;
			}
			return acc;
		case KF_P_OR:
			acc = T_FALSE;
			for (uint32_t i = 0; i < p->nchildren; i++)
			{
				tri			c = ref_eval(p->children[i], r);

				if (c == T_TRUE)
					return T_TRUE;
				if (c == T_UNKNOWN)
					acc = T_UNKNOWN;
			}
			return acc;
		default:
			return ref_leaf(p, r);
	}
}

/* ------------------------------------------------------------------ building predicates */

/* Nodes live in pools reset before each query, so building a tree takes one expression. */
static kf_pred node_pool[256];
static const kf_pred *child_pool[1024];
static int nodes_used,
			children_used;

static kf_pred *
node(kf_pred_type type, kf_ecol col)
{
	kf_pred    *p = &node_pool[nodes_used++];

	memset(p, 0, sizeof(*p));
	p->type = type;
	p->col = col;
	return p;
}

static const kf_pred *
p_int(kf_ecol col, kf_cmp_op op, int64_t v)
{
	kf_pred    *p = node(KF_P_INT_CMP, col);

	p->op = op;
	p->value.i = v;
	return p;
}

static const kf_pred *
p_int_in(kf_ecol col, uint32_t n, const int64_t *vals)
{
	kf_pred    *p = node(KF_P_INT_IN, col);

	p->nvalues = n;
	p->values.ints = vals;
	return p;
}

static const kf_pred *
p_addr(kf_ecol col, kf_cmp_op op, kf_addr a)
{
	kf_pred    *p = node(KF_P_ADDR_CMP, col);

	p->op = op;
	p->value.addr = a;
	return p;
}

static const kf_pred *
p_addr_in(kf_ecol col, uint32_t n, const kf_addr *vals)
{
	kf_pred    *p = node(KF_P_ADDR_IN, col);

	p->nvalues = n;
	p->values.addrs = vals;
	return p;
}

static const kf_pred *
p_net(kf_pred_type type, kf_ecol col, kf_addr a, int prefix_len)
{
	kf_pred    *p = node(type, col);

	p->value.addr = a;
	p->prefix_len = (uint8_t) prefix_len;
	return p;
}

static const kf_pred *
p_str(kf_pred_type type, kf_ecol col, kf_cmp_op op, const char *s)
{
	kf_pred    *p = node(type, col);

	p->op = op;
	p->value.str = s;
	return p;
}

static const kf_pred *
p_str_in(kf_ecol col, uint32_t n, const char *const *vals)
{
	kf_pred    *p = node(KF_P_STR_IN, col);

	p->nvalues = n;
	p->values.strs = vals;
	return p;
}

static const kf_pred *
p_is_null(kf_ecol col)
{
	return node(KF_P_IS_NULL, col);
}

/* AND/OR/NOT of the children given, ending with NULL. */
static const kf_pred *
p_tree(kf_pred_type type,...)
{
	kf_pred    *p = node(type, 0);
	va_list		ap;
	const kf_pred *child;

	p->children = &child_pool[children_used];
	va_start(ap, type);
	while ((child = va_arg(ap, const kf_pred *)) != NULL)
		child_pool[children_used + p->nchildren++] = child;
	va_end(ap);
	children_used += p->nchildren;
	return p;
}

#define AND(...) p_tree(KF_P_AND, __VA_ARGS__, (const kf_pred *) NULL)
#define OR(...) p_tree(KF_P_OR, __VA_ARGS__, (const kf_pred *) NULL)
#define NOT(x) p_tree(KF_P_NOT, x, (const kf_pred *) NULL)

static void
reset_pools(void)
{
	nodes_used = children_used = 0;
}

/* ------------------------------------------------------------------ running scans */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	return (x > y) - (x < y);
}

static uint64_t got_ids[MAX_ROWS],
			want_ids[MAX_ROWS];
static kf_scan_stats last_stats;
static char last_error[512];

/* Scans and collects the row ids (in_pkts) returned; -1 on error (message in last_error). */
static int64_t
scan_ids(uint32_t device, const kf_pred *where)
{
	kf_ecol		cols[] = {KF_E_IN_PKTS};
	kf_scan_spec spec = {.data_dir = data_dir, .device_id = device, .where = where, .ncols = 1, .cols = cols};
	kf_error	err = {{0}};
	kf_scan    *scan = kf_scan_begin(&spec, &err);
	int64_t		n = 0;
	kf_batch	batch;
	int			rc;

	if (scan == NULL)
	{
		snprintf(last_error, sizeof(last_error), "%s", err.msg);
		return -1;
	}
	while ((rc = kf_scan_next(scan, &batch, &err)) == 1)
		for (uint32_t i = 0; i < batch.nrows && n < MAX_ROWS; i++)
			got_ids[n++] = (uint64_t) batch.cols[0].ints[i];
	last_stats = *kf_scan_get_stats(scan);
	kf_scan_end(scan);
	if (rc < 0)
	{
		snprintf(last_error, sizeof(last_error), "%s", err.msg);
		return -1;
	}
	qsort(got_ids, (size_t) n, sizeof(uint64_t), cmp_u64);
	return n;
}

static int64_t
reference_ids(uint32_t device, const kf_pred *where)
{
	int64_t		n = 0;

	for (size_t i = 0; i < nrows; i++)
		if ((device == 0 || rows[i].device_id == device) && (where == NULL || ref_eval(where, &rows[i]) == T_TRUE))
			want_ids[n++] = (uint64_t) rows[i].flow.in_pkts;
	return n;
}

/*
 * The scan must return exactly the rows the reference selects.  Prints the predicate on failure.
 * Returns the number of rows so callers can also make sure a test selects something.
 */
static int64_t
check_query_on(const char *name, uint32_t device, const kf_pred *where)
{
	int64_t		want = reference_ids(device, where);
	int64_t		got = scan_ids(device, where);
	bool		same = got == want && memcmp(got_ids, want_ids, sizeof(uint64_t) * (size_t) (got > 0 ? got : 0)) == 0;
	char		text[1024];

	if (!same)
	{
		kf_pred_format(where, text, sizeof(text));
		printf("  query %s: WHERE %s: got %lld rows, want %lld (%s)\n", name, text, (long long) got,
			   (long long) want, got < 0 ? last_error : "");
	}
	CHECK(name, same);
	reset_pools();
	return want;
}

static int64_t
check_query(const char *name, const kf_pred *where)
{
	return check_query_on(name, 0, where);
}

/* ------------------------------------------------------------------ tests: logical columns */

static void
test_logical_columns(void)
{
	int			round_trips = 0,
				nullable = 0;

	for (int c = 0; c < KF_E_NUM_COLUMNS; c++)
	{
		const kf_ecol_desc *desc = kf_ecol_describe((kf_ecol) c);

		round_trips += desc != NULL && desc->id == (kf_ecol) c && kf_ecol_by_name(desc->name) == c;
		nullable += desc != NULL && desc->nullable;
	}
	CHECK_INT_EQ("columns: every name maps back to its column", round_trips, KF_E_NUM_COLUMNS);
	CHECK_INT_EQ("columns: only the three ipv4_* views are nullable", nullable, 3);
	CHECK("columns: ipv4_next_hop is nullable", kf_ecol_describe(KF_E_IPV4_NEXT_HOP)->nullable);
	CHECK_INT_EQ("columns: by name", kf_ecol_by_name("dst_flow_tags"), KF_E_DST_FLOW_TAGS);
	CHECK_INT_EQ("columns: unknown name", kf_ecol_by_name("no_such_column"), -1);
	CHECK_INT_EQ("columns: NULL name", kf_ecol_by_name(NULL), -1);
	CHECK("columns: out of range id", kf_ecol_describe(KF_E_NUM_COLUMNS) == NULL);
	CHECK("columns: kinds", kf_ecol_describe(KF_E_BOTH_BYTES)->kind == KF_V_INT &&
		  kf_ecol_describe(KF_E_DEVICE_NAME)->kind == KF_V_STR &&
		  kf_ecol_describe(KF_E_INET_SRC_ADDR)->kind == KF_V_ADDR);
}

/* ------------------------------------------------------------------ tests: operators */

static const char *const op_names[] = {"=", "<>", "<", "<=", ">", ">="};

static void
test_int_operators(void)
{
	static const struct
	{
		kf_ecol		col;
		int64_t		value;
	}			cases[] = {
		{KF_E_PROTOCOL, 6}, {KF_E_L4_SRC_PORT, 25}, {KF_E_CTIMESTAMP, HOUR0 + 1800},
		{KF_E_START_TIME, HOUR0 + 3600}, {KF_E_START_TIME, HOUR0 + 3630}, {KF_E_BOTH_BYTES, 50000},
		{KF_E_BOTH_PKTS, 40000}, {KF_E_DEVICE_ID, 2}, {KF_E_SAMPLE_RATE, 10}, {KF_E_TOS, -1},
		{KF_E_DST_AS, INT64_MAX}, {KF_E_IN_BYTES, INT64_MIN},
		{KF_E_FLOW_END_MS, 0}, {KF_E_FLOW_END_MS, (HOUR0 + 1800) * 1000}, {KF_E_FLOW_DURATION_MS, 7000},
		{KF_E_MPLS_LABEL, 0}, {KF_E_MPLS_LABEL, 100000}, {KF_E_MPLS_EXP, 3}, {KF_E_MPLS_LABELED, 1},
	};
	char		name[128];

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (int op = KF_OP_EQ; op <= KF_OP_GE; op++)
		{
			snprintf(name, sizeof(name), "int %s %s %lld", kf_ecol_describe(cases[c].col)->name, op_names[op],
					 (long long) cases[c].value);
			check_query(name, p_int(cases[c].col, (kf_cmp_op) op, cases[c].value));
		}
	int64_t		n = check_query("int protocol = 6 (count)", p_int(KF_E_PROTOCOL, KF_OP_EQ, 6));

	CHECK("int protocol = 6 selects some but not all rows", n > 0 && n < (int64_t) nrows);
}

static void
test_in_lists(void)
{
	static const int64_t ports[] = {443, 25, 80, 25, 443};
	int64_t		many[1000];
	kf_addr		addrs[40];
	const char *const tags[] = {"MYNETWORK", "it's", "", "MYNETWORK", "caf\xc3\xa9"};
	int64_t		n;

	for (int i = 0; i < 1000; i++)
		many[i] = (int64_t) (999 - i) * 2;	/* unsorted, even ports below 2000 */
	for (int i = 0; i < 40; i++)
		addrs[i] = i % 2 ? v4(192, 168, 1, i * 3) : v4(10, 1, 0, i);
	addrs[39] = v6("2001:db8::1");
	addrs[38] = addrs[0];		/* a duplicate */

	n = check_query("in int with duplicates", p_int_in(KF_E_L4_SRC_PORT, 5, ports));
	CHECK("in int with duplicates selects rows", n > 0);
	check_query("not in int with duplicates", NOT(p_int_in(KF_E_L4_SRC_PORT, 5, ports)));
	n = check_query("in int long list", p_int_in(KF_E_L4_DST_PORT, 1000, many));
	CHECK("in int long list selects rows", n > 0);
	check_query("not in int long list", NOT(p_int_in(KF_E_L4_DST_PORT, 1000, many)));
	check_query("in int empty", p_int_in(KF_E_PROTOCOL, 0, ports));
	check_query("not in int empty", NOT(p_int_in(KF_E_PROTOCOL, 0, ports)));
	check_query("in device id", p_int_in(KF_E_DEVICE_ID, 2, (const int64_t[]) {7, 1}));
	n = check_query("in addr short", p_addr_in(KF_E_INET_SRC_ADDR, 3, addrs + 37));
	CHECK("in addr short selects rows", n > 0);
	check_query("in addr long with duplicate", p_addr_in(KF_E_INET_SRC_ADDR, 40, addrs));
	check_query("in ipv4 addr long", p_addr_in(KF_E_IPV4_SRC_ADDR, 40, addrs));
	check_query("not in ipv4 addr short", NOT(p_addr_in(KF_E_IPV4_SRC_ADDR, 3, addrs + 37)));
	check_query("not in ipv4 addr long", NOT(p_addr_in(KF_E_IPV4_SRC_ADDR, 40, addrs)));
	check_query("not in ipv4 addr empty is true for NULLs", NOT(p_addr_in(KF_E_IPV4_SRC_ADDR, 0, addrs)));
	n = check_query("in str with duplicates", p_str_in(KF_E_DST_FLOW_TAGS, 5, tags));
	CHECK("in str selects rows", n > 0);
	check_query("not in str", NOT(p_str_in(KF_E_SRC_FLOW_TAGS, 5, tags)));
	check_query("in device name", p_str_in(KF_E_DEVICE_NAME, 2, (const char *const[]) {"7", "core-2"}));
}

static void
test_addr_operators(void)
{
	const kf_addr constants[] = {
		v4(10, 1, 128, 0), v4(0, 0, 0, 0), v4(255, 255, 255, 255), v6("2001:db8::800"), v6("::"),
		v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), v6("::1"), v4(172, 16, 0, 3), v6("fe80::4"),
	};
	const kf_ecol cols[] = {KF_E_INET_SRC_ADDR, KF_E_IPV4_SRC_ADDR, KF_E_IPV4_DST_ADDR, KF_E_INET_DST_ADDR,
	KF_E_IPV4_NEXT_HOP};
	char		name[160];

	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		for (size_t k = 0; k < sizeof(constants) / sizeof(constants[0]); k++)
			for (int op = KF_OP_EQ; op <= KF_OP_GE; op++)
			{
				snprintf(name, sizeof(name), "addr %s %s constant#%zu", kf_ecol_describe(cols[c])->name,
						 op_names[op], k);
				check_query(name, p_addr(cols[c], (kf_cmp_op) op, constants[k]));
				snprintf(name, sizeof(name), "addr NOT %s %s constant#%zu", kf_ecol_describe(cols[c])->name,
						 op_names[op], k);
				check_query(name, NOT(p_addr(cols[c], (kf_cmp_op) op, constants[k])));
			}
}

static void
test_networks(void)
{
	const struct
	{
		kf_addr		net;
		int			len;
	}			nets[] = {
		{v4(10, 0, 0, 0), 104}, {v4(10, 1, 0, 0), 112}, {v4(0, 0, 0, 0), 96}, {v4(192, 168, 1, 0), 120},
		{v6("2001:db8::"), 32}, {v6("::"), 0}, {v6("::"), 128}, {v6("2001:db8::1"), 128},
		{v4(10, 1, 0, 7), 128}, {v6("::ffff:0:0"), 80}, {v6("2001:db8:1::100"), 120},
	};
	const kf_ecol cols[] = {KF_E_INET_SRC_ADDR, KF_E_IPV4_SRC_ADDR, KF_E_INET_DST_ADDR, KF_E_IPV4_NEXT_HOP};
	char		name[160];
	int64_t		n;

	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		for (size_t k = 0; k < sizeof(nets) / sizeof(nets[0]); k++)
		{
			const char *col = kf_ecol_describe(cols[c])->name;

			snprintf(name, sizeof(name), "%s <<= net#%zu", col, k);
			check_query(name, p_net(KF_P_ADDR_WITHIN, cols[c], nets[k].net, nets[k].len));
			snprintf(name, sizeof(name), "NOT %s <<= net#%zu", col, k);
			check_query(name, NOT(p_net(KF_P_ADDR_WITHIN, cols[c], nets[k].net, nets[k].len)));
			snprintf(name, sizeof(name), "%s >>= net#%zu", col, k);
			check_query(name, p_net(KF_P_ADDR_CONTAINS, cols[c], nets[k].net, nets[k].len));
			snprintf(name, sizeof(name), "NOT %s >>= net#%zu", col, k);
			check_query(name, NOT(p_net(KF_P_ADDR_CONTAINS, cols[c], nets[k].net, nets[k].len)));
		}
	n = check_query("ipv4 src within 10/8 (count)", p_net(KF_P_ADDR_WITHIN, KF_E_IPV4_SRC_ADDR, v4(10, 0, 0, 0), 104));
	CHECK("ipv4 src within 10/8 selects rows", n > 0);
	n = check_query("inet src within ::/0 (count)", p_net(KF_P_ADDR_WITHIN, KF_E_INET_SRC_ADDR, v6("::"), 0));
	CHECK("::/0 holds the IPv6 rows only", n > 0 && n < (int64_t) nrows);
	n = check_query("inet src contains 2001:db8::1 (count)",
					p_net(KF_P_ADDR_CONTAINS, KF_E_INET_SRC_ADDR, v6("2001:db8::1"), 128));
	CHECK("a host contains itself", n > 0);

	const kf_ecol nullable[] = {KF_E_IPV4_SRC_ADDR, KF_E_IPV4_DST_ADDR, KF_E_IPV4_NEXT_HOP, KF_E_INET_SRC_ADDR};

	for (size_t c = 0; c < 4; c++)
	{
		snprintf(name, sizeof(name), "%s IS NULL", kf_ecol_describe(nullable[c])->name);
		check_query(name, p_is_null(nullable[c]));
		snprintf(name, sizeof(name), "%s IS NOT NULL", kf_ecol_describe(nullable[c])->name);
		check_query(name, NOT(p_is_null(nullable[c])));
	}
	n = check_query("next hop IS NULL (count)", p_is_null(KF_E_IPV4_NEXT_HOP));
	CHECK("next hop IS NULL selects IPv6 and absent next hops", n > 0 && n < (int64_t) nrows);
}

static void
test_strings(void)
{
	static const char *const patterns[] = {
		"%MYNETWORK%", "%mynetwork%", "MYNETWORK", "caf_", "caf__", "caf%", "__", "_", "___", "100\\%",
		"100%", "x\\_y", "x_y", "%\\_%", "back\\\\slash", "", "%", "%%", "it's", "%'%", "na\xc3\xafve%",
		"%\xc3\xa9", "_\xc3\xa9", "%n_t%", "\xe6\x97\xa5_", "m%2", "M%2", "%a%a%", "%,%",
	};
	char		name[160];
	int64_t		n;

	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
	{
		snprintf(name, sizeof(name), "dst_flow_tags LIKE '%s'", patterns[i]);
		check_query(name, p_str(KF_P_STR_LIKE, KF_E_DST_FLOW_TAGS, 0, patterns[i]));
		snprintf(name, sizeof(name), "dst_flow_tags ILIKE '%s'", patterns[i]);
		check_query(name, p_str(KF_P_STR_ILIKE, KF_E_DST_FLOW_TAGS, 0, patterns[i]));
		snprintf(name, sizeof(name), "src_flow_tags NOT LIKE '%s'", patterns[i]);
		check_query(name, NOT(p_str(KF_P_STR_LIKE, KF_E_SRC_FLOW_TAGS, 0, patterns[i])));
		snprintf(name, sizeof(name), "i_device_name ILIKE '%s'", patterns[i]);
		check_query(name, p_str(KF_P_STR_ILIKE, KF_E_DEVICE_NAME, 0, patterns[i]));
	}
	n = check_query("LIKE 'caf_' (count)", p_str(KF_P_STR_LIKE, KF_E_DST_FLOW_TAGS, 0, "caf_"));
	CHECK("'_' matches a two-byte character", n > 0);
	n = check_query("LIKE '__' (count)", p_str(KF_P_STR_LIKE, KF_E_DST_FLOW_TAGS, 0, "__"));
	CHECK("'__' matches two three-byte characters", n > 0);
	n = check_query("ILIKE '%mynetwork%' (count)", p_str(KF_P_STR_ILIKE, KF_E_DST_FLOW_TAGS, 0, "%mynetwork%"));
	CHECK("ILIKE folds case", n > 0);
	n = check_query("LIKE '' (count)", p_str(KF_P_STR_LIKE, KF_E_DST_FLOW_TAGS, 0, ""));
	CHECK("empty pattern matches the empty tag", n > 0);

	const char *const values[] = {"MYNETWORK", "it's", "", "caf\xc3\xa9", "nothing", "edge-1", "7"};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		for (int op = KF_OP_EQ; op <= KF_OP_NE; op++)
		{
			snprintf(name, sizeof(name), "dst_flow_tags %s '%s'", op_names[op], values[i]);
			check_query(name, p_str(KF_P_STR_CMP, KF_E_DST_FLOW_TAGS, (kf_cmp_op) op, values[i]));
			snprintf(name, sizeof(name), "i_device_name %s '%s'", op_names[op], values[i]);
			check_query(name, p_str(KF_P_STR_CMP, KF_E_DEVICE_NAME, (kf_cmp_op) op, values[i]));
		}
	n = check_query("unlisted device named by its id", p_str(KF_P_STR_CMP, KF_E_DEVICE_NAME, KF_OP_EQ, "7"));
	CHECK("unlisted device named by its id selects rows", n == 2 * SMALL_PART_ROWS);
}

/* ------------------------------------------------------------------ tests: logic */

static void
test_logic(void)
{
	const kf_addr ten = v4(10, 0, 0, 0);
	int64_t		n;

	check_query("and of or",
				AND(p_int(KF_E_PROTOCOL, KF_OP_EQ, 6),
					OR(p_int(KF_E_L4_SRC_PORT, KF_OP_EQ, 25), p_net(KF_P_ADDR_WITHIN, KF_E_IPV4_SRC_ADDR, ten, 104))));
	check_query("not of and over nullable",
				NOT(AND(p_addr(KF_E_IPV4_SRC_ADDR, KF_OP_GE, v4(10, 2, 0, 0)), p_int(KF_E_PROTOCOL, KF_OP_EQ, 6))));
	check_query("not of or over nullable",
				NOT(OR(p_addr(KF_E_IPV4_NEXT_HOP, KF_OP_LT, v4(172, 16, 0, 4)), p_int(KF_E_TOS, KF_OP_GT, 100))));
	n = check_query("not equal over nullable drops NULLs", NOT(p_addr(KF_E_IPV4_SRC_ADDR, KF_OP_EQ, v4(0, 0, 0, 1))));
	CHECK("not equal over nullable selects rows", n > 0);
	check_query("double not", NOT(NOT(p_addr(KF_E_IPV4_DST_ADDR, KF_OP_LT, v4(192, 168, 1, 0)))));
	check_query("is null or not within",
				OR(p_is_null(KF_E_IPV4_SRC_ADDR), NOT(p_net(KF_P_ADDR_WITHIN, KF_E_IPV4_SRC_ADDR, ten, 104))));
	check_query("not (is null or less)",
				NOT(OR(p_is_null(KF_E_IPV4_SRC_ADDR), p_addr(KF_E_IPV4_SRC_ADDR, KF_OP_LT, v4(10, 1, 0, 0)))));
	check_query("not of and with not inside",
				NOT(AND(NOT(p_is_null(KF_E_IPV4_NEXT_HOP)), p_str(KF_P_STR_LIKE, KF_E_SRC_FLOW_TAGS, 0, "%a%"),
						OR(p_int(KF_E_SAMPLE_RATE, KF_OP_NE, 10), NOT(p_int(KF_E_TCP_FLAGS, KF_OP_LT, 32))))));
	check_query("true", p_tree(KF_P_TRUE, (const kf_pred *) NULL));
	check_query("false", p_tree(KF_P_FALSE, (const kf_pred *) NULL));
	check_query("not true", NOT(p_tree(KF_P_TRUE, (const kf_pred *) NULL)));
	check_query("and with false", AND(p_int(KF_E_PROTOCOL, KF_OP_EQ, 6), p_tree(KF_P_FALSE, (const kf_pred *) NULL)));
	check_query("or with true", OR(p_int(KF_E_PROTOCOL, KF_OP_EQ, 6), p_tree(KF_P_TRUE, (const kf_pred *) NULL)));
	check_query("not (and with true)",
				NOT(AND(p_tree(KF_P_TRUE, (const kf_pred *) NULL), p_is_null(KF_E_IPV4_DST_ADDR))));
	check_query("empty and is true", p_tree(KF_P_AND, (const kf_pred *) NULL));
	check_query("empty or is false", p_tree(KF_P_OR, (const kf_pred *) NULL));
	check_query("nested and/or/not",
				OR(AND(p_int(KF_E_DEVICE_ID, KF_OP_EQ, 1), NOT(OR(p_int(KF_E_PROTOCOL, KF_OP_EQ, 17),
																	p_is_null(KF_E_IPV4_DST_ADDR)))),
				   AND(p_str(KF_P_STR_ILIKE, KF_E_DST_FLOW_TAGS, 0, "%net%"),
					   NOT(AND(p_addr(KF_E_INET_SRC_ADDR, KF_OP_GT, v6("2001:db8::100")),
							   p_int(KF_E_BOTH_BYTES, KF_OP_LT, 60000))))));
	n = check_query("the spam reflection filter",
					AND(p_int(KF_E_CTIMESTAMP, KF_OP_GT, HOUR0), p_int(KF_E_PROTOCOL, KF_OP_EQ, 6),
						p_int(KF_E_L4_SRC_PORT, KF_OP_EQ, 25),
						p_str(KF_P_STR_ILIKE, KF_E_DST_FLOW_TAGS, 0, "%MYNETWORK%")));
	CHECK("the spam reflection filter selects rows", n > 0);

	/* a deep chain of NOTs and ANDs */
	const kf_pred *deep = p_int(KF_E_TOS, KF_OP_LT, 200);

	for (int i = 0; i < 60; i++)
		deep = i % 2 ? NOT(deep) : AND(deep, p_int(KF_E_TCP_FLAGS, KF_OP_NE, i));
	check_query("deep nesting", deep);
}

/* A random leaf over a random column of each kind, with constants near the data. */
static const kf_pred *
random_leaf(void)
{
	static const int64_t ports[] = {25, 80, 443, 53, 1000, 70000};
	static const kf_ecol int_cols[] = {KF_E_PROTOCOL, KF_E_L4_SRC_PORT, KF_E_CTIMESTAMP, KF_E_START_TIME,
	KF_E_DEVICE_ID, KF_E_BOTH_BYTES, KF_E_TOS};
	static const kf_ecol addr_cols[] = {KF_E_INET_SRC_ADDR, KF_E_IPV4_SRC_ADDR, KF_E_IPV4_DST_ADDR,
	KF_E_IPV4_NEXT_HOP};
	static const char *const patterns[] = {"%MYNETWORK%", "caf_", "%\\_%", "", "7", "edge-%"};
	const kf_addr addrs[] = {v4(10, 1, 0, 0), v4(192, 168, 1, 9), v6("2001:db8::80"), v4(172, 16, 0, 2)};
	kf_ecol		int_col = int_cols[rng() % 7];
	int64_t		int_value = int_col == KF_E_CTIMESTAMP || int_col == KF_E_START_TIME
		? HOUR0 + (int64_t) (rng() % 7200) : int_col == KF_E_DEVICE_ID ? (int64_t) (rng() % 8)
		: int_col == KF_E_PROTOCOL ? (int64_t) (rng() % 20) : (int64_t) (rng() % 60000);
	kf_ecol		addr_col = addr_cols[rng() % 4];
	kf_ecol		str_col = rng() % 3 == 0 ? KF_E_DEVICE_NAME : KF_E_DST_FLOW_TAGS;

	switch (rng() % 8)
	{
		case 0:
		case 1:
			return p_int(int_col, (kf_cmp_op) (rng() % 6), int_value);
		case 2:
			return p_int_in(KF_E_L4_SRC_PORT, 1 + (uint32_t) (rng() % 6), ports);
		case 3:
			return p_addr(addr_col, (kf_cmp_op) (rng() % 6), addrs[rng() % 4]);
		case 4:
			return p_net(KF_P_ADDR_WITHIN, addr_col, addrs[rng() % 4], 96 + (int) (rng() % 33));
		case 5:
			return p_is_null(addr_col);
		case 6:
			return p_str(KF_P_STR_ILIKE, str_col, 0, patterns[rng() % 6]);
		default:
			return p_str(KF_P_STR_CMP, str_col, (kf_cmp_op) (rng() % 2), tag_values[rng() % NUM_TAGS]);
	}
}

static const kf_pred *
random_tree(int depth)
{
	if (depth == 0 || rng() % 3 == 0)
		return random_leaf();
	switch (rng() % 3)
	{
		case 0:
			return NOT(random_tree(depth - 1));
		case 1:
			return AND(random_tree(depth - 1), random_tree(depth - 1), random_tree(depth - 1));
		default:
			return OR(random_tree(depth - 1), random_tree(depth - 1));
	}
}

/* Random trees of AND/OR/NOT over every kind of leaf: the engine must agree with the reference. */
static void
test_random_trees(void)
{
	char		name[64];
	int			with_rows = 0;

	for (int i = 0; i < 150; i++)
	{
		snprintf(name, sizeof(name), "random tree #%d", i);
		with_rows += check_query(name, random_tree(4)) > 0;
	}
	CHECK("random trees: many select some rows", with_rows > 30);
}

/* ------------------------------------------------------------------ tests: pruning */

static void
test_time_pruning(void)
{
	check_query("full scan", NULL);
	CHECK_INT_EQ("full scan lists all six parts", last_stats.parts_listed, 6);
	CHECK_INT_EQ("full scan returns every row", last_stats.rows_returned, nrows);
	check_query("second hour", p_int(KF_E_CTIMESTAMP, KF_OP_GE, HOUR0 + 3600));
	CHECK_INT_EQ("second hour lists three parts", last_stats.parts_listed, 3);
	check_query("first hour", p_int(KF_E_CTIMESTAMP, KF_OP_LT, HOUR0 + 3600));
	CHECK_INT_EQ("first hour lists three parts", last_stats.parts_listed, 3);
	check_query("not before the second hour", NOT(p_int(KF_E_CTIMESTAMP, KF_OP_LT, HOUR0 + 3600)));
	CHECK_INT_EQ("not before the second hour lists three parts", last_stats.parts_listed, 3);
	check_query("start time from mid-minute", p_int(KF_E_START_TIME, KF_OP_GE, HOUR0 + 3570));
	CHECK_INT_EQ("start time from mid-minute lists three parts", last_stats.parts_listed, 3);
	check_query("start time from a later mid-minute", p_int(KF_E_START_TIME, KF_OP_GE, HOUR0 + 3630));
	CHECK_INT_EQ("start time from a later mid-minute lists three parts", last_stats.parts_listed, 3);
	check_query("start time before the next minute", p_int(KF_E_START_TIME, KF_OP_LT, HOUR0 + 3660));
	check_query("start time before", p_int(KF_E_START_TIME, KF_OP_LE, HOUR0 + 3599));
	CHECK_INT_EQ("start time before lists three parts", last_stats.parts_listed, 3);
	check_query("start time equal", p_int(KF_E_START_TIME, KF_OP_EQ, HOUR0 + 3540));
	CHECK_INT_EQ("start time equal lists three parts", last_stats.parts_listed, 3);
	check_query("start time greater, last minute",
				p_int(KF_E_START_TIME, KF_OP_GT, HOUR0 + 3540));
	CHECK_INT_EQ("start time greater lists three parts", last_stats.parts_listed, 3);
	check_query("timestamp in list", AND(p_int(KF_E_PROTOCOL, KF_OP_NE, 1),
										 p_int_in(KF_E_CTIMESTAMP, 2, (const int64_t[]) {HOUR0 + 20, HOUR0 + 10})));
	CHECK_INT_EQ("timestamp in list lists three parts", last_stats.parts_listed, 3);
	check_query("contradiction", AND(p_int(KF_E_CTIMESTAMP, KF_OP_GT, HOUR0 + 100),
									 p_int(KF_E_CTIMESTAMP, KF_OP_LT, HOUR0 + 50)));
	CHECK_INT_EQ("contradiction lists no part", last_stats.parts_listed, 0);
	check_query("after the data", p_int(KF_E_CTIMESTAMP, KF_OP_GE, HOUR0 + 7200));
	CHECK_INT_EQ("after the data lists no part", last_stats.parts_listed, 0);
	check_query("or of two ends", OR(p_int(KF_E_CTIMESTAMP, KF_OP_LT, HOUR0 + 100),
									 p_int(KF_E_CTIMESTAMP, KF_OP_GT, HOUR0 + 7100)));
	CHECK_INT_EQ("or is not used for pruning", last_stats.parts_listed, 6);
}

/* The exact [min, max] the engine derives from a predicate (an empty range prints as 1..0). */
static void
check_time_range(const char *name, const kf_pred *where, int64_t want_min, int64_t want_max)
{
	kf_error	err = {{0}};
	cpred	   *compiled = pred_compile(where, &err);
	int64_t		min = INT64_MIN,
				max = INT64_MAX;

	if (compiled)
		time_range_of(compiled, &min, &max);
	pred_free(compiled);
	if (min > max)
		min = 1, max = 0;
	if (min != want_min || max != want_max)
		printf("  %s: got [%lld, %lld]\n", name, (long long) min, (long long) max);
	CHECK(name, compiled != NULL && min == want_min && max == want_max);
	reset_pools();
}

static void
test_time_range_exact(void)
{
	const int64_t m = HOUR0 + 600;	/* a minute start */

	check_time_range("range: ctimestamp > m", p_int(KF_E_CTIMESTAMP, KF_OP_GT, m), m + 1, INT64_MAX);
	check_time_range("range: ctimestamp <= m", p_int(KF_E_CTIMESTAMP, KF_OP_LE, m), INT64_MIN, m);
	check_time_range("range: start time >= m", p_int(KF_E_START_TIME, KF_OP_GE, m), m, INT64_MAX);
	check_time_range("range: start time >= m + 1", p_int(KF_E_START_TIME, KF_OP_GE, m + 1), m + 60, INT64_MAX);
	check_time_range("range: start time > m", p_int(KF_E_START_TIME, KF_OP_GT, m), m + 60, INT64_MAX);
	check_time_range("range: start time < m", p_int(KF_E_START_TIME, KF_OP_LT, m), INT64_MIN, m - 1);
	check_time_range("range: start time <= m + 59", p_int(KF_E_START_TIME, KF_OP_LE, m + 59), INT64_MIN, m + 59);
	check_time_range("range: start time = m + 5", p_int(KF_E_START_TIME, KF_OP_EQ, m + 5), 1, 0);
	check_time_range("range: start time = m", p_int(KF_E_START_TIME, KF_OP_EQ, m), m, m + 59);
	check_time_range("range: negative start time", p_int(KF_E_START_TIME, KF_OP_GE, -61), -60, INT64_MAX);
	check_time_range("range: not below and in list",
					 AND(NOT(p_int(KF_E_CTIMESTAMP, KF_OP_LT, m)),
						 p_int_in(KF_E_CTIMESTAMP, 3, (const int64_t[]) {m + 90, m - 5, m + 30})), m, m + 90);
	check_time_range("range: or gives no bound", OR(p_int(KF_E_CTIMESTAMP, KF_OP_LT, m),
													  p_int(KF_E_CTIMESTAMP, KF_OP_GT, m)), INT64_MIN, INT64_MAX);
	check_time_range("range: not equal gives no bound", p_int(KF_E_CTIMESTAMP, KF_OP_NE, m), INT64_MIN, INT64_MAX);
	check_time_range("range: greater than the largest", p_int(KF_E_CTIMESTAMP, KF_OP_GT, INT64_MAX), 1, 0);
	check_time_range("range: false", p_tree(KF_P_FALSE, (const kf_pred *) NULL), 1, 0);
}

static void
test_zone_maps(void)
{
	int64_t		n;

	check_query("zone: full scan", NULL);
	CHECK_INT_EQ("zone: the data has seven blocks", last_stats.blocks_total, 7);
	n = check_query("zone: port 25", p_int(KF_E_L4_SRC_PORT, KF_OP_EQ, 25));
	CHECK("zone: port 25 selects rows", n > 0);
	CHECK_INT_EQ("zone: port 25 skips the blocks of devices 2 and 7", last_stats.blocks_skipped, 4);
	CHECK_INT_EQ("zone: port 25 skips the parts of devices 2 and 7", last_stats.parts_skipped, 4);
	CHECK_INT_EQ("zone: port 25 decodes device 1 only", last_stats.rows_scanned, BIG_PART_ROWS + SMALL_PART_ROWS);
	check_query("zone: tags dictionary", p_str(KF_P_STR_ILIKE, KF_E_DST_FLOW_TAGS, 0, "%MYNETWORK%"));
	CHECK_INT_EQ("zone: the dictionary rules out device 7", last_stats.blocks_skipped, 2);
	check_query("zone: ipv4 source", p_addr(KF_E_IPV4_SRC_ADDR, KF_OP_EQ, v4(10, 0, 0, 1)));
	CHECK("zone: IPv6-only blocks skipped for an ipv4 column", last_stats.blocks_skipped >= 2);
	check_query("zone: end of the hour", AND(p_int(KF_E_CTIMESTAMP, KF_OP_GE, HOUR0 + 3500),
											 p_int(KF_E_CTIMESTAMP, KF_OP_LT, HOUR0 + 3600)));
	CHECK_INT_EQ("zone: end of the hour has four blocks", last_stats.blocks_total, 4);
	CHECK_INT_EQ("zone: end of the hour skips the big part's first block", last_stats.blocks_skipped, 1);
	check_query("zone: device id", p_int(KF_E_DEVICE_ID, KF_OP_EQ, 2));
	CHECK_INT_EQ("zone: device id skips other devices", last_stats.blocks_skipped, 5);
	check_query("zone: device name", p_str(KF_P_STR_CMP, KF_E_DEVICE_NAME, KF_OP_EQ, "edge-1"));
	CHECK_INT_EQ("zone: device name skips other devices", last_stats.blocks_skipped, 4);
	check_query("zone: or keeps blocks", OR(p_int(KF_E_L4_SRC_PORT, KF_OP_EQ, 25), p_is_null(KF_E_IPV4_SRC_ADDR)));
	check_query("zone: not equal on a constant column", NOT(p_int(KF_E_DEVICE_ID, KF_OP_NE, 7)));
	CHECK_INT_EQ("zone: not-not-equal skips other devices", last_stats.blocks_skipped, 5);
}

/* Which top-level conjuncts of pred the first block of the first part proves for every row. */
static void
proven_flags(const kf_pred *pred, uint8_t *proven, uint32_t *count, kf_zone *time_zone)
{
	kf_error	err = {{0}};
	kf_part_list parts = {0};
	cpred	   *c = pred_compile(pred, &err);
	kf_part_reader *r = NULL;

	*count = 0;
	if (c && kf_parts_list(data_dir, 0, INT64_MIN, INT64_MAX, &parts, &err) == 0 && parts.count > 0 &&
		(r = kf_part_open(parts.parts[0].path, &err)) != NULL)
	{
		part_constants part = {kf_part_device_id(r), ""};

		*time_zone = *kf_part_zone(r, 0, KF_COL_CTIMESTAMP);
		*count = zone_map_mark_proven(c, r, 0, &part, proven);
	}
	kf_part_close(r);
	kf_part_list_free(&parts);
	pred_free(c);
}

static void
test_proven_conjuncts(void)
{
	uint8_t		proven[4];
	uint32_t	count;
	kf_zone		z;
	static const int64_t far_away[] = {-5, -7};

	/* Learn the block's time range first with a predicate that proves nothing. */
	proven_flags(p_int(KF_E_PROTOCOL, KF_OP_EQ, -1), proven, &count, &z);
	CHECK_INT_EQ("proven: a selective leaf is not proven", count, 0);
	reset_pools();
	proven_flags(AND(p_int(KF_E_CTIMESTAMP, KF_OP_GE, z.i.min), p_int(KF_E_PROTOCOL, KF_OP_EQ, 6),
					 p_int(KF_E_CTIMESTAMP, KF_OP_LE, z.i.max)), proven, &count, &z);
	CHECK_INT_EQ("proven: a time window covering the block", count, 2);
	CHECK("proven: exactly the two time conjuncts", proven[0] == 1 && proven[1] == 0 && proven[2] == 1);
	reset_pools();
	proven_flags(AND(p_int(KF_E_CTIMESTAMP, KF_OP_GT, z.i.min), p_int(KF_E_CTIMESTAMP, KF_OP_LT, z.i.max)),
				 proven, &count, &z);
	CHECK_INT_EQ("proven: a window cutting the block is not", count, 0);
	reset_pools();
	proven_flags(p_int(KF_E_CTIMESTAMP, KF_OP_NE, z.i.max + 1), proven, &count, &z);
	CHECK("proven: a lone leaf", count == 1 && proven[0] == 1);
	reset_pools();
	proven_flags(NOT(p_int_in(KF_E_CTIMESTAMP, 2, far_away)), proven, &count, &z);
	CHECK_INT_EQ("proven: NOT IN values outside the block", count, 1);
	reset_pools();
	proven_flags(p_int_in(KF_E_CTIMESTAMP, 2, far_away), proven, &count, &z);
	CHECK_INT_EQ("proven: IN values outside the block is not", count, 0);
	reset_pools();
	/* Answers are unchanged when conjuncts are skipped. */
	check_query("proven: covering window and protocol", AND(p_int(KF_E_CTIMESTAMP, KF_OP_GE, HOUR0 - 7200),
															  p_int(KF_E_PROTOCOL, KF_OP_EQ, 6)));
	check_query("proven: every conjunct proven", AND(p_int(KF_E_CTIMESTAMP, KF_OP_GE, HOUR0 - 7200),
													 p_int(KF_E_CTIMESTAMP, KF_OP_LT, INT64_MAX)));
	check_query("proven: lone leaf proven", p_int(KF_E_CTIMESTAMP, KF_OP_GE, HOUR0 - 7200));
}

static void
test_device_filter(void)
{
	int64_t		n;

	n = check_query_on("device 2 only", 2, p_int(KF_E_PROTOCOL, KF_OP_EQ, 6));
	CHECK("device 2 only selects rows", n > 0);
	CHECK_INT_EQ("device 2 lists its two parts", last_stats.parts_listed, 2);
	n = check_query_on("device 7, every row", 7, NULL);
	CHECK_INT_EQ("device 7 has its rows", n, 2 * SMALL_PART_ROWS);
	n = check_query_on("unknown device", 99, NULL);
	CHECK_INT_EQ("unknown device has no rows", n, 0);

	kf_scan_spec empty = {.data_dir = "/nonexistent/kentik_fdw_data"};
	kf_error	err = {{0}};
	kf_scan    *scan = kf_scan_begin(&empty, &err);
	kf_batch	batch;

	CHECK("a data directory without data scans as empty", scan != NULL && kf_scan_next(scan, &batch, &err) == 0);
	kf_scan_end(scan);
	check_query_on("device 1 in its second hour", 1, p_int(KF_E_CTIMESTAMP, KF_OP_GE, HOUR0 + 3600));
	CHECK_INT_EQ("device 1 in its second hour lists one part", last_stats.parts_listed, 1);
}

/* ------------------------------------------------------------------ tests: projection */

/* Counts the values of one batch column at row i that differ from the reference row. */
static int
column_mismatch(kf_ecol col, const kf_batch_column *bc, uint32_t i, const test_row *r)
{
	const kf_ecol_desc *desc = kf_ecol_describe(col);

	if (desc->kind == KF_V_INT)
		return bc->ints == NULL || bc->ints[i] != ref_int(r, col);
	if (desc->kind == KF_V_STR)
		return bc->codes == NULL || bc->dict == NULL || bc->codes[i] >= bc->dict->count ||
			strcmp(bc->dict->strings[bc->codes[i]], ref_str(r, col)) != 0 ||
			bc->dict->lengths[bc->codes[i]] != strlen(ref_str(r, col));
	bool		is_null;
	kf_addr		a = ref_addr(r, col, &is_null);

	if (desc->nullable != (bc->nulls != NULL) || bc->addrs == NULL)
		return 1;
	if (is_null)
		return !bc->nulls[i];
	return (bc->nulls && bc->nulls[i]) || kf_addr_cmp(bc->addrs[i], a) != 0;
}

/* Projects every column (in_pkts first, to find the row) and compares every value. */
static void
check_projection(const char *name, const kf_pred *where)
{
	kf_ecol		cols[KF_E_NUM_COLUMNS];
	kf_scan_spec spec = {.data_dir = data_dir, .device_id = 0, .where = where, .ncols = KF_E_NUM_COLUMNS, .cols = cols};
	kf_error	err = {{0}};
	int64_t		want = reference_ids(0, where);
	int64_t		returned = 0,
				mismatches = 0;
	kf_batch	batch;
	int			rc;

	cols[0] = KF_E_IN_PKTS;
	for (int c = 0, j = 1; c < KF_E_NUM_COLUMNS; c++)
		if (c != KF_E_IN_PKTS)
			cols[j++] = (kf_ecol) c;
	kf_scan    *scan = kf_scan_begin(&spec, &err);

	CHECK(name, scan != NULL);
	if (scan == NULL)
		return;
	while ((rc = kf_scan_next(scan, &batch, &err)) == 1)
	{
		mismatches += batch.ncols != KF_E_NUM_COLUMNS;
		for (uint32_t i = 0; i < batch.nrows; i++, returned++)
		{
			int64_t		id = batch.cols[0].ints[i];

			if (id < 1 || id > (int64_t) nrows)
			{
				mismatches++;
				continue;
			}
			for (uint32_t j = 1; j < KF_E_NUM_COLUMNS; j++)
				mismatches += column_mismatch(cols[j], &batch.cols[j], i, &rows[id - 1]);
		}
	}
	kf_scan_end(scan);
	printf("  %s: %lld rows, %lld mismatching values\n", name, (long long) returned, (long long) mismatches);
	CHECK(name, rc == 0 && returned == want && mismatches == 0);
	reset_pools();
}

static void
test_projection(void)
{
	check_projection("projection of every column, every row", NULL);
	check_projection("projection of every column, selected rows",
					 OR(p_int(KF_E_PROTOCOL, KF_OP_EQ, 47), p_is_null(KF_E_IPV4_NEXT_HOP)));
	check_projection("projection of every column, one device by name",
					 p_str(KF_P_STR_CMP, KF_E_DEVICE_NAME, KF_OP_EQ, "core-2"));
}

/*
 * A selective first conjunct leaves few rows of each block, so the later conjuncts are tested on
 * those rows only (random access into packed INT streams, dictionary lookups of the rows left) and
 * the projected columns are decoded at those rows only.  Every comparison operator and its edges,
 * frame-of-reference and delta streams, derived columns (no sparse form) and strings must still
 * select exactly what the reference selects.
 */
static void
test_sparse_conjuncts(void)
{
	const kf_pred *rare = p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5);
	int64_t		rare_rows = reference_ids(0, rare);
	char		name[96];

	/* the sparse paths run only below 1/8 of a block: make sure the test reaches them */
	CHECK("sparse: the first conjunct keeps a few rows", rare_rows > 20 && rare_rows * 20 < (int64_t) nrows);
	for (int op = KF_OP_EQ; op <= KF_OP_GE; op++)
	{
		snprintf(name, sizeof(name), "sparse: l4_dst_port %s 32768", op_names[op]);
		check_query(name, AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5), p_int(KF_E_L4_DST_PORT, (kf_cmp_op) op, 32768)));
		snprintf(name, sizeof(name), "sparse: in_bytes %s INT64_MIN", op_names[op]);
		check_query(name, AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5), p_int(KF_E_IN_BYTES, (kf_cmp_op) op, INT64_MIN)));
		snprintf(name, sizeof(name), "sparse: in_bytes %s INT64_MAX", op_names[op]);
		check_query(name, AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5), p_int(KF_E_IN_BYTES, (kf_cmp_op) op, INT64_MAX)));
		reset_pools();
	}
	CHECK("sparse: protocol = 47 after the rare conjunct selects rows",
		  check_query("sparse: protocol = 47", AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5),
												   p_int(KF_E_PROTOCOL, KF_OP_EQ, 47))) > 0);
	check_query("sparse: ctimestamp (delta stream) >= half hour",
				AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5), p_int(KF_E_CTIMESTAMP, KF_OP_GE, HOUR0 + 1800)));
	check_query("sparse: i_start_time (derived) < half hour",
				AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5), p_int(KF_E_START_TIME, KF_OP_LT, HOUR0 + 1800)));
	CHECK("sparse: ILIKE after the rare conjunct selects rows",
		  check_query("sparse: src_flow_tags ILIKE", AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5),
														  p_str(KF_P_STR_ILIKE, KF_E_SRC_FLOW_TAGS, KF_OP_EQ,
																"%mynetwork%"))) > 0);
	check_query("sparse: NOT LIKE", AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5),
										NOT(p_str(KF_P_STR_LIKE, KF_E_DST_FLOW_TAGS, KF_OP_EQ, "%MYNETWORK%"))));
	check_query("sparse: a tag no row has", AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5),
												p_str(KF_P_STR_CMP, KF_E_SRC_FLOW_TAGS, KF_OP_EQ, "nowhere")));
	check_query("sparse: device name", AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5),
										   p_str(KF_P_STR_CMP, KF_E_DEVICE_NAME, KF_OP_EQ, "core-2")));
	check_query("sparse: nested OR stays whole", AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5),
													 OR(p_int(KF_E_PROTOCOL, KF_OP_EQ, 17),
														p_int(KF_E_L4_SRC_PORT, KF_OP_LT, 1024))));
	reset_pools();

	/*
	 * Conjuncts are reordered by observed selectivity, within runs of INT/ADDR leaves only, so the
	 * answer and the statistics (blocks a dictionary ruled out, rows scanned) do not depend on the
	 * order they are written in.
	 */
	kf_scan_stats common_first,
				rare_first;

	check_query("reorder: common conjunct first", AND(p_int(KF_E_PROTOCOL, KF_OP_NE, 47),
													  p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5),
													  p_str(KF_P_STR_CMP, KF_E_DEVICE_NAME, KF_OP_EQ, "core-2"),
													  p_int(KF_E_L4_DST_PORT, KF_OP_GE, 1024)));
	common_first = last_stats;
	check_query("reorder: rare conjunct first", AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5),
													p_int(KF_E_PROTOCOL, KF_OP_NE, 47),
													p_str(KF_P_STR_CMP, KF_E_DEVICE_NAME, KF_OP_EQ, "core-2"),
													p_int(KF_E_L4_DST_PORT, KF_OP_GE, 1024)));
	rare_first = last_stats;
	CHECK("reorder: same blocks skipped either way", common_first.blocks_skipped == rare_first.blocks_skipped &&
		  common_first.blocks_skipped > 0);
	CHECK("reorder: same rows scanned either way", common_first.rows_scanned == rare_first.rows_scanned);
	reset_pools();
	check_projection("sparse: projection of every column, few rows (late materialisation)",
					 AND(p_int(KF_E_TCP_FLAGS, KF_OP_EQ, 5), p_int(KF_E_PROTOCOL, KF_OP_NE, 6)));
}

/* Batches with no rows (skipped or filtered blocks) must not point at data of earlier blocks. */
static void
test_empty_batches(void)
{
	kf_ecol		cols[] = {KF_E_DST_FLOW_TAGS, KF_E_IPV4_DST_ADDR, KF_E_BOTH_BYTES};
	kf_scan_spec spec = {.data_dir = data_dir, .device_id = 0, .where = p_int(KF_E_DEVICE_ID, KF_OP_NE, 2), .ncols = 3,
		.cols = cols};
	kf_error	err = {{0}};
	kf_scan    *scan = kf_scan_begin(&spec, &err);
	int			empty = 0,
				stale = 0,
				rc = -1;
	kf_batch	batch;

	while (scan && (rc = kf_scan_next(scan, &batch, &err)) == 1)
		if (batch.nrows == 0)
		{
			empty++;
			for (uint32_t j = 0; j < batch.ncols; j++)
				stale += batch.cols[j].dict != NULL || batch.cols[j].ints != NULL || batch.cols[j].addrs != NULL ||
					batch.cols[j].codes != NULL || batch.cols[j].nulls != NULL;
		}
	kf_scan_end(scan);
	CHECK_INT_EQ("empty batches: one per skipped block of device 2", empty, 2);
	CHECK("empty batches: no stale column pointers", rc == 0 && stale == 0);
	reset_pools();
}

static void
test_count_only(void)
{
	const kf_pred *where = AND(p_int(KF_E_PROTOCOL, KF_OP_EQ, 17), NOT(p_is_null(KF_E_IPV4_DST_ADDR)));
	kf_scan_spec spec = {.data_dir = data_dir, .device_id = 0, .where = where, .ncols = 0, .cols = NULL};
	kf_error	err = {{0}};
	kf_scan    *scan = kf_scan_begin(&spec, &err);
	int64_t		counted = 0;
	bool		no_columns = true;
	kf_batch	batch;
	int			rc = -1;

	if (scan != NULL)
	{
		while ((rc = kf_scan_next(scan, &batch, &err)) == 1)
		{
			counted += batch.nrows;
			no_columns = no_columns && batch.ncols == 0;
		}
		kf_scan_end(scan);
	}
	CHECK_INT_EQ("count only: rows counted", counted, reference_ids(0, where));
	CHECK("count only: batches have no columns", rc == 0 && no_columns);
	reset_pools();
}

/* ------------------------------------------------------------------ tests: formatting */

static void
check_format(const char *name, const kf_pred *pred, const char *want)
{
	char		buf[512];
	size_t		len = kf_pred_format(pred, buf, sizeof(buf));

	CHECK_STR_EQ(name, buf, want);
	CHECK_INT_EQ(name, len, strlen(want));
	reset_pools();
}

static void
test_format(void)
{
	check_format("format: spam filter",
				 AND(p_int(KF_E_PROTOCOL, KF_OP_EQ, 6), p_int(KF_E_L4_SRC_PORT, KF_OP_EQ, 25),
					 p_str(KF_P_STR_ILIKE, KF_E_DST_FLOW_TAGS, 0, "%MYNETWORK%")),
				 "(protocol = 6 AND l4_src_port = 25 AND dst_flow_tags ILIKE '%MYNETWORK%')");
	check_format("format: ipv4 network", p_net(KF_P_ADDR_WITHIN, KF_E_IPV4_SRC_ADDR, v4(10, 0, 0, 0), 104),
				 "ipv4_src_addr <<= 10.0.0.0/8");
	check_format("format: ipv6 network", p_net(KF_P_ADDR_WITHIN, KF_E_INET_DST_ADDR, v6("2001:db8::"), 32),
				 "inet_dst_addr <<= 2001:db8::/32");
	check_format("format: ipv4 host contains", p_net(KF_P_ADDR_CONTAINS, KF_E_INET_SRC_ADDR, v4(10, 1, 2, 3), 128),
				 "inet_src_addr >>= 10.1.2.3");
	check_format("format: ipv6 compare", p_addr(KF_E_INET_SRC_ADDR, KF_OP_GE, v6("2001:db8:0:0:1::1")),
				 "inet_src_addr >= 2001:db8::1:0:0:1");
	check_format("format: int list", p_int_in(KF_E_L4_DST_PORT, 2, (const int64_t[]) {1, 2}),
				 "l4_dst_port IN (1, 2)");
	check_format("format: addr list", p_addr_in(KF_E_IPV4_DST_ADDR, 2, (const kf_addr[]) {v4(1, 2, 3, 4), v6("::1")}),
				 "ipv4_dst_addr IN (1.2.3.4, ::1)");
	check_format("format: string list", p_str_in(KF_E_SRC_FLOW_TAGS, 2, (const char *const[]) {"a", "it's"}),
				 "src_flow_tags IN ('a', 'it''s')");
	check_format("format: not leaf", NOT(p_str(KF_P_STR_CMP, KF_E_SRC_FLOW_TAGS, KF_OP_NE, "it's")),
				 "NOT (src_flow_tags <> 'it''s')");
	check_format("format: not or", NOT(OR(p_is_null(KF_E_IPV4_NEXT_HOP), p_int(KF_E_TOS, KF_OP_LT, -3))),
				 "NOT (ipv4_next_hop IS NULL OR tos < -3)");
	check_format("format: like", p_str(KF_P_STR_LIKE, KF_E_DEVICE_NAME, 0, "a\\_%"),
				 "i_device_name LIKE 'a\\_%'");
	check_format("format: constants", OR(p_tree(KF_P_TRUE, (const kf_pred *) NULL),
										 p_tree(KF_P_FALSE, (const kf_pred *) NULL)), "(true OR false)");
	check_format("format: NULL tree", NULL, "true");
	check_format("format: unknown node type", node((kf_pred_type) 99, KF_E_PROTOCOL), "protocol = ?");

	char		small[10];
	size_t		len = kf_pred_format(p_int(KF_E_PROTOCOL, KF_OP_LE, 17), small, sizeof(small));

	CHECK_INT_EQ("format: truncation reports the full length", len, strlen("protocol <= 17"));
	CHECK_STR_EQ("format: truncation keeps a prefix", small, "protocol ");
	reset_pools();
}

/* ------------------------------------------------------------------ tests: errors */

static void
check_invalid(const char *name, const kf_pred *where, uint32_t ncols, const kf_ecol *cols, const char *dir,
			  const char *want_in_message)
{
	kf_scan_spec spec = {.data_dir = dir, .device_id = 0, .where = where, .ncols = ncols, .cols = cols};
	kf_error	err = {{0}};
	kf_scan    *scan = kf_scan_begin(&spec, &err);

	if (scan != NULL || strstr(err.msg, want_in_message) == NULL)
		printf("  %s: message \"%s\"\n", name, err.msg);
	CHECK(name, scan == NULL && strstr(err.msg, want_in_message) != NULL);
	kf_scan_end(scan);
	reset_pools();
}

static void
test_invalid_specs(void)
{
	const kf_ecol bad_col[] = {KF_E_PROTOCOL, (kf_ecol) 77};
	kf_pred    *two_child_not = (kf_pred *) NOT(p_int(KF_E_TOS, KF_OP_EQ, 1));

	two_child_not->nchildren = 2;
	child_pool[children_used++] = p_int(KF_E_TOS, KF_OP_EQ, 2);
	check_invalid("invalid: NOT with two children", two_child_not, 0, NULL, data_dir, "exactly one child");
	check_invalid("invalid: unknown predicate column", p_int((kf_ecol) 99, KF_OP_EQ, 1), 0, NULL, data_dir,
				  "unknown column number 99");
	check_invalid("invalid: string ordering", p_str(KF_P_STR_CMP, KF_E_DST_FLOW_TAGS, KF_OP_LT, "a"), 0, NULL,
				  data_dir, "can only be compared with = or <>");
	check_invalid("invalid: integer predicate on a string column", p_int(KF_E_DST_FLOW_TAGS, KF_OP_EQ, 1), 0, NULL,
				  data_dir, "dst_flow_tags is a string column but the predicate on it needs an integer column");
	check_invalid("invalid: address predicate on an integer column",
				  p_net(KF_P_ADDR_WITHIN, KF_E_PROTOCOL, v4(1, 0, 0, 0), 104), 0, NULL, data_dir,
				  "protocol is an integer column");
	check_invalid("invalid: trailing escape", p_str(KF_P_STR_LIKE, KF_E_SRC_FLOW_TAGS, 0, "abc\\"), 0, NULL,
				  data_dir, "LIKE pattern must not end with escape character");
	check_invalid("invalid: prefix length", p_net(KF_P_ADDR_WITHIN, KF_E_INET_SRC_ADDR, v6("::"), 129), 0, NULL,
				  data_dir, "prefix length 129");
	check_invalid("invalid: unknown operator", p_int(KF_E_TOS, (kf_cmp_op) 42, 1), 0, NULL, data_dir,
				  "unknown operator 42");
	check_invalid("invalid: NULL string", p_str(KF_P_STR_ILIKE, KF_E_SRC_FLOW_TAGS, 0, NULL), 0, NULL, data_dir,
				  "NULL string");
	{
		kf_pred    *and_node = (kf_pred *) AND(p_int(KF_E_TOS, KF_OP_EQ, 1));

		child_pool[children_used - 1] = NULL;
		check_invalid("invalid: NULL child node", and_node, 0, NULL, data_dir, "NULL node");
	}
	check_invalid("invalid: unknown projected column", NULL, 2, bad_col, data_dir, "unknown column number 77");
	check_invalid("invalid: projection without array", NULL, 3, NULL, data_dir, "no column array");
	check_invalid("invalid: no data directory", NULL, 0, NULL, NULL, "no data directory");
}

/* Writes a small one-device data dir, damages its part with damage(), expects -1 naming the file. */
static void
check_damaged_part(const char *name, void (*damage)(const char *path))
{
	char		dir[300];
	kf_error	err = {{0}};
	kf_part_list parts = {0};
	size_t		saved_rows = nrows;

	snprintf(dir, sizeof(dir), "%s-%s", data_dir, name);
	mkdir(dir, 0755);
	kf_writer  *w = kf_writer_open(dir, 3, &err);

	for (size_t i = 0; w && i < 1000; i++)
		kf_writer_add(w, &rows[i].flow, &err);
	if (w == NULL || kf_writer_flush(w, &err) != 0 || kf_parts_list(dir, 0, INT64_MIN, INT64_MAX, &parts, &err) != 0 ||
		parts.count != 1)
	{
		printf("FAIL %s: cannot prepare: %s\n", name, err.msg);
		unit_failures++;
		kf_writer_close(w);
		return;
	}
	kf_writer_close(w);
	damage(parts.parts[0].path);

	kf_ecol		cols[] = {KF_E_CTIMESTAMP, KF_E_INET_SRC_ADDR, KF_E_DST_FLOW_TAGS, KF_E_BOTH_BYTES, KF_E_TOS};
	kf_scan_spec spec = {.data_dir = dir, .device_id = 0, .where = NULL, .ncols = 5, .cols = cols};
	kf_scan    *scan = kf_scan_begin(&spec, &err);
	kf_batch	batch;
	int			rc = -1;

	if (scan != NULL)
	{
		while ((rc = kf_scan_next(scan, &batch, &err)) == 1)
			;
		kf_scan_end(scan);
	}
	printf("  %s: \"%s\"\n", name, err.msg);
	CHECK(name, rc == -1 && strstr(err.msg, parts.parts[0].path) != NULL);
	kf_part_list_free(&parts);
	nrows = saved_rows;
}

static void
flip_middle_bytes(const char *path)
{
	FILE	   *f = fopen(path, "r+b");
	long		size;

	if (f == NULL)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	for (long pos = size / 4; pos < size * 3 / 4; pos += 97)
	{
		int			c;

		fseek(f, pos, SEEK_SET);
		c = fgetc(f);
		fseek(f, pos, SEEK_SET);
		fputc(c ^ 0x5A, f);
	}
	fclose(f);
}

static void
truncate_to_half(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && truncate(path, st.st_size / 2) != 0)
		printf("  cannot truncate %s\n", path);
}

static void
test_damaged_parts(void)
{
	check_damaged_part("corrupt", flip_middle_bytes);
	check_damaged_part("truncated", truncate_to_half);
}

/* ------------------------------------------------------------------ main */

static void
remove_tree(const char *dir)
{
	char		cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'-*", dir, dir);
	if (system(cmd) != 0)
		printf("  could not remove %s\n", dir);
}

int
main(void)
{
	kf_error	err = {{0}};

	if (build_data_dir(&err) != 0)
	{
		printf("FAIL engine test data: %s\n", err.msg);
		return 1;
	}
	test_logical_columns();
	test_int_operators();
	test_in_lists();
	test_addr_operators();
	test_networks();
	test_strings();
	test_logic();
	test_random_trees();
	test_time_pruning();
	test_time_range_exact();
	test_zone_maps();
	test_proven_conjuncts();
	test_device_filter();
	test_projection();
	test_sparse_conjuncts();
	test_empty_batches();
	test_count_only();
	test_format();
	test_invalid_specs();
	test_damaged_parts();
	remove_tree(data_dir);
	UNIT_EXIT();
}
