# Two commands for learners and contributors:
#   make lab    create .venv from the pinned lock (first time only) and open the course
#   make test   the same set-up plus test-only tools, then every test
# Also: make site (the static web site in _site/), make benchmark, make lock.
# Only Python 3.11 and make are needed. ARGS is passed to `jupyter lab`
# (e.g. make lab ARGS=--no-browser) or to pytest (e.g. make test ARGS="-k data").

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --no-input
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test site benchmark lock clean help
help:
	@echo "make lab        open the course in JupyterLab (ARGS=--no-browser on a server)"
	@echo "make test       run every test (library, data, notebooks, browser, site, accessibility)"
	@echo "make site       build the static web site (every notebook run) into _site/"
	@echo "make benchmark  print slider-redraw and notebook timings"
	@echo "make lock       regenerate requirements/*.lock from requirements/*.in (needs uv)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v == (3, 11) else "Python 3.11 is needed (the lock is made for it); found %d.%d. Set PYTHON=/path/to/python3.11" % v)'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.course: $(BIN)/python requirements/course.lock pyproject.toml tools/lab-overrides.json
	$(PIP) install --require-hashes -r requirements/course.lock
	$(BIN)/python tools/link_course_lib.py
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp tools/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

$(VENV)/.site: $(VENV)/.course requirements/site.lock
	$(PIP) install --require-hashes -r requirements/site.lock
	touch $@

$(VENV)/.test: $(VENV)/.site requirements/test.lock
	$(PIP) install --require-hashes -r requirements/test.lock
	touch $@

# git stores notebooks without outputs (.gitattributes -> tools/strip_outputs.py); harmless outside a git clone
GIT_FILTER = git config filter.strip-outputs.clean '$(BIN)/python tools/strip_outputs.py' 2>/dev/null || true

lab: $(VENV)/.course
	@$(GIT_FILTER)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb $(ROOT_FLAG) $(ARGS)

test: $(VENV)/.test
	@$(GIT_FILTER)
	OPENBLAS_NUM_THREADS=1 COURSE_STRICT=1 $(BIN)/python -m pytest -n 2 --dist loadfile $(ARGS)

site: $(VENV)/.site
	OPENBLAS_NUM_THREADS=1 $(BIN)/python tools/build_site.py $(ARGS)

benchmark: $(VENV)/.test
	OPENBLAS_NUM_THREADS=1 $(BIN)/python benchmarks/run.py $(ARGS)

lock:
	cd requirements && uv pip compile course.in --generate-hashes --python-version 3.11.7 -o course.lock \
	  && uv pip compile test.in --generate-hashes --python-version 3.11.7 -o test.lock \
	  && uv pip compile site.in --generate-hashes --python-version 3.11.7 -o site.lock \
	  && uv pip compile ../binder/requirements.in --generate-hashes --python-version 3.11.7 -o ../binder/requirements.txt

clean:
	rm -rf $(VENV) test-output _site build book/node_modules tools/hub/node_modules
