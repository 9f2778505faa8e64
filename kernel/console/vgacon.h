/* VGA text-mode console (the 0xB8000 colour text buffer). */
#pragma once

/* Start the console on an already-mapped text buffer of cols x rows cells
 * (80x25 in the BIOS's mode 3), clear it and register it as console "vga".
 * Returns 0, or -EINVAL for a NULL buffer or an unsupported size. */
int vgacon_init(void *text_base, unsigned cols, unsigned rows);
