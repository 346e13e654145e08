/* SPDX-License-Identifier: MIT */
/*
 * latchkey: keypad codes — the record and the rules a code must pass before it is written
 * (spec §6.35, §9.1). The codecs for the keypad commands are in commands.h.
 */
#pragma once

#include "latchkey/wire.h"

#define LK_CODE_MIN 111111u /* spec §9.1: six digits 1–9 */
#define LK_CODE_MAX 999999u

/* One keypad code as the lock reports it (Keypad Code 0x0045) or as we write it. */
struct lk_keypad_code {
        uint16_t id;                         /* assigned by the lock; 0 when adding */
        uint32_t code;                       /* the numeric value, e.g. 654321 */
        char name[LK_CODE_NAME_SIZE + 1];    /* UTF-8, at most 20 bytes, NUL-terminated */
        bool enabled;
        struct lk_datetime created;          /* UTC, lock-reported */
        struct lk_datetime last_active;      /* UTC, lock-reported */
        uint16_t lock_count;
        struct lk_window window;
};

/* What is wrong with a code record, one reason at a time (the first found, in this order). */
enum lk_code_problem {
        LK_CODE_OK = 0,
        LK_CODE_NOT_SIX_DIGITS,        /* below 100000 or above 999999 */
        LK_CODE_HAS_ZERO,              /* a 0 digit (100000..111110 too): the keypad has no 0 key */
        LK_CODE_STARTS_WITH_12,        /* 12xxxx is reserved */
        LK_CODE_NAME_EMPTY,
        LK_CODE_NAME_TOO_LONG,         /* over 20 bytes */
        LK_CODE_NAME_NOT_UTF8,
        LK_CODE_NAME_CONTROL,          /* a control character: tab, newline, escape, DEL, C1 */
        LK_CODE_NAME_BIDI,             /* a bidirectional format character (text.h) */
        LK_CODE_NAME_BLANK,            /* only white space */
        LK_CODE_BAD_FROM_DATE,         /* time limited, set, and not a real date/time */
        LK_CODE_BAD_UNTIL_DATE,
        LK_CODE_WINDOW_ENDS_BEFORE_START, /* until < from */
        LK_CODE_BAD_WEEKDAYS,          /* bit 7 set */
        LK_CODE_BAD_FROM_TIME,
        LK_CODE_BAD_UNTIL_TIME,
        LK_CODE_DAILY_ENDS_BEFORE_START,  /* until_time < from_time, unless both 00:00 */
};


/*
 * Check a code record against spec §9.1 and the window rules (§9.3): returns LK_CODE_OK or
 * the first problem found. Uniqueness on a lock is the caller's (it needs the lock's list).
 */
enum lk_code_problem lk_keypad_code_check(const struct lk_keypad_code *c);
bool lk_keypad_code_value_ok(uint32_t code);
/* A sentence for a problem: "the code has a 0 digit; the keypad has no 0 key". Never NULL. */
const char *lk_code_problem_str(enum lk_code_problem p);
