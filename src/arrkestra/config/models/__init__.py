"""The configuration's models: one section a module, ``settings.Settings`` on top.

``base`` is what every section shares (unknown keys refused, frozen values), ``scalars``
and ``units`` the typed values (instance names, URLs, secrets, durations, sizes),
``references`` the checks across sections, ``secrets`` which fields hold secrets and
``fieldtree`` how a config path walks the models (for errors and environment variables).
"""
