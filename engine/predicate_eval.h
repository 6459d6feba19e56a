/*
 * predicate_eval.h -- vectorized evaluation of a compiled predicate over one block into a byte
 * mask (1 = the row satisfies the predicate, i.e. it is TRUE, not unknown).
 */
#ifndef KF_PREDICATE_EVAL_H
#define KF_PREDICATE_EVAL_H

#include "engine/block_columns.h"
#include "engine/predicate.h"

typedef struct pred_evaluator
{
	const cpred *root;
	uint32_t	depth;
	uint8_t   **scratch;		/* one mask per tree level below the root */
	uint8_t    *lut;			/* per-dictionary-entry results of a STR leaf */
	size_t		lut_capacity;
	bool		ruled_out_by_dict;	/* last block: a top-level dictionary matched nothing */
	uint8_t    *proven;			/* per top-level conjunct: known true for the whole block (zeroed by init) */
	uint32_t   *selection;		/* rows still selected, when an AND goes sparse */
	uint32_t   *order;			/* top-level conjuncts in evaluation order, most selective first */
	uint64_t   *rows_given;		/* per top-level conjunct: rows it was evaluated on ... */
	uint64_t   *rows_kept;		/* ... and rows still selected after it */
} pred_evaluator;

int			pred_evaluator_init(pred_evaluator *ev, const cpred *root, kf_error *err);
void		pred_evaluator_free(pred_evaluator *ev);

/*
 * Evaluates the tree over the current block of bc into mask[0..nrows), skipping the top-level
 * conjuncts ev->proven marks (the caller fills it per block with zone_map_mark_proven, or leaves it
 * zeroed).  Top-level INT and ADDR conjuncts are taken most selective first, as observed on the
 * blocks evaluated so far.  Returns the number of
 * rows that satisfy it, or -1 with *err set (a corrupt column).
 */
int64_t		pred_evaluate(pred_evaluator *ev, block_columns *bc, uint8_t *mask, kf_error *err);

/* Does the string satisfy STR leaf p (negation included)? */
bool		str_leaf_matches(const cpred *p, const char *s, size_t len);

#endif							/* KF_PREDICATE_EVAL_H */
