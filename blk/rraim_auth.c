// SPDX-License-Identifier: GPL-2.0
/* ../rraim_auth.c, built again into rraim_blk.ko (see Kbuild). */
#define RRAIM_BLK_BUILD 1
#include "../rraim_auth.c"
