/*-------------------------------------------------------------------------
 *
 * qual_pushdown.c
 *		  Decides which WHERE clauses the scan engine can evaluate and translates them to kf_pred.
 *
 * Policy (a whitelist, as postgres_fdw's foreign_expr_walker): a clause is pushed only if every
 * node in it is understood here and the engine gives exactly PostgreSQL's answer; anything else
 * stays local and PostgreSQL evaluates it.  Pushed clauses are not checked again.
 *
 * Understood: AND/OR/NOT; IS [NOT] NULL on a column; and "column <op> operand" where the operand
 * is a Const or, for integer and time columns, a stable expression without Vars (a Param,
 * now() - interval '1 hour', ...) that is evaluated once when the scan starts:
 *	- integers: the btree integer_ops operators (any int2/int4/int8 mix; <> as the negator of =),
 *	  = ANY / <> ALL over constant arrays;
 *	- ctimestamp: this extension's kentik_time operators (relative constants are resolved with
 *	  kf_resolve_time_constant, the function the operators themselves use);
 *	- i_start_time: timestamptz comparisons, converted exactly to whole seconds;
 *	- inet: comparisons with a host address, <<= << >>= >> with a network, = ANY / <> ALL;
 *	- text: = <> = ANY / <> ALL and [NOT] [I]LIKE with ASCII patterns, deterministic collations;
 *	- boolean (i_fast_dataset, 0/1 in the engine): the bare column, = <> with a constant, and
 *	  IS [NOT] TRUE/FALSE/UNKNOWN (the column is never NULL).
 *
 * NULLs.  The engine evaluates three-valued logic over its columns, but it has no NULL constant.
 * A NULL operand (or a NULL element of an = ANY array) therefore yields FALSE, which is exact
 * only where no NOT is above the clause ("positive" context); under a NOT such clauses and
 * non-Const operands (which may turn out NULL) stay local.  Degenerate comparisons that are
 * FALSE for every value are only pushed on columns that cannot be NULL, for the same reason.
 *
 * The same code runs at plan time (deciding pushability, with placeholder values) and when the
 * scan starts (building the real tree), so the two can never disagree.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>

#include "fdw/kentik_fdw.h"

#include "catalog/dependency.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inet.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/timestamp.h"

/* The column side of a comparison. */
typedef struct KfColumnRef
{
	kf_ecol		ecol;
	Oid			typid;			/* the type the comparison sees (int8 for a relabelled kentik_time) */
	bool		nullable;
} KfColumnRef;

static kf_pred *translate_node(KfTranslateContext *ctx, Node *node, bool negated);

static const char *const op_symbols[] = {"=", "<>", "<", "<=", ">", ">="};

/* ---------------------------------------------------------------- tree building */

static kf_pred *
new_node(kf_pred_type type)
{
	kf_pred    *pred = palloc0(sizeof(kf_pred));

	pred->type = type;
	return pred;
}

static kf_pred *
new_leaf(kf_pred_type type, const KfColumnRef *col)
{
	kf_pred    *pred = new_node(type);

	pred->col = col->ecol;
	return pred;
}

static kf_pred *
new_not(kf_pred *child)
{
	kf_pred    *pred = new_node(KF_P_NOT);
	const kf_pred **children = palloc(sizeof(kf_pred *));

	children[0] = child;
	pred->nchildren = 1;
	pred->children = children;
	return pred;
}

/* kf_pred_and combines preds (a List of kf_pred *) with AND; NULL for an empty list. */
kf_pred *
kf_pred_and(List *preds)
{
	kf_pred    *pred;
	const kf_pred **children;
	int			i = 0;
	ListCell   *lc;

	if (preds == NIL)
		return NULL;
	if (list_length(preds) == 1)
		return (kf_pred *) linitial(preds);
	pred = new_node(KF_P_AND);
	children = palloc(sizeof(kf_pred *) * list_length(preds));
	foreach(lc, preds)
		children[i++] = (kf_pred *) lfirst(lc);
	pred->nchildren = i;
	pred->children = children;
	return pred;
}

/* add_display records how EXPLAIN shows a leaf that kf_pred_format would show differently. */
static void
add_display(KfTranslateContext *ctx, kf_pred *leaf, char *text)
{
	ctx->display_leaves = lappend(ctx->display_leaves, list_make2(leaf, text));
}

/* ---------------------------------------------------------------- operands */

/* column_ref recognises a plain column of the scanned table (optionally a kentik_time as int8). */
static bool
column_ref(KfTranslateContext *ctx, Node *node, KfColumnRef *col)
{
	Oid			typid = exprType(node);
	Var		   *var;
	int			ecol;

	if (IsA(node, RelabelType) && IsA(((RelabelType *) node)->arg, Var) && typid == INT8OID)
		node = (Node *) ((RelabelType *) node)->arg;
	if (!IsA(node, Var))
		return false;
	var = (Var *) node;
	if (var->varlevelsup != 0 || var->varattno <= 0 || var->varattno > ctx->columns->natts)
		return false;
	ecol = ctx->columns->ecol_of_attno[var->varattno - 1];
	if (ecol < 0)
		return false;
	col->ecol = (kf_ecol) ecol;
	col->typid = kf_is_kentik_time_type(var->vartype) ? typid : var->vartype;
	col->nullable = kf_ecol_describe(col->ecol)->nullable;
	return true;
}

/*
 * kf_plain_column tells whether node is a column of the table (or a kentik_time read as int8) and
 * which engine column it is; the aggregate pushdown recognises its operands with it.
 */
bool
kf_plain_column(KfColumnMap *columns, Node *node, kf_ecol *ecol)
{
	KfTranslateContext ctx = {0};
	KfColumnRef col;

	ctx.columns = columns;
	if (!column_ref(&ctx, node, &col))
		return false;
	*ecol = col.ecol;
	return true;
}

/* operand_is_stable tells whether a non-Const operand can be evaluated once per scan. */
static bool
operand_is_stable(Node *node)
{
	return !contain_var_clause(node) && !contain_volatile_functions(node) &&
		!contain_subplans(node);
}

/*
 * operand_value returns the value of a comparison operand.  At plan time a non-Const operand
 * gets a dummy non-NULL value; only its pushability matters then.
 */
static Datum
operand_value(KfTranslateContext *ctx, Node *node, bool *isnull)
{
	ExprState  *state;

	if (IsA(node, Const))
	{
		*isnull = ((Const *) node)->constisnull;
		return ((Const *) node)->constvalue;
	}
	*isnull = false;
	if (!ctx->build_values)
		return (Datum) 0;
	state = ExecInitExpr((Expr *) node, ctx->parent);
	return ExecEvalExpr(state, ctx->econtext, isnull);
}

/* int_datum_value reads an int2/int4/int8 datum as int64. */
static int64
int_datum_value(Datum value, Oid typid)
{
	switch (typid)
	{
		case INT2OID:
			return DatumGetInt16(value);
		case INT4OID:
			return DatumGetInt32(value);
		default:
			return DatumGetInt64(value);
	}
}

/* null_result is what a comparison with a NULL operand becomes: FALSE, or unpushable if negated. */
static kf_pred *
null_result(bool negated)
{
	return negated ? NULL : new_node(KF_P_FALSE);
}

/* operand_display shows a non-Const operand for EXPLAIN. */
static char *
operand_display(KfTranslateContext *ctx, Node *node)
{
	if (ctx->deparse_cxt == NIL)
		return pstrdup("(expression)");
	return deparse_expression(node, ctx->deparse_cxt, false, false);
}

/* ---------------------------------------------------------------- operators */

/* commute_op gives the operator with its arguments swapped (a < b  ==  b > a). */
static kf_cmp_op
commute_op(kf_cmp_op op)
{
	switch (op)
	{
		case KF_OP_LT:
			return KF_OP_GT;
		case KF_OP_LE:
			return KF_OP_GE;
		case KF_OP_GT:
			return KF_OP_LT;
		case KF_OP_GE:
			return KF_OP_LE;
		default:
			return op;
	}
}

/* btree_cmp_op maps an operator of a btree opfamily (or the negator of its =) to kf_cmp_op. */
static bool
btree_cmp_op(Oid opno, Oid opfamily, kf_cmp_op *op)
{
	Oid			negator;

	switch (get_op_opfamily_strategy(opno, opfamily))
	{
		case BTLessStrategyNumber:
			*op = KF_OP_LT;
			return true;
		case BTLessEqualStrategyNumber:
			*op = KF_OP_LE;
			return true;
		case BTEqualStrategyNumber:
			*op = KF_OP_EQ;
			return true;
		case BTGreaterEqualStrategyNumber:
			*op = KF_OP_GE;
			return true;
		case BTGreaterStrategyNumber:
			*op = KF_OP_GT;
			return true;
	}
	negator = get_negator(opno);
	if (OidIsValid(negator) && get_op_opfamily_strategy(negator, opfamily) == BTEqualStrategyNumber)
	{
		*op = KF_OP_NE;
		return true;
	}
	return false;
}

/* op_by_name maps an operator's name to kf_cmp_op (for this extension's own operators). */
static bool
op_by_name(Oid opno, kf_cmp_op *op)
{
	char	   *name = get_opname(opno);

	for (int i = 0; name != NULL && i < lengthof(op_symbols); i++)
	{
		if (strcmp(name, op_symbols[i]) == 0)
		{
			*op = (kf_cmp_op) i;
			return true;
		}
	}
	return false;
}

/* is_extension_operator tells whether opno is implemented by a function of this extension. */
static bool
is_extension_operator(Oid opno)
{
	Oid			ext = kf_extension_oid();
	Oid			func = get_opcode(opno);

	return OidIsValid(ext) && OidIsValid(func) && func >= FirstNormalObjectId &&
		getExtensionOfObject(ProcedureRelationId, func) == ext;
}

/* ---------------------------------------------------------------- comparisons by column kind */

/* translate_int_cmp: an integer column against an integer operand. */
static kf_pred *
translate_int_cmp(KfTranslateContext *ctx, const KfColumnRef *col, kf_cmp_op op,
				  Node *operand, bool negated)
{
	Oid			typid = exprType(operand);
	bool		isnull;
	Datum		value;
	kf_pred    *leaf;

	if (typid != INT2OID && typid != INT4OID && typid != INT8OID)
		return NULL;
	if (!IsA(operand, Const) && (negated || !operand_is_stable(operand)))
		return NULL;
	value = operand_value(ctx, operand, &isnull);
	if (isnull)
		return null_result(negated);
	leaf = new_leaf(KF_P_INT_CMP, col);
	leaf->op = op;
	leaf->value.i = int_datum_value(value, typid);
	if (!IsA(operand, Const))
		add_display(ctx, leaf, psprintf("%s %s %s", kf_ecol_describe(col->ecol)->name,
										op_symbols[op], operand_display(ctx, operand)));
	return leaf;
}

/*
 * translate_time_cmp: ctimestamp (kentik_time) with one of this extension's operators.  Against
 * an integer, a value below 10^9 counts back from the reference time; against a kentik_time it
 * is absolute.  EXPLAIN shows relative conditions as "now - N" so plans do not change every run.
 */
static kf_pred *
translate_time_cmp(KfTranslateContext *ctx, const KfColumnRef *col, Oid opno, kf_cmp_op op,
				   Node *operand, bool negated)
{
	Oid			typid = exprType(operand);
	bool		relative = (typid == INT4OID || typid == INT8OID);
	bool		isnull;
	Datum		value;
	int64		c;
	kf_pred    *leaf;

	if (!is_extension_operator(opno) || (!relative && !kf_is_kentik_time_type(typid)))
		return NULL;
	if (!IsA(operand, Const) && (negated || !operand_is_stable(operand)))
		return NULL;
	value = operand_value(ctx, operand, &isnull);
	if (isnull)
		return null_result(negated);
	c = relative ? int_datum_value(value, typid) : DatumGetInt64(value);
	leaf = new_leaf(KF_P_INT_CMP, col);
	leaf->op = op;
	leaf->value.i = (relative && ctx->build_values) ? kf_resolve_time_constant(c) : c;
	if (!IsA(operand, Const))
		add_display(ctx, leaf, psprintf(relative ? "ctimestamp %s resolved(%s)" : "ctimestamp %s %s",
										op_symbols[op], operand_display(ctx, operand)));
	else if (relative && c < KF_RELATIVE_TIME_LIMIT)
		add_display(ctx, leaf, psprintf(c >= 0 ? "ctimestamp %s now - " INT64_FORMAT
										: "ctimestamp %s now + " INT64_FORMAT,
										op_symbols[op], c >= 0 ? c : -c));
	return leaf;
}

/* floor_div / ceil_div divide by a positive divisor rounding toward -inf / +inf. */
static int64
floor_div(int64 a, int64 b)
{
	return (a >= 0) ? a / b : -((-a + b - 1) / b);
}

static int64
ceil_div(int64 a, int64 b)
{
	return -floor_div(-a, b);
}

/*
 * timestamp_leaf builds "i_start_time op t" on whole seconds.  i_start_time holds whole seconds,
 * so col > t is col > floor(t), col >= t is col >= ceil(t), and so on; = with a fractional t is
 * never true.  Infinite timestamps are before/after every value.
 */
static kf_pred *
timestamp_leaf(const KfColumnRef *col, kf_cmp_op op, TimestampTz t)
{
	kf_pred    *leaf;
	int64		usecs;
	bool		whole;

	if (TIMESTAMP_IS_NOBEGIN(t) || TIMESTAMP_IS_NOEND(t))
	{
		bool		below = TIMESTAMP_IS_NOBEGIN(t);
		bool		result = (op == KF_OP_NE) ||
			(below ? (op == KF_OP_GT || op == KF_OP_GE) : (op == KF_OP_LT || op == KF_OP_LE));

		return new_node(result ? KF_P_TRUE : KF_P_FALSE);
	}
	usecs = t + KF_UNIX_TO_PG_EPOCH_SECS * USECS_PER_SEC;
	whole = (usecs % USECS_PER_SEC) == 0;
	if (!whole && (op == KF_OP_EQ || op == KF_OP_NE))
		return new_node(op == KF_OP_NE ? KF_P_TRUE : KF_P_FALSE);
	leaf = new_leaf(KF_P_INT_CMP, col);
	leaf->op = op;
	if (op == KF_OP_GE || op == KF_OP_LT)
		leaf->value.i = ceil_div(usecs, USECS_PER_SEC);
	else
		leaf->value.i = floor_div(usecs, USECS_PER_SEC);
	return leaf;
}

/* timestamptz_cmp_op maps the timestamptz-vs-timestamptz comparison functions to kf_cmp_op. */
static bool
timestamptz_cmp_op(Oid func, kf_cmp_op *op)
{
	static const Oid funcs[] = {F_TIMESTAMPTZ_EQ, F_TIMESTAMPTZ_NE, F_TIMESTAMPTZ_LT,
	F_TIMESTAMPTZ_LE, F_TIMESTAMPTZ_GT, F_TIMESTAMPTZ_GE};

	for (int i = 0; i < lengthof(funcs); i++)
	{
		if (funcs[i] == func)
		{
			*op = (kf_cmp_op) i;
			return true;
		}
	}
	return false;
}

/* translate_timestamptz_cmp: i_start_time against a timestamptz operand. */
static kf_pred *
translate_timestamptz_cmp(KfTranslateContext *ctx, const KfColumnRef *col, kf_cmp_op op,
						  Node *operand, bool negated)
{
	bool		isnull;
	Datum		value;
	kf_pred    *leaf;

	if (exprType(operand) != TIMESTAMPTZOID)
		return NULL;
	if (!IsA(operand, Const) && (negated || !operand_is_stable(operand)))
		return NULL;
	value = operand_value(ctx, operand, &isnull);
	if (isnull)
		return null_result(negated);
	if (!ctx->build_values && !IsA(operand, Const))
	{
		leaf = new_leaf(KF_P_INT_CMP, col);
		leaf->op = op;
		add_display(ctx, leaf, psprintf("i_start_time %s %s", op_symbols[op],
										operand_display(ctx, operand)));
		return leaf;
	}
	return timestamp_leaf(col, op, DatumGetTimestampTz(value));
}

/* inet_to_addr converts an inet value to a kf_addr and its prefix length in kf_addr bits. */
static void
inet_to_addr(inet *value, kf_addr *addr, int *prefix_len)
{
	unsigned char *bytes = ip_addr(value);

	if (ip_family(value) == PGSQL_AF_INET)
	{
		uint32		v4 = ((uint32) bytes[0] << 24) | ((uint32) bytes[1] << 16) |
			((uint32) bytes[2] << 8) | (uint32) bytes[3];

		*addr = kf_addr_from_v4(v4);
		*prefix_len = 96 + ip_bits(value);
		return;
	}
	addr->hi = 0;
	addr->lo = 0;
	for (int i = 0; i < 8; i++)
	{
		addr->hi = (addr->hi << 8) | bytes[i];
		addr->lo = (addr->lo << 8) | bytes[8 + i];
	}
	*prefix_len = ip_bits(value);
}

/*
 * v6_overlaps_v4_mapped tells whether an IPv6 network shares addresses with ::ffff:0:0/96, where
 * the engine keeps IPv4 addresses; such a constant would make the engine mix up the families.
 */
static bool
v6_overlaps_v4_mapped(kf_addr addr, int prefix_len)
{
	int			bits = Min(prefix_len, 96);
	uint64		top = (addr.lo >> 32);	/* bits 64..95 of the address */

	if (bits <= 64)
		return bits == 0 || (addr.hi >> (64 - bits)) == 0;
	return addr.hi == 0 && (top >> (96 - bits)) == (UINT64CONST(0xffff) >> (96 - bits));
}

/* inet_constant reads a Const inet operand; false if it cannot be pushed (family mix-ups). */
static bool
inet_constant(Node *operand, kf_addr *addr, int *prefix_len, bool *is_host)
{
	inet	   *value;

	if (!IsA(operand, Const) || exprType(operand) != INETOID)
		return false;
	value = DatumGetInetPP(((Const *) operand)->constvalue);
	inet_to_addr(value, addr, prefix_len);
	*is_host = (ip_bits(value) == ip_maxbits(value));
	if (ip_family(value) == PGSQL_AF_INET6 && v6_overlaps_v4_mapped(*addr, *prefix_len))
		return false;
	return true;
}

/* new_binary builds an AND or OR of two children. */
static kf_pred *
new_binary(kf_pred_type type, kf_pred *a, kf_pred *b)
{
	kf_pred    *pred = kf_pred_and(list_make2(a, b));

	pred->type = type;
	return pred;
}

/*
 * family_ordered wraps an inet ordering comparison so that, as in PostgreSQL, every IPv4 address
 * sorts before every IPv6 address: the engine's comparison is only relied on between addresses
 * of the same family.  "IPv4" is "inside ::ffff:0:0/96", where the store keeps IPv4 addresses.
 * On a NULL (ipv4_*) row every leaf is unknown, so the whole stays unknown, as in SQL.
 */
static kf_pred *
family_ordered(const KfColumnRef *col, kf_pred *cmp, bool const_is_v4)
{
	kf_pred    *is_v4 = new_leaf(KF_P_ADDR_WITHIN, col);
	bool		below = (cmp->op == KF_OP_LT || cmp->op == KF_OP_LE);

	is_v4->value.addr = kf_addr_from_v4(0);
	is_v4->prefix_len = 96;
	if (const_is_v4)
		return below ? new_binary(KF_P_AND, is_v4, cmp)
			: new_binary(KF_P_OR, new_binary(KF_P_AND, is_v4, cmp), new_not(is_v4));
	return below ? new_binary(KF_P_OR, is_v4, new_binary(KF_P_AND, new_not(is_v4), cmp))
		: new_binary(KF_P_AND, new_not(is_v4), cmp);
}

/*
 * translate_inet_op: an inet column with a comparison (host constants only) or a containment
 * operator.  func is the operator's function with the column as its first argument.
 */
static kf_pred *
translate_inet_op(const KfColumnRef *col, Oid func, Node *operand, bool negated)
{
	kf_addr		addr;
	int			prefix_len;
	bool		is_host;
	kf_pred    *leaf;
	static const struct
	{
		Oid			func;
		kf_cmp_op	op;
	}			cmps[] = {
		{F_NETWORK_EQ, KF_OP_EQ}, {F_NETWORK_NE, KF_OP_NE}, {F_NETWORK_LT, KF_OP_LT},
		{F_NETWORK_LE, KF_OP_LE}, {F_NETWORK_GT, KF_OP_GT}, {F_NETWORK_GE, KF_OP_GE}
	};

	if (IsA(operand, Const) && ((Const *) operand)->constisnull)
		return null_result(negated);
	if (!inet_constant(operand, &addr, &prefix_len, &is_host))
		return NULL;
	for (int i = 0; i < lengthof(cmps); i++)
	{
		if (cmps[i].func != func)
			continue;
		if (!is_host)
			return NULL;
		leaf = new_leaf(KF_P_ADDR_CMP, col);
		leaf->op = cmps[i].op;
		leaf->value.addr = addr;
		if (leaf->op == KF_OP_EQ || leaf->op == KF_OP_NE)
			return leaf;
		return family_ordered(col, leaf, kf_addr_is_v4(addr));
	}

	/*
	 * Column values are host addresses: col <<= net is "inside net"; col << net also needs net to
	 * be shorter than a host; col >>= net holds only for net = col; col >> net never holds.
	 */
	if (func == F_NETWORK_SUBEQ || (func == F_NETWORK_SUB && !is_host))
	{
		leaf = new_leaf(KF_P_ADDR_WITHIN, col);
		leaf->value.addr = addr;
		leaf->prefix_len = (uint8) prefix_len;
		return leaf;
	}
	if (func == F_NETWORK_SUPEQ && is_host)
	{
		leaf = new_leaf(KF_P_ADDR_CMP, col);
		leaf->op = KF_OP_EQ;
		leaf->value.addr = addr;
		return leaf;
	}
	if ((func == F_NETWORK_SUPEQ || func == F_NETWORK_SUP || func == F_NETWORK_SUB) &&
		!col->nullable)
		return new_node(KF_P_FALSE);
	return NULL;
}

/* commuted_inet_func: the function of the operator with swapped arguments (net <<= col == col >>= net). */
static Oid
commuted_inet_func(Oid func)
{
	switch (func)
	{
		case F_NETWORK_SUB:
			return F_NETWORK_SUP;
		case F_NETWORK_SUBEQ:
			return F_NETWORK_SUPEQ;
		case F_NETWORK_SUP:
			return F_NETWORK_SUB;
		case F_NETWORK_SUPEQ:
			return F_NETWORK_SUBEQ;
		case F_NETWORK_LT:
			return F_NETWORK_GT;
		case F_NETWORK_LE:
			return F_NETWORK_GE;
		case F_NETWORK_GT:
			return F_NETWORK_LT;
		case F_NETWORK_GE:
			return F_NETWORK_LE;
		default:
			return func;
	}
}

/* collation_is_pushable: the engine compares bytes, right only for deterministic collations. */
static bool
collation_is_pushable(Oid collid)
{
	return !OidIsValid(collid) || get_collation_isdeterministic(collid);
}

/* is_ascii tells whether a string has only 7-bit characters. */
static bool
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
	{
		if ((unsigned char) *s >= 0x80)
			return false;
	}
	return true;
}

/* translate_text_op: a text column with = <> or [NOT] [I]LIKE and a Const. */
static kf_pred *
translate_text_op(const KfColumnRef *col, Oid func, Oid collid, bool commuted, Node *operand,
				  bool negated)
{
	kf_pred    *leaf;
	char	   *str;
	bool		like = (func == F_TEXTLIKE || func == F_TEXTNLIKE);
	bool		ilike = (func == F_TEXTICLIKE || func == F_TEXTICNLIKE);

	if (!IsA(operand, Const) || exprType(operand) != TEXTOID || !collation_is_pushable(collid))
		return NULL;
	if (func != F_TEXTEQ && func != F_TEXTNE && !((like || ilike) && !commuted))
		return NULL;
	if (((Const *) operand)->constisnull)
		return null_result(negated);
	str = TextDatumGetCString(((Const *) operand)->constvalue);
	if ((like || ilike) && !is_ascii(str))
		return NULL;
	leaf = new_leaf(like ? KF_P_STR_LIKE : ilike ? KF_P_STR_ILIKE : KF_P_STR_CMP, col);
	leaf->op = (func == F_TEXTNE) ? KF_OP_NE : KF_OP_EQ;
	leaf->value.str = str;
	if (func == F_TEXTNLIKE || func == F_TEXTICNLIKE)
		return new_not(leaf);
	return leaf;
}

/*
 * bool_leaf builds "col = value" on a boolean column, which the engine holds as 0 / 1; EXPLAIN
 * shows it with true / false.
 */
static kf_pred *
bool_leaf(KfTranslateContext *ctx, const KfColumnRef *col, kf_cmp_op op, bool value)
{
	kf_pred    *leaf = new_leaf(KF_P_INT_CMP, col);

	leaf->op = op;
	leaf->value.i = value ? 1 : 0;
	add_display(ctx, leaf, psprintf("%s %s %s", kf_ecol_describe(col->ecol)->name, op_symbols[op],
									value ? "true" : "false"));
	return leaf;
}

/* translate_bool_op: a boolean column = or <> a Const. */
static kf_pred *
translate_bool_op(KfTranslateContext *ctx, const KfColumnRef *col, Oid func, Node *operand,
				  bool negated)
{
	if (!IsA(operand, Const) || exprType(operand) != BOOLOID || (func != F_BOOLEQ && func != F_BOOLNE))
		return NULL;
	if (((Const *) operand)->constisnull)
		return null_result(negated);
	return bool_leaf(ctx, col, func == F_BOOLEQ ? KF_OP_EQ : KF_OP_NE,
					 DatumGetBool(((Const *) operand)->constvalue));
}

/* translate_boolean_column: a boolean column used as a condition by itself. */
static kf_pred *
translate_boolean_column(KfTranslateContext *ctx, Node *node)
{
	KfColumnRef col;

	if (!column_ref(ctx, node, &col) || col.typid != BOOLOID)
		return NULL;
	return bool_leaf(ctx, &col, KF_OP_EQ, true);
}

/* translate_boolean_test: IS [NOT] TRUE / FALSE / UNKNOWN on a boolean column that is never NULL. */
static kf_pred *
translate_boolean_test(KfTranslateContext *ctx, BooleanTest *test)
{
	KfColumnRef col;

	if (!column_ref(ctx, (Node *) test->arg, &col) || col.typid != BOOLOID || col.nullable)
		return NULL;
	switch (test->booltesttype)
	{
		case IS_TRUE:
		case IS_NOT_FALSE:
			return bool_leaf(ctx, &col, KF_OP_EQ, true);
		case IS_FALSE:
		case IS_NOT_TRUE:
			return bool_leaf(ctx, &col, KF_OP_EQ, false);
		case IS_UNKNOWN:
			return new_node(KF_P_FALSE);
		case IS_NOT_UNKNOWN:
			return new_node(KF_P_TRUE);
	}
	return NULL;
}

/* translate_opexpr: "column op operand" or "operand op column". */
static kf_pred *
translate_opexpr(KfTranslateContext *ctx, OpExpr *expr, bool negated)
{
	KfColumnRef col;
	Node	   *operand;
	bool		commuted;
	kf_cmp_op	op;

	if (list_length(expr->args) != 2)
		return NULL;
	if (column_ref(ctx, linitial(expr->args), &col))
	{
		operand = lsecond(expr->args);
		commuted = false;
	}
	else if (column_ref(ctx, lsecond(expr->args), &col))
	{
		operand = linitial(expr->args);
		commuted = true;
	}
	else
		return NULL;

	if (col.ecol == KF_E_CTIMESTAMP && kf_is_kentik_time_type(col.typid))
	{
		if (!op_by_name(expr->opno, &op))
			return NULL;
		return translate_time_cmp(ctx, &col, expr->opno, commuted ? commute_op(op) : op,
								  operand, negated);
	}
	if (col.typid == INT2OID || col.typid == INT4OID || col.typid == INT8OID)
	{
		if (!btree_cmp_op(expr->opno, INTEGER_BTREE_FAM_OID, &op))
			return NULL;
		return translate_int_cmp(ctx, &col, commuted ? commute_op(op) : op, operand, negated);
	}
	if (col.typid == TIMESTAMPTZOID)
	{
		if (!timestamptz_cmp_op(get_opcode(expr->opno), &op))
			return NULL;
		return translate_timestamptz_cmp(ctx, &col, commuted ? commute_op(op) : op, operand,
										 negated);
	}
	if (col.typid == INETOID)
	{
		Oid			func = get_opcode(expr->opno);

		return translate_inet_op(&col, commuted ? commuted_inet_func(func) : func, operand, negated);
	}
	if (col.typid == TEXTOID)
		return translate_text_op(&col, get_opcode(expr->opno), expr->inputcollid, commuted,
								 operand, negated);
	if (col.typid == BOOLOID)
		return translate_bool_op(ctx, &col, get_opcode(expr->opno), operand, negated);
	return NULL;
}

/* ---------------------------------------------------------------- = ANY / <> ALL */

/* array_leaf_values fills an *_IN leaf with the non-NULL elements; false if one is unpushable. */
static bool
array_leaf_values(kf_pred *leaf, Datum *elems, bool *nulls, int nelems, Oid elemtype)
{
	int64	   *ints = palloc(sizeof(int64) * Max(nelems, 1));
	kf_addr    *addrs = palloc(sizeof(kf_addr) * Max(nelems, 1));
	const char **strs = palloc(sizeof(char *) * Max(nelems, 1));
	uint32		n = 0;

	for (int i = 0; i < nelems; i++)
	{
		if (nulls[i])
			continue;
		if (leaf->type == KF_P_INT_IN)
			ints[n] = int_datum_value(elems[i], elemtype);
		else if (leaf->type == KF_P_STR_IN)
			strs[n] = TextDatumGetCString(elems[i]);
		else
		{
			inet	   *value = DatumGetInetPP(elems[i]);
			int			prefix_len;

			inet_to_addr(value, &addrs[n], &prefix_len);
			if (ip_bits(value) != ip_maxbits(value) ||
				(ip_family(value) == PGSQL_AF_INET6 && v6_overlaps_v4_mapped(addrs[n], prefix_len)))
				return false;
		}
		n++;
	}
	leaf->nvalues = n;
	if (leaf->type == KF_P_INT_IN)
		leaf->values.ints = ints;
	else if (leaf->type == KF_P_STR_IN)
		leaf->values.strs = strs;
	else
		leaf->values.addrs = addrs;
	return true;
}

/* in_leaf_type: the *_IN leaf for a column and the = operator of an array comparison, or -1. */
static int
in_leaf_type(const KfColumnRef *col, Oid eq_opno, Oid collid)
{
	kf_cmp_op	op;
	Oid			func = get_opcode(eq_opno);

	if (col->typid == INT2OID || col->typid == INT4OID || col->typid == INT8OID)
		return (btree_cmp_op(eq_opno, INTEGER_BTREE_FAM_OID, &op) && op == KF_OP_EQ) ? KF_P_INT_IN : -1;
	if (col->typid == INETOID)
		return func == F_NETWORK_EQ ? KF_P_ADDR_IN : -1;
	if (col->typid == TEXTOID)
		return (func == F_TEXTEQ && collation_is_pushable(collid)) ? KF_P_STR_IN : -1;
	return -1;
}

/*
 * translate_scalar_array: col = ANY(const array) is an IN leaf; col <> ALL(array) is its
 * negation.  An empty array is FALSE / TRUE for every row.  NULL elements: = ANY ignores them
 * and <> ALL can then never be true, exact only in positive context.
 */
static kf_pred *
translate_scalar_array(KfTranslateContext *ctx, ScalarArrayOpExpr *expr, bool negated)
{
	KfColumnRef col;
	Node	   *array = lsecond(expr->args);
	Oid			eq_opno = expr->useOr ? expr->opno : get_negator(expr->opno);
	ArrayType  *arr;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	bool		has_null = false;
	int			type;
	kf_pred    *leaf;

	if (!column_ref(ctx, linitial(expr->args), &col) || !IsA(array, Const) || !OidIsValid(eq_opno))
		return NULL;
	if (col.ecol == KF_E_CTIMESTAMP && kf_is_kentik_time_type(col.typid))
		return NULL;
	type = in_leaf_type(&col, eq_opno, expr->inputcollid);
	if (type < 0)
		return NULL;
	if (((Const *) array)->constisnull)
		return null_result(negated);
	arr = DatumGetArrayTypeP(((Const *) array)->constvalue);
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, &nelems);
	if (nelems == 0)
		return new_node(expr->useOr ? KF_P_FALSE : KF_P_TRUE);
	for (int i = 0; i < nelems; i++)
		has_null |= nulls[i];
	if (has_null && negated)
		return NULL;
	if (has_null && !expr->useOr)
		return new_node(KF_P_FALSE);
	leaf = new_leaf((kf_pred_type) type, &col);
	if (!array_leaf_values(leaf, elems, nulls, nelems, ARR_ELEMTYPE(arr)))
		return NULL;
	if (leaf->nvalues == 0)
		return new_node(KF_P_FALSE);	/* only NULL elements, positive context */
	return expr->useOr ? leaf : new_not(leaf);
}

/* ---------------------------------------------------------------- the walker */

static kf_pred *
translate_bool(KfTranslateContext *ctx, BoolExpr *expr, bool negated)
{
	List	   *children = NIL;
	ListCell   *lc;
	kf_pred    *pred;

	if (expr->boolop == NOT_EXPR)
	{
		kf_pred    *child = translate_node(ctx, linitial(expr->args), !negated);

		return child ? new_not(child) : NULL;
	}
	foreach(lc, expr->args)
	{
		kf_pred    *child = translate_node(ctx, lfirst(lc), negated);

		if (child == NULL)
			return NULL;
		children = lappend(children, child);
	}
	pred = kf_pred_and(children);
	if (expr->boolop == OR_EXPR && list_length(children) > 1)
		pred->type = KF_P_OR;
	return pred;
}

static kf_pred *
translate_null_test(KfTranslateContext *ctx, NullTest *test)
{
	KfColumnRef col;
	kf_pred    *leaf;

	if (test->argisrow || !column_ref(ctx, (Node *) test->arg, &col))
		return NULL;
	leaf = new_leaf(KF_P_IS_NULL, &col);
	return test->nulltesttype == IS_NULL ? leaf : new_not(leaf);
}

/* translate_node returns the kf_pred for node, or NULL if any part of it cannot be pushed. */
static kf_pred *
translate_node(KfTranslateContext *ctx, Node *node, bool negated)
{
	if (node == NULL)
		return NULL;
	switch (nodeTag(node))
	{
		case T_BoolExpr:
			return translate_bool(ctx, (BoolExpr *) node, negated);
		case T_NullTest:
			return translate_null_test(ctx, (NullTest *) node);
		case T_OpExpr:
			return translate_opexpr(ctx, (OpExpr *) node, negated);
		case T_ScalarArrayOpExpr:
			return translate_scalar_array(ctx, (ScalarArrayOpExpr *) node, negated);
		case T_Var:
			return translate_boolean_column(ctx, node);
		case T_BooleanTest:
			return translate_boolean_test(ctx, (BooleanTest *) node);
		default:
			return NULL;
	}
}

/*
 * kf_translate_clause translates one WHERE clause (a RestrictInfo's clause) into a kf_pred tree
 * allocated in the current memory context, or returns NULL if it must stay local.
 */
kf_pred *
kf_translate_clause(KfTranslateContext *ctx, Expr *clause)
{
	return translate_node(ctx, (Node *) clause, false);
}

/* ---------------------------------------------------------------- display */

static void
append_pred(KfTranslateContext *ctx, StringInfo buf, const kf_pred *pred)
{
	ListCell   *lc;
	char		small[256];
	size_t		len;

	if (pred->type == KF_P_AND || pred->type == KF_P_OR)
	{
		appendStringInfoChar(buf, '(');
		for (uint32 i = 0; i < pred->nchildren; i++)
		{
			if (i > 0)
				appendStringInfoString(buf, pred->type == KF_P_AND ? " AND " : " OR ");
			append_pred(ctx, buf, pred->children[i]);
		}
		appendStringInfoChar(buf, ')');
		return;
	}
	if (pred->type == KF_P_NOT)
	{
		bool		parenthesized = (pred->children[0]->type == KF_P_AND ||
									 pred->children[0]->type == KF_P_OR);

		appendStringInfoString(buf, parenthesized ? "NOT " : "NOT (");
		append_pred(ctx, buf, pred->children[0]);
		if (!parenthesized)
			appendStringInfoChar(buf, ')');
		return;
	}
	foreach(lc, ctx->display_leaves)
	{
		if (linitial((List *) lfirst(lc)) == pred)
		{
			appendStringInfoString(buf, (char *) lsecond((List *) lfirst(lc)));
			return;
		}
	}
	len = kf_pred_format(pred, small, sizeof(small));
	if (len < sizeof(small))
	{
		appendStringInfoString(buf, small);
		return;
	}
	{
		char	   *big = palloc(len + 1);

		kf_pred_format(pred, big, len + 1);
		appendStringInfoString(buf, big);
	}
}

/*
 * kf_format_pred_for_display renders a tree built by this context for EXPLAIN: leaves through
 * kf_pred_format except relative times and evaluated operands, which keep their SQL form.
 */
char *
kf_format_pred_for_display(KfTranslateContext *ctx, const kf_pred *pred)
{
	StringInfoData buf;

	initStringInfo(&buf);
	append_pred(ctx, &buf, pred);
	return buf.data;
}
