/* Short names for PCI class codes, for the listing.
 *
 * Base class and subclass values from the PCI Code and ID Assignment
 * Specification (rev. 1.x, section 1); they agree with Linux
 * include/linux/pci_ids.h (PCI_CLASS_*). A subclass of ANY names the
 * whole base class and is used when no exact entry matches. */
#include "kernel/pci/pci.h"

#define ANY 0xFF    /* no subclass 0xFF is assigned in these base classes */

/* The names inline (14 bytes an entry) rather than pointers to strings
 * (16 bytes an entry, and the strings besides). */
static const struct {
    uint8_t class, subclass;
    char name[12];
} names[] = {
    { 0x00, 0x01, "vga" },              /* pre-2.0 VGA-compatible device */
    { 0x01, 0x00, "scsi" },
    { 0x01, 0x01, "ide" },
    { 0x01, 0x02, "floppy" },
    { 0x01, 0x04, "raid" },
    { 0x01, 0x05, "ata" },
    { 0x01, 0x06, "sata" },
    { 0x01, 0x07, "sas" },
    { 0x01, 0x08, "nvme" },             /* non-volatile memory controller */
    { 0x01, ANY, "storage" },
    { 0x02, 0x00, "ethernet" },
    { 0x02, ANY, "network" },
    { 0x03, 0x00, "vga" },
    { 0x03, 0x02, "3d" },
    { 0x03, ANY, "display" },
    { 0x04, 0x00, "video" },
    { 0x04, 0x01, "audio" },
    { 0x04, 0x03, "audio" },            /* HD audio */
    { 0x04, ANY, "multimedia" },
    { 0x05, ANY, "memory" },
    { 0x06, 0x00, "host bridge" },
    { 0x06, 0x01, "isa bridge" },
    { 0x06, 0x04, "pci bridge" },
    { 0x06, 0x07, "cardbus" },
    { 0x06, ANY, "bridge" },            /* e.g. PIIX4 power management (0x0680) */
    { 0x07, 0x00, "serial" },
    { 0x07, 0x01, "parallel" },
    { 0x07, ANY, "comm" },
    { 0x08, 0x00, "pic" },
    { 0x08, 0x01, "dma" },
    { 0x08, 0x02, "timer" },
    { 0x08, 0x03, "rtc" },
    { 0x08, 0x05, "sd host" },
    { 0x08, 0x06, "iommu" },
    { 0x08, ANY, "system" },
    { 0x09, ANY, "input" },
    { 0x0C, 0x00, "firewire" },
    { 0x0C, 0x03, "usb" },
    { 0x0C, 0x04, "fibre" },
    { 0x0C, 0x05, "smbus" },
    { 0x0C, ANY, "serial bus" },
    { 0x0D, ANY, "wireless" },
    { 0x10, ANY, "crypto" },
    { 0x11, ANY, "signal" },
    { 0x12, ANY, "accelerator" },
};

const char *pci_class_name(uint8_t class, uint8_t subclass, uint8_t prog_if)
{
    (void)prog_if;          /* e.g. UHCI/OHCI/EHCI/xHCI are all "usb" */
    const char *whole = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].class != class)
            continue;
        if (names[i].subclass == subclass)
            return names[i].name;
        if (names[i].subclass == ANY)
            whole = names[i].name;
    }
    return whole ? whole : "other";
}
