/* SPDX-License-Identifier: MIT */
/*
 * latchkey-surface: the build's generator of everything the command tables describe.
 * Linked with the tables themselves (src/cli/cli-table.c, hw-tests/sim/prog-cli.c and
 * prog-ctl.c), so the man pages and the completion cannot say other than the programs do.
 *
 *   latchkey-surface man-latchkey TEMPLATE OUT   latchkey(1): @COMMANDS@, @GLOBAL_OPTIONS@
 *   latchkey-surface man-sim TEMPLATE OUT        latchkey-sim(1): @COMMANDS@, @REQUESTS@, @EXIT_STATUS@
 *   latchkey-surface bash TEMPLATE OUT           bash completion: @DATA@
 *   latchkey-surface list                        the tables as tab-separated rows (tests/surface.sh)
 *
 * In templates a line that is exactly a @NAME@ is replaced by that part; @VERSION@ anywhere
 * by the version. OUT is written whole or not at all (OUT.tmp, then renamed).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-table.h"
#include "prog.h"

/* ---- roff ---------------------------------------------------------------------------------- */

static bool is_word_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_caps_char(char c)
{
        return (c >= 'A' && c <= 'Z') || c == '_';
}

/* One character as roff; *bol: at the start of an output line. Returns bytes consumed. */
static size_t roff_char(FILE *f, const char *s, bool *bol)
{
        const unsigned char *u = (const unsigned char *)s;
        unsigned cp;
        size_t n;

        if (*bol && (*s == '.' || *s == '\''))
                fputs("\\&", f);
        *bol = false;
        if (*s == '\\') {
                fputs("\\e", f);
                return 1;
        }
        if (*s == '-') {
                fputs("\\-", f);
                return 1;
        }
        if (u[0] < 0x80) {
                fputc(*s, f);
                return 1;
        }
        /* Anything else by its code point, so the page is ASCII whatever the reader's locale. */
        if ((u[0] & 0xE0) == 0xC0 && u[1]) {
                cp = (u[0] & 0x1Fu) << 6 | (u[1] & 0x3Fu);
                n = 2;
        } else if ((u[0] & 0xF0) == 0xE0 && u[1] && u[2]) {
                cp = (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu);
                n = 3;
        } else if ((u[0] & 0xF8) == 0xF0 && u[1] && u[2] && u[3]) {
                cp = (u[0] & 0x07u) << 18 | (u[1] & 0x3Fu) << 12 | (u[2] & 0x3Fu) << 6 | (u[3] & 0x3Fu);
                n = 4;
        } else {
                fprintf(stderr, "latchkey-surface: invalid UTF-8 in '%s'\n", s);
                exit(1);
        }
        fprintf(f, "\\[u%04X]", cp);
        return n;
}

/*
 * Text as roff: flags (--name) in bold, and with caps, value names (NAME, FILE) in italic.
 * "\n\n" starts a new paragraph. The text starts at the beginning of an output line.
 */
static void roff(FILE *f, const char *s, bool caps)
{
        bool bol = true;
        char prev = ' ';

        while (*s) {
                size_t n;

                if (s[0] == '\n') {
                        fputs("\n.PP\n", f);
                        s += strspn(s, "\n");
                        bol = true;
                        prev = ' ';
                        continue;
                }
                n = 0;
                if (s[0] == '-' && s[1] == '-' && s[2] >= 'a' && s[2] <= 'z' && !is_word_char(prev)) {
                        n = 2 + strspn(s + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
                        while (s[n - 1] == '-')
                                n--;
                } else if (caps && is_caps_char(s[0]) && !is_word_char(prev)) {
                        n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
                        if (is_word_char(s[n]))
                                n = 0; /* not a value name alone, e.g. "Nuki" */
                }
                if (n) {
                        /* \% : never hyphenate a flag or a value name across lines */
                        fputs(s[0] == '-' ? "\\fB\\%" : "\\fI\\%", f);
                        for (size_t i = 0; i < n;)
                                i += roff_char(f, s + i, &bol);
                        fputs("\\fR", f);
                        prev = s[n - 1];
                        s += n;
                        continue;
                }
                prev = *s;
                s += roff_char(f, s, &bol);
        }
        fputc('\n', f);
}

/* ".TP" then the flag's label on one line. */
static void roff_flag(FILE *f, char short_name, const char *name, const char *arg)
{
        fputs(".TP\n\\%", f);
        if (short_name)
                fprintf(f, "\\fB\\-%c\\fR, ", short_name);
        fputs("\\fB\\-\\-", f);
        for (bool bol = false; *name;)
                name += roff_char(f, name, &bol);
        fputs("\\fR", f);
        if (arg) {
                bool bol = false;

                fputs(" \\fI", f);
                while (*arg)
                        arg += roff_char(f, arg, &bol);
                fputs("\\fR", f);
        }
        fputc('\n', f);
}

/* ---- latchkey(1) --------------------------------------------------------------------------- */

static void man_latchkey_commands(FILE *f)
{
        const struct cli_group *g = NULL;

        fputs(".SH COMMANDS\n", f);
        for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++) {
                const struct cli_group *cg = cli_group_of(cmd);

                if (cg && cg != g)
                        fprintf(f, ".\\\" group: %s\n", cg->name);
                g = cg;
                fprintf(f, ".SS \"%s\"\n.B latchkey %s\n", cmd->name, cmd->name);
                fputs("[\\fIOPTIONS\\fR]", f);
                if (cmd->synopsis[0]) {
                        fputc(' ', f);
                        roff(f, cmd->synopsis, true);
                } else
                        fputc('\n', f);
                fputs(".PP\n", f);
                roff(f, cmd->description, false);
                for (const struct cli_flag *fl = cmd->flags; fl && fl->name; fl++) {
                        roff_flag(f, fl->short_name, fl->name, fl->arg);
                        roff(f, fl->help, false);
                }
        }
}

static void man_latchkey_options(FILE *f)
{
        for (const struct cli_flag *fl = cli_global_flags; fl->name; fl++) {
                roff_flag(f, fl->short_name, fl->name, fl->arg);
                roff(f, fl->help, false);
        }
}

static void exit_row(FILE *f, int code, const char *meaning)
{
        bool bol = true;

        fprintf(f, ".TP\n.B %d\n", code);
        /* A sentence: capital first letter, full stop. */
        if (meaning[0] >= 'a' && meaning[0] <= 'z') {
                fputc(meaning[0] - 'a' + 'A', f);
                meaning++;
                bol = false;
        }
        while (*meaning)
                meaning += roff_char(f, meaning, &bol);
        fputs(".\n", f);
}

/* ---- latchkey-sim(1) ----------------------------------------------------------------------- */

static void man_sim_commands(FILE *f)
{
        fputs(".SH COMMANDS\n", f);
        for (const struct prog_command *cmd = prog_commands; cmd->name; cmd++) {
                fprintf(f, ".SS \"%s\"\n.B latchkey-sim %s\n", cmd->name, cmd->name);
                if (cmd->synopsis[0])
                        roff(f, cmd->synopsis, true);
                fputs(".PP\n", f);
                roff(f, cmd->description, false);
                for (const struct prog_flag *fl = cmd->flags; fl && fl->name; fl++) {
                        roff_flag(f, 0, fl->name, fl->arg);
                        roff(f, fl->help, false);
                }
        }
}

static void man_sim_requests(FILE *f)
{
        for (const struct prog_ctl_request *q = prog_ctl_requests; q->name; q++) {
                fputs(".TP\n.B ", f);
                roff(f, q->usage, false);
                roff(f, q->help, false);
        }
}

static void man_sim_exit(FILE *f)
{
        for (const struct prog_exit_info *e = prog_exit_codes; e->meaning; e++)
                exit_row(f, e->code, e->meaning);
}

/* ---- bash completion ----------------------------------------------------------------------- */

/* What completes a flag's value: file, dir, lock, "words ...", "prefix ...", text; "" a switch. */
static const char *value_kind(const struct cli_flag *fl, char *buf, size_t size)
{
        if (!fl->arg)
                return "";
        if (fl->values) {
                size_t n = strlen(fl->values);

                snprintf(buf, size, "%s %s", n && fl->values[n - 1] == ':' ? "prefix" : "words", fl->values);
                return buf;
        }
        if (strcmp(fl->name, "lock") == 0)
                return "lock";
        if (strstr(fl->arg, "FILE"))
                return "file";
        if (strstr(fl->arg, "DIR"))
                return "dir";
        return "text";
}

static void bash_flag_words(FILE *f, const struct cli_flag *fl)
{
        for (; fl && fl->name; fl++) {
                fprintf(f, " --%s", fl->name);
                if (fl->short_name)
                        fprintf(f, " -%c", fl->short_name);
        }
}

static void bash_kind_case(FILE *f, const char *cmd, const struct cli_flag *fl)
{
        char buf[256];

        for (; fl && fl->name; fl++) {
                const char *k = value_kind(fl, buf, sizeof(buf));

                if (!k[0])
                        continue;
                fprintf(f, "        \"%s|--%s\"", cmd, fl->name);
                if (fl->short_name)
                        fprintf(f, " | \"%s|-%c\"", cmd, fl->short_name);
                fprintf(f, ") echo \"%s\" ;;\n", k);
        }
}

static void bash_data(FILE *f)
{
        fputs("# Generated from src/cli/cli-table.c by tools/latchkey-surface.c: edit the table, not this.\n", f);
        fputs("_latchkey_commands=\"", f);
        for (const struct cli_command *cmd = cli_commands, *prev = NULL; cmd->name; prev = cmd++) {
                const struct cli_group *g = cli_group_of(cmd);

                if (!g)
                        fprintf(f, "%s ", cmd->name);
                else if (!prev || cli_group_of(prev) != g)
                        fprintf(f, "%s ", g->name); /* a group's first command */
        }
        fputs("\"\n\n# The verbs of a group.\n_latchkey_verbs()\n{\n        case $1 in\n", f);
        for (const struct cli_group *g = cli_groups; g->name; g++) {
                fprintf(f, "        %s) echo \"", g->name);
                for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
                        if (cli_group_of(cmd) == g)
                                fprintf(f, "%s ", strchr(cmd->name, ' ') + 1);
                fputs("\" ;;\n", f);
        }
        fputs("        esac\n}\n\n# The flags a command takes (\"\": before the command).\n_latchkey_flags()\n{\n"
              "        case $1 in\n",
              f);
        for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++) {
                fprintf(f, "        \"%s\") echo \"", cmd->name);
                bash_flag_words(f, cmd->flags);
                bash_flag_words(f, cli_global_flags);
                fputs("\" ;;\n", f);
        }
        fputs("        *) echo \"", f);
        bash_flag_words(f, cli_global_flags);
        fputs("\" ;;\n        esac\n}\n\n"
              "# What completes the value of flag $2 of command $1 (empty: it takes none).\n"
              "_latchkey_value_kind()\n{\n        case \"$1|$2\" in\n",
              f);
        for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
                bash_kind_case(f, cmd->name, cmd->flags);
        bash_kind_case(f, "\"*\"", cli_global_flags);
        fputs("        esac\n}\n\n# What completes a command's operands.\n_latchkey_operand_kind()\n{\n"
              "        case $1 in\n",
              f);
        for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
                if (strstr(cmd->synopsis, "FILE"))
                        fprintf(f, "        \"%s\") echo file ;;\n", cmd->name);
        fputs("        esac\n}\n", f);
}

/* ---- list ---------------------------------------------------------------------------------- */

static void list_flags(FILE *f, const char *kind, const char *cmd, const struct cli_flag *fl)
{
        for (; fl && fl->name; fl++) {
                char sh[3] = "";

                if (fl->short_name)
                        snprintf(sh, sizeof(sh), "-%c", fl->short_name);
                fprintf(f, "%s\t%s\t--%s\t%s\t%s\t%s\n", kind, cmd, fl->name, sh, fl->arg ? fl->arg : "",
                        fl->values ? fl->values : "");
        }
}

static void list(FILE *f)
{
        for (const struct cli_group *g = cli_groups; g->name; g++)
                fprintf(f, "group\t%s\n", g->name);
        for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++) {
                fprintf(f, "command\t%s\t%s\n", cmd->name, cmd->synopsis);
                list_flags(f, "flag", cmd->name, cmd->flags);
        }
        list_flags(f, "global", "", cli_global_flags);
        for (const struct cli_exit_info *e = cli_exit_codes; e->meaning; e++)
                fprintf(f, "exit\t%d\t%s\n", e->code, e->meaning);
        for (const struct prog_command *cmd = prog_commands; cmd->name; cmd++) {
                fprintf(f, "sim-command\t%s\t%s\n", cmd->name, cmd->synopsis);
                for (const struct prog_flag *fl = cmd->flags; fl && fl->name; fl++)
                        fprintf(f, "sim-flag\t%s\t--%s\t\t%s\t%s\n", cmd->name, fl->name, fl->arg ? fl->arg : "",
                                fl->values ? fl->values : "");
        }
        for (const struct prog_ctl_request *q = prog_ctl_requests; q->name; q++)
                fprintf(f, "sim-request\t%s\t%s\n", q->name, q->usage);
        for (const struct prog_exit_info *e = prog_exit_codes; e->meaning; e++)
                fprintf(f, "sim-exit\t%d\t%s\n", e->code, e->meaning);
}

/* ---- templates ----------------------------------------------------------------------------- */

struct part {
        const char *name; /* "@COMMANDS@" */
        void (*write)(FILE *f);
};

static int expand(const char *template, const char *out, const struct part *parts)
{
        char tmp[4096], line[4096];
        FILE *in, *o;
        unsigned lineno = 0;

        if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= sizeof(tmp))
                return -ENAMETOOLONG;
        in = fopen(template, "re");
        if (!in) {
                fprintf(stderr, "latchkey-surface: %s: %s\n", template, strerror(errno));
                return -errno;
        }
        o = fopen(tmp, "we");
        if (!o) {
                fprintf(stderr, "latchkey-surface: %s: %s\n", tmp, strerror(errno));
                fclose(in);
                return -errno;
        }
        while (fgets(line, sizeof(line), in)) {
                const struct part *p;
                char *at;

                lineno++;
                for (p = parts; p->name; p++)
                        if (strncmp(line, p->name, strlen(p->name)) == 0 && line[strlen(p->name)] == '\n')
                                break;
                if (p->name) {
                        p->write(o);
                        continue;
                }
                if (line[0] == '@' && strstr(line, "@\n") == line + strlen(line) - 2) {
                        fprintf(stderr, "latchkey-surface: %s:%u: unknown part %s", template, lineno, line);
                        fclose(in);
                        fclose(o);
                        remove(tmp);
                        return -EINVAL;
                }
                /* @VERSION@ anywhere */
                for (char *s = line; *s; s = at + 9) {
                        at = strstr(s, "@VERSION@");
                        if (!at) {
                                fputs(s, o);
                                break;
                        }
                        fprintf(o, "%.*s%s", (int)(at - s), s, LATCHKEY_VERSION);
                }
        }
        fclose(in);
        if (ferror(o) | (fclose(o) != 0) || rename(tmp, out) < 0) {
                fprintf(stderr, "latchkey-surface: cannot write %s\n", out);
                remove(tmp);
                return -EIO;
        }
        return 0;
}

int main(int argc, char **argv)
{
        static const struct part latchkey_parts[] = {
                { "@COMMANDS@", man_latchkey_commands },
                { "@GLOBAL_OPTIONS@", man_latchkey_options },
                {},
        };
        static const struct part sim_parts[] = {
                { "@COMMANDS@", man_sim_commands },
                { "@REQUESTS@", man_sim_requests },
                { "@EXIT_STATUS@", man_sim_exit },
                {},
        };
        static const struct part bash_parts[] = {
                { "@DATA@", bash_data },
                {},
        };

        if (argc == 2 && strcmp(argv[1], "list") == 0) {
                list(stdout);
                return fflush(stdout) == 0 ? 0 : 1;
        }
        if (argc == 4 && strcmp(argv[1], "man-latchkey") == 0)
                return expand(argv[2], argv[3], latchkey_parts) < 0;
        if (argc == 4 && strcmp(argv[1], "man-sim") == 0)
                return expand(argv[2], argv[3], sim_parts) < 0;
        if (argc == 4 && strcmp(argv[1], "bash") == 0)
                return expand(argv[2], argv[3], bash_parts) < 0;
        fprintf(stderr, "usage: latchkey-surface man-latchkey|man-sim|bash TEMPLATE OUT | list\n");
        return 2;
}
