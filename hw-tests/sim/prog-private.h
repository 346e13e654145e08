/* SPDX-License-Identifier: MIT */
/* latchkey-sim run: what prog-run.c, prog-context.c and prog-conn.c (the data socket) share.
 * Private. */
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <systemd/sd-event.h>

#include "prog.h"

#define USEC_PER_MSEC 1000ull
#define USEC_PER_SEC  1000000ull

struct conn;
struct ctl_client;

struct prog {
        const struct prog_options *opts;
        sd_event *event;
        struct sim_lock *lock;
        struct sim_io io;
        int64_t clock_offset;     /* virtual clock = CLOCK_REALTIME + offset */
        struct prog_link link;
        struct prog_faults faults;
        int data_fd, ctl_fd;
        sd_event_source *data_src, *ctl_src, *tick;
        sd_event_source *motor;   /* the engine's motor deadline (ms, CLOCK_MONOTONIC) */
        struct conn *conn;
        struct ctl_client *clients;
        char ctl_path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
        unsigned save_failures;
        struct prog_ble *ble;     /* --ble (prog-ble.c) */
        int state_lock_fd;        /* flock(2) on STATE.lock: one virtual lock per state file */
        /* prog-run.c's step after any engine call (prog_after_engine): flush, re-arm. */
        void (*after_engine)(struct prog *p);
};

/* prog-conn.c: the data socket's one connection. */
/* The engine's message for the socket client (chunked, paced, faults applied). */
void prog_conn_send(struct prog *p, enum lk_channel ch, const uint8_t *msg, size_t n);
/* sd-event handler of the listening data socket. */
int prog_conn_on_listen(sd_event_source *s, int fd, uint32_t revents, void *userdata);
/* Close the connection once what is queued has gone (fault drop-in-motion). */
void prog_conn_drop_when_flushed(struct prog *p);
/* Send what is due on the connection, if any. */
void prog_conn_flush(struct prog *p);
void prog_conn_free(struct prog *p);
