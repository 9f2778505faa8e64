# kernel/core/: the registries every subsystem uses -- command-line options,
# trace flags, apps, self-tests -- and QEMU's fw_cfg.
KSRCS += kernel/core/init.c kernel/core/cmdline.c kernel/core/trace.c kernel/core/app.c kernel/core/selftest.c \
	kernel/core/fw_cfg.c
