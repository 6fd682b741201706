"""portalwatch: nightly data-quality monitoring of a government electronic information portal.

The package follows the stages of a night, one sub-package each:

    profile -> render -> extract -> normalise -> validate -> findings -> store -> alerts / reports

Each stage is a plain function over plain data (dataclasses, DataFrames); the Prefect flows in
``flows/`` only wire them together. See README.md and DESIGN notes in the repository.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
