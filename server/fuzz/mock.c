// SPDX-License-Identifier: GPL-2.0
/*
 * The RDMA mock of the server's tests (../tests/mock_rdma.c), built into
 * fuzz_server with one more function.  The mock keeps every cm_id it
 * handed out, destroyed or not, for a test to inspect; a fuzzer that
 * opens millions of connections must free them, and only code that sees
 * the mock's own list can: so this file builds the mock's source.
 */
#include "../tests/mock_rdma.c"

void fuzz_mock_reap(void);

/* Free the cm_ids the server destroyed (their events went with them). */
void fuzz_mock_reap(void)
{
	struct mock_id **p = &mock_ids, *m;

	while ((m = *p)) {
		if (m->destroyed) {
			*p = m->next;
			free(m);
		} else {
			p = &m->next;
		}
	}
}
