/*
 * un_internal.h - the UN list importer over an in-memory document.
 *
 * ingest_un() reads a file; this entry point lets the fuzz target drive the
 * very same code over a buffer without touching the file system.
 */
#ifndef LIAISON_UN_INTERNAL_H
#define LIAISON_UN_INTERNAL_H

#include <stddef.h>

#include "liaison/error.h"
#include "liaison/ingest.h"

int un_ingest_memory(const char *buf, size_t len, const char *name,
		     const struct ingest_sink *sink, struct diag *d);

#endif
