"""The officers' pages (Swedish first, English beside it): `pages` (search, an actor, welfare gaps,
and `init_app`, which registers every page blueprint), `explorer` (the map explorer), `umbrella`
(an umbrella organisation's own pages), `options` (the forms' choices) and `i18n` (the labels).

Empty on purpose: a submodule's import runs this file first, so it imports none of them.
"""
