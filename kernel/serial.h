#pragma once
#include <stdbool.h>

/* Probes COM1 and registers it as a console; false when there is no UART. */
bool serial_init(void);
/* A received byte, or -1 when none is waiting. */
int serial_getc(void);
