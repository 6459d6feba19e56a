/*
 * string_intern.h -- the writer's table of distinct flow-tag strings: each string is stored once
 * and rows carry its id, so buffering a row costs 4 bytes per string column.
 */
#ifndef KF_STRING_INTERN_H
#define KF_STRING_INTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct kf_string_intern
{
	char	  **strings;		/* strings[id], NUL-terminated, malloc'd */
	uint32_t   *lengths;
	size_t		count;
	size_t		cap;
	uint32_t   *slots;			/* open addressing: id + 1, 0 = empty */
	size_t		nslots;			/* a power of two, or 0 */
} kf_string_intern;

/* Sets *id to the id of s (len bytes), adding it when new.  Returns -1 when memory runs out. */
int			kf_intern(kf_string_intern *t, const char *s, uint32_t len, uint32_t *id);

/* Forgets every string (ids restart at 0) but keeps the hash table's memory. */
void		kf_intern_reset(kf_string_intern *t);

void		kf_intern_free(kf_string_intern *t);

#endif							/* KF_STRING_INTERN_H */
