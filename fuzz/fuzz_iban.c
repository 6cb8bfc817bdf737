/*
 * fuzz_iban.c - types_iban over arbitrary bytes. An accepted IBAN is upper
 * case without spaces, at most 34 characters, and idempotent.
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
	if (types_iban((const char *)data, size, &a, &d) == 0) {
		if (a.len > 34 || strchr(a.buf, ' '))
			abort();
		for (size_t i = 0; i < a.len; i++)
			if (a.buf[i] >= 'a' && a.buf[i] <= 'z')
				abort();
		if (types_iban(a.buf, a.len, &b, &d) != 0 ||
		    strcmp(a.buf, b.buf) != 0)
			abort();
	} else if (a.len != 0) {
		abort();
	}
	strbuf_release(&a);
	strbuf_release(&b);
	return 0;
}
