# net/: the NIC abstraction and NIC drivers (lwIP and sockets will join).
KSRCS += net/netdev.c net/e1000.c net/dhcp_probe.c net/selftest_net.c

# lwIP 2.1.3 from Debian's source package, fetched into build/ by
# tools/fetch-lwip.sh (never committed). Built freestanding with our own
# lwipopts.h and arch port (net/lwip/); warnings in its code are not ours
# to fix, so it is built without -Werror.
LWIP_DIR := $(BUILD)/lwip-2.1.3
$(LWIP_DIR)/.fetched: tools/fetch-lwip.sh
	tools/fetch-lwip.sh $(BUILD)
$(LWIP_DIR)/%.c: $(LWIP_DIR)/.fetched
	@test -f $@
.PHONY: lwip-fetch
lwip-fetch: $(LWIP_DIR)/.fetched
