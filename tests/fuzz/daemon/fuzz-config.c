/* SPDX-License-Identifier: MIT */
/* Fuzz the daemon's INI configuration loader: any file is parsed or refused with a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char path[64];
        struct daemon_config c;
        char err[512];
        FILE *f;
        int r;

        if (!path[0]) {
                int fd;

                snprintf(path, sizeof(path), "/tmp/lk-fuzz-config-XXXXXX");
                fd = mkstemp(path);
                if (fd < 0)
                        abort();
                close(fd);
        }
        f = fopen(path, "we");
        if (!f)
                abort();
        if (size && fwrite(data, 1, size, f) != size)
                abort();
        fclose(f);
        config_defaults(&c);
        r = config_load(path, &c, err, sizeof(err));
        if (r < 0 && err[0] == '\0')
                abort(); /* every refusal says why */
        if (r >= 0 && (c.retry_min > c.retry_max || c.log_interval < 60))
                abort(); /* accepted values stay in range */
        return 0;
}
