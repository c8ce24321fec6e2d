/*
 * libFuzzer target: any bytes as a YAML config. The loader must either return a config or a
 * list of positioned errors — never crash, leak or hang.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs;
	struct cairn_config *cfg =
		config_load_text((const char *)data, size, "fuzz.yaml", "/nonexistent", &errs);
	if (cfg) {
		if (errs.count != 0)
			abort();
		config_free(cfg);
	} else {
		if (errs.count == 0 && errs.dropped == 0)
			abort();
		for (size_t i = 0; i < errs.count; i++)
			if (strncmp(errs.msg[i], "fuzz.yaml:", 10) != 0 &&
			    strncmp(errs.msg[i], "<built-in default>:", 19) != 0)
				abort();
		config_errors_clear(&errs);
	}
	return 0;
}
