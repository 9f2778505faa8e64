# The end-to-end netvsc program (tests/hvsim/e2e/): hv/netvsc*.c against
# the simulator's netvsp host, whose frames go to and from a TAP device,
# with lwIP, the socket layer and apps/httpd.c on top -- the kernel's own
# sources, built for the host with a hosted scheduler
# (tests/hvsim/e2e/e2e_kernel.c) and stand-ins for interrupts (shadow/),
# under ASan and UBSan like the other hosted programs.
E2E_DIR    := $(BUILD)/e2e
E2E_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined
E2E_CFLAGS = -std=gnu11 -g -O1 -DHOSTED -fno-pie -MD -MP $(E2E_SAN) -Itests/hvsim/e2e/shadow -I. -I$(BUILD)/gen -fno-omit-frame-pointer
E2E_NET_SRCS := net/lwip/sys_arch.c net/lwip/libc.c net/lwip/tcp_timewait.c net/lwip/tcp_guard.c net/lwip/syncookie.c net/lwip/dhcp_hold.c \
	net/lwip/carrier.c net/lwip/ip4_src.c net/lwip_netif.c net/lwip/pools_plan.c net/lwip/pools.c \
	net/socket.c net/socket_inet.c net/netdev.c apps/httpd.c apps/httpd_parse.c apps/httpd_html.c apps/httpd_files.c blk/ustar.c blk/blk.c \
	kernel/sched/waitq.c kernel/sched/runq.c kernel/sched/timerq.c kernel/core/cmdline.c
E2E_HV_SRCS := $(HVSIM_SRCS) $(HV_GUEST_SRCS) $(HV_NETVSC_SRCS) tests/hvsim/e2e/e2e_kernel.c \
	tests/hvsim/e2e/e2e_netvsc.c
E2E_OBJS := $(patsubst %,$(E2E_DIR)/lwip/%.o,$(LWIP_SRCS)) $(patsubst %,$(E2E_DIR)/%.o,$(E2E_NET_SRCS)) \
	$(patsubst %,$(E2E_DIR)/%.o,$(E2E_HV_SRCS))

$(E2E_DIR)/lwip/%.c.o: $(LWIP_DIR)/src/%.c | $(LWIP_DIR)/.fetched
	@mkdir -p $(@D)
	$(HOSTCC) $(E2E_CFLAGS) $(LWIP_INC) -w -c $< -o $@
$(patsubst %,$(E2E_DIR)/%.o,$(E2E_NET_SRCS)): $(E2E_DIR)/%.c.o: %.c | $(LWIP_DIR)/.fetched
	@mkdir -p $(@D)
	$(HOSTCC) $(E2E_CFLAGS) $(LWIP_INC) -Wall -Wno-unused-function -c $< -o $@
$(patsubst %,$(E2E_DIR)/%.o,$(E2E_HV_SRCS)): $(E2E_DIR)/%.c.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(E2E_CFLAGS) -Wall -c $< -o $@

# The socket layer's HOSTED branch is its unit test's (no threads): built
# as the kernel's here.
$(E2E_DIR)/net/socket.c.o: E2E_CFLAGS += -UHOSTED

$(BUILD)/host/e2e_netvsc: $(E2E_OBJS)
	@mkdir -p $(@D)
	$(HOSTCC) -g -no-pie $(E2E_SAN) -o $@ $(E2E_OBJS) -Wl,--wrap=memp_malloc -Wl,--wrap=memp_free

-include $(E2E_OBJS:.o=.d)

# Built by `make test` (tests/system/cases_netvsc.py runs it, as root).
HOSTED_BINS += $(BUILD)/host/e2e_netvsc
.PHONY: e2e-netvsc
e2e-netvsc: $(BUILD)/host/e2e_netvsc
