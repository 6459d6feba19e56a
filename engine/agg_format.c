/*
 * agg_format.c -- kf_agg_format: the native aggregation plan as one readable line for EXPLAIN,
 * e.g. "GROUP BY ipv4_dst_addr; AGG sum(both_bytes); ORDER BY 2 DESC; LIMIT 10000".  Outputs are
 * named by position (keys first), as in SQL's ORDER BY 2.
 */
#include "engine/aggregate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

/* snprintf into the rest of the buffer, counting what would be needed like snprintf does. */
typedef struct text_out
{
	char	   *buf;
	size_t		size;
	size_t		len;
} text_out;

__attribute__((format(printf, 2, 3)))
static void
emit(text_out *o, const char *fmt,...)
{
	va_list		ap;
	size_t		room = o->len < o->size ? o->size - o->len : 0;

	va_start(ap, fmt);
	int			n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);

	va_end(ap);
	if (n > 0)
		o->len += (size_t) n;
}

static const char *
name_of(kf_ecol col)
{
	const kf_ecol_desc *d = (unsigned) col < KF_E_NUM_COLUMNS ? kf_ecol_describe(col) : NULL;

	return d ? d->name : "?";
}

static void
emit_key(text_out *o, const kf_group_key *k)
{
	const char *name = name_of(k->col);

	switch (k->kind)
	{
		case KF_KEY_COLUMN:
			emit(o, "%s", name);
			return;
		case KF_KEY_INT_TRUNC_BUCKET:
			emit(o, "%s / %" PRId64 " * %" PRId64, name, k->width, k->width);
			return;
		case KF_KEY_INT_FLOOR_BUCKET:
			emit(o, "floor_bucket(%s, %" PRId64 ", origin %" PRId64 ")", name, k->width, k->origin);
			return;
		case KF_KEY_ADDR_PREFIX:
			emit(o, "prefix(%s, %u)", name, k->prefix_len);
			return;
	}
	emit(o, "?");
}

static void
emit_agg(text_out *o, const kf_agg_item *a)
{
	static const char *const func_names[] = {"count", "count", "count", "sum", "min", "max"};

	if (a->func == KF_AGG_COUNT_STAR)
		emit(o, "count(*)");
	else if (a->func == KF_AGG_HLL)
		emit(o, "f_hll(%s, p=%u)", name_of(a->col), a->hll_precision);
	else if (a->func == KF_AGG_PERCENTILE)
		emit(o, "f_percentile(%s, %.15g)", name_of(a->col), a->rank);
	else if (a->func == KF_AGG_PERCENTILE_RATE)
		emit(o, "f_percentile_rate(%s per %" PRId64 " s of %s, %.15g)", name_of(a->col), a->slice_seconds,
			 name_of(a->slice_col), a->rank);
	else if ((unsigned) a->func > KF_AGG_MAX)
		emit(o, "?");
	else
		emit(o, "%s(%s%s)", func_names[a->func], a->func == KF_AGG_COUNT_DISTINCT ? "distinct " : "",
			 name_of(a->col));
}

/* 1-based output position of ref. */
static uint64_t
position(const kf_agg_spec *spec, kf_output_ref ref)
{
	return (uint64_t) ref.index + 1 + (ref.is_agg ? spec->nkeys : 0);
}

/* A 128-bit integer in decimal. */
static void
emit_int128(text_out *o, __int128 v)
{
	char		digits[41];
	int			i = (int) sizeof(digits) - 1;
	unsigned __int128 u = v < 0 ? -(unsigned __int128) v : (unsigned __int128) v;

	digits[i] = '\0';
	do
	{
		digits[--i] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u != 0);
	emit(o, "%s%s", v < 0 ? "-" : "", &digits[i]);
}

static void
emit_having(text_out *o, const kf_agg_spec *spec)
{
	static const char *const ops[] = {"=", "<>", "<", "<=", ">", ">="};

	for (uint32_t i = 0; i < spec->nhaving; i++)
	{
		const kf_having_item *h = &spec->having[i];

		emit(o, "%s%" PRIu64 " %s ", i ? " AND " : "; HAVING ", position(spec, h->ref),
			 (unsigned) h->op <= KF_OP_GE ? ops[h->op] : "?");
		emit_int128(o, h->value);
	}
}

static void
emit_order(text_out *o, const kf_agg_spec *spec)
{
	for (uint32_t i = 0; i < spec->norder; i++)
	{
		const kf_order_item *item = &spec->order[i];

		emit(o, "%s%" PRIu64 "%s", i ? ", " : "; ORDER BY ", position(spec, item->ref),
			 item->descending ? " DESC" : "");
		/* PostgreSQL's defaults: NULLS LAST ascending, NULLS FIRST descending */
		if (item->nulls_first != item->descending)
			emit(o, item->nulls_first ? " NULLS FIRST" : " NULLS LAST");
	}
}

size_t
kf_agg_format(const kf_agg_spec *spec, char *buf, size_t bufsize)
{
	text_out	o = {buf, bufsize, 0};

	if (bufsize > 0)
		buf[0] = '\0';
	for (uint32_t i = 0; i < spec->nkeys; i++)
	{
		emit(&o, i ? ", " : "GROUP BY ");
		emit_key(&o, &spec->keys[i]);
	}
	for (uint32_t i = 0; i < spec->naggs; i++)
	{
		emit(&o, i ? ", " : (spec->nkeys ? "; AGG " : "AGG "));
		emit_agg(&o, &spec->aggs[i]);
	}
	emit_having(&o, spec);
	emit_order(&o, spec);
	if (spec->has_limit)
		emit(&o, "; LIMIT %" PRIu64, spec->limit);
	if (spec->offset)
		emit(&o, "; OFFSET %" PRIu64, spec->offset);
	return o.len;
}
