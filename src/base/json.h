/* SPDX-License-Identifier: MIT */
/*
 * Strict JSON for every document from outside (bookings files, the upstream's grants and
 * answers, code import files): RFC 8259 and nothing more. cJSON alone accepts trailing data
 * after the value, takes the last of duplicate member names, and cuts a string at "\u0000"; here
 * each of those is an error, so two readers of one document can never see two different things.
 */
#pragma once

#include <stddef.h>

#include <cjson/cJSON.h>

struct json_error {
        size_t offset;   /* byte offset of the problem */
        unsigned line;   /* 1-based */
        unsigned column; /* 1-based, in characters (UTF-8) from the start of the line */
        char msg[128];   /* what is wrong there, whole: "duplicate member \"check_in\" in one object",
                          * "not valid JSON (unexpected ',')"; never the position */
};

/*
 * Parse text[0..len): one JSON value and only white space after it; no two members of one
 * object with the same name; no NUL ("\u0000" or a raw zero byte) and no raw control character
 * in a string. -EBADMSG with err filled (may be NULL) on any of these, at the first place in
 * the text where it is wrong (for a duplicate: the second member of the name); -ENOMEM. text may
 * be NULL when len is 0 (an empty document). The caller owns *ret (cJSON_Delete).
 */
int json_parse_strict(const char *text, size_t len, cJSON **ret, struct json_error *err);

/* "line 2, column 17: not valid JSON (unexpected ',')": where and what, for one message that
 * the caller starts with the document's name ("bookings.json: "). */
void json_error_format(const struct json_error *err, char *buf, size_t size);
