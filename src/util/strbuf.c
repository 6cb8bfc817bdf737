/* strbuf.c - bounded growable buffers and small safe string helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/error.h"
#include "liaison/strbuf.h"

/* Shared empty string so that an initialised buffer never needs malloc. */
static char strbuf_empty[1];

void strbuf_init(struct strbuf *sb, size_t max)
{
	sb->buf = strbuf_empty;
	sb->len = 0;
	sb->cap = 0;
	sb->max = max ? max : STRBUF_DEFAULT_MAX;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->cap)
		free(sb->buf);
	strbuf_init(sb, sb->max);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *r;

	if (len)
		*len = sb->len;
	if (!sb->cap) {
		r = malloc(1);
		if (r)
			r[0] = '\0';
		return r;
	}
	r = sb->buf;
	strbuf_init(sb, sb->max);
	return r;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->buf[0] = '\0';
	if (!sb->cap)
		sb->buf = strbuf_empty;
}

int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (size_add(sb->len, extra, &need) || need > sb->max)
		return LIA_ETOOBIG;
	if (size_add(need, 1, &need))
		return LIA_EOVERFLOW;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need) {
		if (size_mul(cap, 2, &cap))
			return LIA_EOVERFLOW;
	}
	p = realloc(sb->cap ? sb->buf : NULL, cap);
	if (!p)
		return LIA_ENOMEM;
	if (!sb->cap)
		p[0] = '\0';
	sb->buf = p;
	sb->cap = cap;
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	int rc = strbuf_grow(sb, len);

	if (rc)
		return rc;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, char c)
{
	return strbuf_add(sb, &c, 1);
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return LIA_EINVAL;
	rc = strbuf_grow(sb, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return rc;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (len > sb->len || !sb->cap)
		return;
	sb->len = len;
	sb->buf[len] = '\0';
}

int str_copy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstsz)
		return LIA_ETOOBIG;
	memcpy(dst, src, n + 1);
	return 0;
}

int str_to_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 20)
		return LIA_EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return LIA_EINVAL;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			return LIA_EOVERFLOW;
	}
	*out = v;
	return 0;
}

int str_to_i64(const char *s, size_t len, int64_t *out)
{
	uint64_t u;
	int neg = 0, rc;

	if (len && s[0] == '-') {
		neg = 1;
		s++;
		len--;
	}
	rc = str_to_u64(s, len, &u);
	if (rc)
		return rc;
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return LIA_EOVERFLOW;
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	} else {
		if (u > (uint64_t)INT64_MAX)
			return LIA_EOVERFLOW;
		*out = (int64_t)u;
	}
	return 0;
}

bool utf8_valid(const char *str, size_t len, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3; cp = c & 0x07; min = 0x10000;
		} else {
			goto fail;
		}
		if (len - i <= n)
			goto fail;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto fail;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto fail;
		i += n + 1;
	}
	return true;
fail:
	if (bad)
		*bad = i;
	return false;
}

int strbuf_read_file(const char *path, size_t max, char **out, size_t *len,
		     struct diag *d)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb;
	char buf[4096];
	size_t n;
	int err = 0;

	if (!f) {
		diag_set(d, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? LIA_ENOTFOUND : LIA_EIO;
	}
	strbuf_init(&sb, max);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if ((err = strbuf_add(&sb, buf, n))) {
			diag_set(d, "%s: larger than %zu bytes", path, max);
			break;
		}
	if (!err && ferror(f)) {
		diag_set(d, "%s: read error", path);
		err = LIA_EIO;
	}
	fclose(f);
	if (!err && !(*out = strbuf_detach(&sb, len)))
		err = LIA_ENOMEM;
	strbuf_release(&sb);
	return err;
}
