/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret-file.h"

/* "read", "read and write", "write and execute": what the three bits of one class allow. */
static const char *class_can(unsigned bits)
{
        static const char *const words[8] = {
                "", "execute", "write", "write and execute", "read", "read and execute", "read and write",
                "read, write and execute",
        };

        return words[bits & 7];
}

void secret_refusal(const char *what, const char *path, char *buf, size_t size)
{
        unsigned g, o;
        struct stat st;

        if ((strcmp(path, "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(path, &st)) < 0 || !(st.st_mode & 077)) {
                snprintf(buf, size, "refusing %s '%s': only its owner may read it (chmod 600 '%s')", what, path, path);
                return;
        }
        g = (st.st_mode >> 3) & 7;
        o = st.st_mode & 7;
        if (g && o && g == o)
                snprintf(buf, size, "refusing %s '%s': mode %04o lets its group and others %s it (chmod 600 '%s')", what,
                         path, (unsigned)(st.st_mode & 07777), class_can(g), path);
        else if (g && o)
                snprintf(buf, size, "refusing %s '%s': mode %04o lets its group %s it and others %s it (chmod 600 '%s')",
                         what, path, (unsigned)(st.st_mode & 07777), class_can(g), class_can(o), path);
        else
                snprintf(buf, size, "refusing %s '%s': mode %04o lets %s %s it (chmod 600 '%s')", what, path,
                         (unsigned)(st.st_mode & 07777), g ? "its group" : "others", class_can(g ? g : o), path);
}
