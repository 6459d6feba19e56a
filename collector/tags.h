/*
 * tags.h -- flow tags: names given to a flow's source and destination by the lines of a tag file
 * ('#' starts a comment, blank lines are ignored; docs/enrichment.md has the grammar and examples):
 *
 *   TAGNAME CIDR                  the original form: the side whose address is in the prefix
 *   TAGNAME KEY=VALUE ...         a rule: every condition must hold (AND), keys at most once each
 *       cidr=PREFIX               the side's address is in the prefix (IPv4 or IPv6)
 *       port=N | port=N-M         the side's port: l4_src_port / l4_dst_port
 *       interface=N | =NAME       the side's interface: input_port / output_port, by SNMP index or
 *                                 by description from the --interfaces file (interface_names.h)
 *       as=N | as=N-M             the side's AS number: src_as / dst_as
 *       protocol=N | =NAME        the flow's protocol (tcp, udp, icmp, gre, ...)
 *       device=ID | =NAME         the device that exported the flow
 *
 * A rule is evaluated once per side: for the source side the side conditions look at the source
 * address, source port, input interface and source AS; for the destination side at the
 * destination address, destination port, output interface and destination AS.  protocol and device
 * are the same for both sides, so a rule with only those tags both sides.  The tags of a side are
 * the names of every line that matches it, sorted (strcmp), de-duplicated and joined with ','
 * ("" when none); kflowd stores them as src_flow_tags and dst_flow_tags.  As with PostgreSQL's
 * inet, IPv6 prefixes (even ::/0) never contain IPv4 addresses.  A bare address is a host prefix;
 * host bits beyond the prefix length are ignored.
 */
#ifndef KF_TAGS_H
#define KF_TAGS_H

#include "collector/interface_names.h"
#include "store/store.h"

typedef struct kf_tags kf_tags;

typedef enum kf_flow_side
{
	KF_SIDE_SRC = 0,
	KF_SIDE_DST = 1
} kf_flow_side;

/* Loads a tag file.  interfaces (may be NULL) resolves interface=NAME.  A bad line is an error
 * naming the file and line. */
kf_tags    *kf_tags_load(const char *path, const kf_interface_names *interfaces, kf_error *err);

/* Same from text in memory; source names the text in error messages. */
kf_tags    *kf_tags_parse(const char *text, const char *source, const kf_interface_names *interfaces,
						  kf_error *err);

/* Room for one tag string assembled from rule matches.  A caller needs one buffer per tag string
 * it keeps at the same time (a flow's source and destination tags: two). */
typedef struct kf_tag_buffer kf_tag_buffer;

kf_tag_buffer *kf_tag_buffer_new(const kf_tags *t);
void		kf_tag_buffer_free(kf_tag_buffer *buf);

/*
 * The tag string of one side of a flow exported by device.  Never NULL; it is owned by t or by buf
 * and stays valid until buf is used again.  Without rules (only prefixes) this is one walk down a
 * prefix trie; rules with a prefix are only evaluated for addresses inside it, and rules with a
 * narrow port condition only for flows with such a port.  No allocation.
 */
const char *kf_tags_match(const kf_tags *t, const kf_flow *flow, const kf_device *device, kf_flow_side side,
						  kf_tag_buffer *buf);

/* Number of distinct tag names. */
size_t		kf_tags_count(const kf_tags *t);

/* Number of lines with conditions beyond one prefix. */
size_t		kf_tags_rule_count(const kf_tags *t);

void		kf_tags_free(kf_tags *t);

#endif							/* KF_TAGS_H */
