# The two commands of this project. Everything they build lives in .local/.
PYTHON ?= python3

.PHONY: run test setup bench load lint wheel pot clean

run:    ## set up what is missing, create/update the database, serve Odoo on :8069
	@$(PYTHON) tools/devenv.py run

test:   ## set up what is missing, lint first (SUPPORT_LINT), run every test of the addon on a fresh database
	@$(PYTHON) tools/devenv.py test

bench:  ## run benchmarks/*.py on the `make run` database (prints figures, changes nothing)
	@$(PYTHON) tools/devenv.py bench

load:   ## portal load benchmark on a database of its own (dropped afterwards; KEEP=1 keeps it)
	@$(PYTHON) tools/devenv.py load

lint:   ## OCA's lint (ruff, pylint-odoo, OCA's module checks), checking only; fails on findings
	@$(PYTHON) tools/devenv.py lint

wheel:  ## build the addon's wheel (odoo-addon-support_contract, with whool) into .local/dist/
	@$(PYTHON) tools/devenv.py wheel

pot:    ## export i18n/support_contract.pot from a fresh database and merge it into i18n/*.po (see i18n/README.md)
	@$(PYTHON) tools/i18n.py

setup:  ## only set up (Debian packages, Odoo, virtual environment, PostgreSQL, config)
	@$(PYTHON) tools/devenv.py setup

clean:  ## forget everything built in .local/ (databases stay; see README)
	rm -rf .local
