/* fuzz_screen_rows.c - batch screening CSV: the strict CSV reader, the
 * header mapping and every row turned into a name with its evidence. */
#include <stdint.h>
#include <stdio.h>

#include "liaison/csv.h"
#include "liaison/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size, "rb");
	struct csv_reader *r = NULL;
	struct node_screen_cols cols;
	const char *fields[64];
	size_t lens[64];
	struct diag d;
	int rc;

	if (!size || !f) {
		if (f)
			fclose(f);
		return 0;
	}
	struct csv_opts o = {.max_fields = 64, .max_field = 4096};
	if (csv_open(f, "fuzz", &o, &r))
		goto out;
	if (csv_next(r, &d) != 1)
		goto out;
	/* The header's strings are overwritten by the next row: check it
	 * right away; rows only need the column positions afterwards. */
	for (size_t i = 0; i < csv_count(r); i++)
		fields[i] = csv_field(r, i, &lens[i]);
	if (node_screen_header(fields, lens, csv_count(r), &cols, &d))
		goto out;
	while ((rc = csv_next(r, &d)) == 1) {
		struct node_screen_row row;
		size_t n = csv_count(r);
		for (size_t i = 0; i < n; i++)
			fields[i] = csv_field(r, i, &lens[i]);
		if (!node_screen_row(&cols, fields, lens, n, &row, &d)) {
			/* A row that reads must give a non-empty name and
			 * evidence pointing into itself. */
			if (!row.name[0])
				__builtin_trap();
			for (size_t i = 0; i < row.extra.n_dob; i++)
				if (row.extra.dob[i] != row.dob)
					__builtin_trap();
		}
	}
out:
	csv_close(r);
	fclose(f);
	return 0;
}
