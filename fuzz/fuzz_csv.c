/*
 * fuzz_csv.c - the strict CSV reader over arbitrary bytes.
 *
 * The first input byte picks the options (separator, small limits and an
 * expected field count) so the fuzzer also reaches the limit checks; the
 * rest is the file. Every field handed out must be valid UTF-8 of the
 * reported length and NUL-terminated.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/csv.h"
#include "liaison/error.h"
#include "liaison/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_opts o = {0};
	struct csv_reader *r = NULL;
	struct diag d;
	FILE *f;
	int rc;

	if (size < 1)
		return 0;
	o.sep = (data[0] & 1) ? ';' : ',';
	o.max_field = (data[0] & 2) ? 8 : 0;
	o.max_fields = (data[0] & 4) ? 4 : 0;
	o.expect_fields = (data[0] >> 3) & 3;
	o.trim_header = (data[0] & 0x20) != 0;
	data++;
	size--;
	f = size ? fmemopen((void *)data, size, "rb") : tmpfile();
	if (!f)
		return 0;
	if (csv_open(f, "fuzz.csv", &o, &r)) {
		fclose(f);
		return 0;
	}
	diag_clear(&d);
	while ((rc = csv_next(r, &d)) == 1) {
		for (size_t i = 0; i < csv_count(r); i++) {
			size_t len;
			const char *s = csv_field(r, i, &len);

			if (!s || s[len] != '\0' || !utf8_valid(s, len, NULL))
				abort();
			if (o.max_field && len > o.max_field)
				abort();
		}
		if (o.expect_fields && csv_count(r) != o.expect_fields)
			abort();
	}
	if (rc < 0 && d.msg[0] == '\0')
		abort();
	if (csv_offset(r) > size)
		abort();
	csv_close(r);
	fclose(f);
	return 0;
}
