/*
 * logical_columns.c -- the table of logical columns a query can name: SQL name, value kind,
 * nullability, and which stored columns each is computed from.
 */
#include "engine/logical_columns.h"

#include <string.h>

typedef struct ecol_entry
{
	kf_ecol_desc desc;
	ecol_source source;
} ecol_entry;

#define STORED(id_, name_, kind_, col_) \
	[id_] = {{id_, name_, kind_, false}, {ECOL_STORED, 1, {col_, 0}}}
#define IPV4_VIEW(id_, name_, col_) \
	[id_] = {{id_, name_, KF_V_ADDR, true}, {ECOL_IPV4_VIEW, 1, {col_, 0}}}
#define SUM_OF(id_, name_, a_, b_) \
	[id_] = {{id_, name_, KF_V_INT, false}, {ECOL_SUM_OF_TWO, 2, {a_, b_}}}

static const ecol_entry ecol_table[KF_E_NUM_COLUMNS] = {
	STORED(KF_E_CTIMESTAMP, "ctimestamp", KF_V_INT, KF_COL_CTIMESTAMP),
	[KF_E_START_TIME] = {{KF_E_START_TIME, "i_start_time", KF_V_INT, false},
						 {ECOL_MINUTE_OF, 1, {KF_COL_CTIMESTAMP, 0}}},
	[KF_E_DEVICE_ID] = {{KF_E_DEVICE_ID, "i_device_id", KF_V_INT, false},
						{ECOL_PART_DEVICE_ID, 0, {0, 0}}},
	[KF_E_DEVICE_NAME] = {{KF_E_DEVICE_NAME, "i_device_name", KF_V_STR, false},
						  {ECOL_PART_DEVICE_NAME, 0, {0, 0}}},
	STORED(KF_E_INET_SRC_ADDR, "inet_src_addr", KF_V_ADDR, KF_COL_SRC_ADDR),
	STORED(KF_E_INET_DST_ADDR, "inet_dst_addr", KF_V_ADDR, KF_COL_DST_ADDR),
	IPV4_VIEW(KF_E_IPV4_SRC_ADDR, "ipv4_src_addr", KF_COL_SRC_ADDR),
	IPV4_VIEW(KF_E_IPV4_DST_ADDR, "ipv4_dst_addr", KF_COL_DST_ADDR),
	STORED(KF_E_L4_SRC_PORT, "l4_src_port", KF_V_INT, KF_COL_L4_SRC_PORT),
	STORED(KF_E_L4_DST_PORT, "l4_dst_port", KF_V_INT, KF_COL_L4_DST_PORT),
	STORED(KF_E_PROTOCOL, "protocol", KF_V_INT, KF_COL_PROTOCOL),
	STORED(KF_E_TCP_FLAGS, "tcp_flags", KF_V_INT, KF_COL_TCP_FLAGS),
	STORED(KF_E_TOS, "tos", KF_V_INT, KF_COL_TOS),
	STORED(KF_E_IN_BYTES, "in_bytes", KF_V_INT, KF_COL_IN_BYTES),
	STORED(KF_E_IN_PKTS, "in_pkts", KF_V_INT, KF_COL_IN_PKTS),
	STORED(KF_E_OUT_BYTES, "out_bytes", KF_V_INT, KF_COL_OUT_BYTES),
	STORED(KF_E_OUT_PKTS, "out_pkts", KF_V_INT, KF_COL_OUT_PKTS),
	SUM_OF(KF_E_BOTH_BYTES, "both_bytes", KF_COL_IN_BYTES, KF_COL_OUT_BYTES),
	SUM_OF(KF_E_BOTH_PKTS, "both_pkts", KF_COL_IN_PKTS, KF_COL_OUT_PKTS),
	STORED(KF_E_INPUT_PORT, "input_port", KF_V_INT, KF_COL_INPUT_PORT),
	STORED(KF_E_OUTPUT_PORT, "output_port", KF_V_INT, KF_COL_OUTPUT_PORT),
	STORED(KF_E_SRC_AS, "src_as", KF_V_INT, KF_COL_SRC_AS),
	STORED(KF_E_DST_AS, "dst_as", KF_V_INT, KF_COL_DST_AS),
	IPV4_VIEW(KF_E_IPV4_NEXT_HOP, "ipv4_next_hop", KF_COL_NEXT_HOP),
	STORED(KF_E_VLAN_IN, "vlan_in", KF_V_INT, KF_COL_VLAN_IN),
	STORED(KF_E_VLAN_OUT, "vlan_out", KF_V_INT, KF_COL_VLAN_OUT),
	STORED(KF_E_SAMPLE_RATE, "sample_rate", KF_V_INT, KF_COL_SAMPLE_RATE),
	STORED(KF_E_SRC_FLOW_TAGS, "src_flow_tags", KF_V_STR, KF_COL_SRC_FLOW_TAGS),
	STORED(KF_E_DST_FLOW_TAGS, "dst_flow_tags", KF_V_STR, KF_COL_DST_FLOW_TAGS),
};

const kf_ecol_desc *
kf_ecol_describe(kf_ecol id)
{
	if ((unsigned) id >= KF_E_NUM_COLUMNS)
		return NULL;
	return &ecol_table[id].desc;
}

int
kf_ecol_by_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < KF_E_NUM_COLUMNS; i++)
		if (strcmp(ecol_table[i].desc.name, name) == 0)
			return i;
	return -1;
}

const ecol_source *
ecol_source_of(kf_ecol id)
{
	return &ecol_table[id].source;
}
