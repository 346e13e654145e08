/* SPDX-License-Identifier: MIT */
/* latchkey-sim: a virtual Nuki lock (prog-cli.c has the command line). */
#include "prog.h"

int main(int argc, char **argv)
{
        return prog_main(argc, argv);
}
