"""Sphinx configuration of the course's static site (built by ``make site``).

``tools/build_site.py`` copies this file, the executed notebooks and the
markdown pages into a staging folder and runs ``sphinx-build`` there; it
passes the repository URL and the Binder URL in the environment. Notebooks are
executed by the build script (in parallel, with ``COURSE_STATIC=1``), not by
MyST-NB, so execution here is off.
"""
import os

project = "Beneath the Skin"
author = "The Beneath the Skin authors"
copyright = "the Beneath the Skin authors; text CC BY 4.0, code MIT"

extensions = ["myst_nb"]
nb_execution_mode = "off"           # tools/build_site.py executes the notebooks
nb_output_stderr = "warn"           # a warning printed by notebook code fails the (-W) build
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

exclude_patterns = ["_build", "node_modules", "**.ipynb_checkpoints", "README.md"]
master_doc = "index"

html_theme = "sphinx_book_theme"
html_title = "Beneath the Skin"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_show_sourcelink = False
html_favicon = "favicon.svg"
# Start in light mode: without a default the theme logs a console error on a reader's first visit.
html_context = {"default_mode": "light"}
html_copy_source = True   # the download button offers each executed notebook
# MathJax is served from the site itself (copied from the pinned npm package), never from a CDN.
mathjax_path = "mathjax/tex-chtml.js"

_repository = os.environ.get("COURSE_REPOSITORY_URL", "")
html_theme_options = {
    "repository_url": _repository,
    # The ref of the README's Binder links (tools/repository.binder_url); a test checks they agree.
    "repository_branch": "HEAD",
    "path_to_docs": "notebooks",
    "use_repository_button": bool(_repository),
    "use_download_button": True,
    "use_fullscreen_button": False,
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
