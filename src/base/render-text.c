/* SPDX-License-Identifier: MIT */
/*
 * Text for people (render-text.h): escaping of what came from a lock, a file or the upstream, and
 * table cells measured in terminal columns.
 *
 * Display width comes from the C library: wcwidth() under glibc's built-in C.UTF-8 locale
 * (newlocale(), always present since glibc 2.35; Debian 12 has 2.36), used through uselocale()
 * for the call only. So widths are the same whatever the user's locale is, the C locale
 * included, and follow glibc's Unicode tables (East Asian Wide and emoji 2 columns, combining
 * marks 0). Without that locale (another libc) a small table of the wide ranges stands in.
 */
#define _GNU_SOURCE
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "latchkey/text.h"
#include "render-text.h"

static locale_t utf8_ctype(void)
{
        static locale_t loc;
        static bool tried;

        if (!tried) {
                loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
                tried = true;
        }
        return loc;
}

/* Without C.UTF-8: combining marks 0, the East Asian wide ranges and emoji 2, the rest 1. */
static int fallback_width(uint32_t cp)
{
        if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0xFE00 && cp <= 0xFE0F))
                return 0;
        if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
            (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
            (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) || (cp >= 0x1F900 && cp <= 0x1F9FF) ||
            (cp >= 0x20000 && cp <= 0x3FFFD))
                return 2;
        return 1;
}

/* Columns of one code point; -1 for one the terminal cannot show (it is escaped instead). */
static int cp_width(uint32_t cp, locale_t loc)
{
        locale_t old;
        int w;

        if (lk_cp_is_control(cp) || lk_cp_is_bidi_format(cp))
                return -1;
        if (!loc)
                return fallback_width(cp);
        old = uselocale(loc);
        w = wcwidth((wchar_t)cp);
        uselocale(old);
        return w;
}

/* Append s (n bytes) to buf if it fits whole. */
static bool put(char *buf, size_t size, size_t *at, const char *s, size_t n)
{
        if (*at + n + 1 > size)
                return false;
        memcpy(buf + *at, s, n);
        *at += n;
        buf[*at] = '\0';
        return true;
}

/* The C escape letter of a control character, or 0. */
static char c_escape(uint32_t cp)
{
        switch (cp) {
        case '\a': return 'a';
        case '\b': return 'b';
        case '\t': return 't';
        case '\n': return 'n';
        case '\v': return 'v';
        case '\f': return 'f';
        case '\r': return 'r';
        default: return 0;
        }
}

/* The mark at the end of a cut cell: one column, so the operator knows there is more. */
#define CUT_MARK "\u2026" /* … */

/* s escaped into buf[size]; false when it did not fit whole (buf holds what did). */
static bool escape_into(const uint8_t *p, size_t n, char *buf, size_t size)
{
        locale_t loc = utf8_ctype();
        size_t at = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n;) {
                char esc[16];
                uint32_t cp;
                size_t l = lk_utf8_decode(p + i, n - i, &cp), k;

                if (l == 0) { /* not UTF-8: the byte, in hex */
                        k = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
                        l = 1;
                } else if (cp == '\\')
                        k = (size_t)snprintf(esc, sizeof(esc), "\\\\");
                else if (c_escape(cp))
                        k = (size_t)snprintf(esc, sizeof(esc), "\\%c", c_escape(cp));
                else if (cp < 0x80 && cp_width(cp, loc) < 0)
                        k = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp);
                else if (cp_width(cp, loc) < 0)
                        k = (size_t)snprintf(esc, sizeof(esc), cp > 0xFFFF ? "\\U%08X" : "\\u%04X", (unsigned)cp);
                else {
                        if (!put(buf, size, &at, (const char *)p + i, l))
                                return false;
                        i += l;
                        continue;
                }
                if (!put(buf, size, &at, esc, k))
                        return false;
                i += l;
        }
        return true;
}

const char *render_escape(const char *s, char *buf, size_t size)
{
        const uint8_t *p = (const uint8_t *)(s ? s : "");
        size_t n = strlen((const char *)p);

        if (size == 0)
                return buf;
        /* Cut for the buffer: as much as fits with the mark after it. */
        if (!escape_into(p, n, buf, size) && size > sizeof(CUT_MARK)) {
                size_t len;

                escape_into(p, n, buf, size - (sizeof(CUT_MARK) - 1));
                len = strlen(buf);
                snprintf(buf + len, size - len, "%s", CUT_MARK);
        }
        return buf;
}

size_t render_width(const char *s)
{
        const uint8_t *p = (const uint8_t *)s;
        size_t n = strlen(s), w = 0;
        locale_t loc = utf8_ctype();

        for (size_t i = 0; i < n;) {
                uint32_t cp;
                size_t l = lk_utf8_decode(p + i, n - i, &cp);
                int cw;

                if (l == 0) {
                        w += 4; /* shown as \xNN */
                        i++;
                        continue;
                }
                cw = cp_width(cp, loc);
                w += cw < 0 ? 6 : (size_t)cw;
                i += l;
        }
        return w;
}

const char *render_pad(const char *s, size_t width, char *buf, size_t size)
{
        char esc[RENDER_CELL_MAX];
        const uint8_t *p;
        size_t n, at = 0, cols = 0;
        locale_t loc = utf8_ctype();
        bool cut;

        if (size == 0)
                return buf;
        buf[0] = '\0';
        render_escape(s, esc, sizeof(esc));
        p = (const uint8_t *)esc;
        n = strlen(esc);
        /* A cell that is cut ends with the mark, in the last column it may use. */
        cut = render_width(esc) > width;
        if (cut && width == 0)
                return buf;
        for (size_t i = 0; i < n;) {
                uint32_t cp;
                size_t l = lk_utf8_decode(p + i, n - i, &cp);
                int cw = l ? cp_width(cp, loc) : 1;

                if (l == 0 || cw < 0) /* cannot happen after escaping; keep the cell whole */
                        break;
                if (cols + (size_t)cw + cut > width) /* a character that does not fit is left out whole */
                        break;
                if (!put(buf, size, &at, esc + i, l))
                        break;
                cols += (size_t)cw;
                i += l;
        }
        if (cut && put(buf, size, &at, CUT_MARK, sizeof(CUT_MARK) - 1))
                cols++;
        while (cols < width && put(buf, size, &at, " ", 1))
                cols++;
        return buf;
}

/* An array of plain values on one line ("lacks: firmware, timezone"); false if it holds more. */
static bool render_list_line(FILE *f, const cJSON *a)
{
        const cJSON *it;
        const char *sep = " ";

        cJSON_ArrayForEach(it, a)
                if (!cJSON_IsString(it))
                        return false;
        cJSON_ArrayForEach(it, a) {
                char buf[RENDER_CELL_MAX];

                fprintf(f, "%s%s", sep, render_escape(it->valuestring, buf, sizeof(buf)));
                sep = ", ";
        }
        fputc('\n', f);
        return true;
}

void render_json_text(FILE *f, const cJSON *o, unsigned indent)
{
        const cJSON *it;

        cJSON_ArrayForEach(it, o) {
                char buf[RENDER_CELL_MAX];

                fprintf(f, "%*s%s:", (int)indent, "", it->string ? it->string : "-");
                if (cJSON_IsArray(it) && render_list_line(f, it))
                        continue;
                if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
                        fputc('\n', f);
                        render_json_text(f, it, indent + 2);
                } else if (cJSON_IsString(it))
                        fprintf(f, " %s\n", render_escape(it->valuestring, buf, sizeof(buf)));
                else if (cJSON_IsBool(it))
                        fprintf(f, " %s\n", cJSON_IsTrue(it) ? "yes" : "no");
                else if (cJSON_IsNumber(it) && it->valuedouble == (double)(long long)it->valuedouble)
                        fprintf(f, " %lld\n", (long long)it->valuedouble);
                else if (cJSON_IsNumber(it))
                        fprintf(f, " %g\n", it->valuedouble);
                else
                        fprintf(f, " -\n");
        }
}
