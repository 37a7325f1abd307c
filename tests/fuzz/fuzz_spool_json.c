/*
 * Fuzz target for spool_parse_json() (gateway/forum/); the check is fuzz_thread.h's.
 */
#include "fuzz_thread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_thread(spool_parse_json, data, size);
}
