# kernel/pci/: configuration access, the scan, BARs, capabilities, MSI/MSI-X,
# the driver registry.
KSRCS += kernel/pci/pci.c kernel/pci/pci_cfg.c kernel/pci/pci_msi.c kernel/pci/pci_irq.c kernel/pci/pci_hotplug.c kernel/pci/pci_names.c
