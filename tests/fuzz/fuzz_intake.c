/*
 * Fuzz target for the MIME-to-post pipeline: the input is one message, run
 * through intake_deliver (parse, classify, route, sender check, trim,
 * outbox) for the postable group, with a real store behind it.
 */
#include <stdint.h>

#include "fuzz_maxlen.h"
#include "fuzz_world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fw_setup();
	struct intake_result res;
	intake_deliver(&FW.in, (const char *)data, size, "alice@example.org",
		       "fz.general@reply.fz.example", &res);
	intake_result_clear(&res);
	return 0;
}
