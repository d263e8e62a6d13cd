"""Helpers for Pakar's tests, importable from any test module (``from testing.html import parse_html``).

As pre-commit's ``testing/`` package: the conftest files hold fixtures only, and the code those fixtures
and the tests share lives here, one job per module:

- :mod:`testing.environment`: whether this is CI, and skipping (or, in CI, failing) when a service is missing;
- :mod:`testing.html`: a small HTML tree builder for the pages the app serves;
- :mod:`testing.visitor`: the Flask test client driven like a browser (forms sent as a browser sends them);
- :mod:`testing.apps`: web apps configured for tests;
- :mod:`testing.databases`: throwaway PostgreSQL databases;
- :mod:`testing.kbfiles`: small KBs written as YAML files (the loader's mini KB, the feature KBs) and
  the bundled KB copied for a test to change;
- :mod:`testing.kbcache`: one KB load per KB content for a whole test session;
- :mod:`testing.browser`: Chromium's settings and a person's steps for the browser tests (needs Playwright).

The package is not shipped: ``setup.cfg`` packages only kb, rules, reports and webui. ``[tool:pytest]``
puts the project root on ``sys.path`` (``pythonpath = .``) so that it imports in tests.
"""
