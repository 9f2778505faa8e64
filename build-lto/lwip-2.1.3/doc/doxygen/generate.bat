doxygen lwip.Doxyfile
