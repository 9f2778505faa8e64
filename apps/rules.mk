# apps/: what runs after boot (app=NAME, kernel/app.h). They use lwIP's
# socket API for now (net/socket.h will replace it), hence its headers.
APP_SRCS := apps/httpd.c apps/echo.c
KSRCS += $(APP_SRCS)
$(patsubst %,$(BUILD)/%.o,$(APP_SRCS)): KCFLAGS += $(LWIP_INC)
$(patsubst %,$(BUILD)/%.o,$(APP_SRCS)): | $(LWIP_DIR)/.fetched

# app=iperf: lwIP's lwiperf (built with lwIP's objects, net/rules.mk).
IPERF_SRCS := apps/iperf.c
KSRCS += $(IPERF_SRCS)
$(patsubst %,$(BUILD)/%.o,$(IPERF_SRCS)): KCFLAGS += $(LWIP_INC)
$(patsubst %,$(BUILD)/%.o,$(IPERF_SRCS)): | $(LWIP_DIR)/.fetched
