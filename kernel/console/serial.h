#pragma once
#include <stdbool.h>

/* Probes COM1 and registers it as a console; false when there is no UART. */
bool serial_init(void);
/* Writes straight to COM1, bypassing the console registry (for a fault
 * while reporting a panic). */
void serial_emergency(const char *s);
void serial_enable_rx_irq(void);
/* A received byte, or -1 when none is waiting. */
int serial_getc(void);
