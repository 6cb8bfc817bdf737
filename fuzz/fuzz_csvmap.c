/*
 * fuzz_csvmap.c - mapped CSV import. An input starting with '{' is fuzzed
 * as a mapping file (csv_mapping_load); anything else is a CSV imported
 * with a fixed mapping that uses hash ids, a date and a country column.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "liaison/entity.h"
#include "liaison/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_mapping[] =
	"{\"schema\": \"Person\", \"id_prefix\": \"fz-\", \"columns\": {"
	"\"name\": \"name\", \"dob\": \"birthDate\", \"country\": "
	"\"nationality\", \"note\": \"notes\"}, \"constants\": {\"topics\": "
	"\"crime\"}, \"marking\": {\"tlp\": \"AMBER\"}}";

static int put(void *ctx, const struct entity *e, struct diag *d)
{
	size_t *n = ctx;

	(void)d;
	if (entity_id(e)[0] && entity_schema(e))
		(*n)++;
	return 0;
}

/* Write bytes to a fresh temporary file and load it as a mapping. */
static int load(const void *buf, size_t len, struct csv_mapping **m)
{
	char path[] = "/tmp/liaison-fuzz-map-XXXXXX";
	struct diag d;
	int fd, rc = LIA_EIO;

	fd = mkstemp(path);
	if (fd < 0)
		return LIA_EIO;
	if (write(fd, buf, len) == (ssize_t)len)
		rc = 0;
	close(fd);
	if (!rc)
		rc = csv_mapping_load(path, m, &d);
	unlink(path);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct csv_mapping *fixed;
	struct csv_mapping *m = NULL;
	size_t n = 0;
	struct ingest_sink sink = { .put = put, .ctx = &n };
	struct diag d;
	char *copy;
	FILE *f;

	if (size && data[0] == '{') {
		if (!load(data, size, &m)) {
			(void)csv_mapping_marking(m);
			csv_mapping_free(m);
		}
		return 0;
	}
	if (!fixed && load(fixed_mapping, strlen(fixed_mapping), &fixed))
		abort(); /* the fixed mapping must always load */
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
		(void)ingest_csv(f, "fuzz.csv", fixed, &sink, &d);
		fclose(f);
	}
	free(copy);
	return 0;
}
