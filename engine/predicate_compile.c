/*
 * predicate_compile.c -- turns the caller's kf_pred tree into the engine's cpred tree: validates
 * every node, copies what it keeps, pushes NOT down to the leaves (De Morgan for AND/OR, operator
 * negation or a negated flag for leaves), folds TRUE/FALSE, flattens nested AND/OR, sorts and
 * deduplicates IN lists and precomputes address ranges and LIKE patterns.
 */
#include "engine/predicate.h"

#include <stdlib.h>
#include <string.h>

/* Deep enough for any real WHERE clause, shallow enough that recursion cannot exhaust the stack. */
#define PRED_MAX_DEPTH 200

static cpred *compile_node(const kf_pred *in, bool negate, int depth, kf_error *err);

static cpred *
new_node(kf_pred_type type, kf_error *err)
{
	cpred	   *p = calloc(1, sizeof(cpred));

	if (p == NULL)
		kf_error_set(err, "out of memory compiling the predicate");
	else
		p->type = type;
	return p;
}

void
pred_free(cpred *p)
{
	if (p == NULL)
		return;
	for (uint32_t i = 0; i < p->nchildren; i++)
		pred_free(p->children[i]);
	free(p->children);
	free(p->ints);
	free(p->addrs);
	if (p->strs)
		for (uint32_t i = 0; i < p->nvalues; i++)
			free(p->strs[i]);
	free(p->strs);
	free(p->str);
	like_free(p->like);
	free(p);
}

static kf_cmp_op
negate_op(kf_cmp_op op)
{
	switch (op)
	{
		case KF_OP_EQ:
			return KF_OP_NE;
		case KF_OP_NE:
			return KF_OP_EQ;
		case KF_OP_LT:
			return KF_OP_GE;
		case KF_OP_LE:
			return KF_OP_GT;
		case KF_OP_GT:
			return KF_OP_LE;
		case KF_OP_GE:
			return KF_OP_LT;
	}
	return op;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a,
				y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

static int
cmp_addr(const void *a, const void *b)
{
	return kf_addr_cmp(*(const kf_addr *) a, *(const kf_addr *) b);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sorts n elements of size sz and drops duplicates; returns the new count. */
static uint32_t
sort_unique(void *base, uint32_t n, size_t sz, int (*cmp) (const void *, const void *))
{
	if (n == 0)
		return 0;
	qsort(base, n, sz, cmp);
	char	   *b = base;
	uint32_t	kept = 1;

	for (uint32_t i = 1; i < n; i++)
		if (cmp(b + (size_t) (kept - 1) * sz, b + (size_t) i * sz) != 0)
			memmove(b + (size_t) kept++ * sz, b + (size_t) i * sz, sz);
	return kept;
}

static cpred *
constant(bool value, kf_error *err)
{
	return new_node(value ? KF_P_TRUE : KF_P_FALSE, err);
}

/* Copies the IN list of in into p; the strings too. */
static int
copy_in_list(cpred *p, const kf_pred *in, kf_error *err)
{
	uint32_t	n = in->nvalues;

	if (n > 0 && in->values.ints == NULL)
		return kf_error_set(err, "IN list on %s has %u values but no array", kf_ecol_describe(in->col)->name, n);
	if (in->type == KF_P_INT_IN)
	{
		if ((p->ints = malloc(sizeof(int64_t) * n)) == NULL)
			return kf_error_set(err, "out of memory copying an IN list");
		memcpy(p->ints, in->values.ints, sizeof(int64_t) * n);
		p->nvalues = sort_unique(p->ints, n, sizeof(int64_t), cmp_int64);
		return 0;
	}
	if (in->type == KF_P_ADDR_IN)
	{
		if ((p->addrs = malloc(sizeof(kf_addr) * n)) == NULL)
			return kf_error_set(err, "out of memory copying an IN list");
		memcpy(p->addrs, in->values.addrs, sizeof(kf_addr) * n);
		p->nvalues = sort_unique(p->addrs, n, sizeof(kf_addr), cmp_addr);
		return 0;
	}
	if ((p->strs = calloc(n, sizeof(char *))) == NULL)
		return kf_error_set(err, "out of memory copying an IN list");
	for (uint32_t i = 0; i < n; i++)
	{
		if (in->values.strs[i] == NULL)
			return kf_error_set(err, "IN list on %s has a NULL string", kf_ecol_describe(in->col)->name);
		if ((p->strs[i] = strdup(in->values.strs[i])) == NULL)
			return kf_error_set(err, "out of memory copying an IN list");
		p->nvalues = i + 1;
	}
	qsort(p->strs, n, sizeof(char *), cmp_str);
	uint32_t	kept = 0;

	for (uint32_t i = 0; i < n; i++)
	{
		if (kept > 0 && strcmp(p->strs[kept - 1], p->strs[i]) == 0)
			free(p->strs[i]);
		else
			p->strs[kept++] = p->strs[i];
	}
	p->nvalues = kept;
	return 0;
}

/* The value kind a leaf type works on. */
static kf_value_kind
leaf_kind(kf_pred_type type)
{
	switch (type)
	{
		case KF_P_INT_CMP:
		case KF_P_INT_IN:
			return KF_V_INT;
		case KF_P_STR_CMP:
		case KF_P_STR_IN:
		case KF_P_STR_LIKE:
		case KF_P_STR_ILIKE:
			return KF_V_STR;
		default:
			return KF_V_ADDR;
	}
}

static const char *
kind_with_article(kf_value_kind kind)
{
	return kind == KF_V_INT ? "an integer" : kind == KF_V_ADDR ? "an address" : "a string";
}

/* Checks that the leaf's column, operator and values fit together. */
static int
validate_leaf(const kf_pred *in, kf_error *err)
{
	const kf_ecol_desc *desc = kf_ecol_describe(in->col);

	if (desc == NULL)
		return kf_error_set(err, "predicate names unknown column number %d", (int) in->col);
	if (in->type == KF_P_IS_NULL)
		return 0;
	if (desc->kind != leaf_kind(in->type))
		return kf_error_set(err, "%s is %s column but the predicate on it needs %s column", desc->name,
							kind_with_article(desc->kind), kind_with_article(leaf_kind(in->type)));
	bool		is_cmp = in->type == KF_P_INT_CMP || in->type == KF_P_ADDR_CMP || in->type == KF_P_STR_CMP;

	if (is_cmp && (unsigned) in->op > KF_OP_GE)
		return kf_error_set(err, "predicate on %s has unknown operator %d", desc->name, (int) in->op);
	if (in->type == KF_P_STR_CMP && in->op != KF_OP_EQ && in->op != KF_OP_NE)
		return kf_error_set(err, "string column %s can only be compared with = or <>", desc->name);
	if ((in->type == KF_P_STR_CMP || in->type == KF_P_STR_LIKE || in->type == KF_P_STR_ILIKE) && in->value.str == NULL)
		return kf_error_set(err, "predicate on %s has a NULL string value", desc->name);
	if ((in->type == KF_P_ADDR_WITHIN || in->type == KF_P_ADDR_CONTAINS) && in->prefix_len > 128)
		return kf_error_set(err, "network on %s has prefix length %u (at most 128)", desc->name, in->prefix_len);
	return 0;
}

/* The first and last address of value/prefix_len. */
static void
network_range(kf_addr value, uint8_t prefix_len, kf_addr *lo, kf_addr *hi)
{
	uint64_t	hi_mask = prefix_len >= 64 ? UINT64_MAX : prefix_len == 0 ? 0 : UINT64_MAX << (64 - prefix_len);
	uint64_t	lo_mask = prefix_len <= 64 ? 0 : prefix_len >= 128 ? UINT64_MAX : UINT64_MAX << (128 - prefix_len);

	lo->hi = value.hi & hi_mask;
	lo->lo = value.lo & lo_mask;
	hi->hi = value.hi | ~hi_mask;
	hi->lo = value.lo | ~lo_mask;
}

/* Fills the leaf-specific fields of p from in; may turn p into a constant. */
static int
fill_leaf(cpred *p, const kf_pred *in, bool negate, kf_error *err)
{
	p->col = in->col;
	p->nullable = kf_ecol_describe(in->col)->nullable;
	p->negated = negate;
	switch (in->type)
	{
		case KF_P_INT_CMP:
			p->ival = in->value.i;
			p->op = negate ? negate_op(in->op) : in->op;
			p->negated = false;
			return 0;
		case KF_P_ADDR_CMP:
			p->addr = in->value.addr;
			p->op = negate ? negate_op(in->op) : in->op;
			p->negated = false;
			return 0;
		case KF_P_STR_CMP:
			p->op = negate ? negate_op(in->op) : in->op;
			p->negated = false;
			p->str_len = strlen(in->value.str);
			if ((p->str = strdup(in->value.str)) == NULL)
				return kf_error_set(err, "out of memory copying a string constant");
			return 0;
		case KF_P_INT_IN:
		case KF_P_ADDR_IN:
		case KF_P_STR_IN:
			if (copy_in_list(p, in, err) != 0)
				return -1;
			if (p->nvalues == 0)	/* x IN () is false even for NULL x */
				p->type = negate ? KF_P_TRUE : KF_P_FALSE;
			return 0;
		case KF_P_ADDR_WITHIN:
		case KF_P_ADDR_CONTAINS:
			p->addr = in->value.addr;
			p->prefix_len = in->prefix_len;
			p->range_is_v4 = kf_addr_is_v4(in->value.addr) && in->prefix_len >= 96;
			network_range(in->value.addr, in->prefix_len, &p->range_lo, &p->range_hi);
			return 0;
		case KF_P_IS_NULL:
			if (!p->nullable)	/* a column that is never NULL */
				p->type = negate ? KF_P_TRUE : KF_P_FALSE;
			return 0;
		case KF_P_STR_LIKE:
		case KF_P_STR_ILIKE:
			p->str_len = strlen(in->value.str);
			if ((p->str = strdup(in->value.str)) == NULL)
				return kf_error_set(err, "out of memory copying a LIKE pattern");
			p->like = like_compile(p->str, p->str_len, in->type == KF_P_STR_ILIKE, err);
			return p->like ? 0 : -1;
		default:
			return kf_error_set(err, "predicate node has unknown type %d", (int) in->type);
	}
}

static cpred *
compile_leaf(const kf_pred *in, bool negate, kf_error *err)
{
	if (validate_leaf(in, err) != 0)
		return NULL;
	cpred	   *p = new_node(in->type, err);

	if (p != NULL && fill_leaf(p, in, negate, err) != 0)
	{
		pred_free(p);
		return NULL;
	}
	return p;
}

/* Appends child to an AND/OR node, flattening a child of the same type into it. */
static int
adopt_child(cpred *node, cpred *child, uint32_t *capacity, kf_error *err)
{
	uint32_t	need = node->nchildren + (child->type == node->type ? child->nchildren : 1);

	if (need > *capacity)
	{
		uint32_t	cap = need * 2;
		cpred	  **grown = realloc(node->children, sizeof(cpred *) * cap);

		if (grown == NULL)
		{
			pred_free(child);
			return kf_error_set(err, "out of memory compiling the predicate");
		}
		node->children = grown;
		*capacity = cap;
	}
	if (child->type != node->type)
	{
		node->children[node->nchildren++] = child;
		return 0;
	}
	for (uint32_t i = 0; i < child->nchildren; i++)
		node->children[node->nchildren++] = child->children[i];
	child->nchildren = 0;
	pred_free(child);
	return 0;
}

/* Replaces node by its only child, or by the constant an empty AND (TRUE) / OR (FALSE) is. */
static cpred *
simplify_junction(cpred *node, kf_error *err)
{
	if (node->nchildren == 1)
	{
		cpred	   *only = node->children[0];

		node->nchildren = 0;
		pred_free(node);
		return only;
	}
	if (node->nchildren == 0)
	{
		bool		is_and = node->type == KF_P_AND;

		pred_free(node);
		return constant(is_and, err);
	}
	return node;
}

/*
 * Rough cost of evaluating a node over a block, so AND/OR try cheap children first and can stop
 * before decoding expensive columns: per-part constants, then dictionary lookups (which may rule
 * out a whole block from its dictionary), integers, addresses, and nested trees last.
 */
static int
evaluation_cost(const cpred *p)
{
	if (p->type == KF_P_AND || p->type == KF_P_OR)
		return 4;
	if (p->col == KF_E_DEVICE_ID || p->col == KF_E_DEVICE_NAME)
		return 0;
	switch (leaf_kind(p->type))
	{
		case KF_V_STR:
			return 1;
		case KF_V_INT:
			return 2;
		default:
			return 3;
	}
}

/* Stable insertion sort by cost: the caller's order is kept among equals. */
static void
order_children_by_cost(cpred *node)
{
	for (uint32_t i = 1; i < node->nchildren; i++)
	{
		cpred	   *moving = node->children[i];
		uint32_t	j = i;

		for (; j > 0 && evaluation_cost(node->children[j - 1]) > evaluation_cost(moving); j--)
			node->children[j] = node->children[j - 1];
		node->children[j] = moving;
	}
}

/* AND / OR (swapped when negated, De Morgan), folding constant children. */
static cpred *
compile_junction(const kf_pred *in, bool negate, int depth, kf_error *err)
{
	if (in->nchildren > 0 && in->children == NULL)
	{
		kf_error_set(err, "AND/OR node has %u children but no array", in->nchildren);
		return NULL;
	}
	kf_pred_type type = (in->type == KF_P_AND) != negate ? KF_P_AND : KF_P_OR;
	kf_pred_type absorbing = type == KF_P_AND ? KF_P_FALSE : KF_P_TRUE;
	cpred	   *node = new_node(type, err);
	uint32_t	capacity = 0;

	for (uint32_t i = 0; node != NULL && i < in->nchildren; i++)
	{
		cpred	   *child = compile_node(in->children[i], negate, depth + 1, err);

		if (child == NULL)
		{
			pred_free(node);
			return NULL;
		}
		if (child->type == absorbing)
		{
			pred_free(node);
			return child;
		}
		if (child->type == KF_P_TRUE || child->type == KF_P_FALSE)
			pred_free(child);	/* the neutral constant */
		else if (adopt_child(node, child, &capacity, err) != 0)
		{
			pred_free(node);
			return NULL;
		}
	}
	if (node == NULL)
		return NULL;
	order_children_by_cost(node);
	return simplify_junction(node, err);
}

static cpred *
compile_node(const kf_pred *in, bool negate, int depth, kf_error *err)
{
	if (in == NULL)
	{
		kf_error_set(err, "predicate tree has a NULL node");
		return NULL;
	}
	if (depth > PRED_MAX_DEPTH)
	{
		kf_error_set(err, "predicate is nested more than %d levels deep", PRED_MAX_DEPTH);
		return NULL;
	}
	switch (in->type)
	{
		case KF_P_TRUE:
		case KF_P_FALSE:
			return constant((in->type == KF_P_TRUE) != negate, err);
		case KF_P_AND:
		case KF_P_OR:
			return compile_junction(in, negate, depth, err);
		case KF_P_NOT:
			if (in->nchildren != 1 || in->children == NULL)
			{
				kf_error_set(err, "NOT node must have exactly one child (has %u)", in->nchildren);
				return NULL;
			}
			return compile_node(in->children[0], !negate, depth + 1, err);
		default:
			return compile_leaf(in, negate, err);
	}
}

cpred *
pred_compile(const kf_pred *pred, kf_error *err)
{
	if (pred == NULL)
		return constant(true, err);
	return compile_node(pred, false, 0, err);
}

uint32_t
pred_depth(const cpred *p)
{
	uint32_t	deepest = 0;

	for (uint32_t i = 0; i < p->nchildren; i++)
	{
		uint32_t	d = pred_depth(p->children[i]);

		if (d > deepest)
			deepest = d;
	}
	return deepest + 1;
}

void
pred_columns_used(const cpred *p, bool used[KF_E_NUM_COLUMNS])
{
	if (p->type == KF_P_AND || p->type == KF_P_OR)
	{
		for (uint32_t i = 0; i < p->nchildren; i++)
			pred_columns_used(p->children[i], used);
		return;
	}
	if (p->type != KF_P_TRUE && p->type != KF_P_FALSE)
		used[p->col] = true;
}
