# apps/: what runs after boot (app=NAME, kernel/core/app.h), on minnow's POSIX
# socket layer (net/socket.h).
APP_SRCS := apps/httpd.c apps/httpd_parse.c apps/httpd_html.c apps/echo.c apps/iperf.c
KSRCS += $(APP_SRCS)
