// SPDX-License-Identifier: GPL-2.0
/* ../rraim_rdma.c, built again into rraim_blk.ko (see Kbuild). */
#define RRAIM_BLK_BUILD 1
#include "../rraim_rdma.c"
