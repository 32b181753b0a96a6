# kist-init: docker's --init (tini's job), a static PID 1 that `kist run
# --init` binds into the container at /sbin/docker-init.  Static and free of
# our libraries, so it runs in any image.
all: $(BIN)/kist-init
$(BIN)/kist-init: init/kist-init.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) -O2 -static -std=gnu11 -Wall -Wextra -Werror -Wshadow -o $@ $<
install: install.kist-init
install.kist-init: $(BIN)/kist-init
	install -D -m 0755 $(BIN)/kist-init $(DESTDIR)$(BINDIR)/kist-init
uninstall: uninstall.kist-init
uninstall.kist-init:
	rm -f $(DESTDIR)$(BINDIR)/kist-init
.PHONY: install.kist-init uninstall.kist-init
