/*
 * fuzz_types.c - every property type over arbitrary bytes: the first byte
 * selects the type, the rest is the value. A rejection must leave the
 * output untouched; an accepted value's normal form must itself be
 * accepted (normalising is idempotent).
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
	enum ptype t;
	int rc;

	if (size < 1)
		return 0;
	t = (enum ptype)(data[0] % PTYPE__COUNT);
	strbuf_init(&a, STRBUF_DEFAULT_MAX);
	strbuf_init(&b, STRBUF_DEFAULT_MAX);
	diag_clear(&d);
	rc = types_normalize(t, (const char *)data + 1, size - 1, &a, &d);
	if (rc == 0) {
		if (types_normalize(t, a.buf, a.len, &b, &d) != 0 ||
		    strcmp(a.buf, b.buf) != 0)
			abort();
		if (t == PTYPE_PHONE) {
			strbuf_reset(&b);
			if (types_phone_digits(a.buf, a.len, &b, &d) != 0)
				abort();
		}
	} else if (a.len != 0 || d.msg[0] == '\0') {
		abort();
	}
	strbuf_release(&a);
	strbuf_release(&b);
	return 0;
}
