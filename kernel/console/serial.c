/* COM1 serial console: a 16550-compatible UART at I/O port 0x3F8.
 *
 * Every PC-like VM minnow targets emulates one (QEMU, VMware, Hyper-V when a
 * COM port is configured, Firecracker). Register offsets and bits are from
 * the National Semiconductor PC16550D datasheet, "Register Summary".
 * Run: qemu-system-x86_64 -serial stdio (QEMU's default for -nographic). */
#include "kernel/console/serial.h"
#include "kernel/console/console.h"
#include "kernel/arch/io.h"

#define COM1        0x3F8
#define UART_THR    0       /* transmit holding (DLAB=0) */
#define UART_RBR    0       /* receive buffer (DLAB=0) */
#define UART_DLL    0       /* divisor latch low (DLAB=1) */
#define UART_IER    1       /* interrupt enable (DLAB=0) */
#define UART_DLM    1       /* divisor latch high (DLAB=1) */
#define UART_FCR    2       /* FIFO control */
#define UART_LCR    3       /* line control */
#define UART_MCR    4       /* modem control */
#define UART_LSR    5       /* line status */
#define UART_SCR    7       /* scratch */

#define LCR_8N1     0x03
#define LCR_DLAB    0x80
#define FCR_ENABLE_CLEAR 0x07   /* enable FIFOs, clear rx and tx */
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_DR      0x01    /* data ready */
#define LSR_THRE    0x20    /* transmit holding register empty */

static bool present;

static void serial_putc(char ch)
{
    /* Bounded wait: a UART that never drains must not hang the kernel. */
    for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
        __asm__ volatile("pause");
    outb(COM1 + UART_THR, (uint8_t)ch);
}

static void serial_write(struct console *c, const char *s, size_t n)
{
    (void)c;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

static struct console serial_console = { .name = "serial", .write = serial_write };

bool serial_init(void)
{
    /* A missing UART floats the bus: reads return 0xFF and the scratch
     * register does not hold a value. */
    outb(COM1 + UART_SCR, 0x5A);
    if (inb(COM1 + UART_SCR) != 0x5A)
        return false;
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DLL, 1);           /* 115200 baud: divisor 1 */
    outb(COM1 + UART_DLM, 0);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
    outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
    present = true;
    console_register(&serial_console);
    return true;
}

/* Interrupt on received data (IER bit 0); OUT2 (set at init) gates the
 * UART's interrupt line on PCs. */
void serial_enable_rx_irq(void)
{
    if (present)
        outb(COM1 + UART_IER, 0x01);
}

void serial_emergency(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            serial_putc('\r');
        serial_putc(*s);
    }
}

int serial_getc(void)
{
    if (!present || !(inb(COM1 + UART_LSR) & LSR_DR))
        return -1;
    return inb(COM1 + UART_RBR);
}
