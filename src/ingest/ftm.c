/*
 * ftm.c - FollowTheMoney JSON lines importer.
 *
 * Each line is one entity object. The line is checked for UTF-8, parsed
 * with jansson (duplicate keys rejected: two values for one key mean the
 * producer and we could disagree on which one counts) and validated by
 * entity_from_json. Nothing is repaired: the first bad line stops the
 * import with its position, and the caller drops the whole file.
 */
#include <stdio.h>

#include "ingest/lines.h"
#include "liaison/entity.h"
#include "liaison/ingest.h"

/* Report progress about every this many bytes. */
#define FTM_PROGRESS_STEP ((uint64_t)1 << 20)

/* A line of `liaison export` carries its own "marking" object, handed to
 * the sink just before the entity. A marking the sink cannot apply is an
 * error: dropping it would store the record less restricted than its
 * originator asked. */
static int line_marking(const json_t *j, const struct ingest_sink *sink,
			struct diag *d)
{
	const json_t *m = json_object_get(j, "marking");
	int rc;

	if (!m)
		return 0;
	if (!json_is_object(m)) {
		diag_set(d, "marking: expected an object");
		return LIA_EPARSE;
	}
	if (!sink->marking) {
		diag_set(d, "marking: this import cannot apply a marking per "
			 "line");
		return LIA_EINVAL;
	}
	rc = sink->marking(sink->ctx, m, d);
	if (rc && d && !d->msg[0])
		diag_set(d, "marking: refused");
	return rc < 0 ? rc : rc ? LIA_EINVAL : 0;
}

/* The import proper, with the line limit as a parameter so tests and
 * fuzzers can reach the over-long-line path without 16 MiB inputs. */
static int ftm_stream(FILE *f, const char *name, size_t line_max,
		      const struct ingest_sink *sink, struct diag *d)
{
	struct line_reader lr;
	struct entity *e = NULL;
	json_t *j = NULL;
	uint64_t next_progress = FTM_PROGRESS_STEP;
	int rc;

	lines_init(&lr, f, name, NULL, 0, line_max);
	for (;;) {
		rc = lines_next(&lr, d);
		if (rc <= 0)
			break;
		rc = lines_parse_object(&lr, &j, d);
		if (rc)
			break;
		rc = entity_from_json(j, &e, d);
		if (!rc)
			rc = line_marking(j, sink, d);
		json_decref(j);
		j = NULL;
		if (rc) {
			diag_at(d, name, lr.lineno, 0);
			break;
		}
		rc = sink->put(sink->ctx, e, d);
		entity_free(e);
		e = NULL;
		if (rc) {
			if (d && !d->msg[0])
				diag_set(d, "the store refused the entity");
			diag_at(d, name, lr.lineno, 0);
			rc = rc < 0 ? rc : LIA_EINTERNAL;
			break;
		}
		if (sink->progress && lr.offset >= next_progress) {
			sink->progress(sink->ctx, lr.offset);
			next_progress = lr.offset + FTM_PROGRESS_STEP;
		}
	}
	if (!rc && sink->progress)
		sink->progress(sink->ctx, lr.offset);
	/* Set only when the line's marking was refused after its entity was
	 * built. */
	entity_free(e);
	lines_release(&lr);
	return rc;
}

int ingest_ftm(FILE *f, const char *name, const struct ingest_sink *sink,
	       struct diag *d)
{
	if (!f || !sink || !sink->put) {
		diag_set(d, "ingest_ftm: missing input or sink");
		return LIA_EINVAL;
	}
	if (!name)
		name = "<input>";
	return ftm_stream(f, name, INGEST_LINE_MAX, sink, d);
}
