# kernel/console/: the log (kprintf, klog) and where it goes -- COM1, VGA text,
# the framebuffer -- and the PS/2 keyboard.
KSRCS += kernel/console/console.c kernel/console/serial.c kernel/console/vgacon.c kernel/console/fbcon.c kernel/console/font.c \
	kernel/console/kprintf.c kernel/console/klog.c kernel/console/ps2kbd.c
