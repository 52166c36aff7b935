"""Named figure functions that notebooks call but do not need to read (concept diagrams,
multi-panel styling): one module per notebook, ``nbNN.py``. Code that *is* the lesson stays in
the notebook. Each function returns ``(fig, description)`` for ``plotting.show`` or shows the
figure itself; see the module of each notebook."""
