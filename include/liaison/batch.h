/*
 * batch.h - the framing of several envelopes in one HTTP request
 * (POST /fed/v1/batch; docs/EXCHANGE-FORMAT.md, "Batches").
 *
 * A batch only groups envelopes for transport: each envelope inside is
 * signed, encrypted, verified and deduplicated on its own exactly as when
 * it travels alone, and the receiver answers for each one. The framing is
 * binary and has one encoding:
 *
 *   "LIAB" | version 1 | reserved 0 | count (2 bytes, big-endian)
 *   count x ( length (4 bytes, big-endian) | envelope bytes )
 *
 * with 1 <= count <= BATCH_COUNT_MAX, 1 <= length <= ENVELOPE_MAX, the
 * whole at most BATCH_MAX bytes, and nothing after the last envelope.
 */
#ifndef LIAISON_BATCH_H
#define LIAISON_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "liaison/envelope.h"
#include "liaison/error.h"
#include "liaison/strbuf.h"

#define BATCH_VERSION 1
#define BATCH_HEADER 8
#define BATCH_COUNT_MAX 256
/* One envelope of the greatest size fits alone; many small ones share the
 * same bound, so a receiver never holds more than this per request. */
#define BATCH_MAX ((size_t)ENVELOPE_MAX + BATCH_HEADER + 4 * BATCH_COUNT_MAX)

/* One envelope inside a parsed batch: points into the caller's bytes. */
struct batch_item {
	const uint8_t *bytes;
	size_t len;
};

/* Split [p, p + len) into its envelopes (items must hold max entries;
 * max >= BATCH_COUNT_MAX accepts every valid batch). Checks every bound
 * and refuses rather than repairs. *n and items are set on success only.
 * Errors: LIA_ETOOBIG (len > BATCH_MAX, or count > max), LIA_EPARSE
 * (wrong magic, reserved byte, count 0, a length of 0 or over
 * ENVELOPE_MAX, truncated, trailing bytes), LIA_EVERSION (a newer
 * version). */
int batch_parse(const uint8_t *p, size_t len, struct batch_item *items,
		size_t max, size_t *n, struct diag *d);

/* Start an empty batch in sb (reset first). */
int batch_start(struct strbuf *sb);

/* Append one envelope. LIA_ETOOBIG, and sb unchanged, when it would pass
 * BATCH_COUNT_MAX envelopes or BATCH_MAX bytes (send it in the next
 * batch); LIA_EINVAL for an empty envelope or one over ENVELOPE_MAX. */
int batch_append(struct strbuf *sb, const uint8_t *env, size_t len);

/* Envelopes in a batch built with batch_start/batch_append. */
size_t batch_count(const struct strbuf *sb);

#endif
