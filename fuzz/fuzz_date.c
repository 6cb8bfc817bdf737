/*
 * fuzz_date.c - types_date over arbitrary bytes. An accepted date must be
 * accepted again in its normal form and normalise to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf a, b;
	struct diag d;

	strbuf_init(&a, 4096);
	strbuf_init(&b, 4096);
	if (types_date((const char *)data, size, &a, &d) == 0) {
		if (types_date(a.buf, a.len, &b, &d) != 0 ||
		    strcmp(a.buf, b.buf) != 0)
			abort();
	} else if (a.len != 0) {
		abort();
	}
	strbuf_release(&a);
	strbuf_release(&b);
	return 0;
}
