# Man pages (made from each program's own --help by contrib/man/mkman.sh)
# and the bash completion of kist; `make install` puts them in
# PREFIX/share/man/man1 and PREFIX/share/bash-completion/completions.
.DEFAULT_GOAL := all
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

# (recipes expand $(PROGRAMS) once every module.mk has added to it)
man: all
	@mkdir -p $(BIN)/man
	$(Q)for p in $(PROGRAMS) kist-init; do \
		sh contrib/man/mkman.sh $(BIN)/$$p $(VERSION) >$(BIN)/man/$$p.1.tmp && \
		mv $(BIN)/man/$$p.1.tmp $(BIN)/man/$$p.1 || exit 1; \
	done
install: install.man install.completion
install.man: man
	install -d $(DESTDIR)$(MANDIR)/man1
	$(Q)for p in $(PROGRAMS) kist-init; do \
		install -m 0644 $(BIN)/man/$$p.1 $(DESTDIR)$(MANDIR)/man1/$$p.1 || exit 1; \
	done
install.completion:
	install -D -m 0644 contrib/completion/kist.bash $(DESTDIR)$(BASHCOMPDIR)/kist
uninstall: uninstall.man
uninstall.man:
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(addsuffix .1,$(PROGRAMS) kist-init))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/kist
.PHONY: man install.man install.completion uninstall.man
