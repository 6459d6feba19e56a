/*
 * csv_writer.h -- the CSV of exactly the rows the collector must store, one per flow: counters
 * multiplied by the sample rate, tags as the collector derives them, loadable with PostgreSQL
 * COPY ... (FORMAT csv, HEADER, FORCE_NOT_NULL (src_flow_tags, dst_flow_tags)).
 */
#ifndef FLOWGEN_CSV_WRITER_H
#define FLOWGEN_CSV_WRITER_H

#include "tools/flowgen/fg_error.h"
#include "tools/flowgen/flow_record.h"

typedef struct csv_writer csv_writer;

/* Creates path ("-" = stdout) and writes the header line. */
csv_writer *csv_writer_open(const char *path, fg_error *err);

int			csv_writer_add(csv_writer *w, const gen_flow *f, fg_error *err);

/* Flushes and closes; reports any write error. Frees w either way. */
int			csv_writer_close(csv_writer *w, fg_error *err);

#endif
