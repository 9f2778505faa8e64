# apps/: what runs after boot (app=NAME, kernel/core/app.h), on minnow's POSIX
# socket layer (net/socket.h).
APP_SRCS := apps/httpd.c apps/httpd_parse.c apps/httpd_html.c apps/echo.c
KSRCS += $(APP_SRCS)

# app=iperf: lwIP's lwiperf (built with lwIP's objects, net/rules.mk).
IPERF_SRCS := apps/iperf.c
KSRCS += $(IPERF_SRCS)
$(patsubst %,$(BUILD)/%.o,$(IPERF_SRCS)): KCFLAGS += $(LWIP_INC)
$(patsubst %,$(BUILD)/%.o,$(IPERF_SRCS)): | $(LWIP_DIR)/.fetched
