/*
 * strbuf.h - growable byte buffer with a hard maximum size.
 *
 * The buffer owns its memory; strbuf_release() frees it, strbuf_detach()
 * hands it to the caller (who must free() it). The content is always
 * NUL-terminated, so buf can be used as a C string when it holds no NULs.
 * Every append that would pass `max` fails with LIA_ETOOBIG and leaves the
 * buffer unchanged: this is how untrusted input is kept bounded.
 */
#ifndef LIAISON_STRBUF_H
#define LIAISON_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *buf;   /* never NULL after init: points at "" when empty */
	size_t len;  /* bytes used, excluding the terminating NUL */
	size_t cap;  /* bytes allocated, 0 while buf points at the static "" */
	size_t max;  /* hard limit on len */
};

#define STRBUF_DEFAULT_MAX ((size_t)64 << 20) /* 64 MiB */

void strbuf_init(struct strbuf *sb, size_t max);
void strbuf_release(struct strbuf *sb);
/* Hand the heap buffer to the caller; sb is reset to empty. Returns NULL
 * only on allocation failure (for an empty buffer a fresh "" is made). */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_reset(struct strbuf *sb);
int strbuf_grow(struct strbuf *sb, size_t extra);
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, char c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Shorten to len (len <= sb->len). */
void strbuf_setlen(struct strbuf *sb, size_t len);

struct diag;
/* The whole file at path, at most max bytes, NUL-terminated, into *out
 * (free it) and *len. LIA_ENOTFOUND when it does not exist, LIA_ETOOBIG
 * when larger than max, LIA_EIO; the reason, with the path, in d. */
int strbuf_read_file(const char *path, size_t max, char **out, size_t *len,
		     struct diag *d);

/* Checked size arithmetic: return LIA_EOVERFLOW instead of wrapping. */
static inline int size_add(size_t a, size_t b, size_t *out)
{
	return __builtin_add_overflow(a, b, out) ? -8 : 0;
}
static inline int size_mul(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out) ? -8 : 0;
}

/* Bounded string copy that always terminates; returns LIA_ETOOBIG (and
 * copies nothing) when src does not fit. */
int str_copy(char *dst, size_t dstsz, const char *src);

/* Strict decimal parsers for untrusted text: the whole of [s, s+len) must
 * be digits (optionally one leading '-' for the signed form) and in range. */
int str_to_i64(const char *s, size_t len, int64_t *out);
int str_to_u64(const char *s, size_t len, uint64_t *out);

/* True when [s, s+len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). On failure *bad is the offset of the first bad
 * byte (bad may be NULL). */
bool utf8_valid(const char *s, size_t len, size_t *bad);

#endif
