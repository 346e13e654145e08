/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exits.h"
#include "latchkey/names.h"
#include "util.h"

/* The one table (issue 11). */
const struct cli_exit_info cli_exit_codes[] = {
        { CLI_EXIT_OK, "ok", "ok" },
        { CLI_EXIT_FAILURE, "internal error", "internal" },
        { CLI_EXIT_USAGE, "invalid input, nothing written", "invalid" },
        { CLI_EXIT_NOT_FOUND, "not found", "not_found" },
        { CLI_EXIT_REFUSED, "refused by the lock (or it could not complete)", "refused" },
        { CLI_EXIT_LINK, "the link to the lock failed (or the outcome is unknown)", "link" },
        { CLI_EXIT_AUTH, "not authorized or wrong PIN", "auth" },
        { CLI_EXIT_FULL, "lock full", "full" },
        { CLI_EXIT_PROTOCOL, "an answer failed its checks (corrupt, forged or not the paired lock)", "checks" },
        { CLI_EXIT_STATE, "local state problem", "state" },
        { CLI_EXIT_UPSTREAM, "the upstream failed (network, TLS, HTTP refusal)", "upstream" },
        { CLI_EXIT_UNSUPPORTED, "the lock does not support this, or sent an answer this version does not understand",
          "unsupported" },
        { -1, NULL, NULL },
};
_Static_assert(ELEMENTSOF(cli_exit_codes) == CLI_EXIT_MAX + 2, "one row per exit code, and the end");

const char *exit_kind(int code)
{
        return code >= 0 && code <= CLI_EXIT_MAX ? cli_exit_codes[code].kind : NULL;
}

const char *exit_meaning(int code)
{
        return code >= 0 && code <= CLI_EXIT_MAX ? cli_exit_codes[code].meaning : NULL;
}

enum cli_exit exit_for_lock_error(uint8_t code)
{
        switch ((enum lk_error)code) {
        case LK_K_ERROR_NOT_AUTHORIZED:
        case LK_K_ERROR_BAD_PIN:
        case LK_K_ERROR_TOO_MANY_PIN_ATTEMPTS:
        case LK_K_ERROR_DISABLED:
        case LK_K_ERROR_TIME_NOT_ALLOWED:
        case LK_K_ERROR_REMOTE_NOT_ALLOWED:
        case LK_P_ERROR_NOT_PAIRING:
        case LK_P_ERROR_BAD_AUTHENTICATOR:
                return CLI_EXIT_AUTH;
        case LK_K_ERROR_TOO_MANY_ENTRIES:
        case LK_P_ERROR_MAX_USER:
                return CLI_EXIT_FULL;
        case LK_K_ERROR_INVALID_AUTH_ID:
                return CLI_EXIT_NOT_FOUND;
        case LK_ERROR_BAD_CRC:
                return CLI_EXIT_LINK; /* our message arrived damaged */
        case LK_ERROR_UNKNOWN:        /* spec §8: also "a request the lock does not support" */
        case LK_ERROR_BAD_LENGTH:     /* a layout the lock does not know */
                return CLI_EXIT_UNSUPPORTED;
        case LK_P_ERROR_BAD_PARAMETER:
        case LK_K_ERROR_BAD_NONCE:
        case LK_K_ERROR_BAD_PARAMETER:
        case LK_K_ERROR_CODE_ALREADY_EXISTS:
        case LK_K_ERROR_CODE_INVALID:
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_1:
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_2:
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_3:
        case LK_K_ERROR_AUTO_UNLOCK_TOO_RECENT:
        case LK_K_ERROR_POSITION_UNKNOWN:
        case LK_K_ERROR_MOTOR_BLOCKED:
        case LK_K_ERROR_CLUTCH_FAILURE:
        case LK_K_ERROR_MOTOR_TIMEOUT:
        case LK_K_ERROR_BUSY:
        case LK_K_ERROR_CANCELED:
        case LK_K_ERROR_NOT_CALIBRATED:
        case LK_K_ERROR_MOTOR_POSITION_LIMIT:
        case LK_K_ERROR_MOTOR_LOW_VOLTAGE:
        case LK_K_ERROR_MOTOR_POWER_FAILURE:
        case LK_K_ERROR_CLUTCH_POWER_FAILURE:
        case LK_K_ERROR_VOLTAGE_TOO_LOW:
        case LK_K_ERROR_FIRMWARE_UPDATE_NEEDED:
                return CLI_EXIT_REFUSED;
        }
        return CLI_EXIT_UNSUPPORTED; /* a code spec §8 does not list */
}

enum cli_exit exit_for_lock_errno(int error, uint8_t lock_error)
{
        switch (error) {
        case 0:
                return CLI_EXIT_OK;
        case -EREMOTEIO:
                return exit_for_lock_error(lock_error);
        case -ETIMEDOUT:
        case -ENOTCONN:
        case -ECONNRESET:
        case -ECONNREFUSED:
        case -ECONNABORTED:
        case -EPIPE:
        case -EHOSTDOWN:
        case -EHOSTUNREACH:
        case -ENODEV:
        case -EBUSY:
        case -EINPROGRESS:
        case -ECOMM:
                return CLI_EXIT_LINK;
        case -EBADMSG:
        case -EPROTO:
        case -EMSGSIZE:
        case -EBADE:
        case -ESTALE:
                return CLI_EXIT_PROTOCOL;
        case -ENOKEY:
        case -EKEYREJECTED:
        case -EKEYEXPIRED:
        case -EACCES:
                return CLI_EXIT_AUTH;
        case -ENOSPC:
                return CLI_EXIT_FULL;
        case -EEXIST:
                return CLI_EXIT_REFUSED;
        case -ENOENT:
                return CLI_EXIT_NOT_FOUND;
        case -EINVAL:
                return CLI_EXIT_USAGE;
        case -EOPNOTSUPP:
        case -EPROTONOSUPPORT:
        case -ENOMSG:
                return CLI_EXIT_UNSUPPORTED;
        default:
                return CLI_EXIT_FAILURE;
        }
}

void exit_describe_lock_errno(int error, uint8_t lock_error, char *buf, size_t size)
{
        const char *name, *desc;

        switch (error) {
        case -EREMOTEIO:
                name = lk_error_name(lock_error);
                desc = lk_error_description(lock_error);
                snprintf(buf, size, "the lock refused: %s (%s, 0x%02X)", desc ? desc : "unknown error",
                         name ? name : "?", lock_error);
                return;
        case -ETIMEDOUT:
                snprintf(buf, size, "no answer from the lock in time");
                return;
        case -EBUSY:
                snprintf(buf, size, "another latchkey process is working with this lock");
                return;
        case -EINPROGRESS:
                snprintf(buf, size, "the link to the lock failed after the command went out: outcome unknown");
                return;
        case -EBADMSG:
        case -EPROTO:
        case -EMSGSIZE:
                snprintf(buf, size, "the lock's answer failed its checks (corrupt link or not the paired lock)");
                return;
        case -EBADE:
                snprintf(buf, size, "the lock accepted the write but reading it back shows something else");
                return;
        case -ECOMM:
                snprintf(buf, size, "the Bluetooth stack (BlueZ) reported a failure on the link");
                return;
        case -ESTALE:
                snprintf(buf, size, "this is not the paired lock: its Nuki ID changed");
                return;
        case -ENOKEY:
                snprintf(buf, size, "the lock's security PIN is needed and none is stored");
                return;
        case -EKEYREJECTED:
                snprintf(buf, size, "the lock refused the stored security PIN");
                return;
        case -EKEYEXPIRED:
                snprintf(buf, size, "the lock refuses security PINs for a while (too many wrong ones)");
                return;
        case -ENOSPC:
                snprintf(buf, size, "the lock is full");
                return;
        case -EACCES:
                snprintf(buf, size, "the lock does not know this pairing (K_ERROR_NOT_AUTHORIZED): it was reset or "
                                    "replaced, or our authorization was removed; pair it again");
                return;
        case -EEXIST:
                snprintf(buf, size, "the lock holds this code with another name or window");
                return;
        case -ENOENT:
                snprintf(buf, size, "not found on the lock");
                return;
        case -EOPNOTSUPP:
        case -EPROTONOSUPPORT:
                snprintf(buf, size, "the lock (or this build) does not support this");
                return;
        case -ENOMSG:
                snprintf(buf, size, "the lock sent an answer this version of latchkey does not understand");
                return;
        default:
                if (exit_for_lock_errno(error, lock_error) == CLI_EXIT_LINK)
                        snprintf(buf, size, "the link to the lock failed (%s)", strerror(-error));
                else
                        snprintf(buf, size, "%s", strerror(error < 0 ? -error : error));
                return;
        }
}

enum cli_exit exit_for_upstream_errno(int error)
{
        return error == -ENOMEM ? CLI_EXIT_FAILURE : error < 0 ? CLI_EXIT_UPSTREAM : CLI_EXIT_OK;
}

enum cli_exit exit_for_upstream_setup(int error)
{
        switch (error) {
        case 0:
                return CLI_EXIT_OK;
        case -EPROTONOSUPPORT:
        case -EINVAL:
        case -ENOKEY:
        case -EPERM:
        case -ENOENT:
        case -EMSGSIZE:
        case -ENAMETOOLONG:
        case -ENODATA: /* an empty token (systemd's fallback credential): none configured */
                return CLI_EXIT_USAGE; /* the configuration or a file it names */
        case -ENOMEM:
                return CLI_EXIT_FAILURE;
        default:
                return CLI_EXIT_STATE; /* the database: busy, read-only, corrupt, full */
        }
}
