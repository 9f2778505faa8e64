# kernel/shell/: the interactive shell (app=shell) and its core commands.
KSRCS += kernel/shell/shell.c kernel/shell/shell_cmds.c
