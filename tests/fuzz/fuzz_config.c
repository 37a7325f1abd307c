/*
 * Fuzz target for the configuration loader: the input is YAML text given to
 * cfg_load_string; a config that loads is printed and loaded again (the
 * printed form must always load), then everything is freed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "forumgate/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg *c = NULL;
	char *err = NULL;
	if (cfg_load_string("fuzz.yaml", (const char *)data, size, NULL, 0, &c, &err) != 0) {
		free(err);
		return 0;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f != NULL) {
		cfg_print(c, f);
		fclose(f);
		struct cfg *again = NULL;
		if (cfg_load_string("printed.yaml", text, len, NULL, 0, &again, &err) != 0) {
			fprintf(stderr, "printed config does not load:\n%s\n%s\n", err, text);
			abort();
		}
		cfg_free(again);
		free(text);
	}
	cfg_free(c);
	return 0;
}
