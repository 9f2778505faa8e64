# kernel/time/: TSC frequency, the monotonic and wall clocks, timer events, the
# boot timeline.
KSRCS += kernel/time/tsc.c kernel/time/clock.c kernel/time/timeline.c \
	kernel/time/pvclock.c kernel/time/kvmclock.c
