/*
 * pred_format.c -- kf_pred_format: a readable SQL-like rendering of a caller's predicate tree for
 * EXPLAIN and tests.  Column names are the SQL names, addresses print as PostgreSQL prints inet,
 * strings are single-quoted with '' doubling.  Output is truncated like snprintf's.
 */
#include "engine/engine.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Deeper trees print as "..." rather than risk the stack. */
#define FORMAT_MAX_DEPTH 200

typedef struct text_out
{
	char	   *buf;
	size_t		size;
	size_t		len;			/* what the full text needs, even past size */
} text_out;

static void
put_bytes(text_out *t, const char *s, size_t n)
{
	if (t->len < t->size)
	{
		size_t		room = t->size - 1 - t->len;

		memcpy(t->buf + t->len, s, n < room ? n : room);
	}
	t->len += n;
}

static void
put(text_out *t, const char *s)
{
	put_bytes(t, s, strlen(s));
}

static void put_fmt(text_out *t, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void
put_fmt(text_out *t, const char *fmt,...)
{
	char		tmp[128];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(t, tmp);
}

static void
put_column(text_out *t, kf_ecol col)
{
	const kf_ecol_desc *desc = kf_ecol_describe(col);

	if (desc)
		put(t, desc->name);
	else
		put_fmt(t, "column#%d", (int) col);
}

static void
put_quoted(text_out *t, const char *s)
{
	put(t, "'");
	for (; s && *s; s++)
	{
		if (*s == '\'')
			put(t, "''");
		else
			put_bytes(t, s, 1);
	}
	put(t, "'");
}

/* An address as PostgreSQL prints inet: IPv4 for v4-mapped, "/len" unless it is a host. */
static void
put_addr(text_out *t, kf_addr a, unsigned prefix_len)
{
	char		text[INET6_ADDRSTRLEN];
	bool		v4 = kf_addr_is_v4(a) && prefix_len >= 96;

	if (v4)
	{
		struct in_addr in = {htonl((uint32_t) a.lo)};

		inet_ntop(AF_INET, &in, text, sizeof(text));
	}
	else
	{
		unsigned char bytes[16];

		for (int i = 0; i < 8; i++)
		{
			bytes[i] = (unsigned char) (a.hi >> (56 - 8 * i));
			bytes[8 + i] = (unsigned char) (a.lo >> (56 - 8 * i));
		}
		inet_ntop(AF_INET6, bytes, text, sizeof(text));
	}
	put(t, text);
	if (prefix_len < 128)
		put_fmt(t, "/%u", v4 ? prefix_len - 96 : prefix_len);
}

static const char *
op_text(kf_cmp_op op)
{
	static const char *const ops[] = {"=", "<>", "<", "<=", ">", ">="};

	return (unsigned) op <= KF_OP_GE ? ops[op] : "?";
}

/* One element of a leaf's value list (or its single value), by the leaf's type. */
static void
put_value(text_out *t, const kf_pred *p, uint32_t i)
{
	switch (p->type)
	{
		case KF_P_INT_CMP:
			put_fmt(t, "%" PRId64, p->value.i);
			break;
		case KF_P_INT_IN:
			put_fmt(t, "%" PRId64, p->values.ints[i]);
			break;
		case KF_P_ADDR_CMP:
			put_addr(t, p->value.addr, 128);
			break;
		case KF_P_ADDR_IN:
			put_addr(t, p->values.addrs[i], 128);
			break;
		case KF_P_ADDR_WITHIN:
		case KF_P_ADDR_CONTAINS:
			put_addr(t, p->value.addr, p->prefix_len > 128 ? 128 : p->prefix_len);
			break;
		case KF_P_STR_IN:
			put_quoted(t, p->values.strs[i]);
			break;
		case KF_P_STR_CMP:
		case KF_P_STR_LIKE:
		case KF_P_STR_ILIKE:
			put_quoted(t, p->value.str);
			break;
		default:				/* not a leaf type: nothing safe to read */
			put(t, "?");
			break;
	}
}

static void format_node(text_out *t, const kf_pred *p, int depth);

static void
format_junction(text_out *t, const kf_pred *p, int depth)
{
	put(t, "(");
	for (uint32_t i = 0; i < p->nchildren && p->children; i++)
	{
		if (i > 0)
			put(t, p->type == KF_P_AND ? " AND " : " OR ");
		format_node(t, p->children[i], depth + 1);
	}
	put(t, ")");
}

static void
format_not(text_out *t, const kf_pred *p, int depth)
{
	const kf_pred *child = p->nchildren == 1 && p->children ? p->children[0] : NULL;
	bool		parenthesized = child && (child->type == KF_P_AND || child->type == KF_P_OR);

	put(t, parenthesized ? "NOT " : "NOT (");
	format_node(t, child, depth + 1);
	if (!parenthesized)
		put(t, ")");
}

static void
format_in_list(text_out *t, const kf_pred *p)
{
	put(t, " IN (");
	for (uint32_t i = 0; i < p->nvalues && p->values.ints; i++)
	{
		if (i > 0)
			put(t, ", ");
		put_value(t, p, i);
	}
	put(t, ")");
}

static void
format_node(text_out *t, const kf_pred *p, int depth)
{
	if (p == NULL || depth > FORMAT_MAX_DEPTH)
	{
		put(t, p ? "..." : "?");
		return;
	}
	switch (p->type)
	{
		case KF_P_TRUE:
			put(t, "true");
			return;
		case KF_P_FALSE:
			put(t, "false");
			return;
		case KF_P_AND:
		case KF_P_OR:
			format_junction(t, p, depth);
			return;
		case KF_P_NOT:
			format_not(t, p, depth);
			return;
		default:
			break;
	}
	put_column(t, p->col);
	switch (p->type)
	{
		case KF_P_INT_IN:
		case KF_P_ADDR_IN:
		case KF_P_STR_IN:
			format_in_list(t, p);
			return;
		case KF_P_IS_NULL:
			put(t, " IS NULL");
			return;
		case KF_P_ADDR_WITHIN:
			put(t, " <<= ");
			break;
		case KF_P_ADDR_CONTAINS:
			put(t, " >>= ");
			break;
		case KF_P_STR_LIKE:
			put(t, " LIKE ");
			break;
		case KF_P_STR_ILIKE:
			put(t, " ILIKE ");
			break;
		default:
			put_fmt(t, " %s ", op_text(p->op));
			break;
	}
	put_value(t, p, 0);
}

size_t
kf_pred_format(const kf_pred *pred, char *buf, size_t bufsize)
{
	text_out	t = {buf, bufsize, 0};

	if (pred == NULL)
		put(&t, "true");
	else
		format_node(&t, pred, 0);
	if (bufsize > 0)
		buf[t.len < bufsize ? t.len : bufsize - 1] = '\0';
	return t.len;
}
