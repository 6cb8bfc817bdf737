/*
 * schema_table.h - the static schema table, shared by schema.c only.
 */
#ifndef LIAISON_SCHEMA_TABLE_H
#define LIAISON_SCHEMA_TABLE_H

#include <stddef.h>

#include "liaison/schema.h"

/* Sorted by name (strcmp order) so schema_get() can binary-search it. */
extern const struct schema schema_table[];
extern const size_t schema_table_len;

#endif
