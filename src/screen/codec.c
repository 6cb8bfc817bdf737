/*
 * codec.c - compact encoding of a prepared name (see screen_int.h).
 *
 * Layout, all strings NUL-terminated so decoded pointers can point straight
 * into the buffer:
 *   u8 kind, u8 script, u8 n_forms, str original
 *   per form: str origin, str text, u8 n_tok,
 *     per token: u8 flags, f32 weight, u8 len dm1, dm1, u8 len dm2, dm2,
 *                str s
 *   str = u16 length (0xffff = NULL pointer), bytes, NUL
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/error.h"
#include "liaison/strbuf.h"
#include "screen/screen_int.h"

#define STR_NULL 0xffffu

static size_t str_size(const char *s, size_t len)
{
	return 2 + (s ? len + 1 : 0);
}

static uint8_t *put_str(uint8_t *p, const char *s, size_t len)
{
	uint16_t l = s ? (uint16_t)len : STR_NULL;

	memcpy(p, &l, 2);
	p += 2;
	if (s) {
		memcpy(p, s, len);
		p[len] = 0;
		p += len + 1;
	}
	return p;
}

static const uint8_t *get_str(const uint8_t *p, const char **s)
{
	uint16_t l;

	memcpy(&l, p, 2);
	p += 2;
	if (l == STR_NULL) {
		*s = NULL;
		return p;
	}
	*s = (const char *)p;
	return p + l + 1;
}

static size_t dm_len(const char *dm)
{
	return strnlen(dm, MATCH_DM_MAX - 1);
}

int screen_name_encode(const struct match_name *n, uint8_t **out,
		       size_t *len)
{
	size_t sz = 3, ol, nf;
	uint8_t *buf, *p;

	nf = n->n_forms > MATCH_FORMS_MAX ? MATCH_FORMS_MAX : n->n_forms;
	ol = n->original ? strlen(n->original) : 0;
	if (ol >= STR_NULL)
		return LIA_ETOOBIG;
	sz += str_size(n->original, ol);
	for (size_t f = 0; f < nf; f++) {
		const struct match_form *fm = &n->form[f];
		size_t nt = fm->n_tok > MATCH_TOKENS_MAX ? MATCH_TOKENS_MAX
							  : fm->n_tok;
		size_t tl = fm->text ? strlen(fm->text) : 0;
		size_t gl = fm->origin ? strlen(fm->origin) : 0;

		if (tl >= STR_NULL || gl >= STR_NULL)
			return LIA_ETOOBIG;
		sz += str_size(fm->origin, gl) + str_size(fm->text, tl) + 1;
		for (size_t t = 0; t < nt; t++) {
			const struct match_token *tk = &fm->tok[t];

			/* Bounded: 24 tokens of at most 64 KiB each. */
			sz += 1 + 4 + 2 + dm_len(tk->dm1) + dm_len(tk->dm2) +
			      str_size(tk->s, tk->len);
		}
	}
	buf = malloc(sz);
	if (!buf)
		return LIA_ENOMEM;
	p = buf;
	*p++ = (uint8_t)n->kind;
	*p++ = (uint8_t)n->script;
	*p++ = (uint8_t)nf;
	p = put_str(p, n->original, ol);
	for (size_t f = 0; f < nf; f++) {
		const struct match_form *fm = &n->form[f];
		size_t nt = fm->n_tok > MATCH_TOKENS_MAX ? MATCH_TOKENS_MAX
							  : fm->n_tok;

		p = put_str(p, fm->origin, fm->origin ? strlen(fm->origin) : 0);
		p = put_str(p, fm->text, fm->text ? strlen(fm->text) : 0);
		*p++ = (uint8_t)nt;
		for (size_t t = 0; t < nt; t++) {
			const struct match_token *tk = &fm->tok[t];
			size_t l1 = dm_len(tk->dm1), l2 = dm_len(tk->dm2);

			*p++ = tk->flags;
			memcpy(p, &tk->weight, 4);
			p += 4;
			*p++ = (uint8_t)l1;
			memcpy(p, tk->dm1, l1);
			p += l1;
			*p++ = (uint8_t)l2;
			memcpy(p, tk->dm2, l2);
			p += l2;
			p = put_str(p, tk->s, tk->len);
		}
	}
	if ((size_t)(p - buf) != sz) {
		free(buf);
		return LIA_EINTERNAL;
	}
	*out = buf;
	*len = sz;
	return 0;
}

void screen_name_decode(const uint8_t *b, struct match_name *out)
{
	const char *s;

	out->kind = (enum match_kind)b[0];
	out->script = (enum match_script)b[1];
	out->n_forms = b[2];
	b = get_str(b + 3, &s);
	/* The scorer only reads the name; the cast is for the struct. */
	out->original = (char *)s;
	out->_buf = NULL;
	for (size_t f = 0; f < out->n_forms; f++) {
		struct match_form *fm = &out->form[f];

		b = get_str(b, &fm->origin);
		b = get_str(b, &fm->text);
		fm->n_tok = *b++;
		for (size_t t = 0; t < fm->n_tok; t++) {
			struct match_token *tk = &fm->tok[t];
			uint16_t l;

			tk->flags = *b++;
			memcpy(&tk->weight, b, 4);
			b += 4;
			l = *b++;
			memcpy(tk->dm1, b, l);
			tk->dm1[l] = 0;
			b += l;
			l = *b++;
			memcpy(tk->dm2, b, l);
			tk->dm2[l] = 0;
			b += l;
			memcpy(&l, b, 2);
			tk->len = l == STR_NULL ? 0 : l;
			b = get_str(b, &tk->s);
		}
	}
}

const char *screen_name_original(const uint8_t *b)
{
	const char *s;

	get_str(b + 3, &s);
	return s ? s : "";
}
