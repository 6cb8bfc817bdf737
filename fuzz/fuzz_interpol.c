/* fuzz_interpol.c - INTERPOL notices from memory through ingest_interpol. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/entity.h"
#include "liaison/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int put(void *ctx, const struct entity *e, struct diag *d)
{
	size_t *n = ctx;

	(void)d;
	/* Touch the entity so a dangling one would be caught. */
	if (entity_id(e)[0] && entity_schema(e))
		(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	struct ingest_sink sink = { .put = put, .ctx = &n };
	struct diag d;
	char *copy;
	FILE *f;

	/* fmemopen needs a writable buffer of at least one byte. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	else
		copy[0] = '\0';
	f = fmemopen(copy, size ? size : 1, "rb");
	if (f) {
		if (!size)
			(void)getc(f);
		(void)ingest_interpol(f, "fuzz", &sink, &d);
		fclose(f);
	}
	free(copy);
	return 0;
}
