#pragma once
#include <stddef.h>

/* Reads the QEMU fw_cfg file `name` into buf (NUL-terminated). Returns its
 * length, or a negative errno when not running under QEMU or not present. */
int fw_cfg_read_file(const char *name, char *buf, size_t size);
