/* SPDX-License-Identifier: MIT */
/*
 * Inside a session, shared by its two halves: session.c (the link: connect, the waits, what
 * arrives on each characteristic) and session-call.c (the commands over it: one exchange, the
 * challenge, the PIN's verdict, a busy lock's retries). Nothing outside src/lock/session*.c
 * includes this.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

#define USEC_PER_MSEC 1000ULL
#define USEC_PER_SEC 1000000ULL

enum wait_kind {
        WAIT_NONE,
        WAIT_CONNECT,
        WAIT_REPLY,   /* USDIO replies to a call */
        WAIT_PAIRING, /* raw pairing-channel chunks */
};

struct session {
        sd_event *event;
        struct lk_transport *transport;
        struct lk_transport_cb cb;
        struct lk_creds creds;
        bool has_creds;
        const struct lk_env *env;
        struct session_opts opts;
        struct session_stats stats;

        bool connected;
        /* Writes per channel: sent, and completed (on_sent, in order per channel). A write's
         * late error is the current wait's failure only if that wait sent it: an answer may
         * come before its write's response (ATT allows it), and then the wait is over. */
        uint32_t wr_sent[LK_CH_COUNT], wr_done[LK_CH_COUNT], wr_settled[LK_CH_COUNT];
        uint64_t up_usec;         /* CLOCK_MONOTONIC when the link last came up; 0 never */
        struct lk_link_info info;
        struct lk_reasm usdio;
        struct lk_reasm gdio;
        sd_event_source *timer;

        /* the wait in progress */
        enum wait_kind wait;
        int result;   /* > 0 while running; 0 done; < 0 failed */
        session_reply_fn reply_fn;
        bool complete_ends; /* a Status COMPLETE ends the wait */
        session_chunk_fn chunk_fn;
        void *userdata;
        /* session_connect_async(): whom to tell, and when the connect began */
        session_connected_fn connect_fn;
        void *connect_userdata;
        uint64_t connect_t0;
        uint8_t remote_error;
        uint16_t remote_error_cmd;
        bool remote_error_plain;       /* the Error Report came unencrypted (issue 14) */
        uint16_t asking;               /* the command the exchange asks for (Request Data's target) */
        bool answered;                 /* the exchange in progress got a message */
        uint16_t silent_cmd;           /* the last exchange timed out without any message */
        uint16_t odd_cmd;              /* the last answer we could not decode: command, length */
        size_t odd_len;
        bool sent, accepted;           /* the exchange in progress: written; ACCEPTED seen */
        bool call_sent, call_accepted; /* the last session_call's command */

        struct session_hooks hooks;
        bool acquired;       /* hooks.acquire succeeded and release is owed */
        bool checked;        /* hooks.connected ran */
        int pin_block;       /* session_block_pin() */
        int write_block;     /* session_block_writes() */
};

/* The session's one timer, due usec (µs) from now; it ends the current wait with -ETIMEDOUT. */
int session_arm_timer(struct session *s, uint64_t usec);
void session_disarm_timer(struct session *s);
/* Run the loop until the current wait finishes: its result (0, or -errno). */
int session_run_until_done(struct session *s);
/* The connected hook (the identity check) once per session, before its first call. */
int session_check_once(struct session *s);
