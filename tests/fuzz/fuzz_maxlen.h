/*
 * Included by fuzz targets whose inputs matter past a megabyte: libFuzzer
 * caps an input at the largest seed's size, at most 1 MB, unless -max_len
 * is given, and truncates bigger seeds to that. The 1.5 MB message/rfc822
 * bomb of the mime corpus must reach the parser whole, so these targets
 * add -max_len=FUZZ_MAX_LEN unless the command line sets a -max_len.
 * The replay main (replay_main.c) never calls LLVMFuzzerInitialize.
 */
#ifndef FORUMGATE_FUZZ_MAXLEN_H
#define FORUMGATE_FUZZ_MAXLEN_H

#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_LEN "2000000"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (int i = 1; i < *argc; i++)
		if (strncmp((*argv)[i], "-max_len=", 9) == 0)
			return 0;
	/* libFuzzer keeps using argv: the new array lives until exit */
	char **nv = calloc((size_t)*argc + 2, sizeof *nv);
	if (nv == NULL)
		return 0;
	memcpy(nv, *argv, (size_t)*argc * sizeof *nv);
	nv[(*argc)++] = (char *)"-max_len=" FUZZ_MAX_LEN;
	*argv = nv;
	return 0;
}

#endif
