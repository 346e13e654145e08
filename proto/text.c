/* SPDX-License-Identifier: MIT */
/* The name rules (include/latchkey/text.h): one set for every entry point. */
#include "latchkey/text.h"

size_t lk_utf8_decode(const uint8_t *p, size_t n, uint32_t *ret_cp)
{
        size_t len;
        uint32_t cp;

        *ret_cp = n ? p[0] : 0;
        if (n == 0)
                return 0;
        if (p[0] < 0x80)
                return 1;
        if ((p[0] & 0xE0) == 0xC0) {
                len = 2;
                cp = p[0] & 0x1F;
        } else if ((p[0] & 0xF0) == 0xE0) {
                len = 3;
                cp = p[0] & 0x0F;
        } else if ((p[0] & 0xF8) == 0xF0) {
                len = 4;
                cp = p[0] & 0x07;
        } else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3F);
        }
        /* No overlong forms, no surrogates, nothing past U+10FFFF. */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
                return 0;
        *ret_cp = cp;
        return len;
}

bool lk_cp_is_control(uint32_t cp)
{
        return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

bool lk_cp_is_bidi_format(uint32_t cp)
{
        return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
               (cp >= 0x2066 && cp <= 0x2069);
}

bool lk_cp_is_blank(uint32_t cp)
{
        switch (cp) {
        case 0x09 ... 0x0D:
        case 0x20:
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x180E:
        case 0x2000 ... 0x200D: /* spaces, zero width space and joiners */
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x2060:
        case 0x3000:
        case 0xFEFF:
                return true;
        default:
                return false;
        }
}

enum lk_text_problem lk_text_check(const char *s, size_t max_bytes)
{
        const uint8_t *p = (const uint8_t *)s;
        size_t n = 0;
        bool blank = true;

        while (n <= max_bytes && p[n])
                n++;
        if (n == 0)
                return LK_TEXT_EMPTY;
        if (n > max_bytes)
                return LK_TEXT_TOO_LONG;
        for (size_t i = 0; i < n;) {
                uint32_t cp;
                size_t l = lk_utf8_decode(p + i, n - i, &cp);

                if (l == 0)
                        return LK_TEXT_NOT_UTF8;
                i += l;
        }
        for (size_t i = 0; i < n;) {
                uint32_t cp;

                i += lk_utf8_decode(p + i, n - i, &cp);
                if (lk_cp_is_control(cp))
                        return LK_TEXT_CONTROL;
                if (lk_cp_is_bidi_format(cp))
                        return LK_TEXT_BIDI;
                blank = blank && lk_cp_is_blank(cp);
        }
        return blank ? LK_TEXT_BLANK : LK_TEXT_OK;
}

const char *lk_text_problem_str(enum lk_text_problem p)
{
        switch (p) {
        case LK_TEXT_OK:
                return "the text is valid";
        case LK_TEXT_EMPTY:
                return "it is empty";
        case LK_TEXT_TOO_LONG:
                return "it is too long (accented letters take 2 bytes, many others 3 or 4)";
        case LK_TEXT_NOT_UTF8:
                return "it is not valid UTF-8 text";
        case LK_TEXT_CONTROL:
                return "it holds a control character (tab, newline, escape, ...)";
        case LK_TEXT_BIDI:
                return "it holds a bidirectional format character (they reorder what is shown)";
        case LK_TEXT_BLANK:
                return "it is blank";
        }
        return "it is not valid";
}
