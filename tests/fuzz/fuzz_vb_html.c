/*
 * Fuzz target for vb_parse_html() (gateway/forum/); the check is fuzz_thread.h's.
 */
#include "fuzz_thread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_thread(vb_parse_html, data, size);
}
