/*
 * batch.c - several envelopes in one request (batch.h).
 *
 * The parser trusts nothing: every length is checked against what is
 * left before it is used, and sums are checked for overflow, so a batch
 * from a peer can never make us read outside its bytes.
 */
#include <string.h>

#include "liaison/batch.h"

static const uint8_t magic[4] = {'L', 'I', 'A', 'B'};

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int batch_parse(const uint8_t *p, size_t len, struct batch_item *items,
		size_t max, size_t *n, struct diag *d)
{
	size_t count, off = BATCH_HEADER;

	if (!p || !items || !n)
		return LIA_EINVAL;
	if (len > BATCH_MAX) {
		diag_set(d, "batch: %zu bytes, more than %zu", len,
			 (size_t)BATCH_MAX);
		return LIA_ETOOBIG;
	}
	if (len < BATCH_HEADER || memcmp(p, magic, sizeof(magic))) {
		diag_set(d, "batch: not a batch (magic)");
		return LIA_EPARSE;
	}
	if (p[4] != BATCH_VERSION) {
		diag_set(d, "batch: version %u, this node reads %u", p[4],
			 BATCH_VERSION);
		return p[4] > BATCH_VERSION ? LIA_EVERSION : LIA_EPARSE;
	}
	if (p[5] != 0) {
		diag_set(d, "batch: reserved byte is not 0");
		return LIA_EPARSE;
	}
	count = (size_t)p[6] << 8 | p[7];
	if (count == 0 || count > BATCH_COUNT_MAX) {
		diag_set(d, "batch: %zu envelopes, must be 1..%d", count,
			 BATCH_COUNT_MAX);
		return count ? LIA_ETOOBIG : LIA_EPARSE;
	}
	if (count > max) {
		diag_set(d, "batch: %zu envelopes, room for %zu", count, max);
		return LIA_ETOOBIG;
	}
	for (size_t i = 0; i < count; i++) {
		size_t el;

		if (len - off < 4) {
			diag_set(d, "batch: envelope %zu: length cut off", i);
			return LIA_EPARSE;
		}
		el = get_be32(p + off);
		off += 4;
		if (el == 0 || el > ENVELOPE_MAX) {
			diag_set(d,
				 "batch: envelope %zu: length %zu not in "
				 "1..%u",
				 i, el, (unsigned)ENVELOPE_MAX);
			return LIA_EPARSE;
		}
		if (len - off < el) {
			diag_set(d,
				 "batch: envelope %zu: %zu bytes announced, "
				 "%zu left",
				 i, el, len - off);
			return LIA_EPARSE;
		}
		off += el;
	}
	if (off != len) {
		diag_set(d, "batch: %zu bytes after the last envelope",
			 len - off);
		return LIA_EPARSE;
	}
	/* Second pass only after the whole framing checked out, so that
	 * items is written on success only. */
	off = BATCH_HEADER;
	for (size_t i = 0; i < count; i++) {
		size_t el = get_be32(p + off);

		items[i].bytes = p + off + 4;
		items[i].len = el;
		off += 4 + el;
	}
	*n = count;
	return 0;
}

int batch_start(struct strbuf *sb)
{
	static const uint8_t head[BATCH_HEADER] = {'L',		  'I', 'A', 'B',
						   BATCH_VERSION, 0,   0,   0};

	strbuf_reset(sb);
	return strbuf_add(sb, head, sizeof(head));
}

size_t batch_count(const struct strbuf *sb)
{
	const uint8_t *p = (const uint8_t *)sb->buf;

	if (sb->len < BATCH_HEADER)
		return 0;
	return (size_t)p[6] << 8 | p[7];
}

int batch_append(struct strbuf *sb, const uint8_t *env, size_t len)
{
	size_t count = batch_count(sb), total;
	uint8_t be[4];
	int err;

	if (sb->len < BATCH_HEADER || !env || len == 0 || len > ENVELOPE_MAX)
		return LIA_EINVAL;
	if (count >= BATCH_COUNT_MAX || size_add(sb->len, 4, &total) ||
	    size_add(total, len, &total) || total > BATCH_MAX)
		return LIA_ETOOBIG;
	be[0] = (uint8_t)(len >> 24);
	be[1] = (uint8_t)(len >> 16);
	be[2] = (uint8_t)(len >> 8);
	be[3] = (uint8_t)len;
	if ((err = strbuf_grow(sb, 4 + len)))
		return err;
	/* Cannot fail now: room was made above. */
	(void)strbuf_add(sb, be, sizeof(be));
	(void)strbuf_add(sb, env, len);
	count++;
	sb->buf[6] = (char)(uint8_t)(count >> 8);
	sb->buf[7] = (char)(uint8_t)count;
	return 0;
}
