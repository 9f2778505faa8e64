/* Text console on a linear RGB framebuffer, drawn with the built-in 8x16
 * font (kernel/console/font.h). */
#pragma once
#include <stddef.h>
#include "boot/bootinfo.h"

/* Start the console on the framebuffer `fb` describes, which the caller has
 * mapped at `mapped`: check the geometry, clear the screen and register as
 * console "fb" (once; a later call moves it to the new framebuffer).
 * Returns 0, -ENOTSUP for a framebuffer that is not 16, 24 or 32 bpp RGB, or
 * -EINVAL for a bad geometry (zero or inconsistent sizes, colour fields
 * outside the pixel, more than FBCON_MAX_BYTES). */
int fbcon_init(const struct boot_fb *fb, void *mapped);

/* One line for the boot log, e.g.
 * "framebuffer 1280x800x32 at 0x80000000, 160x50 text". */
void fbcon_describe(char *buf, size_t n);

#define FBCON_MAX_BYTES (256u << 20)
