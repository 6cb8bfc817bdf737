/* error.c - messages for the error enum and the diag helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "liaison/error.h"
#include "liaison/strbuf.h"

static const char *const messages[] = {
	[0] = "success",
	[1] = "out of memory",
	[2] = "invalid argument",
	[3] = "input/output error",
	[4] = "malformed input",
	[5] = "not found",
	[6] = "already exists",
	[7] = "input exceeds a hard limit",
	[8] = "size arithmetic overflow",
	[9] = "store error",
	[10] = "written by a newer version of liaison",
	[11] = "forbidden by marking, role or policy",
	[12] = "locked by another process",
	[13] = "node configuration missing or invalid",
	[14] = "invalid property value",
	[15] = "unknown schema or property",
	[16] = "cryptographic failure",
	[17] = "internal error",
};

const char *err_str(int err)
{
	if (err > 0 || err < LIA_ERR_MIN)
		return "unknown error";
	return messages[-err];
}

void diag_clear(struct diag *d)
{
	if (d)
		memset(d, 0, sizeof(*d));
}

/* Untrusted bytes may end up in a reason; a newline or escape sequence in
 * it would let a crafted file forge extra log lines or move the cursor. */
static void scrub(char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			*s = '?';
	}
}

void diag_set(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	scrub(d->msg);
}

void diag_prefix(struct diag *d, const char *fmt, ...)
{
	char pre[256], old[sizeof(d->msg)];
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, d->msg, sizeof(old));
	/* Truncation is intended: a reason is one bounded line. */
	size_t np = strlen(pre), no = strlen(old);
	if (np > sizeof(d->msg) - 1)
		np = sizeof(d->msg) - 1;
	if (no > sizeof(d->msg) - 1 - np)
		no = sizeof(d->msg) - 1 - np;
	memcpy(d->msg, pre, np);
	memcpy(d->msg + np, old, no);
	d->msg[np + no] = '\0';
	scrub(d->msg);
}

void diag_at(struct diag *d, const char *file, unsigned long line,
	     unsigned long col)
{
	if (!d)
		return;
	if (file)
		snprintf(d->file, sizeof(d->file), "%s", file);
	d->line = line;
	d->col = col;
}

const char *diag_format(const struct diag *d, char *buf, size_t n)
{
	struct strbuf sb;

	if (!n)
		return buf;
	buf[0] = '\0';
	if (!d)
		return buf;
	strbuf_init(&sb, n - 1);
	if (d->file[0]) {
		(void)strbuf_addf(&sb, "%s:", d->file);
		if (d->line)
			(void)strbuf_addf(&sb, "%lu:", d->line);
		if (d->line && d->col)
			(void)strbuf_addf(&sb, "%lu:", d->col);
		(void)strbuf_addch(&sb, ' ');
	}
	(void)strbuf_addstr(&sb, d->msg[0] ? d->msg : "unknown error");
	snprintf(buf, n, "%s", sb.buf);
	strbuf_release(&sb);
	return buf;
}
