/* SPDX-License-Identifier: MIT */
/* latchkey --help, GROUP --help, COMMAND --help and --version: printed from the table. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "cli-help.h"
#include "util.h"

#define WIDTH 80

/* Print text from column `col` (the cursor is there already), wrapped at WIDTH; a "\n\n" in
 * text starts a new paragraph at `indent`. Ends with a newline. */
static void wrap(FILE *f, const char *text, size_t col, size_t indent)
{
        size_t at = col;

        while (*text) {
                size_t n;

                if (text[0] == '\n') {
                        fprintf(f, "\n\n%*s", (int)indent, "");
                        at = indent;
                        text += strspn(text, "\n");
                        continue;
                }
                if (*text == ' ') {
                        text++;
                        continue;
                }
                n = strcspn(text, " \n");
                if (at > indent && at + 1 + n > WIDTH) {
                        fprintf(f, "\n%*s", (int)indent, "");
                        at = indent;
                } else if (at > indent) {
                        fputc(' ', f);
                        at++;
                }
                fwrite(text, 1, n, f);
                at += n;
                text += n;
        }
        fputc('\n', f);
}

static void flag_label(const struct cli_flag *fl, char *buf, size_t size)
{
        char s[8] = "    ";

        if (fl->short_name)
                snprintf(s, sizeof(s), "-%c, ", fl->short_name);
        snprintf(buf, size, "%s--%s%s%s", s, fl->name, fl->arg ? " " : "", fl->arg ? fl->arg : "");
}

static void print_flag(FILE *f, const struct cli_flag *fl)
{
        const size_t col = 28;
        char label[96];
        int n;

        flag_label(fl, label, sizeof(label));
        n = fprintf(f, "  %s", label);
        if ((size_t)n + 2 > col) {
                fprintf(f, "\n%*s", (int)col, "");
        } else
                fprintf(f, "%*s", (int)(col - (size_t)n), "");
        wrap(f, fl->help, col, col);
}

static void print_command_line(FILE *f, const struct cli_command *cmd)
{
        int n = fprintf(f, "  %s", cmd->name);

        fprintf(f, "%*s", n < 18 ? 18 - n : 1, "");
        wrap(f, cmd->summary, n < 18 ? 18 : (size_t)n + 1, 18);
}

void cli_help_version(FILE *f)
{
        fprintf(f, "latchkey %s\n", LATCHKEY_VERSION);
}

void cli_help_main(FILE *f)
{
        fprintf(f, "Usage: latchkey [OPTIONS] COMMAND [ARGS]\n"
                   "\n"
                   "Provision Nuki smart locks directly over Bluetooth LE: no bridge, no cloud.\n"
                   "\n"
                   "Commands:\n");
        for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
                print_command_line(f, cmd);
        fprintf(f, "\nOptions (anywhere on the line):\n");
        for (const struct cli_flag *fl = cli_global_flags; fl->name; fl++)
                print_flag(f, fl);
        fprintf(f, "\n");
        wrap(f, "Times: 2026-11-22T15:00+01:00, 2026-11-22T14:00Z, '2026-11-22 15:00' (this machine's zone), now, "
                "now+3600. Dates are kept on the lock in UTC; daily windows (--daily) are the lock's local time.", 0, 0);
        wrap(f, "Secrets (PINs, keypad codes) are never taken from the command line: use files, stdin or the prompt.", 0, 0);
        fprintf(f, "\nExit codes:\n");
        for (const struct cli_exit_info *e = cli_exit_codes; e->meaning; e++) {
                fprintf(f, "  %-3d ", e->code);
                wrap(f, e->meaning, 6, 6);
        }
        fprintf(f, "\n");
        wrap(f, "'latchkey COMMAND --help' explains a command and every flag it takes; 'latchkey GROUP --help' lists "
                "a group (code, grants, ...). 'man latchkey' has it all.", 0, 0);
}

void cli_help_group(FILE *f, const struct cli_group *g)
{
        size_t len = strlen(g->name);

        fprintf(f, "Usage: latchkey [OPTIONS] %s COMMAND [ARGS]\n\n", g->name);
        fprintf(f, "latchkey %s: %s.\n\nCommands:\n", g->name, g->summary);
        for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
                if (strncmp(cmd->name, g->name, len) == 0 && cmd->name[len] == ' ')
                        print_command_line(f, cmd);
        fprintf(f, "\n'latchkey %s COMMAND --help' explains one; 'latchkey --help' the global options.\n", g->name);
}

/* Does text mention --name as a whole flag? */
static bool mentions(const char *text, const char *name)
{
        size_t n = strlen(name);

        for (const char *p = text; (p = strstr(p, "--")); p += 2)
                if (strncmp(p + 2, name, n) == 0 && !(p[2 + n] == '-' || (p[2 + n] >= 'a' && p[2 + n] <= 'z')))
                        return true;
        return false;
}

void cli_help_command(FILE *f, const struct cli_command *cmd)
{
        char rest[512] = "Global options (latchkey --help explains them):";
        size_t n = strlen(rest);

        fprintf(f, "Usage: latchkey %s [OPTIONS]%s%s\n\n", cmd->name, cmd->synopsis[0] ? " " : "", cmd->synopsis);
        wrap(f, cmd->description, 0, 0);
        fprintf(f, "\nOptions:\n");
        for (const struct cli_flag *fl = cmd->flags; fl && fl->name; fl++)
                print_flag(f, fl);
        /* The global flags this command is about, explained here too; the rest by name. */
        for (const struct cli_flag *fl = cli_global_flags; fl->name; fl++)
                if (mentions(cmd->synopsis, fl->name) || mentions(cmd->description, fl->name))
                        print_flag(f, fl);
        for (const struct cli_flag *fl = cli_global_flags; fl->name; fl++) {
                if (mentions(cmd->synopsis, fl->name) || mentions(cmd->description, fl->name))
                        continue;
                n += (size_t)snprintf(rest + n, sizeof(rest) - n, " --%s,", fl->name);
                assert(n < sizeof(rest));
        }
        rest[n - 1] = '.';
        fprintf(f, "\n");
        wrap(f, rest, 0, 2);
}
