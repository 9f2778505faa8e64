/* libFuzzer target: the static AML device reader (kernel/acpi/acpi_aml_dev.c)
 * over hostile definition-block bodies, and the resource-template parser
 * over hostile _CRS buffers.
 *
 * The input is copied into a buffer of exactly its length, so ASan reports
 * any read past the end. Invariants checked per input: the result is 0 or
 * -EINVAL; no more devices are stored than there is room for; every stored
 * path is a NUL-terminated "\..." string shorter than ACPI_AML_PATH_MAX;
 * every _HID a NUL-terminated string of at most 8 chars. A second pass
 * feeds the same bytes to acpi_crs_parse().
 * Seed corpus: the DSDTs of tests/data/acpi (any input works from zero).
 * Reproduce: build/fuzz/fuzz_acpi_aml_dev <file>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/acpi/acpi_aml_dev.h"
#include "kernel/errno.h"

#define MAXD 8

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "invariant violated: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct acpi_aml_dev dev[MAXD];
    uint8_t *b = malloc(size ? size : 1);
    memcpy(b, data, size);
    struct acpi_aml_devs l = { .dev = dev, .max = MAXD };
    int r = acpi_aml_devices(b, size, &l);
    check(r == 0 || r == -EINVAL, "result is 0 or -EINVAL");
    for (size_t i = 0; i < l.n && i < MAXD; i++) {
        check(memchr(dev[i].path, 0, sizeof dev[i].path) != NULL && dev[i].path[0] == '\\', "path");
        check(memchr(dev[i].hid, 0, sizeof dev[i].hid) != NULL, "hid");
    }
    struct acpi_aml_dev d;
    memset(&d, 0, sizeof d);
    r = acpi_crs_parse(b, size, &d);
    check(r == 0 || r == -EINVAL, "crs result");
    free(b);
    return 0;
}
