/*
 * logical_columns.c -- the table of logical columns a query can name: SQL name, value kind,
 * nullability, and which stored columns each is computed from; and the fixed dictionary of
 * i_protocol_name.
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
	[KF_E_PROTOCOL_NAME] = {{KF_E_PROTOCOL_NAME, "i_protocol_name", KF_V_STR, false},
							{ECOL_PROTOCOL_NAME, 1, {KF_COL_PROTOCOL, 0}}},
	[KF_E_INET_FAMILY] = {{KF_E_INET_FAMILY, "inet_family", KF_V_INT, false},
						  {ECOL_FAMILY_OF, 1, {KF_COL_SRC_ADDR, 0}}},
	[KF_E_DURATION] = {{KF_E_DURATION, "i_duration", KF_V_INT, false},
					   {ECOL_QUERY_DURATION, 0, {0, 0}}},
	[KF_E_FAST_DATASET] = {{KF_E_FAST_DATASET, "i_fast_dataset", KF_V_INT, false},
						   {ECOL_QUERY_FAST_DATASET, 0, {0, 0}}},
	STORED(KF_E_INPUT_INTERFACE_DESCRIPTION, "i_input_interface_description", KF_V_STR,
		   KF_COL_INPUT_INTERFACE_DESCRIPTION),
	STORED(KF_E_OUTPUT_INTERFACE_DESCRIPTION, "i_output_interface_description", KF_V_STR,
		   KF_COL_OUTPUT_INTERFACE_DESCRIPTION),
	STORED(KF_E_FLOW_END_MS, "i_flow_end_ms", KF_V_INT, KF_COL_FLOW_END_MS),
	STORED(KF_E_FLOW_DURATION_MS, "i_flow_duration_ms", KF_V_INT, KF_COL_FLOW_DURATION_MS),
	STORED(KF_E_MPLS_LABEL, "i_mpls_label", KF_V_INT, KF_COL_MPLS_LABEL),
	STORED(KF_E_MPLS_EXP, "i_mpls_exp", KF_V_INT, KF_COL_MPLS_EXP),
	STORED(KF_E_MPLS_LABELED, "i_mpls_labeled", KF_V_INT, KF_COL_MPLS_LABELED),
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

/* ------------------------------------------------------------------ i_protocol_name */

/*
 * IANA's "Assigned Internet Protocol Numbers" registry: the keyword of each number, or none for
 * the numbers IANA gives no keyword (61, 63, 68, 99 and 114, "any ..." placeholders; 146-252
 * unassigned; 253-254 experimentation; 255 reserved).  Named ones read "KEYWORD (n)", the
 * others "(n)", so a number can always be read back from its name.
 */
#define IANA_PROTOCOLS(NAMED, UNNAMED) \
	NAMED(0, "HOPOPT") NAMED(1, "ICMP") NAMED(2, "IGMP") NAMED(3, "GGP") NAMED(4, "IPv4") NAMED(5, "ST") \
	NAMED(6, "TCP") NAMED(7, "CBT") NAMED(8, "EGP") NAMED(9, "IGP") NAMED(10, "BBN-RCC-MON") \
	NAMED(11, "NVP-II") NAMED(12, "PUP") NAMED(13, "ARGUS") NAMED(14, "EMCON") NAMED(15, "XNET") \
	NAMED(16, "CHAOS") NAMED(17, "UDP") NAMED(18, "MUX") NAMED(19, "DCN-MEAS") NAMED(20, "HMP") \
	NAMED(21, "PRM") NAMED(22, "XNS-IDP") NAMED(23, "TRUNK-1") NAMED(24, "TRUNK-2") NAMED(25, "LEAF-1") \
	NAMED(26, "LEAF-2") NAMED(27, "RDP") NAMED(28, "IRTP") NAMED(29, "ISO-TP4") NAMED(30, "NETBLT") \
	NAMED(31, "MFE-NSP") NAMED(32, "MERIT-INP") NAMED(33, "DCCP") NAMED(34, "3PC") NAMED(35, "IDPR") \
	NAMED(36, "XTP") NAMED(37, "DDP") NAMED(38, "IDPR-CMTP") NAMED(39, "TP++") NAMED(40, "IL") \
	NAMED(41, "IPv6") NAMED(42, "SDRP") NAMED(43, "IPv6-Route") NAMED(44, "IPv6-Frag") NAMED(45, "IDRP") \
	NAMED(46, "RSVP") NAMED(47, "GRE") NAMED(48, "DSR") NAMED(49, "BNA") NAMED(50, "ESP") NAMED(51, "AH") \
	NAMED(52, "I-NLSP") NAMED(53, "SWIPE") NAMED(54, "NARP") NAMED(55, "Min-IPv4") NAMED(56, "TLSP") \
	NAMED(57, "SKIP") NAMED(58, "IPv6-ICMP") NAMED(59, "IPv6-NoNxt") NAMED(60, "IPv6-Opts") UNNAMED(61) \
	NAMED(62, "CFTP") UNNAMED(63) NAMED(64, "SAT-EXPAK") NAMED(65, "KRYPTOLAN") NAMED(66, "RVD") \
	NAMED(67, "IPPC") UNNAMED(68) NAMED(69, "SAT-MON") NAMED(70, "VISA") NAMED(71, "IPCV") NAMED(72, "CPNX") \
	NAMED(73, "CPHB") NAMED(74, "WSN") NAMED(75, "PVP") NAMED(76, "BR-SAT-MON") NAMED(77, "SUN-ND") \
	NAMED(78, "WB-MON") NAMED(79, "WB-EXPAK") NAMED(80, "ISO-IP") NAMED(81, "VMTP") NAMED(82, "SECURE-VMTP") \
	NAMED(83, "VINES") NAMED(84, "TTP") NAMED(85, "NSFNET-IGP") NAMED(86, "DGP") NAMED(87, "TCF") \
	NAMED(88, "EIGRP") NAMED(89, "OSPFIGP") NAMED(90, "Sprite-RPC") NAMED(91, "LARP") NAMED(92, "MTP") \
	NAMED(93, "AX.25") NAMED(94, "IPIP") NAMED(95, "MICP") NAMED(96, "SCC-SP") NAMED(97, "ETHERIP") \
	NAMED(98, "ENCAP") UNNAMED(99) NAMED(100, "GMTP") NAMED(101, "IFMP") NAMED(102, "PNNI") NAMED(103, "PIM") \
	NAMED(104, "ARIS") NAMED(105, "SCPS") NAMED(106, "QNX") NAMED(107, "A/N") NAMED(108, "IPComp") \
	NAMED(109, "SNP") NAMED(110, "Compaq-Peer") NAMED(111, "IPX-in-IP") NAMED(112, "VRRP") NAMED(113, "PGM") \
	UNNAMED(114) NAMED(115, "L2TP") NAMED(116, "DDX") NAMED(117, "IATP") NAMED(118, "STP") NAMED(119, "SRP") \
	NAMED(120, "UTI") NAMED(121, "SMP") NAMED(122, "SM") NAMED(123, "PTP") NAMED(124, "ISIS over IPv4") \
	NAMED(125, "FIRE") NAMED(126, "CRTP") NAMED(127, "CRUDP") NAMED(128, "SSCOPMCE") NAMED(129, "IPLT") \
	NAMED(130, "SPS") NAMED(131, "PIPE") NAMED(132, "SCTP") NAMED(133, "FC") NAMED(134, "RSVP-E2E-IGNORE") \
	NAMED(135, "Mobility Header") NAMED(136, "UDPLite") NAMED(137, "MPLS-in-IP") NAMED(138, "manet") \
	NAMED(139, "HIP") NAMED(140, "Shim6") NAMED(141, "WESP") NAMED(142, "ROHC") NAMED(143, "Ethernet") \
	NAMED(144, "AGGFRAG") NAMED(145, "NSH") UNNAMED(146) UNNAMED(147) UNNAMED(148) UNNAMED(149) UNNAMED(150) \
	UNNAMED(151) UNNAMED(152) UNNAMED(153) UNNAMED(154) UNNAMED(155) UNNAMED(156) UNNAMED(157) UNNAMED(158) \
	UNNAMED(159) UNNAMED(160) UNNAMED(161) UNNAMED(162) UNNAMED(163) UNNAMED(164) UNNAMED(165) UNNAMED(166) \
	UNNAMED(167) UNNAMED(168) UNNAMED(169) UNNAMED(170) UNNAMED(171) UNNAMED(172) UNNAMED(173) UNNAMED(174) \
	UNNAMED(175) UNNAMED(176) UNNAMED(177) UNNAMED(178) UNNAMED(179) UNNAMED(180) UNNAMED(181) UNNAMED(182) \
	UNNAMED(183) UNNAMED(184) UNNAMED(185) UNNAMED(186) UNNAMED(187) UNNAMED(188) UNNAMED(189) UNNAMED(190) \
	UNNAMED(191) UNNAMED(192) UNNAMED(193) UNNAMED(194) UNNAMED(195) UNNAMED(196) UNNAMED(197) UNNAMED(198) \
	UNNAMED(199) UNNAMED(200) UNNAMED(201) UNNAMED(202) UNNAMED(203) UNNAMED(204) UNNAMED(205) UNNAMED(206) \
	UNNAMED(207) UNNAMED(208) UNNAMED(209) UNNAMED(210) UNNAMED(211) UNNAMED(212) UNNAMED(213) UNNAMED(214) \
	UNNAMED(215) UNNAMED(216) UNNAMED(217) UNNAMED(218) UNNAMED(219) UNNAMED(220) UNNAMED(221) UNNAMED(222) \
	UNNAMED(223) UNNAMED(224) UNNAMED(225) UNNAMED(226) UNNAMED(227) UNNAMED(228) UNNAMED(229) UNNAMED(230) \
	UNNAMED(231) UNNAMED(232) UNNAMED(233) UNNAMED(234) UNNAMED(235) UNNAMED(236) UNNAMED(237) UNNAMED(238) \
	UNNAMED(239) UNNAMED(240) UNNAMED(241) UNNAMED(242) UNNAMED(243) UNNAMED(244) UNNAMED(245) UNNAMED(246) \
	UNNAMED(247) UNNAMED(248) UNNAMED(249) UNNAMED(250) UNNAMED(251) UNNAMED(252) UNNAMED(253) UNNAMED(254) \
	UNNAMED(255)

#define NAME_TEXT(n, keyword) [n] = keyword " (" #n ")",
#define NUMBER_TEXT(n) [n] = "(" #n ")",
#define NAME_LENGTH(n, keyword) [n] = sizeof(keyword " (" #n ")") - 1,
#define NUMBER_LENGTH(n) [n] = sizeof("(" #n ")") - 1,
#define OUT_OF_RANGE_TEXT "(out of range)"

static const char *const protocol_names[PROTOCOL_NAME_CODES] = {
	IANA_PROTOCOLS(NAME_TEXT, NUMBER_TEXT)
	[PROTOCOL_NAME_OUT_OF_RANGE] = OUT_OF_RANGE_TEXT
};

static const uint32_t protocol_name_lengths[PROTOCOL_NAME_CODES] = {
	IANA_PROTOCOLS(NAME_LENGTH, NUMBER_LENGTH)
	[PROTOCOL_NAME_OUT_OF_RANGE] = sizeof(OUT_OF_RANGE_TEXT) - 1
};

static const kf_dict protocol_dict = {PROTOCOL_NAME_CODES, protocol_names, protocol_name_lengths};

const kf_dict *
protocol_name_dict(void)
{
	return &protocol_dict;
}
