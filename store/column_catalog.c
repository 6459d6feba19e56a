/*
 * column_catalog.c -- names and kinds of the stored columns (kf_column_describe).
 *
 * The table is indexed by kf_column_id; names are the enum names in lower case and are part of
 * the documented format (docs/format.md), so never rename one.
 */
#include "store/store.h"

static const kf_column_desc column_table[KF_NUM_COLUMNS] = {
	{KF_COL_CTIMESTAMP, "ctimestamp", KF_KIND_INT},
	{KF_COL_SRC_ADDR, "src_addr", KF_KIND_ADDR},
	{KF_COL_DST_ADDR, "dst_addr", KF_KIND_ADDR},
	{KF_COL_NEXT_HOP, "next_hop", KF_KIND_ADDR},
	{KF_COL_L4_SRC_PORT, "l4_src_port", KF_KIND_INT},
	{KF_COL_L4_DST_PORT, "l4_dst_port", KF_KIND_INT},
	{KF_COL_PROTOCOL, "protocol", KF_KIND_INT},
	{KF_COL_TCP_FLAGS, "tcp_flags", KF_KIND_INT},
	{KF_COL_TOS, "tos", KF_KIND_INT},
	{KF_COL_IN_BYTES, "in_bytes", KF_KIND_INT},
	{KF_COL_IN_PKTS, "in_pkts", KF_KIND_INT},
	{KF_COL_OUT_BYTES, "out_bytes", KF_KIND_INT},
	{KF_COL_OUT_PKTS, "out_pkts", KF_KIND_INT},
	{KF_COL_INPUT_PORT, "input_port", KF_KIND_INT},
	{KF_COL_OUTPUT_PORT, "output_port", KF_KIND_INT},
	{KF_COL_SRC_AS, "src_as", KF_KIND_INT},
	{KF_COL_DST_AS, "dst_as", KF_KIND_INT},
	{KF_COL_VLAN_IN, "vlan_in", KF_KIND_INT},
	{KF_COL_VLAN_OUT, "vlan_out", KF_KIND_INT},
	{KF_COL_SAMPLE_RATE, "sample_rate", KF_KIND_INT},
	{KF_COL_SRC_FLOW_TAGS, "src_flow_tags", KF_KIND_DICT},
	{KF_COL_DST_FLOW_TAGS, "dst_flow_tags", KF_KIND_DICT},
	{KF_COL_INPUT_INTERFACE_DESCRIPTION, "input_interface_description", KF_KIND_DICT},
	{KF_COL_OUTPUT_INTERFACE_DESCRIPTION, "output_interface_description", KF_KIND_DICT},
	{KF_COL_FLOW_END_MS, "flow_end_ms", KF_KIND_INT},
	{KF_COL_FLOW_DURATION_MS, "flow_duration_ms", KF_KIND_INT},
	{KF_COL_MPLS_LABEL, "mpls_label", KF_KIND_INT},
	{KF_COL_MPLS_EXP, "mpls_exp", KF_KIND_INT},
	{KF_COL_MPLS_LABELED, "mpls_labeled", KF_KIND_INT},
};

/* Returns the description of id, or NULL for an id this build does not know. */
const kf_column_desc *
kf_column_describe(kf_column_id id)
{
	if ((unsigned) id >= KF_NUM_COLUMNS)
		return NULL;
	return &column_table[id];
}
