# kernel/sched/: cooperative threads, wait queues, mutexes, semaphores, timers.
KSRCS += kernel/sched/sched.c kernel/sched/switch.S kernel/sched/waitq.c kernel/sched/runq.c \
	kernel/sched/timerq.c
