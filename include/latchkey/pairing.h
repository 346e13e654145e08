/* SPDX-License-Identifier: MIT */
/*
 * latchkey: Nuki BLE pairing (authorization) state machines, both roles. Spec §4.1 (Smart Lock
 * 1.0–4th gen and Opener), §4.2 (failures), §4.3 (Ultra / Go / 5th gen), payloads §6.2–§6.6.
 *
 * Sans-I/O (STYLE.md §1): the machines take raw chunks of the Pairing GDIO channel of any size
 * (BLE indications on the client, writes on the lock), reassemble them (struct lk_reasm, spec
 * §1.2) and produce at most one outgoing message per call into a caller buffer of at least
 * LK_PAIR_OUT_MAX bytes. No clock, no allocation, no logging; key pairs, the nonces nA and
 * nK1..nK3 and the secretbox message nonces come only from the struct lk_env given at init.
 *
 * Ownership: the caller allocates the state structs (they are not opaque, so they can live in a
 * session or on the stack) and keeps the lk_env alive for as long as the state. Strings and
 * buffers passed in are copied; nothing points into caller memory after a call returns. Secret
 * material (key pairs, shared key, Ultra PIN) is wiped (sodium_memzero) when a session ends
 * (completion, failure, reset) and by *_wipe(); results handed to the caller are the caller's
 * to wipe.
 *
 * Errors follow wire.h: >= 0 success, -errno failure, ret_* untouched on failure.
 */
#pragma once

#include "latchkey/crypto.h"
#include "latchkey/frame.h"
#include "latchkey/wire.h"

/*
 * Largest message either role sends during pairing: the SL1–4 Authorization Data (spec §1.3,
 * 105 bytes). Every function that produces a message wants an output buffer at least this big
 * and checks that before consuming input, so -ENOBUFS never costs a session.
 */
#define LK_PAIR_OUT_MAX 105u

/* What a feed/start/grant/refuse call achieved (its non-negative return value). */
enum lk_pair_status {
        /* More input is needed. If *ret_out_len > 0, send out[0..len) first. */
        LK_PAIR_CONTINUE = 0,
        /* Pairing completed; take the result (…_take_result). Any output must still be sent. */
        LK_PAIR_DONE = 1,
        /* Lock only: the client's Authorization Data is verified; the owner must answer with
         * lk_pair_lock_grant() or lk_pair_lock_refuse() (spec §4.1 steps 11–12). No output. */
        LK_PAIR_NEED_AUTH = 2,
        /* Lock only: out holds an unencrypted Error Report (spec §4.2) for the client; the
         * session is back to idle. lk_pair_lock_last_error() says which. */
        LK_PAIR_REJECTED = 3,
};

/* ---------------------------------------------------------------------------------------- */
/* Client role (app / bridge / fob)                                                          */
/* ---------------------------------------------------------------------------------------- */

struct lk_pair_client_config {
        enum lk_generation gen; /* decides §4.1 vs §4.3 (lk_generation_is_ultra) */
        enum lk_id_type id_type; /* 0..3 (spec §4.1); not transmitted on Ultra (§4.3) */
        uint32_t app_id;         /* App-/Bridge-/Fob-ID: same id re-pairs (overwrites) */
        const char *name;        /* UTF-8, at most LK_AUTH_NAME_SIZE bytes (spec §6.3) */
        uint32_t pin;            /* Ultra only: the lock's Security PIN, 0..999999 (spec §0) */
};

/* What a successful pairing yields (spec §4.1 "After step 16", §4.3 step 10). */
struct lk_pair_result {
        uint32_t auth_id;
        uint8_t shared_key[LK_KEY_SIZE]; /* secret: the caller stores it, then wipes this copy */
        uint8_t lock_uuid[LK_UUID_SIZE];
        uint8_t lock_pk[LK_KEY_SIZE];
        bool pin_set; /* Ultra: the lock's Authorization Info flag (§6.6); false on SL1–4 */
};

enum lk_pair_client_state {
        LK_PAIR_CL_IDLE,            /* configured, not started */
        LK_PAIR_CL_WAIT_PUBLIC_KEY, /* sent Request Data(0x0003), step 1 */
        LK_PAIR_CL_WAIT_CHALLENGE_1, /* sent PK_CL, step 4 */
        LK_PAIR_CL_WAIT_CHALLENGE_2, /* SL1–4: sent A1, step 7 */
        LK_PAIR_CL_WAIT_AUTH_INFO,   /* Ultra: sent A1, step 7 */
        LK_PAIR_CL_WAIT_AUTH_ID,     /* SL1–4: sent Authorization Data, step 10 */
        LK_PAIR_CL_WAIT_AUTH_ID_SEALED, /* Ultra: sent encrypted Authorization Data, step 9 */
        LK_PAIR_CL_WAIT_STATUS,      /* SL1–4: sent the Confirmation, step 15 */
        LK_PAIR_CL_DONE,
        LK_PAIR_CL_FAILED,
};

/* Fields are private to pairing-client.c (tests inspect them); use the functions below. */
struct lk_pair_client {
        /* configuration */
        enum lk_generation gen;
        uint8_t id_type;
        uint32_t app_id;
        uint8_t name[LK_AUTH_NAME_SIZE];
        uint32_t pin; /* secret */
        const struct lk_env *env;
        /* session */
        enum lk_pair_client_state state;
        struct lk_reasm reasm;
        struct lk_keypair kp;    /* secret; wiped as soon as s is derived */
        uint8_t s[LK_KEY_SIZE];  /* secret */
        uint8_t lock_pk[LK_KEY_SIZE];
        uint8_t na[LK_CHALLENGE_SIZE];
        bool pin_set;
        /* outcome */
        bool remote_error;
        uint8_t error_code;
        uint16_t error_cmd;
        bool has_result;
        struct lk_pair_result result; /* secret until taken */
};

/*
 * Configure a client. Copies cfg (the name is encoded at once). -EINVAL for an unknown
 * generation, an ID type above 3, a PIN above 999999 on Ultra, or a NULL argument; the name's
 * errors from lk_name_put (-EMSGSIZE over 32 bytes, -EBADMSG not UTF-8). env must outlive c;
 * NULL means randombytes_buf (lk_env_random).
 */
LK_MUST_USE int lk_pair_client_init(struct lk_pair_client *c, const struct lk_pair_client_config *cfg,
                                    const struct lk_env *env);

/*
 * Start (or restart) a pairing: drops any previous session and writes step 1, Request Data
 * for the Public Key `0100 0300 27A7` (spec §4.1 step 1, §11 message 1). Returns
 * LK_PAIR_CONTINUE. -ENOBUFS if size < LK_PAIR_OUT_MAX.
 */
LK_MUST_USE int lk_pair_client_start(struct lk_pair_client *c, uint8_t *out, size_t size,
                                     size_t *ret_out_len);

/*
 * Consume a chunk from the Pairing GDIO (spec §1.2: any size, no fragment header). Returns
 * LK_PAIR_CONTINUE (*ret_out_len > 0: send that message, spec §4.1 steps 4, 7, 10, 15 and
 * §4.3 step 9) or LK_PAIR_DONE (result ready; nothing to send). Failures end the session:
 *   -EREMOTEIO  the lock sent an Error Report (spec §4.2, §6.21): lk_pair_client_remote_error()
 *   -EBADMSG    bad CRC, unknown command, wrong A3 (step 14), a secretbox that does not open
 *               (§4.3 step 10), a small-order lock key, or a payload of the wrong size
 *   -EPROTO     a message out of sequence, trailing bytes after a complete message, or a call
 *               when no session is running (never started, done or failed)
 *   -ENOBUFS    size < LK_PAIR_OUT_MAX (checked first; the session survives this one)
 * A partial message returns LK_PAIR_CONTINUE with nothing to send.
 */
LK_MUST_USE int lk_pair_client_feed(struct lk_pair_client *c, const uint8_t *p, size_t n,
                                    uint8_t *out, size_t size, size_t *ret_out_len);

/*
 * After LK_PAIR_DONE: move the result to *ret and wipe the copy held in c. -EPROTO if there is
 * no result (not done, or already taken). The caller owns and wipes ret->shared_key.
 */
LK_MUST_USE int lk_pair_client_take_result(struct lk_pair_client *c, struct lk_pair_result *ret);

/*
 * After -EREMOTEIO: the lock's error code (enum lk_error, spec §8) and the command id it
 * blamed (spec §6.21). -ENODATA if the session did not end with an Error Report.
 */
LK_MUST_USE int lk_pair_client_remote_error(const struct lk_pair_client *c, uint8_t *ret_code,
                                            uint16_t *ret_cmd);

/* Drop the session (disconnect, spec §10), wiping its secrets; the configuration stays. */
void lk_pair_client_reset(struct lk_pair_client *c);
/* Wipe everything, configuration, PIN and any untaken result included. NULL-safe. */
void lk_pair_client_wipe(struct lk_pair_client *c);

/* ---------------------------------------------------------------------------------------- */
/* Lock role (the virtual lock; it owns the authorization table)                            */
/* ---------------------------------------------------------------------------------------- */

/*
 * TEST SEAM, for official vectors only (spec §11 prints the lock's public key but not its
 * secret key). When lk_pair_lock_config.vector_keys is set, the lock announces pk instead of a
 * fresh key pair and uses shared_key as s instead of computing X25519 with the client's key;
 * no randomness is drawn for a key pair. A lock configured like this pairs only with the
 * client whose key the vector was computed for. Production code leaves it NULL.
 */
struct lk_pair_lock_vector_keys {
        uint8_t pk[LK_KEY_SIZE];
        uint8_t shared_key[LK_KEY_SIZE];
};

struct lk_pair_lock_config {
        enum lk_generation gen;
        uint8_t uuid[LK_UUID_SIZE]; /* the lock's UUID, sent in the Authorization-ID (§6.4) */
        bool pairing_mode;          /* initial pairing mode; see lk_pair_lock_set_pairing_mode */
        bool pin_set;               /* Ultra: Authorization Info flag (spec §4.3 step 8) */
        const struct lk_pair_lock_vector_keys *vector_keys; /* NULL except for vectors; copied */
};

/*
 * A pairing request once the client has proven s (A2 on SL1–4, the secretbox MAC on Ultra),
 * and, after DONE, the new authorization. The owner decides capacity, the auth id and (Ultra)
 * whether the PIN is right.
 */
struct lk_pair_authorization {
        uint32_t auth_id; /* 0 until granted */
        uint8_t id_type;  /* enum lk_id_type 0..3; LK_ID_APP on Ultra (§4.3 sends none) */
        uint32_t app_id;
        uint8_t name[LK_AUTH_NAME_SIZE]; /* as received; read with lk_name_get */
        uint8_t shared_key[LK_KEY_SIZE]; /* secret */
        uint8_t client_pk[LK_KEY_SIZE];
        uint32_t pin; /* secret. Ultra: the Security PIN the client sent; 0 on SL1–4 */
};

enum lk_pair_lock_state {
        LK_PAIR_SL_IDLE,           /* waiting for Request Data(0x0003), step 1 */
        LK_PAIR_SL_WAIT_CLIENT_PK, /* sent PK_SL, step 2 */
        LK_PAIR_SL_WAIT_A1,        /* sent nK1, step 6 */
        LK_PAIR_SL_WAIT_AUTH_DATA, /* SL1–4: sent nK2, step 9; Ultra: sent Auth Info, step 8 */
        LK_PAIR_SL_WAIT_GRANT,     /* returned LK_PAIR_NEED_AUTH */
        LK_PAIR_SL_WAIT_CONFIRM,   /* SL1–4: sent Authorization-ID, step 13 */
};

/* Fields are private to pairing-lock.c (tests inspect them); use the functions below. */
struct lk_pair_lock {
        /* configuration */
        enum lk_generation gen;
        uint8_t uuid[LK_UUID_SIZE];
        bool pairing_mode;
        bool pin_set;
        bool use_vector_keys;
        struct lk_pair_lock_vector_keys vector_keys; /* secret shared_key */
        const struct lk_env *env;
        /* session */
        enum lk_pair_lock_state state;
        struct lk_reasm reasm;
        struct lk_keypair kp; /* secret; wiped as soon as s is derived */
        uint8_t nk[LK_CHALLENGE_SIZE]; /* the current challenge: nK1, nK2 or nK3 */
        uint8_t na[LK_CHALLENGE_SIZE];
        struct lk_pair_authorization req; /* secret; shared_key is the session's s */
        /* outcome */
        uint8_t error_code;
        uint16_t error_cmd;
        bool has_result;
        struct lk_pair_authorization result; /* secret until taken */
};

/*
 * Configure a lock. Copies cfg, vector_keys included. -EINVAL for an unknown generation or a
 * NULL l/cfg. env must outlive l; NULL means randombytes_buf (lk_env_random).
 */
LK_MUST_USE int lk_pair_lock_init(struct lk_pair_lock *l, const struct lk_pair_lock_config *cfg,
                                  const struct lk_env *env);

/*
 * Pairing mode (spec §1.1, §4.1 precondition). Outside it, Request Data(0x0003) is answered
 * with P_ERROR_NOT_PAIRING for command 0x0001. [DECISION] Leaving pairing mode (e.g. its
 * timeout, spec §4.2) also drops a session in progress; an untaken result is kept.
 */
void lk_pair_lock_set_pairing_mode(struct lk_pair_lock *l, bool on);

/*
 * Consume a chunk written to the Pairing GDIO. Returns
 *   LK_PAIR_CONTINUE   send *ret_out_len bytes if > 0 (steps 2, 6, 9; Ultra step 8)
 *   LK_PAIR_NEED_AUTH  answer with lk_pair_lock_grant()/lk_pair_lock_refuse(); the request is
 *                      at lk_pair_lock_request()
 *   LK_PAIR_DONE       SL1–4: a valid Confirmation (step 15); out holds Status COMPLETE
 *                      (step 16). [DECISION spec §4.2] the authorization is usable only now.
 *   LK_PAIR_REJECTED   out holds an unencrypted Error Report (spec §4.2, §6.21), session idle:
 *     P_ERROR_NOT_PAIRING 0x10 / 0x0001   Request Data(PK) outside pairing mode
 *     P_ERROR_BAD_AUTHENTICATOR 0x11      wrong A1 (0x0005), A2 (0x0006) or A4 (0x001E);
 *                                         [DECISION] Ultra: a secretbox that does not open
 *                                         under s (0x0006): its MAC stands in for A2
 *     P_ERROR_BAD_PARAMETER 0x12          ID type > 3 (0x0006), a small-order client key
 *                                         (0x0003), a Confirmation for another auth id,
 *                                         [DECISION spec §4.2] any command out of sequence
 *                                         (its id), also several messages in one write
 *     ERROR_BAD_CRC 0xFD                  with the command id of the message
 *     ERROR_BAD_LENGTH 0xFE               Ultra: encrypted LEN out of range (0x0000) or an
 *                                         Authorization Data payload that is not 40 bytes
 *     ERROR_UNKNOWN 0xFF                  an id that is no pairing message, Request Data for
 *                                         anything but 0x0003 (spec §5.1)
 * Negative only for caller errors: -ENOBUFS (size < LK_PAIR_OUT_MAX, nothing consumed),
 * -EINVAL. Input while NEED_AUTH is pending counts as out of sequence once a message is whole.
 */
LK_MUST_USE int lk_pair_lock_feed(struct lk_pair_lock *l, const uint8_t *p, size_t n,
                                  uint8_t *out, size_t size, size_t *ret_out_len);

/* The pending request after LK_PAIR_NEED_AUTH (until grant/refuse/reset); NULL otherwise. */
const struct lk_pair_authorization *lk_pair_lock_request(const struct lk_pair_lock *l);

/*
 * Answer NEED_AUTH with the auth id the owner reserved (spec §4.1 step 12). SL1–4: writes the
 * Authorization-ID (step 13) and returns LK_PAIR_CONTINUE; the pairing is DONE only after the
 * Confirmation, so the owner keeps the id reserved, not usable, until then and releases it on
 * REJECTED or reset. Ultra: writes the encrypted Authorization-ID (§4.3 step 10; ADATA/PDATA
 * auth id LK_ULTRA_PAIRING_AUTH_ID) and returns LK_PAIR_DONE (no confirmation step).
 * -EPROTO if no request is pending, -EINVAL for auth id 0 or LK_ULTRA_PAIRING_AUTH_ID,
 * -ENOBUFS for a small buffer (the request stays pending).
 */
LK_MUST_USE int lk_pair_lock_grant(struct lk_pair_lock *l, uint32_t auth_id, uint8_t *out,
                                   size_t size, size_t *ret_out_len);

/*
 * Answer NEED_AUTH with an Error Report for command 0x0006 and reset: P_ERROR_MAX_USER (0x13)
 * when the table is full (spec §4.1 step 11), and [DECISION, spec §4.3/§12: undocumented]
 * K_ERROR_BAD_PIN (0x21) for a wrong Ultra PIN. Returns LK_PAIR_REJECTED. -EINVAL for a code
 * outside 0x01..0xFF, -EPROTO if no request is pending, -ENOBUFS for a small buffer (the
 * request stays pending in all three cases).
 */
LK_MUST_USE int lk_pair_lock_refuse(struct lk_pair_lock *l, enum lk_error code, uint8_t *out,
                                    size_t size, size_t *ret_out_len);

/*
 * After LK_PAIR_DONE: move the new authorization (auth id, id type, app id, name, shared key,
 * client key; Ultra PIN wiped) to *ret and wipe the copy in l. -EPROTO if there is none.
 */
LK_MUST_USE int lk_pair_lock_take_result(struct lk_pair_lock *l, struct lk_pair_authorization *ret);

/* The last Error Report the lock sent (code, command id); -ENODATA if none since init. */
LK_MUST_USE int lk_pair_lock_last_error(const struct lk_pair_lock *l, uint8_t *ret_code,
                                        uint16_t *ret_cmd);

/* Drop the session (disconnect, spec §10), wiping its secrets; configuration and result stay. */
void lk_pair_lock_reset(struct lk_pair_lock *l);
/* Wipe everything, configuration and untaken result included. NULL-safe. */
void lk_pair_lock_wipe(struct lk_pair_lock *l);
