/* SPDX-License-Identifier: MIT */
/*
 * Plain main() that replays a fuzz corpus through LLVMFuzzerTestOneInput, so every build type
 * runs every input that ever found a bug (cJSON fuzzing/fuzz_main.c does the same).
 * Usage: replay-NAME DIR|FILE...
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (1u << 20)

static int replay_file(const char *path)
{
        struct stat st;
        uint8_t *buf;
        ssize_t n;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        if (st.st_size > REPLAY_MAX_INPUT) {
                fprintf(stderr, "replay: '%s' is larger than %u bytes\n", path, REPLAY_MAX_INPUT);
                close(fd);
                return -1;
        }
        /* Exact-size heap copy so ASan sees any read past the end. */
        buf = malloc(st.st_size ? (size_t)st.st_size : 1);
        if (!buf) {
                close(fd);
                return -1;
        }
        n = read(fd, buf, (size_t)st.st_size);
        close(fd);
        if (n != st.st_size) {
                fprintf(stderr, "replay: short read on '%s'\n", path);
                free(buf);
                return -1;
        }
        LLVMFuzzerTestOneInput(buf, (size_t)n);
        free(buf);
        return 0;
}

int main(int argc, char **argv)
{
        unsigned count = 0, failed = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                DIR *d;
                struct dirent *e;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "replay: '%s': %s\n", argv[i], strerror(errno));
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        failed += replay_file(argv[i]) < 0;
                        count++;
                        continue;
                }
                d = opendir(argv[i]);
                if (!d)
                        return 1;
                while ((e = readdir(d))) {
                        char path[4096];

                        if (e->d_name[0] == '.')
                                continue;
                        if (snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name) >= (int)sizeof(path))
                                continue;
                        failed += replay_file(path) < 0;
                        count++;
                }
                closedir(d);
        }
        if (count == 0) {
                fprintf(stderr, "replay: empty corpus: nothing was replayed\n");
                return 1;
        }
        printf("replay: %u inputs, %u unreadable\n", count, failed);
        return failed ? 1 : 0;
}
