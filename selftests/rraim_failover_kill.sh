#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# replicas=2, server 1 fails (kill) under a verifying workload: see failover.sh.
exec sh "$(dirname "$0")/failover.sh" kill
